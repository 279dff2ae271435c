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
    {1, workOrderId, filled, wanted, becameFull(0|1), contact, now}  won (new)
    {2, workOrderId, filled, wanted, 0, contact, grabbedAt}          already held (repeat; grabbedAt from its
                                                                     journal entry, null if it has none)
    -100 not loaded · -1 closed · -2 not released to tier · -3 not a candidate
    -6 supplier holds a slot · -8 full · -12 let a slot expire before · -13 blocked
    -14 own requirement · -15 tier below minimum

  Names (the typed caller in grab/scripts.ts is checked against them at load):
  @keys meta candidates planners suppliers expired blocked workOrders unsynced
  @args plannerId supplierId tier phone openid workOrderId channel now dispatch
]]
--- @include "includes/tierRank"
--- @include "includes/requirementSide"

local k = {meta = KEYS[1], candidates = KEYS[2], planners = KEYS[3], suppliers = KEYS[4], expired = KEYS[5],
  blocked = KEYS[6], workOrders = KEYS[7], unsynced = KEYS[8]}
return requirementSide(k, ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9])
