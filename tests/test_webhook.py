"""The provider's HTTP handler: formats, charsets, signatures, retries, dispatch."""

from __future__ import annotations

from http import HTTPStatus
import json
from types import SimpleNamespace
from typing import Any
from unittest.mock import AsyncMock, patch
import zlib

from hass_nabucasa import CloudError
from homeassistant.components import cloud
from homeassistant.components.cloud.client import CloudClient
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smscentre.const import (
    EVENT_CALL_CONFIRMATION,
    EVENT_DELIVERY_REPORT,
    EVENT_HLR_RESULT,
    EVENT_INCOMING_SMS,
)
from custom_components.smscentre.smsc.channels import Channel
from custom_components.smscentre.smsc.dedup import Deduplicator
from custom_components.smscentre.smsc.http.body import codec_for, parse_body, parse_xml
from custom_components.smscentre.smsc.http.callback import (
    STATUS_CODES,
    _status_time,
    is_hlr,
    stamp,
    to_report,
)
from custom_components.smscentre.smsc.http.signature import verify_signature
from custom_components.smscentre.webhook_address import async_remove_cloudhook, async_webhook_url
from smscsim import SmscSimulator

from .receiving_helpers import (
    SECRET,
    WEBHOOK_ID,
    entity_id,
    make_entry,
    setup_entry,
    sign,
    sim,  # noqa: F401
    webhook_options,
)
from .webhook_helpers import (
    CYRILLIC,
    FORM,
    PATH,
    form,
    incoming_fields,
    status_fields,
    webhook_caller,
)


@pytest.fixture
async def entry(hass: HomeAssistant, sim: SmscSimulator) -> MockConfigEntry:  # noqa: F811
    """A loaded entry with the webhook on, md5 signatures."""
    config_entry = make_entry(sim, options=webhook_options())
    await setup_entry(hass, config_entry)
    return config_entry


async def test_status_form_windows_1251(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Default format and charset: a status becomes a delivery report event and entity state."""
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_DELIVERY_REPORT)
    events = await caller.post(form(status_fields()), content_type=FORM)
    assert len(events) == 1
    data = events[0].data
    assert data["config_entry_id"] == entry.entry_id
    assert data["message_id"] == "100001"
    assert data["recipient"] == "79991234567"
    assert data["status"] == "delivered"
    assert data["stat"] == "DELIVRD"
    assert data["status_code"] == 1
    assert data["cost"] == "3.50"
    assert data["parts"] == 1
    assert data["channel"] == "sms"
    assert data["done_at"] == "2025-03-05T09:30:00+00:00"
    state = hass.states.get(entity_id(hass, "delivery_report"))
    assert state is not None
    assert state.attributes["event_type"] == "delivered"
    assert state.attributes["recipient"] == "79991234567"


@pytest.mark.parametrize("charset", ["utf-8", "windows-1251", "koi8-r"])
@pytest.mark.parametrize("hash_kind", ["md5", "sha1", "crc32"])
async def test_incoming_form_charsets_and_hashes(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    hass_client_no_auth: ClientSessionGenerator,
    charset: str,
    hash_kind: str,
) -> None:
    """Cyrillic text in each charset, each signature kind (hashed over the charset's bytes)."""
    config_entry = make_entry(sim, options=webhook_options(hash_kind=hash_kind))
    await setup_entry(hass, config_entry)
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_INCOMING_SMS)
    fields = incoming_fields(hash_kind=hash_kind, encoding=codec_for(charset))
    events = await caller.post(
        form(fields, charset), url=f"{PATH}?charset={charset}", content_type=FORM
    )
    assert len(events) == 1
    data = events[0].data
    assert data["text"] == CYRILLIC
    assert data["sender"] == "79990001122"
    assert data["recipient"] == "79037000000"
    assert data["message_id"] == "777"
    assert data["reply_to"] == "100001"
    assert data["received_at"] == "2025-03-05T09:30:05+00:00"
    assert data["parts"] == 1
    assert data["incomplete"] is False
    state = hass.states.get(entity_id(hass, "incoming_message"))
    assert state is not None
    assert state.attributes["event_type"] == "sms"
    assert state.attributes["text"] == CYRILLIC


def multipart(fields: dict[str, str], charset: str, boundary: str = "----smsc7MA4YWxk") -> bytes:
    """A multipart/form-data body (as PHP-style clients post forms), values in `charset`."""
    codec = codec_for(charset)
    chunks = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value.encode(codec)
        + b"\r\n"
        for name, value in fields.items()
    ]
    return b"".join(chunks) + f"--{boundary}--\r\n".encode()


