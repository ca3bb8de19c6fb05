"""The background worker `tsudoi serve` runs when an SMTP server is configured.

It delivers the outbox as soon as something is queued in this process (`outbox.wake`), and
otherwise looks every `poll_seconds` (messages queued by other processes, retries coming due).
Every `REMINDER_EVERY` it also queues the reminders that have come due.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import suppress

from events import clock, links, logs
from events.mail import outbox
from events.mail.delivery import deliver_due
from events.mail.reminders import queue_reminders
from events.settings import Settings

logger = logging.getLogger("tsudoi.mail")

REMINDER_EVERY = 600.0
BATCH = 20
#: Rest three times as long as each message took: mail takes at most a quarter of the process's
#: time while registrations pour in (docs/benchmarks.md: without it, registration on PostgreSQL
#: fell from 270/s to 71/s while the worker mailed badges).
YIELD_SHARE = 3.0


class MailWorker:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._wake = asyncio.Event()
        self._reminded_at = float("-inf")
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="tsudoi-mail")

    async def stop(self) -> None:
        """Stop at once, or after the message being sent. (Python 3.11's `wait_for` can swallow a
        cancellation that arrives as its answer does, as aiosmtplib's reads use it: the flag ends
        the loop then.)"""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def run(self) -> None:
        links.set_mail_url(self.settings.mail_origin)  # for the reminders it queues
        stop_listening = outbox.on_queued(self._wake.set)
        try:
            while not self._stopping:
                self._wake.clear()
                more, reachable = await self._once()
                if not reachable:
                    # The server is down: new messages wait for the next look instead of each
                    # waking the worker to fail again.
                    await asyncio.sleep(self.settings.mail.poll_seconds)
                elif not more and not self._stopping:
                    with suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.settings.mail.poll_seconds)
        finally:
            stop_listening()

    async def _once(self) -> tuple[bool, bool]:
        """One look: reminders when due, then one batch. Whether a full batch suggests more wait,
        and whether the mail server could be reached."""
        try:
            if time.monotonic() - self._reminded_at >= REMINDER_EVERY:
                self._reminded_at = time.monotonic()
                await queue_reminders(clock.now(), self.settings.mail.reminder_hours)
            delivered = await deliver_due(
                self.settings.mail,
                self.settings.secret_key,
                limit=BATCH,
                yield_share=YIELD_SHARE,
                bank_account=self.settings.issuer.bank_account,
                base_url=self.settings.base_url,
            )
        except Exception as exc:  # the database went away for a moment, say: try again at the next look
            logs.log_error(logger, exc, "the mail worker's look at the outbox failed")
            return False, True
        return delivered.total >= BATCH, not delivered.unreachable
