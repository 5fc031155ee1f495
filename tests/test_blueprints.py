"""The blueprints in blueprints/automation/smscentre/, loaded and run by Home Assistant.

Each one is validated with Home Assistant's own blueprint schema, then instantiated as an
automation in a test Home Assistant whose entry is bound to the simulator, and shown doing its
job there: the SMS it sends, or the call, is what the simulator receives.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import timedelta
import json
from pathlib import Path
import shutil
from typing import Any
from urllib.parse import parse_qs, urlsplit

from homeassistant.components.automation import async_get_blueprints
from homeassistant.components.blueprint import Blueprint
from homeassistant.const import EVENT_CALL_SERVICE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util, yaml as yaml_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.smscentre.const import DOMAIN, EVENT_DELIVERY_REPORT
from scripts.lib.ha_demo.config_folder import prepare_config
from smscsim import SmscSimulator

from .conftest import LOGIN

ROOT = Path(__file__).parents[1]
SOURCE = ROOT / "blueprints" / "automation" / "smscentre"
FOLDER = "smscentre"
REPOSITORY = "https://github.com/smscentre-ha/smscentre"
NAMES = ("sms_command", "escalate_to_call", "link_down_alert", "low_balance_alert")
OWNER = "79991234567"


@pytest.fixture
def hass_config_dir(tmp_path: Path) -> str:
    """A configuration directory of this test's own, so blueprints can be put in it."""
    return str(tmp_path)


@pytest.fixture
def hass(hass: HomeAssistant, hass_config_dir: str) -> HomeAssistant:
    """Home Assistant in that directory (the 2025.12 test plugin has no hass_config_dir)."""
    hass.config.config_dir = hass_config_dir
    return hass


@pytest.fixture(autouse=True)
def installed_blueprints(hass_config_dir: str) -> None:
    """The repository's blueprints where an import puts them: blueprints/automation/<folder>."""
    shutil.copytree(SOURCE, Path(hass_config_dir) / "blueprints" / "automation" / FOLDER)


async def load(hass: HomeAssistant, name: str) -> Blueprint:
    """Load one blueprint through the automation integration's blueprint machinery."""
    return await async_get_blueprints(hass).async_get_blueprint(f"{FOLDER}/{name}.yaml")


type UseBlueprint = Callable[[str, dict[str, Any]], Awaitable[str]]


