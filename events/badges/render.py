"""Drawing badges: plain data in, PDF out. No database, no request.

A badge adapts to its box: tall boxes (A6) stack the text above the QR code, wide boxes (the
sheet layouts) put the QR code at the right. Names shrink to fit and wrap onto two lines when
long; nothing is ever drawn outside its box. Text is drawn with `drawString` only (never a
markup-parsing Paragraph), so a name like `<img src=…>` prints as typed.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import IO

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab import rl_config
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4, A6, letter
from reportlab.lib.units import inch, mm
from reportlab.pdfgen.canvas import Canvas

from events import fonts
from events.registrations.codes import display_code

# Binary (Flate only) page streams: smaller files and no time spent on ASCII85.
rl_config.useA85 = 0

INK = HexColor("#1d2327")
MUTED = HexColor("#5b6670")
CROP = HexColor("#9aa5ae")

# Category bands: members in greens, non-members blue, guests orange, staff dark red.
BAND_COLOURS = {
    "individual_member": HexColor("#0b6e4f"),
    "organizational_member": HexColor("#2f8f5b"),
    "subscriber": HexColor("#5b8f2f"),
    "member": HexColor("#0b6e4f"),
    "non_member": HexColor("#1f5fa8"),
    "guest": HexColor("#c2610c"),
    "staff": HexColor("#9b1c2e"),
    "participant": HexColor("#4a5560"),
}
_SPARE = [HexColor(value) for value in ("#6b3fa0", "#00778a", "#8a6d00", "#a0306b", "#3d5a80")]


def band_colour(category: str) -> Color:
    if category in BAND_COLOURS:
        return BAND_COLOURS[category]
    return _SPARE[int(hashlib.sha1(category.encode()).hexdigest(), 16) % len(_SPARE)]


@dataclass(frozen=True)
class Badge:
    """Everything printed on one badge."""

    event_title: str
    event_dates: str
    name: str
    reading: str
    organization: str
    category: str
    category_label: str
    sessions: Sequence[str]
    code: str
    qr_text: str
    #: The registrant's language: their Hanja print in Korean forms when it is "ko", kanji in
    #: Japanese forms otherwise.
    language: str = "ja"


@dataclass(frozen=True)
class Layout:
    """A sheet: its page size, the badge box, the grid, and whether to draw crop marks."""

    name: str
    page: tuple[float, float]
    badge: tuple[float, float]
    columns: int
    rows: int
    crop_marks: bool

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def boxes(self) -> list[tuple[float, float]]:
        """Lower-left corners of the badge boxes, in reading order (left to right, top to bottom)."""
        page_w, page_h = self.page
        badge_w, badge_h = self.badge
        margin_x = (page_w - self.columns * badge_w) / 2
        margin_y = (page_h - self.rows * badge_h) / 2
        return [
            (margin_x + column * badge_w, page_h - margin_y - (row + 1) * badge_h)
            for row in range(self.rows)
            for column in range(self.columns)
        ]


LAYOUTS = {
    "a6": Layout("a6", A6, A6, 1, 1, False),
    "a4-8up": Layout("a4-8up", A4, (A4[0] / 2, 70 * mm), 2, 4, True),
    "a4-10up-card": Layout("a4-10up-card", A4, (91 * mm, 55 * mm), 2, 5, True),
    "letter-6up": Layout("letter-6up", letter, (4 * inch, 3 * inch), 2, 3, True),
}


#: The QR mask, fixed: trying all eight (the encoder's usual search for the "best" one) took 2.6 ms
#: a code against 0.6 ms, most of a 1,000-badge batch; any mask decodes the same, and the tests
#: read every code back with a real decoder.
QR_MASK = 2


def qr_modules(text: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=QR_MASK)
    code.add_data(text)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def dark_runs(modules: list[list[bool]]) -> Iterator[tuple[int, int, int]]:
    """Each run of dark modules in a row, as (row, first column, length): one rectangle each."""
    for row_index, row in enumerate(modules):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            yield row_index, start, column - start


def qr_svg(text: str, label: str) -> str:
    """The QR code as an SVG for a page: a phone shows it at the door when nobody printed the badge.
    One path of dark runs on a white square with the four-module quiet zone a scanner needs; the
    size follows the page's CSS. Small (a badge's code is 25 modules square), so it is drawn inline."""
    modules = qr_modules(text)
    quiet = 4
    runs = [f"M{start + quiet} {row + quiet}h{length}v1h-{length}z" for row, start, length in dark_runs(modules)]
    side = len(modules) + 2 * quiet
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" role="img" aria-label="{escape(label)}" '
        f'shape-rendering="crispEdges"><rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )


def draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """The QR code as filled rectangles (one per run of dark modules): vectors, crisp at any size."""
    modules = qr_modules(text)
    cell = size / len(modules)
    canvas.setFillColor(INK)
    path = canvas.beginPath()
    for row, start, length in dark_runs(modules):
        path.rect(x + start * cell, y + size - (row + 1) * cell, length * cell, cell)
    canvas.drawPath(path, stroke=0, fill=1)


def _centred(canvas: Canvas, text: str, centre: float, y: float, size: float, family: fonts.Family) -> None:
    fonts.draw(canvas, text, centre - fonts.width(text, family, size) / 2, y, size, family)


def _ellipsize(text: str, family: fonts.Family, size: float, width: float) -> str:
    if fonts.width(text, family, size) <= width:
        return text
    while text and fonts.width(text + "…", family, size) > width:
        text = text[:-1]
    return text + "…"


def _split_two(text: str) -> tuple[str, str]:
    """Break a long name in two: at the space nearest the middle, else in the middle (kanji, Hangul)."""
    middle = len(text) / 2
    spaces = [index for index, char in enumerate(text) if char == " "]
    if spaces:
        cut = min(spaces, key=lambda index: abs(index - middle))
        return text[:cut].strip(), text[cut + 1 :].strip()
    cut = max(1, round(middle))
    return text[:cut], text[cut:]


def fit_name(name: str, family: fonts.Family, width: float, largest: float, smallest: float) -> tuple[list[str], float]:
    """The name's lines and font size: one line if it fits at `smallest` or more, else two, else cut."""
    size = largest
    while size >= smallest:
        if fonts.width(name, family, size) <= width:
            return [name], size
        size -= 0.5
    first, second = _split_two(name)
    size = largest * 0.8
    while size >= smallest * 0.75:
        if max(fonts.width(first, family, size), fonts.width(second, family, size)) <= width:
            return [first, second], size
        size -= 0.5
    size = smallest * 0.75
    return [_ellipsize(first, family, size, width), _ellipsize(second, family, size, width)], size


