"""Small helpers every route uses: reading a JSON body, the base URL, answering JSON."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from events import links
from events.errors import InvalidInput
from events.i18n import gettext as _
from events.settings import Settings
from events.text import encoded
from events.validation import refuse_unstorable

NO_STORE = {"Cache-Control": "no-store"}


async def read_json(request: Request) -> Any:
    """The body's JSON; 422 when it is not JSON, or when any text in it (a key too) holds what no
    text may hold, such as NUL or a lone surrogate written as `\\ud800` (`events.text`)."""
    body = await request.body()
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidInput({"body": _("Not valid JSON.")}, _("The request body is not valid JSON.")) from None
    if not body.isascii() or b"\\" in body:
        # Plain ASCII with no escape cannot hold such text (JSON refuses raw control characters in
        # its strings): the door's scans are not walked through.
        refuse_unstorable(data)
    return data


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def base_url(request: Request) -> str:
    """TSUDOI_BASE_URL when set, else the origin the request came to (worked out once, by `Edge`)."""
    return links.site_url()


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class JSONAnswer(JSONResponse):
    """Starlette's JSON answer, but text it cannot encode (a lone surrogate stored before the text
    rules refused it, or anything unforeseen) goes out as U+FFFD instead of failing the answer."""

    def render(self, content: Any) -> bytes:
        return encoded(json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")))


def json_response(data: Any, status_code: int = 200, *, private: bool = False) -> JSONResponse:
    return JSONAnswer(data, status_code=status_code, headers=NO_STORE if private else None)
