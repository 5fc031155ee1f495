"""Conversations with Assist by SMS, with Home Assistant's own agent (not a mock).

The SMS comes from the simulator over SMPP (or to the webhook), the built-in agent acts on a
real light exposed to Assist, and its answer is what the simulator receives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.core import Event, HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smscentre.const import (
    CONF_ASSIST_PIN,
    CONF_ASSIST_REPLIES_PER_HOUR,
    CONF_ASSIST_REPLY_PARTS,
    CONF_ASSIST_SENDERS,
    CONF_SENDER,
    EVENT_CONVERSATION,
    EVENT_INCOMING_SMS,
)
from custom_components.smscentre.logbook import async_describe_events, describe_conversation
from custom_components.smscentre.smsc.incoming import IncomingMessage
from smscsim import SmscSimulator

from .receiving_helpers import (
    make_entry,
    post_incoming_sms,
    setup_entry,
    sim,  # noqa: F401
    webhook_options,
)

OWNER = "79991234567"
STRANGER = "79990000000"
LIGHT = "light.demo_light"
GSM_PART = 160


def template_light(name: str, power: str) -> dict[str, Any]:
    """A light whose state is an input_boolean's: real, exposed to Assist like any light."""
    target = {"entity_id": f"input_boolean.{power}"}
    return {
        "name": name,
        "state": f"{{{{ is_state('input_boolean.{power}', 'on') }}}}",
        "turn_on": {"action": "input_boolean.turn_on", "target": target},
        "turn_off": {"action": "input_boolean.turn_off", "target": target},
    }


async def set_up_lights(hass: HomeAssistant, names: dict[str, str]) -> None:
    """Lights (name -> its input_boolean), and the conversation integration."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {power: {} for power in names.values()}}
    )
    lights = [template_light(name, power) for name, power in names.items()]
    assert await async_setup_component(hass, "template", {"template": [{"light": lights}]})
    assert await async_setup_component(hass, "conversation", {})
    await hass.async_block_till_done()


async def assist_entry(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    *,
    sender: str = "",
    **options: Any,
) -> MockConfigEntry:
    """An entry bound to the simulator, with the owner allowed to talk to Assist."""
    entry = make_entry(
        sim,
        options={CONF_ASSIST_SENDERS: ["+7 999 123-45-67"]} | options,
        data={CONF_SENDER: sender},
    )
    await setup_entry(hass, entry)
    return entry


@pytest.fixture
async def demo(hass: HomeAssistant) -> None:
    """The demo light (off)."""
    await set_up_lights(hass, {"Demo light": "demo_light_power"})


@pytest.fixture
def conversations(hass: HomeAssistant) -> list[Event]:
    """The smscentre_conversation events fired."""
    return async_capture_events(hass, EVENT_CONVERSATION)


def texts_to(sim: SmscSimulator, number: str) -> list[str]:  # noqa: F811
    """Texts of the messages the simulator received for this number, in order."""
    return [m.text for m in sim.messages() if m.parts and m.parts[0].destination == number]


async def sms(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    text: str,
    *,
    sender: str = OWNER,
) -> None:
    """An incoming SMS over SMPP, and everything it sets off: when it is a conversation, its
    event (fired once the answer went out); otherwise the incoming event alone."""
    events = async_capture_events(hass, EVENT_CONVERSATION)
    seq = await sim.deliver_sm(source=sender, destination="HomeDev", text=text)
    await sim.wait_for(lambda s: seq in s.deliver_responses)
    await hass.async_block_till_done()
    await conversation_done(hass, events)


async def conversation_done(hass: HomeAssistant, events: list[Event]) -> None:
    """Wait for the conversation's event while one is running (its task runs in the
    background: Home Assistant's own wait would also wait for the link, which never ends)."""
    for _ in range(500):
        if events or not running_conversations(hass):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the conversation did not end within 5 s")


def running_conversations(hass: HomeAssistant) -> bool:
    """A conversation task of the entry is still running."""
    return any(
        task.get_name().endswith("conversation by SMS") and not task.done()
        for entry in hass.config_entries.async_entries("smscentre")
        for task in entry._background_tasks
    )


@pytest.mark.usefixtures("demo")
async def test_turn_on_and_ask(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    conversations: list[Event],
) -> None:
    """The owner turns the light on, then asks about it; each answer comes back by SMS."""
    entry = await assist_entry(hass, sim)
    await sms(hass, sim, "Turn on the demo light")
    assert hass.states.is_state(LIGHT, "on")
    await sms(hass, sim, "what is the state of the demo light?")
    await sim.wait_for(lambda s: texts_to(s, OWNER) == ["Turned on the light", "Demo light is on"])
    assert [submit.destination for submit in sim.submits] == [OWNER, OWNER]

    first, second = (event.data for event in conversations)
    assert first == {
        "config_entry_id": entry.entry_id,
        "sender": OWNER,
        "text": "Turn on the demo light",
        "reply": "Turned on the light",
        "agent_id": "conversation.home_assistant",
        "conversation_id": f"smscentre_{entry.entry_id}_{OWNER}",
        "response_type": "action_done",
        "replied": True,
        "refused": None,
    }
    assert second["response_type"] == "query_answer"
    assert second["conversation_id"] == first["conversation_id"]  # one per sender
    assert describe_conversation(first) == (
        "SMS from +7 999 123-45-67: “Turn on the demo light” → “Turned on the light”"
    )
    # what the agent did carries the conversation's context
    power = hass.states.get("input_boolean.demo_light_power")
    assert power is not None
    assert power.context.id == conversations[0].context.id