def draw_badge(canvas: Canvas, badge: Badge, x: float, y: float, w: float, h: float) -> None:
    """Draw one badge in the box (x, y, w, h)."""
    families = fonts.families(badge.language)
    regular, bold = families["regular"], families["bold"]
    scale = min(w / (105 * mm), h / (74 * mm)) if w > h else min(w / (105 * mm), h / (148 * mm))
    pad = 6 * mm * max(scale, 0.6)
    band_h = max(9 * mm * scale, 7 * mm)

    canvas.saveState()
    canvas.setFillColor(band_colour(badge.category))
    canvas.rect(x, y, w, band_h, stroke=0, fill=1)
    canvas.setFillColor(white)
    label_size = min(13 * scale, band_h * 0.5)
    label = _ellipsize(badge.category_label, bold, label_size, w - 2 * pad)
    _centred(canvas, label, x + w / 2, y + band_h / 2 - label_size * 0.35, label_size, bold)

    canvas.setFillColor(MUTED)
    head_size = max(7.5 * scale, 6.5)
    title = _ellipsize(badge.event_title, bold, head_size, w - 2 * pad)
    fonts.draw(canvas, title, x + pad, y + h - pad - head_size, head_size, bold)
    dates = _ellipsize(badge.event_dates, regular, head_size * 0.9, w - 2 * pad)
    fonts.draw(canvas, dates, x + pad, y + h - pad - head_size * 2.2, head_size * 0.9, regular)

    tall = h > w
    qr_size = min(w * 0.42, h * 0.28) if tall else min(h - band_h - 2 * pad - head_size * 2.6, w * 0.34)
    code_size = max(8 * scale, 6.5)
    if tall:
        qr_x, qr_y = x + (w - qr_size) / 2, y + band_h + pad + code_size * 1.6
        text_left, text_width = x + pad, w - 2 * pad
        text_top = y + h - pad - head_size * 3.6
        text_bottom = qr_y + qr_size + pad
    else:
        qr_x, qr_y = x + w - pad - qr_size, y + band_h + pad * 0.6 + code_size * 1.5
        text_left, text_width = x + pad, w - 3 * pad - qr_size
        text_top = y + h - pad - head_size * 3.4
        text_bottom = y + band_h + pad * 0.6

    draw_qr(canvas, badge.qr_text, qr_x, qr_y, qr_size)
    canvas.setFillColor(INK)
    spaced_code = display_code(badge.code)
    canvas.setFont("Courier-Bold", code_size)
    canvas.drawCentredString(qr_x + qr_size / 2, qr_y - code_size * 1.25, spaced_code)

    # The name block, centred vertically in the space between the header and the QR code.
    reading_size = max(9 * scale, 6.5)
    org_size = max(10 * scale, 7)
    lines, name_size = fit_name(badge.name, bold, text_width, 30 * scale, 15 * scale)
    sessions = " · ".join(badge.sessions)
    block = (
        (reading_size * 1.3 if badge.reading else 0)
        + name_size * 1.15 * len(lines)
        + (org_size * 1.5 if badge.organization else 0)
        + (org_size * 1.5 if sessions else 0)
    )
    cursor = text_bottom + (text_top - text_bottom + block) / 2
    centre = text_left + text_width / 2

    def place(text: str, size: float, family: fonts.Family, colour: Color, gap: float) -> None:
        nonlocal cursor
        cursor -= size * gap
        canvas.setFillColor(colour)
        line = _ellipsize(text, family, size, text_width)
        if tall:
            _centred(canvas, line, centre, cursor, size, family)
        else:
            fonts.draw(canvas, line, text_left, cursor, size, family)

    if badge.reading:
        place(badge.reading, reading_size, regular, MUTED, 1.1)
    for line in lines:
        place(line, name_size, bold, INK, 1.1)
    if badge.organization:
        place(badge.organization, org_size, regular, INK, 1.5)
    if sessions:
        place(sessions, org_size * 0.95, bold, band_colour(badge.category), 1.6)
    canvas.restoreState()


