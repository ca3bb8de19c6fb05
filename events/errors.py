"""Errors the services raise, each with the machine code the HTTP contract answers with.

    DomainError
    ├── InvalidInput          422 invalid (with a message per field)
    ├── NotFound              404 not_found
    ├── Conflict              409 <code>: registration_closed, already_registered, ...
    ├── Unauthenticated       401 unauthenticated
    ├── Forbidden             403 forbidden
    ├── TooLarge              413 too_large
    ├── RateLimited           429 rate_limited
    └── ServiceUnavailable    503 busy

Routes never build error bodies themselves: `events.web.errors` turns these into the contract's
JSON shape on `/api/` and into a page elsewhere.
"""

from __future__ import annotations

from events.i18n import gettext as _


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidInput(DomainError):
    status_code = 422
    code = "invalid"

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        super().__init__(message or _("Some fields are not valid: %(fields)s.") % {"fields": ", ".join(sorted(fields))})
        self.fields = fields


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class Unauthenticated(DomainError):
    status_code = 401
    code = "unauthenticated"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class TooLarge(DomainError):
    status_code = 413
    code = "too_large"


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        """What every answer that refuses carries, a page's as the API's: when to try again."""
        return {"Retry-After": str(self.retry_after)}


class ServiceUnavailable(DomainError):
    status_code = 503
    code = "busy"
