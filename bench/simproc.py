"""The simulator in a child process, driven through a pipe.

The child owns an ``SmscSimulator`` on its own event loop (its own core on a 2-core machine,
so the simulator never competes with Home Assistant for the CPU). Commands are
``(name, kwargs)`` tuples answered with one reply each.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from multiprocessing.connection import Connection
import time
from typing import Any

ACCOUNT = ("bench", "benchpw")
# CPU per PDU of the "realistic" SMSC: the raw pipelined client then reaches about a quarter of
# the simulator's own ceiling, close to other SMPP simulators and real gateways on one bind
REALISTIC_PDU_COST = 20e-6


def _serve(conn: Connection, http: bool) -> None:
    asyncio.run(_main(conn, http))


async def _main(conn: Connection, http: bool) -> None:
    from smscsim import SmscSimulator

    sim = SmscSimulator(
        accounts={ACCOUNT[0]: ACCOUNT[1]},
        auto_receipts=False,
        inactivity_timeout=600.0,
        # counters only: the simulator's memory and GC stay flat at any volume; with the HTTP
        # API every message is kept, to count each one's copies
        history=None if http else 0,
        http_port=0 if http else None,
    )
    if sim.http is not None:
        sim.http.balance = 1e9
    await sim.start()
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
    loop.add_reader(conn.fileno(), lambda: inbox.put_nowait(conn.recv()))
    conn.send((sim.port, None if sim.http is None else sim.http.port))
    while True:
        name, kwargs = await inbox.get()
        if name == "stop":
            loop.remove_reader(conn.fileno())
            await sim.stop()
            conn.send(None)
            return
        try:
            result = await _command(sim, name, kwargs)
        except Exception as err:  # reported to the parent, which raises
            result = err
        conn.send(result)


async def _command(sim: Any, name: str, kwargs: dict[str, Any]) -> Any:
    if name == "reset":
        sim.reset_observations()  # forget what was observed (memory); keep sessions
        sim.clear_faults()
        sim.set_throughput(kwargs.get("throughput"))
        sim.duplicate_window = kwargs.get("duplicate_window", 60.0)
        sim.pdu_cost = kwargs.get("pdu_cost", 0.0)
        return None
    if name == "throughput":
        sim.set_throughput(kwargs["rate"])
        return None
    if name == "stats":
        return {
            "submits": sim.submit_count,
            "accepted": sim.accepted_count,
            "statuses": {str(k): v for k, v in sim.status_counts.items()},
            "sessions": len(sim.sessions),
            "first": sim.first_submit_at,
            "last": sim.last_submit_at,
            "busiest_second": sim.busiest_second,
            "system_ids": [session.system_id for session in sim.sessions],
        }
    if name == "link_down":
        sim.refuse_binds(0x08)
        sim.drop_all()
        return None
    if name == "link_up":
        sim.clear_faults()
        return None
    if name == "http_latency":
        sim.http.latency = kwargs["seconds"]
        return None
    if name == "inject":
        return await _inject(sim, **kwargs)
    if name == "copies":  # (destination, text) -> how many times it arrived, by way
        copies: dict[str, int] = {}
        ways = {"smpp": 0, "http": 0}
        for message in sim.messages():
            key = f"{message.destination} {message.text}"
            copies[key] = copies.get(key, 0) + 1
            ways[message.via] += 1
        return {"distinct": len(copies), "copies": sum(copies.values()), "ways": ways}
    raise ValueError(f"unknown command {name}")


async def _inject(sim: Any, count: int, rate: float, source: str, destination: str) -> int:
    """DELIVER_SM ``count`` texts at ``rate``/s, each stamped with CLOCK_MONOTONIC."""
    start = time.monotonic()
    interval = 1.0 / rate
    for index in range(count):
        due = start + index * interval
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await sim.deliver_sm(
            source=source,
            destination=destination,
            text=f"bench {index} {time.monotonic():.6f}",
        )
    return count


class SimProcess:
    """Start/stop the child and call its commands."""

    def __init__(self, *, http: bool = False) -> None:
        """``http``: the provider's HTTP API too (``http_port``), every message kept."""
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(child, http), daemon=True)
        self._process.start()
        child.close()
        self.port: int
        self.http_port: int | None
        self.port, self.http_port = self._conn.recv()

    async def call(self, name: str, **kwargs: Any) -> Any:
        """Run a command in the child; the reply is awaited off the event loop."""
        self._conn.send((name, kwargs))
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(None, self._conn.recv)
        if isinstance(result, Exception):
            raise result
        return result

    def close(self) -> None:
        """Stop the simulator and the child."""
        try:
            self._conn.send(("stop", {}))
            self._conn.recv()
        except (OSError, EOFError):
            pass
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
