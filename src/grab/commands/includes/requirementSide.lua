-- The requirement side of a grab (rules 1-3, 6-8, 12-15) and the award: grab-8 and grabOne-14 share it.
-- k: {meta, candidates, planners, suppliers, expired, blocked, workOrders, unsynced} keys.
-- Returns a refusal number (-100: not loaded), or {1 won | 2 already held, workOrderId, filled, wanted, becameFull, contact,
-- grabbedAt ms} (a repeat's grab time from its journal entry: its deadline is known without reading PostgreSQL).
local function requirementSide(k, pid, sid, tier, phone, openid, wo, channel, now, dispatch)
  local m = redis.call('HMGET', k.meta, 'status', 'wanted', 'filled', 'released', 'minTier', 'travelerPhone', 'travelerOpenid', 'contact')
  if not m[1] then return -100 end

  local held = redis.call('HGET', k.planners, pid)
  if held then
    local entry = redis.call('HGET', k.workOrders, held)
    return {2, held, tonumber(m[3]), tonumber(m[2]), 0, m[8], entry and cjson.decode(entry).at or false}
  end

  if m[1] == 'full' then return -8 end
  if m[1] ~= 'open' then return -1 end
  if redis.call('HEXISTS', k.candidates, pid) == 0 then return -3 end
  if tierRank(tier) > tierRank(m[5]) then return -15 end
  if dispatch ~= '1' and not string.find(m[4], tier, 1, true) then return -2 end
  if redis.call('SISMEMBER', k.expired, pid) == 1 then return -12 end
  if redis.call('SISMEMBER', k.blocked, 'p:' .. pid) == 1 or redis.call('SISMEMBER', k.blocked, 's:' .. sid) == 1 then return -13 end
  if (phone ~= '' and phone == m[6]) or (openid ~= '' and openid == m[7]) then return -14 end
  if redis.call('HEXISTS', k.suppliers, sid) == 1 then return -6 end
  local filled, wanted = tonumber(m[3]), tonumber(m[2])
  if filled >= wanted then return -8 end

  redis.call('HSET', k.planners, pid, wo)
  redis.call('HSET', k.suppliers, sid, wo)
  redis.call('HSET', k.workOrders, wo, cjson.encode({plannerId = tonumber(pid), supplierId = tonumber(sid), channel = channel, at = tonumber(now)}))
  redis.call('SADD', k.unsynced, wo)
  filled = redis.call('HINCRBY', k.meta, 'filled', 1)
  local full = 0
  if filled >= wanted then
    redis.call('HSET', k.meta, 'status', 'full', 'fullAt', now)
    full = 1
  end
  return {1, wo, filled, wanted, full, m[8], tonumber(now)}
end
