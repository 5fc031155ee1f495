"""Helpers of the fault drills: scaled timings, an entry against the simulator, accounting.

Durations in the issue (a 30 s silence, binds refused for 60 s, the provider's one-minute
duplicate rule, its 30 SMS/s) are *provider-scale* figures. ``DRILL_SCALE`` shrinks every one
of them, the link's own timings with them, so the drills keep their proportions:

    DRILL_SCALE=10  the provider's figures as they are (30 s, 60 s, 30 SMS/s)
    DRILL_SCALE=1   (default) a tenth of them (3 s, 6 s, 300 SMS/s) for CI
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
import logging
import os
import time
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smscentre import runtime as runtime_module
from custom_components.smscentre.const import DOMAIN
from custom_components.smscentre.runtime import SmscRuntime
from custom_components.smscentre.sending import Sending
from custom_components.smscentre.settings import EntryOptions
from custom_components.smscentre.smsc.channels import Channel
from custom_components.smscentre.smsc.message import OutboundMessage
from custom_components.smscentre.smsc.outbox import Outbox, retry as retry_module
from smscsim import SmscSimulator

_LOGGER = logging.getLogger("tests.drills")

SCALE = float(os.environ.get("DRILL_SCALE", "1"))
PASSWORD = "Drill!p9"
LOGIN = "drill"


def ps(seconds: float) -> float:
    """A provider-scale duration in seconds, scaled for this run."""
    return seconds * SCALE / 10


# The provider's and the link's figures (at DRILL_SCALE=10).
RATE = 30 / ps(1)  # SMS/s: the account's default speed limit
DUPLICATE_WINDOW = ps(60)  # identical request refused within one minute
INACTIVITY = ps(120)  # the server drops a silent client after 2 minutes
LINK_TIMINGS = {
    "enquire_link_interval": ps(30),
    "response_timeout": ps(10),
    "connect_timeout": ps(10),
    "backoff_base": ps(1),
    "backoff_cap": ps(60),
    "failover_after": 3,
    "failback_interval": ps(30),
}
OUTBOX_TIMINGS = {"retry_base": ps(1), "retry_cap": ps(60)}
SAFE_RETRY_CAP = ps(10)


def make_sim(**kwargs: Any) -> SmscSimulator:
    """A simulator with the provider's rules at this run's scale."""
    options: dict[str, Any] = {
        "accounts": {LOGIN: PASSWORD},
        "throughput": RATE,
        "duplicate_window": DUPLICATE_WINDOW,
        "inactivity_timeout": INACTIVITY,
    }
    return SmscSimulator(**(options | kwargs))


def make_entry(sim: SmscSimulator, backup: SmscSimulator | None = None, **options: Any) -> Any:
    """An entry of the drill account pointing at the simulator (and a backup)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Drill",
        unique_id=LOGIN,
        data={
            "username": LOGIN,
            "password": PASSWORD,
            "host": sim.host,
            "port": sim.port,
            "ssl": False,
            "verify_ssl": True,
            "sender": "",
        },
        options={
            "backup_host": backup.host if backup else "",
            "backup_port": backup.port if backup else None,
            "throughput": RATE,
            "window": 10,
        }
        | options,
    )


