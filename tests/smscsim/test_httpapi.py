"""The simulator's HTTP API (/sys/*.php) over real HTTP on 127.0.0.1, checked by counts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import hashlib
import json
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import web
import pytest

from smscsim import SmscSimulator
from smscsim.control import ControlServer
from smscsim.httpapi import HttpApi, count_parts
from smscsim.pdu import ESME_RSUBMITFAIL

from .conftest import Connect, served

PHONE = "79991234567"


@pytest.fixture
async def sim() -> AsyncIterator[SmscSimulator]:
    """A simulator with its HTTP API; accounts test/secret and other/pw."""
    simulator = SmscSimulator(accounts={"test": "secret", "other": "pw"}, http_port=0)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def api(sim: SmscSimulator) -> HttpApi:
    assert sim.http is not None
    return sim.http


async def call(
    http: aiohttp.ClientSession,
    sim: SmscSimulator,
    name: str,
    *,
    method: str = "POST",
    password: str = "secret",
    **params: str,
) -> Any:
    """One request; the decoded JSON with fmt=3 (the default here), else the text."""
    form = {"login": "test", "psw": password, "fmt": "3", "charset": "utf-8", **params}
    url = f"{api(sim).url}/sys/{name}.php"
    request = http.get(url, params=form) if method == "GET" else http.post(url, data=form)
    async with request as resp:
        assert resp.status == 200
        text = await resp.text()
    return json.loads(text) if form["fmt"] == "3" else text


async def test_balance_in_every_format(http: aiohttp.ClientSession, sim: SmscSimulator) -> None:
    api(sim).balance = 84.75
    assert await call(http, sim, "balance") == {"balance": "84.75"}
    assert await call(http, sim, "balance", cur="1") == {"balance": "84.75", "currency": "RUB"}
    assert await call(http, sim, "balance", fmt="0") == "84.75"
    assert await call(http, sim, "balance", fmt="1", cur="1") == "84.75,RUB"
    assert await call(http, sim, "balance", fmt="2") == "<result><balance>84.75</balance></result>"
    assert await call(http, sim, "balance", method="GET") == {"balance": "84.75"}
    assert [r.method for r in api(sim).requests] == ["POST"] * 5 + ["GET"]
    assert [r.password_in_query for r in api(sim).requests] == [False] * 5 + [True]
    assert all("psw" not in r.params for r in api(sim).requests)


async def test_send_counts_like_smpp(
    http: aiohttp.ClientSession, sim: SmscSimulator, connect: Connect
) -> None:
    """An HTTP message takes the next id of the SMPP counter, shows in messages() and
    records, answers QUERY_SM and status.php, and costs the price per part."""
    client = await connect()
    _, smpp_id = await client.submit(PHONE, "over smpp")
    answer = await call(http, sim, "send", phones=f"+{PHONE}", mes="over http", cost="3")
    assert answer == {"id": int(smpp_id) + 1, "cnt": 1, "cost": "2.5", "balance": "97.5"}
    message_id = str(answer["id"])
    [smpp, over_http] = sim.messages()
    assert (smpp.via, over_http.via) == ("smpp", "http")
    assert (over_http.text, over_http.destination, over_http.complete) == (
        "over http",
        PHONE,
        True,
    )
    assert sim.count_text("over http") == 1
    assert sim.message_count == 2
    assert api(sim).sent_count == 1
    record = sim.record(message_id)
    assert record is not None
    assert record.stat == "DELIVRD"  # auto receipts: delivered at once
    status, _, state, _ = await client.query_sm(message_id)
    assert (status, state) == (0, 2)
    answer = await call(http, sim, "status", id=message_id, phone=PHONE)
    assert (answer["status"], answer["err"]) == (1, 0)
    assert answer["last_timestamp"] > 0
    # the SMPP message is known to status.php too, and an unknown one reads -3
    assert (await call(http, sim, "status", id=smpp_id, phone=PHONE))["status"] == 0
    assert await call(http, sim, "status", id="999", phone=PHONE) == {"status": -3}


async def test_send_answers_in_every_format(
    http: aiohttp.ClientSession, sim: SmscSimulator
) -> None:
    assert await call(http, sim, "send", phones=PHONE, mes="a", fmt="0") == (
        "OK - 1 SMS, ID - 100001"
    )
    assert await call(http, sim, "send", phones=PHONE, mes="b", fmt="1", cost="2") == (
        "100002,1,2.5"
    )
    assert await call(http, sim, "send", phones=PHONE, mes="c", fmt="0", cost="3") == (
        "OK - 1 SMS, ID - 100003, COST - 2.5, BALANCE - 92.5"
    )
    assert await call(http, sim, "send", phones=PHONE, mes="d", fmt="2") == (
        "<result><id>100004</id><cnt>1</cnt></result>"
    )
    assert await call(http, sim, "send", phones=PHONE, mes="a", fmt="0") == (
        "ERROR = 9 (duplicate request, wait a minute)"
    )
    assert await call(http, sim, "send", phones="123", mes="x", fmt="1", id="77") == "77,-7"
    assert sim.message_count == 4


async def test_cost_only_sends_nothing(http: aiohttp.ClientSession, sim: SmscSimulator) -> None:
    """cost=1 prices parts x recipients; a long Cyrillic text is three UCS2 parts."""
    api(sim).price = 1.5
    text = "Ж" * 140  # 140 UCS2 units: 3 parts of 67
    assert count_parts(text) == 3
    answer = await call(http, sim, "send", phones=f"{PHONE},79990000000", mes=text, cost="1")
    assert answer == {"cost": "9.0", "cnt": 6}
    assert await call(http, sim, "send", phones=PHONE, mes="x" * 160, cost="1", fmt="1") == (
        "1.5,1"
    )
    assert sim.messages() == []
    assert api(sim).balance == 100.0
    # the same price asked for a fifth time within a minute: too many requests
    for _ in range(4):
        assert (await call(http, sim, "send", phones=PHONE, mes="y", cost="1"))["cnt"] == 1
    answer = await call(http, sim, "send", phones=PHONE, mes="y", cost="1")
    assert answer == {"error": "duplicate request, wait a minute", "error_code": 9}


async def test_client_id_and_several_recipients(
    http: aiohttp.ClientSession, sim: SmscSimulator
) -> None:
    answer = await call(http, sim, "send", phones=f"{PHONE};79990000000", mes="hi", id="4242")
    assert answer == {"id": 4242, "cnt": 2}
    assert [(m.message_id, m.destination) for m in sim.messages()] == [
        ("4242", PHONE),
        ("4242", "79990000000"),
    ]
    assert api(sim).record("4242", "79990000000") is not None
    assert (await call(http, sim, "status", id="4242", phone="79990000000"))["status"] == 1
    assert (await call(http, sim, "send", phones=PHONE, mes="x", id="0"))["id"] == 100001
    for bad in ("-1", "abc", str(2**31)):
        answer = await call(http, sim, "send", phones=PHONE, mes="y", id=bad)
        assert answer["error_code"] == 1
    assert sim.message_count == 3


@pytest.mark.parametrize(
    ("params", "text", "kind"),
    [
        ({"mes": "hello\n~~~\nnote"}, "hello\n~~~\nnote", 0),
        ({"mes": "wake up", "call": "1", "voice": "m2"}, "__CALL__: wake up\nvoice:m2", 7),
        (
            {"mes": "wake up", "call": "1", "param": "20,10,3"},
            "__CALL__: wake up\nvoice:w\n~~~\n20,10,3",
            7,
        ),
        ({"mes": "hi", "viber": "1"}, "__VIBER__: hi", 10),
        ({"mes": "hi", "soc": "1"}, "__SOC__: hi", 12),
        ({"mes": "", "hlr": "1"}, "__HLR__", 4),
        ({"mes": "", "ping": "1"}, "__PING__", 5),
    ],
)
async def test_channel_flags(
    http: aiohttp.ClientSession,
    sim: SmscSimulator,
    params: dict[str, str],
    text: str,
    kind: int,
) -> None:
    """Each flag gives the text the same message has over SMPP, and its message type."""
    await call(http, sim, "send", phones=PHONE, **params)
    [message] = sim.messages()
    assert (message.text, message.kind, message.via) == (text, kind, "http")


async def test_mail(http: aiohttp.ClientSession, sim: SmscSimulator) -> None:
    params = {"phones": "a@example.org", "mes": "body", "mail": "1"}
    assert (await call(http, sim, "send", **params))["error_code"] == 1  # no subject
    assert (await call(http, sim, "send", **params, subj="Subject"))["cnt"] == 1
    [message] = sim.messages()
    assert (message.destination, message.text, message.kind) == (
        "a@example.org",
        "__MAIL__: body\nsubj:Subject",
        8,
    )
    answer = await call(http, sim, "send", phones="not-an-address", mes="b", mail="1", subj="s")
    assert answer["error_code"] == 7


async def test_charset(http: aiohttp.ClientSession, sim: SmscSimulator) -> None:
    """Text is read in the request's charset; the provider's default is windows-1251."""
    url = f"{api(sim).url}/sys/send.php"
    body = "login=test&psw=secret&fmt=3&phones={}&mes={}".format(
        PHONE, quote("Привет", encoding="cp1251")
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    async with http.post(url, data=body, headers=headers) as resp:
        assert (await resp.json(content_type=None))["cnt"] == 1
    await call(http, sim, "send", phones=PHONE, mes="Пока")  # charset=utf-8
    assert [m.text for m in sim.messages()] == ["Привет", "Пока"]


async def test_errors(http: aiohttp.ClientSession, sim: SmscSimulator) -> None:
    assert await call(http, sim, "balance", password="wrong") == {
        "error": "authorise error",
        "error_code": 2,
    }
    assert (await call(http, sim, "send", phones=PHONE, mes=""))["error_code"] == 1
    assert (await call(http, sim, "send", phones="", mes="x"))["error_code"] == 1
    for phones in ("12345", "7999abc4567", f"{PHONE},+1"):
        answer = await call(http, sim, "send", phones=phones, mes="x", id="5")
        assert answer == {"error": "invalid number", "error_code": 7, "id": 5}
    api(sim).balance = 2.0
    answer = await call(http, sim, "send", phones=PHONE, mes="x")
    assert answer == {"error": "no money", "error_code": 3}
    api(sim).balance = 100.0
    api(sim).fail(8, count=2)
    assert (await call(http, sim, "balance"))["error_code"] == 8
    assert (await call(http, sim, "send", phones=PHONE, mes="x"))["error_code"] == 8
    assert (await call(http, sim, "send", phones=PHONE, mes="x"))["cnt"] == 1
    assert sim.message_count == 1
    assert [r.error for r in api(sim).requests].count(None) == 1


async def test_frequent_errors_block_the_address(
    http: aiohttp.ClientSession, sim: SmscSimulator
) -> None:
    for _ in range(api(sim).block_after):
        assert (await call(http, sim, "balance", password="bad"))["error_code"] == 2
    # now even the right password reads 4, until the block ends or is cleared
    assert await call(http, sim, "balance") == {"error": "IP is blocked", "error_code": 4}
    sim.clear_faults()
    assert "balance" in await call(http, sim, "balance")
    api(sim).block_ip()
    assert (await call(http, sim, "send", phones=PHONE, mes="x"))["error_code"] == 4
    assert sim.message_count == 0


async def test_duplicate_rule_across_smpp_and_http(
    http: aiohttp.ClientSession, sim: SmscSimulator, connect: Connect
) -> None:
    """The same text to the same number within a minute is refused whichever way each went."""
    client = await connect()
    assert (await client.submit(PHONE, "one"))[0] == 0
    assert (await call(http, sim, "send", phones=PHONE, mes="one"))["error_code"] == 9
    assert (await call(http, sim, "send", phones=PHONE, mes="two"))["cnt"] == 1
    assert (await client.submit(PHONE, "two"))[0] == ESME_RSUBMITFAIL
    assert (await call(http, sim, "send", phones=PHONE, mes="two"))["error_code"] == 9
    # another number, or another account, is another request
    assert (await client.submit("79990000000", "two"))[0] == 0
    other = await call(http, sim, "send", phones=PHONE, mes="two", login="other", password="pw")
    assert other["cnt"] == 1
    assert sim.count_text("one") == 1
    assert sim.count_text("two") == 3
    sim.duplicate_window = 0.0  # the rule off
    assert (await call(http, sim, "send", phones=PHONE, mes="one"))["cnt"] == 1


async def test_down_modes(http: aiohttp.ClientSession, sim: SmscSimulator) -> None:
    url = f"{api(sim).url}/sys/balance.php"
    form = {"login": "test", "psw": "secret", "fmt": "3"}
    api(sim).down()
    async with http.post(url, data=form) as resp:
        assert resp.status == 503
    api(sim).down("reset")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        async with http.post(url, data=form):
            pass
    api(sim).down("hang")
    pending = asyncio.create_task(call(http, sim, "balance"))
    await sim.wait_for(lambda s: api(s).hanging == 1)
    assert not pending.done()
    api(sim).up()
    assert "balance" in await asyncio.wait_for(pending, 5.0)
    assert (api(sim).hanging, api(sim).request_count) == (0, 1)
    with pytest.raises(ValueError, match="mode"):
        api(sim).down("sideways")


async def test_requests_left_hanging_get_what_the_next_mode_says(
    http: aiohttp.ClientSession, sim: SmscSimulator
) -> None:
    url = f"{api(sim).url}/sys/balance.php"
    form = {"login": "test", "psw": "secret", "fmt": "3"}

    async def status() -> int:
        async with http.post(url, data=form) as resp:
            return resp.status

    api(sim).down("hang")
    pending = [asyncio.create_task(status()) for _ in range(3)]
    await sim.wait_for(lambda s: api(s).hanging == 3)
    api(sim).down("unavailable")
    assert await asyncio.wait_for(asyncio.gather(*pending), 5.0) == [503] * 3
    assert api(sim).hanging == 0


async def test_latency_holds_each_answer(http: aiohttp.ClientSession, sim: SmscSimulator) -> None:
    """``latency`` holds each answer (the request is carried out first): a round trip to
    the real API instead of loopback's."""
    api(sim).latency = 0.3
    pending = asyncio.create_task(call(http, sim, "balance"))
    async with asyncio.timeout(5):
        while api(sim).request_count == 0:  # read and counted...
            await asyncio.sleep(0.005)
    assert not pending.done()  # ...but not answered yet
    assert "balance" in await asyncio.wait_for(pending, 5.0)


