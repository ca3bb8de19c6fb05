"""The door's scanner page: a phone or a handheld scanner checks people in at one session."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from events.badges import service as badges
from events.checkin import paper, service
from events.checkin.models import CheckIn, GuestEntry, Source
from events.errors import Conflict, Forbidden, InvalidInput, NotFound
from events.http.common import NO_STORE, JSONAnswer, read_json, settings_of
from events.http.scans import answer_json, scan_request
from events.i18n import gettext as _
from events.program.models import Event, Session
from events.registrations import listing
from events.registrations import service as registrations
from events.registrations.models import RegistrationStatus, SeatStatus
from events.registrations.schemas import WalkInInput
from events.registrations.service import register
from events.reports.attendance import attendance
from events.staff.auth import event_for
from events.staff.models import Role, StaffAccount
from events.validation import parse
from events.web import csrf
from events.web.pages import render
from events.web.routing import route
from events.web.staff import signed_in


async def _door_event(request: Request, account: StaffAccount) -> Event:
    load = request.app.state.recent_events.get
    return await event_for(account, request.path_params["slug"], Role.ORGANIZER, Role.DOOR, load=load)


def _check_csrf_header(request: Request) -> None:
    expected = request.session.get("csrf")
    sent = request.headers.get("x-csrf-token", "")
    if not expected or not sent.isascii() or not hmac.compare_digest(str(expected), sent):
        raise Forbidden(_("This form has expired or was sent from another site. Please reload the page and try again."))


async def counts(session: Session) -> dict[str, int | None]:
    figures: dict[str, int | None] = {
        "checked_in": await CheckIn.filter(session_id=session.id).count(),
        "guests": await GuestEntry.filter(session_id=session.id).count(),
        "confirmed": session.confirmed_count,
        "capacity": session.capacity,
    }
    if session.exits:
        # Read fresh: the event's sessions may come from a cache a few seconds old.
        fresh = await Session.get(id=session.id).only("id", "inside_now")
        figures["inside"] = fresh.inside_now
        figures["room_limit"] = session.room_limit
    return figures


@signed_in
async def guest(request: Request, account: StaffAccount) -> Response:
    """ "+1 guest" (or −1 to take back a mistaken tap) at an open session's door."""
    event = await _door_event(request, account)
    _check_csrf_header(request)
    data = await read_json(request)
    if not isinstance(data, dict) or data.get("delta") not in (1, -1):
        raise InvalidInput({"delta": _("Choose one of: %(codes)s.") % {"codes": "1, -1"}})
    session = _session_or_404(event, str(data.get("session", "")))
    device = str(data.get("device", ""))[:64]
    if data["delta"] == 1:
        await GuestEntry.create(session_id=session.id, device=device, staff=account)
    else:
        last = await GuestEntry.filter(session_id=session.id).order_by("-id").first()
        if last is not None:
            await last.delete()
    return JSONAnswer({"counts": await counts(session)}, headers={"Cache-Control": "no-store"})


@signed_in
async def scanner(request: Request, account: StaffAccount) -> Response:
    event = await _door_event(request, account)
    code = request.query_params.get("session", "")
    session = next((s for s in event.sessions if s.code == code), None)
    context: dict[str, object] = {"event": event, "session": session, "csrf": csrf.token(request)}
    if session is not None:
        context["counts"] = await counts(session)
    return render(request, "staff/scan.html", context)


async def _scanned(request: Request, account: StaffAccount, *, out: bool) -> Response:
    """The API's rules and answer, with the session's count for the scanner page."""
    event = await _door_event(request, account)
    _check_csrf_header(request)
    answer = await scan_request(request, event, account, out=out)
    if isinstance(answer, JSONResponse):
        return answer
    body = answer_json(event, answer)
    if answer.session is not None:
        body["counts"] = await counts(answer.session)
    return JSONAnswer(body, answer.status_code)


@signed_in
async def scan(request: Request, account: StaffAccount) -> Response:
    """The scanner page's check-in."""
    return await _scanned(request, account, out=False)


