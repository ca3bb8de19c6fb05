"""ASGI middleware: what every answer gets (size limit, language, security headers), in one layer.

One layer rather than three: each layer wraps `send` once more, and the door's scans pay for every
wrapper on every answer.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from events import hosts, i18n, links, logs
from events.i18n import gettext as _
from events.settings import FALLBACK_ORIGIN

MAX_BODY_BYTES = 64 * 1024
#: The one request that carries a file, with its own limit: an organizer's spreadsheet of paper
#: registrations (500 rows of CSV are 50-100 KiB; an .xlsx with formatting, or 2,000 rows, a few MiB).
#: It is a staff page behind sign-in and CSRF, read once into memory, so 5 MiB risks nothing.
LARGER_BODIES = ((re.compile(r"/staff/events/[^/]+/import"), 5 * 1024 * 1024),)
LANGUAGE_COOKIE = "tsudoi_lang"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


#: Added to every answer that does not set its own (a page may loosen the CSP, say).
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]
STRICT_TRANSPORT = [(b"strict-transport-security", b"max-age=31536000")]
#: Answered whatever the request's host: a load balancer's health checks often use the bare address.
HOST_FREE_PATHS = frozenset({"/healthz", "/readyz"})
#: At most this many refused host names are named in the log (once each), so a flood cannot fill it.
HOSTS_LOGGED = 20

log = logging.getLogger("tsudoi.hosts")


#: The access log's status for a request whose client left before it was answered (nginx's).
CLIENT_CLOSED_REQUEST = 499


class BodyTooLarge(Exception):
    pass


def _remembered_language(cookie_header: str) -> str | None:
    if LANGUAGE_COOKIE not in cookie_header:
        return None
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(cookie_header)
    except Exception:
        return None
    return cookie[LANGUAGE_COOKIE].value if LANGUAGE_COOKIE in cookie else None


def _origin(scope: Scope, headers: Headers) -> str:
    """`scheme://host[:port]` as the request was addressed (what `request.base_url` would say)."""
    host = headers.get("host")
    if not host:
        server = scope.get("server")
        host = f"{server[0]}:{server[1]}" if server else "localhost"
    return f"{scope.get('scheme', 'http')}://{host}"


class Edge:
    """For every HTTP request:

    - refuse bodies over 64 KiB (`LARGER_BODIES` excepted) with 413, whether or not the client announced their length;
    - pick the language (`?lang=`, then the cookie, then Accept-Language) and remember a choice;
    - refuse a request addressed to a host name the operator did not give (`Settings.host_patterns`)
      with 400, and note where links point (`events.links`);
    - add the security headers: a strict CSP (no inline scripts), no framing, no referrer leaks;
    - write the access log line (`events.logs.access`); a client that left before its answer is
      logged as 499, not as the server's error.
    """

    def __init__(
        self,
        app: ASGIApp,
        /,
        secure: bool = False,
        max_bytes: int = MAX_BODY_BYTES,
        base_url: str | None = None,
        hosts: tuple[str, ...] | None = None,
        mail_url: str = FALLBACK_ORIGIN,
    ) -> None:
        self.app = app
        self.secure = secure
        self.base_url = base_url
        self.hosts = hosts
        self.mail_url = mail_url
        self.max_bytes = max_bytes
        self.security_headers = SECURITY_HEADERS + (STRICT_TRANSPORT if secure else [])
        self._hosts_logged: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        max_bytes = self._max_bytes(scope["path"])
        length = headers.get("content-length")
        if length is not None and (not length.isdecimal() or len(length) > 18 or int(length) > max_bytes):
            await _too_large(send, max_bytes)
            logs.access(scope, 413)
            return

        query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [None])[-1]
        remembered = _remembered_language(headers.get("cookie", ""))
        language = i18n.pick_language(query, remembered, headers.get("accept-language"))
        if scope["path"].startswith("/staff"):
            language = i18n.for_staff(language)
        i18n.set_language(language)
        scope["language"] = language
        if self.hosts is not None and scope["path"] not in HOST_FREE_PATHS:
            host = headers.get("host", "")
            if not hosts.permitted(host, self.hosts):
                self._log_refused(host)
                await _unknown_host(send)
                logs.access(scope, 400)
                return
        links.set_site_url(self.base_url or _origin(scope, headers))
        links.set_mail_url(self.mail_url)
        request_id = logs.new_request_id(headers.get("x-request-id"))
        logs.set_request_id(request_id)
        remember = query == language and query != remembered

        received = 0
        started = False
        status = 500  # what the server answers when the app raises before it answers

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise BodyTooLarge()
            return message

        async def edge_send(message: Message) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                headers = _with_edge_headers(message.get("headers", []), self.security_headers, request_id)
                if remember:
                    attributes = f"; Path=/; Max-Age={LANGUAGE_COOKIE_SECONDS}; SameSite=Lax"
                    if self.secure:
                        attributes += "; Secure"
                    headers.append((b"set-cookie", f"{LANGUAGE_COOKIE}={language}{attributes}".encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, limited_receive, edge_send)
        except BodyTooLarge:
            if not started:
                status = 413
                await _too_large(send, max_bytes)
        except ClientDisconnect:
            # The client went away before its body arrived: nobody to answer and nothing wrong here,
            # so no 500 and no traceback; logged as nginx does, 499 "client closed request".
            if not started:
                status = CLIENT_CLOSED_REQUEST
        finally:
            logs.access(scope, status)

    def _log_refused(self, host: str) -> None:
        """Name a refused host once, so an operator who forgot TSUDOI_BASE_URL finds out why."""
        if host in self._hosts_logged or len(self._hosts_logged) >= HOSTS_LOGGED:
            return
        self._hosts_logged.add(host)
        log.warning(
            "refused requests for the host %r: it is neither TSUDOI_BASE_URL's host nor in TSUDOI_ALLOWED_HOSTS "
            "(this server answers to: %s)",
            host[:100],
            ", ".join(self.hosts or ()),
        )

    def _max_bytes(self, path: str) -> int:
        for pattern, max_bytes in LARGER_BODIES:
            if pattern.fullmatch(path):
                return max(max_bytes, self.max_bytes)
        return self.max_bytes


def _with_edge_headers(
    headers: Iterable[tuple[bytes, bytes]], defaults: list[tuple[bytes, bytes]], request_id: str
) -> list[tuple[bytes, bytes]]:
    """The answer's headers, then each of `defaults` it does not set, then the request id (an
    answer's own is replaced). One pass over the headers: the door answers thousands of times a second."""
    kept = [(name, value) for name, value in headers if name.lower() != b"x-request-id"]
    present = {name.lower() for name, _value in kept}
    return [*kept, *(pair for pair in defaults if pair[0] not in present), (b"x-request-id", request_id.encode())]


async def _too_large(send: Send, max_bytes: int) -> None:
    await _error(send, 413, "too_large", f"The request body is larger than {max_bytes // 1024} KiB.")


async def _unknown_host(send: Send) -> None:
    await _error(send, 400, "unknown_host", _("This server does not answer to this address."))


async def _error(send: Send, status: int, code: str, message: str) -> None:
    """The contract's error shape, answered before the app (and its error handlers) is reached."""
    body = json.dumps({"error": code, "message": message}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class PagesOnly:
    """Run `middleware` for pages only; `/api/` requests skip it (the API keeps no cookie session)."""

    def __init__(self, app: ASGIApp, /, middleware: Any, **options: Any) -> None:
        self.plain = app
        self.wrapped = middleware(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            await self.plain(scope, receive, send)
        else:
            await self.wrapped(scope, receive, send)
