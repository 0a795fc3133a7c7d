-- loop: 10M iterations of integer arithmetic in a while loop.
local acc = 0
local i = 0
while i < 10000000 do
  acc = (acc + i * 7) % 1000003
  i = i + 1
end
print(acc)
