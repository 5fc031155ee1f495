"""The SMPP link: keeps ``connections`` sessions bound.

Reconnect with exponential backoff and jitter, failover to the backup server after repeated
failures and back once the primary answers again, and a status (bound or not, the last
failure and its SMPP status) pushed on every change: what to tell a person is decided from it
by the Home Assistant layer. Each connection is a :class:`~.session.Session`; ``probe_bind``
is the config flow's one-off check.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field, replace
import enum
import logging
import random
import ssl
import time
from typing import Any

from ..errors import AuthFailed, CannotConnect, LinkError
from ..message import PartRef
from ..redact import redact_text
from .config import Endpoint, LinkConfig
from .pdu import QueryResult
from .session import PartSource, Session

_LOGGER = logging.getLogger(__name__)


class LinkState(enum.StrEnum):
    """What the link is doing."""

    STOPPED = "stopped"
    CONNECTING = "connecting"
    BOUND = "bound"
    AUTH_FAILED = "auth_failed"


@dataclass(slots=True)
class LinkStatus:
    """A snapshot for entities and diagnostics."""

    state: LinkState = LinkState.STOPPED
    server: str | None = None
    bind_mode: str = "transceiver"
    bound_sessions: int = 0
    last_error: str | None = None
    last_error_status: int | None = None
    reconnects: int = 0
    on_backup: bool = False
    since: float = field(default_factory=time.time)

    @property
    def bound(self) -> bool:
        """At least one session is bound."""
        return self.bound_sessions > 0


class _NullOutbox:
    """What a probe bind pulls from: nothing."""

    async def next_part(self) -> PartRef:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    def next_part_nowait(self) -> PartRef | None:
        """Nothing to send."""
        return None

    def on_response(self, token: int, status: int, message_id: str | None) -> None:
        """Nothing is sent."""

    def on_timeout(self, token: int) -> None:
        """Nothing is sent."""


class Link:
    """Keeps ``connections`` sessions bound, with backoff, failover and failback."""

    def __init__(
        self,
        config: LinkConfig,
        *,
        outbox: PartSource,
        ssl_context: ssl.SSLContext | None = None,
        deliver_handler: Callable[[bytes], int] | None = None,
        on_status: Callable[[LinkStatus], None] | None = None,
    ) -> None:
        """Prepare; nothing connects until ``run``."""
        self.config = config
        self.outbox = outbox
        self.ssl_context = ssl_context
        self.deliver_handler = deliver_handler
        self._on_status = on_status
        self._endpoints = config.endpoints()
        self._active = 0
        self._sessions: dict[int, Session] = {}
        self._stopping = False
        self._stop_event = asyncio.Event()
        self._attempted = asyncio.Event()
        self._connecting: set[Session] = set()
        self._was_bound = False
        self._reported_down = False
        self.status = LinkStatus(bind_mode=config.bind_mode)

    # --- public ------------------------------------------------------------------------
    @property
    def endpoint(self) -> Endpoint:
        """The server the link uses now."""
        return self._endpoints[self._active]

    def _session(self, endpoint: Endpoint) -> Session:
        return Session(
            self.config,
            endpoint,
            outbox=self.outbox,
            ssl_context=self.ssl_context,
            deliver_handler=self.deliver_handler,
        )

    def sessions(self) -> list[Session]:
        """Live sessions."""
        return list(self._sessions.values())

    async def wait_first_attempt(self, timeout: float) -> None:
        """Return once the first bind attempt has ended (bound, refused or failed), or after
        ``timeout`` seconds while it still goes on: setup learns of a refused password
        without waiting for a server that never answers."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._attempted.wait()

    async def run(self) -> None:
        """Supervise every connection slot until ``stop``."""
        slots = [self._supervise(slot) for slot in range(max(1, self.config.connections))]
        try:
            await asyncio.gather(*slots)
        finally:
            await self._close_all(unbind=False)

    async def stop(self) -> None:
        """Unbind every session cleanly and end ``run``."""
        self._stopping = True
        self._stop_event.set()
        await self._close_all(unbind=True)
        self._set_status(state=LinkState.STOPPED)

    async def query(self, message_id: str) -> QueryResult:
        """QUERY_SM through a bound session."""
        for session in self._sessions.values():
            if session.is_bound:
                return await session.query(message_id, self.config.source or "")
        raise CannotConnect("link_down")

    # --- supervision -------------------------------------------------------------------
    async def _close_all(self, *, unbind: bool) -> None:
        sessions = list(self._sessions.values())
        for session in list(self._connecting):
            session.abort()
            session.release()
        await asyncio.gather(*(s.close(unbind=unbind) for s in sessions), return_exceptions=True)

    def _stop_requested(self) -> bool:
        """``stop`` was called (a method: it changes while we await)."""
        return self._stopping

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop_event.wait(), seconds)

    def _backoff(self, failures: int) -> float:
        base = self.config.backoff_base * (2 ** max(0, failures - 1))
        ceiling = min(self.config.backoff_cap, base)
        return random.uniform(ceiling / 2, ceiling)

    async def _supervise(self, slot: int) -> None:
        failures = 0
        while not self._stopping:
            endpoint = self.endpoint
            if not self.status.bound:
                self._set_status(state=LinkState.CONNECTING)
            session = self._session(endpoint)
            self._connecting.add(session)
            try:
                await session.connect()
            except AuthFailed as err:
                self._auth_failed(err)
                return
            except LinkError as err:
                failures += 1
                self._failed(err, failures)
                if failures >= self.config.failover_after and len(self._endpoints) > 1:
                    self._switch_endpoint()
                    failures = 0
                await self._sleep(self._backoff(max(failures, 1)))
                continue
            except Exception as err:
                _LOGGER.exception("Unexpected error while binding to %s", endpoint)
                failures += 1
                self._failed(LinkError("unexpected", error=type(err).__name__), failures)
                await self._sleep(self._backoff(failures))
                continue
            finally:
                self._connecting.discard(session)
                if not session.is_bound:
                    session.abort()
                    session.release()
            if self._stop_requested():
                await session.close(unbind=True)
                return
            reason = await self._serve(slot, session)
            failures = 0
            if self._stop_requested():
                return
            if reason == "failback":
                self._active = 0
                continue
            await self._sleep(self._backoff(1))

    async def _serve(self, slot: int, session: Session) -> str:
        """Run a bound session to its end; keep status and failback in step."""
        self._sessions[slot] = session
        self._bound_changed()
        failback = None
        if not session.endpoint.primary:
            failback = asyncio.create_task(self._watch_primary(session), name="smscentre failback")
        try:
            reason = await session.serve()
        except Exception as err:
            _LOGGER.exception("SMPP session failed")
            reason = type(err).__name__
        finally:
            if failback is not None:
                failback.cancel()
                await asyncio.gather(failback, return_exceptions=True)
            self._sessions.pop(slot, None)
            session.abort()
            session.release()
            self._bound_changed(session.end_reason or "closed")
        return reason

    async def _watch_primary(self, session: Session) -> None:
        """While on the backup, return to the primary once it accepts connections again."""
        primary = self._endpoints[0]
        while True:
            await asyncio.sleep(self.config.failback_interval)
            try:
                _, writer = await asyncio.wait_for(
                    asyncio.open_connection(primary.host, primary.port),
                    self.config.connect_timeout,
                )
            except (OSError, TimeoutError):
                continue
            writer.transport.abort()
            _LOGGER.info("Primary SMPP server %s is back; returning to it", primary)
            session.end_reason = "failback"
            session.request_unbind()
            return

    def _switch_endpoint(self) -> None:
        self._active = (self._active + 1) % len(self._endpoints)
        _LOGGER.warning("Switching to SMPP server %s", self.endpoint)

    def _auth_failed(self, err: AuthFailed) -> None:
        _LOGGER.error("SMS Center refused the login or password (%s)", err.placeholders)
        self._set_status(
            state=LinkState.AUTH_FAILED,
            last_error="invalid_auth",
            last_error_status=_status_of(err),
        )
        self._attempted.set()

    def _failed(self, err: LinkError, failures: int) -> None:
        message = redact_text(str(err), (self.config.password,))
        if not self._reported_down and not self.status.bound:
            self._reported_down = True
            _LOGGER.warning("SMPP link unavailable: %s; retrying with backoff", message)
        else:
            _LOGGER.debug("Bind attempt %s failed: %s", failures, message)
        self.status.last_error = err.key
        self.status.last_error_status = _status_of(err)
        self._notify()
        self._attempted.set()

    def _bound_changed(self, reason: str | None = None) -> None:
        bound = sum(1 for s in self._sessions.values() if s.is_bound)
        was = self.status.bound
        if reason is not None and not self._stopping and reason != "failback":
            self.status.reconnects += 1
        endpoint = self.endpoint
        self._set_status(
            state=LinkState.BOUND if bound else LinkState.CONNECTING,
            bound_sessions=bound,
            server=str(endpoint) if bound else self.status.server,
            on_backup=not endpoint.primary,
        )
        if bound and not was:
            self._attempted.set()
            if self._reported_down or self._was_bound:
                _LOGGER.info("SMPP link to %s is up", endpoint)
            self._reported_down = False
            self._was_bound = True
            self.status.last_error = None
            self.status.last_error_status = None
        elif not bound and was and not self._stopping:
            _LOGGER.warning("SMPP link to %s lost (%s); reconnecting", endpoint, reason)
            self._reported_down = True

    def _set_status(self, **changes: Any) -> None:
        new = replace(self.status, **changes)
        if new.bound != self.status.bound or new.state != self.status.state:
            new.since = time.time()
        self.status = new
        self._notify()

    def _notify(self) -> None:
        if self._on_status is not None:
            self._on_status(self.status)


def _status_of(err: LinkError) -> int | None:
    status = getattr(err, "status", None)
    if isinstance(status, int):
        return status
    value = err.placeholders.get("status")
    return int(value, 16) if value else None


async def probe_bind(
    config: LinkConfig, *, ssl_context: ssl.SSLContext | None, timeout: float = 10.0
) -> None:
    """Bind once, unbind and close (the config flow's check).

    Raises CannotConnect, TlsError, AuthFailed or BindRefused.
    """
    session = Session(
        replace(config, connect_timeout=timeout, response_timeout=timeout),
        Endpoint(config.host, config.port),
        outbox=_NullOutbox(),
        ssl_context=ssl_context,
    )
    try:
        await asyncio.wait_for(session.connect(), timeout * 2)
    except TimeoutError as err:
        raise CannotConnect("cannot_connect", server=str(session.endpoint)) from err
    finally:
        await session.close(unbind=True)
