"""Actions of SMS Center, PDU by PDU at the SMSC simulator."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smscentre.const import DOMAIN


async def test_send_sms(hass: HomeAssistant, init_integration: MockConfigEntry, simulator) -> None:
    response = await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"recipients": "+7 999 123-45-67", "message": "Hello"},
        blocking=True,
        return_response=True,
    )
    print(response)
    print(simulator.accepted)
