"""The standalone entry point and its HTTP control API."""

from __future__ import annotations

import aiohttp
import pytest

from smscsim.__main__ import parse_args

from .conftest import Connect, served


def test_parse_args() -> None:
    args = parse_args(
        ["--port", "0", "--account", "a:b", "--account", "c:d:e", "--throughput", "30"]
    )
    assert args.accounts == {"a": "b", "c": "d:e"}
    assert args.throughput == 30.0
    assert args.tls_port is None
    assert parse_args([]).accounts is None
    assert parse_args([]).pdu_cost_us == 0.0
    assert parse_args(["--pdu-cost-us", "20"]).pdu_cost_us == 20.0
    with pytest.raises(SystemExit):
        parse_args(["--account", "nocolon"])


async def test_serve_with_control_api(connect: Connect, capsys: pytest.CaptureFixture[str]) -> None:
    async with served(["--port", "0", "--tls-port", "0"]) as (sim, control):
        base = f"http://127.0.0.1:{control.port}"
        client = await connect(target=sim)
        _, message_id = await client.submit("79991234567", "hello", registered_delivery=1)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/messages") as resp:
                [message] = await resp.json()
            assert (message["text"], message["message_id"], message["complete"]) == (
                "hello",
                message_id,
                True,
            )
            async with http.get(f"{base}/stats") as resp:
                stats = await resp.json()
            assert stats["accepted"] == 1
            assert stats["sessions"][0]["system_id"] == "test"
            async with http.post(
                f"{base}/deliver", json={"source": "79990000000", "destination": "1", "text": "in"}
            ) as resp:
                assert resp.status == 200
            async with http.post(
                f"{base}/receipt", json={"message_id": message_id, "stat": "UNDELIV", "err": 1}
            ) as resp:
                assert resp.status == 200
            await client.wait_for(lambda c: len(c.delivers) == 3)  # auto receipt, SMS, receipt
            assert client.delivers[1].short_message == b"in"
            assert client.delivers[2].short_message.endswith(b"stat:UNDELIV err:001")
            async with http.post(f"{base}/fault", json={"kind": "bogus"}) as resp:
                assert resp.status == 400
            async with http.post(f"{base}/deliver", data=b"not json") as resp:
                assert resp.status == 400
            async with http.post(f"{base}/fault", json={"kind": "refuse_binds"}) as resp:
                assert resp.status == 200
            await connect(target=sim, system_id="test", expect=0x0D)
            async with http.post(f"{base}/fault", json={"kind": "clear"}) as resp:
                assert resp.status == 200
            async with http.post(f"{base}/fault", json={"kind": "hang", "duration": 0.01}) as resp:
                assert resp.status == 200
            async with http.post(f"{base}/fault", json={"kind": "drop_all"}) as resp:
                assert resp.status == 200
            await client.wait_closed(1)
            async with http.post(
                f"{base}/deliver", json={"source": "1", "destination": "2", "text": "x"}
            ) as resp:
                assert resp.status == 409  # nobody bound
    out = capsys.readouterr().out
    assert f"SMPP listening on 127.0.0.1:{sim.port}" in out
    assert "SMPP over TLS listening on" in out
    assert "control API on http://127.0.0.1:" in out
