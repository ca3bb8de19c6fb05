"""A certificate's PDF as the participant fetches it (their link) and the organizers (all at once)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from events import offload
from events.certificates import printing, service
from events.certificates.models import Certificate
from events.certificates.pdf import CertificateSheet, render_certificate, render_certificates
from events.certificates.service import Attendance
from events.http.common import NO_STORE, base_url, settings_of
from events.program.models import Event
from events.program.service import get_event
from events.registrations.models import Registration, RegistrationStatus


def _sheet(
    request: Request, registration: Registration, event: Event, certificate: Certificate, attended: Attendance
) -> CertificateSheet:
    settings = settings_of(request)
    return printing.sheet_of(
        registration,
        event,
        certificate,
        attended,
        issuer=settings.issuer.name,
        base_url=base_url(request),
        secret_key=settings.secret_key,
    )


async def participant_certificate(request: Request, registration: Registration) -> Response:
    """The person's own certificate: 404 when the event issues none, 409 `not_eligible` until earned."""
    event = await get_event(registration.event.slug, include_hidden=True)
    certificate, attended = await service.certificate_for(registration, event)
    sheet = _sheet(request, registration, event, certificate, attended)
    pdf = await offload.run(render_certificate, sheet)
    filename = f"{event.slug}-certificate-{service.number_text(certificate)}.pdf"
    return Response(
        pdf, media_type="application/pdf", headers={**NO_STORE, "Content-Disposition": f'inline; filename="{filename}"'}
    )


async def eligible_people(event: Event) -> list[tuple[Registration, Attendance]]:
    """Everyone whose attendance meets the event's rule now, with that attendance."""
    attended = await service.attendances(event)
    if not attended:
        return []
    people = (
        await Registration.filter(id__in=list(attended), erased_at__isnull=True)
        .exclude(status=RegistrationStatus.CANCELLED)
        .order_by("sort_name", "id")
    )
    return [(person, attended[person.id]) for person in people if service.eligible(event, attended[person.id])]


async def all_certificates(request: Request, event: Event) -> Response:
    """Every eligible person's certificate, issued now where it was not, one page each in one PDF."""
    sheets: list[CertificateSheet] = []
    for person, attended in await eligible_people(event):
        person.event = event
        certificate, attended = await service.certificate_for(person, event, attended)
        sheets.append(_sheet(request, person, event, certificate, attended))
    pdf = await offload.run(render_certificates, sheets)
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{event.slug}-certificates.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
