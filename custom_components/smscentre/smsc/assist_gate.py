"""Who may talk to Home Assistant's Assist by SMS, and what of their message it gets.

An incoming SMS is a conversation only when its sender is one of the allowed numbers
(compared as international digits; a sender name with letters is never a number), it is not
our own sender (two gateways answering each other would never stop) and it is not a delivery
receipt sent as text. Then, in this order: the sender's hourly cap (past it nothing is
executed or answered), and the PIN, when one is set (the message must begin with it; it is
removed before the agent sees the text). A sender's messages refused for the PIN count
towards the cap, so guessing is slow; those refused for the cap do not, so the window frees
an hour after the last admitted one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
import hmac
import re
import time

from .channels import normalize_phone
from .errors import InvalidInput

HOUR = 3600.0
DEFAULT_REPLY_PARTS = 2
MAX_REPLY_PARTS = 10
DEFAULT_REPLIES_PER_HOUR = 20
MAX_REPLIES_PER_HOUR = 1000
MAX_PIN_LENGTH = 16

# A PIN: letters and digits only (it is typed at the start of an SMS)
PIN_PATTERN = re.compile(rf"[0-9A-Za-z]{{1,{MAX_PIN_LENGTH}}}")
# What may stand between the PIN and the request: spaces and light punctuation
_AFTER_PIN = " \t\r\n,.:;"
# The text of an SMPP delivery receipt ("id:… sub:… dlvrd:… … stat:DELIVRD err:000 …")
_RECEIPT_TEXT = re.compile(r"^\s*id:\S+\s.*\bstat:[A-Z]{5,7}\b", re.DOTALL)


class Refusal(StrEnum):
    """Why an allowed sender's message was neither executed nor answered."""

    PIN = "pin"
    RATE_LIMIT = "rate_limit"


@dataclass(frozen=True, slots=True)
class AssistSettings:
    """The options of conversations by SMS; no allowed sender means off."""

    senders: tuple[str, ...] = ()
    pin: str = ""
    reply_parts: int = DEFAULT_REPLY_PARTS
    replies_per_hour: int = DEFAULT_REPLIES_PER_HOUR

    @property
    def enabled(self) -> bool:
        """Conversations are on when at least one sender is allowed."""
        return bool(self.senders)


@dataclass(frozen=True, slots=True)
class Admission:
    """An allowed sender's message: what the agent sees, or why it sees nothing."""

    sender: str  # international digits
    text: str  # the PIN removed; empty when refused for the PIN
    refused: Refusal | None = None


def international(sender: str) -> str | None:
    """The sender as international digits, or None when it is no phone number (a name)."""
    try:
        return normalize_phone(sender)
    except InvalidInput:
        return None


def without_pin(text: str, pin: str) -> str | None:
    """The text after the PIN it begins with; None when it does not begin with it.

    The PIN must be followed by a space, light punctuation or nothing: "1234 lights on" and
    "1234, lights on" pass, "12345 lights on" does not pass the PIN 1234.
    """
    if not pin:
        return text.strip()
    stripped = text.lstrip()
    head, rest = stripped[: len(pin)], stripped[len(pin) :]
    if not hmac.compare_digest(head.encode(), pin.encode()):
        return None
    if rest and rest[0] not in _AFTER_PIN:
        return None
    return rest.lstrip(_AFTER_PIN).rstrip()


class AssistGate:
    """Decides, per incoming SMS, whether it goes to the agent."""

    def __init__(
        self,
        settings: AssistSettings,
        *,
        own_sender: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``own_sender``: this account's sender id (its SMS are never answered)."""
        self._allowed = frozenset(
            number for raw in settings.senders if (number := international(raw)) is not None
        )
        self._own = international(own_sender) if own_sender else None
        self._pin = settings.pin
        self._cap = max(1, settings.replies_per_hour)
        self._clock = clock
        # per allowed sender: when its admitted (or PIN-refused) messages came, oldest first
        self._recent: dict[str, deque[float]] = {}

    def admit(self, sender: str, text: str) -> Admission | None:
        """The admission of an allowed sender's SMS; None when it is no conversation."""
        number = international(sender)
        if number is None or number not in self._allowed or number == self._own:
            return None
        if _RECEIPT_TEXT.match(text):
            return None
        recent = self._window(number)
        if len(recent) >= self._cap:
            return Admission(number, without_pin(text, self._pin) or "", Refusal.RATE_LIMIT)
        recent.append(self._clock())
        request = without_pin(text, self._pin)
        if request is None:
            return Admission(number, "", Refusal.PIN)
        return Admission(number, request)

    def _window(self, number: str) -> deque[float]:
        """The sender's messages of the last hour (older ones forgotten)."""
        recent = self._recent.setdefault(number, deque())
        horizon = self._clock() - HOUR
        while recent and recent[0] <= horizon:
            recent.popleft()
        return recent
