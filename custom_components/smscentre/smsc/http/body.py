"""The bodies the provider's HTTP handler posts: form fields (URL-encoded or multipart),
JSON (``fmt=3``) or XML (``fmt=2``), in the charset its ``charset`` parameter names."""

from __future__ import annotations

from email.parser import BytesParser
import email.policy
import json
import re
from typing import Any, Final
from urllib.parse import parse_qsl
from xml.parsers import expat

from ..text import clean_text

DEFAULT_CHARSET: Final = "windows-1251"
# charset query values the provider documents (plus spellings seen in the wild) -> Python codec
CHARSETS: Final[dict[str, str]] = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "windows-1251": "cp1251",
    "cp1251": "cp1251",
    "koi8-r": "koi8_r",
    "koi8r": "koi8_r",
}
_XML_DECLARED_ENCODING = re.compile(
    rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']?([^"'\s?>]*)""", re.IGNORECASE
)
# Encodings an XML declaration may name: the provider's charsets and what expat reads itself
# without Python's codecs (any other name, utf-7, rot13, x-nope..., is a bad request: no
# codec chosen by the sender is ever run on its bytes).
XML_ENCODINGS: Final = frozenset({*CHARSETS, "us-ascii", "ascii", "iso-8859-1", "latin1"})


class BadRequest(ValueError):
    """The body cannot be read or lacks what its kind needs."""


def codec_for(charset: str | None) -> str:
    """Python codec of the provider's `charset` parameter (windows-1251 when absent/unknown)."""
    if not charset:
        return CHARSETS[DEFAULT_CHARSET]
    return CHARSETS.get(charset.strip().lower(), CHARSETS[DEFAULT_CHARSET])


def _scalar(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _parse_json(text: str) -> list[dict[str, str]]:
    try:
        data = json.loads(text)
    except ValueError as err:
        raise BadRequest("invalid JSON") from err
    items = data if isinstance(data, list) else [data]
    result = []
    for item in items:
        if not isinstance(item, dict):
            raise BadRequest("JSON body is not an object")
        fields = {str(k): v for k, v in ((k, _scalar(v)) for k, v in item.items()) if v is not None}
        result.append(fields)
    return result


def _forbid(*_args: Any) -> None:
    raise BadRequest("XML with a DTD or entities is not accepted")


def _declared_encoding(body: bytes) -> str | None:
    """The encoding an XML declaration names (lower case), or None without one."""
    if (match := _XML_DECLARED_ENCODING.match(body)) is None:
        return None
    return match.group(1).decode("ascii", "replace").lower()


def parse_xml(body: bytes | str) -> dict[str, str]:
    """Leaf elements (tag -> text) and attributes of an XML body; first occurrence wins.

    The provider's fmt=2 layout is not published, so any shape of flat records is read. A DTD
    is refused outright: no entity can be declared, so no entity expansion (billion laughs,
    external entities) is possible.
    """
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid  # type: ignore[assignment]  # raises instead
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    fields: dict[str, str] = {}
    stack: list[tuple[str, list[str], list[bool]]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if stack:
            stack[-1][2][0] = True
        for key, value in attrs.items():
            fields.setdefault(key, value)
        stack.append((name, [], [False]))

    def end(_name: str) -> None:
        name, text, has_children = stack.pop()
        if not has_children[0]:
            fields.setdefault(name, "".join(text).strip())

    def chars(data: str) -> None:
        if stack:
            stack[-1][1].append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(body, True)
    except expat.ExpatError as err:
        raise BadRequest(f"invalid XML: {err}") from err
    except (LookupError, ValueError) as err:  # an encoding expat cannot read
        raise BadRequest("XML in an encoding that is not accepted") from err
    return fields


def parse_multipart(body: bytes, content_type: str, codec: str) -> dict[str, str]:
    """The fields of a multipart/form-data body (``content_type``: the whole header, with its
    boundary); values decoded per charset; the first of a repeated field wins."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode("ascii", "replace")
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise BadRequest("multipart body without a boundary")
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        value = payload.decode(codec, errors="replace") if isinstance(payload, bytes) else ""
        fields.setdefault(name, value)
    return fields


def parse_body(
    body: bytes, *, content_type: str, fmt: str | None, charset: str | None
) -> list[dict[str, str]]:
    """The requests' fields: JSON (fmt=3), XML (fmt=2) or form fields (URL-encoded or
    multipart), decoded per charset. ``content_type``: the whole header.

    Raises only ``BadRequest``, whatever the body holds (a parser's own error, a recursion
    limit, an odd encoding), so that every unreadable body is answered 400 before anything
    else. Names and values are cleaned of lone surrogates (``text.clean_text``).
    """
    try:
        items = _parse(body, content_type=content_type, fmt=fmt, charset=charset)
    except BadRequest:
        raise
    except Exception as err:  # anyone can post: nothing else may escape
        raise BadRequest(f"unreadable body ({type(err).__name__})") from err
    return [{clean_text(k): clean_text(v) for k, v in fields.items()} for fields in items]


def _parse(
    body: bytes, *, content_type: str, fmt: str | None, charset: str | None
) -> list[dict[str, str]]:
    codec = codec_for(charset)
    lowered = content_type.lower()
    if lowered.startswith("multipart/form-data"):
        return [parse_multipart(body, content_type, codec)]  # the boundary is case-sensitive
    stripped = body.lstrip()
    if fmt == "3" or "json" in lowered or stripped[:1] in (b"{", b"["):
        text = body.decode(codec, errors="replace").lstrip("\ufeff")
        return _parse_json(text)
    if fmt == "2" or "xml" in lowered or stripped[:1] == b"<":
        if (declared := _declared_encoding(body)) is not None:
            if declared not in XML_ENCODINGS:
                raise BadRequest("XML in an encoding that is not accepted")
            return [parse_xml(body)]  # the declaration names the encoding of the bytes
        return [parse_xml(body.decode(codec, errors="replace").lstrip("\ufeff"))]
    text = body.decode(codec, errors="replace")
    fields: dict[str, str] = {}
    for key, value in parse_qsl(text, keep_blank_values=True, encoding=codec, errors="replace"):
        fields.setdefault(key, value)
    return [fields]
