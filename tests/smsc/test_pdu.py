"""Raw PDU parsing: header, DELIVER_SM body, TLVs, UDH/SAR concatenation, builders."""

from __future__ import annotations

import struct

from hypothesis import given, strategies as st
import pytest

from custom_components.smscentre.smsc.smpp.pdu import (
    DELIVER_SM,
    DELIVER_SM_RESP,
    GENERIC_NACK,
    MAX_PDU_LENGTH,
    TAG_MESSAGE_PAYLOAD,
    TAG_SAR_MSG_REF_NUM,
    TAG_SAR_SEGMENT_SEQNUM,
    TAG_SAR_TOTAL_SEGMENTS,
    ConcatInfo,
    DeliverSm,
    PduError,
    PduHeader,
    deliver_sm_resp,
    generic_nack,
    parse_deliver_sm,
    parse_header,
    parse_query_sm_resp,
    parse_tlvs,
    split_concat,
)

from .pdu_builders import (
    cstr,
    deliver_sm_body,
    pdu,
    tlv,
    udh_concat8,
    udh_concat16,
)

# Header


def test_header_of_deliver_sm() -> None:
    data = pdu(deliver_sm_body(b"hi"), sequence=42)
    header = parse_header(data)
    assert header == PduHeader(len(data), DELIVER_SM, 0, 42)


@pytest.mark.parametrize("status", [0x400, 0x401, 0x4FF, 0x1000, 0xFFFFFFFF])
def test_header_vendor_status(status: int) -> None:
    header = parse_header(pdu(b"", command_id=0x80000004, status=status))
    assert header.command_status == status
    assert header.command_id == 0x80000004


def test_header_unknown_command_id() -> None:
    assert parse_header(pdu(b"", command_id=0x12345678)).command_id == 0x12345678


def test_header_ignores_bytes_after_header() -> None:
    assert parse_header(pdu(b"xyz") + b"garbage").length == 19


@pytest.mark.parametrize("size", [0, 1, 15])
def test_header_too_short(size: int) -> None:
    with pytest.raises(PduError):
        parse_header(bytes(size))


@pytest.mark.parametrize("length", [0, 15, MAX_PDU_LENGTH + 1, 0xFFFFFFFF])
def test_header_impossible_length(length: int) -> None:
    with pytest.raises(PduError):
        parse_header(struct.pack(">IIII", length, DELIVER_SM, 0, 1))


@pytest.mark.parametrize("length", [16, MAX_PDU_LENGTH])
def test_header_length_bounds_accepted(length: int) -> None:
    assert parse_header(struct.pack(">IIII", length, DELIVER_SM, 0, 1)).length == length


def test_pdu_error_is_value_error() -> None:
    assert issubclass(PduError, ValueError)


# DELIVER_SM body


def test_parse_all_fields() -> None:
    body = deliver_sm_body(
        b"Hello",
        source="79991234567",
        dest="SMSC",
        service_type="CMT",
        source_ton=5,
        source_npi=0,
        dest_ton=1,
        dest_npi=1,
        esm_class=0x40,
        protocol_id=0x7F,
        priority_flag=1,
        registered_delivery=1,
        data_coding=8,
        extra=[(0x1234, b"\x01\x02")],
    )
    deliver = parse_deliver_sm(body)
    assert deliver == DeliverSm(
        service_type="CMT",
        source_addr="79991234567",
        source_ton=5,
        source_npi=0,
        dest_addr="SMSC",
        dest_ton=1,
        dest_npi=1,
        esm_class=0x40,
        protocol_id=0x7F,
        priority_flag=1,
        registered_delivery=1,
        data_coding=8,
        short_message=b"Hello",
        tlvs={0x1234: b"\x01\x02"},
    )
    assert deliver.udhi
    assert not deliver.is_receipt


def test_parse_accepts_bytearray_and_memoryview() -> None:
    body = deliver_sm_body(b"x")
    assert parse_deliver_sm(bytearray(body)).short_message == b"x"
    assert parse_deliver_sm(memoryview(body)).short_message == b"x"


