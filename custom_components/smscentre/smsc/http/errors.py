"""Errors of the HTTP API client; each key is a translation key under ``exceptions``.

The provider's numeric code is kept in ``code`` (and the ``code`` placeholder); the
specific classes are the answers the integration acts on (a password to fix, money to add,
an address blocked for a while, a number to correct, a duplicate that means "already sent").
"""

from __future__ import annotations

from ..errors import InvalidInput, SmscError

# error_code of the provider's answers with a class of their own
CODE_AUTH = 2
CODE_NO_MONEY = 3
CODE_BLOCKED = 4
CODE_INVALID_NUMBER = 7
CODE_DUPLICATE = 9
# codes that refuse the message itself: sent again unchanged, it would be refused again
MESSAGE_FAULTS = frozenset({1, 5, 6, 7, 8})


class ApiError(SmscError):
    """The HTTP API refused a request (``api_error`` with the provider's code and text)."""

    def __init__(
        self,
        code: int | str,
        error: str = "",
        *,
        key: str = "api_error",
        message_id: str | None = None,
    ) -> None:
        """Keep the provider's code, its text and the message id it named, if any."""
        super().__init__(key, code=code, error=error or "-")
        self.code = code
        self.message_id = message_id

    @property
    def message_fault(self) -> bool:
        """The message itself was refused (bad number, forbidden text...): do not retry it."""
        return self.code in MESSAGE_FAULTS

    @property
    def maybe_sent(self) -> bool:
        """The request may have been carried out: an error answer says it was not."""
        return False


class ApiAuthFailed(ApiError):
    """Wrong login or password, or this address is not allowed (code 2)."""


class ApiNoMoney(ApiError):
    """Insufficient funds (code 3)."""


class ApiBlocked(ApiError):
    """This address is blocked for a while after frequent errors (code 4)."""


class ApiInvalidNumber(ApiError):
    """A recipient's number is not valid for the provider (code 7)."""


class ApiDuplicate(ApiError):
    """The same request was accepted within the last minute (code 9): already sent, or too
    many requests."""


class ApiCannotConnect(ApiError):
    """No answer: refused, timed out, or the server is unavailable (HTTP 5xx)."""

    def __init__(self, error: str, *, maybe_sent: bool = True) -> None:
        """``error`` says what happened (never the request); ``maybe_sent`` is False only
        when the request cannot have reached the server (no connection was made)."""
        super().__init__("-", error, key="api_cannot_connect")
        self._maybe_sent = maybe_sent

    @property
    def maybe_sent(self) -> bool:
        """Whether the request may have been carried out."""
        return self._maybe_sent


class ApiUnexpectedAnswer(ApiError):
    """An answer that is not the API's (a proxy's page, a truncated body...)."""

    def __init__(self, error: str) -> None:
        """``error`` describes the answer (HTTP status, content type), never its body."""
        super().__init__("-", error, key="api_unexpected_answer")

    @property
    def maybe_sent(self) -> bool:
        """Something answered that is not the API: it cannot say what became of a request."""
        return True


class HttpChannelUnsupported(InvalidInput):
    """The HTTP API cannot carry this channel: it waits for SMPP."""

    def __init__(self, channel: str, channels: str) -> None:
        """Name the channel and those that HTTP carries."""
        super().__init__("http_channel_unsupported", channel=channel, channels=channels)
        self.channel = channel


_BY_CODE: dict[int, tuple[type[ApiError], str]] = {
    CODE_AUTH: (ApiAuthFailed, "invalid_api_auth"),
    CODE_NO_MONEY: (ApiNoMoney, "api_no_money"),
    CODE_BLOCKED: (ApiBlocked, "api_ip_blocked"),
    CODE_INVALID_NUMBER: (ApiInvalidNumber, "api_invalid_number"),
    CODE_DUPLICATE: (ApiDuplicate, "api_duplicate"),
}


def error_for(code: int, error: str = "", message_id: str | None = None) -> ApiError:
    """The exception for an error answer."""
    cls, key = _BY_CODE.get(code, (ApiError, "api_error"))
    return cls(code, error, key=key, message_id=message_id)
