--[[
  Release a lock only if we still hold it (compare-and-delete), so a holder whose lock expired
  never deletes the lock of the process that took it over.

  Input: KEYS[1] lock · ARGV[1] our token
  Output: 1 released · 0 not ours (expired, or taken over)

  Names (the typed caller in grab/scripts.ts is checked against them at load):
  @keys lock
  @args token
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
