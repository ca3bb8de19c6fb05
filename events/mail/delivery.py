"""Delivering the outbox: claim due messages, compose each, send it, note what happened."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from events import clock, logs
from events.mail import outbox, smtp
from events.mail.compose import compose
from events.mail.models import MailStatus, OutboxMessage
from events.settings import MailSettings

logger = logging.getLogger("tsudoi.mail")


@dataclass
class Delivered:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    #: Not sent because their reason had gone (the registration was cancelled meanwhile).
    dropped: int = 0
    errors: list[str] = field(default_factory=list)
    #: No session with the server could be had: the batch waits for its retry untouched.
    unreachable: bool = False

    @property
    def total(self) -> int:
        return self.sent + self.retrying + self.failed + self.dropped


async def deliver_due(
    settings: MailSettings,
    secret_key: str,
    *,
    limit: int = 20,
    yield_share: float = 0.0,
    bank_account: str = "",
    base_url: str | None = None,
) -> Delivered:
    """Send what is due now, one batch over one connection. A failure is noted on its message and
    never raised: the next message, and the next batch, go on.

    `yield_share` paces a worker that shares its process with the web app: after each message it
    rests that many times as long as the message took (3.0: the mail takes at most a quarter of
    the time), so a burst of registrations is answered first and mailed right after.
    `bank_account` is the organization's, for the words on paying by transfer; `base_url`
    (TSUDOI_BASE_URL), when set, is where every message's links point, also those queued before it was.
    """
    result = Delivered()
    messages = await outbox.claim_due(clock.now(), limit)
    if not messages:
        return result
    waiting = list(messages)
    try:
        async with smtp.connect(settings) as server:
            while waiting:
                began = time.perf_counter()
                await _deliver_one(waiting.pop(0), server, settings, secret_key, result, bank_account, base_url)
                if yield_share and waiting:
                    await asyncio.sleep((time.perf_counter() - began) * yield_share)
    except smtp.Unreachable as exc:
        # Nothing composed, nothing sent: each message waits for its back-off.
        logger.warning("the mail server could not be reached: %s", exc.reason)
        result.unreachable = True
        for message in waiting:
            await _failed(message, exc, result)
    return result


async def _deliver_one(
    message: OutboxMessage,
    server: smtp.Connection,
    settings: MailSettings,
    secret_key: str,
    result: Delivered,
    bank_account: str = "",
    base_url: str | None = None,
) -> None:
    if outbox.outdated(message):
        await outbox.mark_dropped(message)
        result.dropped += 1
        return
    try:
        composed = await compose(
            message, sender=settings.sender, secret_key=secret_key, bank_account=bank_account, base_url=base_url
        )
        await server.send(composed.message)
    except smtp.DeliveryError as exc:
        await _failed(message, exc, result)
    except Exception as exc:  # a bug of ours in composing: keep the message, tell the log, go on
        logs.log_error(logger, exc, "mail %s could not be composed", message.id)
        await _failed(message, smtp.DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False), result)
    else:
        await outbox.mark_sent(message, composed.subject, clock.now())
        result.sent += 1


async def _failed(message: OutboxMessage, exc: smtp.DeliveryError, result: Delivered) -> None:
    status = await outbox.mark_failed(message, exc.reason, clock.now(), permanent=exc.permanent)
    # The server's answer stays in the outbox, for the organizers' E-mail page: it names the
    # recipient ("person@example.org: 550 …"), and an address goes into no log line.
    logger.warning(
        "mail %s to registration %s was not sent (%s); the outbox keeps why",
        message.id,
        message.registration_id,  # type: ignore[attr-defined]
        "given up" if status == MailStatus.FAILED else "to be tried again",
    )
    result.errors.append(exc.reason)
    if status == MailStatus.FAILED:
        result.failed += 1
    else:
        result.retrying += 1
