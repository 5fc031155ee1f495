"""Keep secrets out of logs.

aiosmpplib logs through its own ``StructuredLogger`` with a stderr handler of its own, and puts
raw PDUs (the bind PDU holds the password; submits hold numbers and text) and whole message
objects into the log record. ``SafeStructuredLogger`` replaces it: only whitelisted, harmless
fields survive, and every record goes to Python's ``aiosmpplib`` logger, so Home Assistant's
``logger`` integration controls it like any other.
"""

from __future__ import annotations

from collections.abc import Iterable
import contextlib
import logging
import sys
from typing import Any

from aiosmpplib.log import StructuredLogger

AIOSMPPLIB_LOGGER = logging.getLogger("aiosmpplib")
REDACTED = "**REDACTED**"

# Fields of aiosmpplib's log calls that hold nothing secret or personal.
_SAFE_FIELDS = frozenset(
    {
        "smpp_command",
        "command_status",
        "sequence_num",
        "task",
        "hook_method",
        "reason",
        "delay",
        "parts",
        "ref",
        "exception",
        "segment_status",
        "status_code",
    }
)


# aiosmpplib reports an ordinary link drop from inside its sender loop at ERROR; the link's
# supervisor already says once that the link is down, so these go to DEBUG.
_EXPECTED_ON_DROP = frozenset(
    {
        "SMPP message could not be sent",
        "Error while shutting down SMSC connection",
        "Timed out while waiting for ENQUIRE_LINK response",
    }
)


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret (at least 3 characters long) in text."""
    for secret in secrets:
        if secret and len(secret) >= 3 and secret in text:
            text = text.replace(secret, REDACTED)
    return text


def loggers_under(*names: str) -> list[logging.Logger]:
    """Every logger named ``name`` or below it: those created so far, and one for each module
    imported below it (a module that gets its logger later still logs through a filter).

    A filter on a logger sees only the records made on that very logger, not those its
    children propagate, so a filter meant for a whole package goes on each of its loggers.
    """
    prefixes = tuple(f"{name}." for name in names)
    found = [
        key
        for key in [*logging.Logger.manager.loggerDict, *sys.modules]
        if key in names or key.startswith(prefixes)
    ]
    return [logging.getLogger(key) for key in sorted({*names, *found})]


class SecretFilter(logging.Filter):
    """A logging filter that masks the given secrets in a record's final message."""

    def __init__(self, secrets: Iterable[str]) -> None:
        """Remember the secrets."""
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message, and its other text attributes (aiohttp's access log
        passes the request line as ``extra`` too), with the secrets masked."""
        message = record.getMessage()
        masked = redact_text(message, self.secrets)
        if masked != message:
            record.msg = masked
            record.args = None
        for key, value in vars(record).items():
            if (
                isinstance(value, str)
                and key != "msg"
                and (text := redact_text(value, self.secrets)) != value
            ):
                setattr(record, key, text)
        return True


class SafeStructuredLogger(StructuredLogger):
    """A drop-in for aiosmpplib's logger that forwards safe records to Python logging."""

    def __init__(self, name: str, secrets: Iterable[str], context: str) -> None:
        """Create a logger at the level the ``aiosmpplib`` logger is set to."""
        super().__init__(
            name,
            level=AIOSMPPLIB_LOGGER.getEffectiveLevel(),
            handler=logging.NullHandler(),
            include_timestamp=False,
            include_level=False,
        )
        self.secrets = tuple(s for s in secrets if s)
        self.context = context

    def isEnabledFor(self, level: int) -> bool:
        """Follow the ``aiosmpplib`` logger's level at call time."""
        return AIOSMPPLIB_LOGGER.isEnabledFor(level)

    def _log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        """Forward the message with only the safe fields; never the PDU or message."""
        fields = {k: v for k, v in kwargs.items() if k in _SAFE_FIELDS}
        text = str(msg)
        if text in _EXPECTED_ON_DROP and level > logging.DEBUG:
            level = logging.DEBUG
            if not AIOSMPPLIB_LOGGER.isEnabledFor(level):
                return
        if args and isinstance(args[0], tuple) and args[0]:
            with contextlib.suppress(TypeError, ValueError):
                text = text % args[0]
        if fields:
            text = f"{text} {fields}"
        text = redact_text(f"[{self.context}] {text}", self.secrets)
        exc_info = kwargs.get("exc_info")
        AIOSMPPLIB_LOGGER.log(level, "%s", text, exc_info=exc_info)
