"""Handing messages to the SMTP server configured in `MailSettings` (aiosmtplib).

One connection per batch: connecting (and STARTTLS, and AUTH) once rather than per message, and
finding out that the server is down before any message is composed for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
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


class Unreachable(DeliveryError):
    """No session with the server at all (down, refusing, wrong password): nothing was sent."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, permanent=False)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{exc.code} {exc.message}"
    return f"{type(exc).__name__}: {exc}"


class Connection:
    """A session with the server, good for several messages."""

    def __init__(self, client: aiosmtplib.SMTP) -> None:
        self.client = client

    async def send(self, message: EmailMessage) -> None:
        """Send one message; raise `DeliveryError` with the server's answer when it is not taken."""
        try:
            await self.client.send_message(message, sender=parseaddr(str(message["From"]))[1])
        except aiosmtplib.SMTPRecipientsRefused as exc:
            answers = "; ".join(f"{error.recipient}: {error.code} {error.message}" for error in exc.recipients)
            permanent = all(error.code >= 500 for error in exc.recipients)
            raise DeliveryError(answers or str(exc), permanent=permanent) from exc
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code < 500:
                # A 4xx answer ends nothing: reset the session so the next message starts clean.
                with suppress(aiosmtplib.SMTPException):
                    await self.client.rset()
            raise DeliveryError(_reason(exc), permanent=exc.code >= 500) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryError(_reason(exc), permanent=False) from exc


@asynccontextmanager
async def connect(settings: MailSettings) -> AsyncIterator[Connection]:
    """Open a session (TLS and login as configured); raise `Unreachable` when it cannot be had."""
    if not settings.host:
        raise Unreachable("No SMTP server is configured (TSUDOI_SMTP_HOST).")
    client = aiosmtplib.SMTP(
        hostname=settings.host,
        port=settings.port,
        username=settings.username,
        password=settings.password,
        use_tls=settings.security == "tls",
        start_tls=True if settings.security == "starttls" else False,
        timeout=settings.timeout_seconds,
        cert_bundle=settings.ca_file,
    )
    try:
        await client.connect()
    except (aiosmtplib.SMTPException, OSError) as exc:
        # A wrong password lands here too: the organizers' to fix, and the messages are fine.
        raise Unreachable(_reason(exc)) from exc
    try:
        yield Connection(client)
    finally:
        with suppress(aiosmtplib.SMTPException, OSError):
            await client.quit()
