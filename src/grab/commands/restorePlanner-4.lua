--[[
  Load a planner's hot state from PostgreSQL's copy, only if it is absent (see restoreRequirement-7).

  Input:
    KEYS[1] meta, KEYS[2] active hash, KEYS[3] today's win counter, KEYS[4] pool zset
    ARGV[1] JSON {meta:{field:value}, active:{requirementId:workOrderId}, winsToday:n,
                  pool:{requirementId:score}}

  Output: 1 loaded · 0 already present

  Names (the typed caller in grab/scripts.ts is checked against them at load):
  @keys meta active day pool
  @args state
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local s = cjson.decode(ARGV[1])
redis.call('DEL', KEYS[2])
for k, v in pairs(s.active) do redis.call('HSET', KEYS[2], k, v) end
for k, v in pairs(s.pool) do redis.call('ZADD', KEYS[4], v, k) end
if s.winsToday > 0 then redis.call('SET', KEYS[3], s.winsToday, 'EX', 172800) end
local args = {}
for k, v in pairs(s.meta) do args[#args + 1] = k; args[#args + 1] = v end
redis.call('HSET', KEYS[1], unpack(args))
return 1
