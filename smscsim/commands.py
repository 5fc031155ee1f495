"""The answers to the requests a client sends: BIND_*, SUBMIT_SM and QUERY_SM.

Each one is checked in the provider's order: the session's state, the PDU, the injected faults
(``smscsim.faults``), the provider's rules (``smscsim.rules``); what passes goes into the store
(``smscsim.store``) and, once a message is complete, gets its receipt (``smscsim.reports``).
SUBMIT_SM is the hot path: struct parsing and dict look-ups, no awaits.
"""

from __future__ import annotations

import time

from .faults import SmppFaults
from .model import BindAttempt, Submit
from .pdu import (
    BIND_MODES,
    ESME_RALYBND,
    ESME_RINVBNDSTS,
    ESME_RINVCMDLEN,
    ESME_RQUERYFAIL,
    QUERY_SM_RESP,
    RESPONSE_BIT,
    SUBMIT_SM_RESP,
    TLV_SC_INTERFACE_VERSION,
    PduError,
    cstr,
    encode_tlvs,
    parse_concat,
    parse_sm_fields,
    pdu,
    read_cstr,
)
from .reports import Reports
from .rules import Rules
from .session import Session, Sessions
from .store import MessageStore

SIMULATOR_SYSTEM_ID = "smscsim"


def parse_system_type(system_type: str) -> tuple[bool, bool, int]:
    """(iso, single, max connections) from comma separated flags such as "ISO,SINGLE,MCON3"."""
    iso = single = False
    mcon = 1
    for raw in system_type.upper().split(","):
        flag = raw.strip()
        if flag == "ISO":
            iso = True
        elif flag == "SINGLE":
            single = True
        elif flag.startswith("MCON") and len(flag) == 5 and flag[4] in "123456789":
            mcon = int(flag[4])
    return iso, single, mcon


class SmppCommands:
    """Answers BIND_*, SUBMIT_SM and QUERY_SM for every session (``session.Handler``)."""

    def __init__(
        self,
        sessions: Sessions,
        rules: Rules,
        store: MessageStore,
        faults: SmppFaults,
        reports: Reports,
    ) -> None:
        self.sessions = sessions
        self.rules = rules
        self.store = store
        self.faults = faults
        self.reports = reports
        self.binds: list[BindAttempt] = []

    def bind(self, session: Session, command_id: int, sequence: int, body: bytes) -> None:
        resp_id = command_id | RESPONSE_BIT
        mode = BIND_MODES[command_id]
        if session.bound:
            session.send(pdu(resp_id, ESME_RALYBND, sequence))
            return
        try:
            system_id, offset = read_cstr(body, 0)
            password, offset = read_cstr(body, offset)
            system_type, offset = read_cstr(body, offset)
        except PduError:
            session.send(pdu(resp_id, ESME_RINVCMDLEN, sequence))
            return
        interface_version = body[offset] if offset < len(body) else 0
        status, password_ok = self.rules.login(system_id, password)
        if not status:
            status = self.faults.bind_status()
        self.binds.append(
            BindAttempt(
                system_id,
                password_ok,
                mode,
                system_type,
                status,
                interface_version,
                session.tls,
                session.peer,
                time.time(),
            )
        )
        if status:
            session.send(pdu(resp_id, status, sequence))
            return
        session.system_id = system_id
        session.mode = mode
        session.system_type = system_type
        session.iso, session.single, session.mcon = parse_system_type(system_type)
        self.sessions.register(session)
        resp = cstr(SIMULATOR_SYSTEM_ID)
        if interface_version >= 0x34:
            resp += encode_tlvs({TLV_SC_INTERFACE_VERSION: b"\x34"})
        session.send(pdu(resp_id, 0, sequence, resp))
        session.arm_enquire_link()

    def submit(self, session: Session, sequence: int, body: bytes) -> None:
        if not session.can_transmit:
            session.send(pdu(SUBMIT_SM_RESP, ESME_RINVBNDSTS, sequence))
            return
        try:
            fields = parse_sm_fields(body)
        except PduError:
            session.send(pdu(SUBMIT_SM_RESP, ESME_RINVCMDLEN, sequence))
            return
        now = time.time()
        submit = Submit(*fields, system_id=session.system_id, sequence=sequence)
        submit.received_at = now
        submit.iso = session.iso
        submit.session_mode = session.mode
        tlvs = submit.tlvs
        if submit.esm_class & 0x40 or tlvs:
            submit.udh = parse_concat(submit.esm_class, submit.content, tlvs)
        store = self.store
        store.received(submit)
        faults = self.faults
        status = faults.submit_status() if faults.on_submit else 0
        rules = self.rules
        if not status:
            status = rules.check(submit)
        if status:
            submit.status = status
            session.send(pdu(SUBMIT_SM_RESP, status, sequence))
        else:
            record, complete = store.accept(session, submit, now)
            if complete and rules.across and rules.duplicate_window > 0:
                rules.text_duplicate(
                    submit.system_id, record.destination, record.message.text, http=False
                )
            if not (faults.on_submit and faults.drop_response()):
                submit.status = 0
                session.send(pdu(SUBMIT_SM_RESP, 0, sequence, cstr(record.message_id)))
            reports = self.reports
            if complete and reports.auto_receipts and record.registered_delivery & 1:
                reports.due(record)
        store.answered(submit)

    def query(self, session: Session, sequence: int, body: bytes) -> None:
        if not session.can_transmit:
            session.send(pdu(QUERY_SM_RESP, ESME_RINVBNDSTS, sequence))
            return
        try:
            message_id, _ = read_cstr(body, 0)
        except PduError:
            session.send(pdu(QUERY_SM_RESP, ESME_RINVCMDLEN, sequence))
            return
        record = self.store.record(message_id)
        if record is None:
            session.send(pdu(QUERY_SM_RESP, ESME_RQUERYFAIL, sequence))
            return
        resp = (
            cstr(message_id) + cstr(record.final_date) + bytes((record.state, record.error & 0xFF))
        )
        session.send(pdu(QUERY_SM_RESP, 0, sequence, resp))
