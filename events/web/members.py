"""The member roster's page (organizers of the whole network only): upload, preview, replace, erase.

The file sent back for confirmation travels in the form (as the bank statement's does), so nothing
personal waits on disk between the preview and the import. Door accounts and organizers kept to
one event never reach this page: the roster is the network's, and personal data.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events import clock, offload
from events.i18n import gettext as _
from events.members import roster
from events.members.models import Member, MemberKind
from events.registrations.sheets import UnreadableFile
from events.staff.models import StaffAccount
from events.web import csrf
from events.web.pages import render
from events.web.routing import route
from events.web.staff import network_organizer, signed_in
from events.web.uploads import read_upload

#: A roster of a few thousand people is a few hundred kilobytes.
MAX_BYTES = 4 * 1024 * 1024


def kind_words() -> dict[str, str]:
    return {
        MemberKind.INDIVIDUAL: _("Individual member"),
        MemberKind.ORGANIZATION: _("Organizational member"),
        MemberKind.INDIVIDUAL_SUBSCRIBER: _("Individual subscriber"),
        MemberKind.ORGANIZATION_SUBSCRIBER: _("Organizational subscriber"),
    }


def column_words() -> dict[str, str]:
    return {
        "number": _("Member number"),
        "name": _("Name"),
        "email": _("E-mail address"),
        "kind": _("Type"),
        "units": _("Units"),
        "organization": _("Organization"),
        "valid_until": _("Valid until"),
    }


async def _summary() -> dict[str, Any]:
    members = await Member.all().values_list("kind", "valid_until", "imported_at")
    today = clock.now().date()
    kinds: Counter[str] = Counter(str(kind) for kind, _until, _at in members)
    return {
        "total": len(members),
        "kinds": [(kind, kinds[kind]) for kind in MemberKind if kinds[kind]],
        "lapsed": sum(1 for _kind, until, _at in members if until is not None and until < today),
        "imported_at": max((at for _kind, _until, at in members), default=None),
    }


async def _page(request: Request, status_code: int = 200, **context: Any) -> Response:
    return render(
        request,
        "staff/members.html",
        {
            "summary": await _summary(),
            "preview": None,
            "problem": None,
            "done": request.query_params.get("done", ""),
            "kind_words": kind_words(),
            "column_words": column_words(),
            **context,
        },
        status_code,
    )


@signed_in
async def members_page(request: Request, account: StaffAccount) -> Response:
    network_organizer(account)
    return await _page(request)


@signed_in
async def read_roster(request: Request, account: StaffAccount) -> Response:
    """Upload → the preview (every wrong row listed); confirm → the roster replaced by the file."""
    network_organizer(account)
    upload = await read_upload(request, kept="roster", default_name="roster.csv", max_bytes=MAX_BYTES)
    if upload is None:
        return await _page(request, 422, problem=_("Choose the roster's file first."))
    filename, content, confirm = upload.filename, upload.content, upload.action == "import"
    if len(content) > MAX_BYTES:
        return await _page(request, 422, problem=_("The file is larger than 4 MB: is it the member roster?"))
    try:
        sheet = await offload.run(roster.read, filename, content)
    except UnreadableFile as exc:
        return await _page(request, 422, problem=exc.message)
    preview = await offload.run(roster.check, sheet)
    if confirm and not preview.problems and preview.entries:
        await roster.replace(preview)
        return RedirectResponse(str(request.url_for("staff_members").include_query_params(done="imported")), 303)
    return await _page(
        request,
        422 if preview.problems else 200,
        preview=preview,
        roster=upload.encoded(),
        filename=filename,
    )


@signed_in
async def erase_roster(request: Request, account: StaffAccount) -> Response:
    network_organizer(account)
    form = await request.form()
    csrf.check(request, form)
    await roster.erase()
    return RedirectResponse(str(request.url_for("staff_members").include_query_params(done="erased")), 303)


ROUTES = [
    route("/members", name="staff_members", get=members_page, post=read_roster),
    route("/members/erase", name="staff_members_erase", post=erase_roster),
]
