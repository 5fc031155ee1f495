"""The smoke run's checks: as a user would, over Home Assistant's REST and websocket APIs and
the simulator's control API, against a demo that ``ha_demo.demo.Demo.start`` set up.

An SMS through ``smscentre.send_sms`` and through ``notify.send_message``, its delivery report,
status and an HLR lookup, an incoming SMS; a conversation with Assist by SMS (the allowed phone
turns the demo light on and asks about it; a stranger gets nothing); then over the simulator's
HTTP API the balance and, with every SMPP bind refused, SMS through the HTTP fallback.
"""

from __future__ import annotations

import json
import time
from typing import Any

from ha_demo.account import ASSIST_PHONE, BALANCE, DEMO_LIGHT, SENDER
from ha_demo.client import HomeAssistantClient
from ha_demo.common import DOMAIN, DemoError, log, wait_for
from ha_demo.simulator import SimulatorControl
from ha_demo.websocket import Websocket

SMOKE_TIMEOUT = 180.0  # s: every check together
STRANGER_PHONE = "79994445566"  # a phone not allowed to talk to Assist


async def smoke(client: HomeAssistantClient, control: SimulatorControl, entry_id: str) -> None:
    """Act as a user: send, receive, and see it all in Home Assistant."""

    async def loaded() -> bool | None:
        state = await client.entry_state(DOMAIN, entry_id)
        if state in ("setup_error", "setup_retry", "migration_error", "failed_unload"):
            raise DemoError(f"entry state {state}")
        return True if state == "loaded" else None

    await wait_for("the entry to load", loaded)
    ws = await Websocket.connect(client)
    try:
        entities = await ws.entity_ids(entry_id)
        log(f"entities: {sorted(e for ids in entities.values() for e in ids)}")
        link = next(iter(entities.get("binary_sensor", [])), None)
        if link is None:
            raise DemoError("no Link binary sensor")

        async def bound() -> bool | None:
            state = await client.state(link)
            return True if state and state["state"] == "on" else None

        await wait_for(f"{link} to be on (bound)", bound)
        log(f"{link}: on")

        for event_type in ("smscentre_incoming_sms", "smscentre_delivery_report"):
            await ws.subscribe(event_type)
        await smoke_sending(client, ws, control, entities)
        await smoke_incoming(client, ws, control, entry_id, entities)
        await smoke_assist(client, ws, control)
        await smoke_http(client, ws, control, entities)
    finally:
        await ws.close()


async def smoke_sending(
    client: HomeAssistantClient,
    ws: Websocket,
    control: SimulatorControl,
    entities: dict[str, list[str]],
) -> None:
    """An SMS by action and one by notify entity; the report, the status, an HLR lookup."""
    answer = await client.call(
        DOMAIN,
        "send_sms",
        {"recipients": ["+7 999 123-45-67"], "message": "smoke: action"},
        response=True,
    )
    messages = answer["service_response"]["messages"]
    if not messages or messages[0]["recipient"] != "79991234567":
        raise DemoError(f"send_sms response: {answer['service_response']}")
    message_id = messages[0]["message_id"]
    log(f"smscentre.send_sms: {json.dumps(answer['service_response'])}")

    notify = entities.get("notify", [])
    if not notify:
        raise DemoError("no notify entity for the default recipient")
    await client.call(
        "notify", "send_message", {"entity_id": notify[0], "message": "smoke: notify"}
    )
    log(f"notify.send_message to {notify[0]}")

    async def at_simulator() -> dict[str, dict[str, Any]] | None:
        got = {m["text"]: m for m in await control.messages()}
        if {"smoke: action", "smoke: notify"} <= got.keys():
            return got
        return None

    got = await wait_for("both messages at the simulator", at_simulator)
    if got["smoke: action"]["destination"] != "79991234567":
        raise DemoError(f"action SMS went to {got['smoke: action']['destination']}")
    if got["smoke: notify"]["destination"] != "79990000001":
        raise DemoError(f"notify SMS went to {got['smoke: notify']['destination']}")
    if got["smoke: action"]["source"] != SENDER:
        raise DemoError(f"sender {got['smoke: action']['source']!r}, not {SENDER}")
    log("the simulator received both messages")

    report = await ws.next_event(
        "delivery report for the action's message",
        lambda e: (
            e["event_type"] == "smscentre_delivery_report"
            and e["data"].get("message_id") == message_id
        ),
    )
    if report["data"].get("status") != "delivered":
        raise DemoError(f"delivery report: {report['data']}")
    log(f"smscentre_delivery_report: {json.dumps(report['data'])}")

    answer = await client.call(DOMAIN, "query_status", {"message_id": message_id}, response=True)
    log(f"smscentre.query_status: {json.dumps(answer['service_response'])}")
    if answer["service_response"].get("state") != "delivered":
        raise DemoError(f"query_status: {answer['service_response']}")

    answer = await client.call(
        DOMAIN, "hlr_lookup", {"recipient": "+7 999 123-45-67", "timeout": 20}, response=True
    )
    log(f"smscentre.hlr_lookup: {json.dumps(answer['service_response'], ensure_ascii=False)}")
    if answer["service_response"].get("phone") != "79991234567":
        raise DemoError(f"hlr_lookup: {answer['service_response']}")


