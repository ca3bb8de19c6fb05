"""Reading an uploaded spreadsheet into a table of text: CSV (UTF-8 or Shift_JIS) or an Excel workbook.

Only the encodings a Japanese secretariat's files come in are read: UTF-8 with or without a
byte-order mark, and Shift_JIS (CP932, what Excel on a Japanese Windows writes as "CSV"). Any other
is refused with a message saying how to save the file, rather than guessed: a wrong guess garbles
every name without anyone noticing.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from events.errors import DomainError
from events.i18n import gettext as _

#: A file may hold at most this many people: one transaction writes them all, under the write lock the door waits for.
MAX_ROWS = 2000
MAX_COLUMNS = 200
#: Cells are kept (for the skipped-rows report) up to this length; longer ones are refused anyway.
MAX_CELL = 1000
#: The header is looked for in this many first rows (a title row may come before it).
HEADER_SEARCH_ROWS = 10
#: Control and private-use characters: what the bytes of another encoding decode to as CP932.
_UNLIKELY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff]")


class UnreadableFile(DomainError):
    """The file is not a spreadsheet this can read, so none of its rows were looked at."""

    status_code = 422
    code = "unreadable_file"


@dataclass(frozen=True)
class Sheet:
    """A file's table as read: its header row, and each data row with its row number in the spreadsheet."""

    filename: str
    headers: list[str]
    rows: list[tuple[int, list[str]]]

    def to_json(self) -> dict[str, Any]:
        return {"filename": self.filename, "headers": self.headers, "rows": [list(row) for row in self.rows]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Sheet:
        rows = [(int(number), [str(cell) for cell in cells]) for number, cells in data["rows"]]
        return cls(str(data["filename"]), [str(header) for header in data["headers"]], rows)


def read(
    filename: str, content: bytes, is_header: Callable[[list[str]], bool], missing_header: str | None = None
) -> Sheet:
    """The table in an uploaded CSV or XLSX file, its header the first row (of the first few) that
    `is_header` accepts; `UnreadableFile` says why when there is none (`missing_header`, when given)."""
    if not content.strip():
        raise UnreadableFile(_("The file is empty."))
    if content.startswith(b"PK\x03\x04"):
        return _xlsx_sheet(filename, content, is_header, missing_header)
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(_("This is an old Excel file (.xls). Save it as .xlsx or as CSV UTF-8, and upload that."))
    return _sheet(filename, _csv_rows(decode(content)), is_header, missing_header)


def decode(content: bytes) -> str:
    """The text of a CSV file: UTF-8 with or without a byte-order mark, or Shift_JIS (CP932, what Excel on a
    Japanese Windows writes). Anything else is refused rather than guessed: a wrong guess garbles every name.
    """
    save_as = _('In Excel, choose "Save as" and "CSV UTF-8 (comma delimited)" or "Excel workbook (.xlsx)".')
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in content:
        raise UnreadableFile(_("The file is not text in UTF-8 or Shift_JIS (it looks like UTF-16).") + " " + save_as)
    if content.startswith(codecs.BOM_UTF8):
        try:
            return content[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError:
            raise UnreadableFile(_("The file is marked as UTF-8 but is not valid UTF-8.") + " " + save_as) from None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = content.decode("cp932")
    except UnicodeDecodeError:
        text = ""
    if text and _plausible(text) and not _euc_jp(content):
        return text
    raise UnreadableFile(
        _("The file's text is neither UTF-8 nor Shift_JIS, so its names cannot be read correctly.") + " " + save_as
    )


def _plausible(text: str) -> bool:
    """False for control or private-use characters: what the bytes of another encoding decode to as CP932."""
    return _UNLIKELY.search(text) is None


def _euc_jp(content: bytes) -> bool:
    """True for Japanese text in EUC-JP, which also decodes as CP932 (into half-width katakana and odd kanji).

    Shift_JIS writes hiragana and most kanji with a first byte that EUC-JP never has (0x81-0x9F), so text
    that is valid EUC-JP is EUC-JP; the rare Shift_JIS file whose only Japanese is half-width katakana in
    pairs is refused too, with the same advice, rather than risk garbling every name of the other.
    """
    try:
        content.decode("euc_jp")
    except UnicodeDecodeError:
        return False
    return not content.isascii()


def _csv_rows(text: str) -> Iterator[list[str]]:
    start = text[:4096]
    delimiter = max((",", "\t", ";"), key=start.count)  # a comma unless tabs or semicolons are more common
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise UnreadableFile(_("The CSV file could not be read: %(problem)s.") % {"problem": exc}) from None


def _xlsx_sheet(
    filename: str, content: bytes, is_header: Callable[[list[str]], bool], missing_header: str | None
) -> Sheet:
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it leaves out
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            try:
                return _first_table(filename, workbook, is_header, missing_header)
            finally:
                workbook.close()
        except UnreadableFile:
            raise
        except Exception:  # a damaged or foreign file: openpyxl raises many kinds of error
            raise UnreadableFile(_("The file could not be read as an Excel workbook (.xlsx).")) from None


def _first_table(
    filename: str, workbook: Any, is_header: Callable[[list[str]], bool], missing_header: str | None
) -> Sheet:
    """The first worksheet with a header row: the one open when the file was saved, then the others in order."""
    problem = UnreadableFile(_("The workbook has no worksheet."))
    for worksheet in dict.fromkeys([workbook.active, *workbook.worksheets]):
        if not hasattr(worksheet, "iter_rows"):
            continue  # a chart sheet
        try:
            rows = worksheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
            return _sheet(filename, rows, is_header, missing_header)
        except UnreadableFile as exc:
            problem = exc
    raise problem


def _cell_text(value: Any) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "yes"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()[:MAX_CELL]


def _sheet(
    filename: str,
    rows: Iterable[Sequence[Any]],
    is_header: Callable[[list[str]], bool],
    missing_header: str | None = None,
) -> Sheet:
    lines = iter(rows)
    header: list[str] | None = None
    number = 0
    for number, cells in enumerate(lines, start=1):
        texts = [_cell_text(cell) for cell in cells[:MAX_COLUMNS]]
        if is_header(texts):
            header = texts
            break
        if number == HEADER_SEARCH_ROWS:
            break
    if header is None:
        raise UnreadableFile(
            missing_header
            or _("No header row with a column for the name (氏名, 名前 or name) was found in the first %(count)d rows.")
            % {"count": HEADER_SEARCH_ROWS}
        )
    data: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(lines, start=number + 1):  # noqa: B020 - the numbering goes on
        texts = [_cell_text(cell) for cell in cells[: len(header)]]
        if not any(texts):
            continue
        if len(data) == MAX_ROWS:
            raise UnreadableFile(
                _("The file has more than %(count)d rows. Split it and import each part.") % {"count": MAX_ROWS}
            )
        data.append((number, texts + [""] * (len(header) - len(texts))))
    return Sheet(filename, header, data)
