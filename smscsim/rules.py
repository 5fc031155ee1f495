"""The provider's rules: who may log in, where a message may go, how fast, and how often.

SMS Center refuses a SUBMIT_SM to an address that is not digits (0x0B; an e-mail address is
allowed for ``__MAIL__:``), beyond the login's throughput (0x58, a token bucket per login with
a burst of one second) and the same text to the same number within a minute (0x45). The
one-minute rule spans SMPP and the HTTP API (`text_duplicate`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
import time
from typing import Any

from .model import Submit
from .pdu import (
    ESME_RINVDSTADR,
    ESME_RINVPASWD,
    ESME_RINVSYSID,
    ESME_RSUBMITFAIL,
    ESME_RTHROTTLED,
)


@dataclass(slots=True)
class _Bucket:
    tokens: float = 0.0
    stamp: float = 0.0


class Rules:
    """The accounts and the rules every SUBMIT_SM is checked against."""

    def __init__(
        self,
        accounts: dict[str, str],
        *,
        throughput: float | None,
        duplicate_window: float,
        across: bool,
    ) -> None:
        self.accounts = accounts  # login -> password
        self.duplicate_window = duplicate_window  # s; 0 turns the one-minute rule off
        # texts sent over SMPP are noted for the HTTP API's one-minute rule (it is on)
        self.across = across
        self._throughput = throughput
        self._buckets: dict[str, _Bucket] = {}
        # SMPP's own rule: (login, destination, content, SAR concat) -> time.monotonic()
        self._recent: dict[tuple[Any, ...], float] = {}
        self._recent_order: deque[tuple[float, tuple[Any, ...]]] = deque()
        # (login, destination, text) -> (time.monotonic(), sent over HTTP): the one-minute
        # rule across SMPP and HTTP, kept only while the HTTP API is on
        self._recent_texts: dict[tuple[str, str, str], tuple[float, bool]] = {}
        self._recent_texts_order: deque[tuple[float, tuple[str, str, str]]] = deque()
        self._http_texts = 0  # entries made over HTTP still in _recent_texts

    def login(self, system_id: str, password: str) -> tuple[int, bool]:
        """(bind status, password right): unknown login 0x0F, wrong password 0x0E."""
        expected = self.accounts.get(system_id)
        if expected is None:
            return ESME_RINVSYSID, False
        if expected != password:
            return ESME_RINVPASWD, False
        return 0, True

    @property
    def throughput(self) -> float | None:
        return self._throughput

    def set_throughput(self, rate: float | None) -> None:
        """SUBMIT_SMs a second per login (None: no limit); every bucket starts full."""
        self._throughput = rate
        self._buckets.clear()

    def check(self, submit: Submit) -> int:
        """The status the provider answers a SUBMIT_SM with (0: accepted); a submit that
        passes is noted for the one-minute rule."""
        dest = submit.destination_addr
        if not (dest.isascii() and dest.isdigit()) and not (
            "@" in dest and submit.text.startswith("__MAIL__:")
        ):
            return ESME_RINVDSTADR
        rate = self._throughput
        if rate:
            now = time.monotonic()
            bucket = self._buckets.get(submit.system_id)
            capacity = max(rate, 1.0)
            if bucket is None:
                bucket = self._buckets[submit.system_id] = _Bucket(capacity, now)
            tokens = min(capacity, bucket.tokens + (now - bucket.stamp) * rate)
            bucket.stamp = now
            if tokens < 1.0:
                bucket.tokens = tokens
                return ESME_RTHROTTLED
            bucket.tokens = tokens - 1.0
        window = self.duplicate_window
        if window <= 0:
            return 0
        concat = submit.udh
        if (
            self._http_texts
            and (concat is None or concat.total <= 1)
            and self.text_duplicate(
                submit.system_id, submit.destination_addr, submit.text, http=False, record=False
            )
        ):
            return ESME_RSUBMITFAIL  # the same text went to this number over HTTP
        key = (
            submit.system_id,
            submit.destination_addr,
            submit.content,
            concat if concat is not None and concat.sar else None,
        )
        mono = time.monotonic()
        recent = self._recent_order
        while recent and recent[0][0] <= mono - window:
            stamp, old = recent.popleft()
            if self._recent.get(old) == stamp:
                del self._recent[old]
        last = self._recent.get(key)
        if last is not None and mono - last < window:
            return ESME_RSUBMITFAIL
        self._recent[key] = mono
        recent.append((mono, key))
        return 0

    def text_duplicate(
        self, system_id: str, destination: str, text: str, *, http: bool, record: bool = True
    ) -> bool:
        """The one-minute rule across SMPP and HTTP: was this text sent to this number?

        A message sent over SMPP is compared with those sent over HTTP only (SMPP's own rule
        already compares it with SMPP ones); one sent over HTTP with both. Unless it is a
        duplicate, ``record`` notes it as sent now.
        """
        window = self.duplicate_window
        mono = time.monotonic()
        recent, order = self._recent_texts, self._recent_texts_order
        while order and order[0][0] <= mono - window:
            stamp, old = order.popleft()
            entry = recent.get(old)
            if entry is not None and entry[0] == stamp:
                del recent[old]
                self._http_texts -= entry[1]
        key = (system_id, destination, text)
        entry = recent.get(key)
        if entry is not None and mono - entry[0] < window and (http or entry[1]):
            return True
        if record:
            if entry is not None:
                self._http_texts -= entry[1]
            recent[key] = (mono, http)
            order.append((mono, key))
            self._http_texts += http
        return False
