"""Delivering the outbox: claim due messages, compose each, send it, note what happened."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from events import clock
from events.mail import outbox, smtp
from events.mail.compose import compose
from events.mail.models import MailStatus
from events.settings import MailSettings

logger = logging.getLogger("tsudoi.mail")


@dataclass
class Delivered:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.sent + self.retrying + self.failed


async def deliver_due(settings: MailSettings, secret_key: str, *, limit: int = 20) -> Delivered:
    """Send what is due now, one batch. A failure is noted on its message and never raised:
    the next message, and the next batch, go on."""
    result = Delivered()
    for message in await outbox.claim_due(clock.now(), limit):
        try:
            composed = await compose(message, sender=settings.sender, secret_key=secret_key)
            await smtp.send(composed.message, settings)
        except smtp.DeliveryError as exc:
            status = await outbox.mark_failed(message, exc.reason, clock.now(), permanent=exc.permanent)
            logger.warning("mail %s to registration %s: %s", message.id, message.registration_id, exc.reason)  # type: ignore[attr-defined]
            result.errors.append(exc.reason)
            if status == MailStatus.FAILED:
                result.failed += 1
            else:
                result.retrying += 1
        except Exception as exc:  # a bug of ours in composing: keep the message, tell the log, go on
            logger.exception("mail %s could not be composed", message.id)
            await outbox.mark_failed(message, f"{type(exc).__name__}: {exc}", clock.now(), permanent=False)
            result.retrying += 1
        else:
            await outbox.mark_sent(message, composed.subject, clock.now())
            result.sent += 1
    return result
