"""Reminders: one e-mail to each registered person a set time before their event begins."""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.functions import Min

from events.mail import outbox
from events.mail.models import MailKind, OutboxMessage
from events.program.models import Event, EventStatus, Session
from events.registrations.models import Registration, RegistrationStatus


async def queue_reminders(now: datetime, hours: int) -> int:
    """Queue a reminder for every active registration of a published event whose first session
    starts within `hours` from `now` (and has not started). Returns how many were queued.

    People who registered inside that window already have their confirmation fresh, so they get
    none; nobody gets two (the outbox's unique rule backs this when two runs overlap).
    """
    if hours <= 0:
        return 0
    window = timedelta(hours=hours)
    firsts = (
        await Session.filter(event__status=EventStatus.PUBLISHED)
        .group_by("event_id")
        .annotate(first=Min("starts_at"))
        .values_list("event_id", "first")
    )
    queued = 0
    for event_id, first in firsts:
        if first is None or not (now < first <= now + window):
            continue
        reminded = await OutboxMessage.filter(event_id=event_id, kind=MailKind.REMINDER).values_list(
            "registration_id", flat=True
        )
        people = (
            await Registration.filter(event_id=event_id, created_at__lt=first - window)
            .exclude(status=RegistrationStatus.CANCELLED)
            .exclude(email="")
            .exclude(id__in=reminded)
        )
        event = await Event.get(id=event_id)
        for registration in people:
            registration.event = event
            try:
                queued += await outbox.queue(registration, MailKind.REMINDER)
            except IntegrityError:
                continue  # another run queued it a moment ago
    if queued:
        outbox.wake()
    return queued
