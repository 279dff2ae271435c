--[[
  Turn a reservation into a held work order after the requirement side accepted the grab.
  Idempotent: confirming a work order the planner already holds changes nothing, so the journal
  replay may call it again after a crash.

  Input:
    KEYS[1] active hash, KEYS[2] reservations zset, KEYS[3] today's win counter
    ARGV[1] requirement id, ARGV[2] work-order id, ARGV[3] token,
    ARGV[4] "1" when dispatched by the system (an assignment, not a grab: not counted in the quota)

  Output: 1 confirmed · 0 already held

  Names (the typed caller in grab/scripts.ts is checked against them at load):
  @keys active reservations day
  @args requirementId workOrderId token dispatch
]]
redis.call('ZREM', KEYS[2], ARGV[3])
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
if ARGV[4] ~= '1' then
  redis.call('INCR', KEYS[3])
  redis.call('EXPIRE', KEYS[3], 172800)
end
return 1