def test_schedule_and_validity_skipped() -> None:
    body = deliver_sm_body(b"abc", schedule="240101120000000+", validity="240102120000000+")
    assert parse_deliver_sm(body).short_message == b"abc"


def test_sm_length_honoured_rest_is_tlvs() -> None:
    # The bytes after sm_length octets are TLVs, even when they look like text.
    body = deliver_sm_body(b"abc", extra=[(0x0005, b"\x07")])
    deliver = parse_deliver_sm(body)
    assert deliver.short_message == b"abc"
    assert deliver.tlvs == {0x0005: b"\x07"}


def test_short_message_with_nul_octets() -> None:
    # GSM '@' is 0x00: short_message is octets, not a C string.
    deliver = parse_deliver_sm(deliver_sm_body(b"\x00a\x00"))
    assert deliver.short_message == b"\x00a\x00"


def test_empty_short_message_and_no_tlvs() -> None:
    deliver = parse_deliver_sm(deliver_sm_body(b""))
    assert deliver.short_message == b""
    assert deliver.tlvs == {}
    assert deliver.payload == b""


def test_truncated_short_message_is_error() -> None:
    body = deliver_sm_body(b"abc", sm_length=10)
    with pytest.raises(PduError, match="short_message"):
        parse_deliver_sm(body)


@pytest.mark.parametrize("cut", [0, 1, 3, 5, 15, 20, 30])
def test_truncated_mandatory_part_is_error(cut: int) -> None:
    body = deliver_sm_body(b"abc")
    header_end = len(body) - 4  # before the short_message and its length
    assert cut < header_end
    with pytest.raises(PduError):
        parse_deliver_sm(body[:cut])


def test_unterminated_source_addr_is_error() -> None:
    body = cstr("") + b"\x01\x01" + b"7" * 200
    with pytest.raises(PduError, match="source_addr"):
        parse_deliver_sm(body)


def test_c_string_bound_leaves_slack_for_long_senders() -> None:
    # SMPP 3.4 says 21 octets; an e-mail sender of 40 characters is still read.
    sender = "someone.with.long.name@example.com"
    assert parse_deliver_sm(deliver_sm_body(b"x", source=sender)).source_addr == sender


def test_c_string_over_bound_is_error() -> None:
    with pytest.raises(PduError):
        parse_deliver_sm(deliver_sm_body(b"x", source="9" * 100))


def test_addresses_are_latin1_never_fail() -> None:
    deliver = parse_deliver_sm(deliver_sm_body(b"", source="\xe9\xff"))
    assert deliver.source_addr == "\xe9\xff"


# TLVs


def test_unknown_and_vendor_tlvs_kept() -> None:
    extra = [(0x2000, b"1.2500\x00"), (0x2001, b"\x00\x04"), (0x2002, b"\x00\x03"), (0x7777, b"")]
    deliver = parse_deliver_sm(deliver_sm_body(b"", extra=extra))
    assert deliver.tlvs == dict(extra)


def test_truncated_tlv_tail_ignored() -> None:
    body = deliver_sm_body(b"hi", extra=[(0x0427, b"\x02")], tail=tlv(0x0424, b"long")[:-2])
    deliver = parse_deliver_sm(body)
    assert deliver.tlvs == {0x0427: b"\x02"}
    assert deliver.payload == b"hi"


@pytest.mark.parametrize("tail", [b"\x04", b"\x04\x24", b"\x04\x24\x00"])
def test_tlv_tail_shorter_than_a_tlv_header_ignored(tail: bytes) -> None:
    deliver = parse_deliver_sm(deliver_sm_body(b"hi", tail=tail))
    assert deliver.tlvs == {}


def test_repeated_tlv_first_wins() -> None:
    assert parse_tlvs(tlv(1, b"a") + tlv(1, b"b")) == {1: b"a"}


def test_message_payload_preferred_over_short_message() -> None:
    long_text = b"x" * 400
    deliver = parse_deliver_sm(deliver_sm_body(b"", extra=[(TAG_MESSAGE_PAYLOAD, long_text)]))
    assert deliver.payload == long_text


