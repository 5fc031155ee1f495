"""Tests of the channels' texts and of recipient normalisation."""

from __future__ import annotations

import re
from typing import Any
import unicodedata

from hypothesis import given, strategies as st
import pytest

from custom_components.smscentre.smsc.channels import (
    COMMENT_SEPARATOR,
    DEFAULT_VOICE,
    VOICES,
    Channel,
    _visible,
    compose,
    normalize_email,
    normalize_phone,
    normalize_recipient,
    normalize_recipients,
    smpp_carries,
)
from custom_components.smscentre.smsc.encoding import encode_text
from custom_components.smscentre.smsc.errors import InvalidInput

PHONE_CHANNELS = [c for c in Channel if c is not Channel.EMAIL]
MESSAGE_CHANNELS = [
    Channel.SMS,
    Channel.CALL,
    Channel.BOT,
    Channel.VIBER,
    Channel.SOCIAL,
    Channel.EMAIL,
]
VALID_FIELDS: dict[Channel, dict[str, Any]] = {
    Channel.SMS: {"message": "Hi"},
    Channel.CALL: {"message": "Hi"},
    Channel.TELEGRAM_CODE: {"code": "1234"},
    Channel.BOT: {"message": "Hi", "bot": "@my_bot"},
    Channel.VIBER: {"message": "Hi"},
    Channel.SOCIAL: {"message": "Hi"},
    Channel.EMAIL: {"message": "Hi", "subject": "S"},
    Channel.HLR: {},
    Channel.PING: {},
}


def error_of(call, *args, **kwargs) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        call(*args, **kwargs)
    return info.value


def test_channel_values() -> None:
    assert [str(c) for c in Channel] == [
        "sms",
        "call",
        "telegram_code",
        "bot",
        "viber",
        "social",
        "email",
        "hlr",
        "ping",
    ]
    assert set(VALID_FIELDS) == set(Channel)


def test_voices() -> None:
    assert VOICES == ("m", "m2", "m3", "m4", "w", "w2", "w3", "w4")
    assert DEFAULT_VOICE == "w"
    assert DEFAULT_VOICE in VOICES


# --- phones and e-mail addresses ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+7 (999) 123-45-67", "79991234567"),
        ("79991234567", "79991234567"),
        ("89991234567", "79991234567"),  # Russian trunk prefix
        ("8 (999) 123-45-67", "79991234567"),
        ("  +7.999.123.45.67  ", "79991234567"),
        ("+7\u00a0999\u00a0123\u00a045\u00a067", "79991234567"),  # no-break spaces
        (79991234567, "79991234567"),  # a number from YAML
        ("+49 30 1234567", "49301234567"),
        ("+1 (212) 555-0123", "12125550123"),
        ("+88621234567", "88621234567"),  # Taiwan: an explicit "+" keeps the 8
        ("4930123456", "4930123456"),  # 10 digits
        ("123456789012345", "123456789012345"),  # 15 digits
    ],
)
def test_normalize_phone(raw: Any, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "+",
        "abc",
        "+7 999 ABC-45-67",
        "7999123456x",
        "+7 999 123 45 67 📞",
        "📞",
        "123456789",  # 9 digits
        "1234567890123456",  # 16 digits
        "07991234567",  # no international number starts with 0
        "++79991234567",
        "7999+1234567",
        "+7/999/1234567",
        "+7_999_1234567",
        "٧٩٩٩١٢٣٤٥٦٧",  # Arabic-Indic digits
        "\uff17\uff19\uff19\uff19\uff11\uff12\uff13\uff14\uff15\uff16\uff17",  # full-width digits
        "²⁷⁹⁹⁹¹²³⁴⁵⁶⁷",
        None,
        True,
    ],
)
def test_invalid_phone(raw: Any) -> None:
    error = error_of(normalize_phone, raw)
    assert error.key == "invalid_phone"
    assert error.placeholders == {"phone": str(raw)}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("user@example.com", "user@example.com"),
        ("  a.b+c@x.ru ", "a.b+c@x.ru"),
        ("Ivan@Mail.RU", "Ivan@mail.ru"),  # domain case does not matter, the local part may
        ("a@b.co", "a@b.co"),
        ("x_y-z@sub.dom.io", "x_y-z@sub.dom.io"),
        ("12345678@abcdefgh.ru", "12345678@abcdefgh.ru"),  # exactly 20
        ("user@example.com\n", "user@example.com"),
    ],
)
def test_normalize_email(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "user",
        "user@",
        "@example.com",
        "user@example",
        "user@@example.com",
        "us er@example.com",
        "user@exa mple.com",
        "user@-example.com",
        "user@example.com.",
        ".user@example.com",
        "user..x@example.com",
        "user@example..com",
        "user@example.c0m1",
        "иван@почта.рф",
        "user\x00@example.com",
        "user@exa\nmple.com",
        "a@b.ru\nb@c.ru",
    ],
)
def test_invalid_email(raw: str) -> None:
    error = error_of(normalize_email, raw)
    assert error.key == "invalid_email"
    assert error.placeholders == {"email": raw}


