"""What the staff pages show of one person, on the organizers' page of a person
(`events.web.registrations`) and on the desk's (`events.web.desk`): statuses and fees."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request

from events.i18n import gettext as _
from events.money import ledger, receipts, transfers
from events.money.models import EntryKind, Method
from events.registrations.models import Registration

#: The cookie that keeps the name of the desk this browser takes money at.
DESK_COOKIE = "tsudoi_desk"


def status_labels() -> dict[str, str]:
    return {"confirmed": _("Confirmed"), "waitlisted": _("Waiting list"), "cancelled": _("Cancelled")}


def entry_words() -> dict[str, str]:
    """What each kind of ledger entry, and each way of paying, is called on the page."""
    return {
        EntryKind.CHARGE: _("Charge"),
        EntryKind.PAYMENT: _("Payment"),
        EntryKind.REFUND: _("Refund"),
        EntryKind.WAIVER: _("Waived"),
        Method.CASH: _("cash"),
        Method.TRANSFER: _("bank transfer"),
        Method.NONE: "",
    }


async def fees_context(request: Request, registration: Registration) -> dict[str, Any]:
    """What `staff/_fees.html` shows of a person's money."""
    return {
        "account_entries": await ledger.entries_of(registration),
        "receipts": await receipts.receipts_of(registration),
        "fees_to_take": await receipts.fees_to_take(registration),
        "transfer_reference": transfers.reference(registration.id),
        "entry_words": entry_words(),
        "payment_id": secrets.token_urlsafe(12),
        "desk": unquote(request.cookies.get(DESK_COOKIE, ""))[:64],
        "payment_problem": None,
    }
