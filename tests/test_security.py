"""Hostile input and honest defaults, end to end: each defence of docs/SECURITY.md."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from http import HTTPStatus
import json
import logging
from pathlib import Path
from typing import Any

from homeassistant.components.repairs import DOMAIN as REPAIRS, repairs_flow_manager
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir, restore_state
from homeassistant.helpers.json import json_bytes
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smscentre.const import (
    CONF_WEBHOOK_HASH,
    CONF_WEBHOOK_SECRET,
    DEFAULT_TLS_PORT,
    DOMAIN,
    EVENT_CALL_CONFIRMATION,
    EVENT_DELIVERY_REPORT,
    EVENT_INCOMING_SMS,
    MIN_WEBHOOK_SECRET_LENGTH,
    store_key,
)
from custom_components.smscentre.flow_schema import (
    CONF_ENCRYPTION,
    ENCRYPTION_TLS,
    nest_options,
)
from custom_components.smscentre.smsc.channels import MAX_RECIPIENTS
from custom_components.smscentre.webhook import MAX_BODY, read_limited
from smscsim import SmscSimulator

from .receiving_helpers import (
    SECRET,
    WEBHOOK_ID,
    entity_id,
    make_entry,
    setup_entry,
    sign,
    sim,  # noqa: F401
    webhook_options,
)
from .webhook_helpers import FORM, PATH, form, incoming_fields, status_fields, webhook_caller

LONG_SECRET = "Home-Secret_42-long-enough"
PHONE = "79991234567"


async def _entry(hass: HomeAssistant, sim: SmscSimulator, **options: Any) -> MockConfigEntry:  # noqa: F811
    config_entry = make_entry(sim, options=webhook_options(**options))
    await setup_entry(hass, config_entry)
    return config_entry


@pytest.fixture
async def signed(hass: HomeAssistant, sim: SmscSimulator) -> MockConfigEntry:  # noqa: F811
    """A loaded entry, webhook on, md5 with the (short) test secret."""
    return await _entry(hass, sim)


@pytest.fixture
async def unsigned(hass: HomeAssistant, sim: SmscSimulator) -> MockConfigEntry:  # noqa: F811
    """A loaded entry, webhook on, no secret."""
    return await _entry(hass, sim, secret="")


# --- 1. replays with an unsigned field changed ---------------------------------------------


async def test_replay_with_unsigned_fields_changed_fires_once(
    hass: HomeAssistant, signed: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """One signed status re-posted with other ts/err/time/type/imsi, and as a 50-item JSON
    list varying only err, is one delivery report."""
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_DELIVERY_REPORT)
    for n in range(3):
        fields = status_fields(ts=str(1741167000 + n), err=str(n), time=f"05.03.25 12:3{n}:00")
        fields |= {"type": str(n % 2)}
        await caller.post(form(fields), content_type=FORM)
    items = [status_fields(err=str(n)) for n in range(50)]
    events = await caller.post(json.dumps(items), url=f"{PATH}?fmt=3")
    assert len(events) == 1


async def test_without_a_secret_two_sms_with_the_same_text_both_fire(
    hass: HomeAssistant, unsigned: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Unsigned, the key keeps the provider's id: the same text sent twice is two SMS."""
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_INCOMING_SMS)
    first = incoming_fields(text="Open", secret="")
    second = {**first, "id": "778", "time": "1741167905"}
    for fields in (first, second, first):
        await caller.post(form(fields, "utf-8"), content_type=FORM)
    assert len(caller.events) == 2


# --- 2. a signature reused across kinds ----------------------------------------------------


async def test_signature_reused_across_kinds_fires_nothing(
    hass: HomeAssistant, signed: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """A status's signature as an incoming SMS, an incoming SMS's as a call confirmation:
    answered 200 (the provider must not retry) and nothing fires."""
    calls = async_capture_events(hass, EVENT_CALL_CONFIRMATION)
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_INCOMING_SMS)
    status_sig = sign("100001:79991234567:1", SECRET, "md5")
    as_incoming = {"phone": "100001", "mes": "79991234567", "to": "1", "md5": status_sig}
    sms_sig = sign("79990001122:Open:79037000000", SECRET, "md5")
    as_call = {"phone": "79990001122", "ts": "Open:79037000000", "waitcall": "1", "md5": sms_sig}
    for fields in (as_incoming, as_call):
        await caller.post(form(fields), content_type=FORM)
    assert caller.events == []
    assert calls == []


