"""One SMS Center entry at run time: its parts, wired together, and their lifecycle.

The runtime builds the core's parts (outbox, sent-message map, provider rules, SMPP link and
receiver, HTTP API client and sender, the HTTP-only route) and the Home Assistant layer's
(sending, dispatch, health, counters, persistence, the webhook, the account's balance, the
HTTP fallback, conversations with Assist), connects their callbacks, and starts and stops
them. It holds no behaviour of its own: each job lives in its module (see
docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from datetime import timedelta
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_time_interval

from .account import Account
from .assist import SmsConversations
from .const import (
    API_TIMEOUT,
    CONF_WEBHOOK_ENABLED,
    CONF_WEBHOOK_HASH,
    CONF_WEBHOOK_SECRET,
    DOMAIN,
    STORE_OUTBOX,
    STORE_RECEIVED,
    STORE_SENT,
)
from .counters import CounterPublisher, Counters
from .dispatch import Dispatcher
from .fallback import HttpFallback
from .health import Health
from .sending import Sending
from .settings import ApiSettings, EntryOptions, tls_context
from .smsc.http.api import HttpApi
from .smsc.http.only import HttpOnlyRoute
from .smsc.http.sender import HttpSender
from .smsc.outbox import Outbox
from .smsc.prepare import Preparer
from .smsc.ratelimit import MARGIN as RATE_MARGIN
from .smsc.rules import Rules
from .smsc.smpp.link import Link
from .smsc.smpp.receiver import Receiver
from .smsc.tracker import SentTracker
from .storage import CoalescedSave, async_load_into, entry_store
from .webhook import SmscWebhook

_LOGGER = logging.getLogger(__name__)

OUTBOX_SAVE_DELAY = 1.0
SENT_SAVE_DELAY = 10.0
EXPIRE_INTERVAL = timedelta(seconds=5)

type SmscConfigEntry = ConfigEntry[SmscRuntime]


class SmscRuntime:
    """Everything one entry runs."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, options: EntryOptions) -> None:
        """Build and wire the parts; nothing runs yet."""
        self.hass = hass
        self.entry = entry
        self.options = options
        self._unsubs: list[CALLBACK_TYPE] = []
        self._stopped = False
        self._http_task: asyncio.Task[None] | None = None
        entry_id = entry.entry_id

        self.tracker = SentTracker()
        self.outbox = Outbox(
            window=options.window,
            # 0 = no rate limit: not offered by the options flow (1..1000), only written into
            # an entry on purpose (scripts/bench measures the send path without the limiter)
            throughput=options.throughput or None,
            rate_margin=RATE_MARGIN,
        )
        self.rules = Rules()
        self.publisher = CounterPublisher(hass, entry_id, self.outbox, self.tracker)
        self.dispatcher = Dispatcher(hass, entry_id, self.tracker, self.publisher.schedule)
        self.health = Health(hass, entry, f"{options.link.host}:{options.link.port}")
        self.receiver = Receiver(
            iso=options.iso,
            on_incoming=self.dispatcher.incoming,
            on_report=self.dispatcher.report,
            on_hlr=self.dispatcher.hlr,
            lookup=self.tracker.get,
        )
        self.link = Link(
            options.link,
            outbox=self.outbox,
            ssl_context=tls_context(options.link),
            deliver_handler=self.receiver.handle_deliver_sm,
            on_status=self.dispatcher.link_status,
        )
        self.sending = Sending(
            hass,
            preparer=Preparer(
                # with the HTTP API, an e-mail address SMPP cannot carry goes over HTTP
                replace(options.send_settings(), email_over_http=options.api is not None),
                self.rules,
            ),
            outbox=self.outbox,
            link=self.link,
            tracker=self.tracker,
            on_counters=self.publisher.schedule,
        )
        self.dispatcher.listen_status(self.health.link_status)
        self.dispatcher.listen_hlr(self.sending.hlr_result)
        self.account: Account | None = None
        self.http_sender: HttpSender | None = None
        self.fallback: HttpFallback | None = None
        if options.api is not None:
            self._wire_http_api(options.api)
        self.conversations = self._conversations()
        if self.conversations is not None:
            self.dispatcher.listen_incoming(self.conversations.incoming)

        self.store = entry_store(hass, entry_id, STORE_OUTBOX)
        self.sent_store = entry_store(hass, entry_id, STORE_SENT)
        self._outbox_saver = CoalescedSave(
            hass, self.store, self.outbox.snapshot, OUTBOX_SAVE_DELAY
        )
        self._sent_saver = CoalescedSave(
            hass, self.sent_store, self.tracker.as_dict, SENT_SAVE_DELAY
        )
        self.outbox.on_change = self._outbox_changed
        self.outbox.on_done = self.sending.message_done
        self.tracker.on_change = self._sent_saver.schedule
        # the receiver's duplicate keys, written when the entry stops: an SMSC delivers again
        # what it got no answer to, also to the next process
        self.received_store = entry_store(hass, entry_id, STORE_RECEIVED)
        self.webhook = self._webhook()

    def _wire_http_api(self, settings: ApiSettings) -> None:
        """The account over HTTP: the balance; the HTTP sender with the HTTP-only route (what
        SMPP cannot carry), and the fallback when it is on."""
        api = HttpApi(
            async_get_clientsession(self.hass),
            self.options.link.username,
            settings.password,
            url=settings.url,
            timeout=API_TIMEOUT,
        )
        self.account = Account(self.hass, self.entry, api, settings)
        sender = self.http_sender = HttpSender(api, self.outbox)
        sender.add_source(HttpOnlyRoute(self.outbox))
        self.sending.http_only_active = lambda: sender.available
        self.publisher.sent_http = lambda: sender.sent_total
        if not settings.fallback:
            return
        fallback = self.fallback = HttpFallback(
            self.hass,
            self.entry,
            sender=sender,
            outbox=self.outbox,
            after=settings.fallback_after,
            rate=self.options.throughput or None,
            on_counters=self.publisher.schedule,
        )
        sender.add_source(fallback)
        self.dispatcher.listen_status(fallback.link_status)
        self.sending.fallback_active = lambda: fallback.active

    def __repr__(self) -> str:
        """No settings (the password) in a repr that may reach an error message."""
        return f"<SmscRuntime {self.entry.title}>"

    def _webhook(self) -> SmscWebhook | None:
        """The provider's HTTP handler, when the options enable it."""
        options = self.entry.options
        if not options.get(CONF_WEBHOOK_ENABLED, False):
            return None
        return SmscWebhook(
            self.hass,
            entry_id=self.entry.entry_id,
            title=self.entry.title,
            webhook_id=self.entry.data[CONF_WEBHOOK_ID],
            secret=options.get(CONF_WEBHOOK_SECRET) or None,
            hash_kind=options.get(CONF_WEBHOOK_HASH) or "",
            dispatcher=self.dispatcher,
            tracker=self.tracker,
        )

    def _conversations(self) -> SmsConversations | None:
        """Conversations with Assist by SMS, when the options allow a sender."""
        options = self.options
        if not options.assist.enabled:
            return None
        return SmsConversations(
            self.hass,
            self.entry,
            options.assist,
            agent_id=options.assist_agent,
            sending=self.sending,
            own_sender=options.sender,
            max_parts=options.max_parts,
            iso=options.iso,
        )

    @property
    def counters(self) -> Counters:
        """What the counter sensors show."""
        return self.publisher.counters

    # --- lifecycle ---------------------------------------------------------------------
    async def async_load(self) -> None:
        """Restore the outbox and the sent-message map after a restart."""
        where = {"entry_id": self.entry.entry_id, "title": self.entry.title}
        await async_load_into(self.hass, self.store, self.outbox.load, name=STORE_OUTBOX, **where)
        await async_load_into(
            self.hass, self.sent_store, self.tracker.load, name=STORE_SENT, **where
        )
        await async_load_into(
            self.hass, self.received_store, self._load_received, name=STORE_RECEIVED, **where
        )
        self.publisher.refresh()
        if self.http_sender is None and self.outbox.http_waiting:  # the API removed since
            _LOGGER.warning(
                "%s: e-mails to addresses longer than SMPP carries wait in the outbox; set the"
                " HTTP API password in the options to send them",
                self.entry.title,
            )

    def start_link(self) -> None:
        """Run the link in the background: it binds, retries and fails over by itself."""
        self.entry.async_create_background_task(
            self.hass, self.link.run(), f"{DOMAIN} link {self.entry.title}"
        )

    async def async_start(self) -> None:
        """Start the housekeeping, the webhook, the balance, the HTTP sender, Assist."""
        self._unsubs.append(
            async_track_time_interval(
                self.hass, self._housekeeping, EXPIRE_INTERVAL, cancel_on_shutdown=True
            )
        )
        if self.webhook is not None:
            await self.webhook.async_start()
        if self.account is not None:  # the first reading, without holding up the setup
            self.entry.async_create_task(
                self.hass, self.account.async_refresh(), f"{DOMAIN} balance {self.entry.title}"
            )
        if self.http_sender is not None:
            self._http_task = self.entry.async_create_background_task(
                self.hass, self.http_sender.run(), f"{DOMAIN} HTTP sender {self.entry.title}"
            )
        if self.conversations is not None:
            await self.conversations.async_start()

    async def async_stop(self) -> None:
        """Unbind, stop timers and the webhook, flush what is kept to disk."""
        if self._stopped:
            return
        self._stopped = True
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        self.publisher.stop()
        if self.webhook is not None:
            await self.webhook.async_stop()
        if self._http_task is not None:  # a message on its way is put back first
            self._http_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._http_task
        if self.account is not None:
            await self.account.async_shutdown()
        await self.link.stop()
        self.outbox.close()
        self.sending.stop()
        await self._outbox_saver.async_flush()
        await self._sent_saver.async_flush()
        await self.received_store.async_save({"keys": self.receiver.remembered()})

    def _load_received(self, stored: Any) -> None:
        """The receiver's duplicate keys of a stop (raises on any other shape)."""
        keys = stored.get("keys") if isinstance(stored, dict) else None
        if not isinstance(keys, list):
            raise TypeError("keys is not a list")
        self.receiver.remember(keys)

    @callback
    def _housekeeping(self, _now: Any = None) -> None:
        self.receiver.expire()
        self.tracker.expire()

    @callback
    def _outbox_changed(self) -> None:
        """Called about twice per part: O(1), everything coalesced."""
        self._outbox_saver.schedule()
        self.publisher.schedule()
        if self.http_sender is not None:
            self.http_sender.check()

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
            "webhook": None if self.webhook is None else self.webhook.diagnostics(),
            "http_api": None if self.account is None else self.account.diagnostics(),
            "http_sender": None if self.http_sender is None else self.http_sender.diagnostics(),
            "http_fallback": None if self.fallback is None else self.fallback.diagnostics(),
        }
