"""The SMPP 3.4 wire format in one place: command ids, statuses, TLV tags, tolerant parsing
of what the SMSC sends and the PDUs we build ourselves (SUBMIT_SM, QUERY_SM, responses).

aiosmpplib's own DELIVER_SM parsing breaks on vendor command statuses, odd receipt dates,
16-bit concatenation references and more than 9 parts, so the session hands the raw
DELIVER_SM body to us. Nothing here trusts a length field further than the bytes at hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import struct
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..message import MessageSpec

HEADER_LENGTH = 16
# SMPP allows any length, real PDUs stay far below this: a bigger one is a framing error.
MAX_PDU_LENGTH = 65536 + 1024

# Command ids
GENERIC_NACK = 0x80000000
QUERY_SM = 0x00000003
QUERY_SM_RESP = 0x80000003
SUBMIT_SM = 0x00000004
SUBMIT_SM_RESP = 0x80000004
DELIVER_SM = 0x00000005
DELIVER_SM_RESP = 0x80000005
UNBIND = 0x00000006
UNBIND_RESP = 0x80000006
ENQUIRE_LINK = 0x00000015
ENQUIRE_LINK_RESP = 0x80000015
BIND_RESP = frozenset({0x80000001, 0x80000002, 0x80000009})  # receiver, transmitter, trx

# Command statuses we answer with or act on
ESME_ROK = 0x00000000
ESME_RINVMSGLEN = 0x00000001
ESME_RINVCMDLEN = 0x00000002
ESME_RINVCMDID = 0x00000003
ESME_RALYBND = 0x00000005
ESME_RSYSERR = 0x00000008
ESME_RBINDFAIL = 0x0000000D
ESME_RINVPASWD = 0x0000000E
ESME_RINVSYSID = 0x0000000F
ESME_RX_T_APPN = 0x00000064  # temporary application error: the SMSC retries later
ESME_RUNKNOWNERR = 0x000000FF
AUTH_STATUSES = frozenset({ESME_RINVPASWD, ESME_RINVSYSID})  # the login or password is wrong

# TLV tags
TAG_NETWORK_ERROR_CODE = 0x0423
TAG_MESSAGE_PAYLOAD = 0x0424
TAG_MESSAGE_STATE = 0x0427
TAG_RECEIPTED_MESSAGE_ID = 0x001E
TAG_SAR_MSG_REF_NUM = 0x020C
TAG_SAR_TOTAL_SEGMENTS = 0x020E
TAG_SAR_SEGMENT_SEQNUM = 0x020F
# SMS Center's vendor TLVs (its SMPP status page)
TAG_COST = 0x2000
TAG_MESSAGE_FLAGS = 0x2001
TAG_PARTS = 0x2002

ESM_UDHI = 0x40
ESM_TYPE_MASK = 0x3C
# esm_class bits 2-5 of a DELIVER_SM that carries a status rather than a message:
# SMSC delivery receipt, SME delivery acknowledgement, intermediate delivery notification.
RECEIPT_TYPES = frozenset({0x04, 0x08, 0x20})

# UDH information elements for concatenation (3GPP TS 23.040 §9.2.3.24.1 and .8)
IEI_CONCAT_8BIT = 0x00
IEI_CONCAT_16BIT = 0x08

# Bounds of C-octet strings, NUL included. SMPP 3.4 gives 6/21/17 octets; SMSCs are known to
# send longer addresses (alphanumeric and e-mail senders), so addresses get some slack, but
# a string that never ends within its bound is garbage, not a reason to read the whole body.
_SERVICE_TYPE_MAX = 16
_ADDRESS_MAX = 65
_TIME_MAX = 17
_MESSAGE_ID_MAX = 65

HEADER = struct.Struct(">IIII")
_TLV_HEAD = struct.Struct(">HH")


class PduError(ValueError):
    """The bytes are not a PDU we can read."""


@dataclass(slots=True)
class PduHeader:
    """The 16-octet header of every SMPP PDU."""

    length: int
    command_id: int
    command_status: int
    sequence: int


def parse_header(data: bytes) -> PduHeader:
    """Read a PDU header; any command id and any status (vendor ones >= 0x400 too)."""
    if len(data) < HEADER_LENGTH:
        raise PduError(f"header needs {HEADER_LENGTH} octets, got {len(data)}")
    length, command_id, command_status, sequence = HEADER.unpack_from(data)
    if not HEADER_LENGTH <= length <= MAX_PDU_LENGTH:
        raise PduError(f"impossible command_length {length}")
    return PduHeader(length, command_id, command_status, sequence)


@dataclass(frozen=True, slots=True)
class ConcatInfo:
    """Concatenation (multi-part) data of one part: reference, part count, 1-based number."""

    ref: int
    total: int
    seq: int


@dataclass(slots=True)
class DeliverSm:
    """The mandatory fields and TLVs of a DELIVER_SM body."""

    service_type: str = ""
    source_addr: str = ""
    source_ton: int = 0
    source_npi: int = 0
    dest_addr: str = ""
    dest_ton: int = 0
    dest_npi: int = 0
    esm_class: int = 0
    protocol_id: int = 0
    priority_flag: int = 0
    registered_delivery: int = 0
    data_coding: int = 0
    short_message: bytes = b""
    tlvs: dict[int, bytes] = field(default_factory=dict)

    @property
    def is_receipt(self) -> bool:
        """True for a delivery receipt / acknowledgement / intermediate notification."""
        return (self.esm_class & ESM_TYPE_MASK) in RECEIPT_TYPES

    @property
    def udhi(self) -> bool:
        """True when the payload starts with a user data header."""
        return bool(self.esm_class & ESM_UDHI)

    @property
    def payload(self) -> bytes:
        """message_payload when present (long messages), else short_message."""
        return self.tlvs.get(TAG_MESSAGE_PAYLOAD, self.short_message)


class _Reader:
    """Bounds-checked cursor over a body."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def octet(self, name: str) -> int:
        if self.pos >= len(self.data):
            raise PduError(f"body ends before {name}")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def cstring(self, name: str, bound: int) -> str:
        end = self.data.find(b"\x00", self.pos, self.pos + bound)
        if end < 0:
            raise PduError(f"{name} is not NUL-terminated within {bound} octets")
        value = self.data[self.pos : end].decode("latin-1")
        self.pos = end + 1
        return value

    def octets(self, name: str, count: int) -> bytes:
        if self.pos + count > len(self.data):
            raise PduError(f"{name} needs {count} octets, {len(self.data) - self.pos} left")
        value = self.data[self.pos : self.pos + count]
        self.pos += count
        return value


