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
from tests.conftest import csrf_token
from tests.factories import event_data, staff_token
from tests.test_accounts import ACCOUNT_PAGES

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
    ("GET", "/api/v1/registrations/{secret}/certificate.pdf"): (404, 404, 404),
    ("GET", "/manage/{secret}/certificate.pdf"): (404, 404, 404),
    ("GET", "/certificates/{slug}/{ref}"): (404, 404, 404),
    ("GET", "/staff/events/{slug}/certificates"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/certificates"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/certificates.pdf"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/certificates/send"): (303, 303, 303),
    ("GET", "/api/v1/events/{slug}/badges.pdf"): (401, 403, 200),
    ("POST", "/api/v1/events/{slug}/registrations/{code}/replace-secret"): (401, 403, 200),
    ("POST", "/api/v1/events/{slug}/checkins"): (401, 422, 422),
    ("POST", "/api/v1/events/{slug}/checkouts"): (401, 422, 422),
    ("GET", "/api/v1/events/{slug}/attendance"): (401, 200, 200),
    ("GET", "/api/v1/events/{slug}/money"): (401, 403, 200),
    ("GET", "/api/v1/events/{slug}/attendance.csv"): (401, 403, 200),
    ("GET", "/api/v1/events/{slug}/attendance.xlsx"): (401, 403, 200),
    ("GET", "/api/v1/events/{slug}/participants.csv"): (401, 403, 200),
    ("GET", "/api/v1/events/{slug}/participants.xlsx"): (401, 403, 200),
    ("GET", "/api/v1/events/{slug}/payments.csv"): (401, 403, 200),
    ("GET", "/api/v1/events/{slug}/payments.xlsx"): (401, 403, 200),
    ("GET", "/api/v1/events/{slug}/report.pdf"): (401, 403, 200),
    ("GET", "/api/v1/events/{slug}/registrations/{code}/payments"): (401, 403, 200),
    ("POST", "/api/v1/events/{slug}/registrations/{code}/payments"): (401, 403, 422),
    ("GET", "/api/v1/events/{slug}/registrations/{code}/receipts"): (401, 403, 200),
    ("GET", "/api/v1/events/{slug}/registrations/{code}/receipts/{number}"): (401, 403, 404),
    ("DELETE", "/api/v1/events/{slug}/checkins/{registration_code}/{session_code}"): (401, 404, 404),
    ("GET", "/api/v1/registrations/{secret}/calendar.ics"): (200, 200, 200),
    ("GET", "/api/v1/registrations/{secret}/receipts"): (200, 200, 200),
    ("GET", "/api/v1/registrations/{secret}/receipts/{number}"): (404, 404, 404),
    ("POST", "/api/v1/tokens"): (422, 422, 422),
    ("DELETE", "/api/v1/tokens/current"): (401, 204, 204),
    ("GET", "/"): (200, 200, 200),
    ("GET", "/events/{slug}"): (200, 200, 200),
    ("POST", "/events/{slug}"): (403, 403, 403),
    ("GET", "/events/{slug}/calendar.ics"): (200, 200, 200),
    ("POST", "/events/{slug}/link"): (403, 403, 403),
    ("GET", "/manage/{secret}"): (200, 200, 200),
    ("GET", "/manage/{secret}/cancel"): (200, 200, 200),
    ("POST", "/manage/{secret}/sessions"): (403, 403, 403),
    ("POST", "/manage/{secret}/addressee"): (403, 403, 403),
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
    ("POST", "/staff/events/{slug}/registrations/{code}/payments"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/transfers"): (303, 303, 303),
    ("GET", "/staff/members"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/fees"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/fees"): (303, 303, 303),
    ("POST", "/staff/members"): (303, 303, 303),
    ("POST", "/staff/members/erase"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/registrations/{code}/membership"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/cash"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/transfers"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/registrations/{code}/receipts/{number}"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/desk/{code}"): (303, 303, 303),
    ("POST", "/staff/accounts/{id}/link"): (303, 303, 303),
    ("GET", "/staff/link/{token}"): (410, 410, 410),
    ("POST", "/staff/link/{token}"): (403, 403, 403),
    ("POST", "/staff/events/{slug}/registrations/{code}/restore"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/registrations/{code}/replace-secret"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/badges"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/badges.pdf"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/replace-secret"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/scan"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/scan"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/scan/out"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/kiosk"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/kiosk/scan"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/kiosk/label/{code}/{token}"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/kiosk/exit"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/scan/search"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/scan/guest"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/scan/undo"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/import-template.csv"): (303, 303, 303),
    ("GET", "/staff/events/{slug}/scan/badge/{code}"): (303, 303, 303),
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
    ("GET", "/staff/accounts/{id}/sign-out"): (303, 303, 303),
    ("POST", "/staff/accounts/{id}/sign-out"): (303, 303, 303),
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
    ("GET", "/staff/events/{slug}/mail/{message_id:int}"): (303, 303, 303),
    ("POST", "/staff/events/{slug}/mail/{message_id:int}/resend"): (303, 303, 303),
}


def _url(path: str, slug: str, registered: dict[str, Any], account_id: int = 1) -> str:
    """The route's path with real values: the event, a registration's secret and code, day 1."""
    values = {
        "{slug}": slug,
        "{secret}": registered["links"]["api"].rsplit("/", 1)[1],
        "{code}": registered["code"],
        "{registration_code}": registered["code"],
        "{session_code}": "day1",
        "{session}": "day1",
        "{message_id:int}": "1",
        "{id}": str(account_id),
        "{batch}": "x" * 22,
        "{name}": "attendance.csv",
        "{number}": "0001.pdf",
        "{ref}": "0001-" + "0" * 16,
        "{token}": "0" * 24 + ".pdf",
    }
    for name, value in values.items():
        path = path.replace(name, value)
    return path


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
        url = _url(path, "workshop", registered.json())
        body = {"title": "Renamed"} if method == "PATCH" else {}
        response = await client.request(method, url, json=body, headers=callers[caller])
        answers.append((caller, response.status_code, expected))

    wrong = [(caller, got, expected) for caller, got, expected in answers if got != expected]
    assert not wrong, f"{method} {path}: (caller, got, expected) {wrong}"


# Accounts kept to one event -----------------------------------------------------------------
#
# A door or organizer account kept to event A ("workshop") must reach nothing of event B
# ("other"), and nothing that acts across events, on any staff route, API or page. Every route of
# the matrix above is sorted here: public (no staff account involved), the caller's own (signing
# out, their token, the start page and the trail, which show only their event), across events
# (refused to a kept account), and the rest, which act on the event of their path.

STAFF_PAGE_EXCEPTIONS = {
    ("GET", "/staff/login"),
    ("POST", "/staff/login"),
    ("POST", "/staff/logout"),
    ("GET", "/staff/link/{token}"),  # a one-time sign-in link: its token is what lets a device in
    ("POST", "/staff/link/{token}"),
}
OWN = {("DELETE", "/api/v1/tokens/current"), ("GET", "/staff/"), ("GET", "/staff/audit")}
ACROSS_EVENTS = {
    ("POST", "/api/v1/events"),
    ("GET", "/staff/events/new"),
    ("POST", "/staff/events/new"),
    ("GET", "/staff/events/{slug}/copy"),  # a copy is a new event
    ("POST", "/staff/events/{slug}/copy"),
    ("GET", "/staff/reports"),
    ("GET", "/staff/reports/events.csv"),
    ("GET", "/staff/members"),  # the member roster is the network's
    ("POST", "/staff/members"),
    ("POST", "/staff/members/erase"),
    *ACCOUNT_PAGES,
}


def _is_page(path: str) -> bool:
    return path.startswith("/staff/")


def _is_staff_route(method: str, path: str) -> bool:
    if _is_page(path):
        return (method, path) not in STAFF_PAGE_EXCEPTIONS
    return MATRIX[(method, path)][0] == 401  # the API asks for a token


EVENT_ROUTES = sorted(key for key in MATRIX if _is_staff_route(*key) and key not in OWN and key not in ACROSS_EVENTS)


def test_every_staff_route_is_sorted_for_kept_accounts() -> None:
    staff = {key for key in MATRIX if _is_staff_route(*key)}
    assert OWN | ACROSS_EVENTS <= staff, "the lists name staff routes of the matrix"
    unscoped = [key for key in EVENT_ROUTES if "{slug}" not in key[1]]  # e.g. a new network-wide page
    assert not unscoped, f"routes that act on no event but are not sorted as own or across events: {unscoped}"


async def _kept_caller(
    client: httpx.AsyncClient, role: Role, event_id: int, page: bool, takes_payments: bool = False
) -> dict[str, str]:
    """Headers (and, for pages, a signed-in session in `client`) of an account kept to `event_id`;
    `takes_payments`: a door account that takes money at the desk."""
    from events.staff.models import StaffAccount
    from events.staff.service import issue_token, save_staff
    from tests.conftest import STAFF_PASSWORD, post_sign_in

    email = f"kept-{role}@example.org"
    account = await StaffAccount.get_or_none(email=email) or await save_staff(email, role, password=STAFF_PASSWORD)
    account.event_id = event_id  # type: ignore[attr-defined]
    account.takes_payments = takes_payments
    await account.save()
    if page:
        client.cookies.clear()
        assert (await post_sign_in(client, email)).status_code == 303, f"kept {role} signs in"
        return {}
    return {"Authorization": f"Bearer {await issue_token(account)}"}


async def _kept_answer(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    role: Role,
    slug: str,
    organizer: dict[str, str],
    takes_payments: bool = False,
) -> int:
    from events.program.models import Event
    from events.staff.models import StaffAccount

    event_a = await Event.get(slug="workshop")
    registered = await client.post(
        f"/api/v1/events/{slug}/registrations",
        json={"name": "B", "email": f"{role}-{slug}-{method}@example.org", "sessions": ["day1"]},
        headers=organizer,
    )
    headers = await _kept_caller(client, role, event_a.id, _is_page(path), takes_payments)
    other = await StaffAccount.filter(email__not_in=[f"kept-{role}@example.org"]).first()
    url = _url(path, slug, registered.json(), account_id=other.id if other else 1)
    if _is_page(path):
        token_page = await client.get("/staff/")
        token = csrf_token(token_page.text) if 'name="csrf_token"' in token_page.text else ""
        # A real form's token, in the form and in the scanner's header: a 403 here is the access rule's.
        response = await client.request(
            method, url, data={"csrf_token": token} if method == "POST" else None, headers={"X-CSRF-Token": token}
        )
    else:
        body = {"title": "hijacked"} if method == "PATCH" else event_data("third") if path == "/api/v1/events" else {}
        response = await client.request(method, url, json=body, headers=headers)
    return response.status_code


async def _two_events(client: httpx.AsyncClient) -> dict[str, str]:
    organizer = {"Authorization": f"Bearer {await staff_token(Role.ORGANIZER)}"}
    for slug in ("workshop", "other"):
        created = await client.post("/api/v1/events", json=event_data(slug), headers=organizer)
        assert created.status_code == 201, created.text
    return organizer


@pytest.mark.parametrize("role", [Role.DOOR, Role.ORGANIZER])
@pytest.mark.parametrize(("method", "path"), EVENT_ROUTES)
async def test_an_account_kept_to_one_event_reaches_nothing_of_another(
    client: httpx.AsyncClient, method: str, path: str, role: Role
) -> None:
    organizer = await _two_events(client)
    answer = await _kept_answer(client, method, path, role, "other", organizer)
    assert answer == 403, f"{method} {path} on another event, as a {role} kept to one event: got {answer}"


@pytest.mark.parametrize(("method", "path"), sorted(ACROSS_EVENTS))
async def test_an_organizer_kept_to_one_event_does_nothing_across_events(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    organizer = await _two_events(client)
    answer = await _kept_answer(client, method, path, Role.ORGANIZER, "workshop", organizer)
    assert answer == 403, f"{method} {path} as an organizer kept to one event: got {answer}"


@pytest.mark.parametrize(("method", "path"), [key for key in EVENT_ROUTES if not _is_page(key[1])])
async def test_an_account_kept_to_an_event_is_answered_there_as_any_other(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    organizer = await _two_events(client)
    for role, column in ((Role.DOOR, 1), (Role.ORGANIZER, 2)):
        answer = await _kept_answer(client, method, path, role, "workshop", organizer)
        assert answer == MATRIX[(method, path)][column], f"{method} {path} as a {role} kept to this event: {answer}"


@pytest.mark.parametrize(("method", "path"), [key for key in EVENT_ROUTES if _is_page(key[1])])
async def test_an_organizer_kept_to_an_event_may_use_its_pages(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    organizer = await _two_events(client)
    answer = await _kept_answer(client, method, path, Role.ORGANIZER, "workshop", organizer)
    assert answer != 403, f"{method} {path} on its own event, as an organizer kept to it"


@pytest.mark.parametrize(("method", "path"), sorted(key for key in MATRIX if not _is_page(key[1])))
async def test_a_bad_token_is_refused_wherever_a_token_is_read(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    """A revoked or made-up token never passes for anonymous on a staff route: 401, as with none."""
    organizer = {"Authorization": f"Bearer {await staff_token(Role.ORGANIZER)}"}
    await client.post("/api/v1/events", json=event_data(), headers=organizer)
    registered = await client.post(
        "/api/v1/events/workshop/registrations",
        json={"name": "A", "email": "bad-token@example.org", "sessions": ["day1"]},
        headers=organizer,
    )
    url = _url(path, "workshop", registered.json())
    response = await client.request(method, url, json={}, headers={"Authorization": "Bearer not-a-real-token"})
    anonymous = MATRIX[(method, path)][0]
    if anonymous == 401:
        assert response.status_code == 401, f"{method} {path} with a bad token: {response.status_code}"
    else:
        assert response.status_code in (anonymous, 401), f"{method} {path}: a bad token gets nothing more"


#: The staff pages a door volunteer uses: the start page, the event's page and live counts, the
#: scanner, the paper sheets and the walk-in desk. Every other staff page is the organizers'.
DOOR_PAGES = {
    ("GET", "/staff/"),
    ("GET", "/staff/events/{slug}"),
    ("GET", "/staff/events/{slug}/attendance.json"),
    ("GET", "/staff/events/{slug}/live"),
    ("GET", "/staff/events/{slug}/scan"),
    ("GET", "/staff/events/{slug}/scan/search"),
    ("POST", "/staff/events/{slug}/scan"),
    ("POST", "/staff/events/{slug}/scan/out"),
    ("POST", "/staff/events/{slug}/scan/guest"),
    ("POST", "/staff/events/{slug}/scan/undo"),
    ("GET", "/staff/events/{slug}/scan/badge/{code}"),
    ("GET", "/staff/events/{slug}/sessions/{session}/paper"),
    ("POST", "/staff/events/{slug}/sessions/{session}/paper"),
    ("GET", "/staff/events/{slug}/sessions/{session}/sign-in-sheet.pdf"),
    ("GET", "/staff/events/{slug}/walk-in"),
    ("POST", "/staff/events/{slug}/walk-in"),
}


@pytest.mark.parametrize(
    ("method", "path"), sorted(key for key in MATRIX if _is_page(key[1]) and key not in STAFF_PAGE_EXCEPTIONS)
)
async def test_a_signed_in_door_volunteer_reaches_the_door_pages_only(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    organizer = await _two_events(client)
    answer = await _kept_answer(client, method, path, Role.DOOR, "workshop", organizer)
    if (method, path) in DOOR_PAGES:
        assert answer != 403, f"{method} {path} is a door page: got {answer}"
    else:
        assert answer == 403, f"{method} {path} is for organizers: a door volunteer got {answer}"


#: What a door account given the right to take money reaches besides the door's: a person's fees
#: at the desk, taking a payment, and printing its receipt.
DESK_ROUTES = {
    ("GET", "/staff/events/{slug}/desk/{code}"),
    ("POST", "/staff/events/{slug}/registrations/{code}/payments"),
    ("GET", "/staff/events/{slug}/registrations/{code}/receipts/{number}"),
    ("GET", "/api/v1/events/{slug}/registrations/{code}/payments"),
    ("POST", "/api/v1/events/{slug}/registrations/{code}/payments"),
    ("GET", "/api/v1/events/{slug}/registrations/{code}/receipts"),
    ("GET", "/api/v1/events/{slug}/registrations/{code}/receipts/{number}"),
}


@pytest.mark.parametrize(
    ("method", "path"),
    sorted(key for key in MATRIX if key not in STAFF_PAGE_EXCEPTIONS and (_is_page(key[1]) or key in DESK_ROUTES)),
)
async def test_a_desk_volunteer_who_takes_money_reaches_the_door_pages_and_the_desks_only(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    organizer = await _two_events(client)
    answer = await _kept_answer(client, method, path, Role.DOOR, "workshop", organizer, takes_payments=True)
    if (method, path) in DOOR_PAGES | DESK_ROUTES:
        assert answer != 403, f"{method} {path} is the door's or the desk's: got {answer}"
    else:
        assert answer == 403, f"{method} {path} is for organizers: a desk volunteer got {answer}"


@pytest.mark.parametrize(("method", "path"), sorted(DESK_ROUTES))
async def test_a_desk_volunteer_kept_to_one_event_takes_no_money_at_another(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    organizer = await _two_events(client)
    answer = await _kept_answer(client, method, path, Role.DOOR, "other", organizer, takes_payments=True)
    assert answer == 403, f"{method} {path} on another event, as a desk volunteer: got {answer}"