async def test_lost_answers(http: aiohttp.ClientSession, sim: SmscSimulator) -> None:
    """The message goes, the answer never comes; status.php finds it by its id."""
    api(sim).lose_answers()
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await call(http, sim, "send", phones=PHONE, mes="lost", id="31")
    assert sim.count_text("lost") == 1
    assert (await call(http, sim, "status", id="31", phone=PHONE))["status"] == 1
    assert (await call(http, sim, "send", phones=PHONE, mes="lost", id="31"))["error_code"] == 9
    assert [r.http_status for r in api(sim).requests] == [0, 200, 200]


async def test_status_callback(http: aiohttp.ClientSession, sim: SmscSimulator) -> None:
    """Statuses of HTTP messages are POSTed to the handler URL, signed, retried until 200."""
    received: list[dict[str, str]] = []
    answers = [500, 200]

    async def handler(request: web.Request) -> web.Response:
        received.append(dict(await request.post()))
        return web.Response(status=answers.pop(0))

    app = web.Application()
    app.router.add_post("/hook", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        api(sim).callback_url = f"http://127.0.0.1:{port}/hook?md5=s3cret"
        api(sim).callback_retry_interval = 0.01
        sim.receipt_delay = 0.05
        answer = await call(http, sim, "send", phones=PHONE, mes="hello", sender="Home")
        message_id = str(answer["id"])
        record = api(sim).record(message_id, PHONE)
        assert record is not None
        assert record.stat == "ENROUTE"
        assert (await call(http, sim, "status", id=message_id, phone=PHONE))["status"] == 0
        await sim.wait_for(lambda s: bool(api(s).callbacks) and api(s).callbacks[0].delivered)
    finally:
        await runner.cleanup()
    [callback] = api(sim).callbacks
    assert callback.statuses == [500, 200]
    assert received[0] == received[1]
    fields = received[0]
    assert (fields["id"], fields["phone"], fields["status"], fields["err"]) == (
        message_id,
        PHONE,
        "1",
        "0",
    )
    assert (fields["type"], fields["cnt"], fields["cost"], fields["sender"]) == (
        "0",
        "1",
        "2.5",
        "Home",
    )
    expected = hashlib.md5(f"{message_id}:{PHONE}:1:s3cret".encode()).hexdigest()
    assert fields["md5"] == expected
    # a status given by hand goes the same way
    await api(sim).report(message_id, stat="UNDELIV", err=1)
    assert (await call(http, sim, "status", id=message_id, phone=PHONE))["status"] == 20


async def test_http_receipts_over_smpp(
    http: aiohttp.ClientSession, sim: SmscSimulator, connect: Connect
) -> None:
    """Off by default: the provider sends SMPP receipts for SMPP messages; a switch adds them."""
    client = await connect()
    await call(http, sim, "send", phones=PHONE, mes="first")
    api(sim).receipts_over_smpp = True
    answer = await call(http, sim, "send", phones=PHONE, mes="second")
    await client.wait_for(lambda c: len(c.delivers) == 1)
    [deliver] = client.delivers
    assert f"id:{answer['id']} ".encode() in deliver.short_message


async def test_history_and_reset(http: aiohttp.ClientSession) -> None:
    async with SmscSimulator(http_port=0, history=2) as sim:
        for i in range(6):
            await call(http, sim, "send", phones=PHONE, mes=f"m{i}")
        assert sim.message_count == 6
        assert len(sim.messages()) < 4
        assert len(api(sim).requests) < 4
        sim.reset_observations()
        assert (api(sim).requests, api(sim).sent_count, sim.messages()) == ([], 0, [])
        assert sim.stats()["http"]["sent"] == 0


async def test_command_line_and_control(capsys: pytest.CaptureFixture[str]) -> None:
    async with (
        served(["--port", "0", "--http-port", "0", "--balance", "7"]) as (sim, control),
        aiohttp.ClientSession() as http,
    ):
        base = f"http://127.0.0.1:{control.port}"
        assert (await call(http, sim, "balance"))["balance"] == "7.0"
        async with http.post(f"{base}/account", json={"balance": 50, "price": 1}) as resp:
            assert (await resp.json())["balance"] == "50.0"
        async with http.post(f"{base}/fault", json={"kind": "http_fail", "code": 6}) as resp:
            assert resp.status == 200
        assert (await call(http, sim, "send", phones=PHONE, mes="x"))["error_code"] == 6
        async with http.post(f"{base}/fault", json={"kind": "http_block"}) as resp:
            assert resp.status == 200
        assert (await call(http, sim, "balance"))["error_code"] == 4
        async with http.post(f"{base}/fault", json={"kind": "clear"}) as resp:
            assert resp.status == 200
        async with http.post(f"{base}/fault", json={"kind": "http_down"}) as resp:
            assert resp.status == 200
        async with http.post(f"{api(sim).url}/sys/balance.php") as resp:
            assert resp.status == 503
        async with http.post(f"{base}/fault", json={"kind": "http_down", "mode": "x"}) as resp:
            assert resp.status == 400
    assert f"HTTP API on http://127.0.0.1:{sim.http.port if sim.http else 0}/sys/" in (
        capsys.readouterr().out
    )


async def test_control_without_http_api() -> None:
    async with SmscSimulator() as sim:
        control = ControlServer(sim)
        await control.start()
        try:
            async with aiohttp.ClientSession() as http:
                base = f"http://127.0.0.1:{control.port}"
                async with http.post(f"{base}/fault", json={"kind": "http_down"}) as resp:
                    assert resp.status == 409
                async with http.post(f"{base}/account", json={"balance": 1}) as resp:
                    assert resp.status == 409
        finally:
            await control.stop()
        assert sim.stats()["http"] is None