def parse_tlvs(data: bytes) -> dict[int, bytes]:
    """Read TLVs; unknown tags are kept, the first of a repeated tag wins.

    A truncated tail (a TLV running past the end) is dropped: what came before is still good.
    """
    tlvs: dict[int, bytes] = {}
    pos = 0
    end = len(data)
    while pos + _TLV_HEAD.size <= end:
        tag, length = _TLV_HEAD.unpack_from(data, pos)
        pos += _TLV_HEAD.size
        if pos + length > end:
            break
        tlvs.setdefault(tag, bytes(data[pos : pos + length]))
        pos += length
    return tlvs


def parse_deliver_sm(body: bytes) -> DeliverSm:
    """Parse a DELIVER_SM body (the PDU after its 16-octet header).

    Raises PduError when the mandatory part is truncated or a C-octet string never ends.
    """
    reader = _Reader(bytes(body))
    deliver = DeliverSm()
    deliver.service_type = reader.cstring("service_type", _SERVICE_TYPE_MAX)
    deliver.source_ton = reader.octet("source_addr_ton")
    deliver.source_npi = reader.octet("source_addr_npi")
    deliver.source_addr = reader.cstring("source_addr", _ADDRESS_MAX)
    deliver.dest_ton = reader.octet("dest_addr_ton")
    deliver.dest_npi = reader.octet("dest_addr_npi")
    deliver.dest_addr = reader.cstring("destination_addr", _ADDRESS_MAX)
    deliver.esm_class = reader.octet("esm_class")
    deliver.protocol_id = reader.octet("protocol_id")
    deliver.priority_flag = reader.octet("priority_flag")
    reader.cstring("schedule_delivery_time", _TIME_MAX)
    reader.cstring("validity_period", _TIME_MAX)
    deliver.registered_delivery = reader.octet("registered_delivery")
    reader.octet("replace_if_present_flag")
    deliver.data_coding = reader.octet("data_coding")
    reader.octet("sm_default_msg_id")
    sm_length = reader.octet("sm_length")
    deliver.short_message = reader.octets("short_message", sm_length)
    deliver.tlvs = parse_tlvs(reader.data[reader.pos :])
    return deliver


