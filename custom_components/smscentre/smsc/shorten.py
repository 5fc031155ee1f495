"""An answer made to fit in a given number of SMS parts.

An agent's answer (above all an LLM's) can be long, and every part is paid for: it is cut at
a word boundary to the longest text that, with an ellipsis, still fits. Which alphabet the
text needs decides how much fits (160 / 153 GSM characters a part, 70 / 67 in UCS2), so the
cut is found with the encoder's own count, not a character estimate.
"""

from __future__ import annotations

import re

from .encoding import Encoding, choose_encoding, count_parts

# Control characters but the line feed, and lone surrogates: what an SMS cannot carry
_UNFIT = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\ud800-\udfff]")
_SPACES = re.compile(r"[ \t]{2,}")
_ELLIPSIS_UCS2 = "…"
_ELLIPSIS_GSM = "..."
# A word boundary further back than this share of the cut is not worth the loss
_WORD_BACKTRACK = 0.8


def sms_text(text: str) -> str:
    """The text with what an SMS cannot carry replaced by spaces, runs of spaces made one."""
    return _SPACES.sub(" ", _UNFIT.sub(" ", text)).strip()


def _parts(text: str, iso: bool) -> int:
    return count_parts(text, iso=iso)[1]


def _with_ellipsis(head: str, iso: bool) -> str:
    """The head with an ellipsis that does not change its alphabet."""
    head = head.rstrip(" \n,;:-")
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
    head = text[:low]
    if low < len(text) and not text[low].isspace():
        space = max(head.rfind(" "), head.rfind("\n"))
        if space >= low * _WORD_BACKTRACK:
            head = head[:space]
    return _with_ellipsis(head, iso)
