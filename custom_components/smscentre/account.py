"""The account over HTTP: its balance (a coordinator), the price of a message, and the repairs
the API's answers call for (a refused API password, a balance below the warning level).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import DOMAIN
from .errors import translated_error
from .settings import ApiSettings
from .smsc.channels import Channel, compose, normalize_recipients
from .smsc.errors import SmscError
from .smsc.http.api import Balance, HttpApi
from .smsc.http.errors import ApiAuthFailed, ApiError, HttpChannelUnsupported
from .smsc.http.provider import http_channels, route

_LOGGER = logging.getLogger(__name__)

ISSUE_API_AUTH = "api_auth_failed"
ISSUE_LOW_BALANCE = "low_balance"


def issue_id(kind: str, entry_id: str) -> str:
    """The repair issue of one kind for one entry."""
    return f"{kind}_{entry_id}"


class Account(DataUpdateCoordinator[Balance]):
    """Reads the balance every ``balance_interval`` minutes; unavailable while the API fails."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, api: HttpApi, settings: ApiSettings
    ) -> None:
        """For one entry and its API client."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} balance {entry.title}",
            update_interval=timedelta(minutes=settings.balance_interval),
        )
        self.api = api
        self.settings = settings
        self._entry = entry

    async def _async_update_data(self) -> Balance:
        try:
            balance = await self.api.balance()
        except ApiError as err:
            self._auth_issue(isinstance(err, ApiAuthFailed))
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=err.key,
                translation_placeholders=err.placeholders,
            ) from err
        self._auth_issue(False)
        self._low_balance(balance)
        return balance

    # --- actions -----------------------------------------------------------------------
    async def async_get_balance(self) -> dict[str, Any]:
        """A live read (the sensor follows it): ``{balance, currency}``."""
        try:
            balance = await self.api.balance()
        except ApiError as err:
            self._auth_issue(isinstance(err, ApiAuthFailed))
            raise translated_error(err) from err
        self._auth_issue(False)
        self._low_balance(balance)
        self.async_set_updated_data(balance)
        return {"balance": balance.balance, "currency": balance.currency}

    async def async_get_cost(
        self, channel: Channel, recipients: Iterable[str] | str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """The price of a message as the send actions would send it; nothing is sent."""
        try:
            if route(channel) is None:
                raise HttpChannelUnsupported(channel, ", ".join(http_channels()))
            # over HTTP: an e-mail address SMPP cannot carry is priced as it would be sent
            numbers = normalize_recipients(channel, recipients, email_over_http=True)
            text = compose(channel, fields)
            cost = await self.api.cost(numbers, channel, text)
        except SmscError as err:
            if isinstance(err, ApiError):
                self._auth_issue(isinstance(err, ApiAuthFailed))
            raise translated_error(err) from err
        currency = self.data.currency if self.data is not None else None
        return {"cost": cost.cost, "currency": currency, "parts": cost.parts}

    # --- repairs -----------------------------------------------------------------------
    @callback
    def _auth_issue(self, refused: bool) -> None:
        """The API refuses the password: a fixable issue asks for a new one (like reauth)."""
        self._issue(
            ISSUE_API_AUTH,
            refused,
            is_fixable=True,
            severity=ir.IssueSeverity.ERROR,
            data={"entry_id": self._entry.entry_id},
        )

    @callback
    def _low_balance(self, balance: Balance) -> None:
        """Below the warning level: a repair issue; at or above it: none."""
        warning = self.settings.balance_warning
        self._issue(
            ISSUE_LOW_BALANCE,
            warning is not None and balance.balance < warning,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            placeholders={
                "balance": f"{balance.balance:g}",
                "currency": balance.currency or "",
                "warning": f"{warning or 0:g}",
            },
        )

    @callback
    def _issue(
        self,
        kind: str,
        raised: bool,
        *,
        is_fixable: bool,
        severity: ir.IssueSeverity,
        placeholders: dict[str, str] | None = None,
        data: dict[str, str | int | float | None] | None = None,
    ) -> None:
        """Raise or clear one of this entry's repair issues."""
        issue = issue_id(kind, self._entry.entry_id)
        if not raised:
            ir.async_delete_issue(self.hass, DOMAIN, issue)
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue,
            is_fixable=is_fixable,
            is_persistent=False,
            severity=severity,
            translation_key=kind,
            translation_placeholders={"title": self._entry.title, **(placeholders or {})},
            data=data,
        )

    def diagnostics(self) -> dict[str, Any]:
        """The API client's counters and the last balance (no password, no login)."""
        return {
            "api": self.api.diagnostics(),
            "balance": None if self.data is None else self.data.balance,
            "currency": None if self.data is None else self.data.currency,
            "last_update_success": self.last_update_success,
            "interval_minutes": self.settings.balance_interval,
            "warning": self.settings.balance_warning,
        }
