"""Certificates on the web: the participant's download, the public page that confirms one, and the
organizers' page (the rule, who is eligible, every certificate in one PDF, sending them by e-mail)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events.certificates import service
from events.errors import InvalidInput
from events.http.certificates import all_certificates, eligible_people, participant_certificate
from events.http.common import NO_STORE, settings_of
from events.i18n import gettext as _
from events.mail import outbox
from events.mail.models import MailKind
from events.program.models import Event
from events.program.schemas import EventPatch
from events.program.service import update_event
from events.registrations import service as registrations
from events.staff.models import StaffAccount
from events.validation import parse
from events.web import csrf
from events.web.pages import render
from events.web.routing import route
from events.web.staff import organizer_event, signed_in


async def own_certificate(request: Request) -> Response:
    """The participant's certificate, from their page's link."""
    registration = await registrations.by_secret(request.path_params["secret"])
    return await participant_certificate(request, registration)


async def verify(request: Request) -> Response:
    """The public page a certificate's QR code opens: issuer, event, sessions and name, nothing more."""
    found = await service.verify(
        request.path_params["slug"], request.path_params["ref"], settings_of(request).secret_key
    )
    context = {"verified": found, "issuer": settings_of(request).issuer.name}
    response = render(request, "certificate.html", context)
    response.headers.update(NO_STORE)
    return response


def _page(request: Request, event: Event, people: int, status_code: int = 200, **context: object) -> Response:
    return render(
        request,
        "staff/certificates.html",
        {
            "event": event,
            "eligible": people,
            "rule": service.rule_text(event),
            "problem": None,
            "done": request.query_params.get("done", ""),
            **context,
        },
        status_code,
    )


@signed_in
async def certificates_page(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    people = len(await eligible_people(event)) if event.issues_certificates else 0
    return _page(request, event, people)


@signed_in
async def save_rule(request: Request, account: StaffAccount) -> Response:
    """The rule: at least N sessions, and/or every one of the sessions ticked."""
    event = await organizer_event(request, account)
    form = await request.form()
    csrf.check(request, form)
    text = str(form.get("min_sessions") or "").strip()
    if text and not (text.isdecimal() and len(text) <= 4):
        problem = _("Enter a whole number of sessions, or leave it empty.")
        return _page(request, event, 0, 422, problem=problem)
    chosen = [str(code) for code in form.getlist("sessions")]
    try:
        patch = parse(
            EventPatch, {"certificate_min_sessions": int(text) if text else None, "certificate_sessions": chosen}
        )
        await update_event(event.slug, patch)
    except InvalidInput as exc:
        return _page(request, event, 0, 422, problem=next(iter(exc.fields.values()), exc.message))
    url = request.url_for("staff_certificates", slug=event.slug).include_query_params(done="saved")
    return RedirectResponse(str(url), status_code=303)


@signed_in
async def download_all(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    return await all_certificates(request, event)


@signed_in
async def send_all(request: Request, account: StaffAccount) -> Response:
    """Each eligible person is e-mailed the link to their certificate (through the outbox)."""
    event = await organizer_event(request, account)
    csrf.check(request, await request.form())
    sent = 0
    for person, _attended in await eligible_people(event):
        sent += await outbox.queue(person, MailKind.CERTIFICATE)
    outbox.wake()
    url = request.url_for("staff_certificates", slug=event.slug).include_query_params(done="sent", count=str(sent))
    return RedirectResponse(str(url), status_code=303)


PUBLIC_ROUTES = [
    route("/manage/{secret}/certificate.pdf", name="own_certificate", get=own_certificate),
    route("/certificates/{slug}/{ref}", name="verify_certificate", get=verify),
]
ROUTES = [
    route("/events/{slug}/certificates", name="staff_certificates", get=certificates_page, post=save_rule),
    route("/events/{slug}/certificates.pdf", name="staff_certificates_pdf", get=download_all),
    route("/events/{slug}/certificates/send", name="staff_certificates_send", post=send_all),
]
