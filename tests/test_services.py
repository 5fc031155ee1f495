"""Actions of SMS Center, checked PDU by PDU at the SMSC simulator over real TCP."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import re
from typing import Any

from homeassistant.core import HomeAssistant, ServiceResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.smscentre.const import DOMAIN
from custom_components.smscentre.services import (
    _SEND_ACTIONS,
    BALANCE_SCHEMA,
    COST_SCHEMA,
    HLR_SCHEMA,
    QUERY_SCHEMA,
    split_recipients,
)
from custom_components.smscentre.smsc.channels import Channel
from smscsim import SmscSimulator
from smscsim.text import gsm_encode

from .conftest import LOGIN, EntryFactory, unload_entry

PHONE = "+7 999 123-45-67"
NUMBER = "79991234567"
GSM_ESC = 0x1B


async def call(
    hass: HomeAssistant, action: str, data: dict[str, Any], *, response: bool = True
) -> ServiceResponse:
    """Call an action of the integration and wait for it."""
    return await hass.services.async_call(
        DOMAIN, action, data, blocking=True, return_response=response
    )


def texts(simulator: SmscSimulator) -> list[str]:
    """The (reassembled) text of every message the simulator accepted, in order."""
    return [message.text for message in simulator.messages()]


# --- what each channel sends --------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "data", "destination", "text"),
    [
        ("send_sms", {"message": "Hello"}, NUMBER, "Hello"),
        (
            "send_sms",
            {"message": "Alarm", "comment": "from automation"},
            NUMBER,
            "Alarm\n~~~\nfrom automation",
        ),
        ("call", {"message": "Door open"}, NUMBER, "__CALL__: Door open\nvoice:w"),
        (
            "call",
            {"message": "Door open", "voice": "m2", "param": "2,1,30"},
            NUMBER,
            "__CALL__: Door open\nvoice:m2\n~~~\n2,1,30",
        ),
        ("send_telegram_code", {"code": "123456"}, NUMBER, "__TGM__: 123456"),
        (
            "send_bot_message",
            {"message": "Hi", "bot": "@my_home_bot"},
            NUMBER,
            "__BOT__: Hi\nbot:@my_home_bot",
        ),
        (
            "send_bot_message",
            {"message": "Hi", "bot": "wa:+7 999 765-43-21"},
            NUMBER,
            "__BOT__: Hi\nbot:wa:79997654321",
        ),
        ("send_viber", {"message": "Hi Viber"}, NUMBER, "__VIBER__: Hi Viber"),
        ("send_social", {"message": "Hi VK"}, NUMBER, "__SOC__: Hi VK"),
        ("ping", {}, NUMBER, "__PING__"),
    ],
)
async def test_channel_texts(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: SmscSimulator,
    action: str,
    data: dict[str, Any],
    destination: str,
    text: str,
) -> None:
    """Each channel's exact short_message, to an international number (TON 1, NPI 1)."""
    response = await call(hass, action, {"recipients": PHONE, **data})

    assert len(simulator.accepted) == 1
    submit = simulator.accepted[0]
    # unpacked GSM 03.38 ("_" is 0x11, "@" 0x00, "~" the escape pair 1B 3D)
    assert submit.short_message == gsm_encode(text)
    assert submit.text == text
    assert submit.data_coding == 0
    assert submit.esm_class == 0
    assert submit.destination_addr == destination
    assert (submit.dest_addr_ton, submit.dest_addr_npi) == (1, 1)
    assert submit.registered_delivery == 1
    assert response == {
        "messages": [
            {
                "recipient": destination,
                "message_id": submit.message_id,
                "parts": 1,
                "status": "sent",
                "via": "smpp",
            }
        ],
        "encoding": "gsm7",
        "parts": 1,
    }


