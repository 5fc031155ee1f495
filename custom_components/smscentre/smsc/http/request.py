"""A composed message (the text ``channels.compose`` makes for SMPP) as send.php parameters.

The outbox holds what SMPP sends: the channel and the composed text (``__CALL__: ...\\nvoice:w``).
The HTTP API names the channel with a flag (``call=1``) and takes the parts of that text as
parameters of their own (``mes``, ``voice``, ``param``, ``subj``). ``send_params`` undoes the
composition, so a message reads the same to its recipient whichever way it leaves.
"""

from __future__ import annotations

from collections.abc import Sequence
import hashlib

from ..channels import COMMENT_SEPARATOR, Channel
from ..encoding import decode_text
from ..errors import InvalidInput
from .errors import HttpChannelUnsupported
from .provider import FACTS, http_channels, route

# The prefix and trailing key of each composed text (see channels.compose).
_PREFIXES: dict[Channel, str] = {
    Channel.CALL: "__CALL__: ",
    Channel.VIBER: "__VIBER__: ",
    Channel.SOCIAL: "__SOC__: ",
    Channel.EMAIL: "__MAIL__: ",
}
_WHOLE: dict[Channel, str] = {Channel.HLR: "__HLR__", Channel.PING: "__PING__"}


UDHI = 0x40  # esm_class: the parts start with a user data header


def message_text(parts: Sequence[bytes], data_coding: int, esm_class: int) -> str:
    """The composed text of a queued message, from its SUBMIT_SM parts (headers removed).

    The outbox keeps what SMPP sends; the HTTP API takes the text and splits it itself.
    """
    if esm_class & UDHI:
        parts = [part[1 + part[0] :] if part else part for part in parts]
    return decode_text(b"".join(parts), data_coding)


def _strip(channel: Channel, text: str) -> str:
    prefix = _PREFIXES[channel]
    if not text.startswith(prefix):
        raise InvalidInput("invalid_channel", channel=channel, channels=", ".join(Channel))
    return text[len(prefix) :]


def _split_last(text: str, key: str, channel: Channel) -> tuple[str, str]:
    head, sep, tail = text.rpartition(f"\n{key}")
    if not sep:
        raise InvalidInput("invalid_channel", channel=channel, channels=", ".join(Channel))
    return head, tail


def send_params(channel: Channel | str, text: str, *, flash: bool = False) -> dict[str, str]:
    """send.php's message parameters (``mes`` and the channel's flags) for a composed text
    (``flash``: an SMS shown at once, GSM message class 0).

    Raises ``HttpChannelUnsupported`` for a channel the HTTP API does not carry, and
    ``InvalidInput("invalid_channel")`` for a text that is not the channel's composition.
    """
    try:
        channel = Channel(channel)
    except ValueError:
        raise InvalidInput(
            "invalid_channel", channel=channel, channels=", ".join(Channel)
        ) from None
    how = route(channel)
    if how is None:
        raise HttpChannelUnsupported(channel, ", ".join(http_channels()))
    params = dict(how.flags)
    if channel is Channel.SMS:
        params["mes"] = text
        if flash:
            params[FACTS.flash.value] = "1"
    elif channel in _WHOLE:
        if text != _WHOLE[channel]:
            raise InvalidInput("invalid_channel", channel=channel, channels=", ".join(Channel))
        params["mes"] = ""
    elif channel is Channel.CALL:
        body, _, param = _strip(channel, text).partition(COMMENT_SEPARATOR)
        params["mes"], params["voice"] = _split_last(body, "voice:", channel)
        if param:
            params["param"] = param
    elif channel is Channel.EMAIL:
        params["mes"], params["subj"] = _split_last(_strip(channel, text), "subj:", channel)
    else:
        params["mes"] = _strip(channel, text)
    return params


def client_id_for(local_id: str) -> int:
    """The id send.php gets for a message: the same for every attempt, after a restart too.

    Derived from the local id, so a retry after a lost answer is the identical request the
    provider refuses within a minute (and status.php finds by this id and the number).
    """
    low, high = FACTS.client_id.value
    digest = hashlib.blake2b(local_id.encode(), digest_size=8).digest()
    return low + int.from_bytes(digest, "big") % (high - low + 1)
