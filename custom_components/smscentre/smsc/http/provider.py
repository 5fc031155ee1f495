"""What the HTTP client knows of the provider's HTTP API, and where each fact comes from.

One table (``FACTS``): every value the client relies on, with its source and how sure it is.
The seed pages (SPEC.md §4-5 and the raw page 004 shipped with the project's provider notes)
are the provider's own documentation; the official client libraries (``smsc_api.py`` 2.0 and
``smsc_api.php`` 3.8, 2019, published on the provider's site and copied into many public
repositories) show what the provider's own code sends; public clients and their recorded
answers are third-party code that worked against the real service; "assumed" marks a cautious
choice where nothing public says. Correct a value here and only here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from types import MappingProxyType

from ..channels import Channel
from .callback import STATUS_CODES


class Source(StrEnum):
    """Where a fact comes from, from the surest to the least sure."""

    SEED = "provider documentation (seed pages)"
    OFFICIAL_LIBRARY = "provider's official client libraries"
    PUBLIC_CLIENTS = "public client code and its recorded answers"
    ASSUMED = "assumed (nothing public says)"


@dataclass(frozen=True, slots=True)
class Fact[T]:
    """One value, its source and what is known about its limits."""

    value: T
    source: Source
    note: str = ""


@dataclass(frozen=True, slots=True)
class ChannelRoute:
    """How send.php carries one of the integration's channels.

    ``flags`` are added as they are; the text's parts (message, voice, param, subject) go in
    ``mes``/``voice``/``param``/``subj`` (see ``request.send_params``).
    """

    flags: Mapping[str, str]
    source: Source
    note: str = ""


def _frozen[K, V](items: dict[K, V]) -> Mapping[K, V]:
    return MappingProxyType(items)


@dataclass(frozen=True, slots=True)
class ProviderFacts:
    """The table. Every field is a ``Fact``; ``rows()`` lists them for docs and tests."""

    default_url: Fact[str] = Fact(
        "https://smscentre.com",
        Source.SEED,
        "smsc.ru serves the same API; INTERFACE.md names smscentre.com",
    )
    mirrors: Fact[tuple[str, ...]] = Fact(
        ("www1", "www2", "www3", "www4", "www5"),
        Source.OFFICIAL_LIBRARY,
        "hosts tried in turn when the API's own gives no answer (<mirror>.<domain>)",
    )
    mirror_domains: Fact[tuple[str, ...]] = Fact(
        ("smscentre.com", "smsc.ru"),
        Source.OFFICIAL_LIBRARY,
        "the provider's domains that have the mirrors; another host (a proxy) has none",
    )
    path: Fact[str] = Fact("/sys/{name}.php", Source.SEED, "balance, send, status")
    credentials: Fact[tuple[str, str]] = Fact(
        ("login", "psw"),
        Source.SEED,
        "an API key may replace both (apikey); not used here",
    )
    method: Fact[str] = Fact(
        "POST",
        Source.SEED,
        "GET or POST are both accepted; POST keeps the password out of URLs and logs",
    )
    answer_format: Fact[str] = Fact(
        "3",
        Source.SEED,
        'fmt=3: JSON; errors {"error": text, "error_code": N} (+ "id" when one was given)',
    )
    charset: Fact[str] = Fact(
        "utf-8", Source.OFFICIAL_LIBRARY, "the provider's default is windows-1251: always sent"
    )
    balance_currency: Fact[str] = Fact(
        "cur",
        Source.SEED,
        'cur=1 adds "currency" to {"balance": "84.75"}; amounts are decimal strings',
    )
    cost_only: Fact[str] = Fact(
        "1", Source.OFFICIAL_LIBRARY, 'cost=1: {"cost": "1.2", "cnt": n}, nothing is sent'
    )
    cost_and_balance: Fact[str] = Fact(
        "3",
        Source.OFFICIAL_LIBRARY,
        'cost=3: sends and answers {"id", "cnt", "cost", "balance"}',
    )
    flash: Fact[str] = Fact(
        "flash", Source.OFFICIAL_LIBRARY, "flash=1: an SMS shown at once (message class 0)"
    )
    count_meaning: Fact[str] = Fact(
        "parts x recipients",
        Source.SEED,
        "cnt: SMS parts times recipients; for a voice call, seconds",
    )
    client_id: Fact[tuple[int, int]] = Fact(
        (1, 2**31 - 1),
        Source.ASSUMED,
        "send.php takes the client's id and answers with it (seed page 004); the official "
        "libraries pass a number; kept to positive 32-bit numbers",
    )
    duplicate_window: Fact[float] = Fact(
        60.0,
        Source.SEED,
        "one identical send a minute; error 9 otherwise (also 5+ identical cost requests a "
        "minute, or 15+ simultaneous requests)",
    )
    max_text: Fact[int] = Fact(1000, Source.PUBLIC_CLIENTS, "characters of mes")
    backup_hosts: Fact[str] = Fact(
        "www2",
        Source.SEED,
        "a backup server; the official libraries retry on www1..www5 after an empty answer. "
        "Not used: the base URL is the user's",
    )
    errors: Fact[Mapping[int, str]] = Fact(
        _frozen(
            {
                1: "parameter error",
                2: "wrong login or password, or the address not allowed",
                3: "insufficient funds",
                4: "address temporarily blocked after frequent errors",
                5: "bad date format",
                6: "message forbidden (text or sender name)",
                7: "bad phone number format",
                8: "cannot be delivered to that number",
                9: "too many requests, or a duplicate within a minute",
            }
        ),
        Source.SEED,
        "texts seen in answers: 2 'authorise error', 3 'no money', 7 'invalid number', "
        "9 'duplicate request, wait a minute' (public clients)",
    )
    statuses: Fact[Mapping[int, tuple[str, str]]] = Fact(
        _frozen(STATUS_CODES),
        Source.SEED,
        "-3 not found, -2 stopped, -1 waiting, 0 passed to the operator, 1 delivered, 2 read, "
        "3 expired, 4 link clicked, 20 impossible to deliver, 22 wrong number, 23 prohibited, "
        "24 insufficient funds, 25 unavailable number (wider docs); mapped onto report types "
        'in callback.py. status.php fmt=3: {"status", "last_date", "last_timestamp", "err"}',
    )
    channels: Fact[Mapping[Channel, ChannelRoute | None]] = Fact(
        _frozen(
            {
                Channel.SMS: ChannelRoute(
                    {}, Source.OFFICIAL_LIBRARY, "comment after \\n~~~\\n as over SMPP"
                ),
                Channel.CALL: ChannelRoute(
                    {"call": "1"},
                    Source.OFFICIAL_LIBRARY,
                    "voice and param (public clients): param is 'wait,interval,tries'",
                ),
                Channel.VIBER: ChannelRoute({"viber": "1"}, Source.OFFICIAL_LIBRARY),
                Channel.SOCIAL: ChannelRoute({"soc": "1"}, Source.OFFICIAL_LIBRARY),
                Channel.EMAIL: ChannelRoute(
                    {"mail": "1"},
                    Source.OFFICIAL_LIBRARY,
                    "subj (public clients); the provider wants a sender address for e-mail",
                ),
                Channel.HLR: ChannelRoute({"hlr": "1"}, Source.OFFICIAL_LIBRARY, "empty mes"),
                Channel.PING: ChannelRoute({"ping": "1"}, Source.OFFICIAL_LIBRARY, "empty mes"),
                # The provider documents Telegram codes and chat bots over HTTP, but no public
                # material read for this client shows their parameters: they wait for SMPP.
                Channel.TELEGRAM_CODE: None,
                Channel.BOT: None,
            }
        ),
        Source.OFFICIAL_LIBRARY,
        "flags of send.php; None: the channel is not carried over HTTP",
    )
    callback_hash: Fact[str] = Fact(
        "id:phone:status:<secret>",
        Source.SEED,
        "md5/sha1/crc32 of statuses POSTed to the account's handler URL",
    )

    def rows(self) -> list[tuple[str, Fact[object]]]:
        """(name, fact) of every fact, in table order."""
        found = []
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, Fact):
                found.append((item.name, value))
        return found


FACTS = ProviderFacts()


def route(channel: Channel) -> ChannelRoute | None:
    """How send.php carries a channel; None when it does not."""
    return FACTS.channels.value.get(channel)


def http_channels() -> tuple[Channel, ...]:
    """The channels the HTTP API carries."""
    return tuple(c for c, r in FACTS.channels.value.items() if r is not None)
