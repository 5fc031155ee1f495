"""Core errors as Home Assistant errors, translated by their keys (one place)."""

from __future__ import annotations

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .const import DOMAIN
from .smsc.errors import InvalidInput, SmscError


def translated_error(err: SmscError) -> HomeAssistantError:
    """The Home Assistant error for a core error: bad input is a ServiceValidationError."""
    cls = ServiceValidationError if isinstance(err, InvalidInput) else HomeAssistantError
    return cls(
        translation_domain=DOMAIN,
        translation_key=err.key,
        translation_placeholders=err.placeholders,
    )


def send_failed(error: str | None) -> HomeAssistantError:
    """The SMSC refused the message for good."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="send_failed",
        translation_placeholders={"error": error or "?"},
    )
