"""Runtime of one SMS Center entry: link, outbox, receiver, persistence, events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
import itertools
import logging
import ssl
import time
from typing import Any

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util.ssl import client_context, client_context_no_verify

from .const import (
    CONF_BACKUP_HOST,
    CONF_BACKUP_PORT,
    CONF_BIND_MODE,
    CONF_CONNECTIONS,
    CONF_ENQUIRE_LINK_INTERVAL,
    CONF_HOST,
    CONF_ISO,
    CONF_MAX_PARTS,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_REGISTERED_DELIVERY,
    CONF_SENDER,
    CONF_SINGLE_STATUS,
    CONF_SSL,
    CONF_THROUGHPUT,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    CONF_WINDOW,
    DEFAULT_BACKUP_HOST,
    DEFAULT_BIND_MODE,
    DEFAULT_CONNECTIONS,
    DEFAULT_ENQUIRE_LINK_INTERVAL,
    DEFAULT_MAX_PARTS,
    DEFAULT_THROUGHPUT,
    DEFAULT_WINDOW,
    DOMAIN,
    EVENT_DELIVERY_REPORT,
    EVENT_HLR_RESULT,
    EVENT_INCOMING_SMS,
    STORE_OUTBOX,
    STORE_SENT,
    store_key,
)
from .smsc.channels import Channel, compose, normalize_recipients
from .smsc.encoding import encode_text
from .smsc.errors import InvalidInput, LinkError, SmscError
from .smsc.incoming import IncomingMessage
from .smsc.message import MessageSpec, OutboundMessage, Priority, new_local_id
from .smsc.outbox import Outbox
from .smsc.reports import MESSAGE_STATE_TO_STATUS, DeliveryReport, HlrResult
from .smsc.rules import Rules
from .smsc.smpp.config import LinkConfig, build_system_type
from .smsc.smpp.link import Link, LinkStatus
from .smsc.smpp.receiver import Receiver
from .smsc.tracker import SentRecord, SentTracker

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION = 1
OUTBOX_SAVE_DELAY = 1.0
SENT_SAVE_DELAY = 10.0
SAVE_DELAY_MAX = 60.0  # s; the longest a save may wait after slow snapshots
SAVE_COST_FACTOR = 50  # a save waits at least this many times as long as its snapshot took
SENSOR_UPDATE_DELAY = 1.0
DEFAULT_SEND_WAIT = 30.0
EXPIRE_INTERVAL = timedelta(seconds=5)
# data_coding of a flash SMS (GSM 03.38 general data coding group): bit 4 says bits 1..0 hold
# the message class, class 0 (00) is shown at once and not stored. The provider reads the
# alphabet from bits 3..2 ("data_coding = coding * 4"): 0x10 GSM, 0x14 Latin-1, 0x18 UCS2.
FLASH_CLASS_0 = 0x10

type SmscConfigEntry = ConfigEntry[SmscRuntime]


def signal_status(entry_id: str) -> str:
    """Dispatcher signal: the link status changed."""
    return f"{DOMAIN}_{entry_id}_status"


def signal_counters(entry_id: str) -> str:
    """Dispatcher signal: queued/sent/failed counters changed."""
    return f"{DOMAIN}_{entry_id}_counters"


def signal_incoming(entry_id: str) -> str:
    """Dispatcher signal: an incoming message (payload: event data)."""
    return f"{DOMAIN}_{entry_id}_incoming"


def signal_report(entry_id: str) -> str:
    """Dispatcher signal: a delivery report (payload: event data)."""
    return f"{DOMAIN}_{entry_id}_report"


def translated_error(err: SmscError) -> HomeAssistantError:
    """The Home Assistant error for a core error, translated by its key."""
    cls = ServiceValidationError if isinstance(err, InvalidInput) else HomeAssistantError
    return cls(
        translation_domain=DOMAIN,
        translation_key=err.key,
        translation_placeholders=err.placeholders,
    )


class CoalescedSave:
    """Save a store at most once per ``delay`` seconds, however often things change.

    ``schedule`` is O(1) (it runs for every message part); the data is built in the event
    loop when the timer fires and serialized in the executor; ``async_flush`` writes the
    final state on stop.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        store: Store[dict[str, Any]],
        data: Callable[[], dict[str, Any]],
        delay: float,
    ) -> None:
        """Remember what to save and how often."""
        self._hass = hass
        self._store = store
        self._data = data
        self._base_delay = delay
        self._delay = delay
        self._timer: CALLBACK_TYPE | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    @callback
    def schedule(self) -> None:
        """Something changed: save within ``delay``."""
        if self._timer is None and not self._closed:
            self._timer = async_call_later(self._hass, self._delay, self._fire)

    @callback
    def _fire(self, _now: Any) -> None:
        self._timer = None
        started = time.perf_counter()
        data = self._data()
        cost = time.perf_counter() - started
        self._task = self._hass.async_create_task(
            self._store.async_save(data), "smscentre save", eager_start=False
        )
        # A snapshot is O(queued or tracked): after a costly one the next waits longer, so
        # saving takes a bounded share of the event loop however large the backlog grows
        # (O(1) per message overall). Serializing it (in the executor, holding the GIL)
        # costs about as much again.
        self._delay = min(SAVE_DELAY_MAX, max(self._base_delay, cost * SAVE_COST_FACTOR))

    async def async_flush(self) -> None:
        """Stop scheduling and write the current state now."""
        self._closed = True
        if self._timer is not None:
            self._timer()
            self._timer = None
        if self._task is not None:
            await self._task
        await self._store.async_save(self._data())