async def smoke_incoming(
    client: HomeAssistantClient,
    ws: Websocket,
    control: SimulatorControl,
    entry_id: str,
    entities: dict[str, list[str]],
) -> None:
    """An incoming SMS: its bus event and the Incoming message event entity."""
    await control.deliver("79995556677", "smoke: incoming")
    incoming = await ws.next_event(
        "smscentre_incoming_sms",
        lambda e: (
            e["event_type"] == "smscentre_incoming_sms"
            and e["data"].get("text") == "smoke: incoming"
        ),
    )
    data = incoming["data"]
    if data.get("sender") != "79995556677" or data.get("config_entry_id") != entry_id:
        raise DemoError(f"incoming SMS event: {data}")
    log(f"smscentre_incoming_sms: {json.dumps(data, ensure_ascii=False)}")

    event_entities = entities.get("event", [])

    async def event_entity_fired() -> bool | None:
        for entity_id in event_entities:
            state = await client.state(entity_id)
            if state and state["attributes"].get("event_type") == "sms":
                return True
        return None

    await wait_for("the Incoming message event entity", event_entity_fired)
    log("incoming message event entity fired")


async def smoke_assist(
    client: HomeAssistantClient, ws: Websocket, control: SimulatorControl
) -> None:
    """Talk to Assist by SMS: the allowed phone turns the demo light on and asks about it, and
    gets the answers; a stranger's SMS does nothing."""
    await ws.subscribe("smscentre_conversation")
    await client.call("light", "turn_off", {"entity_id": DEMO_LIGHT})

    async def texts_to(number: str) -> list[str]:
        return [m["text"] for m in await control.messages() if m["destination"] == number]

    # a stranger first: only the usual incoming event
    await control.deliver(STRANGER_PHONE, "turn on the demo light")
    await ws.next_event(
        "the stranger's incoming SMS",
        lambda e: (
            e["event_type"] == "smscentre_incoming_sms"
            and e["data"].get("sender") == STRANGER_PHONE
        ),
    )
    answers: list[str] = []
    for text, response_type in (
        ("turn on the demo light", "action_done"),
        ("what is the state of the demo light?", "query_answer"),
    ):
        await control.deliver(ASSIST_PHONE, text)
        event = await ws.next_event(
            f"the conversation {text!r}", lambda e: e["event_type"] == "smscentre_conversation"
        )
        data = event["data"]
        log(f"smscentre_conversation: {json.dumps(data, ensure_ascii=False)}")
        if data.get("sender") != ASSIST_PHONE:
            raise DemoError(f"a conversation with {data.get('sender')}: {data}")
        if data.get("response_type") != response_type or not data.get("replied"):
            raise DemoError(f"the agent answered {text!r} with {data}")
        answers.append(data["reply"])
        state = await client.state(DEMO_LIGHT)
        if not state or state["state"] != "on":
            raise DemoError(f"{DEMO_LIGHT} after {text!r}: {state}")

    async def answered() -> bool | None:
        return True if await texts_to(ASSIST_PHONE) == answers else None

    await wait_for("the answers at the simulator", answered)
    log(f"answers by SMS to +{ASSIST_PHONE}: {answers}")
    if not answers[1].endswith(" on"):
        raise DemoError(f"the state of the demo light answered as {answers[1]!r}")
    if stranger := await texts_to(STRANGER_PHONE):
        raise DemoError(f"the stranger got answers: {stranger}")
    log("the stranger's SMS did nothing")


