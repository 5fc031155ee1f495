"""The HTTP API client: every method and answer, against the simulator over TCP."""

from __future__ import annotations

import logging

import aiohttp
from aiohttp import web
from hypothesis import given, settings, strategies as st
import pytest

from custom_components.smscentre.smsc.channels import VOICES, Channel, compose
from custom_components.smscentre.smsc.errors import InvalidInput, SmscError
from custom_components.smscentre.smsc.http.api import Balance, Cost, HttpApi, Sent
from custom_components.smscentre.smsc.http.errors import (
    ApiAuthFailed,
    ApiBlocked,
    ApiCannotConnect,
    ApiDuplicate,
    ApiError,
    ApiInvalidNumber,
    ApiNoMoney,
    ApiUnexpectedAnswer,
    HttpChannelUnsupported,
)
from custom_components.smscentre.smsc.http.provider import http_channels
from custom_components.smscentre.smsc.http.request import send_params
from smscsim import SmscSimulator
from smscsim.httpapi import HttpApi as SimHttpApi, smpp_text

from .conftest import PASSWORD

PHONE = "79991234567"


async def test_balance(client: HttpApi, sim_http: SimHttpApi) -> None:
    sim_http.balance = 84.75
    sim_http.currency = "RUB"
    assert await client.balance() == Balance(84.75, "RUB")
    [request] = sim_http.requests
    assert (request.method, request.path, request.password_in_query) == (
        "POST",
        "/sys/balance.php",
        False,
    )
    assert (request.params["fmt"], request.params["charset"], request.params["cur"]) == (
        "3",
        "utf-8",
        "1",
    )


async def test_cost_sends_nothing(client: HttpApi, sim: SmscSimulator) -> None:
    assert sim.http is not None
    sim.http.price = 1.2
    text = compose(Channel.SMS, {"message": "Привет " * 20})  # 140 UCS2 units: 3 parts
    assert await client.cost([PHONE, "79990000000"], Channel.SMS, text) == Cost(7.2, 6)
    assert await client.cost([PHONE], "viber", "__VIBER__: hi") == Cost(1.2, 1)
    assert sim.messages() == []
    assert sim.http.balance == 100.0


async def test_send(client: HttpApi, sim: SmscSimulator, sim_http: SimHttpApi) -> None:
    sent = await client.send([PHONE], Channel.SMS, "hello", client_id=4242, sender="Home")
    assert sent == Sent("4242", 1, 2.5, 97.5)
    [message] = sim.messages()
    assert (message.message_id, message.destination, message.text, message.via) == (
        "4242",
        PHONE,
        "hello",
        "http",
    )
    assert message.source == "Home"
    # without a client id the provider numbers it (the simulator's shared counter)
    sent = await client.send([PHONE, "79990000000"], Channel.SMS, "both")
    assert (sent.message_id, sent.parts) == ("100001", 2)
    assert sim.message_count == 3
    status = await client.status(sent.message_id, "79990000000")
    assert (status.status, status.error) == (1, 0)
    assert status.changed_at is not None
    unknown = await client.status("999", PHONE)
    assert (unknown.status, unknown.changed_at) == (-3, None)
    assert {r.method for r in sim_http.requests} == {"POST"}
    assert not any(r.password_in_query for r in sim_http.requests)


async def test_flash(client: HttpApi, sim_http: SimHttpApi) -> None:
    await client.send([PHONE], Channel.SMS, "now", flash=True)
    await client.cost([PHONE], Channel.SMS, "later")
    assert [r.params.get("flash") for r in sim_http.requests] == ["1", None]


async def test_a_retry_after_a_lost_answer_sends_once(client: HttpApi, sim: SmscSimulator) -> None:
    """The same request with the same client id within a minute is refused as a duplicate,
    naming the id: the caller knows the message went, and it went once."""
    await client.send([PHONE], Channel.SMS, "alarm", client_id=77)
    with pytest.raises(ApiDuplicate) as err:
        await client.send([PHONE], Channel.SMS, "alarm", client_id=77)
    assert (err.value.code, err.value.message_id, err.value.key) == (9, "77", "api_duplicate")
    assert sim.count_text("alarm") == 1


