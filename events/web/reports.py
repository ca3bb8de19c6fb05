"""The staff area's reports: one event's attendance as a page with its files, and the network's events compared.

Organizers read these on a phone in the hall as often as at a desk; the charts are SVG drawn on the
server (`events.web.charts`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from babel.dates import format_interval
from starlette.requests import Request
from starlette.responses import Response

from events import i18n
from events.errors import NotFound
from events.http.common import NO_STORE
from events.http.downloads import FILES, download, wants_bom
from events.i18n import gettext as _
from events.money.figures import headings as money_headings
from events.money.figures import money_figures
from events.program.models import Event, SessionKind
from events.questions.service import answer_counts
from events.reports import attendance, exports, history
from events.staff.models import StaffAccount
from events.web.charts import arrival_chart, session_bars
from events.web.pages import render
from events.web.routing import route
from events.web.staff import network_organizer, organizer_event, organizer_only, signed_in

#: How a check-in was taken: its heading and the line that says what it means.
SOURCES: dict[str, tuple[Callable[[], str], Callable[[], str]]] = {
    "scan": (
        lambda: _("Badge scanned"),
        lambda: _("The QR code on the badge, read by a camera or a handheld scanner."),
    ),
    "typed": (lambda: _("Code typed"), lambda: _("The registration code typed in at the door.")),
    "search": (
        lambda: _("Found by name"),
        lambda: _("Found by name, reading or organization at the door (a lost badge)."),
    ),
    "paper": (lambda: _("Paper sheet"), lambda: _("Ticked on a printed sign-in sheet and entered afterwards.")),
    "walk_in": (lambda: _("Walk-in"), lambda: _("Registered at the desk on the day and checked in at once.")),
    "kiosk": (lambda: _("Kiosk"), lambda: _("Checked themselves in at a self check-in kiosk.")),
}

FILE_LABELS: dict[str, Callable[[], str]] = {
    "attendance.csv": lambda: _("Attendance per session (CSV)"),
    "attendance.xlsx": lambda: _("Attendance per session (Excel)"),
    "participants.csv": lambda: _("Participants and their check-ins (CSV)"),
    "participants.xlsx": lambda: _("Participants and their check-ins (Excel)"),
    "payments.csv": lambda: _("Payments and charges, every entry (CSV)"),
    "payments.xlsx": lambda: _("Payments and charges, every entry (Excel)"),
    "report.pdf": lambda: _("Report to print (PDF)"),
}

KIND_LABELS: dict[str, Callable[[], str]] = {
    SessionKind.DAY: lambda: _("Day sessions"),
    SessionKind.PLENARY: lambda: _("Plenaries"),
    SessionKind.WORKSHOP: lambda: _("Workshops"),
    SessionKind.LECTURE: lambda: _("Lectures"),
    SessionKind.SYMPOSIUM: lambda: _("Symposia"),
    SessionKind.RECEPTION: lambda: _("Receptions"),
    SessionKind.OTHER: lambda: _("Other sessions"),
}


@signed_in
async def report_page(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    figures = await attendance.attendance(event)
    arrivals = await attendance.arrivals(event)
    context = report_context(event, figures, arrivals)
    context["answer_counts"] = await answer_counts(event)
    context["money"] = await money_figures(event)
    context["money_headings"] = money_headings()
    return render(request, "staff/report.html", context)


@signed_in
async def download_file(request: Request, account: StaffAccount) -> Response:
    organizer_only(account)
    name = request.path_params["name"]
    if name not in FILES:
        raise NotFound(_("There is no such file."))
    event = await organizer_event(request, account)
    return await download(request, event, name, for_people=True)


@signed_in
async def history_page(request: Request, account: StaffAccount) -> Response:
    network_organizer(account)
    rows = await history.compare_events()
    kinds = [(kind, KIND_LABELS[kind]()) for kind in history.kinds_in(rows)]
    dates = {row.slug: short_dates(row.starts_on, row.ends_on) for row in rows}
    context = {"rows": rows, "kinds": kinds, "dates": dates, "headings": _history_headings()}
    return render(request, "staff/history.html", context)


@signed_in
async def history_csv(request: Request, account: StaffAccount) -> Response:
    network_organizer(account)
    bom = wants_bom(request)
    table = history.history_table(await history.compare_events())
    content = exports.write_csv(table, bom=bom)  # one line per event: no need for a worker thread
    headers = {**NO_STORE, "Content-Disposition": 'attachment; filename="tsudoi-events.csv"'}
    return Response(content, media_type=exports.CSV_TYPE, headers=headers)


def short_dates(starts_on: date, ends_on: date) -> str:
    """`Dec 26 – 27, 2026`, `2026年12月26日～27日`: years of events read down one narrow column."""
    language = i18n.current_language()
    return str(format_interval(starts_on, ends_on, skeleton="yMMMd", locale="fil" if language == "tl" else language))


def _history_headings() -> dict[str, str]:
    return {
        "confirmed": _("Registrations confirmed"),
        "confirmed_means": _("Registrations confirmed now: not on the waiting list, not cancelled."),
        "people": attendance.HEADINGS["checked_in_unique"](),
        "people_means": attendance.definition("checked_in_unique"),
        "kinds_means": _(
            "Attendance per kind of session: the check-ins at all the event's sessions of that kind, added up, "
            "so a person at both day sessions counts twice. Unregistered guests are not included. "
            "— : the event had no session of that kind."
        ),
    }


def report_context(event: Event, figures: dict[str, Any], arrivals: list[attendance.Arrivals]) -> dict[str, Any]:
    """What the report page shows: the figures, the charts' geometry, the definitions, the files."""
    sessions = figures["sessions"]
    titles = {row["code"]: row["title"] for row in sessions}
    registered = sum(figures["registrations"].values())
    headings = {key: label() for key, label in attendance.HEADINGS.items()}
    return {
        "event": event,
        "figures": figures,
        "starts": {session.code: session.starts_at for session in event.sessions},
        "peak_times": {
            row["code"]: datetime.fromisoformat(row["peak_at"]) if row.get("peak_at") else None for row in sessions
        },
        "days": [(date.fromisoformat(day["date"]), day["checked_in_unique"]) for day in figures["days"]],
        "headings": headings,
        "definitions": [(headings[key], attendance.definition(key)) for key in attendance.HEADINGS],
        "sources": [(code, label(), means()) for code, (label, means) in SOURCES.items()],
        "source_totals": {code: sum(row["by_source"].get(code, 0) for row in sessions) for code in SOURCES},
        "has_figures": bool(registered or figures["guests"] or any(row["checked_in"] for row in sessions)),
        "has_checkins": any(row["checked_in"] for row in sessions),
        "bars": session_bars(sessions),
        "arrival_charts": [arrival_chart(titles[item.session], item) for item in arrivals if item.counts],
        "arrivals_elsewhere": sum(item.elsewhere for item in arrivals),
        "files": [(name, FILE_LABELS[name]()) for name in FILES],
    }


ROUTES = [
    route("/events/{slug}/report", name="staff_report", get=report_page),
    route("/events/{slug}/downloads/{name}", name="staff_download", get=download_file),
    route("/reports", name="staff_history", get=history_page),
    route("/reports/events.csv", name="staff_history_csv", get=history_csv),
]
