"""A receipt (領収書) as a PDF: one A5 landscape page, as a Japanese organization hands it out.

Japanese by default (宛名 with 様, the amount as ¥12,000- in a box, 但し書き, 上記正に領収いたしました,
the issuer and a place for the seal), English on request. With a qualified-invoice registration
number the receipt also carries what a simplified qualified invoice (適格簡易請求書) needs: the
number, the tax rate and the tax in the amount. Without one it shows neither, so it never looks
like an invoice it is not.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from events import fonts

RED = Color(0.7, 0.1, 0.1)
GREY = Color(0.35, 0.35, 0.35)

_DIGITS = "〇壱弐参四伍六七八九"
_SMALL_UNITS = ("", "拾", "百", "千")
_LARGE_UNITS = ("", "万", "億", "兆")


def kanji_amount(amount: int) -> str:
    """12000 → 金壱万弐千円也: the amount in the numerals receipts use, which cannot be altered by a stroke."""
    if amount <= 0:
        return "金零円也"
    groups: list[str] = []
    for position, unit in enumerate(_LARGE_UNITS):
        group = amount // 10 ** (4 * position) % 10_000
        if not group:
            continue
        words = "".join(
            _DIGITS[digit] + _SMALL_UNITS[place] for place in range(3, -1, -1) if (digit := group // 10**place % 10)
        )
        groups.append(words + unit)
    return "金" + "".join(reversed(groups)) + "円也"


def tax_included(amount: int, rate: int) -> int:
    """The consumption tax inside a tax-included amount at `rate` percent, rounded down (as receipts show it)."""
    return amount * rate // (100 + rate)


@dataclass(frozen=True)
class ReceiptSheet:
    """Everything one receipt prints, as plain values (it is drawn in a worker process)."""

    number: str
    issued_on: str
    paid_on: str
    addressee: str
    amount: int
    purpose: str
    method: str
    issuer_name: str
    issuer_address: str
    language: str = "ja"
    reissue: bool = False
    kanji: bool = False
    invoice_number: str = ""
    tax_rate: int = 10
    seal_image: bytes | None = None


def render_receipt(sheet: ReceiptSheet) -> bytes:
    out = io.BytesIO()
    width, height = landscape(A5)
    family = fonts.families("ja")
    # Started in our own face, so no unembedded Helvetica is named in the file.
    first = family["regular"].faces[0].name
    canvas = Canvas(out, pagesize=(width, height), pageCompression=1, initialFontName=first)
    canvas.setTitle(("領収書 " if sheet.language == "ja" else "Receipt ") + sheet.number)
    canvas.setAuthor(sheet.issuer_name)
    words = JAPANESE if sheet.language == "ja" else ENGLISH
    draw = _Drawer(canvas, family)
    margin = 14 * mm

    draw.centred(words["title"], width / 2, height - 24 * mm, 24, bold=True)
    draw.right(f"No. {sheet.number}", width - margin, height - 16 * mm, 10)
    draw.right(f"{words['issued']} {sheet.issued_on}", width - margin, height - 21 * mm, 10)
    if sheet.reissue:
        canvas.setStrokeColor(RED)
        canvas.setFillColor(RED)
        canvas.rect(margin, height - 22 * mm, 24 * mm, 9 * mm, stroke=1, fill=0)
        draw.centred(words["reissue"], margin + 12 * mm, height - 19.5 * mm, 12, bold=True)
        canvas.setFillColor(black)
        canvas.setStrokeColor(black)

    # To whom (宛名), underlined.
    y = height - 42 * mm
    addressee = f"{sheet.addressee} {words['honorific']}".strip() if words["honorific"] else sheet.addressee
    if words["to"]:
        draw.left(words["to"], margin, y, 11)
        draw.left(addressee, margin + 28 * mm, y, 15, bold=True)
    else:
        draw.left(addressee, margin, y, 15, bold=True)
    canvas.line(margin, y - 2.5 * mm, width / 2 + 30 * mm, y - 2.5 * mm)

    # The amount, boxed.
    box_w, box_h = 110 * mm, 16 * mm
    box_x, box_y = (width - box_w) / 2, y - 24 * mm
    canvas.setLineWidth(1.2)
    canvas.rect(box_x, box_y, box_w, box_h)
    canvas.setLineWidth(1)
    shown = kanji_amount(sheet.amount) if sheet.kanji and sheet.language == "ja" else f"¥{sheet.amount:,}-"
    draw.centred(shown, width / 2, box_y + 5 * mm, 20, bold=True)

    y = box_y - 9 * mm
    draw.left(f"{words['for']}{sheet.purpose}", margin, y, 11)
    y -= 7 * mm
    draw.left(words["received"], margin, y, 11)
    y -= 8 * mm
    draw.left(f"{words['method']} {sheet.method}    {words['paid']} {sheet.paid_on}", margin, y, 9, colour=GREY)
    if sheet.invoice_number:
        y -= 5.5 * mm
        tax = tax_included(sheet.amount, sheet.tax_rate)
        line = words["tax"].format(rate=sheet.tax_rate, amount=f"{sheet.amount:,}", tax=f"{tax:,}")
        draw.left(f"{words['invoice']} {sheet.invoice_number}    {line}", margin, y, 9, colour=GREY)

    # The issuer, and the place for the seal (印) or its image.
    seal = 20 * mm
    seal_x, seal_y = width - margin - seal, 12 * mm
    text_right = seal_x - 4 * mm
    draw.right(sheet.issuer_name, text_right, seal_y + 11 * mm, 12, bold=True)
    for index, line in enumerate(sheet.issuer_address.splitlines()[:2]):
        draw.right(line, text_right, seal_y + 5.5 * mm - index * 4.5 * mm, 9)
    if sheet.seal_image:
        canvas.drawImage(ImageReader(io.BytesIO(sheet.seal_image)), seal_x, seal_y, seal, seal, mask="auto")
    else:
        canvas.setStrokeColor(GREY)
        canvas.setDash(2, 2)
        canvas.rect(seal_x, seal_y, seal, seal)
        canvas.setDash()
        canvas.setFillColor(GREY)
        draw.centred(words["seal"], seal_x + seal / 2, seal_y + seal / 2 - 2 * mm, 10)
        canvas.setFillColor(black)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


JAPANESE = {
    "title": "領 収 書",
    "issued": "発行日",
    "reissue": "再発行",
    "to": "",
    "honorific": "様",
    "for": "但し ",
    "received": "上記正に領収いたしました。",
    "method": "お支払い方法:",
    "paid": "お支払い日:",
    "invoice": "登録番号",
    "tax": "{rate}%対象 ¥{amount}(うち消費税額 ¥{tax})",
    "seal": "印",
}
ENGLISH = {
    "title": "RECEIPT",
    "issued": "Issued",
    "reissue": "REISSUED",
    "to": "Received from",
    "honorific": "",
    "for": "For: ",
    "received": "We acknowledge receipt of the amount above.",
    "method": "Payment method:",
    "paid": "Paid on:",
    "invoice": "Registration number",
    "tax": "Subject to {rate}%: ¥{amount} (consumption tax ¥{tax})",
    "seal": "Seal",
}


class _Drawer:
    """Text in the faces each character needs (Japanese forms), placed left, right or centred."""

    def __init__(self, canvas: Canvas, family: dict[str, fonts.Family]) -> None:
        self.canvas = canvas
        self.family = family

    def left(self, text: str, x: float, y: float, size: float, *, bold: bool = False, colour: Color = black) -> None:
        self.canvas.setFillColor(colour)
        fonts.draw(self.canvas, text, x, y, size, self.family["bold" if bold else "regular"])
        self.canvas.setFillColor(black)

    def right(self, text: str, x: float, y: float, size: float, *, bold: bool = False) -> None:
        family = self.family["bold" if bold else "regular"]
        fonts.draw(self.canvas, text, x - fonts.width(text, family, size), y, size, family)

    def centred(self, text: str, x: float, y: float, size: float, *, bold: bool = False) -> None:
        family = self.family["bold" if bold else "regular"]
        fonts.draw(self.canvas, text, x - fonts.width(text, family, size) / 2, y, size, family)


def japanese_date(day: date) -> str:
    """2026年12月3日."""
    return f"{day.year}年{day.month}月{day.day}日"