@pytest.mark.parametrize(
    ("channel", "fields"),
    [
        (Channel.SMS, {"message": "Text", "comment": "for the log"}),
        (Channel.CALL, {"message": "Fire in the kitchen", "voice": "m2"}),
        (Channel.CALL, {"message": "Fire", "param": "20,10,3"}),
        (Channel.VIBER, {"message": "Door open"}),
        (Channel.SOCIAL, {"message": "Door open"}),
        (Channel.HLR, {}),
        (Channel.PING, {}),
    ],
)
async def test_every_channel_reads_as_over_smpp(
    client: HttpApi, sim: SmscSimulator, channel: Channel, fields: dict[str, str]
) -> None:
    """A message sent over HTTP is the message the same action sends over SMPP."""
    text = compose(channel, fields)
    await client.send([PHONE], channel, text)
    [message] = sim.messages()
    assert message.text == text


async def test_email(client: HttpApi, sim: SmscSimulator) -> None:
    text = compose(Channel.EMAIL, {"message": "Body\nsecond line", "subject": "Alert"})
    await client.send(["a@example.org"], Channel.EMAIL, text, sender="home@example.org")
    [message] = sim.messages()
    assert (message.destination, message.text, message.kind) == ("a@example.org", text, 8)


@pytest.mark.parametrize(
    ("channel", "fields"),
    [(Channel.TELEGRAM_CODE, {"code": "1234"}), (Channel.BOT, {"message": "x", "bot": "@robot"})],
)
async def test_channels_http_cannot_carry(
    client: HttpApi, sim: SmscSimulator, channel: Channel, fields: dict[str, str]
) -> None:
    with pytest.raises(HttpChannelUnsupported) as err:
        await client.send([PHONE], channel, compose(channel, fields))
    assert err.value.key == "http_channel_unsupported"
    assert err.value.placeholders["channel"] == channel
    assert "telegram_code" not in err.value.placeholders["channels"]
    with pytest.raises(HttpChannelUnsupported):
        await client.cost([PHONE], channel, compose(channel, fields))
    assert sim.http is not None
    assert sim.http.request_count == 0
    assert set(http_channels()) == set(Channel) - {Channel.TELEGRAM_CODE, Channel.BOT}


async def test_bad_requests_send_nothing(client: HttpApi, sim_http: SimHttpApi) -> None:
    with pytest.raises(InvalidInput, match="no_recipients"):
        await client.send([" ", ""], Channel.SMS, "x")
    with pytest.raises(InvalidInput, match="invalid_channel"):
        await client.send([PHONE], "fax", "x")
    with pytest.raises(InvalidInput, match="invalid_channel"):
        await client.send([PHONE], Channel.CALL, "no prefix")
    with pytest.raises(InvalidInput, match="invalid_channel"):
        await client.send([PHONE], Channel.HLR, "__PING__")
    for bad in (0, -5, 2**31, True):
        with pytest.raises(ValueError, match="client_id"):
            await client.send([PHONE], Channel.SMS, "x", client_id=bad)
    assert sim_http.request_count == 0


async def test_provider_errors(client: HttpApi, sim_http: SimHttpApi) -> None:
    """Each error answer becomes its class and translation key, with the provider's code."""
    with pytest.raises(ApiInvalidNumber) as invalid:
        await client.send(["12345"], Channel.SMS, "x", client_id=5)
    assert (invalid.value.key, invalid.value.code, invalid.value.message_id) == (
        "api_invalid_number",
        7,
        "5",
    )
    assert invalid.value.message_fault
    sim_http.balance = 1.0
    with pytest.raises(ApiNoMoney) as no_money:
        await client.send([PHONE], Channel.SMS, "x")
    assert (no_money.value.key, no_money.value.message_fault) == ("api_no_money", False)
    sim_http.fail(6)
    with pytest.raises(ApiError) as denied:
        await client.send([PHONE], Channel.SMS, "x")
    assert type(denied.value) is ApiError
    assert denied.value.key == "api_error"
    assert denied.value.placeholders == {"code": "6", "error": "message is denied"}
    sim_http.block_ip()
    with pytest.raises(ApiBlocked) as blocked:
        await client.balance()
    assert blocked.value.key == "api_ip_blocked"
    assert not any(e.value.maybe_sent for e in (invalid, no_money, denied, blocked))
    assert client.diagnostics() == {
        "url": sim_http.url,
        "active_url": sim_http.url,
        "requests": 4,
        "errors": 4,
        "last_error": "api_ip_blocked",
    }


