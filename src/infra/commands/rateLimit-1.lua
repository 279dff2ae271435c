--[[
  Fixed-window counter (per IP and per planner, rule 11): INCR and set the window on the first hit, in one step
  so a crash can never leave a counter without expiry.

  Input: KEYS[1] counter · ARGV[1] limit · ARGV[2] window ms
  Output: 1 allowed · 0 over the limit

  Names (the typed caller in infra/scripts.ts is checked against them at load):
  @keys counter
  @args limit windowMs
]]
--- @include "includes/counted"

if counted(KEYS[1], tonumber(ARGV[1]), ARGV[2]) then return 1 end
return 0
