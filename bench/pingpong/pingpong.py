# pingpong: 1M round trips between two asyncio tasks. An asyncio.Queue cannot be
# unbuffered, so each direction is a queue bounded at 1: the closest equivalent.
import asyncio

N = 1000000


async def ponger(ping, pong):
    while True:
        v = await ping.get()
        if v is None:
            return
        await pong.put(v + 1)


async def main():
    ping = asyncio.Queue(maxsize=1)
    pong = asyncio.Queue(maxsize=1)
    task = asyncio.create_task(ponger(ping, pong))
    total = 0
    for i in range(N):
        await ping.put(i)
        total += await pong.get()
    await ping.put(None)
    await task
    print(total)


asyncio.run(main())
