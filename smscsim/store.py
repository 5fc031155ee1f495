"""The message store: every SUBMIT_SM, the messages they make (long ones reassembled), the
record of each message id, and the counters.

With ``history`` set only the latest ``history`` submits, messages and records are kept (the
benchmark's memory and garbage collection stay flat); the counters always count everything.
Messages sent over the HTTP API are kept here too (`add`), under the same message-id counter.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
import itertools
import time
from typing import Any

from .model import Message, MessageRecord, Submit
from .session import Session

RATE_WINDOW = 1.0  # s; ``busiest_second`` counts SUBMIT_SMs within any window this long


class MessageStore:
    """What the simulator accepted, and how many of everything it received."""

    def __init__(self, *, history: int | None, message_id_start: int) -> None:
        if history is not None and history < 0:
            raise ValueError("history must be None or at least 0")
        self.history = history
        self.submit_count = 0
        self.accepted_count = 0
        self.message_count = 0
        self.status_counts: Counter[int | None] = Counter()  # None: the response was dropped
        self.first_submit_at: float | None = None
        self.last_submit_at: float | None = None
        # the most SUBMIT_SMs received within any RATE_WINDOW; ``_window_stamps`` holds the
        # monotonic stamps of the last RATE_WINDOW only (bounded by the rate, not the volume)
        self.busiest_second = 0
        self.rate_clock: Callable[[], float] = time.monotonic  # tests pass a fake one
        self._window_stamps: deque[float] = deque()
        self.submits: list[Submit] = []
        self.accepted: list[Submit] = []
        self._messages: list[Message] = []
        self._open_groups: dict[tuple[Any, ...], Message] = {}
        self._records: dict[str, MessageRecord] = {}
        self._message_ids = itertools.count(message_id_start)
        # trimmed with the store's history: keep, limit (the HTTP API's records)
        self.trimmers: list[Callable[[int, int], None]] = []
        # called with each message once it is complete (its last part accepted, or sent over
        # HTTP): an observer that keeps only what it needs while ``history`` keeps nothing
        self.listeners: list[Callable[[Message], None]] = []
        # parts accepted again while their message was still arriving (a new message opened)
        self.repeated_parts = 0
        # submits accepted and never answered (``drop_responses``): few, kept whatever history
        self.unanswered: list[Submit] = []

    @property
    def open_messages(self) -> int:
        """Long messages with parts missing (still arriving, or never to be complete)."""
        return len(self._open_groups)

    def _complete(self, message: Message) -> None:
        for listener in self.listeners:
            listener(message)

    def new_id(self) -> str:
        """The next message id (SMPP and HTTP share the counter)."""
        return str(next(self._message_ids))

    # -- observation
    def messages(self) -> list[Message]:
        """Accepted messages (long ones reassembled), in order of their first part."""
        return list(self._messages)

    def count_text(self, text: str) -> int:
        return sum(1 for m in self._messages if m.complete and m.text == text)

    def record(self, message_id: str) -> MessageRecord | None:
        return self._records.get(message_id)

    # -- SUBMIT_SM
    def received(self, submit: Submit) -> None:
        """Count a SUBMIT_SM as it comes, accepted or not (the provider's limit is on
        requests)."""
        now = submit.received_at
        self.submits.append(submit)
        self.submit_count += 1
        if self.first_submit_at is None:
            self.first_submit_at = now
        self.last_submit_at = now
        stamps = self._window_stamps
        mono = self.rate_clock()
        stamps.append(mono)
        edge = mono - RATE_WINDOW
        while stamps[0] <= edge:
            stamps.popleft()
        self.busiest_second = max(self.busiest_second, len(stamps))

    def answered(self, submit: Submit) -> None:
        """Count the status a SUBMIT_SM was answered with; keep the latest ``history``."""
        self.status_counts[submit.status] += 1
        if submit.status is None and submit.message_id is not None:
            self.unanswered.append(submit)
        if self.history is not None:
            self.forget_old(self.history)

    def accept(self, session: Session, submit: Submit, now: float) -> tuple[MessageRecord, bool]:
        """Assign the message id, group parts into messages; (record, receipt due)."""
        self.accepted.append(submit)
        self.accepted_count += 1
        concat = submit.udh
        if concat is None or concat.total <= 1:
            message_id = self.new_id()
            submit.message_id = message_id
            message = Message(
                submit.system_id,
                submit.source_addr,
                submit.destination_addr,
                submit.data_coding,
                1,
                message_id,
                submit.iso,
                None,
                False,
                [message_id],
                {1: submit},
            )
            self._messages.append(message)
            self.message_count += 1
            record = MessageRecord(
                message_id,
                submit.system_id,
                submit.source_addr,
                submit.destination_addr,
                now,
                1,
                message,
                session,
                submit.registered_delivery,
            )
            self._records[message_id] = record
            self._complete(message)
            return record, True

        key = (
            submit.system_id,
            submit.destination_addr,
            concat.ref16,
            concat.ref,
            concat.total,
        )
        group = self._open_groups.get(key)
        if group is not None and concat.seq in group.by_seq:
            self.repeated_parts += 1
        if group is None or concat.seq in group.by_seq:
            group = Message(
                submit.system_id,
                submit.source_addr,
                submit.destination_addr,
                submit.data_coding,
                concat.total,
                "",
                submit.iso,
                concat.ref,
                concat.ref16,
            )
            self._open_groups[key] = group
            self._messages.append(group)
            self.message_count += 1
        message = group
        message.by_seq[concat.seq] = submit
        complete = message.complete
        if complete:
            del self._open_groups[key]
            self._complete(message)
        if session.single:
            message_id = self.new_id()
            submit.message_id = message_id
            message.message_ids.append(message_id)
            if not message.message_id:
                message.message_id = message_id
            record = MessageRecord(
                message_id,
                submit.system_id,
                submit.source_addr,
                submit.destination_addr,
                now,
                1,
                message,
                session,
                submit.registered_delivery,
            )
            self._records[message_id] = record
            return record, True
        if not message.message_id:
            message.message_id = self.new_id()
            message.message_ids.append(message.message_id)
            self._records[message.message_id] = MessageRecord(
                message.message_id,
                submit.system_id,
                submit.source_addr,
                submit.destination_addr,
                now,
                concat.total,
                message,
                session,
            )
        record = self._records[message.message_id]
        record.registered_delivery |= submit.registered_delivery
        submit.message_id = message.message_id
        return record, complete

    def add(self, message: Message, record: MessageRecord) -> None:
        """A message accepted over the HTTP API (one per recipient; its id may repeat)."""
        self._messages.append(message)
        self.message_count += 1
        self._records.setdefault(record.message_id, record)
        self._complete(message)

    # -- memory
    def forget_old(self, keep: int) -> None:
        """Keep the latest ``keep`` submits, messages and records (amortised O(1): trims
        once a list holds twice that)."""
        limit = max(2 * keep, 1)
        for observed in (self.submits, self.accepted, self._messages):
            if len(observed) >= limit:
                del observed[: len(observed) - keep]
        for trim in self.trimmers:
            trim(keep, limit)
        records = self._records
        if len(records) >= limit:
            kept = dict(list(records.items())[len(records) - keep :]) if keep else {}
            for message in self._open_groups.values():  # long messages still arriving
                if message.message_id in records:
                    kept[message.message_id] = records[message.message_id]
            self._records = kept

    def reset(self) -> None:
        """Forget every submit, message and record, and zero the counters."""
        self.submits.clear()
        self.accepted.clear()
        self._messages.clear()
        self._records.clear()
        self._open_groups.clear()
        self.submit_count = self.accepted_count = self.message_count = 0
        self.repeated_parts = 0
        self.unanswered.clear()
        self.status_counts.clear()
        self.first_submit_at = self.last_submit_at = None
        self.busiest_second = 0
        self._window_stamps.clear()
