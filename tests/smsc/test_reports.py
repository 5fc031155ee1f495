"""Delivery report and HLR parsing: fields, dates, statuses, errors, vendor TLVs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, strategies as st
import pytest

from custom_components.smscentre.smsc.reports import (
    ERROR_TEXTS,
    EVENT_TYPES,
    MESSAGE_STATE_TO_STATUS,
    MESSAGE_TYPES,
    PROVIDER_TZ,
    STAT_TO_STATUS,
    DeliveryReport,
    HlrResult,
    error_text,
    parse_error_code,
    parse_fields,
    parse_smpp_date,
    status_for_stat,
    sum_costs,
    url_decode,
    worst_status,
)
from custom_components.smscentre.smsc.smpp.pdu import (
    TAG_COST,
    TAG_MESSAGE_FLAGS,
    TAG_MESSAGE_STATE,
    TAG_NETWORK_ERROR_CODE,
    TAG_PARTS,
    TAG_RECEIPTED_MESSAGE_ID,
    DeliverSm,
    parse_deliver_sm,
)
from custom_components.smscentre.smsc.smpp.receipts import is_hlr, parse_hlr, parse_report

from .pdu_builders import receipt_body

NOW = datetime(2020, 8, 11, 20, 0, tzinfo=UTC)
MSK = timezone(timedelta(hours=3))
PROVIDER_EXAMPLE = (
    "id:854019 sub:001 dlvrd:001 submit date:1108202241 done date:1108202241 stat:DELIVRD err:000"
)


def _deliver(text: str = "", **tlvs: bytes) -> DeliverSm:
    tags = {
        "receipted": TAG_RECEIPTED_MESSAGE_ID,
        "state": TAG_MESSAGE_STATE,
        "network": TAG_NETWORK_ERROR_CODE,
        "cost": TAG_COST,
        "flags": TAG_MESSAGE_FLAGS,
        "parts": TAG_PARTS,
    }
    extra = [(tags.get(name, 0), value) for name, value in tlvs.items()]
    return parse_deliver_sm(receipt_body(text, extra=extra))


# Tables


def test_provider_tz_is_moscow() -> None:
    assert PROVIDER_TZ.utcoffset(None) == timedelta(hours=3)


def test_event_types() -> None:
    assert EVENT_TYPES == (
        "delivered",
        "undeliverable",
        "expired",
        "rejected",
        "deleted",
        "accepted",
        "unknown",
    )
    assert set(STAT_TO_STATUS.values()) <= set(EVENT_TYPES)
    assert set(MESSAGE_STATE_TO_STATUS.values()) <= set(EVENT_TYPES)


@pytest.mark.parametrize(
    ("stat", "status"),
    [
        ("DELIVRD", "delivered"),
        ("UNDELIV", "undeliverable"),
        ("EXPIRED", "expired"),
        ("REJECTD", "rejected"),
        ("DELETED", "deleted"),
        ("ACCEPTD", "accepted"),
        ("ENROUTE", "accepted"),
        ("UNKNOWN", "unknown"),
        ("delivrd", "delivered"),
        ("BOGUS", "unknown"),
        ("", "unknown"),
        (None, "unknown"),
    ],
)
def test_status_for_stat(stat: str | None, status: str) -> None:
    assert status_for_stat(stat) == status


def test_message_state_table() -> None:
    assert MESSAGE_STATE_TO_STATUS == {
        1: "accepted",
        2: "delivered",
        3: "expired",
        4: "deleted",
        5: "undeliverable",
        6: "accepted",
        7: "unknown",
        8: "rejected",
    }


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (0, "No error"),
        (1, "Subscriber does not exist"),
        (6, "Subscriber is offline"),
        (220, "Operator's queue for the subscriber overflowed"),
        (253, "Rejected by the spam filter"),
        (255, "Rejected by the operator"),
        (7, None),
        (None, None),
    ],
)
def test_error_text(code: int | None, text: str | None) -> None:
    assert error_text(code) == text


def test_error_table_covers_spec() -> None:
    spec_codes = {0, 1, 6, 11, 12, 13, 21, 200, 219, 220, *range(240, 256)}
    assert set(ERROR_TEXTS) == spec_codes


def test_message_types() -> None:
    assert MESSAGE_TYPES[0] == "sms"
    assert MESSAGE_TYPES[4] == "hlr"
    assert MESSAGE_TYPES[7] == "call"
    assert MESSAGE_TYPES[8] == "email"
    assert MESSAGE_TYPES[10] == "viber"
    assert MESSAGE_TYPES[12] == "social"
    assert 9 not in MESSAGE_TYPES


def test_worst_status() -> None:
    assert worst_status(["delivered", "undeliverable", "delivered"]) == "undeliverable"
    assert worst_status(["delivered", "rejected", "expired"]) == "rejected"
    assert worst_status(["delivered", "expired"]) == "expired"
    assert worst_status(["delivered", "accepted"]) == "accepted"
    assert worst_status(["delivered"]) == "delivered"
    assert worst_status([]) == "unknown"


def test_sum_costs() -> None:
    assert sum_costs(["1.2500", "0.7500"]) == "2.0000"
    assert sum_costs([]) == "0"
    assert sum_costs(["1.0", None]) is None
    assert sum_costs(["1.0", "x"]) is None
    assert sum_costs(["NaN"]) is None


# Error codes


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("000", 0),
        ("001", 1),
        ("253", 253),
        ("00B", 11),
        ("0x0d", 13),
        ("", None),
        (None, None),
        ("zz", None),
        (" 006 ", 6),
    ],
)
def test_parse_error_code(raw: str | None, code: int | None) -> None:
    assert parse_error_code(raw) == code


# Dates


@pytest.mark.parametrize(
    ("text", "now", "expected"),
    [
        # The provider's example: day first, 11 Aug 2020 22:41 (Moscow).
        ("1108202241", NOW, datetime(2020, 8, 11, 22, 41, tzinfo=MSK)),
        # The same digits read year first are 20 Aug 2011: chosen when now is near it.
        (
            "1108202241",
            datetime(2011, 8, 21, tzinfo=UTC),
            datetime(2011, 8, 20, 22, 41, tzinfo=MSK),
        ),
        # SMPP appendix order, 12 digits with seconds.
        ("200811224105", NOW, datetime(2020, 8, 11, 22, 41, 5, tzinfo=MSK)),
        # Day-first with seconds.
        ("110820224105", NOW, datetime(2020, 8, 11, 22, 41, 5, tzinfo=MSK)),
        # Both orders valid (2020-12-31 vs 2031-12-20): the one closest to now wins.
        ("2012312359", NOW, datetime(2020, 12, 31, 23, 59, tzinfo=MSK)),
        ("3112202359", NOW, datetime(2020, 12, 31, 23, 59, tzinfo=MSK)),
        # SMPP absolute time: 12:30 at UTC+4 (16 quarter-hours) is 11:30 Moscow.
        ("240815123000016+", NOW, datetime(2024, 8, 15, 11, 30, tzinfo=MSK)),
        ("240815123000000-", NOW, datetime(2024, 8, 15, 15, 30, tzinfo=MSK)),
    ],
)
def test_parse_smpp_date(text: str, now: datetime, expected: datetime) -> None:
    value = parse_smpp_date(text, now=now)
    assert value == expected
    assert value is not None
    assert value.utcoffset() == timedelta(hours=3)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "abc",
        "12345",
        "123456789",
        "12345678901",
        "9999999999",  # no valid order
        "0000000000",
        "1313132561",
        "20081124xx",
        "\uff12\uff10\uff10\uff18\uff11\uff11\uff12\uff12\uff14\uff11",  # full-width digits
        "240815123000099+",  # offset beyond 12 hours
        "240815123000012R",  # relative time
        "241315123000012+",
    ],
)
def test_parse_smpp_date_garbage(text: str | None) -> None:
    assert parse_smpp_date(text, now=NOW) is None


def test_parse_smpp_date_naive_now_is_utc() -> None:
    assert parse_smpp_date("1108202241", now=NOW.replace(tzinfo=None)) == datetime(
        2020, 8, 11, 22, 41, tzinfo=MSK
    )


@given(st.text(max_size=20), st.datetimes(timezones=st.just(UTC)))
def test_parse_smpp_date_never_raises(text: str, now: datetime) -> None:
    value = parse_smpp_date(text, now=now)
    assert value is None or value.tzinfo is not None


@given(st.from_regex(r"\A\d{10}(\d\d)?\Z"), st.datetimes(timezones=st.just(UTC)))
def test_parse_smpp_date_digits_never_raise(text: str, now: datetime) -> None:
    parse_smpp_date(text, now=now)


# Field splitting


def test_parse_fields_provider_example() -> None:
    assert parse_fields(PROVIDER_EXAMPLE) == {
        "id": "854019",
        "sub": "001",
        "dlvrd": "001",
        "submit date": "1108202241",
        "done date": "1108202241",
        "stat": "DELIVRD",
        "err": "000",
    }


def test_parse_fields_any_order_and_case() -> None:
    fields = parse_fields("STAT:UNDELIV Err:001 done_date:2008112241 ID:abc")
    assert fields == {"stat": "UNDELIV", "err": "001", "done date": "2008112241", "id": "abc"}


def test_parse_fields_joined_date_keys() -> None:
    fields = parse_fields("submitdate:2008112241 DoneDate:2008112242")
    assert fields == {"submit date": "2008112241", "done date": "2008112242"}


def test_parse_fields_text_runs_to_end() -> None:
    fields = parse_fields("id:1 stat:DELIVRD err:000 text:Hello id:2 stat:x")
    assert fields["id"] == "1"
    assert fields["stat"] == "DELIVRD"
    assert fields["text"] == "Hello id:2 stat:x"


def test_parse_fields_empty_values_and_junk() -> None:
    fields = parse_fields("id: stat:DELIVRD extra words err:000 cn:")
    assert fields == {"id": "", "stat": "DELIVRD", "err": "000", "cn": ""}


def test_parse_fields_key_inside_word_not_a_key() -> None:
    assert parse_fields("rnet:Beeline rcn:Russia") == {"rnet": "Beeline", "rcn": "Russia"}


# Reports


def test_parse_report_provider_example() -> None:
    report = parse_report(_deliver(PROVIDER_EXAMPLE), PROVIDER_EXAMPLE, now=NOW)
    assert report == DeliveryReport(
        message_id="854019",
        stat="DELIVRD",
        status="delivered",
        error_code=0,
        error="No error",
        submitted_at=datetime(2020, 8, 11, 22, 41, tzinfo=MSK),
        done_at=datetime(2020, 8, 11, 22, 41, tzinfo=MSK),
        sub="001",
        dlvrd="001",
        text=PROVIDER_EXAMPLE,
        recipient="79991234567",
    )


def test_parse_report_tlvs() -> None:
    text = "id:1 sub:001 dlvrd:000 submit date:2008112000 done date:2008112001 stat:UNDELIV err:001"
    deliver = _deliver(
        text,
        receipted=b"ABC123\x00",
        state=b"\x05",
        network=b"\x03\x00\x01",
        cost=b"2.5000\x00",
        flags=(0x0120 | 7).to_bytes(2),
        parts=b"\x00\x03",
        x=b"\x01",
    )
    report = parse_report(deliver, text, now=NOW)
    assert report.message_id == "ABC123"  # receipted_message_id wins over the text
    assert report.status == "undeliverable"
    assert report.message_state == 5
    assert report.network_error_code == "030001"
    assert report.error_code == 1
    assert report.error == "Subscriber does not exist"
    assert report.cost == "2.5000"
    assert report.message_type == "call"
    assert report.parts == 3
    assert report.extra_tlvs == {0: b"\x01"}
    assert report.submitted_at == datetime(2020, 8, 11, 20, 0, tzinfo=MSK)
    assert report.done_at == datetime(2020, 8, 11, 20, 1, tzinfo=MSK)


def test_parse_report_state_tlv_fills_missing_stat() -> None:
    report = parse_report(_deliver("", receipted=b"9\x00", state=b"\x08"), "", now=NOW)
    assert report.message_id == "9"
    assert report.stat == "REJECTD"
    assert report.status == "rejected"


def test_parse_report_text_stat_wins_over_state_tlv() -> None:
    text = "id:9 stat:DELIVRD"
    report = parse_report(_deliver(text, state=b"\x05"), text, now=NOW)
    assert report.status == "delivered"


def test_parse_report_network_error_fills_missing_err() -> None:
    text = "id:9 stat:UNDELIV"
    report = parse_report(_deliver(text, network=b"\x03\x00\x06"), text, now=NOW)
    assert report.error_code == 6
    assert report.error == "Subscriber is offline"


def test_parse_report_hex_err() -> None:
    text = "id:9 stat:UNDELIV err:00D"
    assert parse_report(_deliver(text), text, now=NOW).error_code == 13


def test_parse_report_unknown_error_code_has_no_text() -> None:
    text = "id:9 stat:UNDELIV err:042"
    report = parse_report(_deliver(text), text, now=NOW)
    assert report.error_code == 42
    assert report.error is None


def test_parse_report_empty() -> None:
    report = parse_report(_deliver(""), "", now=NOW)
    assert report.message_id == ""
    assert report.status == "unknown"
    assert report.stat is None
    assert report.error_code is None
    assert report.submitted_at is None


def test_parse_report_garbage_dates_kept_raw() -> None:
    text = "id:1 submit date:garbage done date:99999 stat:DELIVRD err:000"
    report = parse_report(_deliver(text), text, now=NOW)
    assert report.submitted_at is None
    assert report.done_at is None
    assert report.text == text
    assert report.status == "delivered"


def test_parse_report_odd_tlv_sizes() -> None:
    deliver = _deliver("id:1", state=b"", network=b"\x03", flags=b"", parts=b"", cost=b"\x00")
    report = parse_report(deliver, "id:1", now=NOW)
    assert report.message_state is None
    assert report.network_error_code == "03"
    assert report.error_code is None
    assert report.message_type is None
    assert report.parts is None
    assert report.cost is None


def test_parse_report_unknown_message_type() -> None:
    report = parse_report(_deliver("id:1", flags=b"\x00\x09"), "id:1", now=NOW)
    assert report.message_type is None


def test_report_as_event_data() -> None:
    report = parse_report(_deliver(PROVIDER_EXAMPLE, cost=b"1.5\x00"), PROVIDER_EXAMPLE, now=NOW)
    report.channel = "sms"
    assert report.as_event_data() == {
        "message_id": "854019",
        "recipient": "79991234567",
        "status": "delivered",
        "stat": "DELIVRD",
        "error_code": 0,
        "error": "No error",
        "submitted_at": "2020-08-11T22:41:00+03:00",
        "done_at": "2020-08-11T22:41:00+03:00",
        "parts": None,
        "channel": "sms",
        "cost": "1.5",
    }


def test_report_as_event_data_channel_from_message_type() -> None:
    report = parse_report(_deliver("id:1", flags=b"\x00\x0a"), "id:1", now=NOW)
    assert report.as_event_data()["channel"] == "viber"


@given(st.text(max_size=200))
def test_parse_report_never_raises(text: str) -> None:
    report = parse_report(_deliver(), text, now=NOW)
    assert report.status in EVENT_TYPES


@given(
    st.dictionaries(
        st.sampled_from(["receipted", "state", "network", "cost", "flags", "parts"]),
        st.binary(max_size=8),
    )
)
def test_parse_report_any_tlvs_never_raises(tlvs: dict[str, bytes]) -> None:
    text = PROVIDER_EXAMPLE
    report = parse_report(_deliver(text, **tlvs), text, now=NOW)
    assert report.status in EVENT_TYPES


# HLR

HLR_TEXT = (
    "id:855469 stat:DELIVRD err:000 imsi:250023012345678 msc:79010000000 mcc:250 mnc:02 "
    "cn:%D0%A0%D0%BE%D1%81%D1%81%D0%B8%D1%8F net:MegaFon+PJSC rcn: rnet:"
)


def test_parse_hlr() -> None:
    result = parse_hlr(_deliver(HLR_TEXT), HLR_TEXT, now=NOW)
    assert result == HlrResult(
        message_id="855469",
        status="delivered",
        stat="DELIVRD",
        error_code=0,
        error="No error",
        imsi="250023012345678",
        msc="79010000000",
        mcc="250",
        mnc="02",
        country="Россия",
        network="MegaFon PJSC",
        roaming_country=None,
        roaming_network=None,
        phone="79991234567",
        text=HLR_TEXT,
    )


def test_parse_hlr_provider_short_example() -> None:
    text = "id:855469 stat:DELIVRD err:000 imsi:250023012345678"
    result = parse_hlr(_deliver(text), text, now=NOW)
    assert result.imsi == "250023012345678"
    assert result.mcc is None
    assert result.country is None


def test_parse_hlr_error() -> None:
    text = "id:7 stat:UNDELIV err:001 imsi: msc: mcc: mnc: cn: net: rcn: rnet:"
    result = parse_hlr(_deliver(text, receipted=b"77\x00"), text, now=NOW)
    assert result.message_id == "77"
    assert result.status == "undeliverable"
    assert result.error == "Subscriber does not exist"
    assert result.imsi is None


def test_parse_hlr_state_and_network_tlvs() -> None:
    result = parse_hlr(
        _deliver("imsi:1", state=b"\x02", network=b"\x03\x00\x0d"), "imsi:1", now=NOW
    )
    assert result.stat == "DELIVRD"
    assert result.error_code == 13


def test_hlr_as_event_data() -> None:
    data = parse_hlr(_deliver(HLR_TEXT), HLR_TEXT, now=NOW).as_event_data()
    assert data == {
        "message_id": "855469",
        "phone": "79991234567",
        "status": "delivered",
        "stat": "DELIVRD",
        "error_code": 0,
        "error": "No error",
        "imsi": "250023012345678",
        "msc": "79010000000",
        "mcc": "250",
        "mnc": "02",
        "country": "Россия",
        "network": "MegaFon PJSC",
        "roaming_country": None,
        "roaming_network": None,
    }


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("Russia", "Russia"),
        ("United+Kingdom", "United Kingdom"),
        ("A%2BB", "A+B"),
        ("%D0%91%D0%B8%D0%BB%D0%B0%D0%B9%D0%BD", "Билайн"),
        ("%C1%E8%EB%E0%E9%ED", "Билайн"),  # Windows-1251
        ("%", "%"),
        ("%ZZ", "%ZZ"),
        ("", None),
        ("+", None),
        (None, None),
    ],
)
def test_url_decode(raw: str | None, decoded: str | None) -> None:
    assert url_decode(raw) == decoded


@pytest.mark.parametrize(
    ("text", "tlvs", "expected"),
    [
        (HLR_TEXT, {}, True),
        ("id:1 stat:DELIVRD mcc:250", {}, True),
        ("id:1 stat:DELIVRD err:000", {"flags": b"\x00\x04"}, True),
        ("id:1 stat:DELIVRD err:000", {"flags": b"\x01\x24"}, True),  # other flag bits set
        (PROVIDER_EXAMPLE, {}, False),
        (PROVIDER_EXAMPLE, {"flags": b"\x00\x00"}, False),
        ("", {}, False),
        ("text:imsi:123", {}, False),
    ],
)
def test_is_hlr(text: str, tlvs: dict[str, bytes], expected: bool) -> None:
    assert is_hlr(_deliver(text, **tlvs), text) is expected


@given(st.text(max_size=200))
def test_parse_hlr_never_raises(text: str) -> None:
    result = parse_hlr(_deliver(), text, now=NOW)
    assert result.status in EVENT_TYPES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Day 35 does not exist: only year-first reads, 2035-02-15.
        ("3502151200", datetime(2035, 2, 15, 12, 0, tzinfo=MSK)),
        # 2024-02-30 does not exist: only day-first reads, 2030-02-24.
        ("2402301200", datetime(2030, 2, 24, 12, 0, tzinfo=MSK)),
        # Month 13 either way.
        ("2013011200", None),
        # Hour 25.
        ("2008112500", None),
    ],
)
def test_parse_smpp_date_single_valid_order(text: str, expected: datetime | None) -> None:
    assert parse_smpp_date(text, now=NOW) == expected