async def smoke_http(
    client: HomeAssistantClient,
    ws: Websocket,
    control: SimulatorControl,
    entities: dict[str, list[str]],
) -> None:
    """The account over HTTP: the balance, then one SMS over HTTP while SMPP is refused."""
    balance = next((e for e in entities.get("sensor", []) if e.endswith("_balance")), None)
    if balance is None:
        raise DemoError("no Balance sensor")

    async def balance_read() -> dict[str, Any] | None:
        state = await client.state(balance)
        return state if state and state["state"] not in ("unknown", "unavailable") else None

    state = await wait_for(f"{balance} to have a value", balance_read)
    if float(state["state"]) != BALANCE or state["attributes"].get("unit_of_measurement") != "RUB":
        raise DemoError(f"{balance}: {state}")
    log(f"{balance}: {state['state']} {state['attributes']['unit_of_measurement']}")
    answer = await client.call(DOMAIN, "get_balance", {}, response=True)
    log(f"smscentre.get_balance: {json.dumps(answer['service_response'])}")
    if answer["service_response"] != {"balance": BALANCE, "currency": "RUB"}:
        raise DemoError(f"get_balance: {answer['service_response']}")

    await ws.subscribe("smscentre_http_fallback")
    for kind in ("refuse_binds", "drop_all"):
        await control.fault(kind)
    link = entities["binary_sensor"][0]

    async def unbound() -> bool | None:
        state = await client.state(link)
        return True if state and state["state"] == "off" else None

    await wait_for(f"{link} to be off (every bind refused)", unbound)
    log(f"{link}: off, every SMPP bind refused")
    started = time.monotonic()
    answer = await client.call(
        DOMAIN,
        "send_sms",
        {"recipients": ["+7 999 123-45-67"], "message": "smoke: over http"},
        response=True,
    )
    log(f"smscentre.send_sms while SMPP is refused: {json.dumps(answer['service_response'])}")
    event = await ws.next_event(
        "the HTTP fallback to start",
        lambda e: e["event_type"] == "smscentre_http_fallback" and e["data"]["state"] == "started",
    )
    log(
        f"smscentre_http_fallback after {time.monotonic() - started:.1f} s:"
        f" {json.dumps(event['data'])}"
    )

    async def over_http() -> dict[str, Any] | None:
        found = [m for m in await control.messages() if m["text"] == "smoke: over http"]
        return found[0] if found else None

    message = await wait_for("the message at the simulator's HTTP API", over_http)
    if message["via"] != "http" or message["destination"] != "79991234567":
        raise DemoError(f"message over HTTP: {message}")
    log(f"the simulator received it over HTTP: id {message['message_id']}")
    answer = await client.call(
        DOMAIN,
        "send_sms",
        {"recipients": ["+7 999 123-45-68"], "message": "smoke: via http"},
        response=True,
    )
    sent = answer["service_response"]["messages"][0]
    if sent["status"] != "sent" or sent["via"] != "http" or not sent["message_id"]:
        raise DemoError(f"send_sms with the fallback active: {answer['service_response']}")
    log(f"smscentre.send_sms with the fallback active: {json.dumps(sent)}")
    await control.fault("clear")
    event = await ws.next_event(
        "the HTTP fallback to stop once SMPP binds again",
        lambda e: e["event_type"] == "smscentre_http_fallback" and e["data"]["state"] == "stopped",
    )
    log(f"smscentre_http_fallback: {json.dumps(event['data'])}")
    if event["data"].get("sent") != 2:
        raise DemoError(f"the fallback sent {event['data'].get('sent')} messages, not 2")
