"""Cross-site request forgery protection for every form: a per-session token, checked on POST.

Every form a route reads passes `check`, so it is also where a form's text is first looked at:
a field holding what no text may hold (NUL, a lone surrogate...) is refused there with 422, before
any route reads it, whatever the field is for.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.datastructures import FormData
from starlette.requests import Request

from events.errors import Forbidden
from events.i18n import gettext as _
from events.validation import refuse_unstorable

FIELD = "csrf_token"
_SESSION_KEY = "csrf"


def token(request: Request) -> str:
    if "session" not in request.scope:
        return ""
    value = request.session.get(_SESSION_KEY)
    if not value:
        value = secrets.token_urlsafe(24)
        request.session[_SESSION_KEY] = value
    return str(value)


def check(request: Request, form: FormData) -> None:
    expected = request.session.get(_SESSION_KEY) if "session" in request.scope else None
    sent = form.get(FIELD)
    if not expected or not isinstance(sent, str) or not sent.isascii() or not hmac.compare_digest(expected, sent):
        raise Forbidden(
            _("This form has expired or was sent from another site. Please reload the page and try again."),
            code="csrf_failed",
        )
    refuse_unstorable({name: form.getlist(name) for name in form}, depth=1, whole="form")