@pytest.mark.parametrize("charset", ["utf-8", "windows-1251"])
async def test_incoming_multipart_form(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    charset: str,
) -> None:
    """Form fields as multipart/form-data: same event, signature checked over the charset."""
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_INCOMING_SMS)
    text = CYRILLIC + "\r\n" + "Вторая строка"  # a line break inside a value survives
    fields = incoming_fields(text, encoding=codec_for(charset))
    boundary = "----smsc7MA4YWxk"
    events = await caller.post(
        multipart(fields, charset, boundary),
        url=f"{PATH}?charset={charset}",
        content_type=f'multipart/form-data; boundary="{boundary}"',
    )
    assert [e.data["text"] for e in events] == [text]
    # a forged one (wrong signature) is refused; one without a boundary is malformed
    fields["mes"] = "forged"
    await caller.post(
        multipart(fields, charset, boundary),
        url=f"{PATH}?charset={charset}",
        content_type=f"multipart/form-data; boundary={boundary}",
        status=HTTPStatus.FORBIDDEN,
    )
    events = await caller.post(
        multipart(fields, charset),
        content_type="multipart/form-data",
        status=HTTPStatus.BAD_REQUEST,
    )
    assert len(events) == 1


def test_parse_multipart_skips_parts_without_a_name() -> None:
    body = (
        b"--b\r\nContent-Disposition: form-data\r\n\r\nnameless\r\n"
        b'--b\r\nContent-Disposition: form-data; name="id"\r\n\r\n1\r\n'
        b'--b\r\nContent-Disposition: form-data; name="id"\r\n\r\n2\r\n'
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\naGk=\r\n--b--\r\n"
    )
    assert parse_body(
        body, content_type="multipart/form-data; boundary=b", fmt=None, charset="utf-8"
    ) == [{"id": "1", "file": "hi"}]


async def test_incoming_json_fmt3(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """fmt=3: a JSON body (the address webhook_url gives)."""
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_INCOMING_SMS)
    events = await caller.post(
        json.dumps(incoming_fields(), ensure_ascii=False).encode("utf-8"),
        url=f"{PATH}?fmt=3&charset=utf-8",
        content_type="application/json",
    )
    assert [e.data["text"] for e in events] == [CYRILLIC]


