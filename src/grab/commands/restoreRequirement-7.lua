--[[
  Load a requirement's hot state from PostgreSQL's copy, only if it is absent, in one step, so
  a concurrent grab never sees half of it and a slower loader never overwrites newer state.

  Input:
    KEYS[1..7] as grab-8 (meta, candidates, planners, suppliers, expired, blocked, journal);
    the unsynced set is the journal's own and is left alone
    ARGV[1] JSON {meta:{field:value}, candidates:{pid:tier}, planners:{pid:wo},
                  suppliers:{sid:wo}, expired:[pid], blocked:["p:1","s:2"], journal:{wo:json}}

  Output: 1 loaded · 0 already present

  Names (the typed caller in grab/scripts.ts is checked against them at load):
  @keys meta candidates planners suppliers expired blocked workOrders
  @args state
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local s = cjson.decode(ARGV[1])
local function hset(key, tbl)
  local args = {}
  for k, v in pairs(tbl) do args[#args + 1] = k; args[#args + 1] = v end
  for i = 1, #args, 1000 do redis.call('HSET', key, unpack(args, i, math.min(i + 999, #args))) end
end
local function sadd(key, arr)
  for i = 1, #arr, 1000 do redis.call('SADD', key, unpack(arr, i, math.min(i + 999, #arr))) end
end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
hset(KEYS[2], s.candidates)
hset(KEYS[3], s.planners)
hset(KEYS[4], s.suppliers)
sadd(KEYS[5], s.expired)
sadd(KEYS[6], s.blocked)
hset(KEYS[7], s.journal)
hset(KEYS[1], s.meta)
return 1
