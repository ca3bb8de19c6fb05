"""Handing a message to the SMTP server configured in `MailSettings` (aiosmtplib)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import parseaddr

import aiosmtplib

from events.settings import MailSettings


class DeliveryError(Exception):
    """The server did not take the message. `permanent` when retrying cannot help (a 5xx answer
    about this message or its recipient); a server that is down or busy is not permanent."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


async def send(message: EmailMessage, settings: MailSettings) -> None:
    """Send one message; raise `DeliveryError` with the server's answer when it is not taken."""
    if not settings.host:
        raise DeliveryError("No SMTP server is configured (TSUDOI_SMTP_HOST).", permanent=False)
    try:
        await aiosmtplib.send(
            message,
            sender=parseaddr(str(message["From"]))[1],
            hostname=settings.host,
            port=settings.port,
            username=settings.username,
            password=settings.password,
            use_tls=settings.security == "tls",
            start_tls=True if settings.security == "starttls" else False,
            timeout=settings.timeout_seconds,
            cert_bundle=settings.ca_file,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        answers = "; ".join(f"{error.recipient}: {error.code} {error.message}" for error in exc.recipients)
        permanent = all(error.code >= 500 for error in exc.recipients)
        raise DeliveryError(answers or str(exc), permanent=permanent) from exc
    except aiosmtplib.SMTPAuthenticationError as exc:
        # A wrong password is the organizers' to fix; the message itself is fine, so keep trying.
        raise DeliveryError(f"{exc.code} {exc.message}", permanent=False) from exc
    except aiosmtplib.SMTPResponseException as exc:
        raise DeliveryError(f"{exc.code} {exc.message}", permanent=exc.code >= 500) from exc
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False) from exc
