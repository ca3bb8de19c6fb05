"""Logging: the access log never shows a capability secret or a token."""

from __future__ import annotations

import logging
import re
from typing import Any

# Path segments after these prefixes are secrets (the participant's links).
_SECRET_PATH = re.compile(r"(/(?:manage|api/v1/registrations)/)[^/?\s\"]+")
_QUERY_SECRET = re.compile(r"((?:token|secret|scan|code)=)[^&\s\"]+", re.IGNORECASE)


def redact(text: str) -> str:
    return _QUERY_SECRET.sub(r"\1[redacted]", _SECRET_PATH.sub(r"\1[redacted]", text))


class RedactSecrets(logging.Filter):
    """Rewrites uvicorn's access-log arguments (client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def uvicorn_log_config() -> dict[str, Any]:
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {**LOGGING_CONFIG}
    config["filters"] = {"redact": {"()": "events.logs.RedactSecrets"}}
    config["handlers"] = {name: {**handler} for name, handler in LOGGING_CONFIG["handlers"].items()}
    config["handlers"]["access"]["filters"] = ["redact"]
    config["loggers"] = {**LOGGING_CONFIG["loggers"], "tsudoi": {"handlers": ["default"], "level": "INFO"}}
    return config
