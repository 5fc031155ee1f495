"""aiosmpplib's log calls reach Python logging without PDUs, messages or secrets."""

from __future__ import annotations

from collections.abc import Iterator
import logging

import pytest

from custom_components.smscentre.smsc.redact import (
    AIOSMPPLIB_LOGGER,
    REDACTED,
    SafeStructuredLogger,
    SecretFilter,
    loggers_under,
    redact_text,
)

SECRET = "s3cr3t"


@pytest.fixture
def aiosmpplib_debug() -> Iterator[logging.Logger]:
    """The aiosmpplib logger at DEBUG for one test."""
    level = AIOSMPPLIB_LOGGER.level
    AIOSMPPLIB_LOGGER.setLevel(logging.DEBUG)
    yield AIOSMPPLIB_LOGGER
    AIOSMPPLIB_LOGGER.setLevel(level)


def test_only_safe_fields_are_forwarded(
    aiosmpplib_debug: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "aiosmpplib")
    log = SafeStructuredLogger("esme", [SECRET], "primary")
    log.debug(
        "Sending %s",
        "bind",
        pdu=b"\x00test\x00" + SECRET.encode(),
        smpp_message=f"BindTransceiver(password={SECRET})",
        smpp_command="bind_transceiver",
        sequence_num=7,
    )
    log.warning(f"Bind refused for {SECRET}")
    [sent, refused] = caplog.records
    assert sent.levelno == logging.DEBUG
    assert sent.getMessage() == (
        "[primary] Sending bind {'smpp_command': 'bind_transceiver', 'sequence_num': 7}"
    )
    assert refused.getMessage() == f"[primary] Bind refused for {REDACTED}"
    assert SECRET not in caplog.text


def test_a_link_drop_is_not_an_error(
    aiosmpplib_debug: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    """aiosmpplib's ERROR for an ordinary drop goes to DEBUG (the link reports drops once)."""
    caplog.set_level(logging.DEBUG, "aiosmpplib")
    log = SafeStructuredLogger("esme", [], "primary")
    log.error("SMPP message could not be sent", exc_info=False)
    log.error("Something else broke")
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.DEBUG, "[primary] SMPP message could not be sent"),
        (logging.ERROR, "[primary] Something else broke"),
    ]
    AIOSMPPLIB_LOGGER.setLevel(logging.INFO)  # then the downgraded one is not logged at all
    caplog.clear()
    log.error("SMPP message could not be sent")
    assert caplog.records == []
    assert log.isEnabledFor(logging.INFO)
    assert not log.isEnabledFor(logging.DEBUG)


def test_secret_filter_and_redact_text(caplog: pytest.LogCaptureFixture) -> None:
    assert redact_text(f"a {SECRET} b {SECRET}", [SECRET, "", "ab"]) == f"a {REDACTED} b {REDACTED}"
    assert redact_text("ab is too short to mask", ["ab"]) == "ab is too short to mask"
    logger = logging.getLogger("tests.redact.filter")
    secret_filter = SecretFilter([SECRET, ""])
    logger.addFilter(secret_filter)
    try:
        with caplog.at_level(logging.INFO, "tests.redact.filter"):
            logger.info("password %s", SECRET)
            logger.info("nothing to hide %s", 42)
    finally:
        logger.removeFilter(secret_filter)
    assert [r.getMessage() for r in caplog.records] == [
        f"password {REDACTED}",
        "nothing to hide 42",
    ]


def test_loggers_under_finds_a_package_and_its_modules() -> None:
    for name in ("tests.redact.pkg", "tests.redact.pkg.a", "tests.redact.pkg.a.b"):
        logging.getLogger(name)
    logging.getLogger("tests.redact.pkgother")
    names = [logger.name for logger in loggers_under("tests.redact.pkg")]
    assert names == ["tests.redact.pkg", "tests.redact.pkg.a", "tests.redact.pkg.a.b"]
    assert [logger.name for logger in loggers_under("tests.redact.none")] == ["tests.redact.none"]
