"""A real Home Assistant with SMS Center set up against the bundled simulator.

Run through ``scripts/develop``. Without ``--smoke``: the simulator and ``hass -c config`` run
until Ctrl-C; the first run onboards an owner (``dev`` / ``dev``) and adds the account through
the real config flow. With ``--smoke``: the same in a throw-away config folder, then the checks
of ``smoke.py``; exits non-zero on any failure. The demo itself is the ``ha_demo`` package.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path
import shutil
import signal
import sys
import tempfile

import aiohttp
from ha_demo.account import (
    ASSIST_PHONE,
    BALANCE,
    LOGIN,
    OWNER_PASSWORD,
    OWNER_USERNAME,
    SENDER,
    SMPP_PASSWORD,
)
from ha_demo.common import ROOT, STEP_TIMEOUT, DemoError, log
from ha_demo.config_folder import integration_errors, reset_config
from ha_demo.demo import Demo, Ports
from ha_demo.processes import free_ports
from smoke import SMOKE_TIMEOUT, smoke


def demo_for(args: argparse.Namespace) -> Demo:
    """The smoke run's demo in a throw-away folder on free ports, else config/ on the usual
    ports (the next free one where taken)."""
    if args.smoke:
        config = Path(tempfile.mkdtemp(prefix="smscentre-smoke-"))
        return Demo(
            config,
            config,
            Ports.any_free(),
            host=args.host,
            throwaway=True,
            receipt_delay=args.receipt_delay,
        )
    config = ROOT / "config"
    state = ROOT / ".develop"
    state.mkdir(exist_ok=True)
    if args.reset:
        reset_config(config)
    smpp, control, api = free_ports(2775, 8775, 8780)
    ports = Ports(smpp=smpp, control=control, api=api, http=args.port)
    return Demo(
        config, state, ports, host=args.host, throwaway=False, receipt_delay=args.receipt_delay
    )


def print_welcome(demo: Demo) -> None:
    """Where everything is, for the interactive run."""
    shown = "127.0.0.1" if demo.host in ("0.0.0.0", "::") else demo.host
    control = demo.control_url
    print(
        f"\nHome Assistant: http://{shown}:{demo.http_port}/"
        f"  (log in as {OWNER_USERNAME} / {OWNER_PASSWORD})\n"
        f"SMS Center simulator: SMPP 127.0.0.1:{demo.ports.smpp},"
        f" login {LOGIN} / {SMPP_PASSWORD}; control API {control};"
        f" HTTP API {demo.api_url}/sys/ (balance {BALANCE:g} RUB)\n"
        f"  messages sent:  curl -s {control}/messages\n"
        f"  incoming SMS:   curl -s {control}/deliver -d "
        f"""'{{"source": "79995556677", "destination": "{SENDER}", "text": "hi"}}'\n"""
        f"  talk to Assist: curl -s {control}/deliver -d "
        f"""'{{"source": "{ASSIST_PHONE}", "destination": "{SENDER}","""
        """ "text": "turn on the demo light"}'\n"""
        f"Logs: {demo.config}/home-assistant.log, {demo.state}/smscsim.log."
        " Ctrl-C stops both.\n",
        flush=True,
    )


def smoke_verdict(demo: Demo, ok: bool, codes: dict[str, int | None]) -> bool:
    """After the smoke run's stop: also a clean exit of hass and no error logged. Passed: the
    folder removed; failed: kept, the last lines of each child shown."""
    if ok and codes.get("hass") != 0:
        log(f"FAILED: hass exit code {codes.get('hass')} after SIGTERM")
        ok = False
    if ok and (errors := integration_errors(demo.config)):
        log("FAILED: errors logged:\n" + "\n".join(errors[:20]))
        ok = False
    if ok:
        shutil.rmtree(demo.config, ignore_errors=True)
        return True
    for child in demo.children:
        with contextlib.suppress(OSError):
            log(f"last lines of {child.log_path}:\n" + "\n".join(child.tail()))
    log(f"kept {demo.config} for inspection")
    return False


async def run(args: argparse.Namespace) -> int:
    demo = demo_for(args)
    ok = False
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        timeout = aiohttp.ClientTimeout(total=STEP_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            client, control, entry_id = await demo.start(session)
            if args.smoke:
                async with asyncio.timeout(SMOKE_TIMEOUT):
                    await smoke(client, control, entry_id)
            else:
                print_welcome(demo)
                while True:
                    demo.check_alive()
                    await asyncio.sleep(1)
        ok = True
    except DemoError as err:
        log(f"FAILED: {err}")
    except TimeoutError:
        log(f"FAILED: the smoke run took longer than {SMOKE_TIMEOUT:.0f} s")
    except asyncio.CancelledError:
        log("stopping")
        ok = not args.smoke
    finally:
        codes = demo.stop()
        if args.smoke:
            ok = smoke_verdict(demo, ok, codes)
    if args.smoke and ok:
        log("smoke passed")
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(prog="scripts/develop", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="headless check, then stop")
    parser.add_argument("--port", type=int, default=8123, help="Home Assistant's HTTP port")
    parser.add_argument("--host", default="127.0.0.1", help="address Home Assistant listens on")
    parser.add_argument("--reset", action="store_true", help="start from an empty config/")
    parser.add_argument(
        "--receipt-delay",
        type=float,
        default=0.0,
        metavar="S",
        help="the simulator's delivery reports S seconds after a message is accepted (time to"
        " report a failure by hand first: POST /receipt)",
    )
    args = parser.parse_args()
    try:
        code = asyncio.run(run(args))
    except KeyboardInterrupt:
        code = 1 if args.smoke else 0
    sys.exit(code)


if __name__ == "__main__":
    main()
