"""Receiver: raw DELIVER_SM bodies in, callbacks out; never raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
import logging

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.smscentre.smsc.incoming import IncomingMessage
from custom_components.smscentre.smsc.reports import DeliveryReport, HlrResult
from custom_components.smscentre.smsc.smpp.pdu import (
    TAG_COST,
    TAG_MESSAGE_FLAGS,
    TAG_MESSAGE_PAYLOAD,
    TAG_MESSAGE_STATE,
    TAG_PARTS,
    TAG_RECEIPTED_MESSAGE_ID,
    TAG_SAR_MSG_REF_NUM,
    TAG_SAR_SEGMENT_SEQNUM,
    TAG_SAR_TOTAL_SEGMENTS,
)
from custom_components.smscentre.smsc.smpp.reassembly import MISSING_PART
from custom_components.smscentre.smsc.smpp.receiver import Receiver, fold_reports
from custom_components.smscentre.smsc.tracker import SentRecord

from .pdu_builders import deliver_sm_body, receipt_body, udh_concat8, udh_concat16

WALL = datetime(2020, 8, 11, 19, 0, tzinfo=UTC)
MSK = timezone(timedelta(hours=3))
SENDER = "79991234567"


@dataclass
class Harness:
    """A Receiver with recording callbacks, a record table and a settable clock."""

    iso: bool = False
    now: float = 1000.0
    records: dict[str, SentRecord] = field(default_factory=dict)
    incoming: list[IncomingMessage] = field(default_factory=list)
    reports: list[tuple[DeliveryReport, SentRecord | None]] = field(default_factory=list)
    hlr: list[tuple[HlrResult, SentRecord | None]] = field(default_factory=list)
    receiver: Receiver = field(init=False)

    def __post_init__(self) -> None:
        self.receiver = Receiver(
            iso=self.iso,
            on_incoming=self.incoming.append,
            on_report=lambda report, record: self.reports.append((report, record)),
            on_hlr=lambda result, record: self.hlr.append((result, record)),
            lookup=self.records.get,
            clock=lambda: self.now,
            wall_clock=lambda: WALL,
        )

    def track(self, record: SentRecord) -> SentRecord:
        for message_id in record.message_ids:
            self.records[message_id] = record
        return record

    def feed(self, body: bytes) -> int:
        status = self.receiver.handle_deliver_sm(body)
        assert status == 0
        return status

    def text(self) -> str:
        (message,) = self.incoming
        return message.text


@pytest.fixture
def harness() -> Harness:
    return Harness()


def _record(*ids: str, local_id: str = "L1", channel: str = "sms") -> SentRecord:
    return SentRecord(
        local_id=local_id,
        recipient=SENDER,
        channel=channel,
        submitted_at=0.0,
        parts=len(ids),
        message_ids=list(ids),
    )


def _receipt(message_id: str, stat: str = "DELIVRD", err: str = "000", **kwargs: object) -> bytes:
    text = (
        f"id:{message_id} sub:001 dlvrd:001 submit date:2008112200 "
        f"done date:2008112201 stat:{stat} err:{err}"
    )
    return receipt_body(text, **kwargs)  # type: ignore[arg-type]


# Incoming SMS


def test_incoming_gsm(harness: Harness) -> None:
    harness.feed(deliver_sm_body(b"Hello \x00\x01\x1b\x65", dest="SMSC"))
    assert harness.incoming == [IncomingMessage(SENDER, "SMSC", "Hello @£€", 1, WALL)]
    assert harness.reports == []
    assert harness.receiver.stats["incoming"] == 1


def test_incoming_coding_0_iso_mode() -> None:
    harness = Harness(iso=True)
    harness.feed(deliver_sm_body(b"Caf\xe9 @"))
    assert harness.text() == "Café @"


@pytest.mark.parametrize("data_coding", [3, 4])
def test_incoming_latin1(harness: Harness, data_coding: int) -> None:
    harness.feed(deliver_sm_body(b"Caf\xe9", data_coding=data_coding))
    assert harness.text() == "Café"


def test_incoming_ucs2(harness: Harness) -> None:
    harness.feed(deliver_sm_body("Привет 👋".encode("utf-16-be"), data_coding=8))
    assert harness.text() == "Привет 👋"


def test_incoming_message_payload(harness: Harness) -> None:
    text = "x" * 300
    harness.feed(deliver_sm_body(b"", extra=[(TAG_MESSAGE_PAYLOAD, text.encode())]))
    assert harness.text() == text


def test_incoming_empty_text(harness: Harness) -> None:
    harness.feed(deliver_sm_body(b""))
    assert harness.text() == ""


def test_incoming_message_id_tlv(harness: Harness) -> None:
    harness.feed(deliver_sm_body(b"hi", extra=[(TAG_RECEIPTED_MESSAGE_ID, b"abc\x00")]))
    assert harness.incoming[0].message_id == "abc"


def test_incoming_vendor_and_unknown_tlvs_ignored(harness: Harness) -> None:
    extra = [(0x2000, b"0.5\x00"), (0x2001, b"\x00\x00"), (0x2002, b"\x00\x01"), (0x5555, b"?")]
    harness.feed(deliver_sm_body(b"hi", extra=extra))
    assert harness.text() == "hi"


def test_incoming_concat_8bit(harness: Harness) -> None:
    harness.feed(deliver_sm_body(udh_concat8(7, 2, 2) + b"world", esm_class=0x40))
    assert harness.incoming == []
    assert harness.receiver.pending_messages == 1
    harness.feed(deliver_sm_body(udh_concat8(7, 2, 1) + b"Hello ", esm_class=0x40))
    assert harness.text() == "Hello world"
    assert harness.incoming[0].parts == 2
    assert harness.receiver.pending_messages == 0


def test_incoming_concat_16bit_twelve_parts_out_of_order(harness: Harness) -> None:
    for seq in [12, 1, 11, 2, 10, 3, 9, 4, 8, 5, 7, 6]:
        payload = udh_concat16(0xA1B2, 12, seq) + f"{seq:02d} ".encode()
        harness.feed(deliver_sm_body(payload, esm_class=0x40))
    assert harness.text() == "".join(f"{seq:02d} " for seq in range(1, 13))
    assert harness.incoming[0].parts == 12


def test_incoming_concat_ucs2(harness: Harness) -> None:
    harness.feed(
        deliver_sm_body(
            udh_concat8(1, 2, 1) + "При".encode("utf-16-be"), esm_class=0x40, data_coding=8
        )
    )
    harness.feed(
        deliver_sm_body(
            udh_concat8(1, 2, 2) + "вет".encode("utf-16-be"), esm_class=0x40, data_coding=8
        )
    )
    assert harness.text() == "Привет"


def test_incoming_concat_sar(harness: Harness) -> None:
    for seq, text in ((2, b"B"), (1, b"A")):
        extra = [
            (TAG_SAR_MSG_REF_NUM, b"\x01\x00"),
            (TAG_SAR_TOTAL_SEGMENTS, b"\x02"),
            (TAG_SAR_SEGMENT_SEQNUM, bytes([seq])),
        ]
        harness.feed(deliver_sm_body(text, extra=extra))
    assert harness.text() == "AB"


def test_incoming_malformed_udh_keeps_payload(harness: Harness) -> None:
    harness.feed(deliver_sm_body(b"\x09abc", esm_class=0x40, data_coding=4))
    assert harness.text() == "\tabc"


def test_incoming_missing_part_flushed_incomplete(harness: Harness) -> None:
    harness.feed(deliver_sm_body(udh_concat8(3, 3, 1) + b"one ", esm_class=0x40))
    harness.feed(deliver_sm_body(udh_concat8(3, 3, 3) + b"three", esm_class=0x40))
    harness.now += 59
    harness.receiver.expire()
    assert harness.incoming == []
    harness.now += 1
    harness.receiver.expire()
    (message,) = harness.incoming
    assert message.incomplete
    assert message.text == f"one {MISSING_PART}three"
    assert message.parts == 3


def test_incoming_duplicate_suppressed(harness: Harness) -> None:
    body = deliver_sm_body(b"Alarm")
    harness.feed(body)
    harness.feed(body)
    assert len(harness.incoming) == 1
    assert harness.receiver.stats["duplicates"] == 1
    # Different text, sender or recipient is another message.
    harness.feed(deliver_sm_body(b"Alarm!"))
    harness.feed(deliver_sm_body(b"Alarm", source="79990000000"))
    harness.feed(deliver_sm_body(b"Alarm", dest="other"))
    assert len(harness.incoming) == 4
    # After the ttl the same text is a new message.
    harness.now += 119
    harness.feed(body)
    assert len(harness.incoming) == 4
    harness.now += 1
    harness.feed(body)
    assert len(harness.incoming) == 5


def test_incoming_same_text_distinct_message_ids_not_duplicates(harness: Harness) -> None:
    harness.feed(deliver_sm_body(b"ok", extra=[(TAG_RECEIPTED_MESSAGE_ID, b"1\x00")]))
    harness.feed(deliver_sm_body(b"ok", extra=[(TAG_RECEIPTED_MESSAGE_ID, b"2\x00")]))
    harness.feed(deliver_sm_body(b"ok", extra=[(TAG_RECEIPTED_MESSAGE_ID, b"2\x00")]))
    assert len(harness.incoming) == 2


def test_incoming_redelivered_parts_after_reconnect_suppressed(harness: Harness) -> None:
    parts = [deliver_sm_body(udh_concat8(9, 2, seq) + b"p", esm_class=0x40) for seq in (1, 2)]
    for body in parts:
        harness.feed(body)
    assert len(harness.incoming) == 1
    for body in parts:  # the SMSC sends them all again
        harness.feed(body)
    harness.now += 120
    harness.receiver.expire()
    assert len(harness.incoming) == 1
    assert harness.receiver.pending_messages == 0


# Delivery reports


def test_report_with_record(harness: Harness) -> None:
    record = harness.track(_record("100", "100", channel="viber"))
    harness.feed(_receipt("100", extra=[(TAG_COST, b"3.0000\x00")]))
    ((report, got),) = harness.reports
    assert got is record
    assert report.message_id == "100"
    assert report.status == "delivered"
    assert report.recipient == SENDER
    assert report.channel == "viber"
    assert report.parts == 2  # same id for both parts: one report for the message
    assert report.cost == "3.0000"
    assert report.submitted_at == datetime(2020, 8, 11, 22, 0, tzinfo=MSK)
    assert report.done_at == datetime(2020, 8, 11, 22, 1, tzinfo=MSK)
    assert report.as_event_data()["channel"] == "viber"


def test_report_without_record(harness: Harness) -> None:
    harness.feed(_receipt("999", stat="UNDELIV", err="001", source="79990000000"))
    ((report, record),) = harness.reports
    assert record is None
    assert report.status == "undeliverable"
    assert report.error == "Subscriber does not exist"
    assert report.recipient == "79990000000"
    assert report.parts is None


def test_report_parts_tlv_kept(harness: Harness) -> None:
    harness.track(_record("100"))
    harness.feed(_receipt("100", extra=[(TAG_PARTS, b"\x00\x04")]))
    assert harness.reports[0][0].parts == 4


def test_report_receipted_id_tlv_used_for_lookup(harness: Harness) -> None:
    record = harness.track(_record("ABC"))
    harness.feed(_receipt("123", extra=[(TAG_RECEIPTED_MESSAGE_ID, b"ABC\x00")]))
    assert harness.reports[0][1] is record


@pytest.mark.parametrize("esm_class", [0x04, 0x08, 0x20])
def test_report_kinds(harness: Harness, esm_class: int) -> None:
    harness.feed(_receipt("1", stat="ENROUTE", esm_class=esm_class))
    assert harness.reports[0][0].status == "accepted"
    assert harness.incoming == []


def test_report_ucs2_text(harness: Harness) -> None:
    text = "id:5 stat:EXPIRED err:000"
    harness.feed(deliver_sm_body(text.encode("utf-16-be"), esm_class=0x04, data_coding=8))
    assert harness.reports[0][0].status == "expired"


def test_report_only_tlvs(harness: Harness) -> None:
    extra = [(TAG_RECEIPTED_MESSAGE_ID, b"77\x00"), (TAG_MESSAGE_STATE, b"\x03")]
    harness.feed(deliver_sm_body(b"", esm_class=0x04, extra=extra))
    ((report, _),) = harness.reports
    assert (report.message_id, report.status, report.stat) == ("77", "expired", "EXPIRED")


def test_report_unparsable_dates_do_not_fail(harness: Harness) -> None:
    harness.feed(receipt_body("id:1 submit date:31/12/2020 done date:?? stat:DELIVRD err:000"))
    ((report, _),) = harness.reports
    assert report.status == "delivered"
    assert report.submitted_at is None


def test_report_duplicate_suppressed(harness: Harness) -> None:
    harness.feed(_receipt("1"))
    harness.feed(_receipt("1"))
    assert len(harness.reports) == 1
    harness.feed(_receipt("1", stat="UNDELIV"))  # a different status is news
    assert len(harness.reports) == 2


def test_report_lookup_error_still_reported(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(message_id: str) -> SentRecord | None:
        raise RuntimeError("store broken")

    harness.receiver._lookup = broken
    harness.feed(_receipt("1"))
    assert harness.reports[0][1] is None
    assert "Error looking up" in caplog.text


# single_status folding


def test_fold_single_status(harness: Harness) -> None:
    record = harness.track(_record("a1", "a2", "a3"))
    harness.feed(_receipt("a2", extra=[(TAG_COST, b"1.5\x00")]))
    harness.feed(_receipt("a1", extra=[(TAG_COST, b"1.5\x00")]))
    assert harness.reports == []
    assert harness.receiver.pending_reports == 1
    harness.feed(_receipt("a3", stat="UNDELIV", err="006", extra=[(TAG_COST, b"1.5\x00")]))
    ((report, got),) = harness.reports
    assert got is record
    assert report.message_id == "a1"
    assert report.status == "undeliverable"
    assert report.stat == "UNDELIV"
    assert report.error_code == 6
    assert report.error == "Subscriber is offline"
    assert report.parts == 3
    assert report.cost == "4.5"
    assert report.recipient == SENDER
    assert [p.message_id for p in report.part_reports] == ["a1", "a2", "a3"]
    data = report.as_event_data()
    assert data["parts"] == 3
    assert [p["status"] for p in data["part_reports"]] == [
        "delivered",
        "delivered",
        "undeliverable",
    ]
    assert harness.receiver.pending_reports == 0


def test_fold_all_delivered(harness: Harness) -> None:
    harness.track(_record("a1", "a2"))
    harness.feed(_receipt("a1"))
    harness.feed(_receipt("a2"))
    ((report, _),) = harness.reports
    assert report.status == "delivered"
    assert report.done_at == datetime(2020, 8, 11, 22, 1, tzinfo=MSK)


def test_fold_waits_for_final_status(harness: Harness) -> None:
    harness.track(_record("a1", "a2"))
    harness.feed(_receipt("a1", stat="ENROUTE", esm_class=0x20))
    harness.feed(_receipt("a2"))
    assert harness.reports == []
    harness.feed(_receipt("a1"))
    ((report, _),) = harness.reports
    assert report.status == "delivered"


def test_fold_final_not_replaced_by_intermediate(harness: Harness) -> None:
    harness.track(_record("a1", "a2"))
    harness.feed(_receipt("a1", stat="EXPIRED"))
    harness.feed(_receipt("a1", stat="ENROUTE", esm_class=0x20))
    harness.feed(_receipt("a2"))
    assert harness.reports[0][0].status == "expired"


def test_fold_timeout_emits_what_arrived(harness: Harness) -> None:
    harness.track(_record("a1", "a2", "a3"))
    harness.feed(_receipt("a1"))
    harness.feed(_receipt("a2"))
    harness.now += 299
    harness.receiver.expire()
    assert harness.reports == []
    harness.now += 1
    harness.receiver.expire()
    ((report, _),) = harness.reports
    # Two parts delivered, one never confirmed: the message is not known to be delivered.
    assert report.status == "unknown"
    assert report.stat is None
    assert report.parts == 3
    assert len(report.part_reports) == 2
    assert report.cost is None


def test_fold_timeout_keeps_worse_than_unknown(harness: Harness) -> None:
    harness.track(_record("a1", "a2"))
    harness.feed(_receipt("a1", stat="REJECTD", err="253"))
    harness.now += 300
    harness.receiver.expire()
    ((report, _),) = harness.reports
    assert report.status == "rejected"
    assert report.error == "Rejected by the spam filter"


def test_fold_late_part_passed_on_alone(harness: Harness) -> None:
    harness.track(_record("a1", "a2"))
    harness.feed(_receipt("a1"))
    harness.now += 300
    harness.receiver.expire()
    harness.feed(_receipt("a2", stat="UNDELIV"))
    assert len(harness.reports) == 2
    late = harness.reports[1][0]
    assert late.message_id == "a2"
    assert late.status == "undeliverable"
    assert late.parts == 1
    assert harness.receiver.pending_reports == 0


def test_fold_separate_messages(harness: Harness) -> None:
    harness.track(_record("a1", "a2", local_id="A"))
    harness.track(_record("b1", "b2", local_id="B"))
    harness.feed(_receipt("a1"))
    harness.feed(_receipt("b1"))
    harness.feed(_receipt("b2", stat="EXPIRED"))
    harness.feed(_receipt("a2"))
    assert [(r.message_id, r.status) for r, _ in harness.reports] == [
        ("b1", "expired"),
        ("a1", "delivered"),
    ]


def test_fold_reports_uses_record_order() -> None:
    record = _record("x", "y")
    y = DeliveryReport("y", stat="DELIVRD", status="delivered")
    x = DeliveryReport("x", stat="DELIVRD", status="delivered")
    folded = fold_reports(record, {"y": y, "x": x})
    assert folded.part_reports == [x, y]


# HLR


def test_hlr_result(harness: Harness) -> None:
    record = harness.track(_record("55", channel="hlr"))
    text = "id:55 stat:DELIVRD err:000 imsi:250023012345678 mcc:250 mnc:02 cn:Russia net:Mega+Fon"
    harness.feed(receipt_body(text))
    ((result, got),) = harness.hlr
    assert got is record
    assert result.imsi == "250023012345678"
    assert result.network == "Mega Fon"
    assert result.phone == SENDER
    assert harness.reports == []


def test_hlr_by_message_type_tlv(harness: Harness) -> None:
    harness.feed(_receipt("56", extra=[(TAG_MESSAGE_FLAGS, b"\x00\x04")]))
    assert len(harness.hlr) == 1
    assert harness.reports == []


def test_hlr_phone_from_record_when_missing(harness: Harness) -> None:
    harness.track(_record("57", channel="hlr"))
    harness.feed(receipt_body("id:57 stat:UNDELIV err:001 imsi:", source=""))
    assert harness.hlr[0][0].phone == SENDER


def test_hlr_duplicate_suppressed(harness: Harness) -> None:
    body = receipt_body("id:58 stat:DELIVRD err:000 imsi:1")
    harness.feed(body)
    harness.feed(body)
    assert len(harness.hlr) == 1


# Robustness


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x00",
        b"\xff" * 40,
        deliver_sm_body(b"abc", sm_length=200),
        deliver_sm_body(b"abc")[:10],
    ],
)
def test_garbage_acknowledged(harness: Harness, body: bytes) -> None:
    assert harness.receiver.handle_deliver_sm(body) == 0
    assert harness.receiver.stats["malformed"] == 1
    assert harness.incoming == harness.reports == harness.hlr == []


def test_non_bytes_acknowledged(harness: Harness) -> None:
    assert harness.receiver.handle_deliver_sm(None) == 0  # type: ignore[arg-type]


def test_garbage_logged_once_per_kind(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for _ in range(5):
        harness.receiver.handle_deliver_sm(b"\x01")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "malformed DELIVER_SM" in warnings[0].getMessage()
    harness.now += 3600
    harness.receiver.handle_deliver_sm(b"\x01")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "4 more since last logged" in warnings[1].getMessage()


def test_callback_error_acknowledged_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    def boom(*_: object) -> None:
        raise ValueError("bug in a listener")

    receiver = Receiver(
        iso=False,
        on_incoming=boom,
        on_report=boom,
        on_hlr=boom,
        lookup=lambda _: None,
        clock=lambda: 0.0,
    )
    assert receiver.handle_deliver_sm(deliver_sm_body(b"hi")) == 0
    assert receiver.handle_deliver_sm(_receipt("1")) == 0
    assert receiver.handle_deliver_sm(receipt_body("id:2 imsi:1")) == 0
    assert receiver.stats["errors"] == 3
    assert "Error in the on_incoming callback" in caplog.text
    assert "bug in a listener" in caplog.text


def test_internal_error_acknowledged(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    harness.receiver._reassembler = None  # type: ignore[assignment]
    body = deliver_sm_body(udh_concat8(1, 2, 1) + b"x", esm_class=0x40)
    assert harness.receiver.handle_deliver_sm(body) == 0
    assert harness.receiver.stats["errors"] == 1
    harness.receiver.expire()  # never raises either
    assert harness.receiver.stats["errors"] == 2
    assert "Error handling a DELIVER_SM" in caplog.text


def test_default_wall_clock_is_aware_utc() -> None:
    incoming: list[IncomingMessage] = []
    receiver = Receiver(
        iso=False,
        on_incoming=incoming.append,
        on_report=lambda *_: None,
        on_hlr=lambda *_: None,
        lookup=lambda _: None,
    )
    receiver.handle_deliver_sm(deliver_sm_body(b"hi"))
    assert incoming[0].received_at.utcoffset() == timedelta(0)


# Fuzz

_VALID_BODIES = [
    deliver_sm_body(b"Hello"),
    deliver_sm_body(udh_concat8(1, 3, 2) + b"part", esm_class=0x40),
    deliver_sm_body(
        udh_concat16(0x1234, 12, 11) + "часть".encode("utf-16-be"), esm_class=0x40, data_coding=8
    ),
    _receipt(
        "100",
        extra=[(TAG_COST, b"1.0\x00"), (TAG_MESSAGE_FLAGS, b"\x00\x00"), (TAG_PARTS, b"\x00\x02")],
    ),
    receipt_body("id:5 stat:DELIVRD err:000 imsi:25002 cn:%D0%A0 net:A+B"),
    deliver_sm_body(
        b"",
        esm_class=0x04,
        extra=[(TAG_RECEIPTED_MESSAGE_ID, b"a1\x00"), (TAG_MESSAGE_STATE, b"\x02")],
    ),
]


def _fuzz_harness() -> Harness:
    harness = Harness()
    harness.track(_record("a1", "a2", local_id="F"))
    harness.track(_record("100", "100", local_id="G"))
    return harness


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_fuzz_random_bytes(data: bytes) -> None:
    harness = _fuzz_harness()
    status = harness.receiver.handle_deliver_sm(data)
    assert isinstance(status, int)
    assert status == 0
    harness.now += 1000
    harness.receiver.expire()
    assert harness.receiver.stats["errors"] == 0


@st.composite
def mutated_bodies(draw: st.DrawFn) -> bytes:
    body = bytearray(draw(st.sampled_from(_VALID_BODIES)))
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        action = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "append"]))
        if not body:
            body.extend(draw(st.binary(min_size=1, max_size=8)))
            continue
        index = draw(st.integers(min_value=0, max_value=len(body) - 1))
        if action == "flip":
            body[index] ^= 1 << draw(st.integers(min_value=0, max_value=7))
        elif action == "set":
            body[index] = draw(st.integers(min_value=0, max_value=255))
        elif action == "insert":
            body[index:index] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del body[index]
        elif action == "truncate":
            del body[index:]
        else:
            body.extend(draw(st.binary(min_size=1, max_size=16)))
    return bytes(body)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutated_bodies(), min_size=1, max_size=5))
def test_fuzz_mutated_valid_bodies(bodies: list[bytes]) -> None:
    harness = _fuzz_harness()
    for body in bodies:
        status = harness.receiver.handle_deliver_sm(body)
        assert isinstance(status, int)
        assert status == 0
    harness.now += 1000
    harness.receiver.expire()
    # Mutations hit parsing limits, never a bug of ours.
    assert harness.receiver.stats["errors"] == 0
    for report, _ in harness.reports:
        report.as_event_data()
    for result, _ in harness.hlr:
        result.as_event_data()
    for message in harness.incoming:
        message.as_event_data()