def scale_product(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scale the link's and the outbox's timings as the provider's figures are scaled."""
    original = EntryOptions.from_entry.__func__  # type: ignore[attr-defined]

    def from_entry(cls: type[EntryOptions], entry: ConfigEntry) -> EntryOptions:
        options = original(cls, entry)
        options.link = replace(options.link, **LINK_TIMINGS)
        return options

    monkeypatch.setattr(EntryOptions, "from_entry", classmethod(from_entry))
    monkeypatch.setattr(retry_module, "SAFE_RETRY_CAP", SAFE_RETRY_CAP)
    original_init = Outbox.__init__

    def outbox_init(self: Outbox, **kwargs: Any) -> None:
        original_init(self, **(OUTBOX_TIMINGS | kwargs))

    monkeypatch.setattr(runtime_module.Outbox, "__init__", outbox_init)


@dataclass
class Ledger:
    """Every message the outbox finished, by text (each drill message has a unique text)."""

    finished: dict[str, OutboundMessage] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # local_id -> text
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Record every finished message of every runtime (across restarts too)."""
        original = Sending.message_done

        def message_done(sending: Sending, message: OutboundMessage) -> None:
            self.finished[message.local_id] = message
            self.changed.set()
            original(sending, message)

        monkeypatch.setattr(Sending, "message_done", message_done)

    def state_of(self, local_id: str) -> str:
        """sent, failed or unfinished."""
        message = self.finished.get(local_id)
        return message.state if message is not None else "unfinished"

    async def wait_finished(self, local_ids: Iterable[str], timeout: float) -> float:
        """Wait until every message is sent or failed; return when the last one finished."""
        wanted = set(local_ids)
        async with asyncio.timeout(timeout):
            while not wanted <= self.finished.keys():
                self.changed.clear()
                await self.changed.wait()
        return time.monotonic()


@dataclass
class Drill:
    """One entry against one simulator (or a primary and a backup)."""

    hass: HomeAssistant
    sim: SmscSimulator
    entry: MockConfigEntry
    ledger: Ledger
    backup: SmscSimulator | None = None
    retired: list[SmscSimulator] = field(default_factory=list)  # stopped servers, still counted
    local_ids: dict[str, str] = field(default_factory=dict)  # text -> local_id
    bound_at: list[float] = field(default_factory=list)
    unbound_at: list[float] = field(default_factory=list)
    _unsub: Callable[[], None] | None = None

    @property
    def runtime(self) -> SmscRuntime:
        """The entry's runtime (a new one after a restart)."""
        return self.entry.runtime_data

    async def setup(self) -> None:
        """Set up the entry and follow the link's status."""
        if self.entry.state is ConfigEntryState.NOT_LOADED and self.entry.entry_id not in {
            e.entry_id for e in self.hass.config_entries.async_entries(DOMAIN)
        }:
            self.entry.add_to_hass(self.hass)
        assert await self.hass.config_entries.async_setup(self.entry.entry_id)
        await self.hass.async_block_till_done()
        assert self.entry.state is ConfigEntryState.LOADED
        self.watch_link()

    def watch_link(self) -> None:
        """Record when the link goes up and down (the runtime's status callback)."""
        link = self.runtime.link
        previous = link._on_status
        state = {"bound": link.status.bound}

        def on_status(status: Any) -> None:
            if status.bound != state["bound"]:
                state["bound"] = status.bound
                (self.bound_at if status.bound else self.unbound_at).append(time.monotonic())
            if previous is not None:
                previous(status)

        link._on_status = on_status

    async def unload(self) -> None:
        """Unload the entry (unbind, save the outbox)."""
        if self.entry.state is ConfigEntryState.LOADED:
            assert await self.hass.config_entries.async_unload(self.entry.entry_id)
            await self.hass.async_block_till_done()

    async def send(self, count: int, tag: str, *, first_number: int = 0) -> list[str]:
        """Queue ``count`` SMS, each with its own text and number; return the texts."""
        texts = []
        runtime = self.runtime
        for i in range(count):
            text = f"{tag} #{i:04d} {time.monotonic_ns() % 1_000_000}"
            number = f"7999{first_number + i:07d}"
            specs = runtime.sending.preparer.prepare(Channel.SMS, [number], {"message": text})
            runtime.outbox.enqueue(specs)  # as the actions queue them
            local_id = specs[0][0]
            self.local_ids[text] = local_id
            self.ledger.texts[local_id] = text
            texts.append(text)
        return texts

    async def wait_sent(self, texts: Iterable[str], timeout: float) -> float:
        """Wait until every message finished; return the monotonic time of the last one."""
        return await self.ledger.wait_finished((self.local_ids[t] for t in texts), timeout)

    def assert_exactly_once(self, texts: list[str]) -> dict[str, int]:
        """Every message sent, none failed, and each text reached the SMSC exactly once.

        The total of accepted SUBMIT_SMs equals the number sent: a resend that the provider
        refused as a duplicate (0x45) is not accepted, the SMSC counts that message once and
        the integration reports it sent (``duplicate_suppressed``).
        """
        sims = [self.sim, *self.retired] + ([self.backup] if self.backup else [])
        states = {t: self.ledger.state_of(self.local_ids[t]) for t in texts}
        bad_states = {t: s for t, s in states.items() if s != "sent"}
        assert not bad_states, f"{len(bad_states)} not sent: {list(bad_states.items())[:5]}"
        wanted = set(texts)
        at_smsc = Counter(m.text for s in sims for m in s.messages() if m.complete)
        wrong = {t: at_smsc[t] for t in texts if at_smsc[t] != 1}
        assert not wrong, (
            f"{len(wrong)} texts not exactly once at the SMSC: {list(wrong.items())[:5]}"
        )
        for t in texts[:: max(1, len(texts) // 20)]:  # the simulator's own count agrees
            assert sum(s.count_text(t) for s in sims) == 1
        accepted = [x for s in sims for x in s.accepted if x.text is not None and x.text in wanted]
        assert len(accepted) == len(texts), (len(accepted), len(texts))
        suppressed = sum(
            1 for t in texts if self.ledger.finished[self.local_ids[t]].duplicate_suppressed
        )
        failed = self.runtime.outbox.failed_total
        return {"sent": len(texts), "duplicate_suppressed": suppressed, "failed_total": failed}

    def assert_no_tasks_left(self) -> None:
        """After unload: no task of ours is left running."""
        left = [
            t for t in asyncio.all_tasks() if t.get_name().startswith("smscentre") and not t.done()
        ]
        assert not left, left


def report(
    record_property: Callable[[str, object], None], name: str, **figures: float | int | str
) -> None:
    """Attach a drill's figures to the test report and log them."""
    for key, value in figures.items():
        shown = round(value, 3) if isinstance(value, float) else value
        record_property(f"{name}.{key}", shown)
    text = ", ".join(
        f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()
    )
    _LOGGER.warning("DRILL %s (scale %s): %s", name, SCALE, text)
    print(f"\nDRILL {name} (scale {SCALE}): {text}")
