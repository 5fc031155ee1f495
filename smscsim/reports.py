"""Delivery reports and HLR results: their text and TLVs, where they go, and the automatic ones.

A receipt is a DELIVER_SM with esm_class 0x04 and the provider's text (``id:… sub:001 dlvrd:…
submit date:… done date:… stat:… err:…``, or the HLR result for ``__HLR__``) and TLVs
(receipted id, state, error, cost, message type, parts). It goes to the session the message
came in on if that can receive, else to the login's first receiver or transceiver, else
nowhere (the status stays with the provider), or with store and forward (``smscsim.mailbox``)
it waits for the next receiver.
"""

from __future__ import annotations

import asyncio
import datetime
import time

from .faults import SmppFaults
from .model import HLR_RESULT, PROVIDER_TZ, MessageRecord
from .pdu import (
    MESSAGE_STATES,
    TLV_COST,
    TLV_MESSAGE_STATE,
    TLV_NETWORK_ERROR_CODE,
    TLV_PARTS,
    TLV_RECEIPTED_MESSAGE_ID,
    TLV_TYPE_FLAGS,
    cstr,
    encode_sm,
)
from .session import Session, Sessions
from .store import MessageStore


def smpp_date(stamp: float) -> str:
    """yyMMddHHmm of a wall-clock stamp in the provider's time zone (receipt text)."""
    return datetime.datetime.fromtimestamp(stamp, PROVIDER_TZ).strftime("%y%m%d%H%M")


def smpp_absolute(stamp: float) -> str:
    """SMPP absolute time YYMMDDhhmmsstnnp (UTC, offset 00)."""
    moment = datetime.datetime.fromtimestamp(stamp, datetime.UTC)
    return moment.strftime("%y%m%d%H%M%S") + "000+"


class Reports:
    """Builds and sends receipts: automatic ones when a message is complete, others on demand."""

    def __init__(
        self,
        sessions: Sessions,
        store: MessageStore,
        faults: SmppFaults,
        *,
        auto_receipts: bool,
        receipt_delay: float,
    ) -> None:
        self.sessions = sessions
        self.store = store
        self.faults = faults
        # a receipt for every complete message that asked for one, after receipt_delay
        self.auto_receipts = auto_receipts
        self.receipt_delay = receipt_delay
        # what automatic receipts say (tests may change these)
        self.auto_receipt_stat = "DELIVRD"
        self.auto_receipt_err = 0
        self.receipt_cost = "0.0000"
        self._timers: set[asyncio.TimerHandle] = set()

    def due(self, record: MessageRecord) -> None:
        """A message asking for a receipt is complete: its receipt now or after the delay."""
        if self.receipt_delay <= 0:
            self._auto(record)
            return
        handle: asyncio.TimerHandle | None = None

        def fire() -> None:
            self._timers.discard(handle)
            self._auto(record)

        handle = asyncio.get_running_loop().call_later(self.receipt_delay, fire)
        self._timers.add(handle)

    def cancel(self) -> None:
        """Drop the receipts still waiting for their delay (the simulator stops)."""
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()

    def route(self, record: MessageRecord) -> Session | None:
        """The session a receipt for this message goes to (None: none can take it)."""
        return self.sessions.receiver_for(record.session, record.system_id)

    def _auto(self, record: MessageRecord) -> None:
        self.final(record, self.auto_receipt_stat, self.auto_receipt_err)

    def final(self, record: MessageRecord, stat: str, err: int) -> None:
        """A message's final status: its receipt to where it goes; with no session to take
        it, kept for later with store and forward (``smscsim.mailbox``), else dropped (the
        status stays on the provider's side)."""
        mailbox = self.sessions.mailbox
        session = self.route(record)
        if mailbox is not None:
            body = self.body(record.message_id, record, stat=stat, err=err)
            mailbox.post(record.system_id, body, session)
            return
        if session is None or self.faults.hanging():
            return
        self.send(session, record.message_id, record, stat=stat, err=err)

    async def send_receipt(
        self,
        message_id: str,
        *,
        stat: str = "DELIVRD",
        err: int = 0,
        destination: str = "",
        source: str = "",
        submit_date: str | None = None,
        done_date: str | None = None,
        text: str | None = None,
        tlvs: dict[int, bytes] | None = None,
        system_id: str | None = None,
    ) -> int:
        """Send a delivery receipt for message_id (known or not); return its sequence."""
        record = self.store.record(message_id)
        session: Session | None = None
        if system_id is None and record is not None:
            session = self.route(record)
        if session is None:
            session = self.sessions.receiver(system_id)
        return self.send(
            session,
            message_id,
            record,
            stat=stat,
            err=err,
            destination=destination,
            source=source,
            submit_date=submit_date,
            done_date=done_date,
            text=text,
            tlvs=tlvs,
        )

    def send(
        self,
        session: Session,
        message_id: str,
        record: MessageRecord | None,
        *,
        stat: str,
        err: int,
        destination: str = "",
        source: str = "",
        submit_date: str | None = None,
        done_date: str | None = None,
        text: str | None = None,
        tlvs: dict[int, bytes] | None = None,
    ) -> int:
        """Write one receipt to ``session``, noting its status in the record; its sequence."""
        body = self.body(
            message_id,
            record,
            stat=stat,
            err=err,
            destination=destination,
            source=source,
            submit_date=submit_date,
            done_date=done_date,
            text=text,
            tlvs=tlvs,
        )
        return self.sessions.deliver(session, body)

    def body(
        self,
        message_id: str,
        record: MessageRecord | None,
        *,
        stat: str,
        err: int,
        destination: str = "",
        source: str = "",
        submit_date: str | None = None,
        done_date: str | None = None,
        text: str | None = None,
        tlvs: dict[int, bytes] | None = None,
    ) -> bytes:
        """A receipt's DELIVER_SM body, noting its status in the record."""
        now = time.time()
        kind = 0
        parts = 1
        if record is not None:
            destination = destination or record.destination
            source = source or record.source
            parts = record.parts
            message = record.message
            kind = message.kind if message.by_seq or message.http_text is not None else 0
            record.state = MESSAGE_STATES.get(stat, 7)
            record.error = err
            record.final_date = smpp_absolute(now)
            record.receipts_sent += 1
            record.stat = stat
            record.changed_at = now
        if text is None:
            if kind == 4:
                text = f"id:{message_id} stat:{stat} err:{err:03d} {HLR_RESULT}"
            else:
                submitted = record.submitted_at if record is not None else now
                text = (
                    f"id:{message_id} sub:001 dlvrd:{'001' if stat == 'DELIVRD' else '000'} "
                    f"submit date:{submit_date or smpp_date(submitted)} "
                    f"done date:{done_date or smpp_date(now)} stat:{stat} err:{err:03d}"
                )
        all_tlvs = {
            TLV_RECEIPTED_MESSAGE_ID: cstr(message_id),
            TLV_MESSAGE_STATE: bytes((MESSAGE_STATES.get(stat, 7),)),
            TLV_NETWORK_ERROR_CODE: b"\x03" + (err & 0xFFFF).to_bytes(2, "big"),
            TLV_COST: cstr(self.receipt_cost),
            TLV_TYPE_FLAGS: kind.to_bytes(2, "big"),
            TLV_PARTS: parts.to_bytes(2, "big"),
        }
        if tlvs:
            all_tlvs.update(tlvs)
        return encode_sm(
            source=destination,  # the handset the message went to
            destination=source,
            short_message=text.encode("ascii", "replace"),
            data_coding=0,
            esm_class=0x04,
            tlvs=all_tlvs,
        )