@pytest.mark.usefixtures("demo")
async def test_unknown_command_gets_the_agents_error(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    conversations: list[Event],
) -> None:
    """What the agent does not understand: its error answer, and nothing done."""
    await assist_entry(hass, sim)
    await sms(hass, sim, "make me a sandwich")
    await sim.wait_for(lambda s: texts_to(s, OWNER) == ["Sorry, I couldn't understand that"])
    assert conversations[0].data["response_type"] == "error"
    assert conversations[0].data["replied"] is True
    assert hass.states.is_state(LIGHT, "off")


@pytest.mark.usefixtures("demo")
async def test_pin(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    conversations: list[Event],
) -> None:
    """Without the right PIN nothing is done or answered; with it, the agent never sees it."""
    await assist_entry(hass, sim, **{CONF_ASSIST_PIN: "4711"})
    for text in ("turn on the demo light", "4712 turn on the demo light", "47110 turn on"):
        await sms(hass, sim, text)
    assert hass.states.is_state(LIGHT, "off")
    assert sim.submits == []
    assert [(e.data["refused"], e.data["text"], e.data["replied"]) for e in conversations] == [
        ("pin", "", False)
    ] * 3
    assert describe_conversation(conversations[0].data) == (
        "SMS from +7 999 123-45-67 refused: the PIN was missing or wrong"
    )

    await sms(hass, sim, " 4711, turn on the demo light")
    assert hass.states.is_state(LIGHT, "on")
    assert conversations[-1].data["text"] == "turn on the demo light"
    assert conversations[-1].data["refused"] is None
    await sim.wait_for(lambda s: texts_to(s, OWNER) == ["Turned on the light"])


@pytest.mark.usefixtures("demo")
async def test_hourly_cap(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    conversations: list[Event],
) -> None:
    """Past the cap a sender's message is neither executed nor answered."""
    await assist_entry(hass, sim, **{CONF_ASSIST_REPLIES_PER_HOUR: 2})
    await sms(hass, sim, "turn on the demo light")
    await sms(hass, sim, "turn off the demo light")
    await sms(hass, sim, "Turn on the demo light")
    assert hass.states.is_state(LIGHT, "off")  # the third was not executed
    await sim.wait_for(
        lambda s: texts_to(s, OWNER) == ["Turned on the light", "Turned off the light"]
    )
    assert [e.data["refused"] for e in conversations] == [None, None, "rate_limit"]
    assert conversations[-1].data["replied"] is False
    assert len(sim.submits) == 2


@pytest.mark.usefixtures("demo")
async def test_strangers_names_and_ourselves_get_nothing(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    conversations: list[Event],
) -> None:
    """Only the allowed numbers: not another number, not a sender name, not our own number,
    not a delivery receipt sent as text; the usual incoming event still fires."""
    incoming = async_capture_events(hass, EVENT_INCOMING_SMS)
    await assist_entry(
        hass,
        sim,
        sender="79990001111",
        **{CONF_ASSIST_SENDERS: ["+7 999 123-45-67", "+7 999 000-11-11"]},
    )
    await sms(hass, sim, "turn on the demo light", sender=STRANGER)
    await sms(hass, sim, "turn on the demo light", sender="HomeDev")
    await sms(hass, sim, "turn on the demo light", sender="79990001111")
    receipt = "id:100001 sub:001 dlvrd:001 submit date:2611220102 done date:2611220102 stat:DELIVRD"
    await sms(hass, sim, f"{receipt} err:000 text:turn on the demo light")
    assert hass.states.is_state(LIGHT, "off")
    assert sim.submits == []
    assert conversations == []
    assert len(incoming) == 4


async def test_long_answer_shortened(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    conversations: list[Event],
) -> None:
    """An answer longer than the parts allowed is cut, at a word, with an ellipsis."""
    names = {
        f"Garden lantern number {n} by the long path to the old wooden gate": f"lantern_{n}"
        for n in range(1, 13)
    }
    await set_up_lights(hass, names)
    for power in names.values():
        await hass.services.async_call(
            "input_boolean", "turn_on", {"entity_id": f"input_boolean.{power}"}, blocking=True
        )
    await assist_entry(hass, sim, **{CONF_ASSIST_REPLY_PARTS: 1})
    await sms(hass, sim, "which lights are on?")
    await sim.wait_for(lambda s: len(texts_to(s, OWNER)) == 1)
    reply = texts_to(sim, OWNER)[0]
    assert conversations[0].data["reply"] == reply
    assert reply.startswith("Garden lantern number")
    assert reply.endswith("...")
    assert len(reply) <= GSM_PART
    assert len(sim.messages()[0].parts) == 1
    assert not reply.removesuffix("...").endswith(" ")


