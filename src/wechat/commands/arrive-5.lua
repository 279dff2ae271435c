--[[
  A WeChat message's first step on the reply path (wechat/callback.ts), in one step on one Redis
  server: the replay guard on its signed (timestamp, nonce), the claim on its delivery, the
  customer-service window it opens, and the read-only lookups a text needs (who asks, which
  requirement). A reply storm is the hot path this serves: one command where there were ten. Its
  keys lie in several hash slots, so a Redis Cluster sends the same commands one by one instead
  (callback.ts): same answers.

  Input: KEYS[1] nonce, KEYS[2] the delivery's claim, KEYS[3] the sender's window,
         KEYS[4] openid → planner id hash, KEYS[5] code → requirement id hash
         ARGV[1] sha1 of the body, ARGV[2] nonce TTL s, ARGV[3] claim TTL s, ARGV[4] the claim's
         placeholder, ARGV[5] the window this opens ('user', 'evt' or ''), ARGV[6] now ms,
         ARGV[7] window TTL ms, ARGV[8] openid to look up (''), ARGV[9] code to look up ('')
  Output: {fresh 1|0, claimed 1|0, planner id or false, requirement id or false}
  A replay (its signature seen with another body) claims nothing and opens no window; a delivery
  claimed before (WeChat's retry) opens none either: the first one did.

  Names (the typed caller in wechat/scripts.ts is checked against them at load):
  @keys nonce claim window openids codes
  @args digest nonceTtl claimTtl pending opens now windowTtl openid code
]]
local first = redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX')
if not first and redis.call('GET', KEYS[1]) ~= ARGV[1] then return {0, 0, false, false} end
local claimed = 0
if redis.call('SET', KEYS[2], ARGV[4], 'EX', ARGV[3], 'NX') then
  claimed = 1
  if ARGV[5] ~= '' then
    redis.call('HSET', KEYS[3], ARGV[5] .. 'At', ARGV[6], ARGV[5] .. 'Used', 0)
    redis.call('PEXPIRE', KEYS[3], ARGV[7])
  end
end
local planner = false
local requirement = false
if ARGV[8] ~= '' then planner = redis.call('HGET', KEYS[4], ARGV[8]) end
if ARGV[9] ~= '' then requirement = redis.call('HGET', KEYS[5], ARGV[9]) end
return {1, claimed, planner, requirement}
