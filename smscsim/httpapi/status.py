"""status.php: the latest status of a message (sent over HTTP or SMPP) to one number."""

from __future__ import annotations

from typing import Any

from smscsim.store import MessageStore

from .records import HttpRecords, HttpRequest
from .wire import HTTP_STATUS, ApiError, long_date


def answer_status(records: HttpRecords, store: MessageStore, request: HttpRequest, fmt: str) -> Any:
    """``{"status", "last_date", "last_timestamp", "err"}``; status -3 for a message the
    login did not send."""
    params = request.params
    message_id = params.get("id", "").strip()
    phone = params.get("phone", "").strip().removeprefix("+")
    if not message_id or not phone:
        raise ApiError(1)
    found = records.record(message_id, phone)
    if found is None:
        smpp = store.record(message_id)
        if smpp is not None and smpp.destination == phone:
            found = smpp
    if found is None or found.system_id != request.login:
        status, stamp, err = -3, 0.0, 0
    else:
        status = HTTP_STATUS.get(found.stat, 20) if found.changed_at else 0
        stamp, err = found.changed_at or found.submitted_at, found.error
    if fmt == "3":
        body: dict[str, Any] = {"status": status}
        if status != -3:
            body |= {"last_date": long_date(stamp), "last_timestamp": int(stamp), "err": err}
        return body
    if fmt == "2":
        return f"<result><status>{status}</status><err>{err}</err></result>"
    if fmt == "1":
        return f"{status},{int(stamp)},{err}"
    suffix = f", err = {err}" if err else ""
    date = long_date(stamp) if stamp else ""
    return f"Status = {status}, check_time = {date}{suffix}"
