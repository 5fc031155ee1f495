"""The action path: a request becomes queued messages, and the caller gets their ids.

``async_send`` prepares the request in the core (validation, composition, encoding, the
provider's rules), queues it in the outbox and waits, up to ``wait`` seconds, for the SMSC's
message ids; with the link down it answers "queued" at once rather than holding an
automation. ``async_hlr`` sends ``__HLR__`` and waits for the result; ``async_query`` asks the
SMSC for a message's state (QUERY_SM).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN
from .errors import send_failed, translated_error
from .smsc.channels import Channel, smpp_carries
from .smsc.deadlines import Deadlines
from .smsc.errors import LinkError, SmscError
from .smsc.message import (
    SPEC_CODING,
    SPEC_ID,
    SPEC_PARTS,
    SPEC_RECIPIENT,
    MessageSpec,
    OutboundMessage,
    Priority,
    is_provider_id,
)
from .smsc.outbox import Outbox
from .smsc.prepare import Preparer, encoding_of
from .smsc.reports import MESSAGE_STATE_TO_STATUS, HlrResult
from .smsc.smpp.link import Link
from .smsc.tracker import SentRecord, SentTracker

DEFAULT_SEND_WAIT = 30.0

# what became of a message: (state, its first SMSC message id, error, the way it went); a
# tuple of strings, which the cyclic garbage collector stops tracking (see ``Outbox.enqueue``)
type _Outcome = tuple[str, str | None, str | None, str | None]


@dataclass(slots=True, eq=False)  # compared (and hashed) by identity: one per action
class _Request:
    """An action waiting for its messages."""

    left: int
    waiter: asyncio.Future[None]
    outcomes: dict[str, _Outcome] = field(default_factory=dict)  # local_id -> outcome


def _answer_now(request: _Request) -> None:
    """The request's caller gets what is known so far (its time is up, or we stop)."""
    if not request.waiter.done():
        request.waiter.set_result(None)


def _first_id(message: OutboundMessage) -> str | None:
    return next((i for i in message.message_ids if is_provider_id(i)), None)


