"""The simulator and ``hass`` as child processes: started, watched, stopped."""

from __future__ import annotations

import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
from typing import Any

from .account import BALANCE, LOGIN, SMPP_PASSWORD, SPARE_LOGIN, SPARE_PASSWORD
from .common import ROOT, DemoError, log

STOP_TIMEOUT = 30.0


def free_ports(*preferred: int | None) -> list[int]:
    """One free port on 127.0.0.1 for each of `preferred`: that port when it is free, else
    any. The ports differ: each stays bound until all are chosen (a port just released is
    the kernel's likely next answer to "any")."""
    held: list[socket.socket] = []
    try:
        for wanted in preferred:
            for port in (wanted, 0) if wanted else (0,):
                sock = socket.socket()
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio's servers
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    sock.close()
                    continue
                held.append(sock)
                break
            else:
                raise RuntimeError("no free port")
        return [int(sock.getsockname()[1]) for sock in held]
    finally:
        for sock in held:
            sock.close()


class Child:
    """A child process in its own session, stopped with SIGTERM, then SIGKILL."""

    def __init__(self, name: str, args: list[str], log_path: Path, **kwargs: Any) -> None:
        self.name = name
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(
            args, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True, **kwargs
        )

    def check_alive(self) -> None:
        if (code := self.proc.poll()) is not None:
            raise DemoError(f"{self.name} exited with {code}; see {self.log_path}")

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """Stop gracefully within `timeout`; return the exit code (None when killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log(f"{self.name} did not stop within {timeout:.0f} s: killing it")
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                self._log.close()
                return None
        self._log.close()
        return self.proc.returncode

    def tail(self, lines: int = 40) -> list[str]:
        """The last `lines` of its output (for a failure's report)."""
        return self.log_path.read_text(errors="replace").splitlines()[-lines:]


def start_simulator(
    state: Path, port: int, control_port: int, api_port: int, receipt_delay: float = 0.0
) -> Child:
    """The simulator with the demo's account: SMPP, control API, the provider's HTTP API;
    each message's delivery report `receipt_delay` seconds after it was accepted."""
    args = [
        sys.executable,
        "-m",
        "smscsim",
        "--port",
        str(port),
        "--control-port",
        str(control_port),
        "--account",
        f"{LOGIN}:{SMPP_PASSWORD}",
        "--account",
        f"{SPARE_LOGIN}:{SPARE_PASSWORD}",
        "--http-port",
        str(api_port),
        "--balance",
        str(BALANCE),
        "--receipt-delay",
        str(receipt_delay),
    ]
    return Child("simulator", args, state / "smscsim.log", cwd=ROOT)


def this_venvs_hass() -> Path:
    """The ``hass`` installed beside this Python."""
    return Path(sys.executable).with_name("hass")


def homeassistant_package(hass: Path) -> Path:
    """The ``homeassistant`` package that `hass` runs (another venv's, maybe)."""
    found = subprocess.run(
        [
            str(hass.with_name("python")),
            "-c",
            "import homeassistant; print(homeassistant.__file__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(found.stdout.strip()).parent


def start_hass(config: Path, hass: Path) -> Child:
    """`hass` on `config`; installs nothing (``--skip-pip``)."""
    return Child("hass", [str(hass), "-c", str(config), "--skip-pip"], config / "hass.out")