async def test_through_a_cloudhook(
    hass: HomeAssistant, entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """Home Assistant Cloud relays a cloudhook's request through its own client, as a
    MockRequest (no read(), no content length, no remote address): handled like a direct one,
    forgeries refused."""
    events = async_capture_events(hass, EVENT_INCOMING_SMS)
    # Home Assistant's cloud client, with only the preferences it reads here: the cloudhooks.
    prefs = SimpleNamespace(
        cloudhooks={WEBHOOK_ID: {"webhook_id": WEBHOOK_ID, "cloudhook_id": "hook"}}
    )
    client = CloudClient(hass, prefs, async_get_clientsession(hass), {}, {})

    async def relay(fields: dict[str, str]) -> dict[str, Any]:
        """What Home Assistant Cloud hands over for one request to the cloudhook."""
        return await client.async_webhook_message(
            {
                "cloudhook_id": "hook",
                "body": json.dumps(fields, ensure_ascii=False),
                "headers": {"Content-Type": "application/json"},
                "method": "POST",
                "query": "fmt=3&charset=utf-8",
            }
        )

    answer = await relay(incoming_fields())
    assert answer["status"] == HTTPStatus.OK
    await hass.async_block_till_done()
    assert [e.data["text"] for e in events] == [CYRILLIC]
    answer = await relay(incoming_fields() | {"mes": "forged"})
    assert answer["status"] == HTTPStatus.FORBIDDEN
    assert "from Home Assistant Cloud" in caplog.text
    await hass.async_block_till_done()
    assert len(events) == 1


async def test_status_json_numbers(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """JSON numbers are read as the provider prints them (the signature still matches)."""
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_DELIVERY_REPORT)
    fields: dict[str, Any] = status_fields(status="20", err="1")
    body = {**fields, "id": 100001, "status": 20, "err": 1, "cnt": 2}
    events = await caller.post(url=f"{PATH}?fmt=3&charset=utf-8", json=body)
    assert len(events) == 1
    assert events[0].data["status"] == "undeliverable"
    assert events[0].data["error_code"] == 1
    assert events[0].data["error"] == "Subscriber does not exist"
    assert events[0].data["parts"] == 2


@pytest.mark.parametrize("charset", ["utf-8", "windows-1251"])
async def test_incoming_xml_fmt2(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    charset: str,
) -> None:
    """fmt=2: an XML body, with or without an encoding declaration."""
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_INCOMING_SMS)
    url = f"{PATH}?fmt=2&charset={charset}"
    fields = incoming_fields(encoding=codec_for(charset))
    leaves = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    xml = f'<?xml version="1.0" encoding="{charset}"?><data>{leaves}</data>'
    await caller.post(xml.encode(codec_for(charset)), url=url, content_type="text/xml")
    # no declaration: the charset parameter tells
    fields = incoming_fields("Второе", encoding=codec_for(charset))
    leaves = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    events = await caller.post(
        f"<data>{leaves}</data>".encode(codec_for(charset)), url=url, content_type="text/xml"
    )
    assert [e.data["text"] for e in events] == [CYRILLIC, "Второе"]


@pytest.mark.parametrize("hash_kind", ["md5", "sha1", "crc32"])
async def test_status_xml_each_hash(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    hass_client_no_auth: ClientSessionGenerator,
    hash_kind: str,
) -> None:
    """A status in XML attributes, signed with each kind."""
    config_entry = make_entry(sim, options=webhook_options(hash_kind=hash_kind))
    await setup_entry(hass, config_entry)
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_DELIVERY_REPORT)
    fields = status_fields(hash_kind, status="3")
    attrs = " ".join(f'{k}="{v}"' for k, v in fields.items())
    events = await caller.post(f"<status {attrs}/>".encode(), url=f"{PATH}?fmt=2")
    assert [e.data["status"] for e in events] == ["expired"]


@pytest.mark.parametrize(
    "value",
    [
        str,
        lambda v: str(v - (1 << 32) if v >= 1 << 31 else v),
        lambda v: f"{v:08x}",
        lambda v: f"{v:08X}",
    ],
    ids=["unsigned", "signed", "hex", "HEX"],
)
def test_crc32_spellings(value: Any) -> None:
    """crc32 is accepted as PHP's crc32() (either sign) or hash('crc32b') prints it."""
    fields = {"phone": "79991234567", "ts": "1741167000"}
    crc = zlib.crc32(b"79991234567:1741167000:" + SECRET.encode())
    assert verify_signature(
        "call", fields, [value(crc)], secret=SECRET, hash_kind="crc32", codec="utf-8"
    )
    assert not verify_signature(
        "call", fields, [value(crc ^ 1)], secret=SECRET, hash_kind="crc32", codec="utf-8"
    )


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda f: f.pop("md5"), id="unsigned"),
        pytest.param(lambda f: f.update(md5="0" * 32), id="forged"),
        pytest.param(lambda f: f.update(md5=SECRET), id="secret-as-hash"),
        pytest.param(lambda f: f.update(status="3"), id="tampered-field"),
        pytest.param(
            lambda f: f.update(md5=sign("100001:79991234567:1", "guess", "md5")), id="wrong-secret"
        ),
        pytest.param(
            lambda f: (f.pop("md5"), f.update(sha1=sign("100001:79991234567:1", SECRET, "sha1"))),
            id="other-algorithm",
        ),
    ],
)
async def test_forged_and_unsigned_rejected(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    mutate: Any,
) -> None:
    """With a secret set, anything but the right hash of the right fields is 403."""
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_DELIVERY_REPORT)
    fields = status_fields()
    mutate(fields)
    events = await caller.post(form(fields), content_type=FORM, status=HTTPStatus.FORBIDDEN)
    assert events == []


