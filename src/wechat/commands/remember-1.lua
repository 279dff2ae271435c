--[[
  The passive reply a WeChat delivery got, kept for WeChat's retries of it (wechat/callback.ts
  `once`): a SET with expiry, as a script so that it goes over the direct line with the reply's
  other scripts (a command through ioredis cost more than the script).

  Input: KEYS[1] claim · ARGV[1] value · ARGV[2] seconds to keep it
  Output: 1

  Names (the typed caller in wechat/scripts.ts is checked against them at load):
  @keys claim
  @args value ttlSec
]]
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
