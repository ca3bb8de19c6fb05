"""What one certificate prints, as plain values for the PDF worker, in the person's language."""

from __future__ import annotations

from events import clock, i18n
from events.certificates import service
from events.certificates.models import Certificate
from events.certificates.pdf import CertificateSheet
from events.program.models import Event
from events.registrations.models import Registration


def verify_url(base_url: str, event: Event, certificate: Certificate, secret_key: str) -> str:
    return f"{base_url}/certificates/{event.slug}/{service.reference(secret_key, certificate)}"


def sheet_of(
    registration: Registration,
    event: Event,
    certificate: Certificate,
    attended: service.Attendance,
    *,
    issuer: str,
    base_url: str,
    secret_key: str,
) -> CertificateSheet:
    language = str(registration.language)
    sessions = [
        (i18n.format_day(clock.local(at, event.timezone).date(), language), session.text("title", language))
        for session, at in attended.sessions
    ]
    return CertificateSheet(
        language=language,
        name=registration.name if registration.erased_at is None else "",
        event=event.text("title", language),
        number=service.number_text(certificate),
        issued_on=i18n.format_day(clock.local(certificate.issued_at, event.timezone).date(), language),
        issuer=issuer or event.text("title", language),
        verify_url=verify_url(base_url, event, certificate, secret_key),
        sessions=sessions,
    )
