"""Build raw DELIVER_SM bodies and PDUs for tests, any field, TLV or UDH."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import struct

from custom_components.smscentre.smsc.smpp.pdu import DELIVER_SM


def cstr(value: str | bytes) -> bytes:
    """A C-octet string."""
    raw = value.encode("latin-1") if isinstance(value, str) else value
    return raw + b"\x00"


def tlv(tag: int, value: bytes) -> bytes:
    """One TLV."""
    return struct.pack(">HH", tag, len(value)) + value


def tlvs(items: Mapping[int, bytes] | Iterable[tuple[int, bytes]]) -> bytes:
    """Several TLVs, in order."""
    pairs = items.items() if isinstance(items, Mapping) else items
    return b"".join(tlv(tag, value) for tag, value in pairs)


def udh_concat8(ref: int, total: int, seq: int) -> bytes:
    """UDH with the 8-bit reference concatenation IE."""
    return bytes([5, 0x00, 3, ref, total, seq])


def udh_concat16(ref: int, total: int, seq: int) -> bytes:
    """UDH with the 16-bit reference concatenation IE."""
    return bytes([6, 0x08, 4, ref >> 8, ref & 0xFF, total, seq])


def deliver_sm_body(
    short_message: bytes = b"",
    *,
    source: str = "79991234567",
    dest: str = "SMSC",
    service_type: str = "",
    source_ton: int = 1,
    source_npi: int = 1,
    dest_ton: int = 1,
    dest_npi: int = 1,
    esm_class: int = 0,
    protocol_id: int = 0,
    priority_flag: int = 0,
    schedule: str = "",
    validity: str = "",
    registered_delivery: int = 0,
    replace_if_present: int = 0,
    data_coding: int = 0,
    sm_default_msg_id: int = 0,
    sm_length: int | None = None,
    extra: Mapping[int, bytes] | Iterable[tuple[int, bytes]] = (),
    tail: bytes = b"",
) -> bytes:
    """A DELIVER_SM body; `sm_length` overrides the real length, `tail` is appended raw."""
    return (
        cstr(service_type)
        + bytes([source_ton, source_npi])
        + cstr(source)
        + bytes([dest_ton, dest_npi])
        + cstr(dest)
        + bytes([esm_class, protocol_id, priority_flag])
        + cstr(schedule)
        + cstr(validity)
        + bytes([registered_delivery, replace_if_present, data_coding, sm_default_msg_id])
        + bytes([len(short_message) if sm_length is None else sm_length])
        + short_message
        + tlvs(extra)
        + tail
    )


def receipt_body(
    text: str,
    *,
    source: str = "79991234567",
    esm_class: int = 0x04,
    extra: Mapping[int, bytes] | Iterable[tuple[int, bytes]] = (),
    data_coding: int = 0,
) -> bytes:
    """A delivery receipt DELIVER_SM body (the SMSC's source is the original recipient)."""
    return deliver_sm_body(
        text.encode("latin-1"),
        source=source,
        dest="SENDER",
        esm_class=esm_class,
        data_coding=data_coding,
        extra=extra,
    )


def pdu(body: bytes, *, command_id: int = DELIVER_SM, status: int = 0, sequence: int = 1) -> bytes:
    """A whole PDU around a body."""
    return struct.pack(">IIII", 16 + len(body), command_id, status, sequence) + body
