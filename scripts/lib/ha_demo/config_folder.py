"""A Home Assistant config folder for the demo: written before a start, its log read after.

The folder uses this repository: configuration.yaml copied from ``config/``, the integration
linked into custom_components and its blueprints into blueprints/automation, the files the UI's
editors write, onboarding done but for the owner, the HTTP server's settings where the running
release reads them, and existing entries moved to the simulator's ports.
"""

from __future__ import annotations

import json
from pathlib import Path
import shutil

import homeassistant

from .common import DOMAIN, ROOT

BLUEPRINTS = ROOT / "blueprints" / "automation" / DOMAIN
# What the automation, script and scene editors save into (configuration.yaml includes them),
# as Home Assistant's own default configuration starts them.
UI_FILES = {"automations.yaml": "[]", "scripts.yaml": "", "scenes.yaml": ""}


def prepare_config(config: Path, package: Path | None = None) -> bool:
    """Make `config` a Home Assistant config folder using this repository; True when new.

    `package`: the homeassistant package that will run on it (default: this venv's).
    """
    config.mkdir(parents=True, exist_ok=True)
    yaml = config / "configuration.yaml"
    if not yaml.exists():
        shutil.copy(ROOT / "config" / "configuration.yaml", yaml)
    for name, empty in UI_FILES.items():
        if not (config / name).exists():
            (config / name).write_text(empty)
    components = config / "custom_components"
    components.mkdir(exist_ok=True)
    link = components / DOMAIN
    if not link.exists():
        link.symlink_to(ROOT / "custom_components" / DOMAIN, target_is_directory=True)
    link_blueprints(config, package or Path(homeassistant.__file__).parent)
    storage = config / ".storage"
    storage.mkdir(exist_ok=True)
    onboarding = storage / "onboarding"
    if onboarding.exists():
        return False
    # Every onboarding step but the owner's is done: the owner is created over the API, which
    # then finishes onboarding (the core-config step would add weather, radio and TTS entries).
    onboarding.write_text(
        json.dumps(
            {
                "version": 4,
                "minor_version": 1,
                "key": "onboarding",
                "data": {"done": ["core_config", "analytics", "integration"]},
            }
        )
    )
    return True


def link_blueprints(config: Path, package: Path) -> None:
    """The repository's blueprints where copying the folder would put them, each file linked
    (an edit shows after a reload; a blueprint deleted in the UI is back at the next start).

    Files, not the folder: Home Assistant lists blueprints with a glob that does not enter a
    linked folder, and deleting one then removes the link, not the repository's file. Home
    Assistant puts its example blueprints into blueprints/automation only when that folder is
    missing, which it no longer is: they are copied from `package` as it would.
    """
    automation = config / "blueprints" / "automation"
    if not automation.exists():
        shutil.copytree(
            package / "components" / "automation" / "blueprints", automation / "homeassistant"
        )
    folder = automation / DOMAIN
    folder.mkdir(parents=True, exist_ok=True)
    for source in sorted(BLUEPRINTS.glob("*.yaml")):
        link = folder / source.name
        if not link.is_symlink() and not link.exists():
            link.symlink_to(source)


def reset_config(config: Path) -> None:
    """Empty `config` but for its configuration.yaml (onboarding and the account again)."""
    for item in config.iterdir():
        if item.name != "configuration.yaml":
            shutil.rmtree(item) if item.is_dir() else item.unlink()


def point_entries_at(config: Path, port: int, api_url: str) -> None:
    """Before a start: move existing SMS Center entries to the simulator's current ports."""
    path = config / ".storage" / "core.config_entries"
    if not path.exists():
        return
    stored = json.loads(path.read_text())
    changed = False
    for entry in stored["data"]["entries"]:
        if entry["domain"] == DOMAIN and entry["data"].get("host") == "127.0.0.1":
            changed |= entry["data"].get("port") != port
            entry["data"]["port"] = port
            options = entry.get("options") or {}
            if str(options.get("api_url", "")).startswith("http://127.0.0.1:"):
                changed |= options["api_url"] != api_url
                options["api_url"] = api_url
    if changed:
        path.write_text(json.dumps(stored, indent=2))


def http_settings_in_storage(package: Path | None = None) -> bool:
    """Whether the Home Assistant installed at `package` (default: this venv's) keeps its HTTP
    settings in .storage/http (2026.8 on).

    Older releases read them from the ``http:`` section of configuration.yaml only; newer ones
    migrate that section once and then report it as left over, so each gets its own place.
    """
    package = package or Path(homeassistant.__file__).parent
    return (package / "components" / "http" / "config.py").is_file()


def write_http_config(config: Path, port: int, host: str, *, in_storage: bool) -> None:
    """Before a start: Home Assistant's HTTP server on `host`:`port`.

    Since 2026.8 the HTTP settings live in .storage/http (YAML is migrated once, then tried as
    a "pending" config that is reverted with a restart unless confirmed in the UI), so they are
    written there as the confirmed ("stable") config. Older releases get an ``http:`` section in
    configuration.yaml, which is only done in a throw-away folder (the smoke run's).
    """
    if not in_storage:
        with (config / "configuration.yaml").open("a", encoding="utf-8") as yaml:
            yaml.write(f"\nhttp:\n  server_port: {port}\n  server_host: [{json.dumps(host)}]\n")
        return
    (config / ".storage" / "http").write_text(
        json.dumps(
            {
                "version": 2,
                "minor_version": 2,
                "key": "http",
                "data": {
                    "stable": {
                        "server_port": port,
                        "server_host": [host],
                        "cors_allowed_origins": ["https://cast.home-assistant.io"],
                        "login_attempts_threshold": -1,
                        "ip_ban_enabled": True,
                        "ssl_profile": "modern",
                        "use_x_frame_options": True,
                        "created_at": "2026-01-01T00:00:00+00:00",
                        "error": None,
                        "error_message": None,
                    },
                    "pending": None,
                    "yaml_migration_done": True,
                },
            },
            indent=2,
        )
    )


def integration_errors(config: Path) -> list[str]:
    """ERROR lines (and worse) logged by the integration or its library, and by Home
    Assistant's setup (an integration that failed to set up, e.g. a requirement missing from
    the venv: with --skip-pip it installs none)."""
    path = config / "home-assistant.log"
    if not path.exists():
        return []
    sources = ("[custom_components.smscentre", "[aiosmpplib", "[homeassistant.setup]")
    return [
        line
        for line in path.read_text(errors="replace").splitlines()
        if (" ERROR " in line or " CRITICAL " in line) and any(s in line for s in sources)
    ]
