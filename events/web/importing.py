"""The staff pages for importing paper registrations: upload a file, read the preview, confirm.

The uploaded table waits between the preview and the confirmation as JSON in a private temporary
directory, named by a random id that only the uploader's staff session holds; files older than
`KEEP_SECONDS` are removed at the next upload. After the confirmation the same file keeps what
became of each row, so the skipped rows can still be downloaded.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
import tempfile
import time
from pathlib import Path
from typing import Any

from anyio import to_thread
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events import offload
from events.errors import NotFound
from events.http.common import NO_STORE
from events.i18n import gettext as _
from events.program.models import Event
from events.registrations import importing
from events.registrations.importing import Plan, RowOutcome
from events.registrations.sheets import Sheet, UnreadableFile
from events.reports.exports import CSV_TYPE
from events.staff.models import StaffAccount
from events.web import csrf
from events.web.pages import render
from events.web.routing import route
from events.web.staff import organizer_event, signed_in
from events.web.uploads import file_name

#: Per user of the machine: the tables hold names and e-mail addresses.
UPLOADS_DIR = Path(tempfile.gettempdir()) / f"tsudoi-imports-{os.getuid()}"
#: An upload not confirmed within this time is forgotten.
KEEP_SECONDS = 6 * 3600
#: The staff session remembers this many of its uploads (the newest).
REMEMBERED = 5
SESSION_KEY = "imports"
_BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


# The uploads kept between the preview and the confirmation


def _path(batch: str) -> Path:
    return UPLOADS_DIR / f"{batch}.json"


def _private_directory() -> None:
    """Make the directory, or check that the one there is ours alone (not a link another user planted)."""
    UPLOADS_DIR.mkdir(mode=0o700, exist_ok=True)
    found = os.lstat(UPLOADS_DIR)
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid() or found.st_mode & 0o077:
        raise RuntimeError(f"{UPLOADS_DIR} must be a directory that only this user may read")


def _save(batch: str, stored: dict[str, Any]) -> None:
    _private_directory()
    partial = UPLOADS_DIR / f"{batch}.{secrets.token_hex(4)}.tmp"
    partial.write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, _path(batch))


def _sweep() -> None:
    """Remove uploads older than KEEP_SECONDS (and half-written ones)."""
    cutoff = time.time() - KEEP_SECONDS
    for path in UPLOADS_DIR.glob("*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass  # another worker removed it first


def _claim(batch: str) -> bool:
    """True for the one request that may carry out this upload (a double click sends two)."""
    try:
        (UPLOADS_DIR / f"{batch}.confirming").touch(exist_ok=False)
    except FileExistsError:
        return False
    return True


def _unclaim(batch: str) -> None:
    (UPLOADS_DIR / f"{batch}.confirming").unlink(missing_ok=True)


def _read(batch: str) -> dict[str, Any] | None:
    try:
        path = _path(batch)
        if path.stat().st_mtime < time.time() - KEEP_SECONDS:
            return None
        stored: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return stored


async def _load(request: Request, event: Event, account: StaffAccount) -> tuple[str, dict[str, Any]]:
    """This session's upload of the path's id for this event, or 404 (unknown, expired, or someone else's)."""
    batch = request.path_params["batch"]
    stored = None
    if _BATCH_ID.match(batch) and batch in request.session.get(SESSION_KEY, []):
        stored = await to_thread.run_sync(_read, batch)
    if stored is None or stored["event_id"] != event.id or stored["staff_id"] != account.id:
        raise NotFound(_("This upload has expired or is not yours. Please upload the file again."))
    return batch, stored


# The pages


@signed_in
async def upload_form(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    return render(request, "staff/import.html", {"event": event, "problem": None})


@signed_in
async def template(request: Request, account: StaffAccount) -> Response:
    """An empty spreadsheet with the columns this event's import reads (opens in Excel as it is)."""
    event = await organizer_event(request, account)
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{event.slug}-import-template.csv"'}
    return Response(importing.template_csv(event), media_type="text/csv; charset=utf-8", headers=headers)


@signed_in
async def upload(request: Request, account: StaffAccount) -> Response:
    """Read the file and keep its table; the preview is the next page (so reloading it sends nothing again)."""
    event = await organizer_event(request, account)
    async with request.form(max_files=1, max_fields=5) as form:
        csrf.check(request, form)
        file = form.get("file")
        if not isinstance(file, UploadFile) or not file.filename:
            context = {"event": event, "problem": _("Choose a CSV or Excel file first.")}
            return render(request, "staff/import.html", context, 422)
        filename, content = file_name(file), await file.read()
    try:
        sheet = await offload.run(importing.read, filename, content)
    except UnreadableFile as exc:
        return render(request, "staff/import.html", {"event": event, "problem": exc.message}, 422)
    batch = secrets.token_urlsafe(16)
    stored = {"event_id": event.id, "staff_id": account.id, "sheet": sheet.to_json(), "result": None}
    await to_thread.run_sync(_sweep)
    await to_thread.run_sync(_save, batch, stored)
    request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-(REMEMBERED - 1) :], batch]
    return RedirectResponse(request.url_for("staff_import_batch", slug=event.slug, batch=batch), 303)


