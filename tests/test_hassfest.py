"""What Home Assistant's hassfest would check, with the schemas Home Assistant ships.

``script.hassfest`` is not in the homeassistant wheel, so its rules for a custom integration are
restated here on top of what is importable: the loader's manifest, the service-description and
selector schemas, ``config_validation`` slugs. Plus what HACS reads (hacs.json), the quality scale
self-audit and the pins of requirements_dev.txt.
"""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path
import re
import string
from typing import Any

from awesomeversion import AwesomeVersion
import homeassistant
from homeassistant.const import __version__ as HA_VERSION
from homeassistant.helpers import config_validation as cv, selector
from homeassistant.helpers.service import _SERVICES_SCHEMA
from homeassistant.loader import Manifest
from homeassistant.util.yaml import load_yaml_dict
import pytest
import voluptuous as vol

from scripts.lib.ha_requirements import extra_requirements, normalize

ROOT = Path(__file__).resolve().parents[1]
COMPONENT = ROOT / "custom_components" / "smscentre"
HA_COMPONENTS = Path(homeassistant.__file__).parent / "components"

# The rules of the integration quality scale, by tier (developers.home-assistant.io).
QUALITY_SCALE_RULES: dict[str, tuple[str, ...]] = {
    "bronze": (
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow",
        "config-flow-test-coverage",
        "dependency-transparency",
        "docs-actions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ),
    "silver": (
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ),
    "gold": (
        "devices",
        "diagnostics",
        "discovery",
        "discovery-update-info",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ),
    "platinum": ("async-dependency", "inject-websession", "strict-typing"),
}
# Not done yet, with the reason in quality_scale.yaml (remove from here when done).
QUALITY_SCALE_KNOWN_TODO: set[str] = set()
# Newer rules for integrations that offer triggers or conditions of their own.
QUALITY_SCALE_OPTIONAL = ("docs-conditions", "docs-triggers")

# Translation keys: lowercase, digits, - and _, not at either end and never doubled.
TRANSLATION_KEY = re.compile(r"(?!.*[_-]{2})(?![_-])[a-z0-9_-]+(?<![_-])")
URL = re.compile(r"(https?|ftp|mqtts?)://|www\.", re.IGNORECASE)


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


# --- manifest.json --------------------------------------------------------------------------


def _version(value: str) -> str:
    if AwesomeVersion(value).strategy == "unknown":
        raise vol.Invalid(f"{value!r} is not a version")
    return value


def _pinned(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9._\[\]-]+==[A-Za-z0-9.+!-]+", value):
        raise vol.Invalid(f"requirement {value!r} is not pinned with ==")
    return value


MANIFEST_SCHEMA = vol.Schema(
    {
        vol.Required("domain"): cv.slug,
        vol.Required("name"): str,
        vol.Required("codeowners"): [vol.Match(r"^@[\w-]+(/[\w-]+)?$")],
        vol.Required("documentation"): vol.Url(),
        vol.Required("issue_tracker"): vol.Url(),
        vol.Required("version"): _version,
        vol.Required("iot_class"): vol.In(
            [
                "assumed_state",
                "calculated",
                "cloud_polling",
                "cloud_push",
                "local_polling",
                "local_push",
            ]
        ),
        vol.Required("integration_type"): vol.In(
            ["device", "entity", "hardware", "helper", "hub", "service", "system", "virtual"]
        ),
        vol.Optional("config_flow"): bool,
        vol.Optional("dependencies"): [cv.slug],
        vol.Optional("after_dependencies"): [cv.slug],
        vol.Optional("requirements"): [_pinned],
        vol.Optional("loggers"): [str],
        vol.Optional("quality_scale"): vol.In(["bronze", "silver", "gold", "platinum"]),
        vol.Optional("single_config_entry"): bool,
    }
)


def test_manifest() -> None:
    """manifest.json has what a custom integration needs, and nothing the loader would not read."""
    manifest: Manifest = _json(COMPONENT / "manifest.json")
    MANIFEST_SCHEMA(manifest)
    assert set(manifest) <= set(Manifest.__annotations__)
    assert manifest["domain"] == COMPONENT.name
    assert not (HA_COMPONENTS / manifest["domain"]).exists(), "domain collides with a core one"
    for dependency in manifest.get("dependencies", []) + manifest.get("after_dependencies", []):
        assert (HA_COMPONENTS / dependency / "manifest.json").exists(), dependency
    assert manifest["config_flow"] is True
    assert (COMPONENT / "config_flow.py").exists()
    # The code is what is pinned for the tests and the development Home Assistant.
    pins = _requirement_pins(ROOT / "requirements_test.txt")
    for requirement in manifest["requirements"]:
        name, _, version = requirement.partition("==")
        assert pins.get(name.lower()) == version, requirement
    # Keys are sorted after domain and name, as hassfest writes them.
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])


