"""The SMSC simulator, driven by the raw client over real TCP/TLS on 127.0.0.1."""

from __future__ import annotations

import asyncio
import random

import pytest

from smscsim import SmscSimulator
from smscsim.client import RawClient
from smscsim.pdu import (
    BIND_TRANSCEIVER,
    BIND_TRANSCEIVER_RESP,
    ENQUIRE_LINK,
    ESME_RINVBNDSTS,
    ESME_RINVDSTADR,
    ESME_RINVPASWD,
    ESME_RINVSYSID,
    ESME_RQUERYFAIL,
    ESME_RSUBMITFAIL,
    ESME_RTHROTTLED,
    GENERIC_NACK,
    SUBMIT_SM,
    SUBMIT_SM_RESP,
    TLV_MESSAGE_STATE,
    TLV_NETWORK_ERROR_CODE,
    TLV_PARTS,
    TLV_RECEIPTED_MESSAGE_ID,
    TLV_SAR_MSG_REF_NUM,
    TLV_SAR_SEGMENT_SEQNUM,
    TLV_SAR_TOTAL_SEGMENTS,
    TLV_TYPE_FLAGS,
    UNBIND,
    UNBIND_RESP,
    cstr,
    parse_concat,
    pdu,
    udh_concat,
)
from smscsim.text import gsm_encode

from .conftest import Connect

PHONE = "79991234567"


def receipt_text(client: RawClient, index: int = -1) -> str:
    return client.delivers[index].short_message.decode()


async def send_parts(
    client: RawClient, parts: list[bytes], *, order: list[int] | None = None, **kwargs: object
) -> list[tuple[int, str | None]]:
    """Submit pre-encoded UDH parts (1-based order)."""
    results = []
    for number in order or range(1, len(parts) + 1):
        results.append(
            await client.submit(PHONE, short_message=parts[number - 1], esm_class=0x40, **kwargs)
        )
    return results


def udh_parts(text: str, size: int, ref: int = 7, *, ref16: bool = False) -> list[bytes]:
    chunks = [text[i : i + size] for i in range(0, len(text), size)]
    encoded = [gsm_encode(chunk) or b"" for chunk in chunks]
    return [
        udh_concat(ref, len(encoded), number, ref16=ref16) + chunk
        for number, chunk in enumerate(encoded, 1)
    ]


# ---------------------------------------------------------------------------- binds


@pytest.mark.parametrize("mode", ["transmitter", "receiver", "transceiver"])
async def test_bind_modes(sim: SmscSimulator, connect: Connect, mode: str) -> None:
    await connect(mode, system_type="ISO")
    [session] = sim.sessions
    assert (session.system_id, session.mode, session.system_type) == ("test", mode, "ISO")
    assert session.iso
    assert not session.tls
    [attempt] = sim.binds
    assert (attempt.system_id, attempt.mode, attempt.password_ok, attempt.status) == (
        "test",
        mode,
        True,
        0,
    )