def _parse_udh(payload: bytes) -> tuple[ConcatInfo | None, bytes] | None:
    """Return (concat info or None, text after the UDH), or None when the UDH is malformed."""
    if not payload:
        return None
    udhl = payload[0]
    end = 1 + udhl
    if end > len(payload):
        return None
    info: ConcatInfo | None = None
    pos = 1
    while pos < end:
        if pos + 2 > end:
            return None
        iei, iel = payload[pos], payload[pos + 1]
        pos += 2
        if pos + iel > end:
            return None
        value = payload[pos : pos + iel]
        pos += iel
        if info is not None:
            continue
        if iei == IEI_CONCAT_8BIT and iel == 3:
            info = _valid_concat(value[0], value[1], value[2])
        elif iei == IEI_CONCAT_16BIT and iel == 4:
            info = _valid_concat(int.from_bytes(value[:2]), value[2], value[3])
    return info, payload[end:]


def _valid_concat(ref: int, total: int, seq: int) -> ConcatInfo | None:
    """A part of a single-part "message", or numbered outside 1..total, is not a part."""
    if total < 2 or not 1 <= seq <= total:
        return None
    return ConcatInfo(ref, total, seq)


def _sar_concat(tlvs: dict[int, bytes]) -> ConcatInfo | None:
    ref = tlvs.get(TAG_SAR_MSG_REF_NUM)
    total = tlvs.get(TAG_SAR_TOTAL_SEGMENTS)
    seq = tlvs.get(TAG_SAR_SEGMENT_SEQNUM)
    if ref is None or total is None or seq is None:
        return None
    if len(ref) != 2 or len(total) != 1 or len(seq) != 1:
        return None
    return _valid_concat(int.from_bytes(ref), total[0], seq[0])


def split_concat(deliver: DeliverSm) -> tuple[ConcatInfo | None, bytes]:
    """Return the concatenation data of a part (UDH first, then SAR TLVs) and its text octets.

    With UDHI set the UDH is removed from the text; a malformed UDH yields no concatenation
    and the whole payload, so nothing the sender wrote is lost.
    """
    payload = deliver.payload
    if deliver.udhi:
        parsed = _parse_udh(payload)
        if parsed is None:
            return None, payload
        info, text = parsed
        if info is not None:
            return info, text
        return _sar_concat(deliver.tlvs), text
    return _sar_concat(deliver.tlvs), payload


def build_pdu(command_id: int, sequence: int, body: bytes = b"", status: int = 0) -> bytes:
    """Return a whole PDU: header and body."""
    return HEADER.pack(HEADER_LENGTH + len(body), command_id, status, sequence) + body


def deliver_sm_resp(sequence: int, status: int = ESME_ROK) -> bytes:
    """DELIVER_SM_RESP; its message_id is unused in SMPP 3.4 and sent empty."""
    return build_pdu(DELIVER_SM_RESP, sequence, b"\x00", status)


