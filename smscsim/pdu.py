"""SMPP 3.4 wire format: constants and struct-based encoders/decoders.

Independent of aiosmpplib on purpose: the simulator is the oracle the client is tested against.
"""

from __future__ import annotations

from dataclasses import dataclass
import struct

HEADER = struct.Struct(">IIII")
HEADER_LEN = 16
MAX_PDU_LEN = 70_000  # a PDU longer than this is impossible: the session is closed
U8 = struct.Struct(">B")
U16 = struct.Struct(">H")
TLV_HEAD = struct.Struct(">HH")

# --- command ids
GENERIC_NACK = 0x80000000
BIND_RECEIVER = 0x00000001
BIND_RECEIVER_RESP = 0x80000001
BIND_TRANSMITTER = 0x00000002
BIND_TRANSMITTER_RESP = 0x80000002
QUERY_SM = 0x00000003
QUERY_SM_RESP = 0x80000003
SUBMIT_SM = 0x00000004
SUBMIT_SM_RESP = 0x80000004
DELIVER_SM = 0x00000005
DELIVER_SM_RESP = 0x80000005
UNBIND = 0x00000006
UNBIND_RESP = 0x80000006
BIND_TRANSCEIVER = 0x00000009
BIND_TRANSCEIVER_RESP = 0x80000009
ENQUIRE_LINK = 0x00000015
ENQUIRE_LINK_RESP = 0x80000015
RESPONSE_BIT = 0x80000000

BIND_MODES = {
    BIND_RECEIVER: "receiver",
    BIND_TRANSMITTER: "transmitter",
    BIND_TRANSCEIVER: "transceiver",
}
MODE_COMMANDS = {mode: cid for cid, mode in BIND_MODES.items()}

# --- command_status values used by the simulator
ESME_ROK = 0x00
ESME_RINVMSGLEN = 0x01
ESME_RINVCMDLEN = 0x02
ESME_RINVCMDID = 0x03
ESME_RINVBNDSTS = 0x04
ESME_RALYBND = 0x05
ESME_RSYSERR = 0x08
ESME_RINVDSTADR = 0x0B
ESME_RBINDFAIL = 0x0D
ESME_RINVPASWD = 0x0E
ESME_RINVSYSID = 0x0F
ESME_RSUBMITFAIL = 0x45
ESME_RTHROTTLED = 0x58
ESME_RQUERYFAIL = 0x67

# --- TLV tags
TLV_RECEIPTED_MESSAGE_ID = 0x001E
TLV_SC_INTERFACE_VERSION = 0x0210
TLV_SAR_MSG_REF_NUM = 0x020C
TLV_SAR_TOTAL_SEGMENTS = 0x020E
TLV_SAR_SEGMENT_SEQNUM = 0x020F
TLV_NETWORK_ERROR_CODE = 0x0423
TLV_MESSAGE_PAYLOAD = 0x0424
TLV_MESSAGE_STATE = 0x0427
TLV_COST = 0x2000
TLV_TYPE_FLAGS = 0x2001
TLV_PARTS = 0x2002

# message_state values (SMPP 3.4 5.2.28) by receipt stat word
MESSAGE_STATES = {
    "ENROUTE": 1,
    "DELIVRD": 2,
    "EXPIRED": 3,
    "DELETED": 4,
    "UNDELIV": 5,
    "ACCEPTD": 6,
    "UNKNOWN": 7,
    "REJECTD": 8,
}


class PduError(ValueError):
    """A PDU body that cannot be parsed."""


def pdu(command_id: int, status: int, sequence: int, body: bytes = b"") -> bytes:
    """Encode one PDU."""
    return HEADER.pack(HEADER_LEN + len(body), command_id, status, sequence) + body


def cstr(value: str | bytes) -> bytes:
    """C-Octet string: the value and a NUL."""
    if isinstance(value, str):
        value = value.encode("latin-1", "replace")
    return value + b"\x00"


