"""A certificate of attendance as a PDF: one A4 page in the person's language, with a QR code
that links to the page confirming it. Drawn from plain values, in a worker process."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from events import fonts
from events.badges.render import draw_qr

GREY = Color(0.35, 0.35, 0.35)
FRAME = Color(0.55, 0.45, 0.2)

WORDS: dict[str, dict[str, str]] = {
    "ja": {
        "title": "参加証明書",
        "honorific": "様",
        "body": "あなたは「{event}」の下記 {count} 回のセッションに参加したことを証明します。",
        "number": "証明書番号",
        "issued": "発行日",
        "verify": "この証明書の確認(スキャンしてください)",
    },
    "en": {
        "title": "Certificate of Attendance",
        "honorific": "",
        "body": "This is to certify that the above attended the following {count} sessions of {event}.",
        "number": "Certificate No.",
        "issued": "Issued on",
        "verify": "Scan to verify this certificate",
    },
    "ko": {
        "title": "참가 증명서",
        "honorific": "님",
        "body": "위 사람은 「{event}」의 다음 {count}개 세션에 참가하였음을 증명합니다.",
        "number": "증명서 번호",
        "issued": "발행일",
        "verify": "스캔하여 이 증명서를 확인하세요",
    },
    "tl": {
        "title": "Sertipiko ng Pagdalo",
        "honorific": "",
        "body": "Pinatutunayan na ang nasa itaas ay dumalo sa sumusunod na {count} sesyon ng {event}.",
        "number": "Blg. ng sertipiko",
        "issued": "Petsa ng paglabas",
        "verify": "I-scan upang patunayan ang sertipikong ito",
    },
}


@dataclass(frozen=True)
class CertificateSheet:
    language: str
    name: str
    event: str
    number: str
    issued_on: str
    issuer: str
    verify_url: str
    #: (day, session title) for each session attended, in the event's order.
    sessions: list[tuple[str, str]] = field(default_factory=list)


def render_certificates(sheets: list[CertificateSheet]) -> bytes:
    """One page per certificate, in one PDF (the organizers print them all at once)."""
    out = io.BytesIO()
    width, height = A4
    first_family = fonts.families(sheets[0].language if sheets else "ja")
    canvas = Canvas(out, pagesize=A4, pageCompression=1, initialFontName=first_family["regular"].faces[0].name)
    canvas.setTitle(WORDS.get(sheets[0].language if sheets else "ja", WORDS["en"])["title"])
    for sheet in sheets:
        _page(canvas, sheet, width, height)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def render_certificate(sheet: CertificateSheet) -> bytes:
    return render_certificates([sheet])


def _page(canvas: Canvas, sheet: CertificateSheet, width: float, height: float) -> None:
    words = WORDS.get(sheet.language, WORDS["en"])
    family = fonts.families(sheet.language if sheet.language in WORDS else "en")
    regular, bold = family["regular"], family["bold"]
    margin = 22 * mm
    canvas.setStrokeColor(FRAME)
    canvas.setLineWidth(2)
    canvas.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    canvas.setLineWidth(0.6)
    canvas.rect(14.5 * mm, 14.5 * mm, width - 29 * mm, height - 29 * mm)
    canvas.setStrokeColor(black)

    def centred(text: str, y: float, size: float, face: fonts.Family = regular) -> None:
        fonts.draw(canvas, text, (width - fonts.width(text, face, size)) / 2, y, size, face)

    centred(words["title"], height - 50 * mm, 28, bold)
    name = f"{sheet.name} {words['honorific']}".strip() if sheet.name else ""
    centred(name, height - 78 * mm, 22, bold)
    canvas.line(width / 2 - 60 * mm, height - 81 * mm, width / 2 + 60 * mm, height - 81 * mm)

    y = height - 98 * mm
    body = words["body"].format(event=sheet.event, count=len(sheet.sessions))
    for line in _wrap(body, regular, 12, width - 2 * margin):
        fonts.draw(canvas, line, margin, y, 12, regular)
        y -= 7 * mm
    y -= 4 * mm
    for day, title in sheet.sessions[:20]:
        fonts.draw(canvas, day, margin + 6 * mm, y, 11, regular)
        for index, line in enumerate(_wrap(title, regular, 11, width - 2 * margin - 58 * mm)):
            fonts.draw(canvas, line, margin + 58 * mm, y - index * 5.5 * mm, 11, regular)
            if index:
                y -= 5.5 * mm
        y -= 7 * mm
    if len(sheet.sessions) > 20:
        fonts.draw(canvas, f"… (+{len(sheet.sessions) - 20})", margin + 6 * mm, y, 11, regular)

    # The issuer, the date and the number at the foot; the QR code to verify at the right.
    foot = 58 * mm
    fonts.draw(canvas, f"{words['issued']}  {sheet.issued_on}", margin, foot, 11, regular)
    fonts.draw(canvas, sheet.issuer, margin, foot - 10 * mm, 14, bold)
    canvas.setFillColor(GREY)
    fonts.draw(canvas, f"{words['number']}  {sheet.number}", margin, foot - 18 * mm, 9, regular)
    canvas.setFillColor(black)
    size = 30 * mm
    draw_qr(canvas, sheet.verify_url, width - margin - size, foot - 22 * mm, size)
    canvas.setFillColor(GREY)
    caption = words["verify"]
    fonts.draw(canvas, caption, width - margin - fonts.width(caption, regular, 7), foot - 26 * mm, 7, regular)
    canvas.setFillColor(black)


def _wrap(text: str, family: fonts.Family, size: float, limit: float) -> list[str]:
    """Lines no wider than `limit`: broken at spaces where the text has them, else between characters."""
    lines: list[str] = []
    line = ""
    for char in text:
        if fonts.width(line + char, family, size) <= limit:
            line += char
            continue
        cut = line.rfind(" ")
        if cut > 0:
            lines.append(line[:cut])
            line = line[cut + 1 :] + char
        else:
            lines.append(line)
            line = char
    if line:
        lines.append(line)
    return lines
