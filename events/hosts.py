"""Which host names a request may be addressed to: Django's ALLOWED_HOSTS, in one small place.

A request's `Host` is whatever the client typed or forged. The app never puts it in an e-mail
(`Settings.mail_origin`), and refuses a request addressed to a name the operator did not give
(`Settings.host_patterns`), so no page or redirect is built from a forged name either. Starlette's
TrustedHostMiddleware does the same check, but as one more layer on every door scan and with an
English plain-text answer; the check here runs in the `Edge` middleware and answers in the
contract's shape and the reader's language.
"""

from __future__ import annotations


def split_host(authority: str) -> tuple[str, str]:
    """`Example.org:8000` → ("example.org", "8000"); `[::1]:8000` → ("::1", "8000"); no port → ""."""
    if authority.startswith("["):
        host, _sep, rest = authority[1:].partition("]")
        return host.lower(), rest.removeprefix(":")
    if authority.count(":") == 1:
        host, _sep, port = authority.partition(":")
        return host.lower(), port
    return authority.lower(), ""


def permitted(authority: str, patterns: tuple[str, ...]) -> bool:
    """Whether a `Host` header names one of `patterns` (exact names, or `*.example.org` for its subdomains)."""
    host = split_host(authority)[0].rstrip(".")
    return any(host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:])) for pattern in patterns)