async def test_refusals_logged_once_per_hour(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Anyone can post: a flood of forged requests makes one warning, not one each."""
    caller = await webhook_caller(hass, hass_client_no_auth)
    for _ in range(5):
        await caller.post(form(status_fields(secret="")), status=HTTPStatus.FORBIDDEN)
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "Refused" in r.message]
    assert len(warnings) == 1


async def test_secret_in_query_and_hash_in_body(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """The provider may call the URL as given (secret in the query): the body's hash counts."""
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_DELIVERY_REPORT)
    url = f"{PATH}?md5={SECRET}"
    await caller.post(form(status_fields()), url=url, content_type=FORM)
    unsigned = status_fields(secret="", id="100002")
    events = await caller.post(form(unsigned), url=url, status=HTTPStatus.FORBIDDEN)
    assert len(events) == 1


async def test_no_secret_accepts_unsigned(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Without a secret the webhook id alone protects the address."""
    config_entry = make_entry(sim, options=webhook_options(secret=""))
    await setup_entry(hass, config_entry)
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_DELIVERY_REPORT)
    events = await caller.post(form(status_fields(secret="")))
    assert len(events) == 1


async def test_replay_handled_once(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """A retry of a handled request is answered 200 and fires nothing; a new status does."""
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_DELIVERY_REPORT)
    body = form(status_fields(status="0"))
    for _ in range(3):
        await caller.post(body, content_type=FORM)
    events = await caller.post(form(status_fields()), content_type=FORM)
    assert [e.data["status"] for e in events] == ["accepted", "delivered"]


async def test_replay_after_reload(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Handled keys are persisted: a retry after a restart of the entry fires nothing."""
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_INCOMING_SMS)
    body = form(incoming_fields(encoding="cp1251"))
    await caller.post(body)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    events = await caller.post(body)
    assert len(events) == 1


async def test_hlr_status(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """A status of type 4 with HLR fields is an HLR result."""
    reports = async_capture_events(hass, EVENT_DELIVERY_REPORT)
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_HLR_RESULT)
    fields = status_fields(
        type="4",
        imsi="250011234567890",
        msc="79160000000",
        mcc="250",
        mnc="01",
        cn="Россия",
        net="Билайн",
        rcn="",
        rnet="",
    )
    hlr = await caller.post(form(fields, "utf-8"), url=f"{PATH}?charset=utf-8")
    assert reports == []
    assert len(hlr) == 1
    data = hlr[0].data
    assert data["config_entry_id"] == entry.entry_id
    assert data["message_id"] == "100001"
    assert data["phone"] == "79991234567"
    assert data["status"] == "delivered"
    assert data["imsi"] == "250011234567890"
    assert data["msc"] == "79160000000"
    assert (data["mcc"], data["mnc"]) == ("250", "01")
    assert (data["country"], data["network"]) == ("Россия", "Билайн")
    assert data["roaming_country"] is None
    assert data["roaming_network"] is None


async def test_call_confirmation(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """`waitcall` is a number confirmation by call: its own event."""
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_CALL_CONFIRMATION)
    fields = {"waitcall": "1", "phone": "79991234567", "ts": "1741167000"}
    fields["md5"] = sign("79991234567:1741167000", SECRET, "md5")
    events = await caller.post(form(fields))
    assert len(events) == 1
    assert events[0].data == {
        "config_entry_id": entry.entry_id,
        "phone": "79991234567",
        "called_at": "2025-03-05T09:30:00+00:00",
    }


