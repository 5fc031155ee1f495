"""The demo's config folder (``scripts/lib/ha_demo/config_folder.py``): what ``scripts/develop``
writes before Home Assistant starts on it, and what it reads from its log after."""

from __future__ import annotations

import json
import os
from pathlib import Path
import socket

from homeassistant.util.yaml import load_yaml_dict
import pytest

from scripts.lib.ha_demo import config_folder, processes
from scripts.lib.ha_demo.common import ROOT

BLUEPRINTS = ROOT / "blueprints" / "automation" / "smscentre"


def _entries(path: Path, *entries: dict[str, object]) -> Path:
    stored = path / ".storage" / "core.config_entries"
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_text(json.dumps({"data": {"entries": list(entries)}}))
    return stored


def test_a_new_folder_uses_this_repository_and_leaves_the_owner_to_onboard(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config"
    assert config_folder.prepare_config(config) is True
    yaml = config / "configuration.yaml"
    assert yaml.read_text() == (ROOT / "config" / "configuration.yaml").read_text()
    link = config / "custom_components" / "smscentre"
    assert link.is_symlink()
    assert link.resolve() == ROOT / "custom_components" / "smscentre"
    onboarding = json.loads((config / ".storage" / "onboarding").read_text())
    assert onboarding["data"]["done"] == ["core_config", "analytics", "integration"]

    yaml.write_text("# changed\n")
    assert config_folder.prepare_config(config) is False
    assert yaml.read_text() == "# changed\n"


def test_what_the_ui_saves_is_loaded_from_files_a_new_folder_has(tmp_path: Path) -> None:
    """Automations, scripts and scenes made in the UI are written to these files: the
    configuration includes them, so they are loaded (and do not vanish after saving)."""
    config_folder.prepare_config(tmp_path)
    loaded = load_yaml_dict(tmp_path / "configuration.yaml")
    assert loaded["automation"] == []
    assert loaded["script"] == loaded["scene"] == {}  # empty, as in Home Assistant's default
    assert "default_config" not in loaded


def test_files_the_ui_wrote_are_kept(tmp_path: Path) -> None:
    (tmp_path / "automations.yaml").write_text("- id: '1'\n  alias: Mine\n")
    config_folder.prepare_config(tmp_path)
    assert (tmp_path / "automations.yaml").read_text() == "- id: '1'\n  alias: Mine\n"


def test_the_blueprints_are_linked_where_copying_the_folder_puts_them(tmp_path: Path) -> None:
    config_folder.prepare_config(tmp_path)
    folder = tmp_path / "blueprints" / "automation"
    ours = sorted(path.name for path in (folder / "smscentre").iterdir())
    assert ours == sorted(path.name for path in BLUEPRINTS.glob("*.yaml"))
    for name in ours:
        link = folder / "smscentre" / name
        assert link.is_symlink()
        assert link.resolve() == BLUEPRINTS / name  # an edit in the repository shows
    # Home Assistant's own examples, which it adds only to a folder that does not exist yet
    assert (folder / "homeassistant" / "motion_light.yaml").is_file()


def test_a_blueprint_deleted_in_the_ui_is_back_at_the_next_start(tmp_path: Path) -> None:
    config_folder.prepare_config(tmp_path)
    folder = tmp_path / "blueprints" / "automation"
    (folder / "smscentre" / "sms_command.yaml").unlink()
    (folder / "homeassistant" / "motion_light.yaml").unlink()
    assert (BLUEPRINTS / "sms_command.yaml").is_file()  # the link went, not the file

    config_folder.prepare_config(tmp_path)
    assert (folder / "smscentre" / "sms_command.yaml").resolve() == BLUEPRINTS / "sms_command.yaml"
    assert not (folder / "homeassistant" / "motion_light.yaml").exists()  # the owner's choice


def test_only_local_entries_are_moved_to_the_simulators_ports(tmp_path: Path) -> None:
    local = {
        "domain": "smscentre",
        "data": {"host": "127.0.0.1", "port": 2775},
        "options": {"api_url": "http://127.0.0.1:8780"},
    }
    remote = {
        "domain": "smscentre",
        "data": {"host": "smpp.smsc.ru", "port": 3700},
        "options": {"api_url": "https://smsc.ru"},
    }
    other = {"domain": "demo", "data": {"host": "127.0.0.1", "port": 1}, "options": {}}
    stored = _entries(tmp_path, local, remote, other)

    config_folder.point_entries_at(tmp_path, 4000, "http://127.0.0.1:4001")

    local_after, remote_after, other_after = json.loads(stored.read_text())["data"]["entries"]
    assert local_after["data"]["port"] == 4000
    assert local_after["options"]["api_url"] == "http://127.0.0.1:4001"
    assert remote_after == remote
    assert other_after == other


def test_entries_already_in_place_are_not_rewritten(tmp_path: Path) -> None:
    entry = {
        "domain": "smscentre",
        "data": {"host": "127.0.0.1", "port": 4000},
        "options": {"api_url": "http://127.0.0.1:4001"},
    }
    stored = _entries(tmp_path, entry)
    before = stored.read_text()
    config_folder.point_entries_at(tmp_path, 4000, "http://127.0.0.1:4001")
    assert stored.read_text() == before
    config_folder.point_entries_at(tmp_path / "absent", 4000, "http://127.0.0.1:4001")


def test_a_reset_keeps_only_configuration_yaml(tmp_path: Path) -> None:
    config_folder.prepare_config(tmp_path)
    (tmp_path / "home-assistant.log").write_text("")
    config_folder.reset_config(tmp_path)
    assert os.listdir(tmp_path) == ["configuration.yaml"]


@pytest.mark.parametrize("in_storage", [True, False])
def test_the_http_server_settings_go_where_the_release_reads_them(
    tmp_path: Path, in_storage: bool
) -> None:
    config_folder.prepare_config(tmp_path)
    config_folder.write_http_config(tmp_path, 8200, "0.0.0.0", in_storage=in_storage)
    yaml = (tmp_path / "configuration.yaml").read_text()
    if in_storage:
        stable = json.loads((tmp_path / ".storage" / "http").read_text())["data"]["stable"]
        assert (stable["server_port"], stable["server_host"]) == (8200, ["0.0.0.0"])
        assert "\nhttp:" not in yaml
    else:
        assert not (tmp_path / ".storage" / "http").exists()
        assert yaml.endswith('\nhttp:\n  server_port: 8200\n  server_host: ["0.0.0.0"]\n')


def test_errors_of_the_integration_and_of_setup_are_picked_from_the_log(tmp_path: Path) -> None:
    lines = [
        "2026-12-01 10:00:00.000 ERROR (MainThread) [custom_components.smscentre.link] lost",
        "2026-12-01 10:00:00.000 CRITICAL (MainThread) [aiosmpplib.esme] broken",
        "2026-12-01 10:00:00.000 ERROR (MainThread) [homeassistant.setup] Setup failed for x",
        "2026-12-01 10:00:00.000 WARNING (MainThread) [custom_components.smscentre] slow",
        "2026-12-01 10:00:00.000 ERROR (MainThread) [homeassistant.components.cloud] offline",
    ]
    assert config_folder.integration_errors(tmp_path) == []
    (tmp_path / "home-assistant.log").write_text("\n".join(lines))
    assert config_folder.integration_errors(tmp_path) == lines[:3]


def test_the_release_of_another_venvs_hass_is_read_from_its_own_package() -> None:
    """The browser test runs this venv's Python against another release's ``hass``: where
    that release keeps its HTTP settings is read from its own package."""
    hass = processes.this_venvs_hass()
    package = processes.homeassistant_package(hass)
    assert (package / "__init__.py").is_file()
    assert (
        config_folder.http_settings_in_storage(package) == config_folder.http_settings_in_storage()
    )


def test_free_ports_differ_and_skip_a_taken_one(socket_enabled: None) -> None:
    """Many at once never repeat (the simulator binds them all); a taken preferred port is
    replaced by a free one."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        busy = taken.getsockname()[1]
        taken.listen()
        for _ in range(50):
            ports = processes.free_ports(busy, None, None, None, None)
            assert len(set(ports)) == 5
            assert busy not in ports
