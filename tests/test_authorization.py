"""Who may call what: every route of the app is listed here with the answer each caller gets.

A route added without an entry fails `test_every_route_is_in_the_matrix`, so no route can slip in
without someone deciding who may use it.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from events.staff.models import Role
from tests.factories import event_data, staff_token

ANONYMOUS, DOOR, ORGANIZER = "anonymous", "door", "organizer"

# (method, path) -> expected status for anonymous, door, organizer.
# "{secret}" is a real registration's secret; staff pages answer 303 (to sign-in) without a session.
MATRIX: dict[tuple[str, str], tuple[int, int, int]] = {
    ("GET", "/healthz"): (200, 200, 200),
    ("GET", "/readyz"): (200, 200, 200),
    ("GET", "/api/v1/openapi.json"): (200, 200, 200),
    ("GET", "/api/v1/events"): (200, 200, 200),
    ("POST", "/api/v1/events"): (401, 403, 422),
    ("GET", "/api/v1/events/{slug}"): (200, 200, 200),
    ("PATCH", "/api/v1/events/{slug}"): (401, 403, 200),
    ("GET", "/api/v1/events/{slug}/registrations"): (401, 200, 200),
    ("POST", "/api/v1/events/{slug}/registrations"): (422, 422, 422),
    ("GET", "/api/v1/registrations/{secret}"): (200, 200, 200),
    ("POST", "/api/v1/registrations/{secret}/cancel"): (200, 200, 200),
    ("GET", "/api/v1/registrations/{secret}/badge.pdf"): (200, 200, 200),
    ("GET", "/api/v1/events/{slug}/badges.pdf"): (401, 403, 200),
    ("POST", "/api/v1/events/{slug}/registrations/{code}/replace-secret"): (401, 403, 200),
    ("POST", "/api/v1/events/{slug}/checkins"): (401, 422, 422),
    ("GET", "/api/v1/events/{slug}/attendance"): (401, 200, 200),
    ("GET", "/api/v1/events/{slug}/attendance.csv"): (401, 403, 200),
    ("GET", "/api/v1/events/{slug}/attendance.xlsx"): (401, 403, 200),
    ("GET", "/api/v1/events/{slug}/participants.csv"): (401, 403, 200),
    ("GET", "/api/v1/events/{slug}/participants.xlsx"): (401, 403, 200),
    ("GET", "/api/v1/events/{slug}/report.pdf"): (401, 403, 200),
    ("DELETE", "/api/v1/events/{slug}/checkins/{registration_code}/{session_code}"): (401, 404, 404),
    ("GET", "/api/v1/registrations/{secret}/calendar.ics"): (200, 200, 200),
    ("POST", "/api/v1/tokens"): (422, 422, 422),
    ("DELETE", "/api/v1/tokens/current"): (401, 204, 204),
    ("GET", "/"): (200, 200, 200),
    ("GET", "/events/{slug}"): (200, 200, 200),
    ("POST", "/events/{slug}"): (403, 403, 403),
    ("GET", "/events/{slug}/calendar.ics"): (200, 200, 200),
    ("GET", "/manage/{secret}"): (200, 200, 200),
    ("GET", "/manage/{secret}/cancel"): (200, 200, 200),
    ("POST", "/manage/{secret}/cancel"): (403, 403, 403),
    ("GET", "/manage/{secret}/erase"): (200, 200, 200),
    ("POST", "/manage/{secret}/erase"): (403, 403, 403),
    ("GET", "/erased"): (200, 200, 200),
    ("GET", "/staff/login"): (200, 200, 200),
    ("POST", "/staff/login"): (403, 403, 403),
    ("POST", "/staff/logout"): (403, 403, 403),
    ("GET", "/staff/"): (303, 303, 303),
    ("GET", "/staff/events/{slug}"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/registrations/{code}"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/registrations/{code}"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/registrations/{code}/seats/{session}"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/registrations/{code}/cancel"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/registrations/{code}/restore"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/registrations/{code}/replace-secret"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/badges"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/badges.pdf"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/replace-secret"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/scan"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/scan"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/scan/search"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/scan/guest"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/scan/undo"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/live"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/sessions/{session}/sign-in-sheet.pdf"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/sessions/{session}/paper"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/sessions/{session}/paper"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/walk-in"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/walk-in"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/attendance.json"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/report"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/downloads/{name}"): (303, 303, 303),
    ("GET", "/staff/reports"): (303, 303, 303),
    ("GET", "/staff/reports/events.csv"): (303, 303, 303),
    ("GET", "/staff/events/new"): (303, 303, 303),
    ("POST", "/staff/events/new"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/edit"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/edit"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/publish"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/close"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/copy"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/copy"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/sessions/new"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/sessions/new"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/sessions/{session}/edit"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/sessions/{session}/edit"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/sessions/{session}/move"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/sessions/{session}/remove"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/sessions/{session}/remove"): (303, 303, 303),
    ("GET", "/staff/accounts"): (303, 303, 303),
    ("GET", "/staff/accounts/new"): (303, 303, 303),
    ("POST", "/staff/accounts/new"): (303, 303, 303),
    ("GET", "/staff/accounts/{id}/remove"): (303, 303, 303),
    ("POST", "/staff/accounts/{id}/remove"): (303, 303, 303),
    ("GET", "/staff/accounts/{id}/password"): (303, 303, 303),
    ("POST", "/staff/accounts/{id}/password"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/questions"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/questions/new"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/questions/new"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/questions/{code}/edit"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/questions/{code}/edit"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/questions/{code}/move"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/questions/{code}/remove"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/questions/{code}/remove"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/import"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/import"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/import/{batch}"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/import/{batch}/confirm"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/import/{batch}/skipped.csv"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/mail"): (303, 303, 303),
    ("GET", "/staff/audit"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/registrations/{code}/data.json"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/registrations/{code}/erase"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/mail/{message_id:int}/resend"): (303, 303, 303),
}


def _routes(app: Starlette) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()

    def walk(routes: list[Any], prefix: str = "") -> None:
        for route in routes:
            if isinstance(route, Route):
                for method in route.methods or ():
                    if method != "HEAD":
                        found.add((method, prefix + route.path))
            elif isinstance(route, Mount) and route.name != "static":
                walk(route.routes, prefix + route.path)

    walk(app.routes)
    return found


async def test_every_route_is_in_the_matrix(app: Starlette) -> None:
    missing = _routes(app) - set(MATRIX)
    stale = set(MATRIX) - _routes(app)

    assert not missing, f"routes with no decision on who may call them: {sorted(missing)}"
    assert not stale, f"the matrix lists routes that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
async def test_each_caller_gets_the_expected_answer(client: httpx.AsyncClient, method: str, path: str) -> None:
    organizer = await staff_token(Role.ORGANIZER)
    await client.post("/api/v1/events", json=event_data(), headers={"Authorization": f"Bearer {organizer}"})
    callers = {
        ANONYMOUS: {},
        DOOR: {"Authorization": f"Bearer {await staff_token(Role.DOOR)}"},
        ORGANIZER: {"Authorization": f"Bearer {organizer}"},
    }
    answers = []
    for caller, expected in zip((ANONYMOUS, DOOR, ORGANIZER), MATRIX[(method, path)], strict=True):
        registered = await client.post(
            "/api/v1/events/workshop/registrations",
            json={"name": "A", "email": f"{caller}-{len(answers)}@example.org", "sessions": ["day1"]},
            headers=callers[ORGANIZER],
        )
        secret = registered.json()["links"]["api"].rsplit("/", 1)[1]
        url = (
            path.replace("{slug}", "workshop")
            .replace("{secret}", secret)
            .replace("{code}", registered.json()["code"])
            .replace("{registration_code}", registered.json()["code"])
            .replace("{session_code}", "day1")
            .replace("{session}", "day1")
            .replace("{message_id:int}", "1")
        )
        body = {"title": "Renamed"} if method == "PATCH" else {}
        response = await client.request(method, url, json=body, headers=callers[caller])
        answers.append((caller, response.status_code, expected))

    wrong = [(caller, got, expected) for caller, got, expected in answers if got != expected]
    assert not wrong, f"{method} {path}: (caller, got, expected) {wrong}"
