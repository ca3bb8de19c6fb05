"""The funder's attendance report: the figures of `attendance` as a one-to-three-page A4 PDF.

Plain data in, PDF bytes out: no database and no request, so the route can run it in a worker
thread. Its order is the reader's: the headline totals, the table per session and day, a chart
of who was expected against who came, the arrivals at each door, the categories, and last the
definition of every heading, so a figure is never read as something it does not count.

Text is drawn with the badge fonts, run by run (`fonts.runs`), so a title in Japanese, Korean or
Latin with diacritics prints as typed and is real, searchable text. Paragraph markup is built
from escaped text only, so a title like `<b>` prints as typed too.
"""

from __future__ import annotations

import contextvars
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from functools import partial
from math import ceil, floor, log10
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from babel.dates import format_interval, format_skeleton
from babel.numbers import format_decimal
from reportlab import rl_config
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from events import clock, fonts, i18n
from events.i18n import gettext as _
from events.money.figures import FIGURES, MoneyFigures
from events.money.figures import headings as money_headings
from events.money.words import yen
from events.program.models import Event
from events.reports.attendance import HEADINGS, Arrivals, definition

if TYPE_CHECKING:
    from events.questions.service import QuestionCounts

# Binary (Flate only) page streams, as for the badges: smaller files and no time spent on ASCII85.
rl_config.useA85 = 0

MARGIN = 15 * mm
LEFT = MARGIN + 6  # where text starts: the page template's frame has its own 6 pt padding
WIDTH = A4[0] - 2 * LEFT

INK = HexColor("#1d2327")
MUTED_HEX = "#5b6670"
MUTED = HexColor(MUTED_HEX)
RULE = HexColor("#c3cbd2")
SHADE = HexColor("#eef1f4")
# Blue for the seats promised, green for the people who came: told apart in grey print by lightness too.
CONFIRMED = HexColor("#1f5fa8")
CHECKED_IN = HexColor("#5fb58a")

SESSION_FIGURES = ("capacity", "confirmed", "waitlisted", "checked_in", "walk_ins", "no_show", "guests")
CATEGORY_FIGURES = ("confirmed", "waitlisted", "cancelled", "checked_in_unique")
HEADLINE_FIGURES = ("confirmed", "waitlisted", "cancelled", "checked_in_unique", "guests")


def render_report(
    event: Event,
    figures: dict[str, Any],
    arrivals: list[Arrivals],
    *,
    language: str,
    answers: Sequence[QuestionCounts] = (),
    money: MoneyFigures | None = None,
) -> bytes:
    """A one-to-three-page PDF summary for the annual report and funders.

    Runs in a copy of the caller's context: the language is set for this report only, and the
    caller's own language (a request's, a test's) is left as it was.
    """
    return contextvars.copy_context().run(_render, event, figures, arrivals, language, answers, money)


def _render(
    event: Event,
    figures: dict[str, Any],
    arrivals: list[Arrivals],
    language: str,
    answers: Sequence[QuestionCounts],
    money: MoneyFigures | None,
) -> bytes:
    i18n.set_language(language)
    report = Report(event, fonts.families(language))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=event.title,
        subject=_("Attendance report"),
        creator="Tsudoi",
        lang=i18n.current_language(),
        pageCompression=1,
    )
    story = [
        *report.title(figures),
        *report.sessions_table(figures),
        *report.peaks(figures["sessions"]),
        *report.sessions_chart(figures["sessions"]),
        *report.arrivals(figures["sessions"], arrivals),
        *report.categories_table(figures["categories"]),
        *report.money_table(money),
        *report.answers_table(answers),
        *report.definitions(),
    ]
    document.build(story, canvasmaker=partial(PagedCanvas, footer=report.footer))
    return buffer.getvalue()


