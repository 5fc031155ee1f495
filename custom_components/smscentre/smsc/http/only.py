"""The HTTP-only route: what SMPP can never carry goes over the HTTP API, whatever SMPP does.

SMPP 3.4's destination_addr holds 20 characters, so an e-mail to a longer address cannot go
as a SUBMIT_SM (``channels.smpp_carries``). Where the HTTP API is set up the actions accept
such an address; the outbox queues the message like any other (persisted, restored after a
restart) but in a lane SMPP never reads (``smsc/outbox/queue.py``), and this route hands each
to the HTTP sender (``sender.py``: paced with SMPP's sends, each once, looked up before a
resend) as soon as it is queued, bound or not. Nothing else is taken here: the HTTP fallback
takes from the other lane, so the two never want the same message.
"""

from __future__ import annotations

import logging
import math

from ..errors import SmscError
from ..message import OutboundMessage
from ..outbox import HttpHandover, Outbox
from .errors import ApiError

_LOGGER = logging.getLogger(__name__)


class HttpOnlyRoute:
    """The sender's source of the messages only HTTP can carry."""

    def __init__(self, outbox: Outbox) -> None:
        """For one entry's outbox."""
        self._outbox = outbox

    def ready(self) -> float | None:
        """Whenever such a message waits (O(1)); else until the outbox changes."""
        return None if self._outbox.http_waiting else math.inf

    def take(self, handover: HttpHandover) -> OutboundMessage | None:
        """The first such message, urgent first."""
        return handover.take(_any_channel, http_only=True)

    def sent(self, message: OutboundMessage) -> None:
        """Nothing to add: the caller's answer and the reports follow from the outbox."""

    def failed(self, message: OutboundMessage, err: ApiError) -> None:
        """The caller's answer says so (the outbox failed the message)."""
        _LOGGER.warning("The HTTP API refused message %s: %s", message.local_id, err.key)

    def paused(self, err: SmscError, retry_in: float) -> None:
        """Said once a pause while such messages wait: they have no other way out."""
        if self._outbox.http_waiting:
            _LOGGER.warning(
                "The HTTP API failed (%s): messages only it can carry wait %.0f s",
                err.key,
                retry_in,
            )


def _any_channel(_channel: str) -> bool:
    return True
