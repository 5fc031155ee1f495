"""Hostile input reaching the core: what the provider's HTTP handler, an SMSC or an action
may be handed by someone who is not the provider or not the user (see docs/SECURITY.md)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
import hashlib
from typing import Any

import pytest

from custom_components.smscentre.smsc.channels import (
    MAX_RECIPIENTS,
    Channel,
    compose,
    normalize_recipients,
)
from custom_components.smscentre.smsc.errors import InvalidInput
from custom_components.smscentre.smsc.http.body import BadRequest, parse_body
from custom_components.smscentre.smsc.http.callback import kind_of
from custom_components.smscentre.smsc.http.shape import shape_problem
from custom_components.smscentre.smsc.http.signature import request_key, verify_signature
from custom_components.smscentre.smsc.incoming import IncomingMessage
from custom_components.smscentre.smsc.outbox import Outbox
from custom_components.smscentre.smsc.prepare import MAX_MESSAGE_ID_LENGTH, normalize_message_id
from custom_components.smscentre.smsc.smpp.pdu import ConcatInfo, query_sm
from custom_components.smscentre.smsc.smpp.reassembly import Reassembler
from custom_components.smscentre.smsc.text import clean_text
from custom_components.smscentre.smsc.tracker import SentTracker

SECRET = "Home-Secret_42-long"
STATUS = {"id": "100001", "phone": "79991234567", "status": "1"}
INCOMING = {"phone": "79990001122", "mes": "Open", "to": "79037000000"}
CALL = {"waitcall": "1", "phone": "79990001122", "ts": "1741167000"}


def md5(text: str) -> str:
    """The provider's md5 signature of ``text`` (the signed fields joined by ':')."""
    return hashlib.md5(f"{text}:{SECRET}".encode()).hexdigest()


def verified(fields: dict[str, str]) -> bool:
    """True when the fields' md5 is the signature of their kind."""
    return verify_signature(
        kind_of(fields), fields, [fields["md5"]], secret=SECRET, hash_kind="md5", codec="utf-8"
    )


# --- 1. the de-duplication key -----------------------------------------------------------


@pytest.mark.parametrize("changed", ["ts", "err", "time", "type", "imsi", "cnt", "cost"])
def test_signed_key_is_the_signed_fields_only(changed: str) -> None:
    """With a secret, a re-posted status with any unsigned field changed is the same request."""
    first = {**STATUS, "ts": "1741167000", "err": "0", "time": "05.03.25 12:30:00"}
    second = {**first, changed: "42"}
    assert request_key("status", first, signed=True) == request_key("status", second, signed=True)
    other = {**first, "status": "3"}
    assert request_key("status", first, signed=True) != request_key("status", other, signed=True)


def test_unsigned_key_keeps_the_provider_ids() -> None:
    """Without a secret nothing is signed: the key tells two real SMS with the same text apart
    by the provider's own id, so that only the provider's retries are dropped."""
    first = {**INCOMING, "id": "777", "time": "1741167005"}
    again = {**INCOMING, "id": "778", "time": "1741167905"}
    assert request_key("incoming", first, signed=False) != request_key(
        "incoming", again, signed=False
    )
    assert request_key("incoming", first, signed=True) == request_key(
        "incoming", again, signed=True
    )


# --- 2. shapes per kind ------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        STATUS,
        {**STATUS, "status": "-3", "err": "0", "imsi": "250011234567890", "type": "4"},
        {**STATUS, "phone": "me@example.com"},  # the status of an e-mail
        {**INCOMING, "id": "777", "sms_id": "100001", "smsc": "MTS", "sent": "1", "time": "2"},
        {**INCOMING, "to": "HomeAssist"},  # a reply to a sender id
        {**INCOMING, "phone": "+79990001122", "mes": ""},
        CALL,
        {**STATUS, "fmt": "3", "charset": "utf-8", "md5": "x"},  # echoed URL parameters
    ],
)
def test_good_shapes(fields: dict[str, str]) -> None:
    """What the provider sends passes."""
    assert shape_problem(kind_of(fields), fields) is None


@pytest.mark.parametrize(
    "fields",
    [
        {**STATUS, "id": ""},
        {**STATUS, "id": "1:2"},
        {**STATUS, "phone": "Open"},
        {**STATUS, "status": "delivered"},
        {**STATUS, "status": "79037000000"},
        {**STATUS, "to": "79037000000"},  # an incoming SMS's field
        {**STATUS, "waitcall": "1", "mes": "x"},
        {**INCOMING, "phone": "12"},
        {**INCOMING, "phone": "Bank"},
        {**INCOMING, "to": "1"},
        {**INCOMING, "to": "Open:79037000000"},
        {**INCOMING, "waitcall": "1"},
        {**INCOMING, "status": "1"},
        {**CALL, "waitcall": "2"},
        {**CALL, "ts": "Open:79037000000"},
        {**CALL, "ts": "-5"},
        {**CALL, "phone": "x"},
        {**CALL, "status": "1"},
    ],
)
def test_bad_shapes(fields: dict[str, str]) -> None:
    """Anything that is not what its kind needs has a problem, in words."""
    problem = shape_problem(kind_of(fields), fields)
    assert isinstance(problem, str)
    assert problem


