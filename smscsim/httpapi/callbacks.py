"""The final status of a message sent over HTTP, and where it goes: status.php (the record),
``callback_url`` (the provider's HTTP handler: form fields or ``fmt=3`` JSON, signed with
``md5``/``sha1``/``crc32`` of ``id:phone:status:<secret>``, retried until 200 or 404) and, with
``receipts_over_smpp``, an SMPP receipt."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import hashlib
import json
import time
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit
import zlib

import aiohttp

from smscsim.model import HLR_RESULT, MessageRecord
from smscsim.reports import Reports

from .records import Callback, HttpRecords
from .wire import DEFAULT_CHARSET, HTTP_STATUS, charset, money, short_date

# receipt stat -> SMPP message_state of a message whose status does not go over SMPP
FINAL_STATES = {"DELIVRD": 2, "EXPIRED": 3, "UNDELIV": 5, "REJECTD": 8}


class Statuses:
    """Gives messages sent over HTTP their final status and POSTs it to the handler URL."""

    def __init__(self, records: HttpRecords, reports: Reports, notify: Callable[[], None]) -> None:
        self.records = records
        self.reports = reports  # the automatic status's settings, and SMPP receipts
        self.notify = notify
        self.receipts_over_smpp = False  # also send SMPP receipts for messages sent here
        # the HTTP handler statuses go to ("?fmt=3&md5=<secret>" as the provider reads them)
        self.callback_url: str | None = None
        self.callback_retry_interval = 240.0
        self.callback_retries = 50
        self._timers: set[asyncio.TimerHandle] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._client: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Drop the statuses still due and the POSTs still trying (the API stops)."""
        if self._client is not None:
            await self._client.close()
            self._client = None
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def due(self, record: MessageRecord) -> None:
        """A message was sent: with ``auto_receipts`` its automatic status, now or after
        ``receipt_delay``."""
        reports = self.reports
        if not reports.auto_receipts:
            return
        stat, err = reports.auto_receipt_stat, reports.auto_receipt_err
        if reports.receipt_delay > 0:
            handle = asyncio.get_running_loop().call_later(
                reports.receipt_delay, self.finish, record, stat, err
            )
            self._timers.add(handle)
        else:
            self.finish(record, stat, err)

    async def report(
        self, message_id: str, phone: str | None = None, *, stat: str = "DELIVRD", err: int = 0
    ) -> None:
        """Give a message sent here its final status (status.php, the HTTP handler and,
        with ``receipts_over_smpp``, an SMPP receipt)."""
        for record in self.records.of(message_id, phone):
            self.finish(record, stat, err)

    def finish(self, record: MessageRecord, stat: str, err: int) -> None:
        now = time.time()
        record.stat = stat
        record.error = err
        record.changed_at = now
        if self.receipts_over_smpp:
            self.reports.final(record, stat, err)
        else:
            record.state = FINAL_STATES.get(stat, 7)
        if self.callback_url:
            task = asyncio.get_running_loop().create_task(self._post(self.fields(record)))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self.notify()

    @staticmethod
    def fields(record: MessageRecord) -> dict[str, str]:
        """The form fields of a status, as the provider's HTTP handler gets them."""
        kind = record.message.kind
        fields = {
            "id": record.message_id,
            "phone": record.destination,
            "status": str(HTTP_STATUS.get(record.stat, 20)),
            "time": short_date(record.changed_at),
            "ts": str(int(record.changed_at)),
            "err": str(record.error),
            "cnt": str(record.parts),
            "type": str(kind),
            "cost": money(record.cost),
            "sender": record.source,
        }
        if kind == 4:  # HLR: the result's fields, as in the SMPP result text
            for item in HLR_RESULT.split():
                key, _, value = item.partition(":")
                fields[key] = unquote(value)
        return fields

    async def _post(self, fields: dict[str, str]) -> None:
        url = self.callback_url
        assert url is not None
        query = dict(parse_qsl(urlsplit(url).query))
        for name, digest in (("md5", hashlib.md5), ("sha1", hashlib.sha1)):
            if secret := query.get(name):
                text = f"{fields['id']}:{fields['phone']}:{fields['status']}:{secret}"
                fields[name] = digest(text.encode()).hexdigest()
        if secret := query.get("crc32"):
            text = f"{fields['id']}:{fields['phone']}:{fields['status']}:{secret}"
            fields["crc32"] = str(zlib.crc32(text.encode()))
        callback = Callback(url, dict(fields))
        self.records.callbacks.append(callback)
        if query.get("fmt") == "3":
            body, content_type = json.dumps(fields).encode(), "application/json"
        else:
            codec = charset(query.get("charset", DEFAULT_CHARSET))
            body = urlencode(fields, encoding=codec, errors="replace").encode("ascii")
            content_type = "application/x-www-form-urlencoded"
        if self._client is None:
            self._client = aiohttp.ClientSession()
        for attempt in range(self.callback_retries + 1):
            if attempt:
                await asyncio.sleep(self.callback_retry_interval)
            try:
                async with self._client.post(
                    url,
                    data=body,
                    headers={"Content-Type": content_type},
                    timeout=aiohttp.ClientTimeout(total=30),
                ) as resp:
                    callback.statuses.append(resp.status)
            except (aiohttp.ClientError, TimeoutError) as err:
                callback.statuses.append(type(err).__name__)
            self.notify()
            if callback.delivered:
                return
