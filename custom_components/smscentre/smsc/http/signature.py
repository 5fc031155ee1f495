"""The provider's signatures of HTTP handler requests, and what makes two requests the same.

With a secret set, the provider sends the configured ``md5``/``sha1``/``crc32`` parameter
holding the hash of ``id:phone:status:<secret>`` (status), ``phone:mes:to:<secret>``
(incoming) or ``phone:ts:<secret>`` (call confirmation).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import hashlib
import hmac
from typing import Final
import zlib

from .callback import Kind

HASH_KINDS: Final = ("md5", "sha1", "crc32")
DEFAULT_HASH: Final = "md5"

_SIGNED_FIELDS: Final[dict[Kind, tuple[str, ...]]] = {
    "status": ("id", "phone", "status"),
    "incoming": ("phone", "mes", "to"),
    "call": ("phone", "ts"),
}
# What makes two unsigned requests the same event (a retry), per kind: with no secret nothing
# is signed and anyone who knows the address can post anything new anyway, so the key only has
# to recognise the provider's retries, and keeps its ids so that two real events alike in
# their signed fields (the same text sent twice) stay two.
_UNSIGNED_KEY_FIELDS: Final[dict[Kind, tuple[str, ...]]] = {
    "status": ("id", "phone", "status", "err", "ts", "time", "type", "imsi"),
    "incoming": ("id", "sms_id", "phone", "mes", "to", "sent", "time"),
    "call": ("phone", "ts"),
}


def signed_string(kind: Kind, fields: Mapping[str, str], secret: str) -> str:
    """`id:phone:status:<secret>`, `phone:mes:to:<secret>` or `phone:ts:<secret>`."""
    return ":".join([*(fields.get(name, "") for name in _SIGNED_FIELDS[kind]), secret])


def _digests(hash_kind: str, data: bytes) -> list[str]:
    if hash_kind == "md5":
        return [hashlib.md5(data, usedforsecurity=False).hexdigest()]
    if hash_kind == "sha1":
        return [hashlib.sha1(data, usedforsecurity=False).hexdigest()]
    # crc32: PHP's crc32() prints an unsigned (64-bit PHP) or signed (32-bit PHP) decimal,
    # hash("crc32b") prints 8 hex digits: the provider's choice is not documented.
    value = zlib.crc32(data)
    signed = value - (1 << 32) if value >= 1 << 31 else value
    return [str(value), str(signed), f"{value:08x}"]


def verify_signature(
    kind: Kind,
    fields: Mapping[str, str],
    candidates: Iterable[str],
    *,
    secret: str,
    hash_kind: str,
    codec: str,
) -> bool:
    """True when one of the received values is the hash of the signed string (constant time).

    The string is hashed as bytes in the request's charset and, failing that, in UTF-8.
    """
    text = signed_string(kind, fields, secret)
    expected: list[str] = []
    for encoding in dict.fromkeys((codec, "utf-8")):
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            continue
        expected.extend(_digests(hash_kind, data))
    ok = False
    for received in candidates:
        value = received.strip().lower().encode("ascii", "replace")
        for digest in expected:
            # no early exit: the time taken does not tell which part matched
            ok |= hmac.compare_digest(value, digest.encode("ascii"))
    return ok


def request_key(kind: Kind, fields: Mapping[str, str], *, signed: bool) -> str:
    """Fingerprint of a request (no phone number or text in clear): same event -> same key.

    ``signed`` (a secret is set): the signed fields only, so a signed request re-posted with
    any unsigned field changed (``ts``, ``err``, ``id``...) is the same request and fires
    nothing new. The cost: two real events alike in their signed fields within the keys'
    lifetime are one (the same text from the same number to the same number; docs/SECURITY.md).
    """
    names = _SIGNED_FIELDS[kind] if signed else _UNSIGNED_KEY_FIELDS[kind]
    values = [kind, *(fields.get(name, "") for name in names)]
    data = "\x1f".join(values).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()
