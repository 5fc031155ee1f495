"""The HTTP API's wire format: parameters in, answers in ``fmt`` 0-3 out, error codes and texts,
amounts and dates as the provider writes them."""

from __future__ import annotations

import datetime
import json
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from aiohttp import web

from smscsim.model import PROVIDER_TZ

# Error texts of fmt=0/2/3 answers. 2, 3, 6, 7, 8 and 9 as the real API writes them
# (recorded in public client code); 1, 4 and 5 are the simulator's wording.
ERRORS: dict[int, str] = {
    1: "parameters error",
    2: "authorise error",
    3: "no money",
    4: "IP is blocked",
    5: "wrong date format",
    6: "message is denied",
    7: "invalid number",
    8: "can't to deliver",
    9: "duplicate request, wait a minute",
}
# Receipt stat -> the HTTP API's numeric status (status.php, the HTTP handler).
HTTP_STATUS = {
    "ENROUTE": 0,
    "ACCEPTD": 0,
    "DELIVRD": 1,
    "EXPIRED": 3,
    "DELETED": 20,
    "UNDELIV": 20,
    "UNKNOWN": 20,
    "REJECTD": 23,
}
CHARSETS = {"utf-8": "utf-8", "utf8": "utf-8", "koi8-r": "koi8-r", "windows-1251": "cp1251"}
DEFAULT_CHARSET = "windows-1251"  # the provider's default


class ApiError(Exception):
    """An error answer of the HTTP API (code 1-9), with the message id when one was given."""

    def __init__(self, code: int, message_id: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message_id = message_id


def money(value: float) -> str:
    """The provider's way of writing an amount: up to 4 decimals, no trailing zeros."""
    text = f"{value:.4f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def long_date(stamp: float) -> str:
    """DD.MM.YYYY hh:mm:ss in the provider's time zone (status.php)."""
    return datetime.datetime.fromtimestamp(stamp, PROVIDER_TZ).strftime("%d.%m.%Y %H:%M:%S")


def short_date(stamp: float) -> str:
    """DD.MM.YY hh:mm:ss (the HTTP handler's ``time``)."""
    return datetime.datetime.fromtimestamp(stamp, PROVIDER_TZ).strftime("%d.%m.%y %H:%M:%S")


def charset(name: str) -> str:
    """The Python codec of a ``charset`` parameter (windows-1251 for one it does not know)."""
    return CHARSETS.get(name.lower(), "cp1251")


async def read_params(request: web.Request) -> tuple[dict[str, str], str, bool]:
    """(parameters but the password, the password, the password was in the URL): from the URL
    and a POST body, decoded with their ``charset``."""
    raw: list[tuple[str, str]] = parse_qsl(
        request.query_string, keep_blank_values=True, encoding="latin-1"
    )
    in_query = any(key == "psw" for key, _ in raw)
    if request.method == "POST":
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            raw += [
                (k, v.encode().decode("latin-1")) for k, v in form.items() if isinstance(v, str)
            ]
        else:
            body = (await request.read()).decode("latin-1")
            raw += parse_qsl(body, keep_blank_values=True, encoding="latin-1")
    codec = charset(dict(raw).get("charset", DEFAULT_CHARSET))
    params = {key: value.encode("latin-1").decode(codec, "replace") for key, value in raw}
    password = params.pop("psw", "")
    return params, password, in_query


def error_body(fmt: str, err: ApiError) -> Any:
    """An error answer: ``ERROR = N (text)[, ID - id]``, ``id,-N``, XML or JSON."""
    text = ERRORS.get(err.code, "error")
    if fmt == "3":
        body: dict[str, Any] = {"error": text, "error_code": err.code}
        if err.message_id:
            body["id"] = int(err.message_id)
        return body
    if fmt == "2":
        return f"<result><error>{escape(text)}</error><error_code>{err.code}</error_code></result>"
    if fmt == "1":
        return f"{err.message_id or 0},-{err.code}"
    suffix = f", ID - {err.message_id}" if err.message_id else ""
    return f"ERROR = {err.code} ({text}){suffix}"


def response(fmt: str, body: Any) -> web.Response:
    """The HTTP response of an answer in ``fmt``."""
    if fmt == "3":
        return web.Response(text=json.dumps(body), content_type="application/json")
    if fmt == "2":
        return web.Response(text=body, content_type="text/xml")
    return web.Response(text=body, content_type="text/plain")
