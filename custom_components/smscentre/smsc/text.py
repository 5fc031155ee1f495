"""Text that can be saved: lone surrogates replaced wherever outside text comes in.

Python strings may hold lone surrogates (a JSON escape ``"\\ud800"``, half of a pair): they
cannot be encoded as UTF-8, so an event or state holding one makes Home Assistant's state
saving and the recorder fail. Every input path replaces them with U+FFFD.
"""

from __future__ import annotations

import re
from typing import Any

REPLACEMENT = "\ufffd"
_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (unchanged, and fast, otherwise)."""
    if text.isascii():
        return text
    return _SURROGATES.sub(REPLACEMENT, text)


def clean_data(value: Any) -> Any:
    """Every string in a structure of dicts, lists and tuples cleaned (keys too)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_data(k): clean_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(clean_data(v) for v in value)
    return value
