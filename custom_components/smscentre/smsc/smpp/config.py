"""What one SMPP link needs to bind and keep going: accounts, servers, timings."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InvalidInput

MAX_SYSTEM_TYPE = 12  # SMPP 3.4: 13 octets with the terminating NUL


@dataclass(frozen=True, slots=True)
class LinkConfig:
    """Everything needed to bind and keep a link."""

    username: str
    password: str = field(repr=False)
    host: str = ""
    port: int = 0
    ssl: bool = False
    verify_ssl: bool = True
    bind_mode: str = "transceiver"
    system_type: str = ""
    backup_host: str | None = None
    backup_port: int | None = None
    enquire_link_interval: float = 30.0
    response_timeout: float = 10.0
    connect_timeout: float = 10.0
    source: str | None = None
    connections: int = 1
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    failover_after: int = 3
    failback_interval: float = 300.0

    def endpoints(self) -> list[Endpoint]:
        """Primary first, then the backup server if there is one."""
        result = [Endpoint(self.host, self.port, primary=True)]
        if self.backup_host and (
            self.backup_host != self.host or (self.backup_port or self.port) != self.port
        ):
            result.append(Endpoint(self.backup_host, self.backup_port or self.port, False))
        return result


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One SMPP server."""

    host: str
    port: int
    primary: bool = True

    def __str__(self) -> str:
        """host:port."""
        return f"{self.host}:{self.port}"


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
