"""ASGI middleware: body size limit, request language, security headers.

Each is plain ASGI, so it works for every route and costs a few attribute look-ups per request.
"""

from __future__ import annotations

import json
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from events import i18n

MAX_BODY_BYTES = 64 * 1024
LANGUAGE_COOKIE = "tsudoi_lang"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuse bodies over 64 KiB with 413, whether or not the client announced their length."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await _too_large(send)
            return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not response_started:
                await _too_large(send)


async def _too_large(send: Send) -> None:
    body = json.dumps(
        {"error": "too_large", "message": f"The request body is larger than {MAX_BODY_BYTES // 1024} KiB."}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class LanguageMiddleware:
    """Pick the request's language and remember a `?lang=` choice in a cookie."""

    def __init__(self, app: ASGIApp, secure_cookie: bool = False) -> None:
        self.app = app
        self.secure_cookie = secure_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [None])[-1]
        cookie_header = headers.get("cookie", "")
        remembered = None
        if LANGUAGE_COOKIE in cookie_header:
            cookie: SimpleCookie = SimpleCookie()
            try:
                cookie.load(cookie_header)
                remembered = cookie[LANGUAGE_COOKIE].value if LANGUAGE_COOKIE in cookie else None
            except Exception:
                remembered = None
        language = i18n.pick_language(query, remembered, headers.get("accept-language"))
        i18n.set_language(language)
        scope["language"] = language
        remember = query in i18n.LANGUAGES and query != remembered

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and remember:
                response_headers = MutableHeaders(scope=message)
                attributes = f"; Path=/; Max-Age={LANGUAGE_COOKIE_SECONDS}; SameSite=Lax"
                if self.secure_cookie:
                    attributes += "; Secure"
                response_headers.append("set-cookie", f"{LANGUAGE_COOKIE}={language}{attributes}")
            await send(message)

        await self.app(scope, receive, send_with_cookie)


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


class SecurityHeaders:
    """Headers every answer carries: a strict CSP (no inline scripts), no framing, no referrer leaks."""

    CSP = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )

    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("content-security-policy", self.CSP)
                headers.setdefault("x-content-type-options", "nosniff")
                headers.setdefault("x-frame-options", "DENY")
                headers.setdefault("referrer-policy", "same-origin")
                if self.hsts:
                    headers.setdefault("strict-transport-security", "max-age=31536000")
            await send(message)

        await self.app(scope, receive, send_with_headers)
