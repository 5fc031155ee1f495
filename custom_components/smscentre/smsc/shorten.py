"""Text made to fit: an answer in a given number of SMS parts, a text in N characters.

An agent's answer (above all an LLM's) can be long, and every part is paid for: it is cut at
a word boundary to the longest text that, with an ellipsis, still fits. Which alphabet the
text needs decides how much fits (160 / 153 GSM characters a part, 70 / 67 in UCS2), so the
cut is found with the encoder's own count, not a character estimate. ``cut`` does the same
for a count of characters (a sensor's state, a log line).
"""

from __future__ import annotations

import re
import unicodedata

from .encoding import Encoding, choose_encoding, count_parts

# Control characters but the line feed, and lone surrogates: what an SMS cannot carry
_UNFIT = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\ud800-\udfff]")
_SPACES = re.compile(r"[ \t]{2,}")
_ELLIPSIS_UCS2 = "…"
_ELLIPSIS_GSM = "..."
# A word boundary further back than this share of the cut is not worth the loss
_WORD_BACKTRACK = 0.8
_TRAILING = " \t\r\n,;:-"
# What belongs to the character before it: cutting in front of one splits what is seen as one
_JOINERS = frozenset("\u200d\ufe0e\ufe0f")


def sms_text(text: str) -> str:
    """The text with what an SMS cannot carry replaced by spaces, runs of spaces made one."""
    return _SPACES.sub(" ", _UNFIT.sub(" ", text)).strip()


def _parts(text: str, iso: bool) -> int:
    return count_parts(text, iso=iso)[1]


def _head(text: str, end: int) -> str:
    """``text[:end]``, ended after a word when one ends near, without trailing punctuation."""
    head = text[:end]
    if end < len(text) and not text[end].isspace():
        space = max(head.rfind(" "), head.rfind("\n"))
        if space >= end * _WORD_BACKTRACK:
            head = head[:space]
    return head.rstrip(_TRAILING)


def _joined(text: str, index: int) -> bool:
    """Whether ``text[index]`` is drawn together with the character before it."""
    char = text[index]
    return (
        char in _JOINERS
        or text[index - 1] == "\u200d"
        or unicodedata.category(char) in ("Mn", "Me")
    )


def _with_ellipsis(head: str, iso: bool) -> str:
    """The head with an ellipsis that does not change its alphabet."""
    head = head.rstrip(_TRAILING)
    unicode = choose_encoding(head, iso=iso) is Encoding.UCS2 if head else False
    return head + (_ELLIPSIS_UCS2 if unicode else _ELLIPSIS_GSM)


def shorten(text: str, max_parts: int, *, iso: bool = False) -> str:
    """``text`` (made fit for SMS) if it fits ``max_parts`` parts, else its longest start that
    does, cut after a word when one is near, with an ellipsis. Empty text stays empty."""
    text = sms_text(text)
    if not text or _parts(text, iso) <= max_parts:
        return text
    # the longest prefix whose shortened form fits (the count grows with the length)
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if _parts(_with_ellipsis(text[:middle], iso), iso) <= max_parts:
            low = middle
        else:
            high = middle - 1
    return _with_ellipsis(_head(text, low), iso)


def cut(text: str, limit: int) -> str:
    """``text`` if it has at most ``limit`` characters, else its start with "…" in ``limit``
    characters at most: cut after a word when one ends near, never inside a letter with its
    accents or an emoji sequence."""
    if len(text) <= limit:
        return text
    end = limit - 1
    while end > 0 and _joined(text, end):
        end -= 1
    return _head(text, end) + _ELLIPSIS_UCS2