# esm_class


@pytest.mark.parametrize(
    ("esm_class", "receipt"),
    [
        (0x00, False),
        (0x04, True),  # SMSC delivery receipt
        (0x08, True),  # SME delivery acknowledgement
        (0x20, True),  # intermediate delivery notification
        (0x10, False),  # user acknowledgement: carries a message
        (0x18, False),  # conversation abort
        (0x44, True),  # receipt with UDHI
        (0x40, False),
        (0x84, True),  # reply path bit does not matter
    ],
)
def test_is_receipt(esm_class: int, receipt: bool) -> None:
    assert DeliverSm(esm_class=esm_class).is_receipt is receipt


# Concatenation


def _part(payload: bytes, *, esm_class: int = 0x40, **kwargs: object) -> DeliverSm:
    return parse_deliver_sm(deliver_sm_body(payload, esm_class=esm_class, **kwargs))  # type: ignore[arg-type]


def test_concat_udh_8bit() -> None:
    info, text = split_concat(_part(udh_concat8(0xAB, 3, 2) + b"hello"))
    assert info == ConcatInfo(0xAB, 3, 2)
    assert text == b"hello"


def test_concat_udh_16bit() -> None:
    info, text = split_concat(_part(udh_concat16(0xBEEF, 12, 11) + b"hello"))
    assert info == ConcatInfo(0xBEEF, 12, 11)
    assert text == b"hello"


def test_concat_other_ies_skipped() -> None:
    # Port addressing (0x05) before, a special SMS indication (0x01) after the concat IE.
    ports = bytes([0x05, 4, 0x0B, 0x84, 0x23, 0xF0])
    concat = bytes([0x00, 3, 7, 2, 1])
    special = bytes([0x01, 2, 0, 0])
    udh = bytes([len(ports) + len(concat) + len(special)]) + ports + concat + special
    info, text = split_concat(_part(udh + b"body"))
    assert info == ConcatInfo(7, 2, 1)
    assert text == b"body"


def test_udh_without_concat_is_stripped() -> None:
    udh = bytes([4, 0x01, 2, 0, 0])
    info, text = split_concat(_part(udh + b"body"))
    assert info is None
    assert text == b"body"


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        bytes([10, 0, 3, 1, 2, 1]),  # UDHL past the end
        bytes([3, 0, 3, 1]) + b"abc",  # IE length past the UDH
        bytes([1, 0]) + b"abc",  # IE header cut
    ],
)
def test_malformed_udh_keeps_whole_payload(payload: bytes) -> None:
    info, text = split_concat(_part(payload))
    assert info is None
    assert text == payload


@pytest.mark.parametrize(
    "udh",
    [
        udh_concat8(1, 1, 1),  # a one-part "message"
        udh_concat8(1, 0, 0),
        udh_concat8(1, 3, 0),  # part 0
        udh_concat8(1, 3, 4),  # part beyond total
        bytes([4, 0x00, 2, 1, 2]),  # wrong IE length for 8-bit concat
    ],
)
def test_invalid_concat_ie_ignored(udh: bytes) -> None:
    info, text = split_concat(_part(udh + b"x"))
    assert info is None
    assert text == b"x"


def test_udh_in_message_payload() -> None:
    deliver = _part(b"", extra=[(TAG_MESSAGE_PAYLOAD, udh_concat8(9, 2, 2) + b"tail")])
    assert split_concat(deliver) == (ConcatInfo(9, 2, 2), b"tail")


def test_without_udhi_payload_is_text() -> None:
    payload = udh_concat8(1, 2, 1) + b"x"
    assert split_concat(_part(payload, esm_class=0)) == (None, payload)