# what became of a message: (state, its first SMSC message id, error); a tuple of strings,
# which the cyclic garbage collector stops tracking (see ``Outbox.enqueue``)
type _Outcome = tuple[str, str | None, str | None]


@dataclass(slots=True)
class _Request:
    """An action waiting for its messages."""

    left: int
    waiter: asyncio.Future[None]
    outcomes: dict[str, _Outcome] = field(default_factory=dict)  # local_id -> outcome


def entry_link_config(data: Mapping[str, Any]) -> LinkConfig:
    """The connection of an entry's data (the config flow probes with exactly this)."""
    return LinkConfig(
        username=data[CONF_USERNAME],
        password=data[CONF_PASSWORD],
        host=data[CONF_HOST],
        port=int(data[CONF_PORT]),
        ssl=bool(data.get(CONF_SSL, False)),
        verify_ssl=bool(data.get(CONF_VERIFY_SSL, True)),
    )


def tls_context(config: LinkConfig) -> ssl.SSLContext | None:
    """Home Assistant's shared TLS contexts, without the HTTP ALPN of its "default" ones
    (this is SMPP); None without TLS."""
    if not config.ssl:
        return None
    return client_context() if config.verify_ssl else client_context_no_verify()


@dataclass(slots=True)
class EntryOptions:
    """The entry's settings, read once."""

    iso: bool
    single_status: bool
    bind_mode: str
    max_parts: int
    registered_delivery: bool
    window: int
    throughput: float
    sender: str | None
    link: LinkConfig

    @classmethod
    def from_entry(cls, entry: ConfigEntry) -> EntryOptions:
        """Parse data and options with the documented defaults."""
        data, options = entry.data, entry.options
        iso = bool(options.get(CONF_ISO, False))
        single = bool(options.get(CONF_SINGLE_STATUS, False))
        connections = int(options.get(CONF_CONNECTIONS, DEFAULT_CONNECTIONS))
        bind_mode = options.get(CONF_BIND_MODE, DEFAULT_BIND_MODE)
        sender = data.get(CONF_SENDER) or None
        backup_host = options.get(CONF_BACKUP_HOST, DEFAULT_BACKUP_HOST) or None
        backup_port = options.get(CONF_BACKUP_PORT) or None
        link = replace(
            entry_link_config(data),
            bind_mode=bind_mode,
            system_type=build_system_type(iso=iso, single=single, connections=connections),
            backup_host=backup_host,
            backup_port=int(backup_port) if backup_port else None,
            enquire_link_interval=float(
                options.get(CONF_ENQUIRE_LINK_INTERVAL, DEFAULT_ENQUIRE_LINK_INTERVAL)
            ),
            source=sender,
            connections=connections,
        )
        return cls(
            iso=iso,
            single_status=single,
            bind_mode=bind_mode,
            max_parts=int(options.get(CONF_MAX_PARTS, DEFAULT_MAX_PARTS)),
            registered_delivery=bool(options.get(CONF_REGISTERED_DELIVERY, True)),
            window=int(options.get(CONF_WINDOW, DEFAULT_WINDOW)),
            throughput=float(options.get(CONF_THROUGHPUT, DEFAULT_THROUGHPUT)),
            sender=sender,
            link=link,
        )


