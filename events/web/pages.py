"""Rendering a page: the shared template environment, with what every page needs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from events import i18n
from events.templating import build_environment
from events.text import encoded
from events.web import csrf


class Pages:
    """Renders a template with what every page needs: the request, its language, a CSRF token."""

    def __init__(self) -> None:
        self.environment = build_environment()

    def render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any] | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        page = self.environment.get_template(name)
        values = {
            "request": request,
            "lang": i18n.current_language(),
            "csrf_token": csrf.token(request),
            "staff": request.scope.get("staff_account"),
            "languages": i18n.STAFF_LANGUAGES if request.url.path.startswith("/staff") else i18n.LANGUAGES,
            **(context or {}),
        }
        # `encoded`: a character no page can hold (a lone surrogate kept in an old answer) shows as U+FFFD
        # instead of failing the page, so the organizer can still see, export and erase that person.
        return HTMLResponse(encoded(page.render(values)), status_code=status_code, headers=headers)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render a page with the app's `Pages`."""
    pages: Pages = request.app.state.pages
    return pages.render(request, name, context, status_code, headers)