async def test_status_correlates_with_sent_message(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A status over HTTP for a message sent over SMPP carries its channel and local id."""
    sim.auto_receipts = False
    config_entry = make_entry(sim, options=webhook_options())
    await setup_entry(hass, config_entry)
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_DELIVERY_REPORT)
    result = await config_entry.runtime_data.sending.async_send(
        Channel.CALL, ["+7 999 123-45-67"], {"message": "Door open"}
    )
    message = result["messages"][0]
    fields = status_fields(id=message["message_id"], type="7", cnt="12")
    events = await caller.post(form(fields))
    assert len(events) == 1
    data = events[0].data
    assert data["channel"] == "call"
    assert data["local_id"]
    assert data["recipient"] == "79991234567"


@pytest.mark.parametrize(
    ("code", "status"),
    [(str(code), status) for code, (status, _stat) in STATUS_CODES.items()] + [("99", "unknown")],
)
async def test_status_codes(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    code: str,
    status: str,
) -> None:
    """Every numeric status maps onto an event type of the Delivery report entity."""
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_DELIVERY_REPORT)
    events = await caller.post(form(status_fields(status=code)))
    assert events[0].data["status"] == status
    state = hass.states.get(entity_id(hass, "delivery_report"))
    assert state is not None
    assert state.attributes["event_type"] == status


@pytest.mark.parametrize(
    ("url", "body", "status"),
    [
        (f"{PATH}?fmt=3", b'{"id": ', HTTPStatus.BAD_REQUEST),
        (f"{PATH}?fmt=3", b"[1, 2]", HTTPStatus.BAD_REQUEST),
        (f"{PATH}?fmt=2", b"<data><id>1</id>", HTTPStatus.BAD_REQUEST),
        (
            f"{PATH}?fmt=2",
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><data><mes>&b;</mes></data>',
            HTTPStatus.BAD_REQUEST,
        ),
        (
            f"{PATH}?fmt=2",
            b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><data>&x;</data>',
            HTTPStatus.BAD_REQUEST,
        ),
        (PATH, b"x" * (64 * 1024 + 1), HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    ],
    ids=["bad-json", "json-not-object", "bad-xml", "entity-expansion", "external-entity", "big"],
)
async def test_malformed_bodies(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    url: str,
    body: bytes,
    status: HTTPStatus,
) -> None:
    """Unreadable bodies, DTDs and entities are refused before any signature check."""
    caller = await webhook_caller(hass, hass_client_no_auth)
    await caller.post(body, url=url, status=status)


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "1", "phone": "79991234567"},
        {"mes": "hi", "to": "7903"},
        {"waitcall": "1", "ts": "1"},
    ],
    ids=["status-without-id", "incoming-without-phone", "call-without-phone"],
)
async def test_missing_fields(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    hass_client_no_auth: ClientSessionGenerator,
    fields: dict[str, str],
) -> None:
    """A request lacking what its kind needs is 400 (nothing fired)."""
    config_entry = make_entry(sim, options=webhook_options(secret=""))
    await setup_entry(hass, config_entry)
    caller = await webhook_caller(hass, hass_client_no_auth)
    await caller.post(form(fields), status=HTTPStatus.BAD_REQUEST)


async def test_charset_echoed_in_body(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Without the query string, the charset echoed among the body's fields is used."""
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_INCOMING_SMS)
    fields = {"charset": "utf-8", **incoming_fields(encoding="utf-8")}
    events = await caller.post(form(fields, "utf-8"))
    assert [e.data["text"] for e in events] == [CYRILLIC]


