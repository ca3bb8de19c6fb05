"""The access log never carries a capability secret."""

from __future__ import annotations

import logging

from events.logs import RedactSecrets, redact


def test_secrets_in_paths_are_redacted() -> None:
    assert redact("/manage/AbCdEfGhIjKlMnOpQrStUvWxYz012345?registered=1") == "/manage/[redacted]?registered=1"
    assert redact("/api/v1/registrations/AbCdEf_-123/cancel") == "/api/v1/registrations/[redacted]/cancel"
    assert redact("/events/workshop") == "/events/workshop"


def test_the_access_log_record_is_rewritten() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/manage/SECRETSECRETSECRETSECRET", "1.1", 200),
        None,
    )

    RedactSecrets().filter(record)

    assert "SECRET" not in record.getMessage() and "/manage/[redacted]" in record.getMessage()
