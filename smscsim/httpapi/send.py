"""send.php: a message to one or more recipients, or its price (``cost=1``).

``phones`` (``,`` or ``;``; ``+`` allowed; e-mail addresses with ``mail=1``), ``mes``, a
client-assigned ``id`` (1..2^31-1), ``sender`` and the channel flags. Checked in the provider's
order after the login: parameters (1), every recipient (7: nothing is sent), the one-minute
rule across SMPP and HTTP (9), the balance (3). Each recipient's message goes into the store
like one sent over SMPP, its text the one the same message has over SMPP.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
import math
import time
from typing import Any

from smscsim import text as textcodec
from smscsim.model import Message, MessageRecord
from smscsim.rules import Rules
from smscsim.store import MessageStore

from .account import Account
from .callbacks import Statuses
from .records import HttpRecords, HttpRequest
from .wire import ApiError, money

# send.php's channel flags (a message without one is an SMS)
CHANNEL_FLAGS = ("call", "viber", "soc", "mail", "hlr", "ping")
MAX_CLIENT_ID = 2**31 - 1


def count_parts(text: str) -> int:
    """SMS parts of a text: GSM 03.38 160/153 septets, else UCS2 70/67 (the comment is free)."""
    body = text.split("\n~~~\n", 1)[0]
    data_coding, encoded = textcodec.choose(body)
    units = len(encoded) if data_coding == 0 else len(encoded) // 2
    single, multi = (160, 153) if data_coding == 0 else (70, 67)
    return 1 if units <= single else math.ceil(units / multi)


def smpp_text(params: Mapping[str, str]) -> tuple[str, str]:
    """(channel flag, the text the same message has over SMPP) of send.php's parameters."""
    mes = params.get("mes", "")
    if params.get("call") == "1":
        text = f"__CALL__: {mes}\nvoice:{params.get('voice') or 'w'}"
        param = params.get("param", "")
        return "call", text + "\n~~~\n" + param if param else text
    if params.get("viber") == "1":
        return "viber", f"__VIBER__: {mes}"
    if params.get("soc") == "1":
        return "soc", f"__SOC__: {mes}"
    if params.get("mail") == "1":
        return "mail", f"__MAIL__: {mes}\nsubj:{params.get('subj', '')}"
    if params.get("hlr") == "1":
        return "hlr", "__HLR__"
    if params.get("ping") == "1":
        return "ping", "__PING__"
    return "sms", mes


def valid_recipient(flag: str, raw: str) -> str | None:
    """International digits (or an e-mail address for mail=1); None when invalid."""
    text = raw.strip()
    if flag == "mail":
        local, at, domain = text.rpartition("@")
        return text if at and local and "." in domain else None
    digits = text.removeprefix("+")
    if digits.isascii() and digits.isdigit() and 10 <= len(digits) <= 15:
        return digits
    return None


class Sending:
    """Answers send.php: checks, prices and sends."""

    def __init__(
        self,
        account: Account,
        rules: Rules,
        store: MessageStore,
        records: HttpRecords,
        statuses: Statuses,
    ) -> None:
        self.account = account
        self.rules = rules
        self.store = store
        self.records = records
        self.statuses = statuses
        self.cost_repeats = 5  # identical cost requests within a minute answered 9
        self._costs: dict[tuple[Any, ...], deque[float]] = {}

    def answer(self, request: HttpRequest, fmt: str) -> Any:
        params = request.params
        client_id = params.get("id", "").strip()
        if client_id in ("", "0"):
            client_id = ""
        elif not client_id.isdigit() or not 0 < int(client_id) <= MAX_CLIENT_ID:
            raise ApiError(1)
        flag, text = smpp_text(params)
        if flag in ("sms", "call", "viber", "soc", "mail") and not params.get("mes", "").strip():
            raise ApiError(1, client_id or None)
        if flag == "mail" and not params.get("subj", "").strip():
            raise ApiError(1, client_id or None)
        raws = [p for p in params.get("phones", "").replace(";", ",").split(",") if p.strip()]
        if not raws:
            raise ApiError(1, client_id or None)
        phones: dict[str, None] = {}
        for raw in raws:
            phone = valid_recipient(flag, raw)
            if phone is None:
                raise ApiError(7, client_id or None)
            phones[phone] = None
        parts = count_parts(text) if flag == "sms" else 1
        count = parts * len(phones)
        account = self.account
        cost = round(account.price * count, 4)
        mode = params.get("cost", "0")
        login = request.login
        rules = self.rules
        if mode == "1":
            key = (login, tuple(phones), text)
            stamps = self._costs.setdefault(key, deque())
            now = time.monotonic()
            while stamps and stamps[0] <= now - 60.0:
                stamps.popleft()
            stamps.append(now)
            if self.cost_repeats and len(stamps) >= self.cost_repeats:
                raise ApiError(9)
            return self._answer_cost(fmt, cost, count)
        if rules.duplicate_window > 0:
            for phone in phones:
                if rules.text_duplicate(login, phone, text, http=True, record=False):
                    raise ApiError(9, client_id or None)
        if cost > account.balance + 1e-9:
            raise ApiError(3, client_id or None)
        message_id = client_id or self.store.new_id()
        self._send(request, message_id, list(phones), text, parts, cost / len(phones))
        account.balance = round(account.balance - cost, 4)
        return self._answer_sent(fmt, message_id, count, cost, mode)

    def _send(
        self,
        request: HttpRequest,
        message_id: str,
        phones: list[str],
        text: str,
        parts: int,
        cost: float,
    ) -> None:
        """One message per recipient into the store, each with its automatic status due."""
        rules, store = self.rules, self.store
        now = time.time()
        sender = request.params.get("sender", "")
        for phone in phones:
            if rules.duplicate_window > 0:
                rules.text_duplicate(request.login, phone, text, http=True)
            data_coding, _ = textcodec.choose(text)
            message = Message(
                request.login,
                sender,
                phone,
                data_coding,
                parts,
                message_id,
                message_ids=[message_id],
                http_text=text,
            )
            record = MessageRecord(
                message_id, request.login, sender, phone, now, parts, message, None
            )
            record.cost = cost
            store.add(message, record)
            self.records.sent(record)
            self.statuses.due(record)
        if store.history is not None:
            store.forget_old(store.history)

    @staticmethod
    def _answer_cost(fmt: str, cost: float, count: int) -> Any:
        if fmt == "3":
            return {"cost": money(cost), "cnt": count}
        if fmt == "2":
            return f"<result><cost>{money(cost)}</cost><cnt>{count}</cnt></result>"
        if fmt == "1":
            return f"{money(cost)},{count}"
        return f"OK - {count} SMS, COST - {money(cost)}"

    def _answer_sent(self, fmt: str, message_id: str, count: int, cost: float, mode: str) -> Any:
        fields: dict[str, Any] = {"id": int(message_id), "cnt": count}
        if mode in ("2", "3"):
            fields["cost"] = money(cost)
        if mode == "3":
            fields["balance"] = money(self.account.balance)
        if fmt == "3":
            return fields
        if fmt == "2":
            inner = "".join(f"<{key}>{value}</{key}>" for key, value in fields.items())
            return f"<result>{inner}</result>"
        if fmt == "1":
            return ",".join(str(value) for value in fields.values())
        text = f"OK - {count} SMS, ID - {message_id}"
        if "cost" in fields:
            text += f", COST - {fields['cost']}"
        if "balance" in fields:
            text += f", BALANCE - {fields['balance']}"
        return text
