"""What a test sends a client unasked: incoming SMS (DELIVER_SM, long ones in UDH parts), raw
bytes, and the server's UNBIND. Receipts are in ``smscsim.reports``; with store and forward
(``smscsim.mailbox``) what no session can take now waits for one.
"""

from __future__ import annotations

import asyncio

from . import text as textcodec
from .pdu import encode_sm, udh_concat
from .session import Session, Sessions


class Delivery:
    """Injects incoming messages and server requests into the bound sessions."""

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions

    async def deliver_sm(
        self,
        *,
        source: str,
        destination: str,
        text: str | None = None,
        short_message: bytes | None = None,
        data_coding: int | None = None,
        esm_class: int = 0,
        tlvs: dict[int, bytes] | None = None,
        system_id: str | None = None,
    ) -> int:
        """Send an incoming SMS (DELIVER_SM); return its sequence number (0: kept for later,
        with store and forward). LookupError when no session can take it (without)."""
        session = self._receiver(system_id)
        iso = session is not None and session.iso
        if short_message is None:
            if text is None:
                raise ValueError("give text or short_message")
            if data_coding is None:
                data_coding, short_message = textcodec.choose(text, iso=iso)
            else:
                short_message = textcodec.encode(text, data_coding, iso=iso)
        body = encode_sm(
            source=source,
            destination=destination,
            short_message=short_message,
            data_coding=data_coding or 0,
            esm_class=esm_class,
            tlvs=tlvs,
        )
        return self._post(system_id, session, body)

    async def deliver_long(
        self,
        *,
        source: str,
        destination: str,
        text: str,
        ref: int = 1,
        ref16: bool = False,
        per_part: int = 67,
        order: list[int] | None = None,
        data_coding: int | None = None,
        system_id: str | None = None,
    ) -> list[int]:
        """Send a UDH-concatenated incoming message; order lists part numbers (1-based)."""
        session = self._receiver(system_id)
        iso = session is not None and session.iso
        if data_coding is None:
            data_coding, _ = textcodec.choose(text, iso=iso)
        chunks = textcodec.split(text, data_coding, per_part, iso=iso)
        total = len(chunks)
        if total > 255:
            raise ValueError("more than 255 parts")
        sequences = []
        for number in order or range(1, total + 1):
            udh = udh_concat(ref, total, number, ref16=ref16)
            body = encode_sm(
                source=source,
                destination=destination,
                short_message=udh + chunks[number - 1],
                data_coding=data_coding,
                esm_class=0x40,
            )
            sequences.append(self._post(system_id, session, body))
        return sequences

    def _receiver(self, system_id: str | None) -> Session | None:
        """The session to write to; None when none can take it and the mailbox keeps it."""
        try:
            return self.sessions.receiver(system_id)
        except LookupError:
            if self.sessions.mailbox is None:
                raise
            return None

    def _post(self, system_id: str | None, session: Session | None, body: bytes) -> int:
        mailbox = self.sessions.mailbox
        if mailbox is not None:
            return mailbox.post(system_id, body, session)
        assert session is not None  # _receiver raised otherwise
        return self.sessions.deliver(session, body)

    async def send_raw(self, data: bytes, *, system_id: str | None = None) -> None:
        """Write raw bytes to a bound session (any session if system_id is None)."""
        if system_id is None:
            candidates = list(self.sessions.bound) or list(self.sessions.connections)
        else:
            candidates = self.sessions.by_login.get(system_id, [])
        if not candidates:
            raise LookupError("no session to write to")
        candidates[0].write_raw(data)

    async def send_unbind(self) -> None:
        """UNBIND every bound session; close each after its UNBIND_RESP or 2 s."""
        sessions = list(self.sessions.bound)
        waiters = [session.start_unbind() for session in sessions]
        if waiters:
            await asyncio.wait(waiters, timeout=2.0)
        for session in sessions:
            session.close("server unbind")
        for waiter in waiters:
            if not waiter.done():
                waiter.cancel()
        self.sessions.notify()
