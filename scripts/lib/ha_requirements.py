"""What a real ``hass --skip-pip`` needs installed beyond the homeassistant package itself.

With ``--skip-pip`` Home Assistant installs nothing, so every integration it sets up for
scripts/develop, and every one those import, must find its requirements already there. Which
integrations those are, and what they pin, change from release to release, so both are read
from the installed Home Assistant: its bootstrap's core and default integrations, the
top-level keys of config/configuration.yaml and this integration's dependencies, closed over
the manifests' ``dependencies`` and ``after_dependencies`` (which bound what an integration may
import: analytics imports hassio's client, for one); plus isal, which the HTTP server
compresses with when it is installed (and warns about otherwise); and the entity integrations
Home Assistant imports to describe actions to the frontend, with what their code imports
(``frontend_domains``). Pins the homeassistant package already requires are left out.

``--tests`` adds this integration's ``after_dependencies`` (cloud), which the unit suite
imports, and whatever they may import in turn (alexa, google_assistant, camera, ...).

    python scripts/lib/ha_requirements.py [--tests]   # by the target venv's Python: pins
"""

from __future__ import annotations

import importlib.metadata
import inspect
import json
from pathlib import Path
import re
import sys

import homeassistant
from homeassistant import bootstrap
from homeassistant.helpers import service

ROOT = Path(__file__).resolve().parents[2]
COMPONENTS = Path(homeassistant.__file__).parent / "components"
EXTRA_DOMAINS = {"isal"}


def normalize(requirement: str) -> str:
    """The normalised project name of a requirement ("PyTurboJPEG==1.8.3" -> "pyturbojpeg")."""
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~; \[]", requirement, maxsplit=1)[0]).lower()


def _own_manifest() -> dict[str, object]:
    path = ROOT / "custom_components" / "smscentre" / "manifest.json"
    manifest: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return manifest


def _manifest(domain: str) -> dict[str, object] | None:
    path = COMPONENTS / domain / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _list(manifest: dict[str, object], key: str) -> list[str]:
    value = manifest.get(key, [])
    return [str(item) for item in value] if isinstance(value, list) else []


def start_domains() -> set[str]:
    """The integrations a start with config/configuration.yaml sets up before closure."""
    yaml = (ROOT / "config" / "configuration.yaml").read_text(encoding="utf-8")
    return (
        set(bootstrap.CORE_INTEGRATIONS)
        | set(bootstrap.DEFAULT_INTEGRATIONS)
        | set(re.findall(r"^([a-z_]+):", yaml, re.MULTILINE))
        | set(_list(_own_manifest(), "dependencies"))
        | EXTRA_DOMAINS
    )


_MODULE_IMPORT = re.compile(r"^\s*(?:from|import) homeassistant\.components\.(\w+)", re.M)
_NAMES_IMPORT = re.compile(r"^\s*from homeassistant\.components import \(?([\w\s,]+)", re.M)


def _imported_domains(domain: str) -> set[str]:
    """The built-in integrations the code of `domain` imports."""
    found: set[str] = set()
    for path in (COMPONENTS / domain).glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(_MODULE_IMPORT.findall(text))
        for names in _NAMES_IMPORT.findall(text):
            found |= {name for name in re.split(r"[\s,]+", names) if name}
    return found


def frontend_domains() -> set[str]:
    """The entity integrations Home Assistant imports, without setting them up, to describe
    the actions to the frontend (``helpers.service._base_components``), which asks on every
    page load, and the integrations their code imports, which their manifests do not always
    name (2025.12's camera imports stream, so numpy and av: without them no page loads)."""
    base = getattr(service, "_base_components", None)
    listed = re.search(r"import \(([^)]*)\)", inspect.getsource(base)) if base else None
    domains = set(re.findall(r"\w+", listed.group(1))) if listed else set()
    return domains.union(*(_imported_domains(domain) for domain in domains))


def needed_domains(*, tests: bool = False) -> set[str]:
    """`start_domains` (and for the unit suite this integration's after-dependencies), closed
    over the manifests' dependencies and after-dependencies (built-in integrations only)."""
    todo = list(start_domains() | frontend_domains())
    if tests:
        todo += _list(_own_manifest(), "after_dependencies")
    seen: set[str] = set()
    while todo:
        domain = todo.pop()
        if domain in seen or (manifest := _manifest(domain)) is None:
            continue
        seen.add(domain)
        todo += _list(manifest, "dependencies") + _list(manifest, "after_dependencies")
    return seen


def extra_requirements(*, tests: bool = False) -> dict[str, str]:
    """Pins those integrations ask for that homeassistant does not: normalised name -> pin."""
    own = {normalize(r) for r in importlib.metadata.requires("homeassistant") or []}
    found: dict[str, str] = {}
    for domain in sorted(needed_domains(tests=tests)):
        manifest = _manifest(domain)
        assert manifest is not None
        for requirement in _list(manifest, "requirements"):
            if (name := normalize(requirement)) not in own:
                found[name] = requirement
    return found


if __name__ == "__main__":
    pins = extra_requirements(tests="--tests" in sys.argv[1:])
    print("\n".join(sorted(pins.values(), key=str.lower)))
