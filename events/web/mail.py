"""The organizers' view of an event's outbox: what was sent, what waits, what failed and why."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events.errors import InvalidInput, NotFound
from events.http.common import settings_of
from events.i18n import gettext as _
from events.mail import outbox
from events.mail.compose import write
from events.mail.models import MailKind, MailStatus, OutboxMessage
from events.staff.models import StaffAccount
from events.web import csrf
from events.web.pages import render
from events.web.routing import route
from events.web.staff import organizer_event, signed_in

#: The newest messages shown at once; the filter by state narrows it.
PAGE_SIZE = 200

KIND_LABELS: dict[MailKind, Callable[[], str]] = {
    MailKind.REGISTERED: lambda: _("Registration"),
    MailKind.PROMOTED: lambda: _("Seat from the waiting list"),
    MailKind.CANCELLED: lambda: _("Cancellation"),
    MailKind.REMINDER: lambda: _("Reminder"),
    MailKind.LINK: lambda: _("Link sent again"),
}
STATUS_LABELS: dict[MailStatus, Callable[[], str]] = {
    MailStatus.QUEUED: lambda: _("Waiting"),
    MailStatus.SENDING: lambda: _("Sending"),
    MailStatus.SENT: lambda: _("Sent"),
    MailStatus.FAILED: lambda: _("Failed"),
    MailStatus.DROPPED: lambda: _("Not sent: cancelled since"),
}


@signed_in
async def outbox_page(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    status = request.query_params.get("status", "")
    query = OutboxMessage.filter(event=event)
    if status:
        if status not in MailStatus.__members__.values():
            raise InvalidInput({"status": _("Choose one of: %(codes)s.") % {"codes": ", ".join(MailStatus)}})
        query = query.filter(status=status)
    messages = await query.order_by("-created_at", "-id").limit(PAGE_SIZE).prefetch_related("registration")
    settings = settings_of(request)
    context = {
        "event": event,
        "messages": messages,
        "counts": await outbox.counts(event.id),
        "status": status,
        "kinds": {kind.value: label() for kind, label in KIND_LABELS.items()},
        "statuses": {state.value: label() for state, label in STATUS_LABELS.items()},
        "mail_configured": settings.mail.configured,
        "base_url_configured": bool(settings.base_url),
        "mail_origin": settings.mail_origin,
        "resent": request.query_params.get("resent"),
        "page_size": PAGE_SIZE,
    }
    return render(request, "staff/mail.html", context)


@signed_in
async def message_page(request: Request, account: StaffAccount) -> Response:
    """One message as the person reads it (as it would be written now: a resend writes it again)."""
    event = await organizer_event(request, account)
    message = await OutboxMessage.get_or_none(id=request.path_params["message_id"], event_id=event.id).prefetch_related(
        "registration", "event"
    )
    if message is None:
        raise NotFound(_("No such message in this event's outbox."))
    context = {
        "event": event,
        "message": message,
        "written": await write(
            message, bank_account=settings_of(request).issuer.bank_account, base_url=settings_of(request).base_url
        ),
        "kinds": {kind.value: label() for kind, label in KIND_LABELS.items()},
        "statuses": {state.value: label() for state, label in STATUS_LABELS.items()},
    }
    return render(request, "staff/mail_message.html", context)


@signed_in
async def resend(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    csrf.check(request, await request.form())
    message_id = request.path_params["message_id"]
    if not await outbox.resend(message_id, event.id):
        raise NotFound(_("No such message in this event's outbox."))
    outbox.wake()
    target = request.url_for("staff_mail", slug=event.slug).include_query_params(resent=message_id)
    return RedirectResponse(str(target), status_code=303)


ROUTES = [
    route("/events/{slug}/mail", name="staff_mail", get=outbox_page),
    route("/events/{slug}/mail/{message_id:int}", name="staff_mail_message", get=message_page),
    route("/events/{slug}/mail/{message_id:int}/resend", name="staff_mail_resend", post=resend),
]
