"""DELIVER_SM body -> IncomingMessage / DeliveryReport / HlrResult callbacks.

The link hands every DELIVER_SM body here and answers DELIVER_SM_RESP with the status
returned. Nothing raises out of `handle_deliver_sm`: an SMSC that gets no (or an error)
response redelivers the same PDU forever, so garbage is logged (rate-limited) and
acknowledged.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
import hashlib
import logging
import time
from typing import Any

from ..dedup import Deduplicator
from ..encoding import decode_text
from ..incoming import IncomingMessage, text_digest
from ..reports import (
    FINAL_STATUSES,
    STATUS_SEVERITY,
    UNKNOWN,
    DeliveryReport,
    HlrResult,
    now_utc,
    sum_costs,
)
from ..tracker import SentRecord, annotate_hlr, annotate_report
from .pdu import (
    ESME_ROK,
    TAG_RECEIPTED_MESSAGE_ID,
    DeliverSm,
    PduError,
    parse_deliver_sm,
    split_concat,
)
from .reassembly import Reassembler
from .receipts import is_hlr, parse_hlr, parse_report

_LOGGER = logging.getLogger(__name__)

DATA_CODING_UCS2 = 8
# How long a flushed fold is remembered so that a part's report arriving later is passed on
# by itself instead of opening a new fold that would wait the whole timeout again.
FINISHED_FOLD_TTL = 3600.0
# The same incoming text from the same sender within this window is a redelivery after a
# reconnect, not a new message. Short on purpose: an alarm panel repeating "ALARM" after
# two minutes must still be heard.
DEDUP_TTL = 120.0
LOG_INTERVAL = 3600.0


def _key_text(key: tuple[Any, ...]) -> str:
    """A duplicate key as the digest of its parts: it is stored across restarts, and a
    digest holds no phone number or text."""
    joined = "\x1f".join(part.hex() if isinstance(part, bytes) else str(part) for part in key)
    return hashlib.blake2b(joined.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class _LogLimiter:
    """Log each kind of problem once, then at most once per interval with a count."""

    def __init__(self, clock: Callable[[], float], interval: float = LOG_INTERVAL) -> None:
        self._clock = clock
        self._interval = interval
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def log(self, level: int, kind: str, msg: str, *args: object, exc_info: bool = False) -> None:
        now = self._clock()
        last = self._last.get(kind)
        if last is not None and now - last < self._interval:
            self._suppressed[kind] = self._suppressed.get(kind, 0) + 1
            _LOGGER.debug(msg, *args)
            return
        self._last[kind] = now
        suppressed = self._suppressed.pop(kind, 0)
        if suppressed:
            msg += " (%d more since last logged)"
            args = (*args, suppressed)
        _LOGGER.log(level, msg, *args, exc_info=exc_info)


@dataclass(slots=True)
class _Fold:
    record: SentRecord
    deadline: float
    reports: dict[str, DeliveryReport] = field(default_factory=dict)


def _severity(status: str) -> int:
    return STATUS_SEVERITY.get(status, STATUS_SEVERITY[UNKNOWN])


def _receipt_text(deliver: DeliverSm) -> str:
    """Receipts are ASCII; UCS2 is read as such in case an SMSC sends one that way."""
    payload = deliver.payload
    if deliver.data_coding == DATA_CODING_UCS2:
        return payload.decode("utf-16-be", errors="replace")
    return payload.decode("latin-1")


def _optional_id(deliver: DeliverSm) -> str | None:
    value = deliver.tlvs.get(TAG_RECEIPTED_MESSAGE_ID)
    if not value:
        return None
    return value.split(b"\x00", 1)[0].decode("latin-1").strip() or None


def fold_reports(record: SentRecord, reports: dict[str, DeliveryReport]) -> DeliveryReport:
    """One report for a message sent in parts that each got their own id (SINGLE).

    The status is the worst of the parts'; a part with no report counts as "unknown" (its
    delivery was never confirmed). Cost is summed when every part reported one.
    """
    ids = list(dict.fromkeys(record.message_ids))
    parts = [reports[i] for i in ids if i in reports]
    worst = max(parts, key=lambda r: _severity(r.status))
    folded = DeliveryReport(
        message_id=ids[0],
        stat=worst.stat,
        status=worst.status,
        error_code=worst.error_code,
        error=worst.error,
        text=worst.text,
        message_state=worst.message_state,
        network_error_code=worst.network_error_code,
        message_type=worst.message_type,
        parts=record.parts,
        recipient=record.recipient,
        channel=record.channel,
        part_reports=parts,
    )
    missing = len(parts) < len(ids)
    if missing and _severity(UNKNOWN) > _severity(worst.status):
        folded.status = UNKNOWN
        folded.stat = folded.error = folded.message_state = None
        folded.error_code = None
    submitted = [r.submitted_at for r in parts if r.submitted_at is not None]
    done = [r.done_at for r in parts if r.done_at is not None]
    folded.submitted_at = min(submitted, default=None)
    folded.done_at = max(done, default=None)
    folded.cost = None if missing else sum_costs([r.cost for r in parts])
    return folded


class Receiver:
    """Turn DELIVER_SM bodies into incoming messages, delivery reports and HLR results.

    Call `expire()` every few seconds: it flushes multi-part messages whose parts stopped
    coming and single_status folds past their timeout.
    """

    def __init__(
        self,
        *,
        iso: bool,
        on_incoming: Callable[[IncomingMessage], None],
        on_report: Callable[[DeliveryReport, SentRecord | None], None],
        on_hlr: Callable[[HlrResult, SentRecord | None], None],
        lookup: Callable[[str], SentRecord | None],
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = now_utc,
        reassembly_timeout: float = 60.0,
        fold_timeout: float = 300.0,
        dedup_ttl: float = DEDUP_TTL,
    ) -> None:
        """Wire the callbacks; `clock` measures timeouts, `wall_clock` stamps messages."""
        self._iso = iso
        self._on_incoming = on_incoming
        self._on_report = on_report
        self._on_hlr = on_hlr
        self._lookup = lookup
        self._clock = clock
        self._wall_clock = wall_clock
        self._fold_timeout = fold_timeout
        self._reassembler = Reassembler(reassembly_timeout, clock)
        self._dedup = Deduplicator(dedup_ttl, clock)
        self._folds: OrderedDict[str, _Fold] = OrderedDict()
        self._finished_folds = Deduplicator(FINISHED_FOLD_TTL, clock)
        self._log = _LogLimiter(clock)
        self.stats: dict[str, int] = dict.fromkeys(
            ("incoming", "reports", "hlr", "duplicates", "malformed", "errors"), 0
        )

    @property
    def pending_messages(self) -> int:
        """Multi-part incoming messages waiting for parts."""
        return len(self._reassembler)

    @property
    def pending_reports(self) -> int:
        """Multi-part sent messages waiting for the reports of all their parts."""
        return len(self._folds)

    def handle_deliver_sm(self, body: bytes) -> int:
        """Handle one DELIVER_SM body; return the DELIVER_SM_RESP command_status. Never raises."""
        try:
            deliver = parse_deliver_sm(body)
        except PduError as err:
            self.stats["malformed"] += 1
            self._log.log(logging.WARNING, "malformed", "Ignored a malformed DELIVER_SM: %s", err)
            return ESME_ROK
        except Exception as err:  # anything else would make the SMSC redeliver it forever
            self.stats["malformed"] += 1
            self._log.log(
                logging.WARNING, "unreadable", "Ignored an unreadable DELIVER_SM: %r", err
            )
            return ESME_ROK
        try:
            if deliver.is_receipt:
                self._receipt(deliver)
            else:
                self._incoming(deliver)
        except Exception as err:  # a bug of ours must not block the SMSC's queue
            self.stats["errors"] += 1
            self._log.log(
                logging.ERROR,
                f"internal:{type(err).__name__}",
                "Error handling a DELIVER_SM",
                exc_info=True,
            )
        return ESME_ROK

    def expire(self) -> None:
        """Flush timed-out partial incoming messages and single_status folds."""
        try:
            for message in self._reassembler.expire():
                self._emit_incoming(message)
            now = self._clock()
            while self._folds:
                local_id, fold = next(iter(self._folds.items()))
                if fold.deadline > now:
                    break
                del self._folds[local_id]
                self._finished_folds.add(local_id)
                self._emit_report(fold_reports(fold.record, fold.reports), fold.record)
        except Exception as err:
            self.stats["errors"] += 1
            self._log.log(
                logging.ERROR,
                f"expire:{type(err).__name__}",
                "Error flushing pending messages",
                exc_info=True,
            )

    # Incoming messages

    def _incoming(self, deliver: DeliverSm) -> None:
        info, data = split_concat(deliver)
        text = decode_text(data, deliver.data_coding, iso=self._iso)
        sender, recipient = deliver.source_addr, deliver.dest_addr
        message_id = _optional_id(deliver)
        received_at = self._wall_clock()
        if info is None:
            if self._duplicate(("sms", sender, recipient, text_digest(text), message_id)):
                return
            self._emit_incoming(
                IncomingMessage(sender, recipient, text, 1, received_at, False, message_id)
            )
            return
        part_key = ("part", sender, recipient, info.ref, info.total, info.seq, text_digest(text))
        if self._duplicate(part_key):
            return
        message = self._reassembler.add(
            (sender, recipient),
            info,
            text,
            sender=sender,
            recipient=recipient,
            received_at=received_at,
            message_id=message_id,
        )
        if message is not None:
            self._emit_incoming(message)

    def _duplicate(self, key: tuple[Any, ...]) -> bool:
        if self._dedup.seen(_key_text(key)):
            self.stats["duplicates"] += 1
            _LOGGER.debug("Dropped a redelivered %s", key[0])
            return True
        return False

    def remembered(self) -> list[list[Any]]:
        """The duplicate keys remembered now, for storage: ``[key, wall-clock time added]``.

        An SMSC that got no answer to a DELIVER_SM delivers it again, also to the next Home
        Assistant process: kept across a restart, what was handled is not handled twice.
        """
        offset = self._wall_clock().timestamp() - self._clock()
        return [[key, added + offset] for key, added in self._dedup.as_list()]

    def remember(self, items: Iterable[Any]) -> None:
        """Restore ``remembered()`` output (expired and malformed items are dropped)."""
        offset = self._wall_clock().timestamp() - self._clock()
        converted = []
        for item in items:
            try:
                converted.append([str(item[0]), float(item[1]) - offset])
            except (TypeError, ValueError, IndexError):
                continue
        self._dedup.load(converted)

    def _emit_incoming(self, message: IncomingMessage) -> None:
        self.stats["incoming"] += 1
        self._call("on_incoming", self._on_incoming, message)

    # Receipts

    def _receipt(self, deliver: DeliverSm) -> None:
        text = _receipt_text(deliver)
        now = self._wall_clock()
        if is_hlr(deliver, text):
            result = parse_hlr(deliver, text, now=now)
            if self._duplicate(("hlr", result.message_id, text_digest(text))):
                return
            record = self._find(result.message_id)
            if record is not None:
                annotate_hlr(result, record)
            self.stats["hlr"] += 1
            self._call("on_hlr", self._on_hlr, result, record)
            return
        report = parse_report(deliver, text, now=now)
        key = ("report", report.message_id, report.message_state, text_digest(text))
        if self._duplicate(key):
            return
        record = self._find(report.message_id)
        if record is None:
            self._emit_report(report, None)
            return
        annotate_report(report, record)
        if len(set(record.message_ids)) > 1 and report.message_id in record.message_ids:
            self._fold(report, record)
            return
        self._emit_report(report, record)

    def _fold(self, report: DeliveryReport, record: SentRecord) -> None:
        fold = self._folds.get(record.local_id)
        if fold is None:
            if record.local_id in self._finished_folds:
                # The fold went out at its timeout; this part is late: pass it on alone.
                report.parts = 1
                self._emit_report(report, record)
                return
            fold = _Fold(record, self._clock() + self._fold_timeout)
            self._folds[record.local_id] = fold
        previous = fold.reports.get(report.message_id)
        # A final status is never replaced by a later intermediate one (e.g. ENROUTE).
        if (
            previous is None
            or previous.status not in FINAL_STATUSES
            or (report.status in FINAL_STATUSES)
        ):
            fold.reports[report.message_id] = report
        ids = set(record.message_ids)
        if all(
            (part := fold.reports.get(i)) is not None and part.status in FINAL_STATUSES for i in ids
        ):
            del self._folds[record.local_id]
            self._finished_folds.add(record.local_id)
            self._emit_report(fold_reports(record, fold.reports), record)

    def _emit_report(self, report: DeliveryReport, record: SentRecord | None) -> None:
        self.stats["reports"] += 1
        self._call("on_report", self._on_report, report, record)

    def _find(self, message_id: str) -> SentRecord | None:
        if not message_id:
            return None
        try:
            return self._lookup(message_id)
        except Exception as err:
            self.stats["errors"] += 1
            self._log.log(
                logging.ERROR,
                f"lookup:{type(err).__name__}",
                "Error looking up a sent message",
                exc_info=True,
            )
            return None

    def _call(self, name: str, callback: Callable[..., None], *args: object) -> None:
        try:
            callback(*args)
        except Exception as err:
            self.stats["errors"] += 1
            self._log.log(
                logging.ERROR,
                f"{name}:{type(err).__name__}",
                "Error in the %s callback",
                name,
                exc_info=True,
            )
