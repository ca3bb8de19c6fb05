"""What a request's path and query may hold, checked before a route looks anything up.

Every path parameter names something the app made (an event's slug, a registration's code or
secret, a session's code, a receipt's number...). One without the shape of such a name names
nothing: 404, without asking the database, which is what answered before (a slug over 64
characters failed the ORM's length check, a NUL PostgreSQL's encoding: a 500 and a traceback for
anyone, no token needed). A query value holding what no text may hold (NUL...) is refused with
422, naming the parameter.
"""

from __future__ import annotations

import re

from starlette.requests import Request

from events.errors import NotFound
from events.i18n import gettext as _
from events.program.schemas import CODE as SESSION_CODE
from events.program.schemas import SLUG
from events.validation import refuse_unstorable

#: A registration's code (8 characters, in any case as typed) or a question's (up to 32).
_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")

#: The shape of every path parameter the routes use, by name (`route()` refuses a path with one not here).
SHAPES: dict[str, re.Pattern[str]] = {
    "slug": SLUG,
    "code": _CODE,
    "registration_code": _CODE,
    "session": SESSION_CODE,
    "session_code": SESSION_CODE,
    "secret": re.compile(r"[A-Za-z0-9_-]{1,64}"),
    "token": re.compile(r"[A-Za-z0-9_-]{1,100}(?:\.pdf)?"),  # a sign-in link's, or a kiosk label's
    "number": re.compile(r"[0-9]{1,9}(?:\.pdf)?"),  # a receipt's
    "ref": re.compile(r"[0-9]{1,9}-[0-9a-f]{1,64}"),  # a certificate's number and signature
    "batch": re.compile(r"[A-Za-z0-9_-]{1,64}"),  # an uploaded file waiting to be imported
    "name": re.compile(r"[A-Za-z0-9_.-]{1,64}"),  # a download's file name
    "id": re.compile(r"[0-9]{1,12}"),  # a staff account's
    "message_id": re.compile(r"[0-9]{1,12}"),  # an e-mail's (also an int by its convertor)
}


def not_found(name: str) -> NotFound:
    """The 404 for a path parameter that names nothing, saying what was looked for where it can."""
    if name == "slug":
        return NotFound(_("There is no such event."))
    if name == "secret":
        return NotFound(_("This link is not valid. It may have been replaced by a newer one."))
    return NotFound(_("Not found."))


def check_request(request: Request) -> None:
    """404 for a path parameter without its shape; 422 for a query holding unstorable text."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and SHAPES[name].fullmatch(value) is None:
            raise not_found(name)
    if request.scope.get("query_string"):
        query = request.query_params
        refuse_unstorable({name: query.getlist(name) for name in query}, depth=1, whole="query")
