"""Store and forward of DELIVER_SMs (receipts, incoming SMS), as the provider keeps them.

Off by default (``store_and_forward=False``): a receipt with no session to take it is then
dropped, as the simulator always did. On, nothing the SMSC sends is lost while the client is
away: a DELIVER_SM that no bound receiver can take (none bound, the server hanging) waits
here for the login, and one written but not answered with ROK (the connection lost, an
error status, no answer within ``resend_after``) is written again. The client may see one
twice, as from the real provider; it must not act on it twice.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
import time
from typing import Protocol

RESEND_AFTER = 30.0  # s: a DELIVER_SM unanswered this long is written again
RETRY_INTERVAL = 1.0  # s: how often what waits is tried again


class Receiving(Protocol):
    """What the mailbox reads of a session (``smscsim.session.Session``)."""

    @property
    def closed(self) -> bool: ...
    @property
    def can_receive(self) -> bool: ...
    @property
    def system_id(self) -> str: ...


class Mailbox[S: Receiving]:
    """What waits for a receiver, and what was written and not yet answered."""

    def __init__(
        self,
        receiver: Callable[[str | None], S | None],
        deliver: Callable[[S, bytes], int],
        hanging: Callable[[], bool],
        *,
        resend_after: float = RESEND_AFTER,
        retry_interval: float = RETRY_INTERVAL,
    ) -> None:
        self._receiver = receiver  # a session of the login that can take a DELIVER_SM, or None
        self._deliver = deliver  # writes one (``Ss.deliver``, which calls ``written``)
        self.hanging = hanging
        self.resend_after = resend_after
        self.retry_interval = retry_interval
        self.waiting: deque[tuple[str | None, bytes]] = deque()  # (login, body)
        # sequence -> (session, login, body, written at): written, not answered yet
        self.in_flight: dict[int, tuple[S, str | None, bytes, float]] = {}
        self.resent = 0  # written again: lost, refused or unanswered
        self._timer: asyncio.TimerHandle | None = None

    def __len__(self) -> int:
        """DELIVER_SMs not answered yet (waiting or written)."""
        return len(self.waiting) + len(self.in_flight)

    def post(self, system_id: str | None, body: bytes, session: S | None = None) -> int:
        """Write a DELIVER_SM to `session` (or the login's receiver) now when one can take
        it, else keep it for later; its sequence (0: kept)."""
        if session is None or session.closed or not session.can_receive:
            session = self._receiver(system_id)
        if session is None or self.hanging():
            self.waiting.append((system_id, body))
            self._arm()
            return 0
        return self._deliver(session, body)

    def written(self, sequence: int, session: S, body: bytes) -> None:
        """A DELIVER_SM went out on `session` (``Ss.deliver``)."""
        self.in_flight[sequence] = (session, session.system_id or None, body, time.monotonic())
        self._arm()

    def answered(self, sequence: int, status: int) -> None:
        """Its DELIVER_SM_RESP came: done with ROK, else it waits to be written again."""
        entry = self.in_flight.pop(sequence, None)
        if entry is not None and status:
            self._again(entry[1], entry[2])

    def lost(self, session: S) -> None:
        """A connection ended: what it had not answered waits for the next receiver."""
        for sequence in [s for s, entry in self.in_flight.items() if entry[0] is session]:
            _, login, body, _ = self.in_flight.pop(sequence)
            self._again(login, body)

    def bound(self) -> None:
        """A session bound: what waits goes out soon (after its BIND_RESP)."""
        if self.waiting:
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Write what waits where a receiver can take it; write again what went unanswered."""
        now = time.monotonic()
        for sequence in [
            s for s, entry in self.in_flight.items() if now - entry[3] >= self.resend_after
        ]:
            _, login, body, _ = self.in_flight.pop(sequence)
            self._again(login, body)
        if self.hanging():
            return
        for _ in range(len(self.waiting)):
            login, body = self.waiting.popleft()
            session = self._receiver(login)
            if session is None:
                self.waiting.append((login, body))
                continue
            self._deliver(session, body)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _again(self, login: str | None, body: bytes) -> None:
        self.resent += 1
        self.waiting.append((login, body))
        self._arm()

    def _arm(self) -> None:
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.retry_interval, self._tick)

    def _tick(self) -> None:
        self._timer = None
        self.flush()
        if self:
            self._arm()