def read_cstr(body: bytes, offset: int) -> tuple[str, int]:
    """Read a C-Octet string at offset; return it (Latin-1 decoded) and the next offset."""
    try:
        end = body.index(0, offset)
    except ValueError:
        raise PduError("unterminated C-Octet string") from None
    return body[offset:end].decode("latin-1"), end + 1


def read_u8(body: bytes, offset: int) -> int:
    """Read one octet."""
    if offset >= len(body):
        raise PduError("truncated body")
    return body[offset]


def encode_tlvs(tlvs: dict[int, bytes] | None) -> bytes:
    """Encode optional parameters."""
    if not tlvs:
        return b""
    return b"".join(TLV_HEAD.pack(tag, len(value)) + value for tag, value in tlvs.items())


def parse_tlvs(body: bytes, offset: int) -> dict[int, bytes]:
    """Parse the optional parameters from offset to the end of the body."""
    tlvs: dict[int, bytes] = {}
    end = len(body)
    while offset < end:
        if offset + 4 > end:
            raise PduError("truncated TLV header")
        tag, length = TLV_HEAD.unpack_from(body, offset)
        offset += 4
        if offset + length > end:
            raise PduError("truncated TLV value")
        tlvs[tag] = body[offset : offset + length]
        offset += length
    return tlvs


@dataclass(slots=True)
class SmBody:
    """The body of a SUBMIT_SM or DELIVER_SM (same layout)."""

    service_type: str
    source_addr_ton: int
    source_addr_npi: int
    source_addr: str
    dest_addr_ton: int
    dest_addr_npi: int
    destination_addr: str
    esm_class: int
    protocol_id: int
    priority_flag: int
    schedule_delivery_time: str
    validity_period: str
    registered_delivery: int
    replace_if_present_flag: int
    data_coding: int
    sm_default_msg_id: int
    short_message: bytes
    tlvs: dict[int, bytes]


_SM_MID = struct.Struct(">BBB")
_SM_TAIL = struct.Struct(">BBBBB")


def parse_sm(body: bytes) -> SmBody:
    """Parse a SUBMIT_SM / DELIVER_SM body; raise PduError on garbage."""
    return SmBody(*parse_sm_fields(body))


type SmFields = tuple[
    str,
    int,
    int,
    str,
    int,
    int,
    str,
    int,
    int,
    int,
    str,
    str,
    int,
    int,
    int,
    int,
    bytes,
    dict[int, bytes],
]


def parse_sm_fields(body: bytes) -> SmFields:
    """The SmBody fields of a SUBMIT_SM / DELIVER_SM body, in order, as a tuple."""
    service_type, off = read_cstr(body, 0)
    if off + 2 > len(body):
        raise PduError("truncated body")
    s_ton = body[off]
    s_npi = body[off + 1]
    source, off = read_cstr(body, off + 2)
    if off + 2 > len(body):
        raise PduError("truncated body")
    d_ton = body[off]
    d_npi = body[off + 1]
    dest, off = read_cstr(body, off + 2)
    if off + 3 > len(body):
        raise PduError("truncated body")
    esm_class, protocol_id, priority = _SM_MID.unpack_from(body, off)
    schedule, off = read_cstr(body, off + 3)
    validity, off = read_cstr(body, off)
    if off + 5 > len(body):
        raise PduError("truncated body")
    registered, replace, data_coding, default_id, sm_length = _SM_TAIL.unpack_from(body, off)
    off += 5
    if off + sm_length > len(body):
        raise PduError("short_message longer than the body")
    short_message = body[off : off + sm_length]
    off += sm_length
    tlvs = parse_tlvs(body, off) if off < len(body) else {}
    return (
        service_type,
        s_ton,
        s_npi,
        source,
        d_ton,
        d_npi,
        dest,
        esm_class,
        protocol_id,
        priority,
        schedule,
        validity,
        registered,
        replace,
        data_coding,
        default_id,
        short_message,
        tlvs,
    )