@signed_in
async def show(request: Request, account: StaffAccount) -> Response:
    """The preview of an upload, or, once confirmed, what became of each row."""
    event = await organizer_event(request, account)
    batch, stored = await _load(request, event, account)
    sheet = Sheet.from_json(stored["sheet"])
    context: dict[str, Any] = {"event": event, "sheet": sheet, "batch": batch}
    if stored["result"] is not None:
        rows = [RowOutcome.from_json(row) for row in stored["result"]]
        context |= {"done": True, "rows": rows, "columns": None}
    else:
        plan = await importing.preview(event, sheet)
        context |= {"done": False, "rows": plan.rows, "columns": plan.columns}
    rows = context["rows"]
    context |= {
        "counts": importing.counts(rows),
        "imported": sum(1 for row in rows if row.outcome.imported),
        "skipped": sum(1 for row in rows if not row.outcome.imported),
    }
    return render(request, "staff/import_preview.html", context)


@signed_in
async def confirm(request: Request, account: StaffAccount) -> Response:
    """Write every importable row at once; a second confirmation of the same upload does nothing."""
    event = await organizer_event(request, account)
    csrf.check(request, await request.form())
    batch, stored = await _load(request, event, account)
    if stored["result"] is None and await to_thread.run_sync(_claim, batch):
        try:
            plan: Plan = await importing.carry_out(event, Sheet.from_json(stored["sheet"]), staff=account)
        except BaseException:
            await to_thread.run_sync(_unclaim, batch)
            raise
        stored["result"] = [row.to_json() for row in plan.rows]
        await to_thread.run_sync(_save, batch, stored)
    return RedirectResponse(request.url_for("staff_import_batch", slug=event.slug, batch=batch), 303)


@signed_in
async def skipped_rows(request: Request, account: StaffAccount) -> Response:
    """The rows not imported (or, before the confirmation, those that would not be) as CSV, to correct."""
    event = await organizer_event(request, account)
    _batch, stored = await _load(request, event, account)
    sheet = Sheet.from_json(stored["sheet"])
    if stored["result"] is not None:
        rows = [RowOutcome.from_json(row) for row in stored["result"]]
    else:
        rows = (await importing.preview(event, sheet)).rows
    content = importing.skipped_csv(sheet, [row for row in rows if not row.outcome.imported])
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{event.slug}-skipped-rows.csv"'}
    return Response(content, media_type=CSV_TYPE, headers=headers)


ROUTES = [
    route("/events/{slug}/import", name="staff_import", get=upload_form, post=upload),
    route("/events/{slug}/import-template.csv", name="staff_import_template", get=template),
    route("/events/{slug}/import/{batch}", name="staff_import_batch", get=show),
    route("/events/{slug}/import/{batch}/confirm", name="staff_import_confirm", post=confirm),
    route("/events/{slug}/import/{batch}/skipped.csv", name="staff_import_skipped", get=skipped_rows),
]
