"""What a test checks behind the screens: the account's entities, what reached the simulator,
a state reached; each wait bounded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ha_demo.common import wait_for
from ha_demo.websocket import Websocket

from browser.live import LiveDemo

WAIT = 30.0  # s: for an effect of something a test did


def until[T](
    demo: LiveDemo, what: str, probe: Callable[[], Awaitable[T | None]], timeout: float = WAIT
) -> T:
    """Poll `probe` on the demo's loop until it returns something other than None."""
    return demo.run(wait_for(what, probe, timeout), timeout + 10)


def entities(demo: LiveDemo) -> dict[str, list[str]]:
    """The account's entity ids by domain."""

    async def read() -> dict[str, list[str]]:
        ws = await Websocket.connect(demo.client)
        try:
            return await ws.entity_ids(demo.entry_id)
        finally:
            await ws.close()

    return demo.run(read())


def entity(demo: LiveDemo, domain: str, suffix: str) -> str:
    """The account's entity of `domain` whose id ends with `suffix` (e.g. ``_balance``)."""
    found = [e for e in entities(demo).get(domain, []) if e.endswith(suffix)]
    assert len(found) == 1, (domain, suffix, found)
    return found[0]


def device_id(demo: LiveDemo) -> str:
    """The id of the account's device (its page is ``/config/devices/device/<id>``)."""

    async def read() -> str:
        ws = await Websocket.connect(demo.client)
        try:
            devices = await ws.command({"type": "config/device_registry/list"})
        finally:
            await ws.close()
        return str(next(d for d in devices if demo.entry_id in d["config_entries"])["id"])

    return demo.run(read())


def reauth_started(demo: LiveDemo, timeout: float = 60.0) -> None:
    """Until a reauthentication flow is in progress."""

    async def wait() -> None:
        ws = await Websocket.connect(demo.client)

        async def probe() -> bool | None:
            flows = await ws.command({"type": "config_entries/flow/progress"})
            return True if any(f["context"].get("source") == "reauth" for f in flows) else None

        try:
            await wait_for("a reauthentication", probe, timeout)
        finally:
            await ws.close()

    demo.run(wait(), timeout + 10)


def message_to(
    demo: LiveDemo, number: str, match: Callable[[str], bool], timeout: float = WAIT
) -> dict[str, Any]:
    """The first message to `number` (digits) at the simulator whose text `match` accepts."""

    async def probe() -> dict[str, Any] | None:
        for message in await demo.control.messages():
            if message["destination"] == number and match(message["text"]):
                return message
        return None

    return until(demo, f"a message to {number} at the simulator", probe, timeout)


def state_of(demo: LiveDemo, entity_id: str, wanted: str, timeout: float = WAIT) -> None:
    """Until `entity_id` is in state `wanted`."""

    async def probe() -> bool | None:
        state = await demo.client.state(entity_id)
        return True if state and state["state"] == wanted else None

    until(demo, f"{entity_id} to be {wanted}", probe, timeout)


def call(demo: LiveDemo, domain: str, service: str, data: dict[str, Any]) -> None:
    """An action, as anything in the home could call it."""
    demo.run(demo.client.call(domain, service, data))