async def test_bind_resp_body(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect(bind=False)
    body = cstr("test") + cstr("secret") + cstr("") + bytes((0x34, 0, 0)) + cstr("")
    command_id, status, resp = await client.request(BIND_TRANSCEIVER, body)
    assert (command_id, status) == (BIND_TRANSCEIVER_RESP, 0)
    assert resp.startswith(b"smscsim\x00")
    assert resp[8:] == b"\x02\x10\x00\x01\x34"  # sc_interface_version
    _, status, _ = await client.request(BIND_TRANSCEIVER, body)
    assert status == 0x05  # already bound


async def test_bind_failures(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect(password="wrong", expect=ESME_RINVPASWD)
    assert client.connected
    await connect(system_id="nobody", expect=ESME_RINVSYSID)
    assert [(b.system_id, b.password_ok, b.status) for b in sim.binds] == [
        ("test", False, ESME_RINVPASWD),
        ("nobody", False, ESME_RINVSYSID),
    ]
    assert sim.sessions == []
    # unbound sessions cannot submit
    _, status, _ = await client.request(SUBMIT_SM, RawClient.submit_body(PHONE, "x"))
    assert status == ESME_RINVBNDSTS


async def test_tls_bind(connect: Connect) -> None:
    async with SmscSimulator(tls_port=0) as tls_sim:
        assert tls_sim.tls_port
        assert tls_sim.tls_port != tls_sim.port
        client = await connect(target=tls_sim, tls=True)
        status, message_id = await client.submit(PHONE, "over TLS")
        assert (status, message_id) == (0, "100001")
        assert tls_sim.sessions[0].tls
        assert tls_sim.binds[0].tls
        # hostname check by name, too (SAN localhost)
        by_name = RawClient(
            "127.0.0.1",
            tls_sim.tls_port,
            mode="receiver",
            system_type="MCON2",
            ssl=tls_sim.tls_context_for_clients,
            server_hostname="localhost",
        )
        assert await by_name.bind() == 0
        await by_name.close()
        await client.close()


async def test_single_connection_takeover(sim: SmscSimulator, connect: Connect) -> None:
    first = await connect()
    other = await connect(system_id="other", password="pw")
    second = await connect("receiver")
    await first.wait_closed(2)
    assert [(s.system_id, s.mode) for s in sim.sessions] == [
        ("other", "transceiver"),
        ("test", "receiver"),
    ]
    assert other.connected
    assert second.connected


async def test_mcon_allows_n_sessions(sim: SmscSimulator, connect: Connect) -> None:
    clients = [await connect(system_type="ISO,MCON2") for _ in range(3)]
    await clients[0].wait_closed(2)
    assert clients[1].connected
    assert clients[2].connected
    assert len(sim.sessions) == 2


# ---------------------------------------------------------------------------- link keeping


async def test_enquire_link_and_unbind(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    assert await client.enquire_link() == 0
    assert sim.sessions[0].enquire_links_received == 1
    assert await client.unbind() == 0
    await client.wait_closed(2)
    assert sim.sessions == []


async def test_enquire_link_before_bind(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect(bind=False)
    assert await client.enquire_link() == 0


async def test_server_enquire_links(connect: Connect) -> None:
    async with SmscSimulator(enquire_link_interval=0.05) as server:
        client = await connect(target=server)
        await client.wait_for(lambda c: c.enquire_links_received >= 2, 2)
        session = server.sessions[0]
        await server.wait_for(lambda s: session.enquire_link_responses >= 2, 2)
        assert session.enquire_links_sent >= 2
        await client.close()


async def test_inactivity_drop(connect: Connect) -> None:
    """Only PDUs from the client count: answering the server's ENQUIRE_LINKs is not enough."""
    async with SmscSimulator(inactivity_timeout=0.3, enquire_link_interval=0.05) as server:
        idle = await connect(target=server, system_id="test")
        server.accounts["keeper"] = "pw"
        keeper = await connect(target=server, system_id="keeper", password="pw")
        unbound = await connect(target=server, bind=False)
        loop = asyncio.get_running_loop()
        started = loop.time()
        while loop.time() - started < 0.5:
            assert await keeper.enquire_link() == 0
            await asyncio.sleep(0.1)
        await idle.wait_closed(1)
        await unbound.wait_closed(1)
        assert idle.enquire_links_received >= 3  # it answered them, still dropped
        assert keeper.connected
        assert [s.system_id for s in server.sessions] == ["keeper"]
        assert any(s.close_reason == "inactivity" for s in server.closed_sessions)
        await keeper.close()


async def test_responses_count_as_activity_when_configured(connect: Connect) -> None:
    async with SmscSimulator(
        inactivity_timeout=0.2, enquire_link_interval=0.05, count_responses_as_activity=True
    ) as server:
        client = await connect(target=server)
        await asyncio.sleep(0.4)
        assert client.connected
        await client.close()


# ---------------------------------------------------------------------------- submits


async def test_submit_records(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    status, message_id = await client.submit(
        PHONE, "Hi {€}", source="Sender", registered_delivery=0, validity="000001000000000R"
    )
    assert (status, message_id) == (0, "100001")
    [submit] = sim.accepted
    assert submit is sim.submits[0]
    assert (submit.system_id, submit.source_addr, submit.source_addr_ton) == ("test", "Sender", 5)
    assert (submit.destination_addr, submit.dest_addr_ton, submit.dest_addr_npi) == (PHONE, 1, 1)
    assert submit.validity == "000001000000000R"
    assert submit.status == 0
    assert submit.message_id == "100001"
    assert submit.udh is None
    assert submit.received_at > 0
    [message] = sim.messages()
    assert (message.text, message.source, message.destination) == ("Hi {€}", "Sender", PHONE)
    assert message.complete
    assert sim.count_text("Hi {€}") == 1
    assert sim.count_text("Hi") == 0


async def test_encodings(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect(system_type="ISO")
    assert (await client.submit(PHONE, short_message="café".encode("latin-1")))[0] == 0
    assert (await client.submit(PHONE, "Привет 😀", data_coding=8))[0] == 0
    assert (await client.submit(PHONE, "Ünïcode", data_coding=4))[0] == 0
    assert [m.text for m in sim.messages()] == ["café", "Привет 😀", "Ünïcode"]


async def test_message_payload_tlv(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    text = "x" * 300
    assert (await client.submit(PHONE, text))[0] == 0  # > 254 octets: message_payload
    assert sim.accepted[0].short_message == b""
    assert sim.count_text(text) == 1


async def test_invalid_destination(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    assert (await client.submit("", "x"))[0] == ESME_RINVDSTADR
    assert (await client.submit("+7999", "x"))[0] == ESME_RINVDSTADR
    assert (await client.submit("user@example.com", "hello"))[0] == ESME_RINVDSTADR
    status, _ = await client.submit("user@example.com", "__MAIL__: hello\nsubj:Hi")
    assert status == 0
    assert len(sim.submits) == 4
    assert len(sim.accepted) == 1


async def test_receiver_cannot_submit(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect("receiver")
    assert (await client.submit(PHONE, "x"))[0] == ESME_RINVBNDSTS
    assert sim.submits == []


async def test_throttling(sim: SmscSimulator, connect: Connect) -> None:
    sim.set_throughput(5)
    client = await connect("transmitter")
    stats = await client.submit_many(20, window=20)
    assert stats.ok == 5
    assert stats.failed == {ESME_RTHROTTLED: 15}
    assert len(sim.accepted) == 5
    assert [s.status for s in sim.submits].count(ESME_RTHROTTLED) == 15
    sim.set_throughput(None)
    stats = await client.submit_many(20, window=20, text="again {i}")
    assert stats.ok == 20


async def test_throttling_refills(connect: Connect) -> None:
    async with SmscSimulator(throughput=5) as server:
        client = await connect(target=server)
        first = await client.submit_many(8, window=8)
        assert (first.ok, first.failed) == (5, {ESME_RTHROTTLED: 3})  # burst: 1 s of rate
        assert (await client.submit(PHONE, "now"))[0] == ESME_RTHROTTLED
        await asyncio.sleep(0.45)  # two tokens back
        second = await client.submit_many(2, window=2, text="later {i}")
        assert second.ok == 2
        await client.close()


async def test_duplicate_rule(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    assert (await client.submit(PHONE, "same"))[0] == 0
    assert (await client.submit(PHONE, "same"))[0] == ESME_RSUBMITFAIL
    assert (await client.submit("79990000000", "same"))[0] == 0
    assert (await client.submit(PHONE, "other"))[0] == 0
    assert sim.count_text("same") == 2
    other = await connect(system_id="other", password="pw")
    assert (await other.submit(PHONE, "same"))[0] == 0  # per login


async def test_duplicate_window_expires_and_disables(connect: Connect) -> None:
    async with SmscSimulator(duplicate_window=0.3) as server:
        client = await connect(target=server)
        assert (await client.submit(PHONE, "same"))[0] == 0
        assert (await client.submit(PHONE, "same"))[0] == ESME_RSUBMITFAIL
        await asyncio.sleep(0.31)
        assert (await client.submit(PHONE, "same"))[0] == 0
        server.duplicate_window = 0
        assert (await client.submit(PHONE, "same"))[0] == 0
        await client.close()


# ---------------------------------------------------------------------------- long messages


async def test_long_message_same_id_one_receipt(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    text = "0123456789" * 4 + "€" + "abc"
    parts = udh_parts(text, 15)
    assert len(parts) == 3
    results = await send_parts(client, parts, order=[2, 3, 1], registered_delivery=1)
    ids = {message_id for _, message_id in results}
    assert ids == {"100001"}
    assert all(status == 0 for status, _ in results)
    await client.wait_for(lambda c: len(c.delivers) >= 1)
    await asyncio.sleep(0.02)
    assert len(client.delivers) == 1  # one status for the whole message
    receipt = client.delivers[0]
    assert receipt.esm_class == 0x04
    assert receipt.tlvs[TLV_RECEIPTED_MESSAGE_ID] == b"100001\x00"
    assert receipt.tlvs[TLV_PARTS] == b"\x00\x03"
    [message] = sim.messages()
    assert message.complete
    assert message.text == text
    assert [p.udh.seq for p in message.parts if p.udh] == [1, 2, 3]
    assert message.message_ids == ["100001"]
    assert sim.count_text(text) == 1


async def test_long_message_incomplete(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    parts = udh_parts("a" * 30, 10)
    await send_parts(client, parts[:2], registered_delivery=1)
    [message] = sim.messages()
    assert not message.complete
    assert sim.count_text("a" * 30) == 0
    assert client.delivers == []
    # the very same part again is a duplicate (60 s rule)
    assert await send_parts(client, parts[:1]) == [(ESME_RSUBMITFAIL, None)]
    # the same reference later starts a new message once the old one has that part
    assert await send_parts(client, udh_parts("b" * 30, 10)[:1]) == [(0, "100002")]
    assert len(sim.messages()) == 2


async def test_long_message_single_distinct_ids(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect(system_type="SINGLE")
    parts = udh_parts("z" * 45, 15, ref=300, ref16=True)
    results = await send_parts(client, parts, registered_delivery=1)
    assert [message_id for _, message_id in results] == ["100001", "100002", "100003"]
    await client.wait_for(lambda c: len(c.delivers) == 3)
    assert [d.tlvs[TLV_RECEIPTED_MESSAGE_ID] for d in client.delivers] == [
        b"100001\x00",
        b"100002\x00",
        b"100003\x00",
    ]
    [message] = sim.messages()
    assert message.ref16
    assert message.ref == 300
    assert message.text == "z" * 45
    assert message.message_ids == ["100001", "100002", "100003"]


async def test_long_message_sar(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    results = []
    for seq, chunk in ((1, "same"), (2, "same")):
        tlvs = {
            TLV_SAR_MSG_REF_NUM: b"\x00\x09",
            TLV_SAR_TOTAL_SEGMENTS: b"\x02",
            TLV_SAR_SEGMENT_SEQNUM: bytes((seq,)),
        }
        results.append(await client.submit(PHONE, chunk, tlvs=tlvs))
    assert results == [(0, "100001"), (0, "100001")]  # identical parts are not duplicates
    assert sim.count_text("samesame") == 1


def test_parse_concat_variants() -> None:
    assert parse_concat(0, b"abc", {}) is None
    info = parse_concat(0x40, bytes((6, 0x08, 4, 1, 2, 3, 1)) + b"hi", {})
    assert info is not None
    assert (info.ref, info.total, info.seq, info.ref16, info.header_len) == (258, 3, 1, True, 7)
    other = parse_concat(0x40, bytes((3, 0x24, 1, 1)) + b"x", {})  # a UDH, no concatenation
    assert other is not None
    assert other.total == 1
    assert parse_concat(0x40, bytes((9, 0)), {}) is None  # UDH longer than the data


# ---------------------------------------------------------------------------- receipts


async def test_receipt_fields(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    _, message_id = await client.submit(PHONE, "hello", source="Shop", registered_delivery=1)
    await client.wait_for(lambda c: c.delivers)
    receipt = client.delivers[0]
    text = receipt_text(client)
    assert text.startswith(f"id:{message_id} sub:001 dlvrd:001 submit date:")
    assert text.endswith("stat:DELIVRD err:000")
    assert (receipt.source_addr, receipt.destination_addr) == (PHONE, "Shop")
    assert receipt.tlvs[TLV_MESSAGE_STATE] == b"\x02"
    assert receipt.tlvs[TLV_NETWORK_ERROR_CODE] == b"\x03\x00\x00"
    assert receipt.tlvs[0x2000] == b"0.0000\x00"
    assert receipt.tlvs[TLV_TYPE_FLAGS] == b"\x00\x00"
    await sim.wait_for(lambda s: s.deliver_responses)
    assert list(sim.deliver_responses.values()) == [0]
    # no registered_delivery: no receipt
    await client.submit(PHONE, "quiet")
    await client.enquire_link()
    assert len(client.delivers) == 1


async def test_receipt_delay_and_outcome(connect: Connect) -> None:
    async with SmscSimulator(receipt_delay=0.05) as server:
        server.auto_receipt_stat = "UNDELIV"
        server.auto_receipt_err = 1
        client = await connect(target=server)
        _, message_id = await client.submit(PHONE, "hello", registered_delivery=1)
        assert client.delivers == []
        await client.wait_for(lambda c: c.delivers, 1)
        assert receipt_text(client).endswith("stat:UNDELIV err:001")
        status, final_date, state, error = await client.query_sm(message_id or "")
        assert (status, state, error) == (0, 5, 1)
        assert len(final_date) == 16
        await client.close()


async def test_transmitter_receipts_need_receiver_session(
    sim: SmscSimulator, connect: Connect
) -> None:
    tx = await connect("transmitter", system_type="MCON2")
    await tx.submit(PHONE, "one", registered_delivery=1)
    rx = await connect("receiver", system_type="MCON2")
    await tx.submit(PHONE, "two", registered_delivery=1)
    await rx.wait_for(lambda c: c.delivers)
    assert len(rx.delivers) == 1
    assert receipt_text(rx).startswith("id:100002 ")
    assert tx.delivers == []
    assert len(sim.sessions) == 2


@pytest.mark.parametrize(
    ("text", "kind"),
    [("__PING__", 5), ("__CALL__: hi\nvoice:w", 7), ("__VIBER__: hi", 10), ("__SOC__: hi", 12)],
)
async def test_channel_types(connect: Connect, text: str, kind: int) -> None:
    client = await connect()
    await client.submit(PHONE, text, registered_delivery=1)
    await client.wait_for(lambda c: c.delivers)
    assert client.delivers[0].tlvs[TLV_TYPE_FLAGS] == kind.to_bytes(2, "big")


async def test_hlr_receipt(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    _, message_id = await client.submit(PHONE, "__HLR__", registered_delivery=1)
    await client.wait_for(lambda c: c.delivers)
    assert receipt_text(client) == (
        f"id:{message_id} stat:DELIVRD err:000 imsi:250011234567890 msc:79160000000 "
        "mcc:250 mnc:01 cn:Russia net:MTS%20PJSC rcn: rnet:"
    )
    assert client.delivers[0].tlvs[TLV_TYPE_FLAGS] == b"\x00\x04"
    assert sim.messages()[0].kind == 4


async def test_send_receipt_and_query_sm(connect: Connect) -> None:
    async with SmscSimulator(auto_receipts=False) as server:
        client = await connect(target=server)
        _, message_id = await client.submit(PHONE, "hello", registered_delivery=1)
        assert message_id
        assert await client.query_sm(message_id) == (0, "", 1, 0)
        assert (await client.query_sm("nope"))[0] == ESME_RQUERYFAIL
        sequence = await server.send_receipt(
            message_id, submit_date="1108202241", done_date="1108202242", tlvs={0x2003: b"x\0"}
        )
        await client.wait_for(lambda c: c.delivers)
        assert client.deliver_sequences == [sequence]
        assert receipt_text(client) == (
            f"id:{message_id} sub:001 dlvrd:001 submit date:1108202241 "
            "done date:1108202242 stat:DELIVRD err:000"
        )
        assert client.delivers[0].tlvs[0x2003] == b"x\0"
        status, final_date, state, error = await client.query_sm(message_id)
        assert (status, state, error) == (0, 2, 0)
        assert final_date
        # unknown ids and custom texts are sent as asked
        await server.send_receipt("999", stat="EXPIRED", err=245, text="id:999 odd")
        await client.wait_for(lambda c: len(c.delivers) == 2)
        assert receipt_text(client) == "id:999 odd"
        assert client.delivers[1].tlvs[TLV_MESSAGE_STATE] == b"\x03"
        await client.close()


# ---------------------------------------------------------------------------- deliver_sm


async def test_deliver_sm_and_responses(sim: SmscSimulator, connect: Connect) -> None:
    await connect("transmitter", system_type="MCON3")
    ok = await connect("receiver", system_type="MCON3")
    with pytest.raises(LookupError):
        await sim.deliver_sm(source=PHONE, destination="1234", text="x", system_id="other")
    seq_gsm = await sim.deliver_sm(source=PHONE, destination="1234", text="Hello [x]")
    seq_ucs = await sim.deliver_sm(source="Bank", destination="1234", text="Привет")
    await ok.wait_for(lambda c: len(c.delivers) == 2)
    gsm, ucs = ok.delivers
    assert (gsm.data_coding, gsm.short_message) == (0, b"Hello \x1b<x\x1b>")
    assert (gsm.source_addr, gsm.source_addr_ton, gsm.esm_class) == (PHONE, 1, 0)
    assert (ucs.data_coding, ucs.short_message.decode("utf-16-be")) == (8, "Привет")
    assert ucs.source_addr_ton == 5
    await sim.wait_for(lambda s: len(s.deliver_responses) == 2)
    assert sim.deliver_responses == {seq_gsm: 0, seq_ucs: 0}
    assert sim.unanswered_delivers == 0

    silent = await connect("receiver", system_type="MCON3", system_id="other", password="pw")
    silent.deliver_status = None
    seq = await sim.deliver_sm(
        source=PHONE, destination="1", short_message=b"\x01\x02", data_coding=4, system_id="other"
    )
    await silent.wait_for(lambda c: c.delivers)
    assert sim.unanswered_delivers == 1
    assert seq not in sim.deliver_responses
    silent.deliver_status = 0x08
    seq2 = await sim.deliver_sm(source=PHONE, destination="1", text="a", system_id="other")
    await sim.wait_for(lambda s: seq2 in s.deliver_responses)
    assert sim.deliver_responses[seq2] == 0x08
    # a GENERIC_NACK answers a DELIVER_SM too
    seq3 = await sim.deliver_sm(source=PHONE, destination="1", text="b", system_id="other")
    silent.send_raw(pdu(GENERIC_NACK, 0x03, seq3))
    await sim.wait_for(lambda s: seq3 in s.deliver_responses)
    assert sim.deliver_responses[seq3] == 0x03
    assert sim.unanswered_delivers == 1


async def test_deliver_iso_session(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect(system_type="ISO")
    await sim.deliver_sm(source=PHONE, destination="1", text="café")
    await client.wait_for(lambda c: c.delivers)
    assert (client.delivers[0].data_coding, client.delivers[0].short_message) == (0, b"caf\xe9")


@pytest.mark.parametrize(("ref16", "udh_len"), [(False, 6), (True, 7)])
async def test_deliver_long(
    sim: SmscSimulator, connect: Connect, ref16: bool, udh_len: int
) -> None:
    client = await connect()
    text = "Длинное сообщение " * 10
    seqs = await sim.deliver_long(
        source=PHONE, destination="1", text=text, ref=513, ref16=ref16, order=[3, 1, 2]
    )
    assert len(seqs) == 3
    await client.wait_for(lambda c: len(c.delivers) == 3)
    by_seq = {}
    for deliver in client.delivers:
        assert deliver.esm_class == 0x40
        assert deliver.data_coding == 8
        concat = parse_concat(deliver.esm_class, deliver.short_message, deliver.tlvs)
        assert concat is not None
        assert concat.header_len == udh_len
        assert concat.ref == (513 if ref16 else 1)
        by_seq[concat.seq] = deliver.short_message[udh_len:]
    order = [parse_concat(d.esm_class, d.short_message, d.tlvs) for d in client.delivers]
    assert [concat.seq for concat in order if concat] == [3, 1, 2]
    assert b"".join(by_seq[i] for i in (1, 2, 3)).decode("utf-16-be") == text
    assert all(len(part) <= 134 for part in by_seq.values())


async def test_deliver_long_gsm_keeps_escapes(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    text = "€" * 100
    await sim.deliver_long(source=PHONE, destination="1", text=text, per_part=153)
    await client.wait_for(lambda c: len(c.delivers) == 2)
    payloads = [d.short_message[6:] for d in client.delivers]
    assert [len(p) for p in payloads] == [152, 48]
    assert all(p.startswith(b"\x1b") for p in payloads)


# ---------------------------------------------------------------------------- faults


async def test_drop_all(sim: SmscSimulator, connect: Connect) -> None:
    clients = [
        await connect(),
        await connect(system_id="other", password="pw"),
        await connect(bind=False),
    ]
    sim.drop_all()
    for client in clients:
        await client.wait_closed(1)
    await sim.wait_for(lambda s: not s.connections, 1)
    assert sim.sessions == []
    assert (await connect()).connected  # still listening


async def test_refuse_binds(sim: SmscSimulator, connect: Connect) -> None:
    sim.refuse_binds()
    await connect(expect=0x0D)
    await connect(password="bad", expect=ESME_RINVPASWD)  # credentials checked first
    sim.clear_faults()
    await connect()
    sim.refuse_binds(0x08, duration=0.3)
    await connect(system_id="other", password="pw", expect=0x08)
    await asyncio.sleep(0.31)
    await connect(system_id="other", password="pw")
    assert [b.status for b in sim.binds] == [0x0D, ESME_RINVPASWD, 0, 0x08, 0]


async def test_hang(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    sim.hang(None)
    with pytest.raises(TimeoutError):
        await client.enquire_link(timeout=0.1)
    newcomer = await connect(system_id="other", password="pw", bind=False)
    with pytest.raises(TimeoutError):
        await newcomer.bind(timeout=0.1)
    sim.clear_faults()
    assert await client.enquire_link() == 0
    assert await newcomer.bind() == 0
    sim.hang(0.1)
    with pytest.raises(TimeoutError):
        await client.submit(PHONE, "lost", timeout=0.05)
    await asyncio.sleep(0.06)
    assert await client.enquire_link() == 0
    assert sim.submits == []


async def test_fail_submits(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    sim.fail_submits(0x14, count=2)
    stats = await client.submit_many(4, window=1)
    assert (stats.ok, stats.failed) == (2, {0x14: 2})
    assert [s.status for s in sim.submits] == [0x14, 0x14, 0, 0]
    assert [s.message_id for s in sim.submits[:2]] == [None, None]
    sim.fail_submits(0x58, every=3)
    stats = await client.submit_many(6, window=1, text="every {i}")
    assert [s.status for s in sim.submits[4:]] == [0, 0, 0x58, 0, 0, 0x58]
    sim.clear_faults()
    stats = await client.submit_many(3, window=3, text="clear {i}")
    assert stats.ok == 3
    assert len(sim.accepted) == 9


async def test_drop_responses(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    sim.drop_responses(1)
    with pytest.raises(TimeoutError):
        await client.submit(PHONE, "accepted silently", registered_delivery=1, timeout=0.1)
    [submit] = sim.accepted
    assert submit.status is None
    assert submit.message_id == "100001"
    assert sim.count_text("accepted silently") == 1
    await client.wait_for(lambda c: c.delivers)  # the receipt still comes
    assert (await client.submit(PHONE, "next"))[0] == 0


async def test_send_unbind(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    other = await connect(system_id="other", password="pw")
    await sim.send_unbind()
    assert client.unbinds_received == 1
    assert other.unbinds_received == 1
    await client.wait_closed(1)
    await other.wait_closed(1)
    assert sim.sessions == []


async def test_send_raw(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    await sim.send_raw(pdu(0x00000103, 0, 77, b"junk"))  # DATA_SM: unknown to the raw client
    assert await client.enquire_link() == 0


# ---------------------------------------------------------------------------- robustness


async def test_unknown_command_and_garbage(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    client.send(0x00000103, b"\x00" * 5)  # DATA_SM is not supported
    client.send(SUBMIT_SM, b"\x00\x01")  # truncated body
    await client.wait_for(lambda c: len(c.generic_nacks) >= 1)
    assert client.generic_nacks[0][0] == 0x03
    # the truncated submit got a SUBMIT_SM_RESP with an error (not recorded as a submit)
    assert sim.submits == []
    assert await client.enquire_link() == 0
    # an impossible length closes the session, the server keeps serving
    client.send_raw(b"\x00\x00\x00\x05" + b"\x00" * 12)
    await client.wait_closed(1)
    assert (await connect()).connected


async def test_fuzz_never_crashes(sim: SmscSimulator, connect: Connect) -> None:
    rng = random.Random(1234)
    commands = [SUBMIT_SM, BIND_TRANSCEIVER, ENQUIRE_LINK, UNBIND, 0x3, 0x80000005, 0x99]
    for _ in range(20):
        client = await connect(bind=rng.random() < 0.5, system_type="MCON9")
        for _ in range(rng.randint(1, 10)):
            body = rng.randbytes(rng.randint(0, 80))
            client.send_raw(pdu(rng.choice(commands), rng.randint(0, 1), rng.randint(0, 99), body))
        if rng.random() < 0.3:
            client.send_raw(rng.randbytes(rng.randint(1, 40)))
        await asyncio.sleep(0)
        await client.close()
    final = await connect()
    assert (await final.submit(PHONE, "still alive"))[0] == 0


async def test_unbind_response_to_nothing_is_ignored(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    client.send_raw(pdu(UNBIND_RESP, 0, 4242))
    client.send_raw(pdu(SUBMIT_SM_RESP, 0, 4243, b"1\x00"))
    assert await client.enquire_link() == 0


async def test_wait_for_times_out(sim: SmscSimulator) -> None:
    with pytest.raises(TimeoutError):
        await sim.wait_for(lambda s: bool(s.submits), timeout=0.05)


async def test_stop_leaves_nothing_behind(connect: Connect) -> None:
    loop = asyncio.get_running_loop()
    tasks_before = asyncio.all_tasks()
    server = SmscSimulator(
        tls_port=0, receipt_delay=30, enquire_link_interval=30, inactivity_timeout=30
    )
    await server.start()
    client = await connect(target=server)
    tls_client = await connect(target=server, tls=True, system_id="test", system_type="MCON2")
    await client.submit(PHONE, "pending receipt", registered_delivery=1)
    unbind = asyncio.create_task(server.send_unbind())
    await asyncio.sleep(0)
    await server.stop()
    await unbind
    await client.wait_closed(1)
    await tls_client.wait_closed(1)
    assert server.connections == []
    assert asyncio.all_tasks() - tasks_before == set()
    scheduled = [h for h in loop._scheduled if not h.cancelled()]  # type: ignore[attr-defined]
    assert scheduled == []
    # a stopped simulator can start again on a new port
    await server.start()
    await server.stop()


# ---------------------------------------------------------------------------- bounded history


async def test_history_keeps_the_latest_and_counts_everything(connect: Connect) -> None:
    async with SmscSimulator(history=3, duplicate_window=60.0) as small:
        client = await connect(target=small)
        ids = [(await client.submit(PHONE, f"m{i}"))[1] for i in range(10)]
        assert (await client.submit(PHONE, "m9"))[0] == ESME_RSUBMITFAIL  # the rule still holds
        assert small.submit_count == 11
        assert small.accepted_count == small.message_count == 10
        assert small.status_counts == {0: 10, ESME_RSUBMITFAIL: 1}
        assert small.first_submit_at is not None
        assert small.last_submit_at is not None
        assert small.first_submit_at <= small.last_submit_at
        assert small.stats()["submits"] == 11
        # bounded: never more than twice the history, the newest kept
        assert 3 <= len(small.submits) < 6
        assert small.submits[-1].text == "m9"
        assert [m.text for m in small.messages()][-3:] == ["m7", "m8", "m9"]
        assert len(small.messages()) < 6
        assert small.record(ids[0] or "") is None
        assert small.record(ids[-1] or "") is not None
        assert (await client.query_sm(ids[0] or ""))[0] == ESME_RQUERYFAIL
        assert (await client.query_sm(ids[-1] or ""))[0] == 0
        small.reset_observations()
        assert small.submit_count == small.accepted_count == small.message_count == 0
        assert not small.submits
        assert not small.messages()
        assert not small.status_counts
        assert small.first_submit_at is None


async def test_history_zero_keeps_long_messages_until_complete(connect: Connect) -> None:
    async with SmscSimulator(history=0) as lean:
        client = await connect(target=lean)
        text = "0123456789" * 4 + "tail"
        parts = udh_parts(text, 15)
        results = await send_parts(client, parts, registered_delivery=1)
        assert [status for status, _ in results] == [0, 0, 0]
        assert len({message_id for _, message_id in results}) == 1  # one id across the parts
        await client.wait_for(lambda c: len(c.delivers) >= 1)  # the receipt still goes out
        assert lean.submits == []
        assert lean.messages() == []
        assert (lean.submit_count, lean.accepted_count, lean.message_count) == (3, 3, 1)


def test_history_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="history"):
        SmscSimulator(history=-1)


# ---------------------------------------------------------------------------- rate record


async def test_busiest_second_counts_submits_in_any_sliding_second(connect: Connect) -> None:
    now = [0.0]
    async with SmscSimulator(history=0, duplicate_window=0) as sim:
        sim.rate_clock = lambda: now[0]
        client = await connect(target=sim)
        for index, stamp in enumerate((0.0, 0.2, 0.4, 0.6, 0.8)):
            now[0] = stamp
            await client.submit(PHONE, f"a{index}")
        assert sim.busiest_second == 5
        now[0] = 1.0  # the window is half-open: the submit at 0.0 is a second old, out
        await client.submit(PHONE, "b")
        assert sim.busiest_second == 5
        now[0] = 1.5  # 0.6, 0.8, 1.0, 1.5
        await client.submit(PHONE, "c")
        assert sim.busiest_second == 5
        now[0] = 1.6  # 0.8, 1.0, 1.5 and three at 1.6
        for index in range(3):
            await client.submit(PHONE, f"d{index}")
        assert sim.busiest_second == 6
        assert sim.stats()["busiest_second"] == 6
        # refused submits count too: the provider's limit is on requests
        sim.fail_submits(ESME_RTHROTTLED, count=1)
        await client.submit(PHONE, "e")
        assert sim.busiest_second == 7
        sim.reset_observations()
        assert sim.busiest_second == 0
        now[0] = 10.0
        await client.submit(PHONE, "f")
        assert sim.busiest_second == 1


async def test_pdu_cost_is_spent_once_per_pdu_received(
    connect: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    spent: list[float] = []
    monkeypatch.setattr("smscsim.session.burn", spent.append)
    async with SmscSimulator(pdu_cost=20e-6) as slow:
        client = await connect(target=slow)  # the bind is a PDU too
        for index in range(5):
            await client.submit(PHONE, f"slow {index}")
        await client.enquire_link()
        stats = await client.submit_many(50, 10, text="pipelined {i}")
        assert stats.ok == 50
        assert slow.pdus_charged == 1 + 5 + 1 + 50
        assert sum(spent) == pytest.approx(slow.pdus_charged * 20e-6)
        slow.pdu_cost = 0.0  # settable: off again
        await client.submit(PHONE, "fast")
        assert slow.pdus_charged == 57
        assert slow.stats()["pdus_charged"] == 57


async def test_no_pdu_cost_by_default(connect: Connect) -> None:
    async with SmscSimulator() as fast:
        client = await connect(target=fast)
        await client.submit(PHONE, "fast")
        assert fast.pdus_charged == 0


def test_pdu_cost_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="pdu_cost"):
        SmscSimulator(pdu_cost=-1.0)
