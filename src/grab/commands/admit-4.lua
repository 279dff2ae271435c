--[[
  Stage 1 of a grab in one step, on one Redis server: both rate limits (rule 11, as rateLimit-1)
  and the read-only look at the requirement (as peekGrab-2). Its keys lie in three hash slots, so a
  Redis Cluster runs those three scripts instead (grab.ts): same answers, three commands.

  Input: KEYS[1] IP counter, KEYS[2] planner counter, KEYS[3] requirement meta, KEYS[4] planners hash
         ARGV[1] IP limit (0: no IP to count), ARGV[2] planner limit, ARGV[3] window ms, ARGV[4] planner id
  Output: {IP allowed 1|0, planner allowed 1|0, status or false, 1 if the planner holds a slot else 0}

  Names (the typed caller in grab/scripts.ts is checked against them at load):
  @keys ipCounter plannerCounter meta planners
  @args ipLimit plannerLimit windowMs plannerId
]]
local function allowed(key, limit)
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, ARGV[3]) end
  if n > limit then return 0 end
  return 1
end
local ipOk = 1
if tonumber(ARGV[1]) > 0 then ipOk = allowed(KEYS[1], tonumber(ARGV[1])) end
local plannerOk = allowed(KEYS[2], tonumber(ARGV[2]))
return {ipOk, plannerOk, redis.call('HGET', KEYS[3], 'status'), redis.call('HEXISTS', KEYS[4], ARGV[4])}
