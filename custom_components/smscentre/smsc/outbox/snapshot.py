"""The outbox's persisted snapshot: every unfinished message, written and read back.

``take_snapshot()`` holds every message not yet sent or failed, with the progress of each
part; parts awaiting a response are stored as uncertain. A snapshot taken after the outbox
was closed is marked clean; any other (the process died after it) is read back with every
part uncertain, since parts may have gone after it: a resend the provider refuses as a
duplicate (0x45) then counts as sent rather than failed (see :mod:`.retry`). The outbox
fires ``on_change`` after each batch of changes; its owner coalesces saving (the Home
Assistant layer's ``CoalescedSave``). The futures of ``Outbox.add()`` do not survive a
restart: follow ``on_done`` for restored messages.

Each message is a tuple of strings and numbers in ``ENTRY_FIELDS`` order, so the image of a
large backlog, alive while it is written in the executor, is not tracked by the garbage
collector. Version 2 stores each message as an array in that order; version 1 as an object
with those keys.
"""

from __future__ import annotations

import base64
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
import logging
from typing import Any

from ..message import (
    SPEC_ID,
    STATE_QUEUED,
    STATE_SENDING,
    MessageSpec,
    OutboundMessage,
    PartRef,
    Priority,
)

_LOGGER = logging.getLogger(__name__)

SNAPSHOT_VERSION = 2
ENTRY_FIELDS = (
    *("id", "to", "ch", "pr", "src", "dc", "esm", "parts", "rd", "at"),  # the spec (parts base64)
    *("ids", "ack", "unc", "att", "dup"),  # the progress of each part, duplicate suppressed
)


@dataclass(slots=True)
class Restored:
    """What a snapshot holds: a spec for each message not tried yet after a graceful stop,
    the message with its progress for any other; the counters."""

    messages: list[OutboundMessage | MessageSpec]
    sent_total: int
    failed_total: int


def take_snapshot(
    unfinished: Iterable[OutboundMessage | MessageSpec],
    awaiting: Iterable[PartRef | MessageSpec],
    first_attempts: Collection[str],
    *,
    clean: bool,
    sent_total: int,
    failed_total: int,
) -> dict[str, Any]:
    """Return a JSON-able image of the ``unfinished`` messages (O(n), a few µs each).

    ``awaiting`` are the attempts awaiting a response; ``first_attempts`` the local ids of
    specs on their first attempt (both stored as tried and uncertain). A message object keeps
    the unchanging part of its entry; the parts of a request's specs are encoded once.
    """
    in_flight: dict[int, set[int]] = {}
    for ref in awaiting:
        if not isinstance(ref, tuple):
            in_flight.setdefault(id(ref.message), set()).add(ref.index)
    messages: list[Any] = []
    append = messages.append
    encoded: dict[int, tuple[str, ...]] = {}  # id(parts) -> base64; a request shares parts
    for message in unfinished:
        if isinstance(message, tuple):
            # built anew each time: a spec has nowhere to keep it
            append(_spec_entry(message, encoded, message[SPEC_ID] in first_attempts))
            continue
        stored = message.stored
        if stored is None:
            spec = message.spec
            if spec is None:
                spec = message.spec = message.to_spec()
            stored = message.stored = _spec_entry(spec, encoded, False)
        if not message.attempts:
            append(stored)  # shared, never mutated: nothing to copy
            continue
        sent = in_flight.get(id(message))
        if sent is None:
            uncertain = tuple(message.uncertain)
        else:
            uncertain = tuple([int(f or i in sent) for i, f in enumerate(message.uncertain)])
        append(
            (
                *stored[:10],
                tuple(message.message_ids),
                tuple(message.acked),
                uncertain,
                tuple(message.part_attempts),
                message.duplicate_suppressed,
            )
        )
    return {
        "version": SNAPSHOT_VERSION,
        # written after close(): a graceful stop; any other snapshot may be followed by
        # sends it does not show (see read_snapshot)
        "clean": clean,
        "sent_total": sent_total,
        "failed_total": failed_total,
        "messages": messages,
    }


