"""The desk: a person's fees for a door account that takes money (`StaffAccount.takes_payments`).

The desk's volunteers take cash and print receipts, and see only what that needs: the name,
organization, category, sessions and the fees, never the e-mail address, answers, mail or links
of the organizers' page of a person (`events.web.registrations`)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from events.i18n import gettext as _
from events.program.models import Event
from events.registrations import service as registrations
from events.registrations.models import Registration
from events.staff.auth import payments_event
from events.staff.models import StaffAccount
from events.web.pages import render
from events.web.person import fees_context, status_labels
from events.web.routing import route
from events.web.staff import signed_in


async def desk_page(
    request: Request, event: Event, registration: Registration, status_code: int = 200, **extra: Any
) -> Response:
    context = {
        "event": event,
        "registration": registration,
        "seats": await registrations.seats_of(registration),
        "status_labels": status_labels(),
        **await fees_context(request, registration),
        "done": _("Recorded.") if request.query_params.get("done") == "paid" else None,
        **extra,
    }
    return render(request, "staff/desk.html", context, status_code)


@signed_in
async def show(request: Request, account: StaffAccount) -> Response:
    event = await payments_event(account, request.path_params["slug"])
    return await desk_page(request, event, await registrations.by_code(event, request.path_params["code"]))


ROUTES = [route("/events/{slug}/desk/{code}", name="staff_desk", get=show)]