async def test_disabled_by_default(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Off by default: nothing registered (Home Assistant answers 200 to unknown hooks)."""
    config_entry = make_entry(sim)
    await setup_entry(hass, config_entry)
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_DELIVERY_REPORT)
    events = await caller.post(form(status_fields()))
    assert events == []


async def test_unregistered_on_unload(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """After unload the hook is gone."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_DELIVERY_REPORT)
    events = await caller.post(form(status_fields()))
    assert events == []


async def test_webhook_id_generated(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
) -> None:
    """An entry without a webhook id gets one stored on setup (without a reload)."""
    config_entry = make_entry(sim)
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry,
        data={k: v for k, v in config_entry.data.items() if k != CONF_WEBHOOK_ID},
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    generated = config_entry.data[CONF_WEBHOOK_ID]
    assert len(generated) == 64
    assert config_entry.state is ConfigEntryState.LOADED


async def test_webhook_url(hass: HomeAssistant, sim: SmscSimulator) -> None:  # noqa: F811
    """The address to paste into the account, with the provider's query parameters."""
    config_entry = make_entry(sim, options=webhook_options(hash_kind="sha1"))
    config_entry.add_to_hass(hass)
    assert await async_webhook_url(hass, config_entry) is None  # no external URL yet
    await hass.config.async_update(external_url="https://home.example.org")
    assert await async_webhook_url(hass, config_entry) == (
        f"https://home.example.org{PATH}?fmt=3&charset=utf-8&sha1={SECRET}"
    )
    assert await async_webhook_url(hass, config_entry, secret="", hash_kind="md5") == (
        f"https://home.example.org{PATH}?fmt=3&charset=utf-8"
    )
    with_crc = await async_webhook_url(hass, config_entry, secret="abc", hash_kind="crc32")
    assert with_crc is not None
    assert with_crc.endswith("&crc32=abc")
    no_id = make_entry(sim, data={CONF_WEBHOOK_ID: ""})
    assert await async_webhook_url(hass, no_id) is None


CLOUDHOOK = "https://hooks.nabu.casa/A1B2C3"


async def test_webhook_url_is_a_cloudhook_with_home_assistant_cloud(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
) -> None:
    """With an active Nabu Casa subscription the address is a cloudhook: it reaches Home
    Assistant without exposing it (preferred over the external URL)."""
    config_entry = make_entry(sim, options=webhook_options(hash_kind="md5"))
    config_entry.add_to_hass(hass)
    await hass.config.async_update(external_url="https://home.example.org")
    hass.config.components.add("cloud")
    with (
        patch.object(cloud, "async_active_subscription", return_value=True),
        patch.object(
            cloud, "async_get_or_create_cloudhook", AsyncMock(return_value=CLOUDHOOK)
        ) as create,
    ):
        url = await async_webhook_url(hass, config_entry)
    assert url == f"{CLOUDHOOK}?fmt=3&charset=utf-8&md5={SECRET}"
    create.assert_awaited_once_with(hass, WEBHOOK_ID)


async def test_without_the_cloud_integration_the_cloud_is_not_asked(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
) -> None:
    """Home Assistant Cloud not set up: the external URL, and no cloudhook call at all."""
    config_entry = make_entry(sim, options=webhook_options(secret=""))
    config_entry.add_to_hass(hass)
    await hass.config.async_update(external_url="https://home.example.org")
    create, delete = AsyncMock(return_value=CLOUDHOOK), AsyncMock()
    with (
        patch.object(cloud, "async_active_subscription", return_value=True),
        patch.object(cloud, "async_is_logged_in", return_value=True),
        patch.object(cloud, "async_get_or_create_cloudhook", create),
        patch.object(cloud, "async_delete_cloudhook", delete),
    ):
        url = await async_webhook_url(hass, config_entry)
        await async_remove_cloudhook(hass, config_entry)
    assert url == f"https://home.example.org{PATH}?fmt=3&charset=utf-8"
    create.assert_not_awaited()
    delete.assert_not_awaited()


@pytest.mark.parametrize(
    "error",
    [cloud.CloudNotConnected(), CloudError("api down"), TimeoutError(), ValueError("race")],
)
async def test_webhook_url_falls_back_when_the_cloud_cannot_make_one(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    error: Exception,
) -> None:
    """A cloud that is not connected (or fails) gives the external URL, or the hint."""
    config_entry = make_entry(sim, options=webhook_options(secret=""))
    config_entry.add_to_hass(hass)
    hass.config.components.add("cloud")
    with (
        patch.object(cloud, "async_active_subscription", return_value=True),
        patch.object(cloud, "async_get_or_create_cloudhook", AsyncMock(side_effect=error)),
    ):
        assert await async_webhook_url(hass, config_entry) is None
        await hass.config.async_update(external_url="https://home.example.org")
        assert await async_webhook_url(hass, config_entry) == (
            f"https://home.example.org{PATH}?fmt=3&charset=utf-8"
        )


@pytest.mark.parametrize(
    ("logged_in", "error", "deleted"),
    [
        (False, None, False),
        (True, None, True),
        (True, ValueError("Hook is not enabled for the cloud."), True),  # it never had one
        (True, CloudError("api down"), True),
    ],
)
async def test_removing_the_entry_deletes_its_cloudhook(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    logged_in: bool,
    error: Exception | None,
    deleted: bool,
) -> None:
    """Removing the account deletes its cloudhook; a failure there never blocks removal."""
    config_entry = make_entry(sim)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    hass.config.components.add("cloud")
    delete = AsyncMock(side_effect=error)
    with (
        patch.object(cloud, "async_is_logged_in", return_value=logged_in),
        patch.object(cloud, "async_delete_cloudhook", delete),
    ):
        await hass.config_entries.async_remove(config_entry.entry_id)
        await hass.async_block_till_done()
    assert hass.config_entries.async_get_entry(config_entry.entry_id) is None
    if deleted:
        delete.assert_awaited_once_with(hass, WEBHOOK_ID)
    else:
        delete.assert_not_awaited()


def test_parse_body_shapes() -> None:
    """Form, JSON list, nested XML; first occurrence of a field wins."""
    assert parse_body(b"a=1&a=2&b=", content_type="", fmt=None, charset=None) == [
        {"a": "1", "b": ""}
    ]
    assert parse_body(
        b'[{"id": 1, "ok": true, "n": null, "x": {"y": 1}}, {"id": "2"}]',
        content_type="application/json",
        fmt=None,
        charset="utf-8",
    ) == [{"id": "1", "ok": "1"}, {"id": "2"}]
    assert parse_xml("<r a='1'><s><id>5</id><id>6</id></s><mes> hi </mes></r>") == {
        "a": "1",
        "id": "5",
        "mes": "hi",
    }


def test_handled_keys_bound_and_ttl() -> None:
    """LRU bound, ttl, and storage round trip."""
    now = [1000.0]
    keys = Deduplicator(max_entries=3, ttl=100, clock=lambda: now[0])
    for key in "abcd":
        keys.add(key)
    assert len(keys) == 3
    assert "a" not in keys
    assert "d" in keys
    stored = keys.as_list()
    now[0] += 101
    assert "d" not in keys
    again = Deduplicator(max_entries=2, ttl=200, clock=lambda: now[0])
    again.load([*stored, ["bad"], None, ["e", "x"]])
    assert len(again) == 2
    assert "d" in again


def test_field_edge_cases() -> None:
    """Odd stamps, the flag's type bits, a call's cnt, text the charset cannot hold."""
    assert stamp("99999999999999999") is None
    assert stamp("-5") is None
    assert stamp(None) is None
    assert _status_time("") is None
    assert _status_time("31.02.25 10:00:00") is None
    assert is_hlr({"id": "1", "flag": str(0x0100 | 4)})
    assert not is_hlr({"id": "1", "flag": "0"})
    call = to_report({"id": "1", "status": "1", "type": "7", "cnt": "42"})
    assert call.parts is None
    assert call.message_type == "call"
    assert to_report({"id": "1", "status": "1", "flag": "10"}).message_type == "viber"
    fields = {"phone": "79991234567", "mes": "Hi 😀", "to": "7903"}
    good = sign("79991234567:Hi 😀:7903", SECRET, "md5")
    assert verify_signature(
        "incoming", fields, [good], secret=SECRET, hash_kind="md5", codec="cp1251"
    )