class Report:
    """The report's parts, each a list of flowables, drawn in the badge fonts and the reader's language."""

    def __init__(self, event: Event, families: dict[str, fonts.Family]) -> None:
        self.event = event
        self.regular, self.bold = families["regular"], families["bold"]
        self.latin = self.regular.faces[0].name
        self.latin_bold = self.bold.faces[0].name
        self.locale = _babel_locale(i18n.current_language())
        self.generated = clock.local(clock.now(), event.timezone)
        self.styles = _styles(self.latin)

    # Text ----------------------------------------------------------------------------------

    def text(self, text: str, style: str, *, bold: bool = False) -> Paragraph:
        """A paragraph of plain text (never markup), each character in a face that has it."""
        return self.paragraph(self.markup(text, bold=bold), style, ideographic=_ideographic(text))

    def paragraph(self, markup: str, style: str, *, ideographic: bool = False) -> Paragraph:
        """Japanese and Chinese have no spaces to break lines at: those paragraphs wrap between characters."""
        chosen = self.styles[style]
        if ideographic:
            chosen = ParagraphStyle(f"{chosen.name}-cjk", parent=chosen, wordWrap="CJK")
        return Paragraph(markup, chosen)

    def markup(self, text: str, *, bold: bool = False) -> str:
        family = self.bold if bold else self.regular
        return "".join(f'<font name="{name}">{escape(piece)}</font>' for name, piece in fonts.runs(text, family))

    def number(self, value: int | None) -> str:
        return "" if value is None else format_decimal(value, locale=self.locale)

    def heading(self, text: str) -> Paragraph:
        return self.text(text, "heading", bold=True)

    # Parts ---------------------------------------------------------------------------------

    def title(self, figures: dict[str, Any]) -> list[Flowable]:
        """The event, when and where, when this was printed, and the event's totals in large type."""
        event = self.event
        where = ", ".join(part for part in (event.venue, event.city) if part)
        dates = format_interval(event.starts_on, event.ends_on, "yMMMd", locale=self.locale)
        generated = _("Generated on %(date)s") % {"date": self._day_and_time(self.generated)}
        return [
            self.text(_("Attendance report"), "kicker", bold=True),
            self.text(event.title, "title", bold=True),
            self.text(" · ".join(part for part in (dates, where) if part), "subtitle"),
            self.text(generated, "small"),
            Spacer(0, 4 * mm),
            self._headline(figures),
            Spacer(0, 5 * mm),
        ]

    def _headline(self, figures: dict[str, Any]) -> Table:
        totals = {
            **figures["registrations"],
            "checked_in_unique": figures["checked_in_unique"],
            "guests": figures["guests"],
        }
        groups = [
            self.text(_("Registrations"), "small", bold=True),
            "",
            "",
            self.text(_("Attendance"), "small", bold=True),
        ]
        values = [self.text(self.number(totals[key]), "figure", bold=True) for key in HEADLINE_FIGURES]
        labels = [self.text(HEADINGS[key](), "small") for key in HEADLINE_FIGURES]
        table = Table([[*groups, ""], values, labels], colWidths=[WIDTH / len(HEADLINE_FIGURES)] * 5)
        table.setStyle(
            TableStyle(
                [
                    ("SPAN", (0, 0), (2, 0)),
                    ("SPAN", (3, 0), (4, 0)),
                    ("LINEBELOW", (0, 0), (2, 0), 0.6, CONFIRMED),
                    ("LINEBELOW", (3, 0), (4, 0), 0.6, CHECKED_IN),
                    ("BACKGROUND", (0, 1), (-1, -1), SHADE),
                    ("LINEBEFORE", (3, 1), (3, -1), 2, white),
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("TOPPADDING", (0, 1), (-1, 1), 5),
                    ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
                ]
            )
        )
        return table

    def sessions_table(self, figures: dict[str, Any]) -> list[Flowable]:
        """One row per session, then the different people checked in on each day."""
        header = [self.text(_("Session"), "th", bold=True), self.text(_("Starts"), "th", bold=True)]
        header += [self.text(HEADINGS[key](), "th-number", bold=True) for key in SESSION_FIGURES]
        rows: list[list[Any]] = [header]
        for session in figures["sessions"]:
            starts = datetime.fromisoformat(session["starts_at"])
            rows.append(
                [
                    self._titled(session["title"], session["code"]),
                    self.text(self._day_and_time(starts, short=True), "td"),
                    *(self.number(session[key]) for key in SESSION_FIGURES),
                ]
            )
        first_day_row = len(rows) + 1
        checked_in = 2 + SESSION_FIGURES.index("checked_in")
        if figures["days"]:
            rows.append([self.text(_("Different people checked in, by day"), "td", bold=True)])
            for day in figures["days"]:
                label = format_skeleton("yMMMEd", date.fromisoformat(day["date"]), locale=self.locale)
                rows.append([self.text(label, "td"), *[""] * (checked_in - 1), self.number(day["checked_in_unique"])])
        rows = [row + [""] * (len(header) - len(row)) for row in rows]

        number_width = (WIDTH - 66 * mm) / len(SESSION_FIGURES)
        table = Table(rows, colWidths=[45 * mm, 21 * mm, *[number_width] * len(SESSION_FIGURES)], repeatRows=1)
        style = self._table_style(len(rows)) + [
            ("FONTNAME", (2, 1), (-1, -1), self.latin),
            ("LEFTPADDING", (2, 0), (-1, -1), 3),
            ("RIGHTPADDING", (2, 0), (-2, -1), 3),
        ]
        if figures["days"]:
            group = first_day_row - 1
            style += [
                ("SPAN", (0, group), (-1, group)),
                ("LINEABOVE", (0, group), (-1, group), 0.8, MUTED),
                ("BACKGROUND", (0, group), (-1, group), SHADE),
                ("FONTNAME", (checked_in, first_day_row), (checked_in, -1), self.latin_bold),
            ]
            style += [("SPAN", (0, row), (checked_in - 1, row)) for row in range(first_day_row, len(rows))]
        table.setStyle(TableStyle(style))
        return [self.heading(_("Sessions")), table, Spacer(0, 5 * mm)]

    def peaks(self, sessions: list[dict[str, Any]]) -> list[Flowable]:
        """Sessions whose door counts exits: the most inside at once, and when."""
        counted = [session for session in sessions if "peak_inside" in session]
        if not counted:
            return []
        header = [self.text(_("Session"), "th", bold=True)]
        header += [self.text(HEADINGS[key](), "th", bold=True) for key in ("peak_inside", "peak_at")]
        rows: list[list[Any]] = [header]
        for session in counted:
            when = datetime.fromisoformat(session["peak_at"]) if session["peak_at"] else None
            rows.append(
                [
                    self._titled(session["title"], session["code"]),
                    self.number(session["peak_inside"]),
                    self.text(self._day_and_time(when, short=True) if when else "—", "td"),
                ]
            )
        table = Table(rows, colWidths=[WIDTH - 70 * mm, 30 * mm, 40 * mm], repeatRows=1)
        table.setStyle(TableStyle(self._table_style(len(rows))))
        return [self.heading(HEADINGS["peak_inside"]()), table, Spacer(0, 5 * mm)]

    def _titled(self, title: str, code: str, *, bold: bool = False) -> Paragraph:
        """A session's title with its code after it, small and grey: the code is what the charts show."""
        small = f'<font name="{self.latin}" size="7" color="{MUTED_HEX}">({escape(code)})</font>'
        return self.paragraph(f"{self.markup(title, bold=bold)} {small}", "td", ideographic=_ideographic(title))

    def _day_and_time(self, moment: datetime, *, short: bool = False) -> str:
        day = format_skeleton("Md" if short else "yMMMd", moment, locale=self.locale)
        return f"{day} {moment:%H:%M}"

    def _table_style(self, rows: int) -> list[tuple[Any, ...]]:
        """Ruled like a printed statistics table: a line under the header, faint lines under the next `rows` - 1."""
        return [
            ("FONTSIZE", (0, 0), (-1, -1), 8.5),
            ("TEXTCOLOR", (0, 0), (-1, -1), INK),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
            ("LINEBELOW", (0, 1), (-1, rows - 1), 0.25, RULE),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("LEFTPADDING", (0, 0), (0, -1), 1),
            ("RIGHTPADDING", (-1, 0), (-1, -1), 1),
        ]

    def sessions_chart(self, sessions: Sequence[dict[str, Any]]) -> list[Flowable]:
        """Confirmed seats beside people checked in, a pair of bars per session, labelled by code."""
        if not sessions:
            return []
        height = 62 * mm
        drawing = Drawing(WIDTH, height)
        chart = self._bar_chart(
            [[session["confirmed"] for session in sessions], [session["checked_in"] for session in sessions]],
            [session["code"] for session in sessions],
            x=12 * mm,
            y=9 * mm,
            width=WIDTH - 14 * mm,
            height=height - 20 * mm,
        )
        chart.bars[0].fillColor = CONFIRMED
        chart.bars[1].fillColor = CHECKED_IN
        chart.barLabelFormat = lambda value: self.number(int(value))
        chart.barLabels.fontName = self.latin
        chart.barLabels.fontSize = 6.5
        chart.barLabels.nudge = 5
        chart.barSpacing = 1
        chart.groupSpacing = 8 if len(sessions) < 8 else 4
        if len(sessions) > 8:
            chart.categoryAxis.labels.angle = 30
            chart.categoryAxis.labels.boxAnchor = "ne"
        drawing.add(chart)
        drawing.add(
            self._legend([(CONFIRMED, HEADINGS["confirmed"]()), (CHECKED_IN, HEADINGS["checked_in"]())], height)
        )
        return [self.heading(_("Confirmed and checked in, by session")), drawing, Spacer(0, 4 * mm)]

    def _bar_chart(
        self, data: list[list[int]], names: list[str], *, x: float, y: float, width: float, height: float
    ) -> VerticalBarChart:
        """A bar chart from zero in whole-number steps, with print-friendly thin axes in the Latin face."""
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = x, y, width, height
        chart.data = data
        chart.categoryAxis.categoryNames = names
        chart.categoryAxis.labels.fontName = self.latin
        chart.categoryAxis.labels.fontSize = 7
        chart.categoryAxis.labels.dy = -2
        chart.categoryAxis.strokeColor = MUTED
        chart.categoryAxis.tickDown = 2
        top, step = _scale(max((value for series in data for value in series), default=0))
        chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, top, step
        chart.valueAxis.labelTextFormat = lambda value: self.number(int(value))
        chart.valueAxis.labels.fontName = self.latin
        chart.valueAxis.labels.fontSize = 7
        chart.valueAxis.strokeColor = MUTED
        chart.valueAxis.visibleGrid = True
        chart.valueAxis.gridStrokeColor = RULE
        chart.valueAxis.gridStrokeWidth = 0.25
        for index in range(len(data)):
            chart.bars[index].strokeColor = None
        return chart

    def _legend(self, pairs: list[tuple[Color, str]], height: float) -> Legend:
        legend = Legend()
        legend.colorNamePairs = pairs
        legend.fontName = _face_covering("".join(label for _colour, label in pairs), self.regular)
        legend.fontSize = 8
        legend.columnMaximum = 1
        legend.alignment = "right"
        legend.boxAnchor = "ne"
        legend.x, legend.y = WIDTH, height - 2
        legend.dx = legend.dy = 7
        legend.dxTextSpace = 4
        legend.deltax = 8 * mm + max(pdfmetrics.stringWidth(label, legend.fontName, 8) for _colour, label in pairs)
        legend.strokeColor = None
        return legend

    def arrivals(self, sessions: Sequence[dict[str, Any]], arrivals: Iterable[Arrivals]) -> list[Flowable]:
        """For each session anyone came to, check-ins per interval: when the door was busiest."""
        found = [item for item in arrivals if item.counts]
        minutes = found[0].minutes if found else 10
        heading = self.heading(_("Arrivals: check-ins every %(minutes)s minutes") % {"minutes": minutes})
        if not found:
            return [heading, self.text(_("Nobody has been checked in yet."), "td"), Spacer(0, 5 * mm)]
        titles = {session["code"]: session for session in sessions}
        cells = [self._arrivals_cell(item, titles.get(item.session)) for item in found]
        if len(cells) % 2:
            cells.append([])
        grid = Table([cells[index : index + 2] for index in range(0, len(cells), 2)], colWidths=[WIDTH / 2] * 2)
        grid.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 3 * mm),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
                ]
            )
        )
        return [heading, grid, Spacer(0, 3 * mm)]

    def _arrivals_cell(self, arrivals: Arrivals, session: dict[str, Any] | None) -> list[Flowable]:
        counts = [count for _start, count in arrivals.counts]
        busiest = max(range(len(counts)), key=counts.__getitem__)
        title = session["title"] if session else arrivals.session
        caption = _("Check-ins: %(total)s; the busiest %(minutes)s minutes, from %(time)s: %(count)s") % {
            "total": self.number(sum(counts)),
            "minutes": arrivals.minutes,
            "time": f"{arrivals.counts[busiest][0]:%H:%M}",
            "count": self.number(counts[busiest]),
        }
        width, height = WIDTH / 2 - 3 * mm, 36 * mm
        drawing = Drawing(width, height)
        chart = self._bar_chart(
            [counts], _time_labels(arrivals), x=9 * mm, y=6 * mm, width=width - 10 * mm, height=height - 8 * mm
        )
        chart.bars[0].fillColor = CHECKED_IN
        chart.groupSpacing = 0.6 if len(counts) > 30 else 1.5
        chart.categoryAxis.tickDown = 0
        drawing.add(chart)
        return [self._titled(title, arrivals.session, bold=True), self.text(caption, "small"), drawing]

    def categories_table(self, categories: Sequence[dict[str, Any]]) -> list[Flowable]:
        """Registrations and people by participant category, with the event's totals underneath."""
        header = [self.text(_("Category"), "th", bold=True)]
        header += [self.text(HEADINGS[key](), "th-number", bold=True) for key in CATEGORY_FIGURES]
        rows: list[list[Any]] = [header]
        for category in categories:
            rows.append([self.text(category["label"], "td"), *(self.number(category[key]) for key in CATEGORY_FIGURES)])
        totals = [self.number(sum(category[key] for category in categories)) for key in CATEGORY_FIGURES]
        rows.append([self.text(_("Total"), "td", bold=True), *totals])
        number_width = (WIDTH - 72 * mm) / len(CATEGORY_FIGURES)
        table = Table(rows, colWidths=[72 * mm, *[number_width] * len(CATEGORY_FIGURES)], repeatRows=1)
        style = self._table_style(len(rows) - 1) + [
            ("FONTNAME", (1, 1), (-1, -1), self.latin),
            ("FONTNAME", (1, -1), (-1, -1), self.latin_bold),
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK),
        ]
        table.setStyle(TableStyle(style))
        return [self.heading(_("By category")), table, Spacer(0, 5 * mm)]

    def money_table(self, money: MoneyFigures | None) -> list[Flowable]:
        """The fees by category: charged, paid by how, refunded, waived, still to pay, to give back."""
        if money is None or not money.any:
            return []
        words = money_headings()
        header = [self.text(_("Category"), "th", bold=True)]
        header += [self.text(words[key], "th-number", bold=True) for key in FIGURES]
        rows: list[list[Any]] = [header]
        for _code, label, sums in money.categories:
            rows.append([self.text(label, "td"), *(yen(getattr(sums, key)) for key in FIGURES)])
        rows.append([self.text(_("Total"), "td", bold=True), *(yen(getattr(money.totals, key)) for key in FIGURES)])
        number_width = (WIDTH - 38 * mm) / len(FIGURES)
        table = Table(rows, colWidths=[38 * mm, *[number_width] * len(FIGURES)], repeatRows=1)
        style = self._table_style(len(rows) - 1) + [
            ("FONTNAME", (1, 1), (-1, -1), self.latin),
            ("FONTNAME", (1, -1), (-1, -1), self.latin_bold),
            ("FONTSIZE", (1, 1), (-1, -1), 8),
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK),
        ]
        table.setStyle(TableStyle(style))
        return [self.heading(_("Fees")), table, Spacer(0, 5 * mm)]

    def answers_table(self, answers: Sequence[QuestionCounts]) -> list[Flowable]:
        """Each choice and yes/no question's answers, counted: what to book interpreters, childcare and food for."""
        if not answers:
            return []
        header = [
            self.text(_("Question"), "th", bold=True),
            self.text(_("People per answer"), "th", bold=True),
            self.text(_("Answered"), "th-number", bold=True),
        ]
        rows: list[list[Any]] = [header]
        for counts in answers:
            summary = ", ".join(
                f"{counts.option_label(option)} {self.number(people)}" for option, people in counts.options
            )
            rows.append([self.text(counts.label, "td"), self.text(summary, "td"), self.number(counts.answered)])
        table = Table(rows, colWidths=[60 * mm, WIDTH - 80 * mm, 20 * mm], repeatRows=1)
        style = self._table_style(len(rows)) + [("FONTNAME", (2, 1), (2, -1), self.latin)]
        table.setStyle(TableStyle(style))
        return [self.heading(_("Answers")), table, Spacer(0, 5 * mm)]

    def definitions(self) -> list[Flowable]:
        """Every heading above with the one line that says what it counts (`DEFINITIONS`)."""
        rows = [
            [self.text(HEADINGS[key](), "small", bold=True), self.text(definition(key), "small")] for key in HEADINGS
        ]
        table = Table(rows, colWidths=[40 * mm, WIDTH - 40 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (0, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ]
            )
        )
        return [self.heading(_("Definitions")), table]

    # Page furniture --------------------------------------------------------------------------

    def footer(self, canvas: Canvas, page: int, pages: int) -> None:
        """The event and print date on the left, the page number on the right, in small grey type."""
        canvas.saveState()
        canvas.setFillColor(MUTED)
        left = f"{self.event.title} · {_('Generated on %(date)s') % {'date': self._day_and_time(self.generated)}}"
        y = MARGIN - 1 * mm
        self._draw(canvas, left, LEFT, y, 7)
        right = _("Page %(page)s of %(pages)s") % {"page": page, "pages": pages}
        self._draw(canvas, right, LEFT + WIDTH - fonts.width(right, self.regular, 7), y, 7)
        canvas.restoreState()

    def _draw(self, canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
        for name, piece in fonts.runs(text, self.regular):
            canvas.setFont(name, size)
            canvas.drawString(x, y, piece)
            x += pdfmetrics.stringWidth(piece, name, size)


class PagedCanvas(Canvas):  # type: ignore[misc]
    """A canvas that holds its pages until the end, so each footer can say "page 1 of 3"."""

    def __init__(self, *args: Any, footer: Callable[[Canvas, int, int], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._held: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        for state in self._held:
            self.__dict__.update(state)
            self._footer(self, self._pageNumber, len(self._held))
            super().showPage()
        super().save()


def _styles(latin: str) -> dict[str, ParagraphStyle]:
    """The paragraph styles, in the Latin face by default (each run names its own face anyway)."""
    base = ParagraphStyle("td", fontName=latin, fontSize=8.5, leading=10.5, textColor=INK)
    return {
        "td": base,
        "th": ParagraphStyle("th", parent=base, fontSize=7, leading=8.5),
        "th-number": ParagraphStyle("th-number", parent=base, fontSize=7, leading=8.5, alignment=TA_RIGHT),
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, textColor=MUTED),
        "kicker": ParagraphStyle("kicker", parent=base, fontSize=9, leading=12, textColor=CONFIRMED),
        "title": ParagraphStyle("title", parent=base, fontSize=19, leading=24, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10.5, leading=14),
        "figure": ParagraphStyle("figure", parent=base, fontSize=17, leading=20),
        "heading": ParagraphStyle("heading", parent=base, fontSize=11.5, leading=15, spaceAfter=3, keepWithNext=1),
    }


def _babel_locale(language: str) -> str:
    """Babel names Tagalog's locale `fil` (Filipino)."""
    return "fil" if language == "tl" else language


def _ideographic(text: str) -> bool:
    """True when the text has kanji, kana or hanzi: scripts written without spaces between words."""
    return any(
        0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF for code in map(ord, text)
    )


def _face_covering(text: str, family: fonts.Family) -> str:
    """The first face with every character of `text`: a chart label has one font, not runs."""
    needed = {ord(char) for char in text}
    for face in family.faces:
        if all(code in face.characters for code in needed):
            return face.name
    return family.faces[-1].name


def _scale(top: int, ticks: int = 5) -> tuple[int, int]:
    """An axis from 0 to a little above `top` in steps of 1, 2 or 5 × 10ⁿ: no tick reads 2.5 people."""
    headroom = max(ceil(top * 1.1), 1)
    rough = headroom / ticks
    magnitude = 10 ** floor(log10(rough)) if rough >= 1 else 1
    step = next(factor * magnitude for factor in (1, 2, 5, 10) if factor * magnitude >= rough)
    return ceil(headroom / step) * step, step


def _time_labels(arrivals: Arrivals, most: int = 7) -> list[str]:
    """HH:MM under the bars that start a round interval (10, 30 minutes, an hour…), at most `most` of them."""
    span = len(arrivals.counts) * arrivals.minutes
    every = next((length for length in (10, 20, 30, 60, 120, 180, 240, 360, 720, 1440) if span / length <= most), 1440)
    every = max(every, arrivals.minutes)
    labels = [
        f"{start:%H:%M}" if (start.hour * 60 + start.minute) % every == 0 else "" for start, _count in arrivals.counts
    ]
    if not any(labels):
        labels[0] = f"{arrivals.counts[0][0]:%H:%M}"
    return labels