def test_email_too_long() -> None:
    raw = "123456789@abcdefgh.ru"  # 21 characters: destination_addr holds 20
    error = error_of(normalize_email, raw)
    assert error.key == "email_too_long"
    assert error.placeholders == {"email": raw, "max": "20"}


def test_a_long_email_over_http() -> None:
    """The HTTP API carries what SMPP cannot: only the address's own limits hold."""
    raw = "Someone.Long@Example.com"
    assert normalize_email(raw, over_http=True) == "Someone.Long@example.com"
    assert not smpp_carries("someone.long@example.com")
    assert smpp_carries("12345678@abcdefgh.ru")  # exactly 20
    longest = "a" * 64 + "@" + "b" * 185 + ".com"  # 254: what SMTP carries
    assert normalize_email(longest, over_http=True) == longest
    assert error_of(normalize_email, longest + "m", over_http=True).key == "invalid_email"
    assert error_of(normalize_email, "me.example.com", over_http=True).key == "invalid_email"
    assert normalize_recipients(
        Channel.EMAIL, "a@b.ru, someone.long@example.com", email_over_http=True
    ) == ["a@b.ru", "someone.long@example.com"]
    error = error_of(normalize_recipients, Channel.EMAIL, "a@b.ru, someone.long@example.com")
    assert error.key == "email_too_long"


@pytest.mark.parametrize("channel", PHONE_CHANNELS)
def test_recipient_is_a_phone_except_for_email(channel: Channel) -> None:
    assert normalize_recipient(channel, "+7 999 123-45-67") == "79991234567"
    assert error_of(normalize_recipient, channel, "user@example.com").key == "invalid_phone"


def test_email_recipient() -> None:
    assert normalize_recipient(Channel.EMAIL, "user@Example.com") == "user@example.com"
    assert normalize_recipient("email", "user@example.com") == "user@example.com"
    assert error_of(normalize_recipient, Channel.EMAIL, "79991234567").key == "invalid_email"


@pytest.mark.parametrize(
    ("raws", "expected"),
    [
        ("+7 999 123-45-67", ["79991234567"]),
        ("79991234567, 79991234568;79991234569", ["79991234567", "79991234568", "79991234569"]),
        ("79991234567\n79991234568", ["79991234567", "79991234568"]),
        (["+7 999 123-45-67", "89991234567", "79991234567"], ["79991234567"]),
        (["79991234568", "79991234567, 79991234568"], ["79991234568", "79991234567"]),
        (("79991234567", None, " ", "79991234568"), ["79991234567", "79991234568"]),
        ([79991234567], ["79991234567"]),
        (79991234567, ["79991234567"]),
        ("79991234567,,;", ["79991234567"]),
        (iter(["79991234567"]), ["79991234567"]),
    ],
)
def test_normalize_recipients(raws: Any, expected: list[str]) -> None:
    assert normalize_recipients(Channel.SMS, raws) == expected


def test_normalize_recipients_email() -> None:
    assert normalize_recipients(Channel.EMAIL, "a@b.ru; A@B.RU, c@d.ru") == [
        "a@b.ru",
        "A@b.ru",
        "c@d.ru",
    ]


@pytest.mark.parametrize("raws", ["", "  ", ",;,", [], [""], [None], None, ()])
def test_no_recipients(raws: Any) -> None:
    error = error_of(normalize_recipients, Channel.SMS, raws)
    assert error.key == "no_recipients"
    assert error.placeholders == {}


def test_recipients_report_the_bad_one() -> None:
    error = error_of(normalize_recipients, Channel.SMS, "79991234567, 12ab, 1")
    assert error.key == "invalid_phone"
    assert error.placeholders == {"phone": "12ab"}


def test_unknown_channel() -> None:
    for call in (
        lambda: compose("fax", {"message": "x"}),  # type: ignore[arg-type]
        lambda: normalize_recipient("fax", "79991234567"),  # type: ignore[arg-type]
        lambda: normalize_recipients("fax", "79991234567"),  # type: ignore[arg-type]
    ):
        error = error_of(call)
        assert error.key == "invalid_channel"
        assert error.placeholders == {
            "channel": "fax",
            "channels": "sms, call, telegram_code, bot, viber, social, email, hlr, ping",
        }


