"""What the run did and what the simulator saw, kept small enough for hours at 50/s+.

Every outgoing message carries a tag (``#O<n>``) in its text and every incoming one ``#I<n>``;
HLR lookups go to numbers of their own. The ledger keeps, per tag, what the action answered;
the simulator's store calls `smsc_message` with each complete message (its own lists keep
nothing: ``history=0``), and the ledger keeps per (tag, recipient) when and how it came.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
import re
import time
from typing import Any

from smscsim import SmscSimulator
from smscsim.model import Message

TAG = re.compile(r"#([OI]\d+)")
HLR_PREFIX = "7998"  # HLR lookups go to 7998xxxxxxx, one number each


def report_key(message_id: str, recipient: str) -> str:
    """What names a delivery report: the message id and the recipient's digits. An id alone
    is not enough: the id the integration gives a message sent over HTTP (a digest of its
    local id) can equal the SMSC's id of another message sent over SMPP."""
    return f"{message_id}/{''.join(ch for ch in recipient if ch.isdigit())}"


@dataclass(slots=True)
class Call:
    """One action call: its messages' recipients, when it was made, what it answered."""

    tag: str
    kind: str
    recipients: tuple[str, ...]
    at: float
    outcome: str = "pending"  # accepted, refused, failed, lost, down
    error: str = ""
    statuses: tuple[str, ...] = ()  # each message's status in the answer
    answered_at: float = 0.0


@dataclass(slots=True)
class Arrival:
    """One message as the simulator accepted it."""

    at: float  # its first SUBMIT_SM (or its HTTP request)
    via: str  # smpp, or http
    message_id: str
    port: int  # which SMPP listener (0: HTTP)


@dataclass
class Ledger:
    """Calls made, messages injected, messages the simulator accepted, faults seen."""

    calls: dict[str, Call] = field(default_factory=dict)
    arrivals: dict[tuple[str, str], list[Arrival]] = field(default_factory=dict)
    untagged: int = 0  # accepted messages with no tag (none expected)
    incoming: dict[str, float] = field(default_factory=dict)  # tag -> when injected
    hlr_calls: dict[str, Call] = field(default_factory=dict)  # number -> its call
    # report_key(message id, recipient) -> (tag, recipient)
    receipts_expected: dict[str, tuple[str, str]] = field(default_factory=dict)
    hlr_ids: dict[str, str] = field(default_factory=dict)  # message id -> number
    refusals: Counter[str] = field(default_factory=Counter)  # error key -> calls refused
    per_second: Counter[int] = field(default_factory=Counter)  # accepted messages / second
    sim: SmscSimulator | None = None
    _next: int = 0

    def tag(self, prefix: str) -> str:
        self._next += 1
        return f"{prefix}{self._next}"

    def attach(self, sim: SmscSimulator) -> None:
        self.sim = sim
        sim.store.listeners.append(self.smsc_message)

    def smsc_message(self, message: Message) -> None:
        """The simulator accepted a complete message (its last part, or over HTTP)."""
        now = time.time()
        if message.by_seq:
            first = min(message.by_seq)
            at = message.by_seq[first].received_at
            record = self.sim.store.record(message.message_id) if self.sim else None
            port = record.session.local_port if record and record.session else 0
            via = "smpp"
        else:
            at, port, via = now, 0, "http"
        self.per_second[int(now)] += 1
        text = message.text
        if text.startswith("__HLR__") or message.destination.startswith(HLR_PREFIX):
            key = ("hlr", message.destination)
            self.hlr_ids[message.message_id] = message.destination
        elif found := TAG.search(text):
            key = (found.group(1), message.destination)
            self.receipts_expected[report_key(message.message_id, message.destination)] = key
        else:
            self.untagged += 1
            return
        self.arrivals.setdefault(key, []).append(Arrival(at, via, message.message_id, port))

    def answered(self, call: Call, kind: str, response: Any, error: str) -> None:
        call.answered_at = time.time()
        if kind == "ok":
            messages = (response or {}).get("messages") or []
            call.statuses = tuple(str(m.get("status")) for m in messages)
            failed = [m for m in messages if m.get("status") == "failed"]
            call.outcome = "failed" if failed and len(failed) == len(messages) else "accepted"
            if failed and call.outcome != "failed":
                call.outcome = "partly_failed"
        elif kind == "error":
            call.outcome = "refused"
            call.error = error
            self.refusals[error] += 1
        else:
            call.outcome = kind  # lost, down
            if kind == "down":
                self.refusals["home_assistant_down"] += 1

    def as_counts(self) -> dict[str, Any]:
        outcomes = Counter(c.outcome for c in self.calls.values())
        return {
            "calls": len(self.calls),
            "outcomes": dict(outcomes),
            "messages_accepted_by_smsc": sum(len(v) for v in self.arrivals.values()),
            "incoming_injected": len(self.incoming),
            "hlr_calls": len(self.hlr_calls),
            "refusals": dict(self.refusals),
        }
