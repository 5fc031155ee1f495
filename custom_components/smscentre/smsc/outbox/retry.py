"""Retry policy: what an SMSC's answer means for a part, and how soon a part goes again.

- 0x00 (ESME_ROK): the part is accepted (the outbox keeps its message id).
- Retried with backoff: 0x58 ESME_RTHROTTLED (the outbox's rate also slows down), 0x14
  ESME_RMSGQFUL, 0x08 ESME_RSYSERR, 0x64 ESME_RX_T_APPN, and a SUBMIT_SM without response in
  time. The delay grows exponentially from ``base`` to ``cap`` seconds with jitter (between
  half and all of ``base * 2 ** (attempts - 1)``), but is at most ``SAFE_RETRY_CAP`` (10 s)
  for a part of a long message (the provider wants all parts within one minute) and for a
  part whose earlier attempt is uncertain (so the resend falls within the provider's
  one-minute duplicate rule, see below).
- Any other status (e.g. 0x0B invalid destination, 0x45 submit failed): the message fails at
  once, with ``error_status`` and a short English ``error`` name (``status_name``).
- Never twice: an attempt that timed out or was cut by a lost link is *uncertain*: the SMSC
  may have accepted it. The provider refuses an identical request within one minute with
  0x45, so if the resend of an uncertain part is answered 0x45, the earlier attempt was
  accepted (``accepted_before``): the part counts as sent, with message id ``None``, and the
  message is flagged ``duplicate_suppressed``.
- A part that needed ``max_attempts`` SUBMIT_SMs without success fails the message with
  ``error = "too_many_attempts"``.
"""

from __future__ import annotations

from collections.abc import Callable
import random

from ..message import OutboundMessage

STATUS_OK = 0x00
STATUS_SUBMIT_FAILED = 0x45  # also the provider's answer to a duplicate within one minute
STATUS_THROTTLED = 0x58

# Retried with backoff.
RETRYABLE: dict[int, str] = {
    0x08: "system_error",  # ESME_RSYSERR
    0x14: "message_queue_full",  # ESME_RMSGQFUL
    0x58: "throttled",  # ESME_RTHROTTLED
    0x64: "temporary_application_error",  # ESME_RX_T_APPN
}

# Permanent: the message fails at once.
STATUS_NAMES: dict[int, str] = {
    0x01: "invalid_message_length",  # ESME_RINVMSGLEN
    0x02: "invalid_command_length",  # ESME_RINVCMDLEN
    0x03: "invalid_command_id",  # ESME_RINVCMDID
    0x04: "incorrect_bind_status",  # ESME_RINVBNDSTS
    0x05: "already_bound",  # ESME_RALYBND
    0x06: "invalid_priority_flag",  # ESME_RINVPRTFLG
    0x07: "invalid_registered_delivery",  # ESME_RINVREGDLVFLG
    0x0A: "invalid_source_address",  # ESME_RINVSRCADR
    0x0B: "invalid_destination_address",  # ESME_RINVDSTADR
    0x0C: "invalid_message_id",  # ESME_RINVMSGID
    0x0D: "bind_failed",  # ESME_RBINDFAIL
    0x0E: "invalid_password",  # ESME_RINVPASWD
    0x0F: "invalid_system_id",  # ESME_RINVSYSID
    0x15: "invalid_service_type",  # ESME_RINVSERTYP
    0x33: "invalid_number_of_destinations",  # ESME_RINVNUMDESTS
    0x40: "invalid_destination_flag",  # ESME_RINVDESTFLAG
    0x43: "invalid_esm_class",  # ESME_RINVESMCLASS
    0x45: "submit_failed",  # ESME_RSUBMITFAIL
    0x48: "invalid_source_ton",  # ESME_RINVSRCTON
    0x49: "invalid_source_npi",  # ESME_RINVSRCNPI
    0x50: "invalid_destination_ton",  # ESME_RINVDSTTON
    0x51: "invalid_destination_npi",  # ESME_RINVDSTNPI
    0x53: "invalid_system_type",  # ESME_RINVSYSTYP
    0x55: "invalid_number_of_messages",  # ESME_RINVNUMMSGS
    0x61: "invalid_scheduled_time",  # ESME_RINVSCHED
    0x62: "invalid_validity_period",  # ESME_RINVEXPIRY
    0x63: "predefined_message_not_found",  # ESME_RINVDFTMSGID
    0x65: "permanent_application_error",  # ESME_RX_P_APPN
    0x66: "rejected_by_application",  # ESME_RX_R_APPN
    0xC0: "invalid_optional_parameters",  # ESME_RINVOPTPARSTREAM
    0xC1: "optional_parameter_not_allowed",  # ESME_ROPTPARNOTALLWD
    0xC2: "invalid_parameter_length",  # ESME_RINVPARLEN
    0xC3: "missing_optional_parameter",  # ESME_RMISSINGOPTPARAM
    0xC4: "invalid_optional_parameter_value",  # ESME_RINVOPTPARAMVAL
    0xFE: "delivery_failure",  # ESME_RDELIVERYFAILURE
    0xFF: "unknown_error",  # ESME_RUNKNOWNERR
}
ERROR_TIMEOUT = "timeout"
ERROR_TOO_MANY_ATTEMPTS = "too_many_attempts"

SAFE_RETRY_CAP = 10.0  # s; long messages and uncertain parts (the provider's one-minute rules)


def status_name(status: int) -> str:
    """Return a short English name of an SMPP command_status."""
    return RETRYABLE.get(status) or STATUS_NAMES.get(status) or f"status_0x{status:08X}"


def accepted_before(status: int, uncertain: int) -> bool:
    """Whether a refusal means an earlier attempt went: 0x45 to the resend of an uncertain part."""
    return status == STATUS_SUBMIT_FAILED and bool(uncertain)


class RetryPolicy:
    """How many attempts a part gets, and how long it waits before the next one."""

    __slots__ = ("base", "cap", "jitter", "max_attempts")

    def __init__(
        self,
        *,
        max_attempts: int = 10,
        base: float = 1.0,
        cap: float = 60.0,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        """``jitter`` returns a number in [0, 1)."""
        if not 1 <= max_attempts <= 255:
            raise ValueError("max_attempts must be 1..255")  # counted in a bytearray
        self.max_attempts = max_attempts
        self.base = base
        self.cap = cap
        self.jitter = jitter

    def gives_up(self, message: OutboundMessage, index: int) -> bool:
        """Whether a part has had every attempt it gets."""
        return message.part_attempts[index] >= self.max_attempts

    def delay(self, message: OutboundMessage, index: int) -> float:
        """Seconds until the next attempt of a part, jitter included."""
        delay: float = min(self.cap, self.base * 2 ** (message.part_attempts[index] - 1))
        if message.uncertain[index] or len(message.parts) > 1:
            delay = min(delay, SAFE_RETRY_CAP)
        return delay * (0.5 + 0.5 * self.jitter())
