-- data: build a 1M-element list with a linear congruential generator, sort it and
-- sum it; then generate 200K words from a small vocabulary, join them into one text,
-- split it again and count the words with a table.
local N = 1000000
local WORDS = 200000

local vocab = {"legion", "channel", "spawn", "select", "worker", "stack", "queue",
               "steal", "park", "ready", "yield", "sleep", "timer", "signal",
               "switch", "frame", "value", "trait", "match", "closure"}

local seed = 42
local v = {}
for i = 1, N do
  seed = (seed * 1103515245 + 12345) % 2147483648
  v[i] = seed % 1000000
end
table.sort(v)
local sum = 0
for i = 1, N do
  sum = sum + v[i]
end

local words = {}
for i = 1, WORDS do
  seed = (seed * 1103515245 + 12345) % 2147483648
  words[i] = vocab[(seed // 65536) % #vocab + 1]
end
local text = table.concat(words, " ")
local counts = {}
local distinct = 0
for w in string.gmatch(text, "[^ ]+") do
  local c = counts[w]
  if c == nil then
    distinct = distinct + 1
    counts[w] = 1
  else
    counts[w] = c + 1
  end
end
local weighted = 0
for rank, w in ipairs(vocab) do
  weighted = weighted + counts[w] * rank
end
print(string.format("%d %d %d %d %d %d", v[1], v[N // 2 + 1], v[N], sum, distinct, weighted))
