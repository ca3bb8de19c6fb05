"""The event's cancellation policy: what a participant's late cancellation keeps.

Cancelling gives every seat up, so `settle_charges` takes back each seat's charge; a fee the
policy keeps is then one more charge, with no session, written in the same transaction and shown
to the participant before they cancel. Nothing else charges it: an organizer removing a seat, a
session dropped from the programme or a cancellation before the policy's day cost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from events import clock
from events.database import execute, fetch
from events.money.ledger import ADD_TO_DUE
from events.money.models import EntryKind, LedgerEntry, Method
from events.program.models import Event
from events.registrations.models import Registration

#: What the seats of a registration cost now: its charges for sessions (a fee has no session).
SEATS_CHARGED = (
    'SELECT COALESCE(SUM("amount"), 0) AS "charged" FROM "ledger_entry" '
    'WHERE "registration_id" = ? AND "kind" = ? AND "session_id" IS NOT NULL'
)
#: The note on a fee's charge, which also tells it from a seat's (it has no session).
FEE_NOTE = "cancellation fee"


@dataclass(frozen=True)
class Policy:
    from_date: date
    amount: int | None = None
    percent: int | None = None

    @classmethod
    def of(cls, event: Event) -> Policy | None:
        data = event.cancellation_policy
        if not data:
            return None
        return cls(date.fromisoformat(str(data["from_date"])), data.get("amount"), data.get("percent"))

    def applies(self, event: Event) -> bool:
        """Whether a cancellation now keeps a fee (the policy's day has come, in the event's time zone)."""
        return clock.now().astimezone(ZoneInfo(event.timezone)).date() >= self.from_date

    def fee(self, seats_cost: int) -> int:
        """What is kept of `seats_cost`: the fixed amount (never above it) or the percent, rounded down."""
        if seats_cost <= 0:
            return 0
        if self.amount is not None:
            return min(self.amount, seats_cost)
        return seats_cost * (self.percent or 0) // 100


async def seats_cost(registration: Registration) -> int:
    rows = await fetch(SEATS_CHARGED, [registration.id, EntryKind.CHARGE.value])
    return int(rows[0]["charged"])


async def fee_if_cancelled_now(registration: Registration, event: Event) -> int:
    """What cancelling now would keep (0 without a policy, before its day, or when nothing is charged)."""
    policy = Policy.of(event)
    if policy is None or not policy.applies(event):
        return 0
    return policy.fee(await seats_cost(registration))


async def keep_fee(registration: Registration, event: Event, fee: int) -> None:
    """Charge the fee worked out before the seats were given up (in the cancelling transaction)."""
    if fee <= 0:
        return
    await LedgerEntry.create(
        event_id=event.id,
        registration_id=registration.id,
        kind=EntryKind.CHARGE,
        method=Method.NONE,
        amount=fee,
        at=clock.now(),
        note=FEE_NOTE,
    )
    await execute(ADD_TO_DUE, [fee, registration.id])
