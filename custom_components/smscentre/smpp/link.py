"""The SMPP link: a supervisor around aiosmpplib's ESME."""

from __future__ import annotations

from dataclasses import dataclass
import ssl

from .errors import InvalidInput

MAX_SYSTEM_TYPE = 12  # SMPP 3.4: 13 octets with the terminating NUL


@dataclass(frozen=True, slots=True)
class LinkConfig:
    """Everything needed to bind."""

    username: str
    password: str
    host: str
    port: int
    ssl: bool = False
    verify_ssl: bool = True
    bind_mode: str = "transceiver"
    system_type: str = ""
    backup_host: str | None = None
    backup_port: int | None = None
    enquire_link_interval: float = 30.0
    response_timeout: float = 10.0
    connect_timeout: float = 10.0


def build_system_type(*, iso: bool = False, single: bool = False, connections: int = 1) -> str:
    """Return the provider's system_type flags, e.g. ``ISO,SINGLE`` or ``MCON3``."""
    flags = []
    if iso:
        flags.append("ISO")
    if single:
        flags.append("SINGLE")
    if connections > 1:
        flags.append(f"MCON{connections}")
    value = ",".join(flags)
    if len(value) > MAX_SYSTEM_TYPE:
        raise InvalidInput("system_type_too_long", value=value, max=MAX_SYSTEM_TYPE)
    return value


async def probe_bind(
    config: LinkConfig, *, ssl_context: ssl.SSLContext | None, timeout: float = 10.0
) -> None:
    """Bind once, unbind and close.

    Raises CannotConnect, TlsError, AuthFailed or BindRefused.
    """
    raise NotImplementedError
