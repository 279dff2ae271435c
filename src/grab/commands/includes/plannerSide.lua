-- The planner side of a grab (rules 4, 5, 9, 10): reservePlanner-4 and grabOne-14 share it.
-- k: {meta, active, reservations, day} keys; rid requirement id; now ms; dispatch "1" when by the system.
-- Returns a refusal number, or {heldWorkOrderId or false, tier, supplierId, phone, openid} (no phone or openid when held).
local function plannerSide(k, rid, now, defaultQuota, dispatch)
  local m = redis.call('HMGET', k.meta, 'status', 'bound', 'supplierId', 'supplierStatus', 'tier', 'maxActive', 'dailyQuota', 'phone', 'openid')
  if not m[1] then return -100 end
  if m[1] ~= 'active' then return -4 end
  if m[2] ~= '1' then return -41 end
  if m[4] ~= 'active' then return -5 end
  local held = redis.call('HGET', k.active, rid)
  if held then return {held, m[5], m[3], '', ''} end
  redis.call('ZREMRANGEBYSCORE', k.reservations, '-inf', now)
  local inflight = redis.call('ZCARD', k.reservations)
  if redis.call('HLEN', k.active) + inflight >= tonumber(m[6]) then return -9 end
  if dispatch ~= '1' then
    local quota = tonumber(m[7]) or tonumber(defaultQuota)
    if (tonumber(redis.call('GET', k.day)) or 0) + inflight >= quota then return -10 end
  end
  return {false, m[5], m[3], m[8] or '', m[9] or ''}
end