# --- the texts of each channel --------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "fields", "expected"),
    [
        (Channel.SMS, {"message": "Hello"}, "Hello"),
        (Channel.SMS, {"message": "  Hello\n"}, "Hello"),  # YAML block scalars end in \n
        (Channel.SMS, {"message": "Line 1\nLine 2\r\n\tTab"}, "Line 1\nLine 2\r\n\tTab"),
        (Channel.SMS, {"message": 42}, "42"),
        (Channel.SMS, {"message": "Hi", "comment": "order 17"}, "Hi\n~~~\norder 17"),
        (Channel.SMS, {"message": "Hi", "comment": "a\nb"}, "Hi\n~~~\na\nb"),
        (Channel.SMS, {"message": "Hi", "comment": "  "}, "Hi"),
        (Channel.SMS, {"message": "Hi", "comment": None}, "Hi"),
        (Channel.SMS, {"message": "Hi", "comment": "x\n~~~\ny"}, "Hi\n~~~\nx\n~~~\ny"),
        (Channel.SMS, {"message": "a __CALL__: b"}, "a __CALL__: b"),
        (Channel.SMS, {"message": "__ hi __"}, "__ hi __"),
        (Channel.SMS, {"message": "_____"}, "_____"),
        (Channel.SMS, {"message": "~~~"}, "~~~"),
        (Channel.SMS, {"message": "a\n~~~b"}, "a\n~~~b"),
        (Channel.SMS, {"message": "Привет 😀"}, "Привет 😀"),
        (Channel.CALL, {"message": "Door open"}, "__CALL__: Door open\nvoice:w"),
        (Channel.CALL, {"message": "Hi", "voice": "m2"}, "__CALL__: Hi\nvoice:m2"),
        (Channel.CALL, {"message": "Hi", "voice": " W3 "}, "__CALL__: Hi\nvoice:w3"),
        (Channel.CALL, {"message": "Hi", "voice": None}, "__CALL__: Hi\nvoice:w"),
        (Channel.CALL, {"message": "Hi", "voice": ""}, "__CALL__: Hi\nvoice:w"),
        (
            Channel.CALL,
            {"message": "Hi", "voice": "m", "param": "10,1,2,3"},
            "__CALL__: Hi\nvoice:m\n~~~\n10,1,2,3",
        ),
        (Channel.CALL, {"message": "Hi", "param": " "}, "__CALL__: Hi\nvoice:w"),
        (Channel.CALL, {"message": "voice: first line"}, "__CALL__: voice: first line\nvoice:w"),
        (Channel.TELEGRAM_CODE, {"code": "1234"}, "__TGM__: 1234"),
        (Channel.TELEGRAM_CODE, {"code": "01234567"}, "__TGM__: 01234567"),
        (Channel.TELEGRAM_CODE, {"code": 987654}, "__TGM__: 987654"),
        (Channel.TELEGRAM_CODE, {"code": " 5555 "}, "__TGM__: 5555"),
        (Channel.BOT, {"message": "Hi", "bot": "@my_bot"}, "__BOT__: Hi\nbot:@my_bot"),
        (Channel.BOT, {"message": "Hi", "bot": "@" + "b" * 32}, "__BOT__: Hi\nbot:@" + "b" * 32),
        (
            Channel.BOT,
            {"message": "Hi", "bot": "wa:+7 (999) 123-45-67"},
            "__BOT__: Hi\nbot:wa:79991234567",
        ),
        (
            Channel.BOT,
            {"message": "Hi", "bot": "WA:89991234567"},
            "__BOT__: Hi\nbot:wa:79991234567",
        ),
        (Channel.VIBER, {"message": "Hi there"}, "__VIBER__: Hi there"),
        (Channel.SOCIAL, {"message": "Hi there"}, "__SOC__: Hi there"),
        (
            Channel.EMAIL,
            {"message": "Body\nline 2", "subject": " Alarm "},
            "__MAIL__: Body\nline 2\nsubj:Alarm",
        ),
        (Channel.HLR, {}, "__HLR__"),
        (Channel.HLR, {"message": "ignored"}, "__HLR__"),
        (Channel.PING, {}, "__PING__"),
        ("sms", {"message": "Hi"}, "Hi"),
        ("call", {"message": "Hi"}, "__CALL__: Hi\nvoice:w"),
    ],
)
def test_compose(channel: Channel, fields: dict[str, Any], expected: str) -> None:
    assert compose(channel, fields) == expected