def generic_nack(sequence: int, status: int) -> bytes:
    """GENERIC_NACK for a PDU we cannot read (sequence 0 when even the header is bad)."""
    return build_pdu(GENERIC_NACK, sequence, b"", status)


def unbind(sequence: int) -> bytes:
    """UNBIND."""
    return build_pdu(UNBIND, sequence)


def address_type(address: str) -> tuple[int, int]:
    """TON/NPI of an address: international number, alphanumeric sender or e-mail."""
    if not address:
        return 0, 0
    if address.isdigit():
        return 1, 1
    if "@" in address:
        return 0, 0
    return 5, 0


def submit_sm(spec: MessageSpec, index: int, source: str, sequence: int) -> bytes:
    """The SUBMIT_SM PDU of one part of a message (``source``: the account's sender when the
    message has none of its own). On the path of every part: built in one join."""
    _, destination, _, priority, own_source, coding, esm_class, parts, registered, _ = spec
    if own_source is not None:
        source = own_source
    part = parts[index]
    src_ton, src_npi = address_type(source)
    dst_ton, dst_npi = address_type(destination)
    body = b"".join(
        (
            b"\x00",
            bytes((src_ton, src_npi)),
            source.encode("ascii", "replace"),
            b"\x00",
            bytes((dst_ton, dst_npi)),
            destination.encode("ascii", "replace"),
            b"\x00",
            bytes((esm_class, 0, 1 if priority == 0 else 0)),
            b"\x00\x00",
            bytes((registered, 0, coding, 0, len(part))),
            part,
        )
    )
    return HEADER.pack(HEADER_LENGTH + len(body), SUBMIT_SM, 0, sequence) + body


def _c_octets(value: str, name: str, limit: int) -> bytes:
    """A C-octet string's octets: printable ASCII within ``limit``, so that nothing in it can
    end the field early and stand for the PDU's other fields (raises ValueError)."""
    if len(value) > limit or not value.isascii() or not value.isprintable():
        raise ValueError(f"{name} is not printable ASCII of at most {limit} characters")
    return value.encode("ascii") + b"\x00"


def query_sm(sequence: int, message_id: str, source: str) -> bytes:
    """QUERY_SM for a message id sent from ``source``."""
    ton, npi = address_type(source)
    body = b"".join(
        (
            _c_octets(message_id, "message_id", 64),
            bytes((ton, npi)),
            _c_octets(source, "source", 20),
        )
    )
    return build_pdu(QUERY_SM, sequence, body)


@dataclass(slots=True)
class QueryResult:
    """QUERY_SM_RESP."""

    message_id: str
    final_date: str
    message_state: int
    error_code: int


def parse_query_sm_resp(body: bytes) -> tuple[str, str | None, int | None, int | None]:
    """Return (message_id, final_date, message_state, error_code) of a QUERY_SM_RESP body.

    Tolerant: a missing or unterminated field and everything after it come back empty/None.
    final_date is the raw SMPP time text; ``reports.parse_smpp_date`` reads it.
    """
    reader = _Reader(bytes(body))
    message_id = ""
    final_date: str | None = None
    message_state: int | None = None
    error_code: int | None = None
    try:
        message_id = reader.cstring("message_id", _MESSAGE_ID_MAX)
        final_date = reader.cstring("final_date", _TIME_MAX) or None
        message_state = reader.octet("message_state")
        error_code = reader.octet("error_code")
    except PduError:
        pass
    return message_id, final_date, message_state, error_code


def query_result(body: bytes, status: int) -> QueryResult:
    """The QueryResult of a QUERY_SM_RESP; an error status gives message_state 0."""
    message_id, final_date, state, error = parse_query_sm_resp(body)
    return QueryResult(
        message_id, final_date or "", 0 if status != ESME_ROK else state or 0, error or 0
    )
