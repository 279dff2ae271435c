--[[
  A whole grab in one step, on one Redis server (a planner's grab, not a dispatch): the rate limits
  (as rateLimit-1) and the look at the requirement (as peekGrab-2), the planner side (as reservePlanner-4), the
  requirement side (as grab-8) and, on a win, the planner side confirmed (as confirmPlanner-3). The
  same checks in the same order give the same answers, and nothing is held between round trips:
  a win is one round trip instead of four. Its keys lie in several hash slots, so a Redis Cluster
  runs those scripts instead (grab.ts), as does a dispatch.

  Input:
    KEYS[1] IP counter, KEYS[2] planner counter,
    KEYS[3] planner meta, KEYS[4] planner's active hash, KEYS[5] planner's reservations zset,
    KEYS[6] planner's win counter today,
    KEYS[7] requirement meta, KEYS[8] candidates, KEYS[9] planners, KEYS[10] suppliers,
    KEYS[11] expired, KEYS[12] blocked, KEYS[13] work orders (journal), KEYS[14] unsynced
    ARGV[1] IP limit (0: not counted), ARGV[2] planner limit (0: not counted, as on a retry after
    loading hot state), ARGV[3] window ms, ARGV[4] planner id, ARGV[5] requirement id,
    ARGV[6] new work-order id, ARGV[7] channel, ARGV[8] now ms, ARGV[9] default daily quota

  Output:
    {1, workOrderId, filled, wanted, becameFull(0|1), contact, supplierId}  won (new), planner side confirmed
    {2, workOrderId, filled, wanted, 0, contact, supplierId}                already held (repeat)
    -111 IP rate-limited · -11 planner rate-limited · -100 planner not loaded · -101 requirement
    not loaded · every other refusal numbered as in reservePlanner-4 and grab-8

  Names (the typed caller in grab/scripts.ts is checked against them at load):
  @keys ipCounter plannerCounter plannerMeta active reservations day meta candidates planners suppliers expired blocked workOrders unsynced
  @args ipLimit plannerLimit windowMs plannerId requirementId workOrderId channel now defaultQuota
]]
--- @include "includes/tierRank"

local pid, rid, now = ARGV[4], ARGV[5], tonumber(ARGV[8])

-- Rule 11 (rateLimit-1): both counters count, then either refuses.
local function allowed(key, limit)
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, ARGV[3]) end
  return n <= limit
end
local ipOk, plannerOk = true, true
if tonumber(ARGV[1]) > 0 then ipOk = allowed(KEYS[1], tonumber(ARGV[1])) end
if tonumber(ARGV[2]) > 0 then plannerOk = allowed(KEYS[2], tonumber(ARGV[2])) end
if not ipOk then return -111 end
if not plannerOk then return -11 end

-- The look at the requirement (peekGrab-2): full or closed, unless the planner holds a slot.
local status = redis.call('HGET', KEYS[7], 'status')
if status and status ~= 'open' and redis.call('HEXISTS', KEYS[9], pid) == 0 then
  if status == 'full' then return -8 end
  return -1
end

-- The planner side (reservePlanner-4).
local p = redis.call('HMGET', KEYS[3], 'status', 'bound', 'supplierId', 'supplierStatus', 'tier', 'maxActive', 'dailyQuota', 'phone', 'openid')
if not p[1] then return -100 end
if p[1] ~= 'active' then return -4 end
if p[2] ~= '1' then return -41 end
if p[4] ~= 'active' then return -5 end
local sid, tier, phone, openid = p[3], p[5], p[8] or '', p[9] or ''
if redis.call('HGET', KEYS[4], rid) then
  phone, openid = '', '' -- already holds it: the requirement side answers the repeat (as reservePlanner-4's holder)
else
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
  local inflight = redis.call('ZCARD', KEYS[5]) -- a dispatch's reservations, made by the split path
  if redis.call('HLEN', KEYS[4]) + inflight >= tonumber(p[6]) then return -9 end
  local quota = tonumber(p[7]) or tonumber(ARGV[9])
  if (tonumber(redis.call('GET', KEYS[6])) or 0) + inflight >= quota then return -10 end
end

-- The requirement side (grab-8).
local m = redis.call('HMGET', KEYS[7], 'status', 'wanted', 'filled', 'released', 'minTier', 'travelerPhone', 'travelerOpenid', 'contact')
if not m[1] then return -101 end

local held = redis.call('HGET', KEYS[9], pid)
if held then return {2, held, tonumber(m[3]), tonumber(m[2]), 0, m[8], sid} end

if m[1] == 'full' then return -8 end
if m[1] ~= 'open' then return -1 end
if redis.call('HEXISTS', KEYS[8], pid) == 0 then return -3 end
if tierRank(tier) > tierRank(m[5]) then return -15 end
if not string.find(m[4], tier, 1, true) then return -2 end
if redis.call('SISMEMBER', KEYS[11], pid) == 1 then return -12 end
if redis.call('SISMEMBER', KEYS[12], 'p:' .. pid) == 1 or redis.call('SISMEMBER', KEYS[12], 's:' .. sid) == 1 then return -13 end
if (phone ~= '' and phone == m[6]) or (openid ~= '' and openid == m[7]) then return -14 end
if redis.call('HEXISTS', KEYS[10], sid) == 1 then return -6 end
local filled, wanted = tonumber(m[3]), tonumber(m[2])
if filled >= wanted then return -8 end

local wo = ARGV[6]
redis.call('HSET', KEYS[9], pid, wo)
redis.call('HSET', KEYS[10], sid, wo)
redis.call('HSET', KEYS[13], wo, cjson.encode({plannerId = tonumber(pid), supplierId = tonumber(sid), channel = ARGV[7], at = now}))
redis.call('SADD', KEYS[14], wo)
filled = redis.call('HINCRBY', KEYS[7], 'filled', 1)
local full = 0
if filled >= wanted then
  redis.call('HSET', KEYS[7], 'status', 'full', 'fullAt', ARGV[8])
  full = 1
end

-- The planner side confirmed (confirmPlanner-3): it holds the work order, counted in today's wins.
if redis.call('HSETNX', KEYS[4], rid, wo) == 1 then
  redis.call('INCR', KEYS[6])
  redis.call('EXPIRE', KEYS[6], 172800)
end
return {1, wo, filled, wanted, full, m[8], sid}