@pytest.mark.parametrize(
    "message",
    [
        "__CALL__: call me",
        "__HLR__",
        "__PING__",
        "__TGM__: 1234",
        "__BOT__: x\nbot:@abcde",
        "__MAIL__: x",
        "__VIBER__: x",
        "__SOC__: x",
        "   __CALL__: leading spaces",
        "\n\t__HLR__",
        "__call__: lower case",
        "__FUTURE_THING__ whatever",
        "__X1__",
    ],
)
def test_sms_never_goes_out_as_another_channel(message: str) -> None:
    error = error_of(compose, Channel.SMS, {"message": message})
    assert error.key == "text_looks_like_channel"
    assert error.placeholders == {}
    # Other channels carry such text behind their own prefix.
    assert compose(Channel.VIBER, {"message": message}).startswith("__VIBER__: __")


@pytest.mark.parametrize("channel", MESSAGE_CHANNELS)
@pytest.mark.parametrize(
    "message", ["a\n~~~\nb", "a\n~~~\n", "x\n~~~\n~~~\ny", "a\n~~~", "a\n~~~\n\nb"]
)
def test_comment_separator_in_the_text(channel: Channel, message: str) -> None:
    fields = {**VALID_FIELDS[channel], "message": message, "comment": "c"}
    error = error_of(compose, channel, fields)
    assert error.key == "text_contains_comment_separator"
    assert error.placeholders == {}


@pytest.mark.parametrize("channel", MESSAGE_CHANNELS)
@pytest.mark.parametrize("message", [None, "", "   ", "\n\t\r\n"])
def test_empty_message(channel: Channel, message: Any) -> None:
    fields = {**VALID_FIELDS[channel], "message": message}
    assert error_of(compose, channel, fields).key == "empty_message"
    fields.pop("message")
    assert error_of(compose, channel, fields).key == "empty_message"


@pytest.mark.parametrize("channel", MESSAGE_CHANNELS)
@pytest.mark.parametrize(
    ("message", "characters"),
    [
        ("bell\x07", "U+0007"),
        ("nul\x00 and esc\x1b", "U+0000, U+001B"),
        ("form\x0cfeed", "U+000C"),
        ("vertical\x0btab", "U+000B"),
        ("del\x7f", "U+007F"),
        ("c1\x85c1", "U+0085"),
        ("lone \ud800 surrogate", "U+D800"),
        ("emoji half \ud83d", "U+D83D"),
        ("\udfff", "U+DFFF"),
    ],
)
def test_invalid_characters(channel: Channel, message: str, characters: str) -> None:
    error = error_of(compose, channel, {**VALID_FIELDS[channel], "message": message})
    assert error.key == "invalid_characters"
    assert error.placeholders == {"characters": characters}


def test_invalid_characters_in_comment_subject_param() -> None:
    cases = [
        (Channel.SMS, {"message": "x", "comment": "bad\x07"}),
        (Channel.EMAIL, {"message": "x", "subject": "bad\x07"}),
        (Channel.CALL, {"message": "x", "param": "bad\x07"}),
    ]
    for channel, fields in cases:
        error = error_of(compose, channel, fields)
        assert error.key == "invalid_characters"
        assert error.placeholders == {"characters": "U+0007"}


@pytest.mark.parametrize("voice", ["x", "m5", "w0", "male", "mw", "m,w", 1])
def test_invalid_voice(voice: Any) -> None:
    error = error_of(compose, Channel.CALL, {"message": "Hi", "voice": voice})
    assert error.key == "invalid_voice"
    assert error.placeholders == {"voice": str(voice), "voices": "m, m2, m3, m4, w, w2, w3, w4"}


@pytest.mark.parametrize("voice", VOICES)
def test_every_voice(voice: str) -> None:
    assert compose(Channel.CALL, {"message": "Hi", "voice": voice}).endswith(f"\nvoice:{voice}")


@pytest.mark.parametrize("param", ["a\nb", "a\rb", "a\r\nb"])
def test_invalid_param(param: str) -> None:
    error = error_of(compose, Channel.CALL, {"message": "Hi", "param": param})
    assert error.key == "invalid_param"
    assert error.placeholders == {}


@pytest.mark.parametrize(
    "code",
    [
        None,
        "",
        "123",
        "123456789",
        "12a4",
        "12 34",
        "١٢٣٤",
        "\uff11\uff12\uff13\uff14",  # full-width
        "+1234",
        "-1234",
        123,
        True,
    ],
)
def test_invalid_telegram_code(code: Any) -> None:
    error = error_of(compose, Channel.TELEGRAM_CODE, {"code": code})
    assert error.key == "invalid_telegram_code"
    assert error.placeholders == {"code": str(code)}