@dataclass(slots=True)
class Counters:
    """What the sensors show."""

    queued: int = 0
    sent: int = 0
    failed: int = 0


@dataclass(repr=False)
class SmscRuntime:
    """Everything one entry runs."""

    hass: HomeAssistant
    entry: ConfigEntry
    options: EntryOptions
    link: Link = field(init=False)
    outbox: Outbox = field(init=False)
    tracker: SentTracker = field(init=False)
    receiver: Receiver = field(init=False)
    rules: Rules = field(init=False)
    store: Store[dict[str, Any]] = field(init=False)
    counters: Counters = field(default_factory=Counters)
    _unsubs: list[CALLBACK_TYPE] = field(default_factory=list)
    _hlr_waiters: dict[str, asyncio.Future[HlrResult]] = field(default_factory=dict)
    _waiting: dict[str, _Request] = field(default_factory=dict)  # local_id -> its request
    _counter_timer: CALLBACK_TYPE | None = None
    _reference: Iterator[int] = field(default_factory=lambda: itertools.cycle(range(1, 256)))
    _stopped: bool = False

    def __post_init__(self) -> None:
        """Build the parts; nothing runs yet."""
        self.store = self._store(STORE_OUTBOX)
        self.sent_store = self._store(STORE_SENT)
        self.tracker = SentTracker(on_change=self._sent_changed)
        self.outbox = Outbox(
            window=self.options.window,
            # 0 = no rate limit: not offered by the options flow (1..1000), only written into
            # an entry on purpose (scripts/bench measures the send path without the limiter)
            throughput=self.options.throughput or None,
            on_change=self._outbox_changed,
            on_done=self._message_done,
        )
        self._outbox_saver = CoalescedSave(
            self.hass, self.store, self.outbox.snapshot, OUTBOX_SAVE_DELAY
        )
        self._sent_saver = CoalescedSave(
            self.hass, self.sent_store, self.tracker.as_dict, SENT_SAVE_DELAY
        )
        self.rules = Rules()
        self.receiver = Receiver(
            iso=self.options.iso,
            on_incoming=self.handle_incoming,
            on_report=self.handle_report,
            on_hlr=self.handle_hlr,
            lookup=self._lookup_sent,  # the current tracker, also after async_load
        )
        self.link = Link(
            self.options.link,
            outbox=self.outbox,
            ssl_context=tls_context(self.options.link),
            deliver_handler=self.receiver.handle_deliver_sm,
            on_status=self._status_changed,
            on_auth_failed=self._auth_failed,
            on_bind_error=self._bind_error,
        )

    def _store(self, store: str) -> Store[dict[str, Any]]:
        """Snapshots are built in the event loop and serialized in the executor."""
        return Store(
            self.hass,
            STORAGE_VERSION,
            store_key(self.entry.entry_id, store),
            serialize_in_event_loop=False,
        )

    # --- lifecycle ---------------------------------------------------------------------
    async def async_load(self) -> None:
        """Restore the outbox and the sent-message map after a restart."""
        if outbox := await self.store.async_load():
            self.outbox.load(outbox)
        if sent := await self.sent_store.async_load():
            self.tracker.load(sent)
        self._refresh_counters()

    def _lookup_sent(self, message_id: str) -> SentRecord | None:
        return self.tracker.get(message_id)

    async def async_connect(self) -> None:
        """First bind (raises LinkError subclasses for setup to map)."""
        await self.link.connect_first()

    def async_start(self) -> None:
        """Run the link in the background and the periodic housekeeping."""
        self.entry.async_create_background_task(
            self.hass, self.link.run(), f"{DOMAIN} link {self.entry.title}"
        )
        self._unsubs.append(
            async_track_time_interval(
                self.hass,
                self._housekeeping,
                EXPIRE_INTERVAL,
                cancel_on_shutdown=True,
            )
        )

    async def async_stop(self) -> None:
        """Unbind, stop timers, flush the outbox to disk."""
        if self._stopped:
            return
        self._stopped = True
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        if self._counter_timer is not None:
            self._counter_timer()
            self._counter_timer = None
        await self.link.stop()
        self.outbox.close()
        for future in self._hlr_waiters.values():
            future.cancel()
        for request in self._waiting.values():  # callers get what is known so far
            if not request.waiter.done():
                request.waiter.set_result(None)
        await self._outbox_saver.async_flush()
        await self._sent_saver.async_flush()

    @callback
    def _housekeeping(self, _now: Any = None) -> None:
        self.receiver.expire()
        self.tracker.expire()

    # --- persistence ---------------------------------------------------------------------
    @callback
    def _sent_changed(self) -> None:
        self._sent_saver.schedule()

    @callback
    def _outbox_changed(self) -> None:
        """Called about twice per part: O(1), everything coalesced."""
        self._outbox_saver.schedule()
        self._schedule_counters()

    # --- counters ------------------------------------------------------------------------
    @callback
    def _schedule_counters(self) -> None:
        if self._counter_timer is None and not self._stopped:
            self._counter_timer = async_call_later(
                self.hass, SENSOR_UPDATE_DELAY, self._publish_counters
            )

    @callback
    def _publish_counters(self, _now: Any = None) -> None:
        self._counter_timer = None
        self._refresh_counters()
        async_dispatcher_send(self.hass, signal_counters(self.entry.entry_id))

    def _refresh_counters(self) -> None:
        self.counters.queued = self.outbox.queued
        self.counters.sent = self.outbox.sent_total
        # refused by the SMSC, or declared undelivered by a delivery report
        self.counters.failed = self.outbox.failed_total + self.tracker.failed_reports

    # --- link callbacks ----------------------------------------------------------------
    @callback
    def _status_changed(self, status: LinkStatus) -> None:
        if status.bound:
            self._dismiss_reauth()
        async_dispatcher_send(self.hass, signal_status(self.entry.entry_id), status)

    @callback
    def _dismiss_reauth(self) -> None:
        """Bound again with the stored password: a request for a new one is stale.

        Repeated 0x0D from a server that knew this login starts reauthentication (the
        password most likely changed), yet a provider outage refuses binds with 0x0D too; once
        the link binds, the password is fine and the request must not linger.
        """
        for flow in self.entry.async_get_active_flows(self.hass, {SOURCE_REAUTH}):
            self.hass.config_entries.flow.async_abort(flow["flow_id"])

    @callback
    def _auth_failed(self, err: LinkError) -> None:
        self.entry.async_start_reauth(self.hass)

    @callback
    def _bind_error(self, err: LinkError | None) -> None:
        issue_id = f"bind_refused_{self.entry.entry_id}"
        if err is None:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="bind_refused",
            translation_placeholders={
                "status": err.placeholders.get("status", "?"),
                "title": self.entry.title,
            },
        )

    # --- sending -----------------------------------------------------------------------
    def prepare(
        self,
        channel: Channel,
        recipients: Iterable[str] | str,
        fields: dict[str, Any],
        *,
        priority: Priority = Priority.NORMAL,
        sender: str | None = None,
        flash: bool = False,
    ) -> list[MessageSpec]:
        """Validate and build the messages of one request; raises InvalidInput.

        Specs, not objects: a backlog of them costs the garbage collector nothing (see
        ``Outbox.enqueue``); ``OutboundMessage.from_spec`` builds one where needed.
        """
        if self.options.bind_mode == "receiver":
            raise InvalidInput("receiver_only")
        numbers = normalize_recipients(channel, recipients)
        text = compose(channel, fields)
        encoded = encode_text(
            text,
            iso=self.options.iso,
            reference=next(self._reference),
            max_parts=self.options.max_parts,
        )
        pairs = [(number, text) for number in numbers]
        self.rules.check_many(pairs)
        self.rules.record_many(pairs)
        now = time.time()
        parts = tuple(encoded.parts)
        registered = 1 if self.options.registered_delivery or channel == Channel.HLR else 0
        coding = encoded.data_coding | (FLASH_CLASS_0 if flash else 0)
        name = str(channel)
        return [
            (
                new_local_id(),
                number,
                name,
                int(priority),
                sender,
                coding,
                encoded.esm_class,
                parts,
                registered,
                now,
            )
            for number in numbers
        ]

    async def async_send(
        self,
        channel: Channel,
        recipients: Iterable[str] | str,
        fields: dict[str, Any],
        *,
        priority: Priority = Priority.NORMAL,
        sender: str | None = None,
        flash: bool = False,
        wait: float = DEFAULT_SEND_WAIT,
    ) -> dict[str, Any]:
        """Queue one request and wait (up to ``wait`` s) for the SMSC's message ids."""
        try:
            specs = self.prepare(
                channel, recipients, fields, priority=priority, sender=sender, flash=flash
            )
        except SmscError as err:
            raise translated_error(err) from err
        self.outbox.enqueue(specs)  # _wait_for follows on_done
        outcomes: dict[str, _Outcome] = {}
        # With the link down the messages wait in the outbox; the caller (often an
        # automation) gets "queued" at once instead of being held for ``wait`` seconds.
        if wait > 0 and specs and self.link.status.bound:
            outcomes = await self._wait_for(specs, wait)
        results = [self._message_result(spec, outcomes.get(spec[0])) for spec in specs]
        if results and all(r["status"] == "failed" for r in results):
            raise _send_failed(results[0]["error"])
        if not specs:
            return {"messages": results, "encoding": None, "parts": 0}
        first = specs[0]
        return {
            "messages": results,
            "encoding": {0: "gsm7", 4: "latin1", 8: "ucs2"}.get(first[5] & 0x0C, "gsm7"),
            "parts": len(first[7]),
        }

    async def _wait_for(self, specs: list[MessageSpec], wait: float) -> dict[str, _Outcome]:
        """Wait until every message is sent or failed, the time is up, or we stop; return
        the outcomes of those that finished.

        One waiter per request, counted down by ``_message_done``: no callback, set or
        scheduled handle per message as ``asyncio.wait`` on the outbox's futures would cost.
        """
        request = _Request(len(specs), self.hass.loop.create_future())
        waiting = self._waiting
        for spec in specs:
            waiting[spec[0]] = request
        try:
            async with asyncio.timeout(wait):
                await request.waiter
        except TimeoutError:
            pass
        finally:
            for spec in specs:
                waiting.pop(spec[0], None)
        return request.outcomes

    def _message_result(self, spec: MessageSpec, outcome: _Outcome | None) -> dict[str, Any]:
        """One message's entry of a send response."""
        if outcome is None:  # not finished: queued or sending; parts may have ids already
            started = self.outbox.started(spec[0])
            outcome = ("queued", None if started is None else _first_id(started), None)
        state, message_id, error = outcome
        result: dict[str, Any] = {
            "recipient": spec[1],
            "message_id": message_id,
            "parts": len(spec[7]),
            "status": state,
        }
        if state == "failed":
            result["error"] = error
        return result

    @callback
    def _message_done(self, message: OutboundMessage) -> None:
        request = self._waiting.pop(message.local_id, None)
        if request is not None:
            request.outcomes[message.local_id] = (
                message.state,
                _first_id(message),
                message.error,
            )
            request.left -= 1
            if not request.left and not request.waiter.done():
                request.waiter.set_result(None)
        if message.state == "sent":
            record = SentRecord.from_message(message)
            if record.message_ids:  # none when every part was a suppressed duplicate
                self.tracker.add(record)
        self._schedule_counters()

    async def async_hlr(self, recipient: str, timeout: float) -> dict[str, Any]:
        """Send ``__HLR__`` and wait for its result."""
        try:
            (spec,) = self.prepare(Channel.HLR, [recipient], {}, priority=Priority.URGENT)
        except SmscError as err:
            raise translated_error(err) from err
        message = OutboundMessage.from_spec(spec)
        waiter: asyncio.Future[HlrResult] = self.hass.loop.create_future()
        self._hlr_waiters[message.local_id] = waiter
        try:
            (future,) = self.outbox.add([message])
            async with asyncio.timeout(timeout):
                await future
                if message.state == "failed":
                    raise _send_failed(message.error)
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

    async def async_query(self, message_id: str) -> dict[str, Any]:
        """QUERY_SM."""
        try:
            result = await self.link.query(message_id)
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
        if (record := self.tracker.get(message_id)) is not None:
            # what we know of it: sent from here, and its latest delivery report
            response["recipient"] = record.recipient
            response["channel"] = record.channel
            response["report_status"] = record.status
        return response

    # --- receiving -----------------------------------------------------------------------
    def _base(self) -> dict[str, Any]:
        return {"config_entry_id": self.entry.entry_id}

    @callback
    def handle_incoming(self, message: IncomingMessage) -> None:
        """An incoming SMS (SMPP or webhook)."""
        data = self._base() | message.as_event_data()
        self.hass.bus.async_fire(EVENT_INCOMING_SMS, data)
        async_dispatcher_send(self.hass, signal_incoming(self.entry.entry_id), data)

    @callback
    def handle_report(self, report: DeliveryReport, record: SentRecord | None) -> None:
        """A delivery report (SMPP or webhook)."""
        data = self._base() | report.as_event_data()
        if record is not None:
            data.setdefault("recipient", record.recipient)
            if not data.get("recipient"):
                data["recipient"] = record.recipient
            data["channel"] = record.channel
            data["local_id"] = record.local_id
            if not data.get("parts"):
                data["parts"] = record.parts
            if self.tracker.set_status(record.local_id, report.status):
                self._schedule_counters()  # the Failed sensor counts undelivered messages
        self.hass.bus.async_fire(EVENT_DELIVERY_REPORT, data)
        async_dispatcher_send(self.hass, signal_report(self.entry.entry_id), data)

    @callback
    def handle_hlr(self, result: HlrResult, record: SentRecord | None) -> None:
        """An HLR result (SMPP or webhook)."""
        data = self._base() | result.as_event_data()
        if record is not None:
            if not data.get("phone"):
                data["phone"] = record.recipient
            waiter = self._hlr_waiters.get(record.local_id)
            if waiter is not None and not waiter.done():
                waiter.set_result(result)
        self.hass.bus.async_fire(EVENT_HLR_RESULT, data)

    def diagnostics(self) -> dict[str, Any]:
        """State for diagnostics (the caller redacts)."""
        status = self.link.status
        return {
            "link": {
                "state": str(status.state),
                "server": status.server,
                "bind_mode": status.bind_mode,
                "bound_sessions": status.bound_sessions,
                "reconnects": status.reconnects,
                "on_backup": status.on_backup,
                "last_error": status.last_error,
                "last_error_status": status.last_error_status,
            },
            "outbox": self.outbox.stats(),
            "tracked_messages": len(self.tracker),
        }


def _send_failed(error: str | None) -> HomeAssistantError:
    """The SMSC refused the message for good."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="send_failed",
        translation_placeholders={"error": error or "?"},
    )


def _first_id(message: OutboundMessage) -> str | None:
    return next((i for i in message.message_ids if i), None)