@signed_in
async def scan_out(request: Request, account: StaffAccount) -> Response:
    """The scanner page's way out, where the session counts exits."""
    return await _scanned(request, account, out=True)


@signed_in
async def undo(request: Request, account: StaffAccount) -> Response:
    """Take back the last mistaken check-in from the scanner page."""
    event = await _door_event(request, account)
    _check_csrf_header(request)
    data = await read_json(request)
    if not isinstance(data, dict):
        raise InvalidInput({"body": _("Expected a JSON object.")})
    session = _session_or_404(event, str(data.get("session", "")))
    code, device = str(data.get("code", ""))[:20], str(data.get("device", ""))[:64]
    if not await service.undo(event, code, session.code, device=device, staff=account):
        raise NotFound(_("There is no such check-in to undo."))
    return JSONAnswer({"counts": await counts(session)}, headers={"Cache-Control": "no-store"})


@signed_in
async def search(request: Request, account: StaffAccount) -> Response:
    """People of this event by name, reading, organization or code, for the lost-badge case (no e-mail)."""
    event = await _door_event(request, account)
    query = request.query_params.get("q", "").strip()[:100]
    session_code = request.query_params.get("session", "")
    if len(query) < 2:
        return JSONAnswer([])
    rows = await listing.search(event, query, limit=20)
    people = []
    for registration, seats in rows:
        seat = next((seat for seat in seats if seat.session.code == session_code), None)
        people.append(
            {
                "code": registration.code,
                "name": registration.name,
                "reading": registration.name_reading,
                "organization": registration.organization,
                "status": str(registration.status),
                "seat": str(seat.status) if seat else None,
                "can_check_in": bool(seat and seat.status == SeatStatus.CONFIRMED),
                "badge_url": str(request.url_for("staff_scan_badge", slug=event.slug, code=registration.code))
                if registration.status == RegistrationStatus.CONFIRMED
                else None,
            }
        )
    return JSONAnswer(people)