def test_a_status_signature_cannot_pass_as_an_incoming_sms() -> None:
    """`id:phone:status` re-shaped as `phone:mes:to` verifies, but is not an incoming SMS."""
    signature = md5("100001:79991234567:1")
    forged = {"phone": "100001", "mes": "79991234567", "to": "1", "md5": signature}
    assert verified({**STATUS, "md5": signature})
    assert verified(forged)  # the provider's scheme cannot tell...
    assert shape_problem(kind_of(forged), forged) is not None  # ...the shapes can


def test_an_incoming_signature_cannot_pass_as_a_call_confirmation() -> None:
    """`phone:mes:to` re-shaped as `phone:ts` (ts = "mes:to") is no call confirmation."""
    signature = md5("79990001122:Open:79037000000")
    forged = {"phone": "79990001122", "ts": "Open:79037000000", "waitcall": "1", "md5": signature}
    assert verified(forged)
    assert shape_problem(kind_of(forged), forged) is not None


def test_an_incoming_signature_cannot_pass_as_a_status() -> None:
    """`phone:mes:to` as `id:phone:status`: a recipient number is no status code."""
    fields = {"phone": "79990001122", "mes": "79991234567", "to": "79037000000"}
    forged = {"id": fields["phone"], "phone": fields["mes"], "status": fields["to"]}
    assert shape_problem(kind_of(forged), forged) is not None


# --- 4. unencodable text -----------------------------------------------------------------


def test_clean_text_replaces_lone_surrogates() -> None:
    """A lone surrogate cannot be saved as UTF-8: it becomes U+FFFD; real text is kept."""
    assert clean_text("a\ud800b\udfffc") == "a\ufffdb\ufffdc"
    assert clean_text("Привет 😀") == "Привет 😀"


def test_error_placeholders_are_clean() -> None:
    """An action's input echoed in its error (the recipient) cannot carry a lone surrogate."""
    with pytest.raises(InvalidInput) as err:
        normalize_recipients(Channel.SMS, ["7999\ud800"])
    assert err.value.placeholders["phone"] == "7999\ufffd"


def test_incoming_message_text_is_clean() -> None:
    """Whatever path builds an IncomingMessage, its strings can be saved."""
    message = IncomingMessage(
        sender="7999\ud800", recipient="x", text="a\udc00", parts=1, received_at=datetime.now(UTC)
    )
    assert message.as_event_data()["text"] == "a\ufffd"
    assert message.sender == "7999\ufffd"


def test_json_surrogates_are_replaced_when_read() -> None:
    """JSON escapes can carry lone surrogates: they are replaced as the body is read."""
    (fields,) = parse_body(
        b'{"phone": "79990001122", "mes": "a\\ud800b", "to\\udc00": "1"}',
        content_type="application/json",
        fmt="3",
        charset="utf-8",
    )
    assert fields["mes"] == "a\ufffdb"
    assert "to\ufffd" in fields


# --- 5. odd bodies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding", ["x-nope", "utf-7", "rot13", "hex", "base64", "idna", "utf-32", "utf-16"]
)
def test_odd_xml_encodings_are_bad_requests(encoding: str) -> None:
    """An XML declaration naming an encoding the provider does not use is a BadRequest."""
    body = f'<?xml version="1.0" encoding="{encoding}"?><d><phone>1</phone></d>'.encode()
    with pytest.raises(BadRequest):
        parse_body(body, content_type="text/xml", fmt="2", charset=None)


@pytest.mark.parametrize("encoding", ["utf-8", "UTF-8", "windows-1251", "koi8-r"])
def test_provider_xml_encodings_are_read(encoding: str) -> None:
    """The charsets the provider documents still work when declared."""
    text = "Привет"
    body = f'<?xml version="1.0" encoding="{encoding}"?><d><mes>{text}</mes></d>'
    codec = {"utf-8": "utf-8", "windows-1251": "cp1251", "koi8-r": "koi8_r"}[encoding.lower()]
    (fields,) = parse_body(body.encode(codec), content_type="", fmt="2", charset=None)
    assert fields["mes"] == text


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": ' * 50_000 + b"1" + b"}" * 50_000,
        b"<a>" * 20_000 + b"</a>" * 20_000,
    ],
    ids=["deep-json-list", "deep-json-object", "deep-xml"],
)
def test_deep_bodies_are_bad_requests_or_read(body: bytes) -> None:
    """However deep, reading a body raises nothing but BadRequest."""
    with contextlib.suppress(BadRequest):
        parse_body(body, content_type="", fmt=None, charset="utf-8")


# --- suspected: invisible characters and line breaks ------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "\ufeff__HLR__",
        "\u200b__CALL__: hi",
        "\u2060\u200d__PING__",
        "\u00ad__MAIL__: x",
        "\u180e__VIBER__: x",
        "\u3164__SOC__: x",
        "\ufe0f__BOT__: x",
        "\u2028__HLR__",
        "\uff3f\uff3fHLR\uff3f\uff3f",  # fullwidth low lines
    ],
)
def test_invisible_characters_before_a_prefix(text: str) -> None:
    """Nothing invisible in front of "__WORD__" gets an SMS past the prefix check."""
    with pytest.raises(InvalidInput) as err:
        compose(Channel.SMS, {"message": text})
    assert err.value.key in ("text_looks_like_channel", "invalid_characters")


