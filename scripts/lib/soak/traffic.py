"""The run's traffic: outgoing messages at a steady rate with bursts, incoming SMS (single and
concatenated, parts out of order) and HLR lookups, drawn from the seed.

Outgoing messages mix GSM 7-bit, UCS2, long (3 parts) and flash SMS, voice calls and Viber,
each to one of ``POOL`` numbers; every ``burst_every`` seconds one action goes to tens of
recipients at once. Each call runs as its own task, so a slow answer (an action waits up to
30 s for the SMSC's ids) never slows the rate down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
import random
import time
from typing import Any

from ha_demo.account import SENDER

from smscsim import SmscSimulator, text as textcodec

from .calls import Caller
from .ledger import HLR_PREFIX, Call, Ledger
from .plan import Plan

POOL = 5000  # outgoing recipients: +7 999 000-00-00 and on (the 50-per-subscriber rule)
INCOMING_POOL = 500
WORDS = ("door", "garage", "alarm", "water", "leak", "window", "motion", "boiler", "pump")
RUSSIAN = ("дверь", "гараж", "тревога", "вода", "утечка", "окно", "движение", "котёл", "насос")
# kind -> (weight, action)
KINDS: dict[str, tuple[int, str]] = {
    "gsm": (40, "send_sms"),
    "ucs2": (20, "send_sms"),
    "long": (12, "send_sms"),
    "long_ucs2": (5, "send_sms"),
    "flash": (10, "send_sms"),
    "call": (7, "call"),
    "viber": (6, "send_viber"),
}


def _phone(number: int) -> str:
    return f"+7999{number:07d}"


class Traffic:
    """Makes the calls and injects the incoming SMS; everything goes into the ledger."""

    def __init__(
        self,
        plan: Plan,
        ledger: Ledger,
        sim: SmscSimulator,
        caller: Callable[[], Caller],
    ) -> None:
        self.plan = plan
        self.ledger = ledger
        self.sim = sim
        self.caller = caller  # the current connection (a new one after each restart)
        self.rng = random.Random(plan.seed + 1)
        self.tasks: set[asyncio.Task[None]] = set()
        self._hlr_numbers = 0
        self.stopping = False

    async def run(self, seconds: float) -> None:
        """Traffic for `seconds`; then every call still waiting goes on until answered."""
        await asyncio.gather(
            self._every(1 / self.plan.rate, seconds, self._send_one),
            self._every(self.plan.burst_every, seconds, self._burst),
            self._every(self.plan.hlr_every, seconds, self._hlr),
            self._every(1 / self.plan.incoming_rate, seconds, self._incoming),
        )

    async def settle(self) -> None:
        """Wait for every call made to be answered."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    async def _every(
        self, period: float, seconds: float, action: Callable[[], Coroutine[Any, Any, None]]
    ) -> None:
        """`action` every `period` seconds on a fixed schedule (a late wake-up catches up)."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        n = 0
        while not self.stopping:
            due = start + n * period
            if due - start >= seconds:
                return
            if (delay := due - loop.time()) > 0:
                await asyncio.sleep(delay)
            n += 1
            await action()

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _call(self, call: Call, service: str, data: dict[str, Any]) -> None:
        answer = await self.caller().call("smscentre", service, data)
        self.ledger.answered(call, answer.kind, answer.response, answer.error)

    def _text(self, tag: str, kind: str) -> str:
        rng = self.rng
        if kind in ("ucs2", "long_ucs2"):
            words = " ".join(rng.choices(RUSSIAN, k=4 if kind == "ucs2" else 30))
            return f"Сообщение #{tag} {words}"
        words = " ".join(rng.choices(WORDS, k=60 if kind == "long" else 5))
        return f"Soak #{tag} {words}"

    async def _send_one(self) -> None:
        rng = self.rng
        kind = rng.choices(list(KINDS), weights=[w for w, _ in KINDS.values()])[0]
        service = KINDS[kind][1]
        tag = self.ledger.tag("O")
        recipient = _phone(rng.randrange(POOL))
        data: dict[str, Any] = {"recipients": [recipient], "message": self._text(tag, kind)}
        if kind == "flash":
            data["flash"] = True
        call = Call(tag, kind, (recipient.lstrip("+"),), time.time())
        self.ledger.calls[tag] = call
        self._spawn(self._call(call, service, data))

    async def _burst(self) -> None:
        rng = self.rng
        size = rng.randint(*self.plan.burst_size)
        numbers = rng.sample(range(POOL), size)
        tag = self.ledger.tag("O")
        recipients = [_phone(n) for n in numbers]
        data = {"recipients": recipients, "message": f"Burst #{tag} {rng.choice(WORDS)}"}
        call = Call(tag, "burst", tuple(r.lstrip("+") for r in recipients), time.time())
        self.ledger.calls[tag] = call
        self._spawn(self._call(call, "send_sms", data))

    async def _hlr(self) -> None:
        self._hlr_numbers += 1
        number = f"{HLR_PREFIX}{self.plan.seed % 1000:03d}{self._hlr_numbers:04d}"
        call = Call(f"H{self._hlr_numbers}", "hlr", (number,), time.time())
        self.ledger.hlr_calls[number] = call
        self._spawn(self._call(call, "hlr_lookup", {"recipient": f"+{number}", "timeout": 60}))

    async def _incoming(self) -> None:
        rng = self.rng
        tag = self.ledger.tag("I")
        source = f"7997{rng.randrange(INCOMING_POOL):07d}"
        self.ledger.incoming[tag] = time.time()
        if rng.random() < 0.25:  # concatenated, parts out of order
            text = f"Long #{tag} " + " ".join(rng.choices(WORDS, k=50))
            total = len(textcodec.split(text, 0, 153))
            order = list(range(1, total + 1))
            rng.shuffle(order)
            await self.sim.deliver_long(
                source=source,
                destination=SENDER,
                text=text,
                ref=rng.randrange(256),
                per_part=153,
                order=order,
            )
        else:
            await self.sim.deliver_sm(source=source, destination=SENDER, text=f"In #{tag} hi")
