"""Run the simulator standalone until Ctrl-C.

python -m smscsim --host 127.0.0.1 --port 2775 [--tls-port 2776] [--account login:password ...]
                  [--throughput 30] [--control-port 8775] [--http-port 8080]
                  [--pdu-cost-us 20]
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Sequence
import contextlib
import logging
import signal

from .control import ControlServer
from .server import SmscSimulator


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m smscsim", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2775)
    parser.add_argument("--tls-port", type=int, default=None)
    parser.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="LOGIN:PASSWORD",
        help="an account (repeatable); default test:secret",
    )
    parser.add_argument("--throughput", type=float, default=None, help="submits/s per account")
    parser.add_argument("--control-port", type=int, default=None, help="HTTP control API port")
    parser.add_argument(
        "--http-port",
        type=int,
        default=None,
        help="the provider's HTTP API (/sys/balance.php, send.php, status.php) on this port",
    )
    parser.add_argument("--balance", type=float, default=None, help="HTTP API account balance")
    parser.add_argument("--inactivity-timeout", type=float, default=120.0)
    parser.add_argument("--enquire-link-interval", type=float, default=None)
    parser.add_argument("--duplicate-window", type=float, default=60.0)
    parser.add_argument("--receipt-delay", type=float, default=0.0)
    parser.add_argument("--no-receipts", action="store_true")
    parser.add_argument(
        "--history",
        type=int,
        default=None,
        metavar="N",
        help="keep only the latest N messages for /messages and QUERY_SM (default: all)",
    )
    parser.add_argument(
        "--pdu-cost-us",
        type=float,
        default=0.0,
        metavar="US",
        help="CPU microseconds spent per PDU received, for an SMSC closer to a real one's speed",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    accounts = {}
    for account in args.account:
        login, sep, password = account.partition(":")
        if not sep or not login:
            parser.error(f"--account {account!r}: expected LOGIN:PASSWORD")
        accounts[login] = password
    args.accounts = accounts or None
    return args


async def serve(
    args: argparse.Namespace,
    *,
    stop: asyncio.Event | None = None,
    ready: Callable[[SmscSimulator, ControlServer | None], None] | None = None,
) -> None:
    """Run until `stop` is set (or forever); print where it listens."""
    sim = SmscSimulator(
        host=args.host,
        port=args.port,
        tls_port=args.tls_port,
        accounts=args.accounts,
        throughput=args.throughput,
        inactivity_timeout=args.inactivity_timeout,
        enquire_link_interval=args.enquire_link_interval,
        duplicate_window=args.duplicate_window,
        auto_receipts=not args.no_receipts,
        receipt_delay=args.receipt_delay,
        history=args.history,
        http_port=args.http_port,
        pdu_cost=args.pdu_cost_us / 1e6,
    )
    if sim.http is not None and args.balance is not None:
        sim.http.balance = args.balance
    control: ControlServer | None = None
    await sim.start()
    try:
        print(f"SMPP listening on {sim.host}:{sim.port}", flush=True)
        if sim.tls_port is not None:
            print(f"SMPP over TLS listening on {sim.host}:{sim.tls_port}", flush=True)
        if sim.http is not None:
            print(f"HTTP API on {sim.http.url}/sys/", flush=True)
        print(f"accounts: {', '.join(sim.accounts)}", flush=True)
        if args.control_port is not None:
            control = ControlServer(sim, args.host, args.control_port)
            await control.start()
            print(f"control API on http://{args.host}:{control.port}/", flush=True)
        if ready is not None:
            ready(sim, control)
        await (stop or asyncio.Event()).wait()
    finally:
        if control is not None:
            await control.stop()
        await sim.stop()


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        await serve(args, stop=stop)
        print("stopped", flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


if __name__ == "__main__":
    main()