def test_concat_sar_tlvs() -> None:
    extra = [
        (TAG_SAR_MSG_REF_NUM, b"\x12\x34"),
        (TAG_SAR_TOTAL_SEGMENTS, b"\x03"),
        (TAG_SAR_SEGMENT_SEQNUM, b"\x02"),
    ]
    deliver = _part(b"text", esm_class=0, extra=extra)
    assert split_concat(deliver) == (ConcatInfo(0x1234, 3, 2), b"text")


@pytest.mark.parametrize(
    "extra",
    [
        [(TAG_SAR_MSG_REF_NUM, b"\x12\x34"), (TAG_SAR_TOTAL_SEGMENTS, b"\x03")],
        [
            (TAG_SAR_MSG_REF_NUM, b"\x12"),
            (TAG_SAR_TOTAL_SEGMENTS, b"\x03"),
            (TAG_SAR_SEGMENT_SEQNUM, b"\x02"),
        ],
        [
            (TAG_SAR_MSG_REF_NUM, b"\x12\x34"),
            (TAG_SAR_TOTAL_SEGMENTS, b"\x03"),
            (TAG_SAR_SEGMENT_SEQNUM, b"\x09"),
        ],
    ],
)
def test_incomplete_or_bad_sar_ignored(extra: list[tuple[int, bytes]]) -> None:
    assert split_concat(_part(b"text", esm_class=0, extra=extra)) == (None, b"text")


def test_udh_concat_wins_over_sar() -> None:
    extra = [
        (TAG_SAR_MSG_REF_NUM, b"\x00\x01"),
        (TAG_SAR_TOTAL_SEGMENTS, b"\x02"),
        (TAG_SAR_SEGMENT_SEQNUM, b"\x01"),
    ]
    info, _ = split_concat(_part(udh_concat8(5, 4, 3) + b"x", extra=extra))
    assert info == ConcatInfo(5, 4, 3)


# Builders


def test_deliver_sm_resp() -> None:
    data = deliver_sm_resp(7)
    assert data == struct.pack(">IIII", 17, DELIVER_SM_RESP, 0, 7) + b"\x00"
    assert parse_header(data) == PduHeader(17, DELIVER_SM_RESP, 0, 7)


def test_deliver_sm_resp_with_status() -> None:
    assert parse_header(deliver_sm_resp(0xFFFFFFFF, 0x64)).command_status == 0x64


def test_generic_nack() -> None:
    assert generic_nack(3, 2) == struct.pack(">IIII", 16, GENERIC_NACK, 2, 3)


# QUERY_SM_RESP


def test_query_sm_resp() -> None:
    body = cstr("100001") + cstr("240815123000012+") + bytes([2, 0])
    assert parse_query_sm_resp(body) == ("100001", "240815123000012+", 2, 0)


def test_query_sm_resp_empty_final_date() -> None:
    body = cstr("100001") + cstr("") + bytes([1, 0])
    assert parse_query_sm_resp(body) == ("100001", None, 1, 0)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", ("", None, None, None)),
        (b"100001", ("", None, None, None)),
        (cstr("100001"), ("100001", None, None, None)),
        (cstr("100001") + cstr("x") + b"\x05", ("100001", "x", 5, None)),
    ],
)
def test_query_sm_resp_tolerant(
    body: bytes, expected: tuple[str, str | None, int | None, int | None]
) -> None:
    assert parse_query_sm_resp(body) == expected


# Fuzz


@given(st.binary(max_size=300))
def test_parse_deliver_sm_only_raises_pdu_error(data: bytes) -> None:
    try:
        deliver = parse_deliver_sm(data)
    except PduError:
        return
    info, text = split_concat(deliver)
    assert isinstance(text, bytes)
    if info is not None:
        assert 1 <= info.seq <= info.total


@given(st.binary(max_size=100))
def test_parse_query_sm_resp_never_raises(data: bytes) -> None:
    message_id, _, _, _ = parse_query_sm_resp(data)
    assert isinstance(message_id, str)


@given(st.binary(max_size=64))
def test_parse_header_only_raises_pdu_error(data: bytes) -> None:
    try:
        header = parse_header(data)
    except PduError:
        return
    assert 16 <= header.length <= MAX_PDU_LENGTH
