"""What a person is told about an entry's link: its reauthentication flows and repair issues."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import time

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntry
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from custom_components.smscentre.const import DOMAIN


def findings(hass: HomeAssistant, entry: ConfigEntry) -> list[str]:
    """Everything the entry asks of a person now: "reauth" per reauthentication flow, and
    the translation key of each active repair issue of its own (the HTTP API's, the
    webhook's and the storage's have other causes and are left out)."""
    asked = ["reauth" for _ in entry.async_get_active_flows(hass, {SOURCE_REAUTH})]
    for (domain, issue_id), issue in ir.async_get(hass).issues.items():
        if domain == DOMAIN and issue.active and issue_id == f"link_down_{entry.entry_id}":
            assert issue.translation_key is not None
            asked.append(issue.translation_key)
    return asked


def link_issue(hass: HomeAssistant, entry: ConfigEntry) -> ir.IssueEntry:
    """The entry's link repair issue (it must exist)."""
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"link_down_{entry.entry_id}")
    assert issue is not None
    return issue


@dataclass
class IssueClock:
    """When repair issues of the integration were created (monotonic time)."""

    created: list[float] = field(default_factory=list)

    def listen(self, hass: HomeAssistant) -> None:
        """Follow the issue registry's events."""

        @callback
        def heard(event: Event[ir.EventIssueRegistryUpdatedData]) -> None:
            if event.data["domain"] == DOMAIN and event.data["action"] == "create":
                self.created.append(time.monotonic())

        hass.bus.async_listen(ir.EVENT_REPAIRS_ISSUE_REGISTRY_UPDATED, heard)


async def wait_findings(
    hass: HomeAssistant, entry: ConfigEntry, wanted: list[str], timeout: float = 10
) -> None:
    """Wait until the entry asks exactly ``wanted`` of a person."""
    async with asyncio.timeout(timeout):
        while findings(hass, entry) != wanted:
            await hass.async_block_till_done()
            await asyncio.sleep(0.02)
