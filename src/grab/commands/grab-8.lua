--[[
  Decide one grab on the requirement's side, atomically (the requirement's hash slot).
  The planner side (rules 4, 5, 9, 10, 11) was reserved by reservePlanner-4 just before.

  - meta present? (else the caller loads it from PostgreSQL and retries)
  - planner already holds a slot: the same success again (rule 7, idempotent)
  - status open (rule 1), full answers FULL (rule 8)
  - planner is a matched candidate (rule 3)
  - planner's tier at least the requirement's minimum tier (rule 15)
  - planner's tier already released (rule 2), unless dispatched by the system
  - planner never let a slot of this requirement expire (rule 12)
  - traveler has not blocked the planner or the supplier (rule 13)
  - not the planner's own requirement (rule 14)
  - supplier holds no slot (rule 6)
  - filled < wanted (rule 8)
  On success: record the work order in the journal (wo + unsynced), count the slot, and turn
  the requirement full when the last slot goes: it leaves every pool in this same step.

  Input:
    KEYS[1] meta, KEYS[2] candidates, KEYS[3] planners, KEYS[4] suppliers, KEYS[5] expired,
    KEYS[6] blocked, KEYS[7] work orders (journal), KEYS[8] unsynced
    ARGV[1] planner id, ARGV[2] supplier id, ARGV[3] planner tier, ARGV[4] planner phone,
    ARGV[5] planner openid, ARGV[6] new work-order id, ARGV[7] channel, ARGV[8] now ms,
    ARGV[9] "1" when dispatched by the system

  Output:
    {1, workOrderId, filled, wanted, becameFull(0|1), contact}  won (new)
    {2, workOrderId, filled, wanted, 0, contact}                already held (repeat)
    -100 not loaded · -1 closed · -2 not released to tier · -3 not a candidate
    -6 supplier holds a slot · -8 full · -12 let a slot expire before · -13 blocked
    -14 own requirement · -15 tier below minimum

  Names (the typed caller in grab/scripts.ts is checked against them at load):
  @keys meta candidates planners suppliers expired blocked workOrders unsynced
  @args plannerId supplierId tier phone openid workOrderId channel now dispatch
]]
--- @include "includes/tierRank"

local pid, sid = ARGV[1], ARGV[2]
local m = redis.call('HMGET', KEYS[1], 'status', 'wanted', 'filled', 'released', 'minTier', 'travelerPhone', 'travelerOpenid', 'contact')
if not m[1] then return -100 end

local held = redis.call('HGET', KEYS[3], pid)
if held then return {2, held, tonumber(m[3]), tonumber(m[2]), 0, m[8]} end

if m[1] == 'full' then return -8 end
if m[1] ~= 'open' then return -1 end
if redis.call('HEXISTS', KEYS[2], pid) == 0 then return -3 end
local tier = ARGV[3]
if tierRank(tier) > tierRank(m[5]) then return -15 end
if ARGV[9] ~= '1' and not string.find(m[4], tier, 1, true) then return -2 end
if redis.call('SISMEMBER', KEYS[5], pid) == 1 then return -12 end
if redis.call('SISMEMBER', KEYS[6], 'p:' .. pid) == 1 or redis.call('SISMEMBER', KEYS[6], 's:' .. sid) == 1 then return -13 end
if (ARGV[4] ~= '' and ARGV[4] == m[6]) or (ARGV[5] ~= '' and ARGV[5] == m[7]) then return -14 end
if redis.call('HEXISTS', KEYS[4], sid) == 1 then return -6 end
local filled, wanted = tonumber(m[3]), tonumber(m[2])
if filled >= wanted then return -8 end

local wo = ARGV[6]
redis.call('HSET', KEYS[3], pid, wo)
redis.call('HSET', KEYS[4], sid, wo)
redis.call('HSET', KEYS[7], wo, cjson.encode({plannerId = tonumber(pid), supplierId = tonumber(sid), channel = ARGV[7], at = tonumber(ARGV[8])}))
redis.call('SADD', KEYS[8], wo)
filled = redis.call('HINCRBY', KEYS[1], 'filled', 1)
local full = 0
if filled >= wanted then
  redis.call('HSET', KEYS[1], 'status', 'full', 'fullAt', ARGV[8])
  full = 1
end
return {1, wo, filled, wanted, full, m[8]}
