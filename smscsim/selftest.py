"""Quick throughput check: `python -m smscsim.selftest [n] [window]` (not a timed test).

Runs the simulator in a child process (its own core) and the pipelined raw client here.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from multiprocessing.synchronize import Event
import sys

from .client import RawClient
from .server import SmscSimulator


def _serve(port_queue: multiprocessing.Queue[int], stop_event: Event) -> None:
    async def main() -> None:
        sim = SmscSimulator(duplicate_window=0, auto_receipts=False)
        await sim.start()
        port_queue.put(sim.port)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, stop_event.wait)
        port_queue.put(len(sim.accepted))
        await sim.stop()

    asyncio.run(main())


async def run(n: int = 20_000, window: int = 300, port: int | None = None) -> float:
    """Submit n messages pipelined to 127.0.0.1:port; print and return submits/s."""
    client = RawClient("127.0.0.1", port or 2775, "test", "secret", "transmitter")
    status = await client.bind()
    if status:
        raise SystemExit(f"bind failed: 0x{status:02X}")
    await client.submit_many(min(n, 2000), window)  # warm up
    stats = await client.submit_many(n, window)
    await client.unbind()
    await client.close()
    print(
        f"{stats.ok} accepted, {sum(stats.failed.values())} refused, {stats.missing} missing "
        f"in {stats.elapsed:.3f} s: {stats.rate:,.0f} submit_sm/s (window {window})"
    )
    return stats.rate


async def run_in_process(n: int = 20_000, window: int = 300) -> float:
    """Simulator and client on one event loop (one core)."""
    sim = SmscSimulator(duplicate_window=0, auto_receipts=False)
    await sim.start()
    try:
        return await run(n, window, sim.port)
    finally:
        await sim.stop()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    window = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    ctx = multiprocessing.get_context("spawn")
    port_queue = ctx.Queue()
    stop_event = ctx.Event()
    server = ctx.Process(target=_serve, args=(port_queue, stop_event), daemon=True)
    server.start()
    try:
        port = port_queue.get(timeout=30)
        print(f"simulator in a child process on 127.0.0.1:{port}; client here")
        asyncio.run(run(n, window, port))
    finally:
        stop_event.set()
        server.join(10)
    print("same event loop (one core):")
    asyncio.run(run_in_process(n, window))


if __name__ == "__main__":
    main()
