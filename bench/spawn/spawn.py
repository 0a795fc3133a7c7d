# spawn: start 1M asyncio tasks that each put their index on one queue bounded at
# 1024; main gets and sums.
import asyncio

N = 1000000


async def send_index(queue, i):
    await queue.put(i)


async def main():
    queue = asyncio.Queue(maxsize=1024)
    tasks = [asyncio.create_task(send_index(queue, i)) for i in range(N)]
    total = 0
    for _ in range(N):
        total += await queue.get()
    await asyncio.gather(*tasks)
    print(total)


asyncio.run(main())
