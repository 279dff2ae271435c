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
--- @include "includes/plannerSide"

local k = {meta = KEYS[1], active = KEYS[2], reservations = KEYS[3], day = KEYS[4]}
local now = tonumber(ARGV[3])
local p = plannerSide(k, ARGV[1], now, ARGV[5], ARGV[6])
if type(p) == 'number' then return p end
if p[1] then return {1, p[1], p[2], p[3]} end -- already holds it: nothing reserved

redis.call('ZADD', k.reservations, now + tonumber(ARGV[4]), ARGV[2])
redis.call('PEXPIRE', k.reservations, ARGV[4])
return {0, p[2], p[3], p[4], p[5]}
