--[[
  Reserve room for one grab on the planner's side (the planner's hash slot).

  A grab touches two slots: the planner's (capacity, daily quota) and the requirement's
  (everything else). Cluster forbids one script across both, so the planner side is a
  reservation: a token counted against capacity and quota until it is confirmed (win) or
  dropped (rejection). A token carries an expiry, so a process that dies mid-grab frees the room
  by itself: no lock, nothing that can deadlock, never over capacity.
  (Rate limits, rule 11, are counted before this step by rateLimit-1.)

  - planner known (else the caller loads it and retries)
  - planner active and WeChat-bound; supplier active (rules 4, 5)
  - already holds the requirement: answer "holder" without reserving (rule 7, idempotent)
  - active work orders + live reservations < maxActive (rule 9)
  - wins today + live reservations < daily quota (rule 10), unless dispatched by the system

  Input:
    KEYS[1] planner meta, KEYS[2] active hash, KEYS[3] reservations zset, KEYS[4] today's win counter
    ARGV[1] requirement id, ARGV[2] token, ARGV[3] now ms, ARGV[4] reservation ttl ms,
    ARGV[5] default daily quota, ARGV[6] "1" when dispatched by the system

  Output:
    {0, tier, supplierId, phone, openid}  reserved
    {1, workOrderId, tier, supplierId}    already holds it: nothing reserved
    -100 planner not loaded · -4 planner suspended · -41 not WeChat-bound · -5 supplier suspended
    -9 over capacity · -10 daily quota used

  Names (the typed caller in grab/scripts.ts is checked against them at load):
  @keys meta active reservations day
  @args requirementId token now ttlMs defaultQuota dispatch
]]
local now = tonumber(ARGV[3])

local m = redis.call('HMGET', KEYS[1], 'status', 'bound', 'supplierId', 'supplierStatus', 'tier', 'maxActive', 'dailyQuota', 'phone', 'openid')
if not m[1] then return -100 end
if m[1] ~= 'active' then return -4 end
if m[2] ~= '1' then return -41 end
if m[4] ~= 'active' then return -5 end

local held = redis.call('HGET', KEYS[2], ARGV[1])
if held then return {1, held, m[5], m[3]} end

redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local inflight = redis.call('ZCARD', KEYS[3])
if redis.call('HLEN', KEYS[2]) + inflight >= tonumber(m[6]) then return -9 end

if ARGV[6] ~= '1' then
  local quota = tonumber(m[7]) or tonumber(ARGV[5])
  if (tonumber(redis.call('GET', KEYS[4])) or 0) + inflight >= quota then return -10 end
end

redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return {0, m[5], m[3], m[8] or '', m[9] or ''}
