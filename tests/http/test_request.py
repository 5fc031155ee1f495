"""A queued message's parts back to its text, and that text as send.php parameters."""

from __future__ import annotations

import pytest

from custom_components.smscentre.smsc.channels import Channel, compose
from custom_components.smscentre.smsc.encoding import encode_text
from custom_components.smscentre.smsc.http.request import (
    client_id_for,
    message_text,
    send_params,
)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("short", False),
        ("€ costs two septets; " * 20, False),  # GSM 03.38 with escapes, several parts
        ("Привет, мир! " * 20, False),  # UCS2, several parts
        ("Grüße aus Köln " * 15, True),  # ISO-8859-1 (data_coding 4)
        ("emoji 😀 " * 20, False),  # surrogate pairs across parts
        (compose(Channel.CALL, {"message": "Fire", "voice": "m", "param": "20,10,3"}), False),
    ],
)
def test_parts_back_to_text(text: str, iso: bool) -> None:
    encoded = encode_text(text, iso=iso, reference=7)
    assert message_text(encoded.parts, encoded.data_coding, encoded.esm_class) == text


def test_flash_goes_with_sms_only() -> None:
    assert send_params(Channel.SMS, "x", flash=True) == {"mes": "x", "flash": "1"}
    assert send_params(Channel.SMS, "x") == {"mes": "x"}
    assert send_params(Channel.VIBER, "__VIBER__: x", flash=True) == {"viber": "1", "mes": "x"}


def test_client_id_is_stable_and_in_range() -> None:
    """The same local id gives the same id on every attempt (after a restart too)."""
    ids = {client_id_for(f"{i:032x}") for i in range(2000)}
    assert len(ids) == 2000  # no two of these alike
    assert all(1 <= i <= 2**31 - 1 for i in ids)
    assert client_id_for("abc") == client_id_for("abc") == 1699462925
