"""The event's fees page (organizers): the price table, the cancellation policy, members' units,
and what the receipts will say.

A table of category × session, as the network's flyers print it: each cell the price and, if
offered, the reduced price anyone may choose. Saving goes through `update_event` like the API's
PATCH, so every registration's account follows the new prices in the same transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events.errors import InvalidInput
from events.http.common import settings_of
from events.i18n import gettext as _
from events.money.cancellation import Policy
from events.program.models import Event
from events.program.schemas import MAX_PRICE, EventPatch
from events.program.service import update_event
from events.staff.models import StaffAccount
from events.validation import parse
from events.web import csrf
from events.web.pages import render
from events.web.routing import route
from events.web.staff import organizer_event, signed_in

#: A paper receipt of this much or more needs a revenue stamp (収入印紙), unless its issuer is exempt.
STAMP_THRESHOLD = 50_000


def _cells(event: Event) -> dict[str, str]:
    """The form's values for the event as it is: `price.<category>.<session>` and `reduced.…`."""
    values: dict[str, str] = {}
    for price in event.prices:
        key = f"{price['category']}.{price['session']}"
        values[f"price.{key}"] = str(price["amount"])
        if "reduced" in price:
            values[f"reduced.{key}"] = str(price["reduced"])
    policy = Policy.of(event)
    values["policy_from"] = policy.from_date.isoformat() if policy else ""
    values["policy_kind"] = "percent" if policy and policy.percent is not None else "amount"
    values["policy_value"] = str(
        policy.percent if policy and policy.percent is not None else (policy.amount if policy else "")
    )
    return values


def _yen(text: str) -> int | None:
    plain = text.replace(",", "").replace("¥", "").replace("円", "").strip()
    if not plain.isdecimal() or len(plain) > 9 or int(plain) > MAX_PRICE:  # not isdigit: "¹" is a digit int() refuses
        return None
    return int(plain)


def _read(event: Event, form: FormData) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """The patch the form asks for, the values as typed, and what is wrong, by input name."""
    values = {str(name): str(value).strip() for name, value in form.items() if isinstance(value, str)}
    errors: dict[str, str] = {}
    prices = []
    for category in event.category_codes:
        for session in event.sessions:
            key = f"{category}.{session.code}"
            amount_text, reduced_text = values.get(f"price.{key}", ""), values.get(f"reduced.{key}", "")
            if not amount_text:
                if reduced_text:
                    errors[f"reduced.{key}"] = _("A reduced price needs a price.")
                continue
            amount, reduced = _yen(amount_text), _yen(reduced_text) if reduced_text else None
            if amount is None:
                errors[f"price.{key}"] = _("Whole yen, like 2000.")
                continue
            if reduced_text and (reduced is None or reduced > amount):
                errors[f"reduced.{key}"] = _("Whole yen, no more than the price.")
                continue
            price: dict[str, Any] = {"category": category, "session": session.code, "amount": amount}
            if reduced is not None:
                price["reduced"] = reduced
            prices.append(price)
    policy: dict[str, Any] | None = None
    if values.get("policy_from"):
        try:
            from_date = date.fromisoformat(values["policy_from"])
        except ValueError:
            errors["policy_from"] = _("Enter a date like 2026-06-14.")
            from_date = None
        number = values.get("policy_value", "").replace(",", "").replace("%", "").replace("¥", "").strip()
        if values.get("policy_kind") == "percent":
            if not number.isdecimal() or len(number) > 3 or not 1 <= int(number) <= 100:
                errors["policy_value"] = _("A percent from 1 to 100.")
            elif from_date:
                policy = {"from_date": from_date.isoformat(), "percent": int(number)}
        elif _yen(number) is None or not number:
            errors["policy_value"] = _("Whole yen, like 1000.")
        elif from_date:
            policy = {"from_date": from_date.isoformat(), "amount": int(number)}
    patch = {
        "prices": prices,
        "cancellation_policy": policy,
        "member_units_lifted": values.get("units_lifted") == "yes",
    }
    return patch, values, errors


def _page(request: Request, event: Event, status_code: int = 200, **context: Any) -> Response:
    issuer = settings_of(request).issuer
    return render(
        request,
        "staff/fees.html",
        {
            "event": event,
            "values": _cells(event),
            "errors": {},
            "problem": None,
            "saved": request.query_params.get("saved") == "1",
            "issuer": issuer,
            "stamp_threshold": STAMP_THRESHOLD,
            **context,
        },
        status_code,
    )


@signed_in
async def fees_page(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    return _page(request, event)


@signed_in
async def save_fees(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    form = await request.form()
    csrf.check(request, form)
    patch, values, errors = _read(event, form)
    if errors:
        problem = _("Some fees are not valid: see the messages next to them.")
        return _page(request, event, 422, values=values, errors=errors, problem=problem)
    try:
        await update_event(event.slug, parse(EventPatch, patch))
    except InvalidInput as exc:
        return _page(request, event, 422, values=values, problem=next(iter(exc.fields.values()), exc.message))
    url = request.url_for("staff_fees", slug=event.slug).include_query_params(saved="1")
    return RedirectResponse(str(url), status_code=303)


ROUTES = [route("/events/{slug}/fees", name="staff_fees", get=fees_page, post=save_fees)]