async def test_send_email(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """The address goes in destination_addr, the subject after the message."""
    response = await call(
        hass,
        "send_email",
        {"recipients": "Me@Example.com", "subject": "Report", "message": "All fine"},
    )

    (submit,) = simulator.accepted
    assert submit.destination_addr == "Me@example.com"
    assert submit.text == "__MAIL__: All fine\nsubj:Report"
    assert response["messages"][0]["recipient"] == "Me@example.com"
    assert response["messages"][0]["message_id"] == submit.message_id


async def test_recipients_list_and_string(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """A list or a comma separated string; one SUBMIT_SM per distinct recipient."""
    response = await call(
        hass,
        "send_sms",
        {"recipients": ["+7 999 111-11-11, 8 999 222 22 22", "79991111111"], "message": "A"},
    )
    assert [m["recipient"] for m in response["messages"]] == ["79991111111", "79992222222"]
    assert [s.destination_addr for s in simulator.accepted] == ["79991111111", "79992222222"]
    ids = [m["message_id"] for m in response["messages"]]
    assert ids == [s.message_id for s in simulator.accepted]
    assert len(set(ids)) == 2

    await call(hass, "ping", {"recipients": "+7 999 333-33-33; +7 999 444-44-44"})
    assert [s.destination_addr for s in simulator.accepted[2:]] == [
        "79993333333",
        "79994444444",
    ]


def test_split_recipients() -> None:
    """The schema's splitter keeps raw items for the core to check."""
    assert split_recipients(None) == []
    assert split_recipients("a, b;c\n d,,") == ["a", "b", "c", "d"]
    assert split_recipients(["a,b", None, 79991234567]) == ["a", "b", "79991234567"]


async def test_no_response_unless_asked(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """Without return_response the action returns nothing, and still sends."""
    assert (
        await call(hass, "send_sms", {"recipients": PHONE, "message": "x"}, response=False) is None
    )
    await simulator.wait_for(lambda sim: len(sim.accepted) == 1)


# --- encodings and long messages ----------------------------------------------------------


async def test_gsm_ucs2_and_latin1(
    hass: HomeAssistant,
    simulator: SmscSimulator,
    entry_factory: EntryFactory,
) -> None:
    """data_coding 0 for GSM text, 8 for Cyrillic, 4 for Latin-1 with the iso option."""
    await entry_factory()
    response = await call(hass, "send_sms", {"recipients": PHONE, "message": "Ça va? {ok}"})
    assert response["encoding"] == "gsm7"
    submit = simulator.accepted[-1]
    assert submit.data_coding == 0
    # unpacked GSM 03.38: Ç is 0x09, the braces are escape pairs
    assert submit.short_message == b"\x09a va? \x1b\x28ok\x1b\x29"

    response = await call(hass, "send_sms", {"recipients": PHONE, "message": "Привет"})
    assert response["encoding"] == "ucs2"
    submit = simulator.accepted[-1]
    assert submit.data_coding == 8
    assert submit.short_message == "Привет".encode("utf-16-be")


async def test_iso_option_latin1(
    hass: HomeAssistant, simulator: SmscSimulator, entry_factory: EntryFactory
) -> None:
    """With system_type ISO, Latin-1 text goes as data_coding 4, other text as UCS2."""
    await entry_factory(iso=True)
    assert simulator.sessions[0].system_type == "ISO"

    response = await call(hass, "send_sms", {"recipients": PHONE, "message": "Café ½ [x]"})
    assert response["encoding"] == "latin1"
    submit = simulator.accepted[-1]
    assert submit.data_coding == 4
    assert submit.short_message == "Café ½ [x]".encode("latin-1")
    assert submit.text == "Café ½ [x]"

    response = await call(hass, "send_sms", {"recipients": PHONE, "message": "€ 5"})
    assert response["encoding"] == "ucs2"
    assert simulator.accepted[-1].data_coding == 8


async def test_long_gsm_message(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """400 GSM characters: 3 parts with a UDH (153 + 153 + 94) that reassemble exactly."""
    text = "".join(chr(ord("a") + i % 26) for i in range(400))
    response = await call(hass, "send_sms", {"recipients": PHONE, "message": text})

    parts = simulator.accepted
    assert len(parts) == 3
    assert {p.esm_class for p in parts} == {0x40}
    assert {p.data_coding for p in parts} == {0}
    assert [len(p.payload) for p in parts] == [153, 153, 94]
    assert [(p.udh.total, p.udh.seq) for p in parts] == [(3, 1), (3, 2), (3, 3)]
    assert len({p.udh.ref for p in parts}) == 1
    (message,) = simulator.messages()
    assert message.complete
    assert message.text == text
    # the provider answers every part with the same id
    assert response["parts"] == 3
    assert response["encoding"] == "gsm7"
    assert response["messages"] == [
        {
            "recipient": NUMBER,
            "message_id": message.message_id,
            "parts": 3,
            "status": "sent",
            "via": "smpp",
        }
    ]


async def test_long_cyrillic_message(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """200 Cyrillic characters: 3 UCS2 parts of at most 67 characters."""
    alphabet = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
    text = "".join(alphabet[i % len(alphabet)] for i in range(200))
    response = await call(hass, "send_sms", {"recipients": PHONE, "message": text})

    parts = simulator.accepted
    assert len(parts) == 3
    assert {p.data_coding for p in parts} == {8}
    assert [len(p.payload) for p in parts] == [134, 134, 132]
    assert simulator.messages()[0].text == text
    assert (response["encoding"], response["parts"]) == ("ucs2", 3)


@pytest.mark.parametrize(("count", "parts"), [(80, 1), (81, 2), (100, 2), (200, 3)])
async def test_euro_signs(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: SmscSimulator,
    count: int,
    parts: int,
) -> None:
    """€ costs two septets: 80 fit one part; parts never split an escape pair."""
    text = "€" * count
    response = await call(hass, "send_sms", {"recipients": PHONE, "message": text})

    assert response["encoding"] == "gsm7"
    assert response["parts"] == parts
    submits = simulator.accepted
    assert len(submits) == parts
    for submit in submits:
        assert submit.data_coding == 0
        assert len(submit.payload) <= (160 if parts == 1 else 153)
        assert submit.payload == b"\x1b\x65" * (len(submit.payload) // 2)
        assert submit.payload[-1] != GSM_ESC
    assert simulator.messages()[0].text == text


async def test_flash(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """Flash SMS: message class 0 in data_coding (0x10 GSM, 0x18 UCS2), text unchanged."""
    response = await call(
        hass, "send_sms", {"recipients": PHONE, "message": "Flash!", "flash": True}
    )
    submit = simulator.accepted[-1]
    assert submit.data_coding == 0x10
    assert submit.short_message == b"Flash!"
    assert response["encoding"] == "gsm7"

    await call(hass, "send_sms", {"recipients": PHONE, "message": "Вспышка", "flash": True})
    submit = simulator.accepted[-1]
    assert submit.data_coding == 0x18
    assert submit.short_message == "Вспышка".encode("utf-16-be")


async def test_sender_and_priority(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """sender becomes source_addr (alphanumeric TON 5, digits TON 1); urgent sets priority."""
    await call(
        hass,
        "send_sms",
        {"recipients": PHONE, "message": "one", "sender": "MyHome", "priority": "urgent"},
    )
    submit = simulator.accepted[-1]
    assert (submit.source_addr, submit.source_addr_ton) == ("MyHome", 5)
    assert submit.priority_flag == 1

    await call(hass, "send_sms", {"recipients": PHONE, "message": "two", "sender": "+79990001122"})
    submit = simulator.accepted[-1]
    assert (submit.source_addr, submit.source_addr_ton) == ("79990001122", 1)
    assert submit.priority_flag == 0


async def test_urgent_overtakes_bulk(
    hass: HomeAssistant, simulator: SmscSimulator, entry_factory: EntryFactory
) -> None:
    """An urgent SMS goes before a queued mailing of 200 (throughput 40/s, window 2)."""
    await entry_factory(throughput=40, window=2)
    bulk = [f"7999000{i:04d}" for i in range(200)]
    bulk_call = hass.async_create_task(
        call(hass, "send_sms", {"recipients": bulk, "message": "Newsletter"})
    )
    await simulator.wait_for(lambda sim: len(sim.accepted) >= 5)
    await call(hass, "send_sms", {"recipients": PHONE, "message": "Fire!", "priority": "urgent"})
    position = [s.destination_addr for s in simulator.accepted].index(NUMBER)
    assert position < 20
    assert simulator.accepted[position].priority_flag == 1

    response = await asyncio.wait_for(bulk_call, 30)
    assert len(response["messages"]) == 200
    assert {m["status"] for m in response["messages"]} == {"sent"}
    assert len(simulator.accepted) == 201
    # the mailing itself kept its order
    assert [s.destination_addr for s in simulator.accepted if s.destination_addr != NUMBER] == bulk


# --- HLR and status -----------------------------------------------------------------------


async def test_hlr_lookup(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """__HLR__ goes out; the result of its report is returned."""
    response = await call(hass, "hlr_lookup", {"recipient": PHONE, "timeout": 10})

    (submit,) = simulator.accepted
    assert submit.text == "__HLR__"
    assert submit.registered_delivery == 1
    assert submit.destination_addr == NUMBER
    assert response["message_id"] == submit.message_id
    assert response["imsi"] == "250011234567890"
    assert response["mcc"] == "250"
    assert response["network"] == "MTS PJSC"


async def test_query_status(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """QUERY_SM for a delivered message."""
    sent = await call(hass, "send_sms", {"recipients": PHONE, "message": "query me"})
    message_id = sent["messages"][0]["message_id"]

    response = await call(hass, "query_status", {"message_id": message_id})
    assert response["message_id"] == message_id
    assert response["state"] == "delivered"


async def test_response_only_actions(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """hlr_lookup and query_status must be called with return_response."""
    for action, data in (
        ("hlr_lookup", {"recipient": PHONE}),
        ("query_status", {"message_id": "1"}),
    ):
        with pytest.raises(ServiceValidationError):
            await call(hass, action, data, response=False)


async def test_hlr_timeout(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """No HLR result within the timeout: a translated failure."""
    simulator.auto_receipts = False
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "hlr_lookup", {"recipient": PHONE, "timeout": 1})
    assert err.value.translation_key == "hlr_timeout"
    assert [s.text for s in simulator.accepted] == ["__HLR__"]


async def test_send_refused_by_smsc(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """A submit the SMSC refuses for good fails the action with a translated error."""
    simulator.fail_submits(0x0B)  # ESME_RINVDSTADR: not retried
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "send_sms", {"recipients": PHONE, "message": "refused"})
    assert err.value.translation_key == "send_failed"
    assert len(simulator.submits) == 1
    assert simulator.accepted == []


async def test_answer_not_in_time_reads_queued_then_the_message_goes_once(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """The wait runs out while submits await their responses: those read "queued", with no
    id; they are finished later, each sent once."""
    runtime = init_integration.runtime_data
    simulator.hang(None)  # reads and answers nothing
    short, long = await asyncio.gather(
        runtime.sending.async_send(Channel.SMS, ["79991112233"], {"message": "slow"}, wait=0.3),
        runtime.sending.async_send(Channel.SMS, ["79991112244"], {"message": "x" * 200}, wait=0.3),
    )
    assert short["messages"] == [
        {
            "recipient": "79991112233",
            "message_id": None,
            "parts": 1,
            "status": "queued",
            "via": None,
        }
    ]
    assert long["messages"][0]["status"] == "queued"
    assert long["parts"] == 2
    started = runtime.outbox.started  # both went out: their progress is kept from now on
    local_ids = list(runtime.outbox._active)
    assert all(started(local_id) is not None for local_id in local_ids)
    assert all(started(i).state == "sending" for i in local_ids)  # type: ignore[union-attr]
    simulator.hang(0)
    runtime.link.sessions()[0].abort()  # the link drops: unanswered parts go again, uncertain
    await simulator.wait_for(
        lambda s: len(s.messages()) == 2 and all(m.complete for m in s.messages()), 10
    )
    assert sorted(m.text for m in simulator.messages()) == ["slow", "x" * 200]
    async with asyncio.timeout(10):
        while runtime.outbox.queued:
            await asyncio.sleep(0.02)
    assert runtime.outbox.sent_total == 2
    assert runtime.outbox.failed_total == 0


async def test_waiting_calls_share_one_timer_and_leave_none(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """Calls waiting for their answers are timed by one timer, gone once they answered or
    were cancelled; a cancelled call's message still goes, once."""
    runtime = init_integration.runtime_data
    deadlines = runtime.sending._deadlines
    simulator.hang(None)  # reads and answers nothing, for now
    calls = [
        asyncio.ensure_future(
            runtime.sending.async_send(Channel.SMS, [f"7999111{i:04d}"], {"message": f"t{i}"})
        )
        for i in range(20)
    ]
    await asyncio.sleep(0)
    assert len(deadlines) == 20
    assert deadlines.timer_set
    calls[0].cancel()  # its caller goes away: nothing of it stays timed
    await asyncio.sleep(0)
    assert len(deadlines) == 19
    simulator.hang(0)
    runtime.link.sessions()[0].abort()  # the unanswered submits go again
    responses = await asyncio.gather(*calls[1:])
    assert [r["messages"][0]["status"] for r in responses] == ["sent"] * 19
    assert len(deadlines) == 0
    assert not deadlines.timer_set
    async with asyncio.timeout(10):
        while runtime.outbox.queued:
            await asyncio.sleep(0.02)
    assert sorted(m.text for m in simulator.messages()) == sorted(f"t{i}" for i in range(20))


async def test_partly_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """When some recipients fail, the response says which, and the others are sent."""
    simulator.fail_submits(0x0B, count=1)
    response = await call(
        hass, "send_sms", {"recipients": [PHONE, "+79997654321"], "message": "partly"}
    )
    first, second = response["messages"]
    assert first["status"] == "failed"
    assert first["message_id"] is None
    assert first["error"]
    assert second == {
        "recipient": "79997654321",
        "message_id": simulator.accepted[0].message_id,
        "parts": 1,
        "status": "sent",
        "via": "smpp",
    }


# --- refused input: a translated error, nothing sent --------------------------------------


@pytest.mark.parametrize(
    ("action", "data", "key"),
    [
        ("send_sms", {"recipients": "12ab", "message": "x"}, "invalid_phone"),
        ("send_sms", {"recipients": "+7 999", "message": "x"}, "invalid_phone"),
        ("send_sms", {"recipients": ", ,", "message": "x"}, "no_recipients"),
        ("send_sms", {"recipients": PHONE, "message": ""}, "empty_message"),
        ("send_sms", {"recipients": PHONE, "message": "   "}, "empty_message"),
        ("send_sms", {"recipients": PHONE, "message": "__CALL__: hi"}, "text_looks_like_channel"),
        ("send_sms", {"recipients": PHONE, "message": "__HLR__"}, "text_looks_like_channel"),
        (
            "send_sms",
            {"recipients": PHONE, "message": "x", "sender": "Too long sender"},
            "invalid_sender",
        ),
        ("send_sms", {"recipients": PHONE, "message": "x", "sender": "Смс"}, "invalid_sender"),
        ("send_sms", {"recipients": PHONE, "message": "a" * 1531}, "too_many_parts"),
        ("send_telegram_code", {"recipients": PHONE, "code": "12"}, "invalid_telegram_code"),
        ("send_telegram_code", {"recipients": PHONE, "code": "12ab56"}, "invalid_telegram_code"),
        ("call", {"recipients": PHONE, "message": "x", "voice": "x9"}, "invalid_voice"),
        ("send_bot_message", {"recipients": PHONE, "message": "x", "bot": "mybot"}, "invalid_bot"),
        ("send_bot_message", {"recipients": PHONE, "message": "x", "bot": "wa:abc"}, "invalid_bot"),
        (
            "send_email",
            {"recipients": "me.example.com", "subject": "s", "message": "x"},
            "invalid_email",
        ),
        (
            "send_email",
            {"recipients": "someone.long@example.com", "subject": "s", "message": "x"},
            "email_too_long",
        ),
        (
            "send_email",
            {"recipients": "me@example.com", "subject": " ", "message": "x"},
            "invalid_subject",
        ),
        (
            "send_sms",
            {"recipients": PHONE, "message": "x", "config_entry_id": "nope"},
            "entry_not_found",
        ),
        ("hlr_lookup", {"recipient": "abc"}, "invalid_phone"),
        ("query_status", {"message_id": " "}, "invalid_message_id"),
    ],
)
async def test_refused_input(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: SmscSimulator,
    action: str,
    data: dict[str, Any],
    key: str,
) -> None:
    """Bad input raises ServiceValidationError with its translation key; nothing is sent."""
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, action, data)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == key
    await hass.async_block_till_done()
    assert simulator.submits == []


async def test_too_many_parts_for_the_option(
    hass: HomeAssistant, simulator: SmscSimulator, entry_factory: EntryFactory
) -> None:
    """max_parts 2: a 3-part text is refused before anything is sent."""
    await entry_factory(max_parts=2)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "send_sms", {"recipients": PHONE, "message": "b" * 307})
    assert err.value.translation_key == "too_many_parts"
    assert err.value.translation_placeholders == {"parts": "3", "max_parts": "2"}
    assert simulator.submits == []
    await call(hass, "send_sms", {"recipients": PHONE, "message": "b" * 306})
    assert len(simulator.accepted) == 2


async def test_duplicate_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """The same text to the same number within a minute is refused before the SMSC does."""
    await call(hass, "send_sms", {"recipients": PHONE, "message": "same"})
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "send_sms", {"recipients": PHONE, "message": "same"})
    assert err.value.translation_key == "duplicate_message"
    assert len(simulator.submits) == 1


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("send_sms", {"message": "x"}),
        ("send_sms", {"recipients": PHONE}),
        ("send_sms", {"recipients": PHONE, "message": "x", "priority": "high"}),
        ("send_email", {"recipients": "a@b.cc", "message": "x"}),
        ("hlr_lookup", {"recipient": PHONE, "timeout": 0}),
    ],
)
async def test_schema_errors(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: SmscSimulator,
    action: str,
    data: dict[str, Any],
) -> None:
    """Missing fields and values outside a fixed list fail the schema."""
    with pytest.raises(vol.Invalid):
        await call(hass, action, data)
    assert simulator.submits == []


# --- entries ------------------------------------------------------------------------------


@pytest.fixture
def sim_accounts() -> dict[str, str]:
    """Two logins."""
    return {LOGIN: "secret", "office": "pass2"}


async def test_multiple_entries(
    hass: HomeAssistant, simulator: SmscSimulator, entry_factory: EntryFactory
) -> None:
    """With two accounts, config_entry_id is required and picks the account."""
    home = await entry_factory()
    office = await entry_factory(login="office")
    await simulator.wait_for(lambda sim: len(sim.sessions) == 2)

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "send_sms", {"recipients": PHONE, "message": "x"})
    assert err.value.translation_key == "multiple_entries"
    assert simulator.submits == []

    await call(
        hass,
        "send_sms",
        {"recipients": PHONE, "message": "office", "config_entry_id": office.entry_id},
    )
    await call(hass, "ping", {"recipients": PHONE, "config_entry_id": home.entry_id})
    assert [(s.system_id, s.text) for s in simulator.accepted] == [
        ("office", "office"),
        (LOGIN, "__PING__"),
    ]


async def test_entry_not_loaded(
    hass: HomeAssistant, simulator: SmscSimulator, entry_factory: EntryFactory
) -> None:
    """An unloaded entry is named in the error; with none loaded the action says so."""
    entry = await entry_factory()
    await unload_entry(hass, entry)

    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "send_sms",
            {"recipients": PHONE, "message": "x", "config_entry_id": entry.entry_id},
        )
    assert err.value.translation_key == "entry_not_loaded"
    assert err.value.translation_placeholders == {"title": LOGIN}

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "send_sms", {"recipients": PHONE, "message": "x"})
    assert err.value.translation_key == "no_entries"
    assert simulator.submits == []


async def test_entry_of_other_domain(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: SmscSimulator
) -> None:
    """An entry id of another integration is not found."""
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "send_sms",
            {"recipients": PHONE, "message": "x", "config_entry_id": other.entry_id},
        )
    assert err.value.translation_key == "entry_not_found"
    assert simulator.submits == []


async def test_actions_registered_once(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Every action is registered at setup and stays after the entry is unloaded."""
    actions = set(ACTIONS)
    assert set(hass.services.async_services_for_domain(DOMAIN)) == actions
    await unload_entry(hass, init_integration)
    assert set(hass.services.async_services_for_domain(DOMAIN)) == actions


# --- descriptions -------------------------------------------------------------------------

COMPONENT = Path(__file__).parent.parent / "custom_components" / DOMAIN


def _merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merged(result[key], value)
        else:
            result[key] = value
    return result


def _strings(language: str) -> dict[str, Any]:
    """The integration's strings (en: strings.json), with the not yet merged action strings."""
    path = COMPONENT / ("strings.json" if language == "en" else f"translations/{language}.json")
    strings = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    pending = COMPONENT / f"_strings_services.{language}.json"
    if pending.exists():
        strings = _merged(strings, json.loads(pending.read_text(encoding="utf-8")))
    return strings


@pytest.mark.parametrize("language", ["en", "ru"])
def test_descriptions_complete(language: str) -> None:
    """services.yaml, the schemas, icons.json and the strings name the same actions and fields."""
    services_yaml = load_yaml_dict(str(COMPONENT / "services.yaml"))
    icons = json.loads((COMPONENT / "icons.json").read_text(encoding="utf-8"))
    strings = _strings(language)
    schemas = {name: schema for name, (_, schema) in _SEND_ACTIONS.items()} | {
        "hlr_lookup": HLR_SCHEMA,
        "query_status": QUERY_SCHEMA,
        "get_balance": BALANCE_SCHEMA,
        "get_cost": COST_SCHEMA,
    }
    assert set(services_yaml) == set(schemas) == set(icons["services"])
    assert set(strings["services"]) == set(schemas)
    for name, schema in schemas.items():
        fields = {str(key) for key in schema.schema}
        assert set(services_yaml[name]["fields"]) == fields, name
        assert set(strings["services"][name]["fields"]) == fields, name
        assert strings["services"][name]["name"]
        assert strings["services"][name]["description"]
        for field, text in strings["services"][name]["fields"].items():
            assert text["name"], (name, field)
            assert text["description"], (name, field)
        for field, spec in services_yaml[name]["fields"].items():
            select = spec["selector"].get("select") or {}
            if key := select.get("translation_key"):
                options = set(strings["selector"][key]["options"])
                assert options == set(select["options"]), (name, field)
    assert services_yaml["send_sms"]["fields"]["config_entry_id"]["selector"] == {
        "config_entry": {"integration": DOMAIN}
    }
    assert "{number}" in strings["entity"]["notify"]["sms_to"]["name"]
    for key, placeholders in RAISED_KEYS.items():
        message = strings["exceptions"][key]["message"]
        assert set(re.findall(r"{(\w+)}", message)) == placeholders, key


# translation keys raised by services.py and notify.py themselves, with their placeholders
RAISED_KEYS: dict[str, set[str]] = {
    "entry_not_found": {"entry_id"},
    "entry_not_loaded": {"title"},
    "multiple_entries": {"titles"},
    "no_entries": set(),
    "invalid_sender": {"sender", "max_alpha", "max_digits"},
    "invalid_message_id": {"max"},
    "invalid_channel": {"channel", "channels"},
    "invalid_priority": {"priority", "priorities"},
    "invalid_notify_data": {"error"},
}


def test_entity_icons() -> None:
    """Every entity of the integration has an icon."""
    icons = json.loads((COMPONENT / "icons.json").read_text(encoding="utf-8"))["entity"]
    assert {(platform, key) for platform, entities in icons.items() for key in entities} == {
        ("binary_sensor", "link"),
        ("sensor", "queued"),
        ("sensor", "sent"),
        ("sensor", "failed"),
        ("sensor", "last_message"),
        ("sensor", "balance"),
        ("sensor", "sent_http"),
        ("event", "incoming_message"),
        ("event", "delivery_report"),
        ("notify", "sms_to"),
    }


ACTIONS = (
    "send_sms",
    "call",
    "send_telegram_code",
    "send_bot_message",
    "send_viber",
    "send_social",
    "send_email",
    "hlr_lookup",
    "ping",
    "query_status",
    "get_balance",
    "get_cost",
)
