"""The provider's mirror hosts: a host that gives no answer passes requests to the next one,
and a send that may have gone is never repeated elsewhere. Against simulator HTTP APIs over
TCP (one as the mirror, another or a closed port as the API's own host)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from custom_components.smscentre.smsc.channels import Channel
from custom_components.smscentre.smsc.http.api import HttpApi, mirror_urls
from custom_components.smscentre.smsc.http.errors import ApiCannotConnect
from smscsim import SmscSimulator
from smscsim.httpapi import HttpApi as SimHttpApi

from .conftest import PASSWORD

PHONE = "79991234567"


@pytest.mark.parametrize(
    ("url", "mirrors"),
    [
        ("https://smscentre.com", [f"https://www{i}.smscentre.com" for i in range(1, 6)]),
        ("http://SMSC.ru:8080", [f"http://www{i}.smsc.ru:8080" for i in range(1, 6)]),
        ("https://sms.example.org", []),  # a proxy or another host: no mirrors
        ("https://www1.smscentre.com", []),  # already a mirror
        ("http://127.0.0.1:8000", []),
    ],
)
def test_mirror_urls(url: str, mirrors: list[str]) -> None:
    assert mirror_urls(url) == mirrors


async def test_the_default_url_has_the_providers_mirrors(session: aiohttp.ClientSession) -> None:
    client = HttpApi(session, "test", PASSWORD)
    assert client.active_url == "https://smscentre.com"
    assert client._bases[1:] == mirror_urls("https://smscentre.com")


@pytest.fixture
async def closed_url() -> str:
    """A URL where nothing listens (connections are refused)."""
    async with SmscSimulator(http_port=0) as stopped:
        assert stopped.http is not None
        return stopped.http.url


@pytest.fixture
async def own_host(sim: SmscSimulator) -> AsyncIterator[SimHttpApi]:
    """A second HTTP API of the same simulator: the API's own host, the fixture's the mirror."""
    api = SimHttpApi(sim)
    await api.start()
    yield api
    await api.stop()


async def test_a_refused_host_passes_everything_to_the_mirror(
    session: aiohttp.ClientSession, sim: SmscSimulator, sim_http: SimHttpApi, closed_url: str
) -> None:
    """No connection: nothing can have been sent, so even a send goes on to the mirror at
    once, and later requests go straight there."""
    client = HttpApi(session, "test", PASSWORD, url=closed_url, mirrors=[sim_http.url])
    sent = await client.send([PHONE], Channel.SMS, "via the mirror", client_id=7)
    assert sent.message_id == "7"
    assert client.active_url == sim_http.url
    assert (await client.balance()).balance < 100.0
    assert sim_http.request_count == 2  # the send and the balance, nothing twice
    assert [m.text for m in sim.messages()] == ["via the mirror"]
    assert client.diagnostics()["active_url"] == sim_http.url
    assert client.diagnostics()["errors"] == 1


async def test_a_send_that_may_have_gone_is_not_repeated_on_a_mirror(
    session: aiohttp.ClientSession,
    sim: SmscSimulator,
    sim_http: SimHttpApi,
    own_host: SimHttpApi,
) -> None:
    """An answer lost after the request reached the server: the send raises (its caller
    asks the status before sending again), and the next request goes to the mirror."""
    client = HttpApi(session, "test", PASSWORD, url=own_host.url, mirrors=[sim_http.url])
    own_host.lose_answers(1)
    with pytest.raises(ApiCannotConnect) as err:
        await client.send([PHONE], Channel.SMS, "once", client_id=8)
    assert err.value.maybe_sent
    assert sim_http.request_count == 0
    assert client.active_url == sim_http.url
    assert [m.text for m in sim.messages()] == ["once"]  # it went, on the own host


async def test_requests_that_send_nothing_are_repeated_on_the_mirror(
    session: aiohttp.ClientSession, sim_http: SimHttpApi, own_host: SimHttpApi
) -> None:
    """HTTP 503 may come after a request was carried out; a balance, a status or a price
    sends nothing, so it is asked of the mirror at once."""
    client = HttpApi(session, "test", PASSWORD, url=own_host.url, mirrors=[sim_http.url])
    own_host.down("unavailable")
    assert (await client.balance()).balance == 100.0
    own_host.up()
    sim_http.down("unavailable")  # now the mirror fails: back to the own host
    cost = await client.cost([PHONE], Channel.SMS, "price")
    assert cost.parts == 1
    status = await client.status("123", PHONE)
    assert status.status == -3  # no such message
    assert client.active_url == own_host.url
    # (a host that is down counts no request: what each one answered)
    assert (own_host.request_count, sim_http.request_count) == (2, 1)


async def test_every_host_failing_fails_the_request_once_each(
    session: aiohttp.ClientSession, sim_http: SimHttpApi, own_host: SimHttpApi, closed_url: str
) -> None:
    client = HttpApi(
        session, "test", PASSWORD, url=own_host.url, mirrors=[closed_url, sim_http.url]
    )
    own_host.down("unavailable")
    sim_http.down("reset")
    with pytest.raises(ApiCannotConnect):
        await client.balance()
    assert client.diagnostics()["requests"] == 3  # each host once
    assert client.active_url == own_host.url  # round the ring, once
    sim_http.up()
    own_host.up()
    assert (await client.balance()).balance == 100.0
    assert (own_host.request_count, sim_http.request_count) == (1, 0)


async def test_a_host_that_hangs_costs_one_timeout_and_the_next_request_goes_elsewhere(
    session: aiohttp.ClientSession, sim_http: SimHttpApi, own_host: SimHttpApi
) -> None:
    client = HttpApi(
        session, "test", PASSWORD, url=own_host.url, mirrors=[sim_http.url], timeout=0.2
    )
    own_host.down("hang")
    with pytest.raises(ApiCannotConnect) as err:
        await client.balance()
    assert err.value.placeholders["error"] == "timeout"
    assert sim_http.request_count == 0  # the time of one request is gone: no more hosts
    assert (await client.balance()).balance == 100.0
    assert sim_http.request_count == 1
    own_host.up()
