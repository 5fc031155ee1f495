"""Conversations with Assist by SMS: an allowed sender's SMS goes to the agent, the spoken
answer goes back to that sender.

A consumer of incoming SMS (SMPP and webhook alike, through the dispatcher). The core's
``AssistGate`` decides what is a conversation (allowed sender, PIN, hourly cap); this module
runs the agent through ``conversation.async_converse`` (one conversation id per sender, Home
Assistant's language, a context of its own), shortens the answer to the configured parts and
sends it to the sender only. Which entities the agent may touch is the agent's business: only
those exposed to Assist. Every conversation, refused ones included, fires
``smscentre_conversation``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from homeassistant.components import conversation
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import Context, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component

from .const import DOMAIN, EVENT_CONVERSATION
from .sending import Sending
from .smsc.assist_gate import Admission, AssistGate, AssistSettings
from .smsc.channels import Channel
from .smsc.incoming import IncomingMessage
from .smsc.shorten import shorten

_LOGGER = logging.getLogger(__name__)

CONVERSATION_DOMAIN = "conversation"
RESPONSE_ERROR = "error"
# Told to agents that read it (LLMs); Home Assistant's own agent ignores it.
SYSTEM_PROMPT = (
    "This request came by SMS from +{sender}. Your answer is sent back by SMS: keep it short,"
    " in plain text, without formatting."
)


class SmsConversations:
    """Talks to the agent for the allowed senders of one entry."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        settings: AssistSettings,
        *,
        agent_id: str,
        sending: Sending,
        own_sender: str | None,
        max_parts: int,
        iso: bool,
    ) -> None:
        """``max_parts``: the account's longest message (an answer never needs more)."""
        self._hass = hass
        self._entry = entry
        self._agent_id = agent_id
        self._sending = sending
        self._gate = AssistGate(settings, own_sender=own_sender)
        self._reply_parts = max(1, min(settings.reply_parts, max_parts))
        self._iso = iso
        # one at a time per sender, so that follow-ups are answered in order
        self._locks: dict[str, asyncio.Lock] = {}

    async def async_start(self) -> None:
        """Make sure the conversation integration (the agents) is set up."""
        if not await async_setup_component(self._hass, CONVERSATION_DOMAIN, {}):
            _LOGGER.warning("Conversations by SMS need the conversation integration")

    @callback
    def incoming(self, message: IncomingMessage) -> None:
        """An incoming SMS: a conversation when the gate admits it."""
        if message.incomplete:
            return  # parts are missing: never act on half a request
        admission = self._gate.admit(message.sender, message.text)
        if admission is None:
            return
        if admission.refused is not None:
            self._fire(admission, Context(), reply="", replied=False, response_type=None)
            return
        self._entry.async_create_background_task(
            self._hass, self._converse(admission), f"{DOMAIN} conversation by SMS"
        )

    def conversation_id(self, sender: str) -> str:
        """One conversation per sender and account: follow-ups keep their context."""
        return f"{DOMAIN}_{self._entry.entry_id}_{sender}"

    async def _converse(self, admission: Admission) -> None:
        lock = self._locks.setdefault(admission.sender, asyncio.Lock())
        async with lock:
            context = Context()
            try:
                result = await conversation.async_converse(
                    self._hass,
                    admission.text,
                    self.conversation_id(admission.sender),
                    context,
                    language=self._hass.config.language,
                    agent_id=self._agent_id,
                    extra_system_prompt=SYSTEM_PROMPT.format(sender=admission.sender),
                )
            except (HomeAssistantError, ValueError) as err:
                # no agent (removed, or the conversation integration missing), or it failed
                _LOGGER.warning("The conversation agent %s did not answer: %s", self._agent_id, err)
                self._fire(
                    admission, context, reply="", replied=False, response_type=RESPONSE_ERROR
                )
                return
            response = result.response
            speech = response.speech.get("plain", {}).get("speech", "")
            reply = shorten(str(speech), self._reply_parts, iso=self._iso)
            replied = bool(reply) and await self._send(admission.sender, reply)
            self._fire(
                admission,
                context,
                reply=reply,
                replied=replied,
                response_type=str(response.response_type.value),
            )

    async def _send(self, number: str, reply: str) -> bool:
        """Send the answer to the sender, and only to the sender; True when it went out or is
        queued."""
        try:
            result = await self._sending.async_send(Channel.SMS, [number], {"message": reply})
        except HomeAssistantError as err:
            _LOGGER.warning("The answer to an SMS conversation was not sent: %s", err)
            return False
        return any(message.get("status") != "failed" for message in result["messages"])

    def _fire(
        self,
        admission: Admission,
        context: Context,
        *,
        reply: str,
        replied: bool,
        response_type: str | None,
    ) -> None:
        data: dict[str, Any] = {
            ATTR_CONFIG_ENTRY_ID: self._entry.entry_id,
            "sender": admission.sender,
            "text": admission.text,
            "reply": reply,
            "agent_id": self._agent_id,
            "conversation_id": self.conversation_id(admission.sender),
            "response_type": response_type,
            "replied": replied,
            "refused": None if admission.refused is None else str(admission.refused),
        }
        self._hass.bus.async_fire(EVENT_CONVERSATION, data, context=context)