async def test_cyrillic_answer(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    conversations: list[Event],
) -> None:
    """In Home Assistant's language: a Russian request, a Russian answer (UCS2)."""
    await hass.config.async_update(language="ru")
    await set_up_lights(hass, {"Демо свет": "demo_svet"})
    await assist_entry(hass, sim)
    await sms(hass, sim, "Включи демо свет")
    assert hass.states.is_state("light.demo_svet", "on")
    await sim.wait_for(lambda s: texts_to(s, OWNER) == ["Свет включен"])
    assert sim.messages()[0].parts[0].data_coding == 8  # UCS2
    assert conversations[0].data["text"] == "Включи демо свет"


@pytest.mark.usefixtures("demo")
async def test_through_the_webhook(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    conversations: list[Event],
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """An SMS the provider posts to the webhook is a conversation too; the answer goes by SMPP."""
    await assist_entry(hass, sim, **webhook_options())
    client = await hass_client_no_auth()
    await post_incoming_sms(client, OWNER, "turn on the demo light", id="778", sms_id="100002")
    await hass.async_block_till_done()
    await conversation_done(hass, conversations)
    assert hass.states.is_state(LIGHT, "on")
    await sim.wait_for(lambda s: texts_to(s, OWNER) == ["Turned on the light"])
    assert len(conversations) == 1


@pytest.mark.usefixtures("demo")
async def test_off_by_default(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    conversations: list[Event],
) -> None:
    """No allowed sender: the owner's SMS is only an incoming message."""
    await assist_entry(hass, sim, **{CONF_ASSIST_SENDERS: []})
    await sms(hass, sim, "turn on the demo light")
    assert hass.states.is_state(LIGHT, "off")
    assert sim.submits == []
    assert conversations == []


@pytest.mark.usefixtures("demo")
async def test_unexposed_entity_is_out_of_reach(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    conversations: list[Event],
) -> None:
    """The agent decides what may be touched: a light not exposed to Assist stays off."""
    async_expose_entity(hass, "conversation", LIGHT, False)
    await assist_entry(hass, sim)
    await sms(hass, sim, "turn on the demo light")
    assert hass.states.is_state(LIGHT, "off")
    assert conversations[0].data["response_type"] == "error"


@pytest.mark.usefixtures("demo")
async def test_missing_agent_and_unsent_answer(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    conversations: list[Event],
) -> None:
    """An agent that is gone answers nothing; an answer the provider refuses is not "replied"."""
    entry = await assist_entry(hass, sim, assist_agent="conversation.removed_llm")
    await sms(hass, sim, "turn on the demo light")
    assert hass.states.is_state(LIGHT, "off")
    assert sim.submits == []
    data = conversations[0].data
    assert (data["response_type"], data["reply"], data["replied"]) == ("error", "", False)
    assert data["agent_id"] == "conversation.removed_llm"

    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "assist_agent": "conversation.home_assistant"}
    )
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    sim.fail_submits(0x0B, count=1)  # invalid destination: refused for good
    await sms(hass, sim, "Turn on the demo light")
    assert hass.states.is_state(LIGHT, "on")  # done, though the answer could not be sent
    data = conversations[1].data
    assert (data["reply"], data["replied"]) == ("Turned on the light", False)
    assert describe_conversation(data).endswith("(no answer sent)")


@pytest.mark.usefixtures("demo")
async def test_incomplete_message_is_not_acted_on(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    conversations: list[Event],
) -> None:
    """A long SMS whose parts did not all arrive is never half executed."""
    entry = await assist_entry(hass, sim)
    conversations_of_entry = entry.runtime_data.conversations
    assert conversations_of_entry is not None
    conversations_of_entry.incoming(
        IncomingMessage(OWNER, "HomeDev", "turn on the demo", 2, dt_util.utcnow(), True)
    )
    await hass.async_block_till_done()
    assert conversations == []
    assert hass.states.is_state(LIGHT, "off")


async def test_logbook_describes_conversations(hass: HomeAssistant) -> None:
    """The logbook shows who asked what and the answer, or why nothing was done."""
    described: dict[str, Callable[[Event], dict[str, str]]] = {}

    def register(domain: str, event_type: str, describe: Callable[[Event], dict[str, str]]) -> None:
        assert domain == "smscentre"
        described[event_type] = describe

    async_describe_events(hass, register)
    event = Event(
        EVENT_CONVERSATION,
        {"sender": OWNER, "refused": "rate_limit", "text": "", "reply": "", "replied": False},
    )
    assert described[EVENT_CONVERSATION](event) == {
        "name": "SMS Center",
        "message": "SMS from +7 999 123-45-67 refused: more messages than the hourly limit",
        "icon": "mdi:message-reply-text",
    }
