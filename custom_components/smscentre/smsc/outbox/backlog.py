"""The outbox's unfinished messages: what each is by local id, and the queue it waits in.

A message comes in as a ``MessageSpec`` (``enqueue``, the actions' way) or as an
``OutboundMessage`` (``add``, with a future; the outbox updates that very object). The
cyclic garbage collector stops tracking a tuple of strings, numbers and bytes at its first
pass, whereas every object of a class stays tracked: a backlog of specs never sets off the
full collections a backlog of objects does (each a pass over the whole Home Assistant heap).
A spec stays one until progress needs an object: ``build()`` makes the message, which takes
the spec's place here; queue entries still holding the spec go on with it (:mod:`.queue`).
Restored messages (:mod:`.snapshot`) and messages the HTTP hand-over gives back are queued
again with the parts they have left. Every step is O(1) per message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence

from ..message import (
    FINISHED_STATES,
    SPEC_CREATED,
    SPEC_ID,
    SPEC_PARTS,
    SPEC_PRIORITY,
    MessageSpec,
    OutboundMessage,
    Priority,
)
from .queue import PartQueue, parts_left


class Backlog:
    """Unfinished messages by local id (a spec until a message is built of it), queued."""

    __slots__ = ("_futures", "active", "queue")

    def __init__(self) -> None:
        """Start empty."""
        # local_id -> not finished, in the order queued; the state machine reads it
        self.active: dict[str, OutboundMessage | MessageSpec] = {}
        self.queue = PartQueue(self.active)
        self._futures: dict[str, asyncio.Future[OutboundMessage]] = {}  # of add()'s messages

    def enqueue(self, specs: Iterable[MessageSpec], now: float) -> bool:
        """Queue specs, stamped ``now`` unless created already; whether there were any.

        ValueError, before anything is queued, for a spec without parts, a local id queued
        already or a priority that is not one.
        """
        batch = list(specs)
        seen: set[str] = set()
        for spec in batch:
            Priority(spec[SPEC_PRIORITY])
            self._check_new(spec[SPEC_ID], spec[SPEC_PARTS], seen)
        active = self.active
        queue = self.queue
        for given in batch:
            spec = given if given[SPEC_CREATED] else (*given[:9], now)
            active[spec[SPEC_ID]] = spec
            queue.append(spec, spec[SPEC_PRIORITY])
        return bool(batch)

    def add(
        self, messages: Iterable[OutboundMessage], now: float
    ) -> list[asyncio.Future[OutboundMessage]]:
        """Queue message objects, their progress reset (checked as ``enqueue``'s specs);
        return a future for each, for the outbox to resolve once the message is finished."""
        loop = asyncio.get_running_loop()
        batch = list(messages)
        seen: set[str] = set()
        for message in batch:
            message.priority = Priority(message.priority)
            self._check_new(message.local_id, message.parts, seen)
        active = self.active
        queue = self.queue
        futures: list[asyncio.Future[OutboundMessage]] = []
        for message in batch:
            message._reset_progress()
            if not message.created_at:
                message.created_at = now
            active[message.local_id] = message
            queue.append(message, message.priority)
            future = self._futures[message.local_id] = loop.create_future()
            futures.append(future)
        return futures

    def _check_new(self, local_id: str, parts: Sequence[bytes], seen: set[str]) -> None:
        if not parts:
            raise ValueError(f"message {local_id} has no parts")
        if local_id in self.active or local_id in seen:
            raise ValueError(f"message {local_id} is already queued")
        seen.add(local_id)

    def restore(self, entries: Iterable[OutboundMessage | MessageSpec]) -> int:
        """Queue restored messages behind the others, each with the parts it has left (a spec:
        all of them); skip those queued already. Return how many were queued."""
        active = self.active
        queue = self.queue
        queued = 0
        for entry in entries:
            if isinstance(entry, tuple):
                if entry[SPEC_ID] in active:
                    continue
                active[entry[SPEC_ID]] = entry
                queue.append(entry, entry[SPEC_PRIORITY])
            else:
                if entry.local_id in active:
                    continue
                active[entry.local_id] = entry
                queue.append(parts_left(entry), entry.priority)
            queued += 1
        return queued

    def build(self, spec: MessageSpec, *, first_attempt: bool = False) -> OutboundMessage:
        """The message of a queued spec, in its place from now on: nothing tried yet, or
        (``first_attempt``) its only part's first attempt gone."""
        if first_attempt:
            message = OutboundMessage.first_attempt(spec)
        else:
            message = OutboundMessage.queued(spec)
        self.active[spec[SPEC_ID]] = message
        return message

    def remove(self, local_id: str) -> asyncio.Future[OutboundMessage] | None:
        """A message finished: it leaves the backlog (its queue entries are spent). Return
        its future if it was added with one."""
        self.active.pop(local_id, None)
        return self._futures.pop(local_id, None)

    def cancel_futures(self) -> None:
        """Cancel every future not resolved yet (the outbox closes)."""
        for future in self._futures.values():
            if not future.done():
                future.cancel()
        self._futures.clear()

    def holds(self, message: OutboundMessage) -> bool:
        """Whether a message is unfinished and still queued here or taken out of the queue."""
        return message.state not in FINISHED_STATES and message.local_id in self.active

    def take_first(
        self,
        wanted: Callable[[OutboundMessage | MessageSpec], bool],
        scan: int,
        *,
        http_only: bool = False,
    ) -> OutboundMessage | None:
        """Take out of its queue the first unfinished message ``wanted`` picks, urgent first,
        among the first ``scan`` entries; None if none. ``http_only``: from the messages SMPP
        cannot carry (:mod:`.queue`'s lanes), else from those it can. ``wanted`` gets the
        message, or its spec while none is built; the message taken is built now if need be
        and stays here, unfinished, in no queue until ``put_back()``."""
        taken = self.queue.take_first(wanted, scan, http_only=http_only)
        if isinstance(taken, tuple):
            return self.build(taken)
        return taken

    def put_back(self, message: OutboundMessage) -> None:
        """Queue a taken message's parts not yet accepted at the head of its priority."""
        self.queue.push_front([parts_left(message)])
