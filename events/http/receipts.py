"""Receipts as the participant and the organizers fetch them: the list, and one receipt's PDF."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from events import clock, offload
from events.errors import InvalidInput, NotFound
from events.http.common import NO_STORE, settings_of
from events.i18n import gettext as _
from events.money import receipts
from events.money.models import Receipt
from events.money.receipt_pdf import render_receipt
from events.program.models import Event
from events.registrations.models import Registration


def receipt_json(receipt: Receipt, event: Event, receipts_url: str) -> dict[str, Any]:
    return {
        "number": receipts.number_text(receipt),
        "amount": receipt.amount,
        "paid_at": clock.isoformat(receipt.paid_at, event.timezone),
        "pdf": f"{receipts_url}/{receipts.number_text(receipt)}.pdf",
    }


def _number(text: str) -> int:
    """`0007.pdf` or `7.pdf` → 7; anything else is no receipt."""
    digits = text.removesuffix(".pdf")
    if not digits.isdecimal() or len(digits) > 9:
        raise NotFound(_("There is no such receipt."))
    return int(digits)


async def receipt_pdf(request: Request, registration: Registration, event: Event) -> Response:
    """One receipt, in Japanese (`?lang=en`: English; `?kanji=1`: the amount as 金壱万弐千円也)."""
    language = request.query_params.get("lang", "ja")
    kanji = request.query_params.get("kanji", "0")
    for name, value, allowed in (("lang", language, ("ja", "en")), ("kanji", kanji, ("0", "1"))):
        if value not in allowed:
            raise InvalidInput({name: _("Choose one of: %(codes)s.") % {"codes": ", ".join(allowed)}})
    receipt = await receipts.receipt_of(registration, _number(request.path_params["number"]))
    printing = await receipts.printing(receipt, event, settings_of(request).issuer, language, kanji=kanji == "1")
    pdf = await offload.run(render_receipt, printing.sheet)
    headers = {**NO_STORE, "Content-Disposition": f'inline; filename="{printing.filename}"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
