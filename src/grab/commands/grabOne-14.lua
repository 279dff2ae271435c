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
    {1, workOrderId, filled, wanted, becameFull(0|1), contact, now, supplierId}  won (new), planner side confirmed
    {2, workOrderId, filled, wanted, 0, contact, grabbedAt, supplierId}         already held (repeat)
    -111 IP rate-limited · -11 planner rate-limited · -100 planner not loaded · -101 requirement
    not loaded · every other refusal numbered as in reservePlanner-4 and grab-8

  Names (the typed caller in grab/scripts.ts is checked against them at load):
  @keys ipCounter plannerCounter plannerMeta active reservations day meta candidates planners suppliers expired blocked workOrders unsynced
  @args ipLimit plannerLimit windowMs plannerId requirementId workOrderId channel now defaultQuota
]]
--- @include "includes/tierRank"
--- @include "includes/counted"
--- @include "includes/plannerSide"
--- @include "includes/requirementSide"

local pid, rid, now = ARGV[4], ARGV[5], ARGV[8]

-- Rule 11 (rateLimit-1): both counters count, then either refuses.
local ipOk, plannerOk = true, true
if tonumber(ARGV[1]) > 0 then ipOk = counted(KEYS[1], tonumber(ARGV[1]), ARGV[3]) end
if tonumber(ARGV[2]) > 0 then plannerOk = counted(KEYS[2], tonumber(ARGV[2]), ARGV[3]) end
if not ipOk then return -111 end
if not plannerOk then return -11 end

-- The look at the requirement (peekGrab-2): full or closed, unless the planner holds a slot.
local status = redis.call('HGET', KEYS[7], 'status')
if status and status ~= 'open' and redis.call('HEXISTS', KEYS[9], pid) == 0 then
  if status == 'full' then return -8 end
  return -1
end

local planner = {meta = KEYS[3], active = KEYS[4], reservations = KEYS[5], day = KEYS[6]}
local p = plannerSide(planner, rid, tonumber(now), ARGV[9], '0')
if type(p) == 'number' then return p end
local sid = p[3]

local requirement = {meta = KEYS[7], candidates = KEYS[8], planners = KEYS[9], suppliers = KEYS[10], expired = KEYS[11],
  blocked = KEYS[12], workOrders = KEYS[13], unsynced = KEYS[14]}
local r = requirementSide(requirement, pid, sid, p[2], p[4], p[5], ARGV[6], ARGV[7], now, '0')
if r == -100 then return -101 end
if type(r) == 'number' then return r end

-- A new win: the planner side confirmed (confirmPlanner-3), it holds the work order, counted in today's wins.
if r[1] == 1 and redis.call('HSETNX', planner.active, rid, r[2]) == 1 then
  redis.call('INCR', planner.day)
  redis.call('EXPIRE', planner.day, 172800)
end
r[8] = sid
return r
