"""Logging: a request id on every line, JSON when asked, and never a secret, a name or an address.

The access log never shows a capability secret or a token (paths and queries are redacted), and
the client's address is cut to its network (`203.0.113.7` → `203.0.0.0/16`): enough to see a
flood from one place, not enough to name a participant. `TSUDOI_LOG_FORMAT=json` writes one JSON
object a line for a log collector; the default is uvicorn's plain text.

An error is logged by its kind and where it was raised, never by its message (`without_values`): a
database's message quotes the row it refused (PostgreSQL's `DETAIL: Failing row contains (…)`,
`invalid input syntax …: "…"`), Tortoise's and pydantic's quote the value they refused, so a
message may hold a participant's name or address.

The access log is written by the app's edge (`events.web.middleware.Edge`), not by uvicorn, in
uvicorn's format: the edge knows what uvicorn cannot, that a door scan the door answered is
already a row of the scan log (with its device, result and time), so its line would only repeat it
at the cost of the door's busiest moments (a formatted, written line was a seventh of a scan's
time). Refused scan requests (a bad token, a malformed body) and errors are still logged.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import logging
import re
import secrets
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.types import Scope
from uvicorn.protocols.utils import get_client_addr, get_path_with_query_string

#: A path's separator, plain or percent-encoded (a path carried in a query, as the sign-in page's `next=`).
_SLASH = r"(?:/|%2F)"
#: One path segment, plain or percent-encoded.
_SEGMENT = r"(?:[^/?&\s\"%]|%(?!2F))+"
# The segment after each of these prefixes is a capability: a participant's page and its API (with
# the receipts and certificate under them), a device's one-time sign-in link, a certificate's number
# and signature, a kiosk label's token. A registration code in a staff path is not one.
_SECRET_PATH = re.compile(
    rf"""(
        {_SLASH}(?:
            manage
          | api{_SLASH}v1{_SLASH}registrations
          | staff{_SLASH}link
          | certificates{_SLASH}{_SEGMENT}
          | kiosk{_SLASH}label{_SLASH}{_SEGMENT}
        ){_SLASH}
    ){_SEGMENT}""",
    re.IGNORECASE | re.VERBOSE,
)
# Query values that are secrets, or a name or address someone searched for (`q`).
_QUERY_SECRET = re.compile(r"((?:token|secret|scan|code|(?<=[?&])(?:q|email|name))=)[^&\s\"]+", re.IGNORECASE)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

_request_id: ContextVar[str] = ContextVar("tsudoi_request_id", default="-")
#: A fresh request id is this process's random prefix and its count of requests: unique across
#: workers and restarts like a random one, without asking the kernel for randomness each time.
_REQUEST_PREFIX = secrets.token_hex(4)
_request_numbers = itertools.count(1)

#: The access log's logger; uvicorn's own ("uvicorn.access") is left without handlers, which turns it off.
ACCESS_LOGGER = "tsudoi.access"
access_log = logging.getLogger(ACCESS_LOGGER)
#: Set in a request's scope when its answer is already recorded in the scan log.
IN_SCAN_LOG = "tsudoi.in_scan_log"


def redact(text: str) -> str:
    return _QUERY_SECRET.sub(r"\1[redacted]", _SECRET_PATH.sub(r"\1[redacted]", text))


def network_of(client: str) -> str:
    """`203.0.113.7:51234` → `203.0.0.0/16`; an IPv6 address to its /32; anything else unchanged."""
    if client.startswith("[") and "]" in client:
        host = client[1 : client.index("]")]  # [IPv6]:port
    else:
        host = client.rsplit(":", 1)[0] if client.count(":") == 1 else client
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return client
    prefix = 16 if address.version == 4 else 32
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def new_request_id(offered: str | None) -> str:
    """The id a proxy sent (`X-Request-ID`) when it is a sane token, else a fresh one."""
    if offered and _REQUEST_ID.match(offered):
        return offered
    return f"{_REQUEST_PREFIX}{next(_request_numbers) & 0xFFFFFFFF:08x}"


def recorded_in_scan_log(scope: Scope) -> None:
    """This request's answer is a row of the scan log: the access log need not repeat it."""
    scope[IN_SCAN_LOG] = True