@pytest.fixture
async def use_blueprint(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> AsyncGenerator[UseBlueprint]:
    """Create automations from the blueprints (the entry is bound to the simulator).

    ``await use_blueprint(name, inputs)`` returns the automation's entity id, checked to be
    on. Afterwards every run still waiting is stopped, so a failed test does not leave
    Home Assistant waiting for it at shutdown.
    """

    async def _use(name: str, inputs: dict[str, Any]) -> str:
        assert await async_setup_component(
            hass,
            "automation",
            {
                "automation": [
                    {
                        "alias": name,
                        "use_blueprint": {"path": f"{FOLDER}/{name}.yaml", "input": inputs},
                    }
                ]
            },
        )
        await hass.async_block_till_done()
        automation = f"automation.{name}"
        state = hass.states.get(automation)
        assert state is not None
        assert state.state == "on", state.attributes
        return automation

    yield _use
    if "automation" in hass.config.components:
        await hass.services.async_call(
            "automation", "turn_off", {"entity_id": "all", "stop_actions": True}, blocking=True
        )


def entity_id(hass: HomeAssistant, platform: str, key: str) -> str:
    """The entity id of the entry's entity with this key."""
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{LOGIN}_{key}")
    assert found is not None, key
    return found


def texts_to(sim: SmscSimulator, number: str) -> list[str]:
    """Texts of the messages the simulator received for this number, in order."""
    return [m.text for m in sim.messages() if m.parts and m.parts[0].destination == number]


async def settled(hass: HomeAssistant, sim: SmscSimulator, *sequences: int) -> None:
    """Wait until the link answered these DELIVER_SMs and Home Assistant did all it would."""
    await sim.wait_for(lambda s: all(seq in s.deliver_responses for seq in sequences))
    await hass.async_block_till_done()


def runs(hass: HomeAssistant, automation: str) -> int:
    """Runs of the automation in progress."""
    state = hass.states.get(automation)
    assert state is not None
    return int(state.attributes["current"])


# --------------------------------------------------------------------------- schema


@pytest.mark.parametrize("name", NAMES)
async def test_blueprint_is_valid(hass: HomeAssistant, name: str) -> None:
    """Home Assistant's schema accepts it; inputs have selectors; metadata is the project's."""
    blueprint = await load(hass, name)
    assert blueprint.domain == "automation"
    assert blueprint.validate() is None  # the running Home Assistant is new enough
    metadata = blueprint.metadata
    assert metadata["description"]
    hacs = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    assert metadata["homeassistant"]["min_version"] == hacs["homeassistant"]
    assert metadata["source_url"] == (
        f"{REPOSITORY}/blob/main/blueprints/automation/smscentre/{name}.yaml"
    )
    for key, spec in blueprint.inputs.items():
        assert spec, key
        assert spec.get("name"), key
        assert spec.get("selector"), key


async def test_the_folder_holds_exactly_the_blueprints(hass: HomeAssistant) -> None:
    """Every file there loads, and there is one per blueprint the interface names."""
    found = await async_get_blueprints(hass).async_get_blueprints()
    ours = {path: value for path, value in found.items() if path.startswith(f"{FOLDER}/")}
    assert set(ours) == {f"{FOLDER}/{name}.yaml" for name in NAMES}
    assert all(isinstance(value, Blueprint) for value in ours.values()), ours


def test_readme_has_an_import_badge_per_blueprint() -> None:
    """The README's import links point at each file's raw URL in the repository."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    prefix = "https://my.home-assistant.io/redirect/blueprint_import/?blueprint_url="
    urls = set()
    for chunk in readme.split(prefix)[1:]:
        link = prefix + chunk.split(")", 1)[0]
        urls.update(parse_qs(urlsplit(link).query)["blueprint_url"])
    raw = "https://raw.githubusercontent.com/smscentre-ha/smscentre/main/"
    assert urls == {f"{raw}blueprints/automation/smscentre/{name}.yaml" for name in NAMES}
    for url in urls:
        assert (ROOT / url.removeprefix(raw)).is_file(), url


def _readme_sections() -> dict[str, str]:
    """The README's Blueprints section, by the heading of each part."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Blueprints\n", 1)[1].split("\n## ", 1)[0]
    parts = section.split("\n### ")[1:]
    return {part.split("\n", 1)[0]: part for part in parts}


async def test_readme_names_each_blueprint_as_home_assistant_lists_it(
    hass: HomeAssistant,
) -> None:
    """A heading per blueprint, its `name:` word for word, with the badge of that file."""
    sections = _readme_sections()
    names = []
    for file in NAMES:
        name = (await load(hass, file)).name
        names.append(name)
        assert name in sections, f"no README heading {name!r}"
        assert f"%2Fsmscentre%2F{file}.yaml" in sections[name]
    assert list(sections) == names


def test_readme_tells_how_to_install_the_folder_without_internet() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    intro = readme.split("\n## Blueprints\n", 1)[1].split("\n### ", 1)[0]
    assert "(blueprints/automation/smscentre/)" in intro  # the folder, linked
    assert "`<config>/blueprints/automation/smscentre/*.yaml`" in intro  # where it goes


async def test_the_call_voices_read_as_in_the_call_action(hass: HomeAssistant) -> None:
    """The voice input offers the action's voices, labelled as the action labels them."""
    blueprint = await load(hass, "escalate_to_call")
    options = blueprint.inputs["voice"]["selector"]["select"]["options"]
    services = yaml_util.load_yaml_dict(ROOT / "custom_components" / DOMAIN / "services.yaml")
    strings = json.loads(
        (ROOT / "custom_components" / DOMAIN / "strings.json").read_text(encoding="utf-8")
    )
    labels = strings["selector"]["voice"]["options"]
    voices = services["call"]["fields"]["voice"]["selector"]["select"]["options"]
    assert options == [{"label": labels[voice], "value": voice} for voice in voices]
    assert blueprint.inputs["voice"]["default"] in voices


async def test_home_assistant_lists_the_demos_blueprints(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    """The demo's config folder (scripts/develop) links the blueprints file by file, which
    Home Assistant lists (it does not enter a linked folder), beside its own examples."""
    demo = tmp_path / "demo"
    prepare_config(demo)
    hass.config.config_dir = str(demo)
    found = await async_get_blueprints(hass).async_get_blueprints()
    assert {path for path in found if path.startswith(f"{FOLDER}/")} == {
        f"{FOLDER}/{name}.yaml" for name in NAMES
    }
    assert all(isinstance(value, Blueprint) for value in found.values()), found
    assert "homeassistant/motion_light.yaml" in found


# --------------------------------------------------------------------------- sms_command


async def test_sms_command(
    hass: HomeAssistant, simulator: SmscSimulator, use_blueprint: UseBlueprint
) -> None:
    """The keyword from an allowed number runs the actions and answers only the sender."""
    assert await async_setup_component(hass, "input_boolean", {"input_boolean": {"heating": {}}})
    await use_blueprint(
        "sms_command",
        {
            "keyword": "Heating on",
            # a Russian trunk prefix, a name with letters (never a match), another country
            "senders": ["8 (999) 123-45-67", "HomeDev", "+44 7700 900123"],
            "command_actions": [
                {
                    "action": "input_boolean.turn_on",
                    "target": {"entity_id": "input_boolean.heating"},
                }
            ],
            "reply": "Heating {{ states('input_boolean.heating') }}, {{ arguments }} °C",
        },
    )

    refused = [
        await simulator.deliver_sm(source="79990000000", destination="HomeDev", text="heating on"),
        await simulator.deliver_sm(source="HomeDev", destination="HomeDev", text="heating on"),
        await simulator.deliver_sm(source=OWNER, destination="HomeDev", text="heating onward"),
        await simulator.deliver_sm(source=OWNER, destination="HomeDev", text="heating"),
    ]
    await settled(hass, simulator, *refused)
    assert simulator.submits == []
    assert hass.states.is_state("input_boolean.heating", "off")

    seq = await simulator.deliver_sm(source=OWNER, destination="HomeDev", text="  HEATING   on 22")
    await settled(hass, simulator, seq)
    await simulator.wait_for(lambda s: texts_to(s, OWNER) == ["Heating on, 22 °C"])
    assert hass.states.is_state("input_boolean.heating", "on")
    assert [submit.destination for submit in simulator.submits] == [OWNER]


# --------------------------------------------------------------------------- escalate_to_call

ALARM = {
    "when": [{"trigger": "event", "event_type": "test_alarm"}],
    "phone": "+7 999 123-45-67",
    "sms_message": "ALARM at home",
    "call_message": "The alarm at home is triggered.",
    "wait_minutes": 5,
    "voice": "w2",
}
CALL = "__CALL__: The alarm at home is triggered.\nvoice:w2"


@pytest.mark.parametrize("stat", ["UNDELIV", "REJECTD", "EXPIRED"])
async def test_escalate_when_undelivered(
    hass: HomeAssistant,
    simulator: SmscSimulator,
    use_blueprint: UseBlueprint,
    stat: str,
) -> None:
    """A report saying the SMS was not delivered brings the call at once."""
    simulator.auto_receipt_stat = stat
    await use_blueprint("escalate_to_call", ALARM)
    hass.bus.async_fire("test_alarm")
    await simulator.wait_for(lambda s: texts_to(s, OWNER) == ["ALARM at home", CALL])


async def test_escalate_not_when_delivered(
    hass: HomeAssistant, simulator: SmscSimulator, use_blueprint: UseBlueprint
) -> None:
    """A delivered SMS ends it: no call, not even after the wait."""
    reports = async_capture_events(hass, EVENT_DELIVERY_REPORT)
    automation = await use_blueprint("escalate_to_call", ALARM)
    hass.bus.async_fire("test_alarm")
    await simulator.wait_for(lambda s: len(s.delivers_sent) == 1)
    await settled(hass, simulator, *simulator.delivers_sent)
    assert [event.data["status"] for event in reports] == ["delivered"]
    assert runs(hass, automation) == 0
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=10))
    await hass.async_block_till_done()
    assert texts_to(simulator, OWNER) == ["ALARM at home"]