@signed_in
async def lost_badge(request: Request, account: StaffAccount) -> Response:
    """One person's badge, printed at the desk when theirs is lost: a door account may, one badge at a
    time (the batches stay the organizers'), and the audit trail notes who printed whose."""
    event = await _door_event(request, account)
    registration = await registrations.by_code(event, request.path_params["code"])
    pdf = await badges.participant_badge(registration, settings_of(request).secret_key)
    headers = {**NO_STORE, "Content-Disposition": f'inline; filename="badge-{registration.code}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@signed_in
async def live(request: Request, account: StaffAccount) -> Response:
    """Each session's counts, updating by themselves (the page polls `live_json`)."""
    event = await _door_event(request, account)
    return render(request, "staff/live.html", {"event": event, "figures": await attendance(event)})


@signed_in
async def live_json(request: Request, account: StaffAccount) -> Response:
    event = await _door_event(request, account)
    return JSONAnswer(await attendance(event), headers={"Cache-Control": "no-store"})


WALK_IN_FIELDS = ("name", "name_reading", "email", "organization", "category")


@signed_in
async def walk_in_form(request: Request, account: StaffAccount) -> Response:
    event = await _door_event(request, account)
    session = next((s for s in event.sessions if s.code == request.query_params.get("session")), None)
    context = {"event": event, "session": session, "values": {"category": "participant"}, "errors": {}, "done": None}
    return render(request, "staff/walk_in.html", context)


@signed_in
async def walk_in(request: Request, account: StaffAccount) -> Response:
    """Register a person at the desk, check them in to this session, and offer their badge to print."""
    event = await _door_event(request, account)
    form = await request.form()
    csrf.check(request, form)
    values = {name: str(form.get(name) or "") for name in WALK_IN_FIELDS}
    session = next((s for s in event.sessions if s.code == form.get("session")), None)
    context: dict[str, object] = {"event": event, "session": session, "values": values, "errors": {}, "done": None}
    if session is None:
        context["errors"] = {"session": _("Choose the session first.")}
        return render(request, "staff/walk_in.html", context, 422)
    try:
        data = parse(WalkInInput, {**values, "category": values["category"] or None, "sessions": [session.code]})
        result = await register(event, data)
    except InvalidInput as exc:
        context["errors"] = {key.split(".")[0]: message for key, message in exc.fields.items()}
        return render(request, "staff/walk_in.html", context, 422)
    except Conflict as exc:
        context["errors"] = {"email": exc.message}
        return render(request, "staff/walk_in.html", context, 409)
    registration = result.registration
    answer = await service.check_in(
        event,
        registration.code,
        session.code,
        secret_key=settings_of(request).secret_key,
        device="desk",
        staff=account,
        source=Source.WALK_IN,
    )
    # The door's own print of this one badge (audited), never the participant's secret link: the
    # desk's screen is seen by others, and the door has no business holding the person's page.
    badge = request.url_for("staff_scan_badge", slug=event.slug, code=registration.code)
    context["done"] = {"registration": registration, "answer": answer, "badge": str(badge)}
    context["values"] = {"category": "participant"}
    return render(request, "staff/walk_in.html", context)


def _session_or_404(event: Event, code: str) -> Session:
    session = next((s for s in event.sessions if s.code == code), None)
    if session is None:
        raise NotFound(_("There is no session of that code."))
    return session


def _sheet_labels() -> dict[str, str]:
    return {
        "name": _("Name"),
        "organization": _("Organization"),
        "code": _("Code"),
        "hint": _("Tick the box as each person arrives. Ticked boxes are entered afterwards as paper check-ins."),
    }


@signed_in
async def sign_in_sheet(request: Request, account: StaffAccount) -> Response:
    event = await _door_event(request, account)
    session = _session_or_404(event, request.path_params["session"])
    pdf = await paper.sign_in_sheet(event, session, _sheet_labels())
    headers = {"Cache-Control": "no-store", "Content-Disposition": f'inline; filename="sign-in-{session.code}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@signed_in
async def paper_form(request: Request, account: StaffAccount) -> Response:
    event = await _door_event(request, account)
    session = _session_or_404(event, request.path_params["session"])
    rows = await paper.sheet_rows(event, session)
    return render(request, "staff/paper.html", {"event": event, "session": session, "rows": rows, "entered": None})


@signed_in
async def paper_enter(request: Request, account: StaffAccount) -> Response:
    event = await _door_event(request, account)
    session = _session_or_404(event, request.path_params["session"])
    form = await request.form()
    csrf.check(request, form)
    codes = [str(code) for code in form.getlist("codes")][:5000]
    entered = await paper.enter_sheet(event, session, codes, secret_key=settings_of(request).secret_key, staff=account)
    rows = await paper.sheet_rows(event, session)
    context = {"event": event, "session": session, "rows": rows, "entered": {str(k): v for k, v in entered.items()}}
    return render(request, "staff/paper.html", context)


ROUTES = [
    route("/events/{slug}/scan", name="staff_scan", get=scanner, post=scan),
    route("/events/{slug}/scan/out", name="staff_scan_out", post=scan_out),
    route("/events/{slug}/scan/search", name="staff_scan_search", get=search),
    route("/events/{slug}/scan/guest", name="staff_scan_guest", post=guest),
    route("/events/{slug}/scan/undo", name="staff_scan_undo", post=undo),
    route("/events/{slug}/scan/badge/{code}", name="staff_scan_badge", get=lost_badge),
    route("/events/{slug}/live", name="staff_live", get=live),
    route("/events/{slug}/sessions/{session}/sign-in-sheet.pdf", name="staff_sign_in_sheet", get=sign_in_sheet),
    route("/events/{slug}/sessions/{session}/paper", name="staff_paper", get=paper_form, post=paper_enter),
    route("/events/{slug}/walk-in", name="staff_walk_in", get=walk_in_form, post=walk_in),
    route("/events/{slug}/attendance.json", name="staff_live_json", get=live_json),
]
