--[[
  The hot state says a requirement is paid, if the hot state holds it (an absent requirement is
  loaded from PostgreSQL later, already paid): one step, so a requirement evicted or rebuilt between
  a check and a write is never left as a half-written hash.

  Input: KEYS[1] meta · no ARGV
  Output: 1 marked · 0 not loaded

  Names (the typed caller in grab/scripts.ts is checked against them at load):
  @keys meta
  @args
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'status', 'paid')
return 1
