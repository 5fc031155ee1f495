"""The support window: hacs.json, the README, compat/versions.txt and what scripts/compat last
ran say the same, and every file of the integration compiles on each Python of the window."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path
import re
import shutil
import subprocess
import sys

from awesomeversion import AwesomeVersion
import pytest

ROOT = Path(__file__).resolve().parents[1]
COMPONENT = ROOT / "custom_components" / "smscentre"
VERSIONS = ROOT / "compat" / "versions.txt"
RESULTS = ROOT / "compat" / "results.md"
README = ROOT / "README.md"
PYTHONS = ("3.13", "3.14")
COMPILE = """
import sys
for path in sys.argv[1:]:
    with open(path, "rb") as source:
        compile(source.read(), path, "exec", dont_inherit=True)
"""


def _lines() -> list[list[str]]:
    """compat/versions.txt's words, a list a line, comments left out."""
    lines = []
    for raw in VERSIONS.read_text(encoding="utf-8").splitlines():
        if words := raw.split("#", 1)[0].split():
            lines.append(words)
    return lines


def _releases() -> list[tuple[str, str, list[str]]]:
    """compat/versions.txt: (version, Python, extra pins), one a line, comments left out."""
    return [(w[0], w[1], [pin for pin in w[2:] if pin != "browser"]) for w in _lines()]


def test_the_browser_test_runs_on_the_oldest_and_the_newest() -> None:
    """The frontends of the first and the last release differ most: scripts/compat runs the
    browser test on both (and the word goes into no venv)."""
    marked = [words[0] for words in _lines() if "browser" in words[2:]]
    releases = [version for version, _, _ in _releases()]
    assert marked[0] == releases[0]
    assert marked[-1] == releases[-1]
    compat = (ROOT / "scripts" / "compat").read_text(encoding="utf-8")
    assert 'elif [ "$word" = browser ]; then browser=1' in compat
    assert 'scripts/browser --hass "$venv/bin/hass"' in compat


def _pinned() -> str:
    for line in (ROOT / "requirements_test.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("homeassistant=="):
            return line.partition("==")[2].strip()
    raise AssertionError("requirements_test.txt pins no homeassistant")


def test_versions_file() -> None:
    """One release a line, oldest first, each on a Python of the window; the pinned one too."""
    releases = _releases()
    versions = [AwesomeVersion(version) for version, _, _ in releases]
    assert len(versions) >= 3
    assert versions == sorted(versions)
    assert len(set(versions)) == len(versions)
    assert _pinned() in [version for version, _, _ in releases]
    for version, python, pins in releases:
        assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", version), version
        assert python in PYTHONS, version
        for pin in pins:
            assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9.]+", pin), pin


def test_minimum_is_the_same_everywhere() -> None:
    """hacs.json's minimum is the first release scripts/compat runs, and the README says so."""
    minimum = _releases()[0][0]
    assert json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))["homeassistant"] == minimum
    readme = README.read_text(encoding="utf-8")
    assert f"Home Assistant {minimum} or newer is required" in readme
    assert f"from **{minimum}** on" in readme


def test_readme_table_is_what_scripts_compat_last_ran() -> None:
    """The README's table is compat/results.md, which covers every listed release.

    (Whether they passed is scripts/compat's exit status: this suite also runs inside it.)
    """
    results = RESULTS.read_text(encoding="utf-8").strip().splitlines()
    readme = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- compat:begin[^\n]*-->\n(.*?)<!-- compat:end -->", readme, re.S)
    assert block is not None, "README.md has no compat markers"
    assert block.group(1).strip().splitlines() == results
    assert results[0] == "| Home Assistant | Python | What ran | Result |"
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in results[2:]]
    assert [row[0] for row in rows] == [version for version, _, _ in _releases()]
    for (version, python, what, result), (_, minor, _) in zip(rows, _releases(), strict=True):
        assert python.startswith(f"{minor}."), version
        assert "compile" in what, version
        assert "smoke" in what, version
        assert result in ("passed", "failed"), version


def _python(minor: str) -> str | None:
    """A Python `minor` at hand: this one, the one scripts/lib/python.sh provisioned, or PATH's."""
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == minor:
        return sys.executable
    cache = os.environ.get("CACHE_ROOT") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "smscentre"
    )
    for candidate in (
        Path(cache) / f"python{minor}" / f"python{minor}",
        shutil.which(f"python{minor}"),
    ):
        if candidate is None or not Path(candidate).exists():
            continue
        probe = subprocess.run(
            [str(candidate), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == minor:
            return str(candidate)
    return None


@pytest.mark.parametrize("minor", PYTHONS)
def test_every_file_compiles(minor: str) -> None:
    """No syntax of a newer Python (e.g. 3.14's `except A, B:`) in any file of the integration."""
    python = _python(minor)
    if python is None:
        pytest.skip(f"no Python {minor} here (scripts/compat provisions one)")
    files = sorted(str(p) for p in (ROOT / "custom_components").rglob("*.py"))
    result = subprocess.run(
        [python, "-c", COMPILE, *files], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr


def _imports(tree: ast.AST) -> set[str]:
    """Every imported name of a module, as module.name (and the module of a plain import)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_only_compat_decides() -> None:
    """What compat.py provides comes from nowhere else, and no import is tried and caught."""
    decided = {
        "probatio",
        "voluptuous",
        "homeassistant.components.binary_sensor.BinarySensorDeviceClass",
        "homeassistant.components.binary_sensor.const.BinarySensorDeviceClass",
        "homeassistant.components.notify.NotifyEntityFeature",
        "homeassistant.components.notify.const.NotifyEntityFeature",
        "homeassistant.components.event.EventEntity",
    }
    for path in sorted(COMPONENT.rglob("*.py")):
        if path.name == "compat.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert not _imports(tree) & decided, f"{path.name}: import these from .compat"
        for node in ast.walk(tree):
            if isinstance(node, ast.Try) and any(
                isinstance(inner, ast.Import | ast.ImportFrom)
                for statement in node.body
                for inner in ast.walk(statement)
            ):
                raise AssertionError(
                    f"{path.name}:{node.lineno}: a tried import (compat.py decides)"
                )
