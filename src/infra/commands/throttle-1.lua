--[[
  A growing delay between tries (ops sign-in, per account and address). The try is counted before
  its password is checked, in one step, so concurrent guesses cannot all be evaluated:
  - refused while the delay the last try set has not passed;
  - otherwise counted, and the next try must wait baseMs * 2^(tries - free - 1) (none within the
    first `free` tries), at most maxMs. A success deletes the state (the caller's DEL).

  Input: KEYS[1] state hash (tries, until) · ARGV[1] now ms · ARGV[2] free tries · ARGV[3] base ms ·
         ARGV[4] max ms · ARGV[5] forget after ms (the state's expiry, renewed by each try)
  Output: >0 allowed: this try's number · <0 refused: minus the ms still to wait

  Names (the typed caller in infra/scripts.ts is checked against them at load):
  @keys state
  @args now free baseMs maxMs ttlMs
]]
local now = tonumber(ARGV[1])
local waitUntil = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if now < waitUntil then return now - waitUntil end
local tries = redis.call('HINCRBY', KEYS[1], 'tries', 1)
local free = tonumber(ARGV[2])
if tries > free then
  local delay = math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * 2 ^ (tries - free - 1))
  redis.call('HSET', KEYS[1], 'until', now + delay)
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return tries
