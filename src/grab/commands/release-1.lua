--[[
  Release a requirement to one tier: one write to the requirement's meta, so every candidate
  of that tier sees it in their pool at the same moment (pool reads check `released`).
  A full requirement still records the release, so a slot that expires later re-opens to it.

  Input: KEYS[1] meta · ARGV[1] tier · ARGV[2] now ms
  Output: {1, status} released now · {0, status} released before · -100 not loaded

  Names (the typed caller in grab/scripts.ts is checked against them at load):
  @keys meta
  @args tier now
]]
local m = redis.call('HMGET', KEYS[1], 'status', 'released')
if not m[1] then return -100 end
if string.find(m[2], ARGV[1], 1, true) then return {0, m[1]} end
redis.call('HSET', KEYS[1], 'released', m[2] .. ARGV[1], 'rel' .. ARGV[1], ARGV[2])
return {1, m[1]}
