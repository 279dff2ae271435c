--[[
  Read-only first look at a requirement for a grab: lets the caller answer a full or closed
  requirement without reserving anything. It never decides a win; grab-8 does.

  Input: KEYS[1] meta, KEYS[2] planners hash · ARGV[1] planner id
  Output: {status or false, 1 if the planner holds a slot else 0}

  Names (the typed caller in grab/scripts.ts is checked against them at load):
  @keys meta planners
  @args plannerId
]]
return {redis.call('HGET', KEYS[1], 'status'), redis.call('HEXISTS', KEYS[2], ARGV[1])}
