"""Exceptions of the SMPP core.

Every error a user can cause carries a translation key; the Home Assistant layer turns it
into a ``ServiceValidationError`` (bad input) or ``HomeAssistantError`` (failure) with
``translation_domain="smscentre"`` and the same key under ``exceptions`` in strings.json.
"""

from __future__ import annotations

from .text import clean_text


class SmscError(Exception):
    """Base class of the core's errors."""

    def __init__(self, key: str, **placeholders: object) -> None:
        """Keep the translation key and its placeholders (an echoed input may hold a lone
        surrogate, which the error's message must not carry to the frontend)."""
        super().__init__(key, placeholders)
        self.key = key
        self.placeholders = {k: clean_text(str(v)) for k, v in placeholders.items()}

    def __str__(self) -> str:
        """Readable in logs and test failures."""
        if not self.placeholders:
            return self.key
        args = ", ".join(f"{k}={v}" for k, v in self.placeholders.items())
        return f"{self.key} ({args})"


class InvalidInput(SmscError):
    """The user's input cannot be sent (bad number, text, code, option)."""


class RuleViolation(InvalidInput):
    """Sending now would break one of the provider's rules (duplicate, per-subscriber)."""


class LinkError(SmscError):
    """The SMPP link could not be used."""


class CannotConnect(LinkError):
    """TCP connection failed or timed out."""


class TlsError(LinkError):
    """TLS handshake or certificate verification failed."""


class AuthFailed(LinkError):
    """The server refused the bind for the login or password (0x0E, 0x0F)."""


class BindRefused(LinkError):
    """The server refused the bind for another reason; ``status`` is the SMPP status."""

    def __init__(self, status: int, key: str = "bind_refused") -> None:
        """Keep the SMPP command_status."""
        super().__init__(key, status=f"0x{status:08X}")
        self.status = status
