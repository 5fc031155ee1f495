"""One send request -> the messages to queue: validated, composed, encoded, rule-checked.

A request names a channel, its recipients and the channel's fields; ``Preparer.prepare``
returns one ``MessageSpec`` per recipient or raises ``InvalidInput`` (a translation key) and
queues nothing. Specs, not objects: a backlog of them costs the garbage collector nothing
(see ``message.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
import itertools
import re
import time
from typing import Any

from .channels import Channel, compose, normalize_recipients
from .encoding import DATA_CODING, Encoding, encode_text
from .errors import InvalidInput
from .message import MessageSpec, Priority, new_local_id
from .rules import Rules

# data_coding of a flash SMS (GSM 03.38 general data coding group): bit 4 says bits 1..0 hold
# the message class, class 0 (00) is shown at once and not stored. The provider reads the
# alphabet from bits 3..2 ("data_coding = coding * 4"): 0x10 GSM, 0x14 Latin-1, 0x18 UCS2.
FLASH_CLASS_0 = 0x10
_ALPHABET_BITS = 0x0C
_ENCODING_OF_CODING = {coding: encoding for encoding, coding in DATA_CODING.items()}

# SMPP 3.4's message_id is a C-octet string of at most 65 octets, its NUL included.
MAX_MESSAGE_ID_LENGTH = 64
_MESSAGE_ID = re.compile(rf"[!-~]{{1,{MAX_MESSAGE_ID_LENGTH}}}")


def normalize_message_id(raw: str) -> str:
    """The message id of a QUERY_SM: printable ASCII without spaces, 1 to 64 characters
    (a NUL or control character would end the field early and inject the PDU's others)."""
    message_id = raw.strip()
    if not message_id.isascii() or not _MESSAGE_ID.fullmatch(message_id):
        raise InvalidInput("invalid_message_id", max=MAX_MESSAGE_ID_LENGTH)
    return message_id


def encoding_of(data_coding: int) -> Encoding:
    """The alphabet of a spec's data_coding (the flash class bits aside)."""
    return _ENCODING_OF_CODING.get(data_coding & _ALPHABET_BITS, Encoding.GSM7)


@dataclass(slots=True)
class SendSettings:
    """What an account's settings change in the messages it sends."""

    iso: bool = False
    max_parts: int | None = None
    registered_delivery: bool = True
    receiver_only: bool = False  # bound as a receiver: nothing can be sent
    # the HTTP API is set up: an e-mail address too long for SMPP is taken (it goes over HTTP)
    email_over_http: bool = False


class Preparer:
    """Builds the specs of send requests for one account."""

    def __init__(self, settings: SendSettings, rules: Rules) -> None:
        """Keep the account's settings and the provider's rules (shared with the caller)."""
        self.settings = settings
        self.rules = rules
        # the concatenation reference of long messages, 1..255 in turn
        self._reference: Iterator[int] = itertools.cycle(range(1, 256))

    def prepare(
        self,
        channel: Channel,
        recipients: Iterable[str] | str,
        fields: Mapping[str, Any],
        *,
        priority: Priority = Priority.NORMAL,
        sender: str | None = None,
        flash: bool = False,
    ) -> list[MessageSpec]:
        """Validate and build the messages of one request; raises InvalidInput."""
        settings = self.settings
        if settings.receiver_only:
            raise InvalidInput("receiver_only")
        numbers = normalize_recipients(
            channel, recipients, email_over_http=settings.email_over_http
        )
        text = compose(channel, fields)
        encoded = encode_text(
            text,
            iso=settings.iso,
            reference=next(self._reference),
            max_parts=settings.max_parts,
        )
        self.rules.admit([(number, text) for number in numbers])
        now = time.time()
        parts = tuple(encoded.parts)
        registered = 1 if settings.registered_delivery or channel == Channel.HLR else 0
        coding = encoded.data_coding | (FLASH_CLASS_0 if flash else 0)
        name = str(channel)
        return [
            (
                new_local_id(),
                number,
                name,
                int(priority),
                sender,
                coding,
                encoded.esm_class,
                parts,
                registered,
                now,
            )
            for number in numbers
        ]