def encode_sm(
    *,
    source: str,
    destination: str,
    short_message: bytes,
    data_coding: int = 0,
    esm_class: int = 0,
    registered_delivery: int = 0,
    source_ton: int | None = None,
    source_npi: int | None = None,
    dest_ton: int | None = None,
    dest_npi: int | None = None,
    service_type: str = "",
    protocol_id: int = 0,
    priority_flag: int = 0,
    schedule: str = "",
    validity: str = "",
    tlvs: dict[int, bytes] | None = None,
) -> bytes:
    """Encode a SUBMIT_SM / DELIVER_SM body (over 254 octets goes into message_payload).

    TON/NPI default to 1/1 (international, ISDN) for digits, 5/0 (alphanumeric) otherwise.
    """
    if source_ton is None:
        source_ton, default_npi = (1, 1) if source.isdigit() else (5, 0)
        if source_npi is None:
            source_npi = default_npi
    if source_npi is None:
        source_npi = 1
    if dest_ton is None:
        dest_ton = 1 if destination.isdigit() or not destination else 5
    if dest_npi is None:
        dest_npi = 1 if dest_ton == 1 else 0
    if len(short_message) > 254:
        tlvs = {**(tlvs or {}), TLV_MESSAGE_PAYLOAD: short_message}
        short_message = b""
    return b"".join(
        (
            cstr(service_type),
            bytes((source_ton, source_npi)),
            cstr(source),
            bytes((dest_ton, dest_npi)),
            cstr(destination),
            bytes((esm_class, protocol_id, priority_flag)),
            cstr(schedule),
            cstr(validity),
            bytes((registered_delivery, 0, data_coding, 0, len(short_message))),
            short_message,
            encode_tlvs(tlvs),
        )
    )


@dataclass(frozen=True, slots=True)
class Concat:
    """Concatenation info of one part: from a UDH (IE 0x00 / 0x08) or SAR TLVs."""

    ref: int
    total: int
    seq: int
    ref16: bool = False
    header_len: int = 0  # octets of UDH to skip in short_message (0 for SAR)
    sar: bool = False


def parse_concat(esm_class: int, short_message: bytes, tlvs: dict[int, bytes]) -> Concat | None:
    """Concatenation info of a part, or None for a single-part message."""
    if esm_class & 0x40 and short_message:
        udhl = short_message[0]
        end = 1 + udhl
        if end > len(short_message):
            return None
        off = 1
        found: Concat | None = None
        while off + 2 <= end:
            iei = short_message[off]
            iel = short_message[off + 1]
            data = short_message[off + 2 : off + 2 + iel]
            if iei == 0x00 and iel == 3 and len(data) == 3:
                found = Concat(data[0], data[1], data[2], False, end)
            elif iei == 0x08 and iel == 4 and len(data) == 4:
                found = Concat((data[0] << 8) | data[1], data[2], data[3], True, end)
            off += 2 + iel
        if found is None:
            return Concat(0, 1, 1, False, end)  # a UDH without concatenation: one part
        return found
    if TLV_SAR_MSG_REF_NUM in tlvs:
        try:
            ref = int.from_bytes(tlvs[TLV_SAR_MSG_REF_NUM], "big")
            total = tlvs[TLV_SAR_TOTAL_SEGMENTS][0]
            seq = tlvs[TLV_SAR_SEGMENT_SEQNUM][0]
        except (KeyError, IndexError):
            return None
        return Concat(ref, total, seq, True, 0, True)
    return None


def udh_concat(ref: int, total: int, seq: int, *, ref16: bool = False) -> bytes:
    """A UDH holding only the concatenation IE."""
    if ref16:
        return bytes((6, 0x08, 4, (ref >> 8) & 0xFF, ref & 0xFF, total, seq))
    return bytes((5, 0x00, 3, ref & 0xFF, total, seq))
