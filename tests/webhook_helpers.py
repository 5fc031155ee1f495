"""The provider's side of the webhook tests: its requests, and one caller that posts them."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from aiohttp.test_utils import TestClient
from homeassistant.core import Event, HomeAssistant
from pytest_homeassistant_custom_component.common import async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smscentre.smsc.http.body import codec_for

from .receiving_helpers import SECRET, WEBHOOK_ID, sign

PATH = f"/api/webhook/{WEBHOOK_ID}"
CYRILLIC = "Привет, дом! Свет выключен ёЁ"
FORM = "application/x-www-form-urlencoded"


def form(fields: dict[str, str], charset: str = "windows-1251") -> bytes:
    """A form body as the provider encodes it in `charset`."""
    return urlencode(fields, encoding=codec_for(charset)).encode("ascii")


def status_fields(hash_kind: str = "md5", secret: str = SECRET, **changes: str) -> dict[str, str]:
    """A signed delivery status."""
    fields = {
        "id": "100001",
        "phone": "79991234567",
        "status": "1",
        "time": "05.03.25 12:30:00",
        "ts": "1741167000",
        "cnt": "1",
        "type": "0",
        "cost": "3.50",
        "sender": "HomeAssist",
    }
    fields.update(changes)
    if secret:
        text = f"{fields['id']}:{fields['phone']}:{fields['status']}"
        fields[hash_kind] = sign(text, secret, hash_kind)
    return fields


def incoming_fields(
    text: str = CYRILLIC,
    hash_kind: str = "md5",
    encoding: str = "utf-8",
    secret: str = SECRET,
) -> dict[str, str]:
    """A signed incoming SMS."""
    fields = {
        "id": "777",
        "sms_id": "100001",
        "phone": "79990001122",
        "mes": text,
        "to": "79037000000",
        "smsc": "MTS",
        "sent": "1741167000",
        "time": "1741167005",
    }
    if secret:
        signed = f"{fields['phone']}:{fields['mes']}:{fields['to']}"
        fields[hash_kind] = sign(signed, secret, hash_kind, encoding)
    return fields


@dataclass(slots=True)
class WebhookCaller:
    """The provider calling the entry's webhook; `events` are those of one type fired since
    the caller was made."""

    hass: HomeAssistant
    client: TestClient
    events: list[Event]

    async def post(
        self,
        data: Any = None,
        *,
        url: str = PATH,
        content_type: str | None = None,
        status: int = HTTPStatus.OK,
        **request: Any,
    ) -> list[Event]:
        """Post one request, check the answer's status, let Home Assistant finish what the
        request started; return the events so far."""
        if content_type is not None:
            request["headers"] = {"Content-Type": content_type}
        resp = await self.client.post(url, data=data, **request)
        assert resp.status == status
        await self.hass.async_block_till_done()
        return self.events


async def webhook_caller(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, event_type: str = ""
) -> WebhookCaller:
    """A caller of the webhook, capturing the events of `event_type` (none without one)."""
    events = async_capture_events(hass, event_type) if event_type else []
    return WebhookCaller(hass, await hass_client_no_auth(), events)