async def test_wrong_password(
    session: aiohttp.ClientSession, sim_http: SimHttpApi, caplog: pytest.LogCaptureFixture
) -> None:
    """invalid_api_auth; and the password is in no log line, repr, diagnostics or error."""
    caplog.set_level(logging.DEBUG)
    secret = "Wr0ng-Secret-9"
    client = HttpApi(session, "test", secret, url=sim_http.url, timeout=5.0)
    with pytest.raises(ApiAuthFailed) as err:
        await client.balance()
    assert (err.value.key, err.value.code) == ("invalid_api_auth", 2)
    sim_http.down()
    with pytest.raises(ApiCannotConnect) as down:
        await client.send([PHONE], Channel.SMS, "x")
    for text in (
        caplog.text,
        repr(client),
        str(client.diagnostics()),
        str(err.value),
        repr(err.value),
        str(down.value),
        repr(down.value),
        str(sim_http.requests),
    ):
        assert secret not in text
        assert PASSWORD not in text
    assert f"POST {sim_http.url}/sys/balance.php -> 200" in caplog.text


async def test_a_provider_text_holding_the_password_is_masked(
    session: aiohttp.ClientSession,
) -> None:
    async def echo(request: web.Request) -> web.Response:
        form = await request.post()
        return web.json_response({"error": f"bad psw {form['psw']}", "error_code": 1})

    async with _server(echo) as url:
        client = HttpApi(session, "test", PASSWORD, url=url)
        with pytest.raises(ApiError) as err:
            await client.balance()
    assert PASSWORD not in str(err.value)
    assert err.value.placeholders["error"] == "bad psw **REDACTED**"


async def test_cannot_connect(client: HttpApi, sim_http: SimHttpApi) -> None:
    sim_http.down("unavailable")
    with pytest.raises(ApiCannotConnect) as unavailable:
        await client.balance()
    assert unavailable.value.placeholders["error"] == "HTTP 503"
    assert unavailable.value.maybe_sent  # a proxy's 5xx may come after the API acted
    sim_http.down("reset")
    with pytest.raises(ApiCannotConnect) as reset:
        await client.balance()
    assert reset.value.key == "api_cannot_connect"
    sim_http.up()
    assert (await client.balance()).balance == 100.0


async def test_timeout(session: aiohttp.ClientSession, sim_http: SimHttpApi) -> None:
    """An API that never answers is a timeout, not a hang; it sends once."""
    client = HttpApi(session, "test", PASSWORD, url=sim_http.url, timeout=0.2)
    sim_http.down("hang")
    with pytest.raises(ApiCannotConnect) as err:
        await client.send([PHONE], Channel.SMS, "x")
    assert err.value.placeholders["error"] == "timeout"
    assert err.value.maybe_sent
    sim_http.up()
    assert sim_http.request_count <= 1


async def test_connection_refused(session: aiohttp.ClientSession) -> None:
    async with SmscSimulator(http_port=0) as sim:
        assert sim.http is not None
        url = sim.http.url
    client = HttpApi(session, "test", PASSWORD, url=url)
    with pytest.raises(ApiCannotConnect) as err:
        await client.balance()
    assert err.value.placeholders["error"] == "ClientConnectorError"
    assert not err.value.maybe_sent  # no connection: nothing can have been sent