async def test_escalate_when_no_report_comes(
    hass: HomeAssistant, simulator: SmscSimulator, use_blueprint: UseBlueprint
) -> None:
    """No final report within the wait (only "accepted", and others' reports): the call."""
    simulator.auto_receipts = False
    waits = WaitWatcher(hass)
    automation = await use_blueprint("escalate_to_call", ALARM)
    hass.bus.async_fire("test_alarm")
    await waits.attached(queries=1)  # asked the provider once, then listening
    message_id = simulator.accepted[0].message_id
    assert message_id is not None

    # another message's failure, and ours only accepted: it asks again and keeps waiting
    await simulator.send_receipt("555", stat="UNDELIV", destination="79990000000")
    await waits.attached(queries=2)
    await simulator.send_receipt(message_id, stat="ACCEPTD", destination=OWNER)
    await waits.attached(queries=3)

    # a minute at a time: nothing before the five minutes are over, then the call
    minutes = 0
    while CALL not in texts_to(simulator, OWNER):
        assert minutes < 10
        assert texts_to(simulator, OWNER) == ["ALARM at home"]
        assert runs(hass, automation) == 1
        minutes += 1
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
        await wait_until(
            lambda queries=waits.queries + 1: (
                CALL in texts_to(simulator, OWNER) or waits.is_attached(queries)
            )
        )
    assert minutes == 5
    assert texts_to(simulator, OWNER) == ["ALARM at home", CALL]


