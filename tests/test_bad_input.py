"""Bad input, as a table: each case gets a clear translated error and nothing reaches the SMSC.

Every case calls a ``smscentre.*`` action the way an automation does and expects a
``ServiceValidationError`` of this integration whose ``translation_key`` exists under
``exceptions`` in ``strings.json`` (so the user reads a sentence, not a stack trace), and the
simulator never sees a SUBMIT_SM.

Emoji: in an SMS *text* they are valid. The text goes out as UCS2 (UTF-16BE, surrogate pairs
kept whole), so ``test_emoji_text_is_sent_as_ucs2`` asserts an emoji SMS is sent correctly;
the table tests emoji only where they are invalid: in a number, a Telegram code, a bot name
and an e-mail address.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest

from custom_components.smscentre.const import DOMAIN
from smscsim import SmscSimulator
from tests.drill_helpers import Drill, Ledger, make_entry, make_sim

STRINGS = Path(__file__).parent.parent / "custom_components" / DOMAIN / "strings.json"
NUMBER = "79991234567"
LONG_TEXT = "x" * 2000  # 14 GSM parts, over the default max_parts of 10


@pytest.fixture(autouse=True)
def _allow_sockets(socket_enabled: None) -> None:
    """The simulator listens on 127.0.0.1."""


@pytest.fixture(scope="module")
def exception_keys() -> set[str]:
    """The translation keys of every error the integration can raise."""
    return set(json.loads(STRINGS.read_text(encoding="utf-8"))["exceptions"])


@pytest.fixture
async def sim() -> AsyncIterator[SmscSimulator]:
    """The SMSC."""
    server = make_sim(throughput=None)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def drill(hass: HomeAssistant, sim: SmscSimulator) -> AsyncIterator[Drill]:
    """An entry bound to the simulator."""
    run = Drill(hass, sim, make_entry(sim), Ledger())
    await run.setup()
    yield run
    await run.unload()


def sms(**overrides: Any) -> dict[str, Any]:
    """send_sms data."""
    return {"recipients": [NUMBER], "message": "Hello"} | overrides


def tg(code: str) -> dict[str, Any]:
    """send_telegram_code data."""
    return {"recipients": [NUMBER], "code": code}


def call(voice: str) -> dict[str, Any]:
    """call data."""
    return {"recipients": [NUMBER], "message": "Hi", "voice": voice}


def bot(name: str) -> dict[str, Any]:
    """send_bot_message data."""
    return {"recipients": [NUMBER], "message": "Hi", "bot": name}


def email(address: str) -> dict[str, Any]:
    """send_email data."""
    return {"recipients": [address], "message": "Hi", "subject": "S"}


FULLWIDTH_NUMBER = "".join(chr(0xFF10 + int(d)) for d in NUMBER)  # digits, but not ASCII

CASES: list[tuple[str, str, dict[str, Any], str]] = [
    # (id, action, data, translation key)
    ("empty_text", "send_sms", sms(message=""), "empty_message"),
    ("blank_text", "send_sms", sms(message="  \n "), "empty_message"),
    ("text_2000_over_max_parts", "send_sms", sms(message=LONG_TEXT), "too_many_parts"),
    ("lone_high_surrogate", "send_sms", sms(message="Hi \ud83d there"), "invalid_characters"),
    ("lone_low_surrogate", "send_sms", sms(message="\ude00"), "invalid_characters"),
    ("control_nul", "send_sms", sms(message="Door\x00open"), "invalid_characters"),
    ("control_bell", "send_sms", sms(message="Alarm\x07"), "invalid_characters"),
    ("control_escape", "send_sms", sms(message="\x1b[31mred"), "invalid_characters"),
    ("control_del", "send_sms", sms(message="abc\x7f"), "invalid_characters"),
    ("number_with_letters", "send_sms", sms(recipients=["7999ABC4567"]), "invalid_phone"),
    ("number_with_emoji", "send_sms", sms(recipients=["7999😀1234567"]), "invalid_phone"),
    ("number_too_short", "send_sms", sms(recipients=["12345"]), "invalid_phone"),
    ("number_too_long", "send_sms", sms(recipients=["7" * 16]), "invalid_phone"),
    ("number_fullwidth", "send_sms", sms(recipients=[FULLWIDTH_NUMBER]), "invalid_phone"),
    ("one_bad_number_of_two", "send_sms", sms(recipients=[NUMBER, "abc"]), "invalid_phone"),
    ("no_recipients", "send_sms", sms(recipients=[]), "no_recipients"),
    ("tg_code_too_short", "send_telegram_code", tg("123"), "invalid_telegram_code"),
    ("tg_code_too_long", "send_telegram_code", tg("123456789"), "invalid_telegram_code"),
    ("tg_code_letters", "send_telegram_code", tg("12a4"), "invalid_telegram_code"),
    ("tg_code_emoji", "send_telegram_code", tg("12😀34"), "invalid_telegram_code"),
    ("tg_code_empty", "send_telegram_code", tg(""), "invalid_telegram_code"),
    ("voice_outside_list", "call", call("m9"), "invalid_voice"),
    ("voice_name", "call", call("alice"), "invalid_voice"),
    ("bot_without_at", "send_bot_message", bot("mybot"), "invalid_bot"),
    ("bot_with_emoji", "send_bot_message", bot("@my😀bot"), "invalid_bot"),
    ("whatsapp_bad_number", "send_bot_message", bot("wa:abc"), "invalid_bot"),
    ("email_without_at", "send_email", email("user.example.com"), "invalid_email"),
    ("email_with_emoji", "send_email", email("u😀@example.com"), "invalid_email"),
    ("unknown_entry", "send_sms", sms(config_entry_id="0123456789abcdef"), "entry_not_found"),
]


@pytest.mark.parametrize(
    ("action", "data", "key"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_bad_input_is_refused(
    hass: HomeAssistant,
    drill: Drill,
    exception_keys: set[str],
    action: str,
    data: dict[str, Any],
    key: str,
) -> None:
    """A translated ServiceValidationError; no SUBMIT_SM reaches the simulator."""
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(DOMAIN, action, data, blocking=True)
    err = caught.value
    assert err.translation_domain == DOMAIN
    assert err.translation_key == key
    assert key in exception_keys, f"{key} has no message under exceptions in strings.json"
    await hass.async_block_till_done()
    assert not drill.sim.submits
    assert drill.runtime.outbox.queued == 0


async def test_emoji_text_is_sent_as_ucs2(hass: HomeAssistant, drill: Drill) -> None:
    """Emoji in an SMS text are valid: sent once as UCS2 with surrogate pairs intact."""
    text = "Дверь открыта 🚪🔔 at 21:30 👍🏽"
    response = await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"recipients": [NUMBER], "message": text},
        blocking=True,
        return_response=True,
    )
    assert response["encoding"] == "ucs2"
    assert [m["status"] for m in response["messages"]] == ["sent"]
    await drill.sim.wait_for(lambda s: s.count_text(text) == 1)
    (submit,) = drill.sim.accepted
    assert submit.data_coding == 8
    assert submit.short_message == text.encode("utf-16-be")