def access(scope: Scope, status: int) -> None:
    """One access-log line for an answered request, as uvicorn writes it (and `RedactSecrets` rewrites it)."""
    if scope.get(IN_SCAN_LOG) or not access_log.isEnabledFor(logging.INFO):
        return
    access_log.info(
        '%s - "%s %s HTTP/%s" %d',
        get_client_addr(scope),  # type: ignore[arg-type]
        scope["method"],
        get_path_with_query_string(scope),  # type: ignore[arg-type]
        scope["http_version"],
        status,
    )


def kind(error: BaseException) -> str:
    """`tortoise.exceptions.OperationalError`: what went wrong, without the values it went wrong with."""
    cls = type(error)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def without_values(error: BaseException) -> str:
    """A traceback as Python prints it, each exception of the chain by its kind only: where it was
    raised (files, lines, functions, their source lines), never its message nor a local value."""
    chain: list[tuple[BaseException, str]] = []
    current: BaseException | None = error
    link = ""
    while current is not None and all(current is not seen for seen, _link in chain):
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, "The above exception was the direct cause of the following exception:"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, "During handling of the above exception, another exception occurred:"
        else:
            current = None
    lines: list[str] = []
    after = ""
    for exception, link in reversed(chain):
        if after:
            lines.append(f"\n{after}\n\n")
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_list(traceback.extract_tb(exception.__traceback__)))
        lines.append(f"{kind(exception)} (its message left out)\n")
        after = link
    return "".join(lines).rstrip("\n")


def log_error(logger: logging.Logger, error: BaseException, message: str, *args: object) -> None:
    """`logger.exception(message, *args)` for `error`, without its values (`without_values`)."""
    logger.error(f"{message}\n%s", *args, without_values(error))


def set_request_id(value: str) -> None:
    _request_id.set(value)


def request_id() -> str:
    return _request_id.get()


class RedactSecrets(logging.Filter):
    """Rewrites uvicorn's access-log arguments (client, method, path, version, status), tags
    every record with the request id, and writes a record's traceback without values."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            # Another library's traceback (uvicorn's "Exception in ASGI application"): no values either.
            record.exc_text = without_values(record.exc_info[1])
        if isinstance(record.args, tuple):
            arguments = [redact(arg) if isinstance(arg, str) else arg for arg in record.args]
            if record.name == ACCESS_LOGGER and arguments and isinstance(arguments[0], str):
                arguments[0] = network_of(arguments[0])
            record.args = tuple(arguments)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, request id, message (and the access fields)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.name == ACCESS_LOGGER and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, _version, status = record.args
            entry.update(client=client, method=method, path=path, status=status)
        if record.exc_info:
            entry["error"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def uvicorn_log_config(form: str = "text", access: bool = True) -> dict[str, Any]:
    """uvicorn's logging, redacted, with the access log written by the app (`access`: at all)."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {**LOGGING_CONFIG}
    config["filters"] = {"redact": {"()": "events.logs.RedactSecrets"}}
    config["handlers"] = {name: {**handler} for name, handler in LOGGING_CONFIG["handlers"].items()}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    if form == "json":
        config["formatters"] = {"json": {"()": "events.logs.JsonLines"}}
        for handler in config["handlers"].values():
            handler["formatter"] = "json"
    config["loggers"] = {
        **LOGGING_CONFIG["loggers"],
        "uvicorn.access": {"handlers": [], "level": "INFO", "propagate": False},
        ACCESS_LOGGER: {"handlers": ["access"], "level": "INFO" if access else "WARNING", "propagate": False},
        "tsudoi": {"handlers": ["default"], "level": "INFO"},
    }
    return config
