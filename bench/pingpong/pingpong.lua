-- pingpong: 1M round trips between the main code and a coroutine. Each resume
-- hands i to the coroutine, each yield hands i + 1 back.
local N = 1000000

local ponger = coroutine.wrap(function(v)
  while true do
    v = coroutine.yield(v + 1)
  end
end)

local sum = 0
for i = 0, N - 1 do
  sum = sum + ponger(i)
end
print(sum)