async def test_unsigned_unusable_request_is_a_bad_request(
    hass: HomeAssistant, unsigned: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Without a secret an unusable request is 400 (whoever sent it is told), nothing fired."""
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_INCOMING_SMS)
    fields = {"phone": "100001", "mes": "79991234567", "to": "1"}
    events = await caller.post(form(fields), status=HTTPStatus.BAD_REQUEST)
    assert events == []


# --- 3. CRC32, candidates, secret length -----------------------------------------------------


async def test_at_most_two_signature_candidates(
    hass: HomeAssistant, signed: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """The body's hash and the URL's one parameter: a third candidate is refused (403)."""
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_DELIVERY_REPORT)
    await caller.post(form(status_fields()), url=f"{PATH}?md5={SECRET}")
    guesses = "&".join(f"md5={n:032x}" for n in range(100))
    await caller.post(
        form(status_fields(id="100002")), url=f"{PATH}?{guesses}", status=HTTPStatus.FORBIDDEN
    )
    events = await caller.post(
        form(status_fields(id="100003")),
        url=f"{PATH}?md5={SECRET}&md5={SECRET}",
        status=HTTPStatus.FORBIDDEN,
    )
    assert len(events) == 1


async def _options_form(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    return dict(result)


def _hash_choices(result: dict[str, Any]) -> list[str]:
    schema = result["data_schema"].schema
    webhook = next(value for key, value in schema.items() if str(key) == "webhook")
    fields = webhook.schema.schema
    selector = next(value for key, value in fields.items() if str(key) == CONF_WEBHOOK_HASH)
    return [str(option) for option in selector.config["options"]]


async def test_crc32_not_offered_to_new_setups(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
) -> None:
    """CRC32 is forgeable: offered only to an entry that already uses it."""
    entry = make_entry(sim, options=webhook_options(secret=LONG_SECRET))
    entry.add_to_hass(hass)
    assert _hash_choices(await _options_form(hass, entry)) == ["md5", "sha1"]
    old = make_entry(sim, options=webhook_options(secret=LONG_SECRET, hash_kind="crc32"))
    old.add_to_hass(hass)
    assert _hash_choices(await _options_form(hass, old)) == ["md5", "sha1", "crc32"]


async def test_short_secret_refused_with_a_translated_error(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
) -> None:
    """A secret shorter than the minimum is a form error that says the minimum."""
    entry = make_entry(sim, options=webhook_options(secret=""))
    entry.add_to_hass(hass)
    result = await _options_form(hass, entry)
    user_input = {**entry.options, CONF_WEBHOOK_SECRET: "a"}
    user_input = {k: v for k, v in user_input.items() if v is not None}
    result = dict(
        await hass.config_entries.options.async_configure(
            result["flow_id"], nest_options(user_input)
        )
    )
    assert result["type"] is FlowResultType.FORM
    # keyed by the webhook section: the frontend shows no error of a field inside a section
    assert result["errors"] == {"webhook": "webhook_secret_too_short"}
    assert result["description_placeholders"]["min"] == str(MIN_WEBHOOK_SECRET_LENGTH)
    for language in ("en", "ru"):
        strings = json.loads(
            (
                Path(__file__).parent.parent
                / f"custom_components/{DOMAIN}/translations"
                / f"{language}.json"
            ).read_text(encoding="utf-8")
        )
        assert "{min}" in strings["options"]["error"]["webhook_secret_too_short"]


async def test_crc32_entry_gets_a_repair_that_switches_to_md5(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    hass_client: ClientSessionGenerator,
) -> None:
    """An entry on CRC32 gets a fixable repair; fixing it keeps the secret, uses md5."""
    entry = await _entry(hass, sim, secret=LONG_SECRET, hash_kind="crc32")
    registry = ir.async_get(hass)
    issue_id = f"webhook_crc32_{entry.entry_id}"
    issue = registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    assert registry.async_get_issue(DOMAIN, f"webhook_secret_short_{entry.entry_id}") is None

    assert await async_setup_component(hass, REPAIRS, {})
    manager = repairs_flow_manager(hass)
    assert manager is not None
    flow = await manager.async_init(DOMAIN, data={"issue_id": issue_id})
    assert flow["type"] is FlowResultType.FORM
    assert "md5=" in flow["description_placeholders"]["url"] or flow["description_placeholders"]
    flow = await manager.async_configure(flow["flow_id"], {})
    assert flow["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options[CONF_WEBHOOK_HASH] == "md5"
    assert entry.options[CONF_WEBHOOK_SECRET] == LONG_SECRET
    assert entry.state is ConfigEntryState.LOADED
    assert registry.async_get_issue(DOMAIN, issue_id) is None


async def test_short_secret_entry_gets_a_repair(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
) -> None:
    """An existing secret shorter than the minimum still works, with a repair issue."""
    entry = await _entry(hass, sim, secret="abc")
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"webhook_secret_short_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["min"] == str(MIN_WEBHOOK_SECRET_LENGTH)


# --- 4. lone surrogates ----------------------------------------------------------------------


async def test_lone_surrogate_never_breaks_state_saving(
    hass: HomeAssistant,
    unsigned: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A JSON escape of a lone surrogate reaches the event as U+FFFD; states save."""
    caller = await webhook_caller(hass, hass_client_no_auth, EVENT_INCOMING_SMS)
    body = b'{"phone": "79990001122", "mes": "a\\ud800b", "to": "79037000000"}'
    events = await caller.post(body, url=f"{PATH}?fmt=3")
    assert [e.data["text"] for e in events] == ["a\ufffdb"]
    state = hass.states.get(entity_id(hass, "incoming_message"))
    assert state is not None
    json_bytes(state.as_dict())  # what the recorder and restore state write
    await restore_state.async_get(hass).async_dump_states()
    assert "Unexpected error saving current states" not in caplog.text


async def test_smpp_lone_surrogate_in_ucs2(hass: HomeAssistant, sim: SmscSimulator) -> None:  # noqa: F811
    """A UCS2 DELIVER_SM carrying half a surrogate pair becomes U+FFFD, never a saving error."""
    entry = make_entry(sim)
    await setup_entry(hass, entry)
    events = async_capture_events(hass, EVENT_INCOMING_SMS)
    seq = await sim.deliver_sm(
        source="79990001122",
        destination="79037000000",
        short_message="a".encode("utf-16-be") + b"\xd8\x00" + "b".encode("utf-16-be"),
        data_coding=8,
    )
    await sim.wait_for(lambda s: seq in s.deliver_responses)
    await hass.async_block_till_done()
    assert [e.data["text"] for e in events] == ["a\ufffdb"]
    json_bytes(events[0].data)


# --- 5. parse errors and bounded reads --------------------------------------------------------


@pytest.mark.parametrize("encoding", ["x-nope", "utf-7", "rot13"])
async def test_odd_xml_encoding_is_400_without_traceback_or_id(
    hass: HomeAssistant,
    signed: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
    encoding: str,
) -> None:
    """Unknown or odd XML encodings: 400, no traceback, the webhook id in no log line."""
    caplog.set_level(logging.DEBUG)
    caller = await webhook_caller(hass, hass_client_no_auth)
    body = f'<?xml version="1.0" encoding="{encoding}"?><d><phone>1</phone></d>'.encode()
    await caller.post(body, url=f"{PATH}?fmt=2", status=HTTPStatus.BAD_REQUEST)
    for record in caplog.records:
        assert record.exc_info is None, record.getMessage()
        assert WEBHOOK_ID not in record.getMessage()


async def test_a_fault_of_ours_is_500_without_the_webhook_id(
    hass: HomeAssistant,
    signed: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bug past the checks: 500 (the provider retries), logged by us, the id in no line."""

    def broken(*_args: Any) -> None:
        raise RuntimeError("broken")

    monkeypatch.setattr(signed.runtime_data.dispatcher, "report", broken)
    caller = await webhook_caller(hass, hass_client_no_auth)
    await caller.post(form(status_fields()), status=HTTPStatus.INTERNAL_SERVER_ERROR)
    assert any(r.exc_info for r in caplog.records if r.name.startswith("custom_components"))
    for record in caplog.records:
        assert WEBHOOK_ID not in record.getMessage()


class _Stream:
    """A request body arriving in chunks; counts what was read."""

    def __init__(self, chunks: int, size: int) -> None:
        self.left = chunks
        self.size = size
        self.read_bytes = 0

    async def read(self, n: int = -1) -> bytes:
        if not self.left:
            return b""
        self.left -= 1
        data = b"x" * (self.size if n < 0 else min(n, self.size))
        self.read_bytes += len(data)
        return data


async def test_read_limited_stops_past_the_limit() -> None:
    """A body is read up to the limit and refused past it, never read whole first."""
    stream = _Stream(chunks=1000, size=16 * 1024)
    assert await read_limited(stream, MAX_BODY) is None
    assert stream.read_bytes <= MAX_BODY + 1
    assert stream.left > 900
    small = _Stream(chunks=3, size=1000)
    assert await read_limited(small, MAX_BODY) == b"x" * 3000


async def test_chunked_body_over_the_limit_is_413(
    hass: HomeAssistant, signed: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """A chunked body (no Content-Length) over the limit is refused."""
    caller = await webhook_caller(hass, hass_client_no_auth)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(8):
            yield b"x" * (16 * 1024)
            await asyncio.sleep(0)

    await caller.post(chunks(), status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)


# --- 6. query_status ---------------------------------------------------------------------------


@pytest.mark.parametrize("message_id", ["é", "\ud800", "1\x00\x05\x00EVIL", "x" * 5000])
async def test_query_status_refuses_unfit_ids(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
    message_id: str,
) -> None:
    """Printable ASCII of at most 64 characters, else a translated ServiceValidationError."""
    entry = make_entry(sim)
    await setup_entry(hass, entry)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "query_status",
            {"message_id": message_id},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "invalid_message_id"
    assert err.value.translation_placeholders == {"max": "64"}


# --- 7. damaged storage ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("store", "content"),
    [
        ("outbox", {"version": 7, "data": {"version": 2, "messages": []}}),
        ("outbox", {"version": 1, "data": {"version": 2, "sent_total": "abc"}}),
        ("outbox", {"version": 1, "data": ["a", "list"]}),
        ("outbox", {"version": 1, "data": {"version": 99, "messages": [["queued"]]}}),
        ("sent", {"version": 1, "data": {"version": 1, "records": "abc"}}),
        ("webhook", {"version": 1, "data": ["a", "list"]}),
    ],
    ids=["outer-version", "wrong-type", "list", "inner-version", "sent-records", "webhook"],
)
async def test_damaged_store_moved_aside_with_a_repair(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    sim: SmscSimulator,  # noqa: F811
    tmp_path: Path,
    store: str,
    content: dict[str, Any],
) -> None:
    """Setup goes on; the file is renamed next to it (kept as it was) with a repair issue."""
    hass.config.config_dir = str(tmp_path)
    entry = make_entry(sim, options=webhook_options(secret=LONG_SECRET))
    key = store_key(entry.entry_id, store)
    hass_storage[key] = content
    path = tmp_path / ".storage" / key
    await hass.async_add_executor_job(_write_json, path, content)
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    issue_id = f"store_moved_aside_{entry.entry_id}_{store}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders is not None
    kept = Path(issue.translation_placeholders["kept"])
    assert kept.parent == path.parent
    assert await hass.async_add_executor_job(_read_json, kept) == content
    assert await hass.async_add_executor_job(_read_json, path) != content


def _write_json(path: Path, content: Any) -> None:
    path.parent.mkdir()
    path.write_text(json.dumps(content), encoding="utf-8")


def _read_json(path: Path) -> Any:
    """A file's JSON, None when there is no file."""
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


# --- 8. recipients cap -------------------------------------------------------------------------


async def test_recipients_cap_is_a_translated_error(
    hass: HomeAssistant,
    sim: SmscSimulator,  # noqa: F811
) -> None:
    """More than MAX_RECIPIENTS recipients in one action: refused, nothing sent."""
    entry = make_entry(sim)
    await setup_entry(hass, entry)
    numbers = [f"7999{n:07d}" for n in range(MAX_RECIPIENTS + 1)]
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "send_sms", {"recipients": numbers, "message": "hi"}, blocking=True
        )
    assert err.value.translation_key == "too_many_recipients"
    assert sim.submits == []


# --- 9. TLS by default ---------------------------------------------------------------------


async def test_new_entries_default_to_tls(hass: HomeAssistant) -> None:
    """The user step suggests TLS on 3443 (plain 3700 can still be chosen)."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    schema = result["data_schema"].schema
    defaults = {str(key): key.default() for key in schema if callable(key.default)}
    assert defaults[CONF_ENCRYPTION] == ENCRYPTION_TLS  # with the certificate checked
    assert defaults[CONF_PORT] == DEFAULT_TLS_PORT


# --- secrets in logs -----------------------------------------------------------------------------


async def test_secret_and_webhook_id_in_no_log_line(
    hass: HomeAssistant,
    signed: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The secret travels in the URL the provider calls: aiohttp's access log (at any level),
    Home Assistant's webhook and http loggers and ours never show it or the webhook id."""
    caplog.set_level(logging.DEBUG)
    logging.getLogger("aiohttp.access").setLevel(logging.DEBUG)
    caller = await webhook_caller(hass, hass_client_no_auth)
    url = f"{PATH}?fmt=3&charset=utf-8&md5={SECRET}"
    await caller.post(json.dumps(status_fields()), url=url)
    await caller.post(b"{", url=url, status=HTTPStatus.BAD_REQUEST)
    await caller.post(json.dumps({"id": "1"}), url=url, status=HTTPStatus.FORBIDDEN)
    assert any(r.name == "aiohttp.access" for r in caplog.records)
    for record in caplog.records:
        texts = [record.getMessage(), *(v for v in vars(record).values() if isinstance(v, str))]
        for text in texts:
            assert SECRET not in text, record.name
            assert WEBHOOK_ID not in text, record.name