@pytest.mark.parametrize(
    "bot",
    [
        None,
        "",
        "my_bot",  # no @
        "@abcd",  # 4 characters
        "@" + "b" * 33,
        "@my-bot",
        "@my bot",
        "@бот_бот",
        "wa:",
        "wa:abc",
        "wa:123",
        "wa:+7 999 123 45 67 x",
        "whatsapp:79991234567",
        "tg:@my_bot",
    ],
)
def test_invalid_bot(bot: Any) -> None:
    error = error_of(compose, Channel.BOT, {"message": "Hi", "bot": bot})
    assert error.key == "invalid_bot"
    assert error.placeholders == {"bot": str(bot)}


@pytest.mark.parametrize("subject", [None, "", "   ", "two\nlines", "cr\rhere"])
def test_invalid_subject(subject: Any) -> None:
    error = error_of(compose, Channel.EMAIL, {"message": "Hi", "subject": subject})
    assert error.key == "invalid_subject"
    assert error.placeholders == {}


@pytest.mark.parametrize(
    ("channel", "fields", "prefix"),
    [
        (Channel.CALL, {"message": "Hi\nvoice:m"}, "voice:"),
        (Channel.CALL, {"message": "Hi\n  VOICE: m"}, "voice:"),
        (Channel.BOT, {"message": "Hi\nbot:@other_bot", "bot": "@my_bot"}, "bot:"),
        (Channel.EMAIL, {"message": "Hi\nsubj:other", "subject": "S"}, "subj:"),
    ],
)
def test_reserved_lines(channel: Channel, fields: dict[str, Any], prefix: str) -> None:
    error = error_of(compose, channel, fields)
    assert error.key == "text_contains_reserved_line"
    assert error.placeholders == {"prefix": prefix}


def test_reserved_lines_only_matter_in_their_channel() -> None:
    assert compose(Channel.SMS, {"message": "Hi\nvoice:m"}) == "Hi\nvoice:m"
    assert compose(Channel.CALL, {"message": "Hi\nsubj:x"}) == "__CALL__: Hi\nsubj:x\nvoice:w"


def test_separator_constant() -> None:
    assert COMMENT_SEPARATOR == "\n~~~\n"


# --- properties ----------------------------------------------------------------------------

_ANY_TEXT = st.text(max_size=200) | st.sampled_from(
    ["__CALL__: x", "a\n~~~\nb", "\ud800", "\x07", " ", "@my_bot", "wa:79991234567", "1234"]
)


@given(
    channel=st.sampled_from(list(Channel)),
    message=_ANY_TEXT,
    comment=_ANY_TEXT,
    voice=st.sampled_from([*VOICES, "x", None]),
    param=_ANY_TEXT,
    code=_ANY_TEXT,
    bot=_ANY_TEXT,
    subject=_ANY_TEXT,
    iso=st.booleans(),
)
def test_composed_text_always_encodes(
    channel: Channel,
    message: str,
    comment: str,
    voice: str | None,
    param: str,
    code: str,
    bot: str,
    subject: str,
    iso: bool,
) -> None:
    fields = {
        "message": message,
        "comment": comment,
        "voice": voice,
        "param": param,
        "code": code,
        "bot": bot,
        "subject": subject,
    }
    try:
        text = compose(channel, fields)
    except InvalidInput:
        return
    assert text
    encode_text(text, iso=iso)  # never invalid_characters nor empty_message
    if channel is Channel.SMS:
        body = text.split(COMMENT_SEPARATOR, 1)[0]
        assert body == message.strip()
        assert not re.match(r"\s*__\w*[A-Za-z0-9]\w*__", body)


def _visible_by_category(text: str) -> str:
    """What ``_visible`` means, character by character (its general, slower path)."""
    kept = "".join(
        ch
        for ch in text
        if (
            ch not in "\u115f\u1160\u3164\uffa0"
            and unicodedata.category(ch) not in {"Cf", "Cc", "Mn", "Me", "Zs", "Zl", "Zp"}
        )
        or ch in " \t"
    )
    return unicodedata.normalize("NFKC", kept)


@pytest.mark.parametrize(
    "text",
    [
        "".join(map(chr, range(128))),  # every ASCII character: the quick path
        "\r\n~~~\x7f\x0b__HLR__\t x",
        "\ufeff__HLR__ \u200b\u00a0é",  # not ASCII: the general path
    ],
)
def test_visible_text_is_the_same_on_the_quick_path(text: str) -> None:
    assert _visible(text) == _visible_by_category(text)


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_visible_ascii_is_what_the_categories_say(text: str) -> None:
    assert _visible(text) == _visible_by_category(text)
