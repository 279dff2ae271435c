--[[
  A winner missed the proposal deadline: free the slot, bar that planner from this requirement
  (rule 12), and re-open a full requirement to the tiers already released. Idempotent: a second
  call for the same work order finds nothing to free.

  Input:
    KEYS[1] meta, KEYS[2] planners, KEYS[3] suppliers, KEYS[4] expired, KEYS[5] journal
    ARGV[1] planner id, ARGV[2] supplier id, ARGV[3] work-order id

  Output: {1, reopened(0|1), filled} freed · {0} nothing to free · -100 not loaded

  Names (the typed caller in grab/scripts.ts is checked against them at load):
  @keys meta planners suppliers expired workOrders
  @args plannerId supplierId workOrderId
]]
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return -100 end
redis.call('SADD', KEYS[4], ARGV[1])
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[3] then return {0} end
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('HGET', KEYS[3], ARGV[2]) == ARGV[3] then redis.call('HDEL', KEYS[3], ARGV[2]) end
redis.call('HDEL', KEYS[5], ARGV[3])
local filled = redis.call('HINCRBY', KEYS[1], 'filled', -1)
local reopened = 0
if status == 'full' then
  redis.call('HSET', KEYS[1], 'status', 'open')
  redis.call('HDEL', KEYS[1], 'fullAt')
  reopened = 1
end
return {1, reopened, filled}
