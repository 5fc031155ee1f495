"""The SMPP link over real TCP against the SMSC simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
import logging
import ssl
import time

import pytest

from custom_components.smscentre.smsc.errors import (
    AuthFailed,
    BindRefused,
    CannotConnect,
    TlsError,
)
from custom_components.smscentre.smsc.message import OutboundMessage, Priority
from custom_components.smscentre.smsc.outbox import Outbox
from custom_components.smscentre.smsc.smpp.config import LinkConfig, build_system_type
from custom_components.smscentre.smsc.smpp.link import Link, LinkState, LinkStatus, probe_bind
from smscsim import SmscSimulator

PASSWORD = "Pw7#xQ2z"


@pytest.fixture
async def sim() -> AsyncIterator[SmscSimulator]:
    """A simulator with one account."""
    server = SmscSimulator(accounts={"test": PASSWORD}, duplicate_window=0)
    await server.start()
    yield server
    await server.stop()


def config_for(sim: SmscSimulator, **changes: object) -> LinkConfig:
    """Fast timings so a test needs well under a second per reconnect."""
    base = LinkConfig(
        username="test",
        password=PASSWORD,
        host=sim.host,
        port=sim.port,
        backup_host=None,
        enquire_link_interval=0.3,
        response_timeout=0.5,
        connect_timeout=1.0,
        backoff_base=0.05,
        backoff_cap=0.2,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


class Harness:
    """A running link plus what it reported."""

    def __init__(self, link: Link, outbox: Outbox) -> None:
        self.link = link
        self.outbox = outbox
        self.statuses: list[LinkStatus] = []
        self.task: asyncio.Task[None] | None = None

    @property
    def auth_failures(self) -> int:
        """How many times the link reported a refused password."""
        return sum(1 for status in self.statuses if status.state is LinkState.AUTH_FAILED)

    @property
    def errors(self) -> list[tuple[str | None, int | None]]:
        """(last_error, last_error_status) of every status, in order."""
        return [(status.last_error, status.last_error_status) for status in self.statuses]

    @property
    def transitions(self) -> list[bool]:
        """Bound/unbound changes in order (repeats folded)."""
        result: list[bool] = []
        for status in self.statuses:
            if not result or result[-1] != status.bound:
                result.append(status.bound)
        return result

    async def wait(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Poll a condition on the link (10 ms steps, bounded)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met; statuses={self.statuses[-3:]}")
            await asyncio.sleep(0.01)


@pytest.fixture
async def harness_factory() -> AsyncIterator[Callable[..., Harness]]:
    """Build links; stop every one at the end."""
    made: list[Harness] = []

    def make(
        config: LinkConfig, *, ssl_context: ssl.SSLContext | None = None, window: int = 10
    ) -> Harness:
        outbox = Outbox(window=window, throughput=None)
        harness = Harness(Link(config, outbox=outbox, ssl_context=ssl_context), outbox)
        harness.link._on_status = harness.statuses.append
        made.append(harness)
        return harness

    yield make
    for harness in made:
        await harness.link.stop()
        if harness.task is not None:
            await asyncio.wait_for(harness.task, 5)
        harness.outbox.close()


async def start(harness: Harness) -> None:
    """Run in the background (as setup does) until bound."""
    harness.task = asyncio.create_task(harness.link.run())
    await harness.wait(lambda: harness.link.status.bound)


def sms(recipient: str, text: str, priority: Priority = Priority.NORMAL) -> OutboundMessage:
    """A one-part GSM message."""
    return OutboundMessage(
        local_id=f"{recipient}-{text}",
        recipient=recipient,
        channel="sms",
        priority=priority,
        source=None,
        data_coding=0,
        esm_class=0,
        parts=[text.encode("ascii")],
    )


@pytest.mark.parametrize("mode", ["transceiver", "receiver", "transmitter"])
async def test_bind_in_each_mode(
    sim: SmscSimulator, harness_factory: Callable[..., Harness], mode: str
) -> None:
    """Each bind mode binds, shows as bound, and unbinds cleanly on stop."""
    harness = harness_factory(config_for(sim, bind_mode=mode))
    await start(harness)
    assert [s.mode for s in sim.sessions] == [mode]
    assert harness.link.status.state == LinkState.BOUND
    assert harness.link.status.server == f"{sim.host}:{sim.port}"
    await harness.link.stop()
    await sim.wait_for(lambda s: not s.connections)
    assert sim.closed_sessions[-1].close_reason in {"unbind", "unbound", "client unbind"} or (
        "unbind" in sim.closed_sessions[-1].close_reason
    )


async def test_submit_goes_out_and_gets_an_id(
    sim: SmscSimulator, harness_factory: Callable[..., Harness]
) -> None:
    """A queued part becomes one SUBMIT_SM; its SUBMIT_SM_RESP id reaches the outbox."""
    harness = harness_factory(config_for(sim, source="HomeAlert"))
    await start(harness)
    (future,) = harness.outbox.add([sms("79991234567", "Door open")])
    message = await asyncio.wait_for(future, 5)
    assert message.state == "sent"
    (submit,) = sim.accepted
    assert submit.destination_addr == "79991234567"
    assert (submit.dest_addr_ton, submit.dest_addr_npi) == (1, 1)
    assert submit.source_addr == "HomeAlert"
    assert (submit.source_addr_ton, submit.source_addr_npi) == (5, 0)
    assert submit.short_message == b"Door open"
    assert submit.registered_delivery == 1
    assert message.message_ids == [submit.message_id]


async def test_wrong_password_and_unknown_login(sim: SmscSimulator) -> None:
    """0x0E and 0x0F are authentication failures, not retries."""
    with pytest.raises(AuthFailed):
        await probe_bind(config_for(sim, password="nope"), ssl_context=None, timeout=2)
    with pytest.raises(AuthFailed):
        await probe_bind(config_for(sim, username="ghost"), ssl_context=None, timeout=2)
    assert [b.status for b in sim.binds] == [0x0E, 0x0F]
    await probe_bind(config_for(sim), ssl_context=None, timeout=2)
    assert sim.binds[-1].status == 0
    await sim.wait_for(lambda s: not s.connections)


async def test_unreachable_and_refused(sim: SmscSimulator) -> None:
    """A closed port is cannot_connect; any other refusal carries its SMPP status."""
    with pytest.raises(CannotConnect):
        await probe_bind(config_for(sim, port=1), ssl_context=None, timeout=1)
    sim.refuse_binds(0x0D)
    with pytest.raises(BindRefused) as err:
        await probe_bind(config_for(sim), ssl_context=None, timeout=2)
    assert err.value.status == 0x0D
    assert err.value.placeholders == {"status": "0x0000000D"}


async def test_tls_bind(harness_factory: Callable[..., Harness]) -> None:
    """Port 3443's TLS: verified against the server's certificate; untrusted is tls_error."""
    server = SmscSimulator(accounts={"test": PASSWORD}, tls_port=0)
    await server.start()
    try:
        config = replace(config_for(server), port=server.tls_port, ssl=True)
        with pytest.raises(TlsError):
            await probe_bind(config, ssl_context=ssl.create_default_context(), timeout=2)
        harness = harness_factory(config, ssl_context=server.tls_context_for_clients)
        await start(harness)
        assert [s.tls for s in server.sessions] == [True]
        await harness.link.stop()
    finally:
        await server.stop()


async def test_tls_to_plain_port_is_tls_error(sim: SmscSimulator) -> None:
    """TLS towards a plain SMPP port fails as TLS, not as a dead host."""
    context = ssl.create_default_context()
    with pytest.raises(TlsError):
        await probe_bind(replace(config_for(sim), ssl=True), ssl_context=context, timeout=0.5)


async def test_own_enquire_links_keep_the_link_through_3x_inactivity(
    harness_factory: Callable[..., Harness],
) -> None:
    """The server sends its own ENQUIRE_LINKs and drops a client silent for 0.6 s.

    Our keepalive counts only what *we* sent, so we keep sending ours and stay bound on the
    same session through three times the server's limit.
    """
    server = SmscSimulator(
        accounts={"test": PASSWORD}, inactivity_timeout=0.6, enquire_link_interval=0.1
    )
    await server.start()
    try:
        harness = harness_factory(config_for(server, enquire_link_interval=0.25))
        await start(harness)
        (session,) = server.sessions
        await asyncio.sleep(1.9)
        assert server.sessions == [session]
        assert session.enquire_links_received >= 5
        assert session.enquire_links_sent >= 10
        assert harness.transitions in ([False, True], [True])
        assert harness.link.status.reconnects == 0
    finally:
        await server.stop()


async def test_silent_client_is_dropped_by_the_simulator(
    harness_factory: Callable[..., Harness],
) -> None:
    """Control for the test above: with our keepalive too slow, the server drops us."""
    server = SmscSimulator(
        accounts={"test": PASSWORD}, inactivity_timeout=0.4, enquire_link_interval=0.1
    )
    await server.start()
    try:
        harness = harness_factory(config_for(server, enquire_link_interval=5.0))
        await start(harness)
        await harness.wait(lambda: harness.link.status.reconnects >= 1, timeout=3)
    finally:
        await server.stop()


@pytest.mark.parametrize("fault", ["drop", "unbind", "hang"])
async def test_dead_link_is_rebound(
    sim: SmscSimulator, harness_factory: Callable[..., Harness], fault: str
) -> None:
    """TCP drop, UNBIND from the server, a server that stops answering: off, then on."""
    harness = harness_factory(config_for(sim))
    await start(harness)
    started = time.monotonic()
    if fault == "drop":
        sim.drop_all()
    elif fault == "unbind":
        await sim.send_unbind()
    else:
        sim.hang(1.0)
    await harness.wait(lambda: not harness.link.status.bound, timeout=3)
    detected = time.monotonic() - started
    # detection within enquire_link_interval + response timeout (+ scheduling slack)
    assert detected < 0.3 + 0.5 + 0.5
    await harness.wait(lambda: harness.link.status.bound, timeout=5)
    assert harness.transitions[-3:] == [True, False, True]
    assert harness.link.status.reconnects >= 1


async def test_bind_refused_for_a_while_then_recovers(
    sim: SmscSimulator, harness_factory: Callable[..., Harness]
) -> None:
    """Refused binds show in the status (with the SMPP status); bound again, they are gone."""
    harness = harness_factory(config_for(sim))
    await start(harness)
    sim.refuse_binds(0x58, duration=0.6)
    sim.drop_all()
    await harness.wait(lambda: ("bind_refused", 0x58) in harness.errors, timeout=3)
    assert not harness.link.status.bound
    await harness.wait(lambda: harness.link.status.bound, timeout=5)
    assert harness.errors[-1] == (None, None)
    assert not harness.auth_failures


async def test_password_changed_at_runtime_asks_for_reauth(
    sim: SmscSimulator, harness_factory: Callable[..., Harness]
) -> None:
    """0x0E after a drop: reauth, and no endless retry loop."""
    harness = harness_factory(config_for(sim))
    await start(harness)
    sim.accounts["test"] = "changed"
    sim.drop_all()
    await harness.wait(lambda: harness.link.status.state == LinkState.AUTH_FAILED)
    assert harness.auth_failures == 1
    binds = len(sim.binds)
    await asyncio.sleep(0.5)
    assert len(sim.binds) == binds


async def test_repeated_0x0d_on_a_known_good_server_is_not_a_refused_password(
    sim: SmscSimulator, harness_factory: Callable[..., Harness]
) -> None:
    """0x0D again and again from a server that accepted us before: an outage or an account
    setting, not the password (that is 0x0E): no reauthentication, the retries go on."""
    harness = harness_factory(config_for(sim))
    await start(harness)
    sim.refuse_binds(0x0D)
    sim.drop_all()
    await sim.wait_for(lambda s: sum(1 for b in s.binds if b.status == 0x0D) >= 4, timeout=5)
    assert harness.link.status.state is LinkState.CONNECTING
    assert harness.errors[-1] == ("bind_refused", 0x0D)
    assert not harness.auth_failures
    sim.clear_faults()
    await harness.wait(lambda: harness.link.status.bound, timeout=5)


async def test_failover_to_backup_and_back(harness_factory: Callable[..., Harness]) -> None:
    """Primary gone: the backup takes over; primary back: the link returns to it."""
    primary = SmscSimulator(accounts={"test": PASSWORD})
    backup = SmscSimulator(accounts={"test": PASSWORD})
    await primary.start()
    await backup.start()
    port = primary.port
    try:
        config = config_for(
            primary,
            backup_host=backup.host,
            backup_port=backup.port,
            failover_after=2,
            failback_interval=0.3,
        )
        harness = harness_factory(config)
        await start(harness)
        await primary.stop()
        await harness.wait(lambda: harness.link.status.on_backup and harness.link.status.bound)
        assert len(backup.sessions) == 1
        (future,) = harness.outbox.add([sms("79990000001", "via backup")])
        await asyncio.wait_for(future, 5)
        assert backup.count_text("via backup") == 1

        primary = SmscSimulator(accounts={"test": PASSWORD}, port=port)
        await primary.start()
        await harness.wait(
            lambda: not harness.link.status.on_backup and harness.link.status.bound, timeout=5
        )
        assert len(primary.sessions) == 1
        await backup.wait_for(lambda s: not s.sessions)
    finally:
        await primary.stop()
        await backup.stop()


async def test_unreachable_primary_at_start_fails_over_to_backup(
    harness_factory: Callable[..., Harness],
) -> None:
    """At start, an unreachable primary with a live backup: the backup takes over."""
    backup = SmscSimulator(accounts={"test": PASSWORD})
    await backup.start()
    try:
        config = replace(
            config_for(backup), port=1, backup_host=backup.host, backup_port=backup.port
        )
        harness = harness_factory(config)
        await start(harness)
        assert harness.link.status.on_backup
    finally:
        await backup.stop()


async def test_first_attempt_refused_or_failed_ends_the_wait_at_once(
    sim: SmscSimulator, harness_factory: Callable[..., Harness]
) -> None:
    """Setup waits for the first attempt: a refusal or a closed port ends the wait at once."""
    sim.refuse_binds(0x0D)
    refused = harness_factory(config_for(sim))
    closed = harness_factory(config_for(sim, port=1))
    for harness, error in ((refused, ("bind_refused", 0x0D)), (closed, ("cannot_connect", None))):
        harness.task = asyncio.create_task(harness.link.run())
        started = time.monotonic()
        await harness.link.wait_first_attempt(5)
        assert time.monotonic() - started < 1
        assert harness.errors[-1] == error


async def test_first_attempt_wait_is_bounded(
    sim: SmscSimulator, harness_factory: Callable[..., Harness]
) -> None:
    """A server that never answers the bind holds the wait only up to its bound, not for the
    response timeout; the link goes on trying and binds once the server answers."""
    sim.hang(None)
    harness = harness_factory(config_for(sim, response_timeout=2.0))
    harness.task = asyncio.create_task(harness.link.run())
    started = time.monotonic()
    await harness.link.wait_first_attempt(0.2)
    assert 0.2 <= time.monotonic() - started < 1.5
    assert harness.link.status.state is LinkState.CONNECTING
    assert harness.errors[-1] == (None, None)  # the attempt is still waiting for its answer
    await harness.wait(lambda: ("no_bind_response", None) in harness.errors, timeout=5)
    sim.clear_faults()
    await harness.wait(lambda: harness.link.status.bound, timeout=5)


async def test_mcon_opens_several_sessions(
    sim: SmscSimulator, harness_factory: Callable[..., Harness]
) -> None:
    """connections=2 with MCON2 keeps two sessions bound, sharing one outbox."""
    config = config_for(sim, connections=2, system_type=build_system_type(connections=2))
    harness = harness_factory(config)
    await start(harness)
    await harness.wait(lambda: harness.link.status.bound_sessions == 2)
    assert sorted(s.system_type for s in sim.sessions) == ["MCON2", "MCON2"]
    futures = harness.outbox.add([sms(f"7999000{i:04d}", f"m{i}") for i in range(50)])
    await asyncio.wait_for(asyncio.gather(*futures), 5)
    assert len(sim.accepted) == 50
    assert len({s.system_id for s in sim.accepted}) == 1


async def test_single_connection_per_login(
    sim: SmscSimulator, harness_factory: Callable[..., Harness]
) -> None:
    """Without MCON a second bind with the same login takes the session over."""
    first = harness_factory(config_for(sim))
    await start(first)
    await probe_bind(config_for(sim), ssl_context=None, timeout=2)
    await first.wait(lambda: first.link.status.reconnects >= 1)


async def test_stop_leaves_no_task_or_socket(
    sim: SmscSimulator, harness_factory: Callable[..., Harness]
) -> None:
    """After stop: no smscentre task, no connection at the server."""
    harness = harness_factory(config_for(sim))
    await start(harness)
    await harness.link.stop()
    await asyncio.wait_for(harness.task, 5)
    await sim.wait_for(lambda s: not s.connections)
    names = {t.get_name() for t in asyncio.all_tasks()}
    assert not {n for n in names if n.startswith("smscentre")}


async def test_unanswered_submits_are_given_back(
    sim: SmscSimulator, harness_factory: Callable[..., Harness]
) -> None:
    """A submit whose response never comes is resent; the provider's duplicate rule is
    what keeps it from being paid twice (see the outbox's policy)."""
    harness = harness_factory(config_for(sim))
    await start(harness)
    sim.drop_responses(1)
    (future,) = harness.outbox.add([sms("79991230000", "lost response")])
    message = await asyncio.wait_for(future, 10)
    assert message.state == "sent"
    assert len(sim.submits) == 2


async def test_password_never_logged(
    sim: SmscSimulator,
    harness_factory: Callable[..., Harness],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Binds, failures, submits and reconnects at debug level: the password is nowhere."""
    caplog.set_level(1)
    logging.getLogger("aiosmpplib").setLevel(1)
    try:
        with pytest.raises(AuthFailed):
            await probe_bind(config_for(sim, username="ghost"), ssl_context=None, timeout=2)
        harness = harness_factory(config_for(sim))
        await start(harness)
        (future,) = harness.outbox.add([sms("79991234567", "hello")])
        await asyncio.wait_for(future, 5)
        sim.drop_all()
        await harness.wait(lambda: harness.link.status.reconnects >= 1)
        await harness.wait(lambda: harness.link.status.bound)
    finally:
        logging.getLogger("aiosmpplib").setLevel(logging.NOTSET)
    assert caplog.records
    assert PASSWORD not in caplog.text
    for record in caplog.records:
        assert PASSWORD not in record.getMessage()


def test_config_repr_hides_the_password(sim: SmscSimulator) -> None:
    """A LinkConfig in a log line or an error message never shows the password."""
    assert PASSWORD not in repr(config_for(sim))
    assert PASSWORD not in str(config_for(sim))