@pytest.mark.parametrize(
    "text",
    [
        "a\r\n~~~\r\nb",
        "a\r~~~\rb",
        "a\n~~~\r\nb",
        "a\u2028~~~\u2029b",
        "a\n ~~~ \nb",
        "a\n\u200b~~~\nb",
        "a\r\n~~~",
        "a\n~~~",
    ],
)
def test_comment_separator_in_any_line_break(text: str) -> None:
    """A line of "~~~" is refused whatever line break surrounds it."""
    with pytest.raises(InvalidInput) as err:
        compose(Channel.SMS, {"message": text})
    assert err.value.key in ("text_contains_comment_separator", "invalid_characters")


@pytest.mark.parametrize("text", ["a ~~~ b", "~~~~\nb", "a\n~~ ~\nb", "__ not a prefix"])
def test_tildes_that_are_no_separator(text: str) -> None:
    """Tildes inside a line, or another count of them, are ordinary text."""
    assert compose(Channel.SMS, {"message": text}) == text


# --- 6. QUERY_SM ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["é", "\ud800", "1\x00\x05\x00EVIL", "1 2", "", " ", "x" * (MAX_MESSAGE_ID_LENGTH + 1)]
)
def test_bad_message_ids(raw: str) -> None:
    """Only printable ASCII, 1 to 64 characters, becomes a QUERY_SM's message_id."""
    with pytest.raises(InvalidInput) as err:
        normalize_message_id(raw)
    assert err.value.key == "invalid_message_id"
    assert err.value.placeholders["max"] == str(MAX_MESSAGE_ID_LENGTH)


def test_good_message_ids() -> None:
    """The provider's ids (numbers, hex) pass, stripped."""
    assert normalize_message_id(" 100001 ") == "100001"
    assert normalize_message_id("x" * MAX_MESSAGE_ID_LENGTH) == "x" * MAX_MESSAGE_ID_LENGTH


@pytest.mark.parametrize("message_id", ["1\x00\x05\x00EVIL", "é", "x" * 65])
def test_query_sm_cannot_carry_other_fields(message_id: str) -> None:
    """The PDU builder itself refuses what would end the C-octet string early."""
    with pytest.raises(ValueError, match="message_id"):
        query_sm(1, message_id, "")
    with pytest.raises(ValueError, match="source"):
        query_sm(1, "1", "HomeAssist\x00\x05")


# --- 7. stored snapshots -------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"version": 99, "messages": []},
        {"version": 2, "sent_total": "abc", "messages": []},
        {"version": 2, "messages": {"a": 1}},
        {"version": 2, "messages": "abc"},
        ["not", "an", "object"],
    ],
)
def test_outbox_refuses_a_snapshot_it_cannot_read(data: Any) -> None:
    """Not silently dropped (and later overwritten): the caller moves the file aside."""
    box = Outbox()
    with pytest.raises((TypeError, ValueError, AttributeError)):
        box.load(data)
    assert box.queued == 0


@pytest.mark.parametrize(
    "data",
    [
        {"version": 99, "records": []},
        {"version": 1, "records": "abc"},
        {"version": 1, "records": {"a": 1}},
        ["x"],
    ],
)
def test_tracker_refuses_records_it_cannot_read(data: Any) -> None:
    """Likewise for the sent-message map."""
    with pytest.raises((TypeError, ValueError, AttributeError)):
        SentTracker().load(data)


# --- 8. bounds -----------------------------------------------------------------------------


def test_reassembly_holds_a_byte_budget() -> None:
    """Many references of huge parts never hold more than the budget; the oldest go first."""
    now = [0.0]
    budget = 200_000
    reassembler = Reassembler(clock=lambda: now[0], max_bytes=budget)
    part = "я" * 30_000  # 60 KB of UTF-8: a message_payload-sized part
    for ref in range(20):
        for seq in range(1, 6):
            reassembler.add(
                ("79990001122", "7903"),
                ConcatInfo(ref=ref, total=254, seq=seq),
                part,
                sender="79990001122",
                recipient="7903",
                received_at=datetime.now(UTC),
            )
            assert reassembler.pending_bytes <= budget
    flushed = reassembler.expire()
    assert flushed
    assert all(message.incomplete for message in flushed)


def test_recipients_are_capped() -> None:
    """One action names at most MAX_RECIPIENTS recipients; more is refused before any work."""
    numbers = [f"7999{n:07d}" for n in range(MAX_RECIPIENTS + 1)]
    assert len(normalize_recipients(Channel.SMS, numbers[:-1])) == MAX_RECIPIENTS
    with pytest.raises(InvalidInput) as err:
        normalize_recipients(Channel.SMS, numbers)
    assert err.value.key == "too_many_recipients"
    assert err.value.placeholders["max"] == str(MAX_RECIPIENTS)
