"""The account behind the HTTP API, and balance.php."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .records import HttpRequest
from .wire import money


@dataclass(slots=True)
class Account:
    """What the provider's account holds (tests may change it)."""

    balance: float = 100.0
    currency: str = "RUB"
    price: float = 2.5  # per SMS part and recipient; per message for other channels


def answer_balance(account: Account, request: HttpRequest, fmt: str) -> Any:
    """balance.php: the balance, with ``cur=1`` its currency."""
    balance = money(account.balance)
    with_currency = request.params.get("cur") == "1"
    if fmt == "3":
        body = {"balance": balance}
        if with_currency:
            body["currency"] = account.currency
        return body
    if fmt == "2":
        currency = f"<currency>{account.currency}</currency>" if with_currency else ""
        return f"<result><balance>{balance}</balance>{currency}</result>"
    return f"{balance},{account.currency}" if with_currency else balance
