"""Sent messages by SMSC message id, for report correlation."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class SentRecord:
    """A submitted message: one SMSC message id per part."""

    local_id: str
    recipient: str
    channel: str
    submitted_at: float
    parts: int
    message_ids: list[str]