class WaitWatcher:
    """Tells when the escalation listens for reports again after asking the provider.

    The run asks (`smscentre.query_status`), then attaches its wait: a listener for
    delivery reports on the bus. Each new wait follows one more question.
    """

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self.calls = async_capture_events(hass, EVENT_CALL_SERVICE)
        self.base = self.listeners()

    def listeners(self) -> int:
        return self.hass.bus.async_listeners().get(EVENT_DELIVERY_REPORT, 0)

    @property
    def queries(self) -> int:
        return sum(1 for event in self.calls if event.data["service"] == "query_status")

    def is_attached(self, queries: int) -> bool:
        return self.queries == queries and self.listeners() == self.base + 1

    async def attached(self, *, queries: int) -> None:
        await wait_until(lambda: self.is_attached(queries))


async def test_escalate_when_refused_at_once(
    hass: HomeAssistant, simulator: SmscSimulator, use_blueprint: UseBlueprint
) -> None:
    """An SMS the provider refuses for good is followed by the call without waiting."""
    await use_blueprint("escalate_to_call", ALARM)
    simulator.fail_submits(0x0B, count=1)  # invalid destination: final, not retried
    hass.bus.async_fire("test_alarm")
    await simulator.wait_for(lambda s: texts_to(s, OWNER) == [CALL])
    assert [submit.status for submit in simulator.submits] == [0x0B, 0]


# --------------------------------------------------------------------------- link_down_alert


async def test_link_down_alert(
    hass: HomeAssistant, simulator: SmscSimulator, use_blueprint: UseBlueprint
) -> None:
    """Down for the chosen minutes: told once another way, then told it is back; blips: no."""
    link = entity_id(hass, "binary_sensor", "link")
    down = async_capture_events(hass, "test_link_down")
    up = async_capture_events(hass, "test_link_up")
    await use_blueprint(
        "link_down_alert",
        {
            "link_sensor": link,
            "minutes": 5,
            "down_actions": [{"event": "test_link_down", "event_data": {"after": "{{ minutes }}"}}],
            "up_actions": [{"event": "test_link_up"}],
        },
    )

    def later(delta: timedelta) -> None:
        async_fire_time_changed(hass, dt_util.utcnow() + delta)

    # a short drop: the link binds again at once, nobody is told, even much later
    simulator.drop_all()
    await wait_until(lambda: hass.states.is_state(link, "off"))
    await wait_until(lambda: hass.states.is_state(link, "on"))
    later(timedelta(minutes=10))
    await hass.async_block_till_done()
    assert (down, up) == ([], [])

    # refused: after four minutes nothing, after five the alert, once however long it lasts
    simulator.refuse_binds()
    simulator.drop_all()
    await wait_until(lambda: hass.states.is_state(link, "off"))
    later(timedelta(minutes=4))
    await hass.async_block_till_done()
    assert down == []
    later(timedelta(minutes=5, seconds=1))
    await wait_until(lambda: len(down) == 1)
    assert down[0].data == {"after": 5}
    later(timedelta(minutes=30))
    await wait_until(lambda: hass.states.is_state(link, "off"))
    assert (len(down), up) == (1, [])

    # back: told so
    simulator.clear_faults()
    for _ in range(60):  # the link's reconnect timer, brought forward
        later(timedelta(minutes=10))
        if hass.states.is_state(link, "on"):
            break
        await asyncio.sleep(0.05)
    await wait_until(lambda: len(up) == 1)
    assert len(down) == 1


async def wait_until(predicate: Callable[[], bool]) -> None:
    """Let the loop run, real I/O included, until predicate is true (at most 5 s).

    No async_block_till_done here: it would wait for an automation run that is waiting.
    """
    for _ in range(500):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met within 5 s")


# --------------------------------------------------------------------------- low_balance_alert


async def test_low_balance_alert(
    hass: HomeAssistant, simulator: SmscSimulator, use_blueprint: UseBlueprint
) -> None:
    """Crossing below the amount sends the SMS once; crossing again, once more."""
    balance = "sensor.sms_center_myhome_balance"
    attributes = {"device_class": "monetary", "unit_of_measurement": "RUB"}
    hass.states.async_set(balance, "500.00", attributes)
    await use_blueprint(
        "low_balance_alert",
        {
            "balance_sensor": balance,
            "threshold": 100,
            "alert_actions": [
                {
                    "action": "smscentre.send_sms",
                    "data": {
                        "recipients": OWNER,
                        "message": "SMS Center balance: {{ balance }} {{ currency }}",
                    },
                }
            ],
        },
    )
    for value in ("150.00", "100.00", "unavailable"):
        hass.states.async_set(balance, value, attributes)
        await hass.async_block_till_done()
    assert simulator.submits == []

    for value in ("99.5", "42.0", "300", "7.25"):
        hass.states.async_set(balance, value, attributes)
        await hass.async_block_till_done()
    await simulator.wait_for(
        lambda s: (
            texts_to(s, OWNER) == ["SMS Center balance: 99.5 RUB", "SMS Center balance: 7.25 RUB"]
        )
    )
