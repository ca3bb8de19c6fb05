"""Queue an e-mail with the change that causes it; hand due messages to whoever delivers them.

`queue` runs inside the caller's transaction: the registration and its confirmation are written
together or not at all, and nothing here talks to a mail server, so a registration never waits
for one. Delivery (`events.mail.delivery`) claims due rows with a lease, so several workers, in
one process or many, never send the same row at the same time; a worker that dies mid-send gives
its rows back when the lease runs out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from tortoise.expressions import F, Q
from tortoise.functions import Count

from events import clock, links
from events.database import execute
from events.mail.models import MailKind, MailStatus, OutboxMessage
from events.registrations.models import Registration, RegistrationStatus

#: How long a worker may hold a message it is sending before another may take it.
LEASE = timedelta(minutes=5)
#: Delivery attempts before a message is given up as failed (about a day and a half of back-off).
MAX_ATTEMPTS = 20
#: The wait after the n-th failed attempt: 1, 2, 4 … minutes, at most three hours.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=3)

_wakers: list[Callable[[], None]] = []


def on_queued(waker: Callable[[], None]) -> Callable[[], None]:
    """Call `waker` whenever messages were queued (the worker of this process listens); returns an undo."""
    _wakers.append(waker)
    return lambda: _wakers.remove(waker)


def wake() -> None:
    """Tell this process's worker to look now, instead of at its next poll (after a commit)."""
    for waker in list(_wakers):
        waker()


async def queue(registration: Registration, kind: MailKind, *, session_code: str = "") -> bool:
    """Queue one message to this registration's address (in the caller's transaction).

    A message of the same kind (and session) that exists already is queued again rather than
    written twice (a new registration's confirmation is written with it, `NEW_MESSAGE`).
    Registrations without an address (a walk-in) get nothing. Returns whether a message was queued.
    """
    if not registration.email:
        return False
    now = clock.now()
    again = await OutboxMessage.filter(registration_id=registration.id, kind=kind, session_code=session_code).update(
        status=MailStatus.QUEUED,
        recipient=registration.email,
        base_url=links.mail_url(),
        next_attempt_at=now,
        attempts=0,
        claimed_until=None,
        last_error="",
    )
    if not again:
        await execute(NEW_MESSAGE, new_message(registration, kind, links.mail_url(), session_code=session_code))
    return True


#: A message queued to be sent now; the columns of `new_message`.
NEW_MESSAGE = (
    'INSERT INTO "outbox_message" ("event_id", "registration_id", "kind", "session_code", "recipient", "base_url", '
    '"status", "attempts", "next_attempt_at", "claimed_until", "subject", "last_error", "created_at", "sent_at") '
    "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, NULL, '', '', ?, NULL)"
)


def new_message(registration: Registration, kind: MailKind, base_url: str, *, session_code: str = "") -> list[object]:
    """The values of `NEW_MESSAGE` for this registration, once written (it has its id); `base_url` is where
    its links point (`links.mail_url()`: never a request's Host)."""
    now = clock.now()
    return [
        registration.event_id,  # type: ignore[attr-defined]
        registration.id,
        kind.value,
        session_code,
        registration.email,
        base_url,
        MailStatus.QUEUED.value,
        now,
        now,
    ]


async def queue_many(registration_ids: list[int], kind: MailKind, *, session_code: str = "") -> int:
    """Queue one message for each of these registrations (promotions from a waiting list)."""
    count = 0
    for registration in await Registration.filter(id__in=registration_ids):
        count += await queue(registration, kind, session_code=session_code)
    return count


def _due(now: datetime) -> Q:
    return Q(status=MailStatus.QUEUED, next_attempt_at__lte=now) | Q(status=MailStatus.SENDING, claimed_until__lt=now)


async def claim_due(now: datetime, limit: int = 20) -> list[OutboxMessage]:
    """Take up to `limit` due messages for this worker, oldest first, each counted as one more attempt.

    Each row is taken with a conditional UPDATE: of two workers after the same row, one updates it
    and the other updates nothing and moves on.
    """
    candidates = await OutboxMessage.filter(_due(now)).order_by("next_attempt_at", "id").limit(limit)
    claimed: list[int] = []
    for candidate in candidates:
        taken = await OutboxMessage.filter(_due(now), id=candidate.id).update(
            status=MailStatus.SENDING, claimed_until=now + LEASE, attempts=F("attempts") + 1
        )
        if taken:
            claimed.append(candidate.id)
    if not claimed:
        return []
    return await OutboxMessage.filter(id__in=claimed).order_by("id").prefetch_related("registration", "event")


def retry_delay(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (1 << min(max(attempts - 1, 0), 16)), LONGEST_RETRY)


async def mark_sent(message: OutboxMessage, subject: str, now: datetime) -> None:
    await OutboxMessage.filter(id=message.id).update(
        status=MailStatus.SENT, subject=subject[:300], sent_at=now, claimed_until=None, last_error=""
    )


def outdated(message: OutboxMessage) -> bool:
    """Whether the message's reason has gone: anything but the cancellation notice, to a
    registration cancelled since it was queued (its registration loaded)."""
    return message.kind != MailKind.CANCELLED and message.registration.status == RegistrationStatus.CANCELLED


async def mark_dropped(message: OutboxMessage) -> None:
    await OutboxMessage.filter(id=message.id).update(status=MailStatus.DROPPED, claimed_until=None, last_error="")


async def mark_failed(message: OutboxMessage, error: str, now: datetime, *, permanent: bool) -> MailStatus:
    """Note what went wrong; try again later unless the server refused for good or attempts ran out."""
    gave_up = permanent or message.attempts >= MAX_ATTEMPTS
    status = MailStatus.FAILED if gave_up else MailStatus.QUEUED
    await OutboxMessage.filter(id=message.id).update(
        status=status,
        last_error=error[:2000],
        claimed_until=None,
        next_attempt_at=now if gave_up else now + retry_delay(message.attempts),
    )
    return status


async def resend(message_id: int, event_id: int) -> bool:
    """Queue a message of this event again, now (an organizer's button); False if there is none."""
    updated = await OutboxMessage.filter(id=message_id, event_id=event_id).update(
        status=MailStatus.QUEUED, next_attempt_at=clock.now(), attempts=0, claimed_until=None, last_error=""
    )
    return bool(updated)


async def counts(event_id: int) -> dict[MailStatus, int]:
    """How many of the event's messages are in each state (for the outbox page's heading)."""
    totals = {status: 0 for status in MailStatus}
    rows = (
        await OutboxMessage.filter(event_id=event_id)
        .annotate(count=Count("id"))
        .group_by("status")
        .values_list("status", "count")
    )
    for status, count in rows:
        totals[MailStatus(status)] = int(count)
    return totals
