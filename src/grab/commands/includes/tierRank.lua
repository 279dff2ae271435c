-- Rank of a tier: S=1 (best) … C=4; anything else sorts after C.
local function tierRank(t)
  if t == 'S' then return 1 elseif t == 'A' then return 2 elseif t == 'B' then return 3 elseif t == 'C' then return 4 end
  return 9
end