def _crop_marks(canvas: Canvas, x: float, y: float, w: float, h: float) -> None:
    canvas.saveState()
    canvas.setStrokeColor(CROP)
    canvas.setLineWidth(0.3)
    length, gap = 3 * mm, 1 * mm
    for cx, dx in ((x, -1), (x + w, 1)):
        for cy, dy in ((y, -1), (y + h, 1)):
            canvas.line(cx + dx * gap, cy, cx + dx * (gap + length), cy)
            canvas.line(cx, cy + dy * gap, cx, cy + dy * (gap + length))
    canvas.restoreState()


def render_bytes(badges: Sequence[Badge], layout_name: str, *, start: int = 1, title: str = "") -> bytes:
    """The PDF of `badges` in memory (one person's badge, a reprint): for a worker process."""
    output = io.BytesIO()
    render(badges, LAYOUTS[layout_name], output, start=start, title=title)
    return output.getvalue()


def render_file(badges: Sequence[Badge], layout_name: str, *, start: int = 1, title: str = "") -> tuple[Path, int]:
    """The PDF of `badges` in a temporary file the caller sends and deletes, and how many it holds."""
    handle = tempfile.NamedTemporaryFile(prefix="tsudoi-badges-", suffix=".pdf", delete=False)
    handle.close()
    count = render(badges, LAYOUTS[layout_name], handle.name, start=start, title=title)
    return Path(handle.name), count


def render(
    badges: Iterable[Badge], layout: Layout, output: str | Path | IO[bytes], *, start: int = 1, title: str = ""
) -> int:
    """Write the badges to `output` as a PDF on `layout`'s sheets, the first at label `start`.

    Returns the number of badges drawn. Pages are written as they fill, so memory stays flat.
    """
    canvas = Canvas(output, pagesize=layout.page, pageCompression=1)
    canvas.setTitle(title or "Badges")
    canvas.setCreator("Tsudoi")
    boxes = layout.boxes()
    slot = max(0, min(start - 1, layout.per_page - 1))
    count = 0
    for badge in badges:
        if slot == layout.per_page:
            canvas.showPage()
            slot = 0
        bx, by = boxes[slot]
        bw, bh = layout.badge
        if layout.crop_marks:
            _crop_marks(canvas, bx, by, bw, bh)
        draw_badge(canvas, badge, bx, by, bw, bh)
        slot += 1
        count += 1
    if count == 0:
        canvas.setFont("Helvetica", 12)
        canvas.drawString(20 * mm, layout.page[1] - 30 * mm, "No badges to print.")
    canvas.showPage()
    canvas.save()
    return count
