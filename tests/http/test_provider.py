"""The provider facts table: complete, sourced, and what the client and simulator agree on."""

from __future__ import annotations

from dataclasses import fields
import json
from pathlib import Path

from custom_components.smscentre.smsc.channels import Channel
from custom_components.smscentre.smsc.http import errors
from custom_components.smscentre.smsc.http.provider import FACTS, Fact, Source, route
from smscsim import httpapi as sim

STRINGS = Path(__file__).parents[2] / "custom_components" / "smscentre" / "strings.json"


def test_every_fact_has_a_source() -> None:
    rows = FACTS.rows()
    assert [name for name, _ in rows] == [item.name for item in fields(FACTS)]
    for name, fact in rows:
        assert isinstance(fact, Fact), name
        assert isinstance(fact.source, Source), name
    assert {fact.source for _, fact in rows} >= {Source.SEED, Source.OFFICIAL_LIBRARY}


def test_every_channel_is_routed_or_refused() -> None:
    assert set(FACTS.channels.value) == set(Channel)
    for channel in Channel:
        how = route(channel)
        if how is not None:
            assert isinstance(how.source, Source)
            assert set(how.flags) <= set(sim.CHANNEL_FLAGS), channel


def test_error_codes_agree_with_the_simulator() -> None:
    assert set(FACTS.errors.value) == set(sim.ERRORS)
    assert set(FACTS.statuses.value) >= set(sim.HTTP_STATUS.values())
    low, high = FACTS.client_id.value
    assert (low, high) == (1, sim.MAX_CLIENT_ID)


def test_every_error_key_is_translated() -> None:
    exceptions = json.loads(STRINGS.read_text(encoding="utf-8"))["exceptions"]
    keys = {errors.error_for(code).key for code in range(1, 10)}
    keys |= {
        errors.ApiCannotConnect("x").key,
        errors.ApiUnexpectedAnswer("x").key,
        errors.HttpChannelUnsupported("bot", "sms").key,
        "invalid_api_url",
    }
    assert keys == {
        "api_error",
        "invalid_api_auth",
        "api_no_money",
        "api_ip_blocked",
        "api_invalid_number",
        "api_duplicate",
        "api_cannot_connect",
        "api_unexpected_answer",
        "http_channel_unsupported",
        "invalid_api_url",
    }
    assert keys <= set(exceptions)
