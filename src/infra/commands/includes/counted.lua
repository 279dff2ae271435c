-- A fixed-window counter (rule 11): INCR, and the window set on the first hit in the same step, so
-- a crash can never leave a counter without expiry. True while the count is within the limit.
-- rateLimit-1 and the engine's grabOne-14 share it (includes are looked up in the script's own folder, then here).
local function counted(key, limit, windowMs)
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, windowMs) end
  return n <= limit
end
