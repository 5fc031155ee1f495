"""The GitHub workflows and what a release publishes.

GitHub runs the workflows, not this machine: scripts/test validates them against GitHub's
schema; here, what they run is held to .ci/run, the release's tag check is run as the workflow
runs it, and the zip HACS installs is built and read.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import re
import shlex
import subprocess
import sys
import tomllib
from typing import Any
import zipfile

import pytest
import yaml

from scripts.lib import release

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
COMPONENT = ROOT / "custom_components" / "smscentre"


def _workflow(name: str) -> dict[str, Any]:
    workflow: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    return workflow


def _ci_commands() -> list[str]:
    """The commands of .ci/run, one a line, without the shell's own set-up."""
    commands = []
    for raw in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "set ", "cd ")):
            continue
        commands.append(line)
    return commands


def _step(workflow: dict[str, Any], job: str, name: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = workflow["jobs"][job]["steps"]
    return next(step for step in steps if step.get("name") == name)


def test_tests_workflow_runs_what_ci_runs() -> None:
    """The Tests workflow's commands are .ci/run's, in its order: the two never drift."""
    commands = _ci_commands()
    assert commands[0] == "scripts/setup"
    assert any(command.startswith("scripts/test") for command in commands)
    assert any("scripts/compat --tests" in command for command in commands)
    steps = _workflow("tests.yml")["jobs"]["ci"]["steps"]
    assert [step["run"].strip() for step in steps if "run" in step] == commands


def test_tests_workflow_has_every_python() -> None:
    """Each Python of compat/versions.txt is on the runner's PATH for scripts/lib/python.sh."""
    wanted = set()
    for raw in (ROOT / "compat" / "versions.txt").read_text(encoding="utf-8").splitlines():
        if words := raw.split("#", 1)[0].split():
            wanted.add(words[1])
    setup = next(
        step
        for step in _workflow("tests.yml")["jobs"]["ci"]["steps"]
        if step.get("uses", "").startswith("actions/setup-python@")
    )
    assert set(setup["with"]["python-version"].split()) == wanted


def test_validate_workflow_runs_hacs_and_hassfest() -> None:
    """HACS's action as an integration, Home Assistant's hassfest; on pushes and pull requests."""
    workflow = _workflow("validate.yml")
    assert {"push", "pull_request", "schedule"} <= set(workflow["on"])
    uses = {
        step["uses"].partition("@")[0]: step.get("with", {})
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if "uses" in step
    }
    assert uses["hacs/action"] == {"category": "integration"}
    assert "home-assistant/actions/hassfest" in uses


def test_release_runs_only_on_a_version_tag_after_the_checks() -> None:
    """A tag v* starts it; it publishes only when validation and the tests pass."""
    workflow = _workflow("release.yml")
    assert workflow["on"] == {"push": {"tags": ["v*"]}}
    jobs = workflow["jobs"]
    assert jobs["validate"]["uses"] == "./.github/workflows/validate.yml"
    assert jobs["tests"]["uses"] == "./.github/workflows/tests.yml"
    assert set(jobs["release"]["needs"]) == {"validate", "tests"}
    assert jobs["release"]["permissions"] == {"contents": "write"}
    for called in ("validate.yml", "tests.yml"):
        assert "workflow_call" in _workflow(called)["on"]


def _run_tag_check(tag: str) -> subprocess.CompletedProcess[str]:
    """The release workflow's tag check, run by bash as the runner runs it."""
    script = _step(_workflow("release.yml"), "release", "The tag is v + the manifest's version")
    env = {**os.environ, "GITHUB_REF_NAME": tag}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script["run"]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_release_tag_check_accepts_only_v_and_the_manifest_version() -> None:
    """v<manifest version> passes; the bare version, another version or a suffix fail."""
    version = release.manifest_version()
    assert _run_tag_check(f"v{version}").returncode == 0
    major, minor, patch = (int(part) for part in version.split("."))
    for tag in (version, f"v{major}.{minor}.{patch + 1}", f"v{version}-rc1", f"V{version}"):
        result = _run_tag_check(tag)
        assert result.returncode == 1, tag
        assert f"::error::tag {tag}," in result.stdout


def test_release_zip_holds_the_integration_at_its_root(tmp_path: Path) -> None:
    """What HACS unpacks into custom_components/smscentre/: every file of the integration, at
    the zip's root, byte for byte, nothing else; the same tree makes the same bytes."""
    target = tmp_path / "dist" / "smscentre.zip"
    names = release.build_zip(target)
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == names
        content = {name: archive.read(name) for name in names}
        assert {info.date_time for info in archive.infolist()} == {release.EPOCH}
    assert json.loads(content["manifest.json"])["domain"] == "smscentre"
    assert {"__init__.py", "translations/en.json", "translations/ru.json"} <= set(content)
    assert "brand/icon.png" in content
    for name, data in content.items():
        assert not name.startswith(("/", "custom_components/")), name
        assert "__pycache__" not in name, name
        assert not name.endswith(".pyc"), name
        assert data == (COMPONENT / name).read_bytes(), name
    assert {p.relative_to(COMPONENT).as_posix() for p in COMPONENT.rglob("*.py")} <= set(content)
    again = tmp_path / "again.zip"
    release.build_zip(again)
    assert again.read_bytes() == target.read_bytes()


def test_release_zip_is_built_from_the_command_line(tmp_path: Path) -> None:
    """The workflow's command, as it runs it (Python's standard library only)."""
    release_yml = _step(_workflow("release.yml"), "release", "smscentre.zip and the release notes")
    zip_command = next(line for line in release_yml["run"].splitlines() if " zip " in line)
    words = shlex.split(zip_command)
    assert words[:3] == ["python3", "scripts/lib/release.py", "zip"]
    target = tmp_path / words[3]
    result = subprocess.run(
        [sys.executable, "-I", "scripts/lib/release.py", "zip", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(target) as archive:
        assert "manifest.json" in archive.namelist()


# --- CHANGELOG.md ---------------------------------------------------------------------------


def test_changelog_is_keep_a_changelog() -> None:
    """Newest first; each release dated, versions descending; an Unreleased entry only on top;
    the sections keep-a-changelog names; a link for every entry."""
    text = release.CHANGELOG.read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n")
    assert "keepachangelog.com" in text
    entries = release.entries(text)
    assert entries
    for position, (version, date, body) in enumerate(entries):
        if version == "Unreleased":
            assert position == 0
            assert date is None
        else:
            assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
            assert date is not None, version
        assert body, version
        for section in re.findall(r"^### (.+)$", body, re.M):
            assert section in {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
        assert re.search(rf"^\[{re.escape(version)}\]: https://github\.com/", text, re.M), version
    released = [(v, d) for v, d, _ in entries if v != "Unreleased"]
    versions = [tuple(int(p) for p in v.split(".")) for v, _ in released]
    assert versions == sorted(versions, reverse=True)
    dates = [d for _, d in released]
    assert dates == sorted(dates, reverse=True)


def test_release_notes_are_the_entry() -> None:
    """`release.py notes` prints one entry's body, and fails for a version it does not have."""
    version, _, body = release.entries(release.CHANGELOG.read_text(encoding="utf-8"))[0]
    assert release.notes(version) == body + "\n"
    assert "## [" not in release.notes(version)
    with pytest.raises(KeyError):
        release.notes("0.0.0-none")


def test_manifest_changelog_and_tag_agree() -> None:
    """The version being released: manifest.json's is pyproject's and the CHANGELOG's newest
    release entry, and the tag the release workflow accepts for it is v + that version."""
    version = release.manifest_version()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["version"] == version
    text = release.CHANGELOG.read_text(encoding="utf-8")
    released = [(found, date) for found, date, _ in release.entries(text) if found != "Unreleased"]
    assert released, "CHANGELOG.md has no release entry"
    assert released[0][0] == version
    assert release.notes(version).strip()
    repository = json.loads((COMPONENT / "manifest.json").read_text(encoding="utf-8"))[
        "documentation"
    ]
    assert f"[{version}]: {repository}/releases/tag/v{version}\n" in text
    assert _run_tag_check(f"v{version}").returncode == 0