@pytest.mark.parametrize(
    ("status", "body", "content_type", "error"),
    [
        (200, "<html>login page</html>", "text/html", ApiUnexpectedAnswer),
        (200, "[1, 2]", "application/json", ApiUnexpectedAnswer),
        (200, '{"balance": "lots"}', "application/json", ApiUnexpectedAnswer),
        (200, '{"balance": "NaN"}', "application/json", ApiUnexpectedAnswer),
        (200, '{"sum": "1"}', "application/json", ApiUnexpectedAnswer),
        (302, "", "text/plain", ApiUnexpectedAnswer),
        (404, "not found", "text/plain", ApiUnexpectedAnswer),
        (502, "bad gateway", "text/plain", ApiCannotConnect),
        (429, "", "text/plain", ApiCannotConnect),
        (403, '{"error": "authorise error", "error_code": 2}', "application/json", ApiAuthFailed),
    ],
)
async def test_unexpected_answers(
    session: aiohttp.ClientSession,
    status: int,
    body: str,
    content_type: str,
    error: type[ApiError],
) -> None:
    async def handler(request: web.Request) -> web.Response:
        headers = {"Location": "/elsewhere"} if status == 302 else None
        return web.Response(status=status, text=body, content_type=content_type, headers=headers)

    async with _server(handler) as url:
        client = HttpApi(session, "test", PASSWORD, url=url)
        with pytest.raises(error) as err:
            await client.balance()
    assert type(err.value) is error
    assert body not in str(err.value) or not body
    assert err.value.maybe_sent is (error is not ApiAuthFailed)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://smscentre.com",
        "smscentre.com",
        "https://",
        "https://user:pw@smscentre.com",
        "https://pw@smscentre.com",
        "https://smscentre.com/?psw=1",
        "https://smscentre.com/#x",
        "https://smscentre.com:99999",
    ],
)
def test_url_is_checked(url: str) -> None:
    with pytest.raises(InvalidInput) as err:
        HttpApi.check_url(url)
    assert err.value.key == "invalid_api_url"
    assert err.value.placeholders == {}  # nothing of the URL is echoed


def test_url_forms() -> None:
    assert HttpApi.check_url(" https://smscentre.com/ ") == "https://smscentre.com"
    assert HttpApi.check_url("http://127.0.0.1:8080/api") == "http://127.0.0.1:8080/api"


async def test_endpoint_and_repr(session: aiohttp.ClientSession) -> None:
    client = HttpApi(session, "login", PASSWORD)
    assert client.url == "https://smscentre.com"
    assert client.endpoint("send") == "https://smscentre.com/sys/send.php"
    assert repr(client) == "HttpApi('https://smscentre.com')"
    assert isinstance(ApiCannotConnect("x"), SmscError)


_MESSAGE = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1
).filter(lambda t: t.strip() == t and "~~~" not in t)


@settings(max_examples=60, deadline=None)
@given(
    message=_MESSAGE,
    voice=st.sampled_from(VOICES),
    param=st.sampled_from(["", "20,10,3"]),
    subject=st.text(alphabet="abc XYZ", min_size=1).filter(lambda t: t.strip() == t),
)
def test_parameters_round_trip(message: str, voice: str, param: str, subject: str) -> None:
    """send_params undoes compose: the simulator rebuilds the same SMPP text from them."""
    cases = {
        Channel.SMS: {"message": message},
        Channel.CALL: {"message": message, "voice": voice, "param": param},
        Channel.VIBER: {"message": message},
        Channel.SOCIAL: {"message": message},
        Channel.EMAIL: {"message": message, "subject": subject},
    }
    for channel, fields in cases.items():
        try:
            text = compose(channel, fields)
        except InvalidInput:
            continue  # a text the composer refuses never reaches the HTTP API
        assert smpp_text(send_params(channel, text))[1] == text, channel


class _Server:
    def __init__(self, handler: web.Handler) -> None:
        app = web.Application()
        app.router.add_route("*", "/sys/{name}", handler)
        self.runner = web.AppRunner(app)

    async def __aenter__(self) -> str:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{self.runner.addresses[0][1]}"

    async def __aexit__(self, *exc: object) -> None:
        await self.runner.cleanup()


def _server(handler: web.Handler) -> _Server:
    """A one-handler HTTP server standing in for an API that answers oddly."""
    return _Server(handler)