class Sending:
    """Sends for one entry and answers with what became of each message."""

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        preparer: Preparer,
        outbox: Outbox,
        link: Link,
        tracker: SentTracker,
        on_counters: Callable[[], None],
    ) -> None:
        """Wire to the entry's parts; ``on_counters``: a message finished."""
        self._hass = hass
        self.preparer = preparer
        self._outbox = outbox
        self._link = link
        self._tracker = tracker
        self._on_counters = on_counters
        self._waiting: dict[str, _Request] = {}  # local_id -> its request
        # the requests' time limits, one timer for all (see ``Deadlines``)
        self._deadlines: Deadlines[_Request] = Deadlines(hass.loop, _answer_now)
        self._hlr_waiters: dict[str, asyncio.Future[HlrResult]] = {}
        # whether messages leave over HTTP now (the runtime wires the HTTP fallback's), and
        # whether those only HTTP can carry do (the HTTP API is set up and not failing)
        self.fallback_active: Callable[[], bool] = lambda: False
        self.http_only_active: Callable[[], bool] = lambda: False

    def async_send(
        self,
        channel: Channel,
        recipients: Iterable[str] | str,
        fields: Mapping[str, Any],
        *,
        priority: Priority = Priority.NORMAL,
        sender: str | None = None,
        flash: bool = False,
        wait: float = DEFAULT_SEND_WAIT,
    ) -> Coroutine[Any, Any, dict[str, Any]]:
        """Queue one request now and return the coroutine that waits (up to ``wait`` s) for
        the SMSC's message ids and answers; await it. Bad input raises here, translated, and
        queues nothing.

        Two steps, so that a call waiting in a burst of thousands holds only its request and
        specs: not its input, nor a coroutine of its own besides the answer's.
        """
        try:
            specs = self.preparer.prepare(
                channel, recipients, fields, priority=priority, sender=sender, flash=flash
            )
        except SmscError as err:
            raise translated_error(err) from err
        self._outbox.enqueue(specs)  # message_done follows on_done
        request: _Request | None = None
        # With no way out now (the link down, HTTP not sending) the messages wait in the
        # outbox; the caller (often an automation) gets "queued" at once instead of being
        # held for ``wait`` seconds.
        if wait > 0 and specs and self._leave_now(specs):
            # Wait until every message is sent or failed, the time is up, or we stop. One
            # waiter per request, counted down by ``message_done``, and timed by the shared
            # ``Deadlines``: no callback, handle or timer per message or per request.
            request = _Request(len(specs), self._hass.loop.create_future())
            waiting = self._waiting
            for spec in specs:
                waiting[spec[SPEC_ID]] = request
            self._deadlines.add(request, wait)
        return self._answer(specs, request, wait)

    def _leave_now(self, specs: list[MessageSpec]) -> bool:
        """Whether every message has a way out now: over SMPP (or the HTTP fallback while it
        cannot bind), or over HTTP for those SMPP cannot carry."""
        smpp = self._link.status.bound or self.fallback_active()
        http = self.http_only_active()
        return all(smpp if smpp_carries(spec[SPEC_RECIPIENT]) else http for spec in specs)

    async def _answer(
        self, specs: list[MessageSpec], request: _Request | None, wait: float
    ) -> dict[str, Any]:
        """Wait for ``request`` (when there is one), then the response of the action."""
        outcomes: dict[str, _Outcome] = {}
        if request is not None:
            try:
                await request.waiter
            finally:
                self._deadlines.discard(request, wait)
                waiting = self._waiting
                for spec in specs:
                    waiting.pop(spec[SPEC_ID], None)
            outcomes = request.outcomes
        results = [self._message_result(spec, outcomes.get(spec[SPEC_ID])) for spec in specs]
        if results and all(r["status"] == "failed" for r in results):
            raise send_failed(results[0]["error"])
        if not specs:
            return {"messages": results, "encoding": None, "parts": 0}
        first = specs[0]
        return {
            "messages": results,
            "encoding": str(encoding_of(first[SPEC_CODING])),
            "parts": len(first[SPEC_PARTS]),
        }

    def _message_result(self, spec: MessageSpec, outcome: _Outcome | None) -> dict[str, Any]:
        """One message's entry of a send response."""
        if outcome is None:  # not finished: queued or sending; parts may have ids already
            started = self._outbox.started(spec[SPEC_ID])
            first = None if started is None else _first_id(started)
            outcome = ("queued", first, None, None if first is None else "smpp")
        state, message_id, error, via = outcome
        result: dict[str, Any] = {
            "recipient": spec[SPEC_RECIPIENT],
            "message_id": message_id,
            "parts": len(spec[SPEC_PARTS]),
            "status": state,
            "via": via,
        }
        if state == "failed":
            result["error"] = error
        return result

    @callback
    def message_done(self, message: OutboundMessage) -> None:
        """The outbox finished a message: answer its waiter, remember it for its reports."""
        request = self._waiting.pop(message.local_id, None)
        if request is not None:
            request.outcomes[message.local_id] = (
                message.state,
                _first_id(message),
                message.error,
                message.via,
            )
            request.left -= 1
            if not request.left and not request.waiter.done():
                request.waiter.set_result(None)
        if message.state == "sent":
            record = SentRecord.from_message(message)
            if record.message_ids:  # none when every part was a suppressed duplicate
                self._tracker.add(record)
        self._on_counters()

    async def async_hlr(self, recipient: str, timeout: float) -> dict[str, Any]:
        """Send ``__HLR__`` and wait for its result."""
        try:
            (spec,) = self.preparer.prepare(Channel.HLR, [recipient], {}, priority=Priority.URGENT)
        except SmscError as err:
            raise translated_error(err) from err
        message = OutboundMessage.from_spec(spec)
        waiter: asyncio.Future[HlrResult] = self._hass.loop.create_future()
        self._hlr_waiters[message.local_id] = waiter
        try:
            (future,) = self._outbox.add([message])
            async with asyncio.timeout(timeout):
                await future
                if message.state == "failed":
                    raise send_failed(message.error)
                result = await waiter
        except TimeoutError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="hlr_timeout",
                translation_placeholders={"timeout": str(timeout)},
            ) from err
        finally:
            self._hlr_waiters.pop(message.local_id, None)
        data = result.as_event_data()
        data["message_id"] = data.get("message_id") or _first_id(message)
        return data

    @callback
    def hlr_result(self, result: HlrResult, record: SentRecord | None) -> None:
        """An HLR result came: hand it to the lookup waiting for it."""
        if record is None:
            return
        waiter = self._hlr_waiters.get(record.local_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(result)

    async def async_query(self, message_id: str) -> dict[str, Any]:
        """QUERY_SM."""
        try:
            result = await self._link.query(message_id)
        except (LinkError, TimeoutError) as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="link_down"
            ) from err
        response: dict[str, Any] = {
            "message_id": result.message_id or message_id,
            "state": MESSAGE_STATE_TO_STATUS.get(result.message_state, "unknown"),
            "message_state": result.message_state,
            "final_date": result.final_date or None,
            "error_code": result.error_code,
        }
        if (record := self._tracker.get(message_id)) is not None:
            # what we know of it: sent from here, and its latest delivery report
            response["recipient"] = record.recipient
            response["channel"] = record.channel
            response["report_status"] = record.status
        return response

    def stop(self) -> None:
        """Callers still waiting get what is known so far; HLR lookups are cancelled."""
        for future in self._hlr_waiters.values():
            future.cancel()
        for request in self._waiting.values():
            _answer_now(request)
        self._deadlines.clear()
