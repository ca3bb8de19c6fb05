"""The staff page where organizers match a bank statement's deposits to registrations (organizers only).

Upload the statement: the preview says what each line would do and records nothing. Confirm: the
same file, carried in the form, is read again, matched again against what is owed now, and its
matched deposits are recorded. A line recorded once is never recorded again.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from events import offload
from events.i18n import gettext as _
from events.money import statements
from events.money.statements import Match, Outcome
from events.program.models import Event
from events.registrations.sheets import UnreadableFile
from events.staff.models import StaffAccount
from events.web.pages import render
from events.web.routing import route
from events.web.staff import organizer_event, signed_in
from events.web.uploads import read_upload

#: A statement is a few hundred lines; this is far above any.
MAX_BYTES = 2 * 1024 * 1024


def outcome_words() -> dict[str, str]:
    return {
        Outcome.MATCHED: _("Matches what this person owes"),
        Outcome.RECORDED: _("Recorded as received"),
        Outcome.AMOUNT_DIFFERS: _("A different amount from what is owed: check it and record it on the person's page"),
        Outcome.PAID_ALREADY: _("Nothing is owed, or this line was recorded before"),
        Outcome.NO_REFERENCE: _("No transfer reference before the name"),
        Outcome.NOT_THIS_EVENT: _("The reference is not of this event"),
        Outcome.NOT_A_DEPOSIT: _("Not a deposit"),
    }


def _page(request: Request, event: Event, status_code: int = 200, **context: Any) -> Response:
    return render(
        request,
        "staff/transfers.html",
        {"event": event, "problem": None, "matches": None, "words": outcome_words(), **context},
        status_code,
    )


@signed_in
async def transfers_page(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    return _page(request, event)


@signed_in
async def read_statement(request: Request, account: StaffAccount) -> Response:
    """Upload → the preview; confirm → the matched deposits recorded, the rest listed."""
    event = await organizer_event(request, account)
    upload = await read_upload(request, kept="statement", default_name="statement.csv", max_bytes=MAX_BYTES)
    if upload is None:
        return _page(request, event, 422, problem=_("Choose the bank statement's file first."))
    filename, content, confirm = upload.filename, upload.content, upload.action == "record"
    if len(content) > MAX_BYTES:
        return _page(request, event, 422, problem=_("The file is larger than 2 MB: is it a bank statement?"))
    try:
        lines = await offload.run(statements.read, filename, content)
    except UnreadableFile as exc:
        return _page(request, event, 422, problem=exc.message)
    matches: list[Match] = (
        await statements.record(event, lines, account) if confirm else await statements.match(event, lines)
    )
    return _page(
        request,
        event,
        matches=matches,
        recorded=confirm,
        matched=sum(1 for found in matches if found.outcome == Outcome.MATCHED),
        statement=upload.encoded(),
        filename=filename,
    )


ROUTES = [route("/events/{slug}/transfers", name="staff_transfers", get=transfers_page, post=read_statement)]
