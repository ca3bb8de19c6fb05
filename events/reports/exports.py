"""Spreadsheets for the secretariat: the same tables as CSV (Excel-ready) and as XLSX.

A table is built once (headers, rows, column widths) and written either way, so the two files
can never disagree. Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, or a tab
or carriage return first) is defused: in CSV with a leading apostrophe, the OWASP advice; in XLSX
by storing the cell as a string, which no spreadsheet evaluates.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from events.text import encoded, scrubbed

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


@dataclass
class Table:
    """What a spreadsheet shows: a sheet title, the header row, the rows, and each column's width."""

    title: str
    headers: list[str]
    rows: Iterable[Sequence[Any]]
    widths: list[int] = field(default_factory=list)


def defused(value: Any) -> Any:
    """A CSV cell that cannot become a formula in Excel, LibreOffice or Google Sheets."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(" ", "minutes")  # 2026-06-14 09:12 (a wall-clock time, no zone); faster than strftime
    return defused(value)


def write_csv(table: Table, *, bom: bool = True) -> bytes:
    """UTF-8 CSV; with a byte-order mark by default, so that Excel on a Japanese Windows reads it as UTF-8."""
    out = io.StringIO()
    if bom:
        out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows([_csv_cell(value) for value in row] for row in table.rows)
    return encoded(out.getvalue())


def write_xlsx(table: Table) -> bytes:
    """An .xlsx workbook: bold shaded header, frozen header row, set column widths, times as times."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(table.title))
    sheet.freeze_panes = "A2"
    for index, width in enumerate(table.widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width

    bold, fill = Font(bold=True), PatternFill("solid", start_color="DDE7F0")
    header = []
    for name in table.headers:
        cell = WriteOnlyCell(sheet, value=scrubbed(name))
        cell.font, cell.fill, cell.alignment = bold, fill, Alignment(vertical="center")
        header.append(cell)
    sheet.append(header)

    # Plain values are written as they are (fast); only text that openpyxl would take for a formula
    # and times (which need a format) are wrapped in a cell of their own.
    when = "yyyy-mm-dd hh:mm"
    for row in table.rows:
        sheet.append([_xlsx_cell(sheet, value, when) for value in row])

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_cell(sheet: Any, value: Any, time_format: str) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        value = scrubbed(value)  # XML 1.0 has no way to write a control character or a lone surrogate
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        return cell
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = time_format
        return cell
    return value


def _sheet_title(title: str) -> str:
    """Excel's rules for sheet names: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in scrubbed(title)).strip()
    return (cleaned or "Sheet")[:31]
