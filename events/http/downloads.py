"""The organizers' downloads (spreadsheets and the PDF report), shared by the API and the staff pages.

Building a file for 10,000 people is CPU work of a few hundred milliseconds to seconds; it runs in
a worker process (`events.offload`) so that the door's scans keep their answers meanwhile.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from events import i18n, offload
from events.errors import InvalidInput
from events.http.common import NO_STORE
from events.i18n import gettext as _
from events.money.figures import money_figures
from events.money.files import ledger_table
from events.program.models import Event
from events.questions.service import answer_counts
from events.reports import attendance, exports, tables

FILES = (
    "attendance.csv",
    "attendance.xlsx",
    "participants.csv",
    "participants.xlsx",
    "payments.csv",
    "payments.xlsx",
    "report.pdf",
)


def wants_bom(request: Request) -> bool:
    """`?bom=0` for plain UTF-8 (other programs); by default a BOM, for Excel on a Japanese Windows."""
    value = request.query_params.get("bom", "1")
    if value not in ("0", "1"):
        raise InvalidInput({"bom": _("0 or 1.")})
    return value == "1"


async def download(request: Request, event: Event, name: str, *, for_people: bool = False) -> Response:
    """The file `name` (one of FILES) for `event`, with its sessions loaded, as an attachment;
    `for_people` (the staff area) heads the participants file in the reader's language."""
    content, media_type = await _build(request, event, name, for_people)
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{event.slug}-{name}"'}
    return Response(content, media_type=media_type, headers=headers)


async def _build(request: Request, event: Event, name: str, for_people: bool) -> tuple[bytes, str]:
    if name == "report.pdf":
        from events.reports.pdf import render_report

        figures = await attendance.attendance(event)
        arrivals = await attendance.arrivals(event)
        answers = await answer_counts(event)
        money = await money_figures(event)
        language = i18n.current_language()
        pdf = await offload.run(
            render_report, event, figures, arrivals, language=language, answers=answers, money=money
        )
        return pdf, "application/pdf"
    kind, _dot, form = name.partition(".")
    if kind == "attendance":
        table = tables.attendance_table(event, await attendance.attendance(event))
    elif kind == "payments":
        table = await ledger_table(event)
    else:
        table = await tables.participants_table(event, for_people=for_people)
    table.rows = list(table.rows)  # rows made here; a generator cannot go to the worker process
    if form == "xlsx":
        return await offload.run(exports.write_xlsx, table), exports.XLSX_TYPE
    bom = wants_bom(request)
    return await offload.run(exports.write_csv, table, bom=bom), exports.CSV_TYPE
