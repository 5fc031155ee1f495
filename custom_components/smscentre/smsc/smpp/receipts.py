"""DELIVER_SM receipts -> DeliveryReport / HlrResult: the receipt text and its TLVs.

Everything here is tolerant: a report the SMSC sends is a fact that already happened, so an
odd field never raises; it is kept raw and the parsed value is None.
"""

from __future__ import annotations

from datetime import datetime

from ..reports import (
    MESSAGE_STATE_TO_STAT,
    MESSAGE_TYPE_HLR,
    MESSAGE_TYPES,
    DeliveryReport,
    HlrResult,
    error_text,
    parse_error_code,
    parse_fields,
    parse_smpp_date,
    status_for_stat,
    url_decode,
)
from .pdu import (
    TAG_COST,
    TAG_MESSAGE_FLAGS,
    TAG_MESSAGE_STATE,
    TAG_NETWORK_ERROR_CODE,
    TAG_PARTS,
    TAG_RECEIPTED_MESSAGE_ID,
    DeliverSm,
)


def _cstring(value: bytes | None) -> str | None:
    if value is None:
        return None
    text = value.split(b"\x00", 1)[0].decode("latin-1").strip()
    return text or None


def _uint(value: bytes | None) -> int | None:
    if not value:
        return None
    return int.from_bytes(value[:4])


def _message_type(deliver: DeliverSm) -> int | None:
    flags = _uint(deliver.tlvs.get(TAG_MESSAGE_FLAGS))
    return None if flags is None else flags & 0x0F


def _network_error(value: bytes | None) -> tuple[str | None, int | None]:
    """(hex of the TLV, its error code): network type octet + 2-octet code (§5.3.2.31)."""
    if not value:
        return None, None
    code = int.from_bytes(value[1:3]) if len(value) == 3 else None
    return value.hex(), code


def _message_id(deliver: DeliverSm, fields: dict[str, str]) -> str:
    return _cstring(deliver.tlvs.get(TAG_RECEIPTED_MESSAGE_ID)) or fields.get("id") or ""


_CONSUMED_TAGS = frozenset(
    {
        TAG_RECEIPTED_MESSAGE_ID,
        TAG_MESSAGE_STATE,
        TAG_NETWORK_ERROR_CODE,
        TAG_COST,
        TAG_MESSAGE_FLAGS,
        TAG_PARTS,
    }
)


def parse_report(deliver: DeliverSm, text: str, *, now: datetime) -> DeliveryReport:
    """Read a delivery receipt from its TLVs and text; never raises.

    The receipted_message_id TLV wins over the text's `id:`; the text's `stat:` wins over the
    message_state TLV (it is the provider's own word), which fills in when `stat:` is missing.
    """
    report = DeliveryReport(message_id="", text=text)
    try:
        fields = parse_fields(text)
        tlvs = deliver.tlvs
        report.message_id = _message_id(deliver, fields)
        report.recipient = deliver.source_addr or None
        state = tlvs.get(TAG_MESSAGE_STATE)
        report.message_state = state[0] if state else None
        stat = fields.get("stat") or None
        if stat is None and report.message_state is not None:
            stat = MESSAGE_STATE_TO_STAT.get(report.message_state)
        report.stat = stat
        report.status = status_for_stat(stat)
        report.network_error_code, network_code = _network_error(tlvs.get(TAG_NETWORK_ERROR_CODE))
        code = parse_error_code(fields.get("err"))
        report.error_code = network_code if code is None else code
        report.error = error_text(report.error_code)
        report.submitted_at = parse_smpp_date(fields.get("submit date"), now=now)
        report.done_at = parse_smpp_date(fields.get("done date"), now=now)
        report.sub = fields.get("sub") or None
        report.dlvrd = fields.get("dlvrd") or None
        report.cost = _cstring(tlvs.get(TAG_COST))
        message_type = _message_type(deliver)
        report.message_type = None if message_type is None else MESSAGE_TYPES.get(message_type)
        report.parts = _uint(tlvs.get(TAG_PARTS))
        report.extra_tlvs = {tag: v for tag, v in tlvs.items() if tag not in _CONSUMED_TAGS}
    except Exception:  # a report must never break the receive path
        pass
    return report


def is_hlr(deliver: DeliverSm, text: str) -> bool:
    """True for an HLR result: vendor message type 4, or an `imsi:`/`mcc:` field."""
    if _message_type(deliver) == MESSAGE_TYPE_HLR:
        return True
    fields = parse_fields(text)
    return "imsi" in fields or "mcc" in fields


def parse_hlr(deliver: DeliverSm, text: str, *, now: datetime) -> HlrResult:
    """Read an HLR result; never raises. `now` is unused today, kept for symmetry."""
    del now
    result = HlrResult(message_id="", text=text)
    try:
        fields = parse_fields(text)
        result.message_id = _message_id(deliver, fields)
        result.phone = deliver.source_addr or None
        state = deliver.tlvs.get(TAG_MESSAGE_STATE)
        stat = fields.get("stat") or None
        if stat is None and state:
            stat = MESSAGE_STATE_TO_STAT.get(state[0])
        result.stat = stat
        result.status = status_for_stat(stat)
        _, network_code = _network_error(deliver.tlvs.get(TAG_NETWORK_ERROR_CODE))
        code = parse_error_code(fields.get("err"))
        result.error_code = network_code if code is None else code
        result.error = error_text(result.error_code)
        result.imsi = fields.get("imsi") or None
        result.msc = fields.get("msc") or None
        result.mcc = fields.get("mcc") or None
        result.mnc = fields.get("mnc") or None
        result.country = url_decode(fields.get("cn"))
        result.network = url_decode(fields.get("net"))
        result.roaming_country = url_decode(fields.get("rcn"))
        result.roaming_network = url_decode(fields.get("rnet"))
    except Exception:  # a result must never break the receive path
        pass
    return result
