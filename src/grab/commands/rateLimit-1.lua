--[[
  Fixed-window counter (per IP and per planner, rule 11): INCR and set the window on the first hit, in one step
  so a crash can never leave a counter without expiry.

  Input: KEYS[1] counter · ARGV[1] limit · ARGV[2] window ms
  Output: 1 allowed · 0 over the limit

  Names (the typed caller in grab/scripts.ts is checked against them at load):
  @keys counter
  @args limit windowMs
]]
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n > tonumber(ARGV[1]) then return 0 end
return 1
