"""What we sent, by SMSC message id: delivery reports and HLR results are matched against it.

Records live ``ttl`` seconds (3 days by default, the longest a delivery report may reasonably
take) and are kept in the order they were added, so expiring is O(expired). At most
``max_records`` are kept (the oldest go first): a heavy sender's map, kept in memory and
rewritten on every save, stays bounded (50,000 records: about 25 MiB and a 6 MB file). A
report for a record gone still becomes an event, without what only the record knew.

The tracker must survive a restart: the Home Assistant layer saves ``as_dict()`` with a
delayed save whenever ``on_change`` fires and rebuilds it with ``from_dict()``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
import logging
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .message import OutboundMessage
    from .reports import DeliveryReport, HlrResult

_LOGGER = logging.getLogger(__name__)

DEFAULT_TTL = 3 * 24 * 3600.0
DEFAULT_MAX_RECORDS = 50_000
STORAGE_VERSION = 1
# delivery report statuses that mean the message did not reach its recipient
FAILED_STATUSES = frozenset({"undeliverable", "rejected", "expired", "deleted"})


@dataclass(slots=True)
class SentRecord:
    """One message accepted by the SMSC."""

    local_id: str
    recipient: str
    channel: str
    submitted_at: float  # wall clock, when the last part was acknowledged
    parts: int
    message_ids: list[str]  # distinct SMSC ids of its parts (one id for all parts by default)
    status: str | None = None  # the latest delivery report's status, once one came

    @classmethod
    def from_message(cls, message: OutboundMessage) -> SentRecord:
        """Build the record of a sent ``OutboundMessage`` (ids of suppressed parts are None)."""
        ids = list(dict.fromkeys(i for i in message.message_ids if i is not None))
        return cls(
            local_id=message.local_id,
            recipient=message.recipient,
            channel=str(message.channel),
            submitted_at=message.finished_at or time.time(),
            parts=len(message.parts),
            message_ids=ids,
        )


def annotate_report(report: DeliveryReport, record: SentRecord) -> None:
    """Add what only the sender knows to a report of its message (SMPP and HTTP alike)."""
    report.recipient = record.recipient
    report.channel = record.channel
    if not report.parts:
        report.parts = record.parts


def annotate_hlr(result: HlrResult, record: SentRecord) -> None:
    """Add the number asked about to an HLR result that lacks it."""
    if not result.phone:
        result.phone = record.recipient


# local_id, recipient, channel, submitted_at, parts, message ids
type _Row = tuple[str, str, str, float, int, tuple[str, ...]]


class SentTracker:
    """Map SMSC message id -> SentRecord, bounded by age."""

    def __init__(
        self,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.time,
        on_change: Callable[[], None] | None = None,
        max_records: int = DEFAULT_MAX_RECORDS,
    ) -> None:
        """Start empty."""
        if max_records < 1:
            raise ValueError("max_records must be at least 1")
        self.ttl = ttl
        self.max_records = max_records
        self._clock = clock
        self.on_change = on_change
        # Records are kept as plain tuples of strings and numbers, which the cyclic garbage
        # collector stops tracking: days of sent messages never slow its passes down.
        self._records: OrderedDict[str, _Row] = OrderedDict()  # local_id, oldest first
        self._by_id: dict[str, str] = {}  # SMSC message id -> local_id
        self._status: dict[str, str] = {}  # local_id -> latest delivery report status
        self.failed_reports = 0  # messages a delivery report declared undelivered

    def __len__(self) -> int:
        """Number of records kept."""
        return len(self._records)

    def __contains__(self, message_id: object) -> bool:
        """Whether an SMSC message id is known."""
        return message_id in self._by_id

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def _insert(self, record: SentRecord) -> None:
        local_id = record.local_id
        old = self._records.pop(local_id, None)
        if old is not None:
            self._unindex(old)
        ids = tuple(record.message_ids)
        self._records[local_id] = (
            local_id,
            record.recipient,
            record.channel,
            record.submitted_at,
            record.parts,
            ids,
        )
        for message_id in ids:
            self._by_id[message_id] = local_id
        records = self._records
        while len(records) > self.max_records:  # the oldest go: O(1) each
            self._unindex(records.popitem(last=False)[1])

    def _unindex(self, row: _Row) -> None:
        by_id = self._by_id
        local_id = row[0]
        self._status.pop(local_id, None)
        for message_id in row[5]:
            if by_id.get(message_id) == local_id:
                del by_id[message_id]

    def add(self, record: SentRecord) -> None:
        """Keep a record; a record with the same local_id replaces the older one."""
        self._insert(record)
        self._changed()

    def get(self, message_id: str) -> SentRecord | None:
        """Return (a copy of) the record holding this SMSC message id."""
        local_id = self._by_id.get(message_id)
        return None if local_id is None else self.get_local(local_id)

    def get_local(self, local_id: str) -> SentRecord | None:
        """Return (a copy of) the record of one of our local ids."""
        row = self._records.get(local_id)
        if row is None:
            return None
        return SentRecord(
            row[0], row[1], row[2], row[3], row[4], list(row[5]), self._status.get(local_id)
        )

    def set_status(self, local_id: str, status: str) -> bool:
        """Note a delivery report's status; True when the message newly counts as failed."""
        if local_id not in self._records:
            return False
        old = self._status.get(local_id)
        self._status[local_id] = status
        newly_failed = status in FAILED_STATUSES and old not in FAILED_STATUSES
        if newly_failed:
            self.failed_reports += 1
        if old != status:
            self._changed()
        return newly_failed

    def expire(self, now: float | None = None) -> int:
        """Drop records older than ``ttl``; return how many went. O(expired)."""
        if now is None:
            now = self._clock()
        limit = now - self.ttl
        records = self._records
        dropped = 0
        while records:
            row = next(iter(records.values()))
            if row[3] > limit:
                break
            records.popitem(last=False)
            self._unindex(row)
            dropped += 1
        if dropped:
            self._changed()
        return dropped

    def as_dict(self) -> dict[str, Any]:
        """Return a compact JSON-able form (one array per record).

        The records are immutable tuples, handed over as they are: building this is a list
        copy (milliseconds for 100,000 records) and safe to serialize in another thread.
        """
        return {
            "version": STORAGE_VERSION,
            "records": list(self._records.values()),
            "status": dict(self._status),
            "failed_reports": self.failed_reports,
        }

    def load(self, data: Mapping[str, Any] | None) -> None:
        """Add the records of ``as_dict()`` output; malformed entries are skipped.

        Raises ValueError or TypeError, before anything is changed, for data that is no such
        output (unknown version, records not a list): its caller moves the file aside.
        """
        if not data:
            return
        if data.get("version") != STORAGE_VERSION:
            raise ValueError(f"sent-message records of unknown version {data.get('version')!r}")
        rows = data.get("records") or []
        if not isinstance(rows, list):
            raise TypeError("the sent-message records are not a list")
        skipped = 0
        for row in rows:
            try:
                local_id, recipient, channel, submitted_at, parts, ids = row
                record = SentRecord(
                    str(local_id),
                    str(recipient),
                    str(channel),
                    float(submitted_at),
                    int(parts),
                    [str(i) for i in ids],
                )
            except (TypeError, ValueError):
                skipped += 1
                continue
            self._insert(record)
        if skipped:
            _LOGGER.warning("Skipped %d malformed sent-message records", skipped)
        status = data.get("status")
        if isinstance(status, Mapping):
            self._status.update(
                (str(k), str(v)) for k, v in status.items() if str(k) in self._records
            )
        failed = data.get("failed_reports")
        if isinstance(failed, int) and not isinstance(failed, bool):
            self.failed_reports = max(self.failed_reports, failed)

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any] | None,
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.time,
        on_change: Callable[[], None] | None = None,
        max_records: int = DEFAULT_MAX_RECORDS,
    ) -> SentTracker:
        """Rebuild a tracker from ``as_dict()`` output, dropping what expired meanwhile."""
        tracker = cls(ttl, clock, max_records=max_records)
        tracker.load(data)
        tracker.expire()
        tracker.on_change = on_change
        return tracker
