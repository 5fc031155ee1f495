"""What the HTTP API observed: the requests, the statuses it POSTed, the messages sent through
it (by id and recipient), and the counters."""

from __future__ import annotations

from dataclasses import dataclass, field

from smscsim.model import MessageRecord


@dataclass(slots=True)
class HttpRequest:
    """One request to the HTTP API as received (the password left out)."""

    method: str
    path: str
    peer: str
    login: str
    params: dict[str, str]  # every parameter but psw, decoded with the request's charset
    password_in_query: bool  # psw was in the URL (not only in a POST body)
    content_type: str
    error: int | None = None  # the error code answered (None: success, or no answer)
    http_status: int = 200
    at: float = 0.0  # time.time()


@dataclass(slots=True)
class Callback:
    """One status POSTed (or tried) to the configured handler URL."""

    url: str
    fields: dict[str, str]
    statuses: list[int | str] = field(default_factory=list)  # HTTP status or error per try

    @property
    def delivered(self) -> bool:
        return bool(self.statuses) and self.statuses[-1] in (200, 404)


class HttpRecords:
    """The HTTP API's observations, trimmed with the simulator's ``history``."""

    def __init__(self) -> None:
        self.requests: list[HttpRequest] = []
        self.callbacks: list[Callback] = []
        self.sent_count = 0  # messages accepted here (one per recipient)
        self.request_count = 0
        self._sent: dict[tuple[str, str], MessageRecord] = {}  # (id, phone)

    def request(self, request: HttpRequest) -> None:
        self.requests.append(request)
        self.request_count += 1

    def sent(self, record: MessageRecord) -> None:
        """A message accepted for one recipient."""
        self._sent[record.message_id, record.destination] = record
        self.sent_count += 1

    def record(self, message_id: str, phone: str) -> MessageRecord | None:
        """The record of a message sent here, by its id and recipient."""
        return self._sent.get((message_id, phone))

    def of(self, message_id: str, phone: str | None = None) -> list[MessageRecord]:
        """The records of a message id (every recipient's, or one's)."""
        return [
            record
            for (record_id, record_phone), record in list(self._sent.items())
            if record_id == message_id and phone in (None, record_phone)
        ]

    def reset(self) -> None:
        self.requests.clear()
        self.callbacks.clear()
        self._sent.clear()
        self.sent_count = self.request_count = 0

    def forget_old(self, keep: int, limit: int) -> None:
        """Trim with the simulator's ``history`` (``MessageStore.forget_old``)."""
        if len(self.requests) >= limit:
            del self.requests[: len(self.requests) - keep]
        if len(self.callbacks) >= limit:
            del self.callbacks[: len(self.callbacks) - keep]
        if len(self._sent) >= limit:
            self._sent = dict(list(self._sent.items())[len(self._sent) - keep :])
