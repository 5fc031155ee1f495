"""A composed message (the text ``channels.compose`` makes for SMPP) as send.php parameters.

The outbox holds what SMPP sends: the channel and the composed text (``__CALL__: ...\\nvoice:w``).
The HTTP API names the channel with a flag (``call=1``) and takes the parts of that text as
parameters of their own (``mes``, ``voice``, ``param``, ``subj``). ``send_params`` undoes the
composition, so a message reads the same to its recipient whichever way it leaves.
"""

from __future__ import annotations

from ..channels import COMMENT_SEPARATOR, Channel
from ..errors import InvalidInput
from .errors import HttpChannelUnsupported
from .provider import http_channels, route

# The prefix and trailing key of each composed text (see channels.compose).
_PREFIXES: dict[Channel, str] = {
    Channel.CALL: "__CALL__: ",
    Channel.VIBER: "__VIBER__: ",
    Channel.SOCIAL: "__SOC__: ",
    Channel.EMAIL: "__MAIL__: ",
}
_WHOLE: dict[Channel, str] = {Channel.HLR: "__HLR__", Channel.PING: "__PING__"}


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


def send_params(channel: Channel | str, text: str) -> dict[str, str]:
    """send.php's message parameters (``mes`` and the channel's flags) for a composed text.

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
