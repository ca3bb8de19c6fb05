"""The day's cash at each desk, to count each box against (organizers only)."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response

from events import clock
from events.errors import InvalidInput
from events.i18n import gettext as _
from events.money.figures import cash_by_desk, cash_days
from events.staff.models import StaffAccount
from events.web.pages import render
from events.web.routing import route
from events.web.staff import organizer_event, signed_in


@signed_in
async def cash_page(request: Request, account: StaffAccount) -> Response:
    """`?day=2027-01-02`; without one, today in the event's zone."""
    event = await organizer_event(request, account)
    text = request.query_params.get("day", "")
    try:
        day = date.fromisoformat(text) if text else clock.local(clock.now(), event.timezone).date()
    except ValueError:
        raise InvalidInput({"day": _("Enter a date like 2026-06-14.")}) from None
    desks = await cash_by_desk(event, day)
    context = {
        "event": event,
        "day": day,
        "days": await cash_days(event),
        "desks": desks,
        "total_taken": sum(desk.taken for desk in desks),
        "total_given_back": sum(desk.given_back for desk in desks),
    }
    return render(request, "staff/cash.html", context)


ROUTES = [route("/events/{slug}/cash", name="staff_cash", get=cash_page)]