def read_snapshot(snapshot: Mapping[str, Any] | None) -> Restored:
    """Read back a ``take_snapshot()`` image, in its order.

    Malformed entries are logged and skipped. A snapshot that is not one at all (an unknown
    version, counters or a message list of the wrong type) raises ValueError or TypeError:
    its caller moves the file aside rather than overwrite it at the next save.
    """
    if not snapshot:
        return Restored([], 0, 0)
    if snapshot.get("version") not in (1, SNAPSHOT_VERSION):
        raise ValueError(f"outbox snapshot of unknown version {snapshot.get('version')!r}")
    sent_total = int(snapshot.get("sent_total") or 0)
    failed_total = int(snapshot.get("failed_total") or 0)
    items = snapshot.get("messages") or []
    if not isinstance(items, list):
        raise TypeError("the outbox snapshot's messages are not a list")
    clean = snapshot.get("clean") is True
    messages: list[OutboundMessage | MessageSpec] = []
    skipped = 0
    for item in items:
        try:
            message = _message_from(item)
        except (KeyError, TypeError, ValueError) as err:
            skipped += 1
            _LOGGER.debug("Skipping a malformed queued message: %r", err)
            continue
        if not clean:
            for index, acked in enumerate(message.acked):
                if not acked:
                    message.uncertain[index] = 1
        # not tried yet: queued as a spec again (the garbage collector does not track it)
        messages.append(message.to_spec() if clean and not message.attempts else message)
    if skipped:
        _LOGGER.warning("Skipped %d malformed queued messages", skipped)
    return Restored(messages, sent_total, failed_total)


def _spec_entry(
    spec: MessageSpec, encoded: dict[int, tuple[str, ...]], flying: bool
) -> tuple[Any, ...]:
    """The entry of a message not tried yet or (``flying``) a single part on its first
    attempt, which may be accepted (``encoded`` caches base64 parts by ``id``)."""
    local_id, recipient, channel, priority, source, coding, esm, parts, rd, at = spec
    texts = encoded.get(id(parts))
    if texts is None:
        texts = encoded[id(parts)] = tuple([base64.b64encode(p).decode("ascii") for p in parts])
    zeros = (0,) * len(parts)
    tried = (1,) if flying else zeros
    return (
        *(local_id, recipient, channel, priority, source, coding, esm, texts, rd, at),
        *((None,) * len(parts), zeros, tried, tried, False),
    )


def _message_from(item: Any) -> OutboundMessage:
    """The message of one entry (an array, or an object in version 1); raises when malformed."""
    if isinstance(item, (list, tuple)):
        if len(item) != len(ENTRY_FIELDS):
            raise ValueError(f"{len(item)} fields")
        item = dict(zip(ENTRY_FIELDS, item, strict=True))
    parts = [base64.b64decode(p, validate=True) for p in item["parts"]]
    count = len(parts)
    ids = [None if i is None else str(i) for i in item["ids"]]
    acked = bytearray(1 if a else 0 for a in item["ack"])
    uncertain = bytearray(1 if u else 0 for u in item["unc"])
    attempts = bytearray(min(255, max(0, int(a))) for a in item["att"])
    if not count or not len(ids) == len(acked) == len(uncertain) == len(attempts) == count:
        raise ValueError("part lists of different lengths")
    remaining = count - sum(acked)
    if not remaining:
        raise ValueError("nothing left to send")
    return OutboundMessage(
        local_id=str(item["id"]),
        recipient=str(item["to"]),
        channel=str(item["ch"]),
        priority=Priority(int(item["pr"])),
        source=None if item["src"] is None else str(item["src"]),
        data_coding=int(item["dc"]),
        esm_class=int(item["esm"]),
        parts=parts,
        registered_delivery=int(item["rd"]),
        created_at=float(item["at"]),
        message_ids=ids,
        state=STATE_SENDING if any(attempts) else STATE_QUEUED,
        attempts=max(attempts),
        duplicate_suppressed=bool(item.get("dup")),
        part_attempts=attempts,
        uncertain=uncertain,
        acked=acked,
        remaining=remaining,
    )
