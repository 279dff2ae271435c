--[[
  The passive replies WeChat deliveries got, kept for WeChat's retries of them (wechat/delivery.ts
  `once`): a SET with expiry each. Any number in one call: on one server the replies answered within
  a few milliseconds are kept together (a storm's replies: one call for dozens), on a cluster one
  each (their keys lie in different slots).

  Input: KEYS[1..n] claims · ARGV[1] seconds to keep them · ARGV[2..n+1] each claim's value
  Output: the number kept

  Names (the typed caller in wechat/scripts.ts is checked against them at load):
  @keys claim...
  @args ttlSec value...
]]
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[i + 1], 'EX', ARGV[1])
end
return #KEYS