def test_hacs_json() -> None:
    """hacs.json: the keys HACS reads, a minimum Home Assistant this one satisfies, the
    release asset HACS installs."""
    hacs = _json(ROOT / "hacs.json")
    vol.Schema(
        {
            vol.Required("name"): str,
            vol.Optional("content_in_root"): bool,
            vol.Optional("render_readme"): bool,
            vol.Optional("homeassistant"): _version,
            vol.Optional("country"): vol.Any(str, [str]),
            vol.Optional("zip_release"): bool,
            vol.Optional("filename"): str,
            vol.Optional("hide_default_branch"): bool,
            vol.Optional("persistent_directory"): str,
        }
    )(hacs)
    assert AwesomeVersion(hacs["homeassistant"]) <= AwesomeVersion(HA_VERSION)
    assert hacs["content_in_root"] is False
    assert (ROOT / "README.md").exists()
    assert (ROOT / "info.md").exists() or hacs.get("render_readme")
    # HACS installs the release's asset, built and uploaded under this name by the release
    # workflow (tests/test_release.py builds it and reads what is in it).
    assert hacs["zip_release"] is True
    assert re.fullmatch(r"[a-z0-9_]+\.zip", hacs["filename"]), hacs["filename"]
    release = (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    assert f"scripts/lib/release.py zip dist/{hacs['filename']}" in release
    assert f'gh release create "$GITHUB_REF_NAME" dist/{hacs["filename"]}' in release


# --- services.yaml ---------------------------------------------------------------------------


def test_services_yaml_valid() -> None:
    """services.yaml passes Home Assistant's own description schema and selector validation."""
    services = load_yaml_dict(str(COMPONENT / "services.yaml"))
    _SERVICES_SCHEMA(services)
    for name, service in services.items():
        assert cv.slug(name) == name
        assert "name" not in service, f"{name}: names come from strings.json"
        assert "description" not in service, f"{name}: descriptions come from strings.json"
        for field_name, field in service.get("fields", {}).items():
            assert TRANSLATION_KEY.fullmatch(field_name), field_name
            assert "selector" in field, f"{name}.{field_name} has no selector"
            selector.validate_selector(field["selector"])
            assert set(field) <= {
                "required",
                "example",
                "default",
                "selector",
                "advanced",
                "filter",
            }, f"{name}.{field_name}"
            if "default" in field and "select" in field["selector"]:
                options = field["selector"]["select"]["options"]
                values = [o["value"] if isinstance(o, dict) else o for o in options]
                assert field["default"] in values, f"{name}.{field_name}"


# --- strings.json and translations -------------------------------------------------------------


def _text(value: Any, *, placeholders: bool = True) -> str:
    """A translated text as hassfest wants it: no HTML, URLs, quoted or odd placeholders."""
    text = cv.string_with_no_html(value)
    if text != text.strip():
        raise vol.Invalid("leading or trailing spaces")
    if re.search(r"'\{\w+\}'", text):
        raise vol.Invalid("placeholder inside single quotes")
    if URL.search(text):
        raise vol.Invalid("URL in a string: use a placeholder")
    for _, name, _, _ in string.Formatter().parse(text):
        if name is not None and name != "" and (not placeholders or not name.isidentifier()):
            raise vol.Invalid(f"placeholder {{{name}}} not allowed here")
    return text


def _key(value: str) -> str:
    if not TRANSLATION_KEY.fullmatch(value):
        raise vol.Invalid(f"invalid translation key {value!r}")
    return value


def _no_placeholders(value: Any) -> str:
    return _text(value, placeholders=False)


def _keyed(schema: Any) -> vol.Schema:
    return vol.Schema({vol.All(str, _key): schema})


def _flow_schema() -> vol.All:
    step = {
        vol.Optional("title"): _text,
        vol.Optional("description"): _text,
        vol.Optional("data"): {str: _text},
        vol.Optional("data_description"): {str: _text},
        vol.Optional("menu_options"): {str: _text},
        vol.Optional("submit"): _text,
        vol.Optional("sections"): {
            str: {
                vol.Optional("name"): _text,
                vol.Optional("description"): _text,
                vol.Optional("data"): {str: _text},
                vol.Optional("data_description"): {str: _text},
            }
        },
    }

    def descriptions_describe_fields(value: dict[str, Any]) -> dict[str, Any]:
        for step_id, info in value["step"].items():
            extra = set(info.get("data_description", {})) - set(info.get("data", {}))
            if extra:
                raise vol.Invalid(f"step {step_id}: data_description without data: {extra}")
        return value

    return vol.All(
        vol.Schema(
            {
                vol.Required("step"): {str: step},
                vol.Optional("error"): {str: _text},
                vol.Optional("abort"): {str: _text},
                vol.Optional("progress"): {str: _text},
                vol.Optional("create_entry"): {str: _text},
                vol.Optional("flow_title"): _text,
            }
        ),
        descriptions_describe_fields,
    )


STRINGS_SCHEMA = vol.Schema(
    {
        vol.Optional("config"): _flow_schema(),
        vol.Optional("options"): _flow_schema(),
        vol.Optional("selector"): _keyed(
            {vol.Optional("options"): _keyed(_text), vol.Optional("choices"): _keyed(_text)}
        ),
        vol.Optional("entity"): vol.Schema(
            {
                cv.slug: _keyed(
                    {
                        vol.Optional("name"): _text,
                        vol.Optional("state"): _keyed(_no_placeholders),
                        vol.Optional("state_attributes"): _keyed(
                            {
                                vol.Optional("name"): _no_placeholders,
                                vol.Optional("state"): _keyed(_no_placeholders),
                            }
                        ),
                        vol.Optional("unit_of_measurement"): _no_placeholders,
                    }
                )
            }
        ),
        vol.Optional("services"): _keyed(
            {
                vol.Required("name"): _text,
                vol.Required("description"): _text,
                vol.Optional("fields"): _keyed(
                    {
                        vol.Required("name"): str,
                        vol.Required("description"): _text,
                        vol.Optional("example"): _text,
                    }
                ),
                vol.Optional("sections"): _keyed(
                    {vol.Required("name"): str, vol.Optional("description"): _text}
                ),
            }
        ),
        vol.Optional("exceptions"): vol.Schema({cv.slug: {vol.Optional("message"): _text}}),
        vol.Optional("issues"): vol.Schema(
            {
                str: vol.All(
                    cv.has_at_least_one_key("description", "fix_flow"),
                    {
                        vol.Required("title"): _text,
                        vol.Exclusive("description", "fixable"): _text,
                        vol.Exclusive("fix_flow", "fixable"): _flow_schema(),
                    },
                )
            }
        ),
    }
)


TRANSLATIONS = sorted(p.name for p in (COMPONENT / "translations").glob("*.json"))


def test_translation_files() -> None:
    """English and Russian at least; each file named by a language code, as Home Assistant
    looks them up."""
    assert {"en.json", "ru.json"} <= set(TRANSLATIONS)
    for name in TRANSLATIONS:
        assert re.fullmatch(r"[a-z]{2,3}(-[A-Za-z]{2,4})?\.json", name), name


@pytest.mark.parametrize("path", ["strings.json", *(f"translations/{n}" for n in TRANSLATIONS)])
def test_strings_schema(path: str) -> None:
    """Every translation file has the shape and string rules hassfest enforces."""
    STRINGS_SCHEMA(_json(COMPONENT / path))


def test_strings_cover_services_and_entities() -> None:
    """Each action and field in services.yaml, each entity key in code has its strings."""
    strings = _json(COMPONENT / "strings.json")
    services = load_yaml_dict(str(COMPONENT / "services.yaml"))
    assert set(strings["services"]) == set(services)
    for name, service in services.items():
        assert set(strings["services"][name].get("fields", {})) == set(service.get("fields", {}))
        for field in service.get("fields", {}).values():
            select = field["selector"].get("select", {})
            if key := select.get("translation_key"):
                assert set(strings["selector"][key]["options"]) == set(select["options"]), key
    for platform, keys in _entity_translation_keys().items():
        assert set(keys) <= set(strings["entity"].get(platform, {})), platform


def _entity_translation_keys() -> dict[str, set[str]]:
    """translation_key values set in each entity platform (the exceptions' keys left out)."""
    exceptions = set(_json(COMPONENT / "strings.json")["exceptions"])
    found: dict[str, set[str]] = {}
    for platform in ("binary_sensor", "sensor", "event", "notify"):
        source = (COMPONENT / f"{platform}.py").read_text(encoding="utf-8")
        keys = set(re.findall(r'translation_key\s*=\s*"([a-z0-9_]+)"', source)) - exceptions
        assert keys, platform
        found[platform] = keys
    return found


# --- icons.json ------------------------------------------------------------------------------


def _icon(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"mdi:[a-z0-9-]+", value):
        raise vol.Invalid(f"{value!r} is not an mdi: icon")
    return value


ICONS_SCHEMA = vol.Schema(
    {
        vol.Optional("entity"): vol.Schema(
            {
                cv.slug: _keyed(
                    vol.All(
                        cv.has_at_least_one_key("default", "state", "range"),
                        {
                            vol.Optional("default"): _icon,
                            vol.Optional("state"): _keyed(_icon),
                            vol.Optional("range"): {vol.Coerce(float): _icon},
                            vol.Optional("state_attributes"): _keyed(
                                {
                                    vol.Optional("default"): _icon,
                                    vol.Optional("state"): {str: _icon},
                                }
                            ),
                        },
                    )
                )
            }
        ),
        vol.Optional("services"): _keyed(
            {vol.Required("service"): _icon, vol.Optional("sections"): _keyed(_icon)}
        ),
    }
)


def test_icons() -> None:
    """icons.json is valid, and every action and every translated entity has an icon."""
    icons = _json(COMPONENT / "icons.json")
    ICONS_SCHEMA(icons)
    services = load_yaml_dict(str(COMPONENT / "services.yaml"))
    assert set(icons["services"]) == set(services)
    strings = _json(COMPONENT / "strings.json")
    for platform, keys in strings["entity"].items():
        assert set(keys) <= set(icons["entity"].get(platform, {})), platform


# --- quality_scale.yaml ----------------------------------------------------------------------


def test_quality_scale_self_audit() -> None:
    """Every bronze-to-platinum rule is done, or exempt with a reason; no new to-do slips in."""
    scale = load_yaml_dict(str(COMPONENT / "quality_scale.yaml"))
    rules = scale["rules"]
    expected = {rule for tier in QUALITY_SCALE_RULES.values() for rule in tier}
    assert expected <= set(rules), sorted(expected - set(rules))
    assert set(rules) <= expected | set(QUALITY_SCALE_OPTIONAL), sorted(set(rules) - expected)
    todo = set()
    for name, rule in rules.items():
        if isinstance(rule, str):
            assert rule == "done", f"{name}: {rule} (exempt needs a comment)"
            continue
        assert set(rule) <= {"status", "comment"}, name
        assert rule["status"] in ("done", "exempt", "todo"), f"{name}: {rule['status']}"
        if rule["status"] != "done":
            assert len(rule.get("comment", "").strip()) > 10, f"{name}: {rule['status']}, no reason"
        if rule["status"] == "todo":
            todo.add(name)
    assert todo <= QUALITY_SCALE_KNOWN_TODO, f"new to-do rules: {sorted(todo)}"


# --- requirements_dev.txt --------------------------------------------------------------------


def _requirement_pins(path: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            name, _, version = line.partition("==")
            pins[name.strip().lower()] = version.strip()
    return pins


# Pinned in requirements_dev.txt for the project's own checks, not for Home Assistant.
DEV_TOOLS = {"check-jsonschema", "playwright"}


def test_requirements_dev_match_home_assistant() -> None:
    """The pins for a real `hass --skip-pip` are the ones its integrations ask for.

    scripts/lib/ha_requirements.py reads them from the installed Home Assistant (scripts/compat
    installs them that way for every other release); requirements_dev.txt pins them for the
    pinned one, except those the test plugin already pins.
    """
    pinned = _requirement_pins(ROOT / "requirements_test.txt")["homeassistant"]
    if pinned != HA_VERSION:
        pytest.skip(f"requirements_dev.txt is for Home Assistant {pinned}, not {HA_VERSION}")
    dev = {normalize(k): v for k, v in _requirement_pins(ROOT / "requirements_dev.txt").items()}
    plugin = {
        normalize(r): r.partition("==")[2]
        for r in importlib.metadata.requires("pytest-homeassistant-custom-component") or []
    }
    wanted = extra_requirements()
    for name, requirement in wanted.items():
        version = requirement.partition("==")[2]
        assert version in (dev.get(name), plugin.get(name)), f"requirements_dev.txt: {requirement}"
    for name, version in dev.items():
        if name in DEV_TOOLS:
            continue
        assert name in wanted, f"requirements_dev.txt: {name}=={version} is not asked for"
