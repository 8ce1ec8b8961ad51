"""The portal's spreadsheets (.xlsx): the case list export, the walkthrough monthly
report, the roundtable follow-up report and a session's registrations are all written
the same way, here.

A table is a sheet with a bold header row frozen at the top; times are written as the
local (China Standard) time, since Excel has no time zones, and shown to the minute;
text is always text — a value typed by the public that starts with ``=`` never becomes
a formula — with the control characters XML cannot hold dropped. A workbook goes out
as a download under its (Chinese) file name, which Django encodes for the header
(RFC 5987 ``filename*=utf-8''…``).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence

from django.http import FileResponse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
# Excel's limit on a sheet's name.
SHEET_TITLE_LIMIT = 31


def new_workbook() -> Workbook:
    """An empty workbook that streams its rows (write-only): add sheets with :func:`add_sheet`."""
    return Workbook(write_only=True)


def local_datetime(moment: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: the local (China Standard) time, without its zone."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def cell(sheet, value) -> Cell:
    """One cell of ``sheet`` holding ``value``: lazy text translated, text cleaned of
    characters XML cannot hold and kept as text, times and dates formatted."""
    if isinstance(value, Promise):
        value = force_str(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    written = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        # Text typed by enterprises, the public and officials stays text, never becomes a formula.
        written.data_type = "s"
    elif isinstance(value, dt.datetime):
        written.number_format = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        written.number_format = DATE_FORMAT
    return written


def write_table(sheet, headers: Iterable, rows: Iterable[Sequence], *, widths: Sequence[float] = ()) -> None:
    """Write a table to an empty sheet (write-only or not): the header row in bold and
    frozen, then the rows; ``widths`` are the first columns' widths, in characters."""
    sheet.freeze_panes = "A2"
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    bold = Font(bold=True)
    header = []
    for name in headers:
        header_cell = WriteOnlyCell(sheet, value=force_str(name))
        header_cell.font = bold
        header.append(header_cell)
    sheet.append(header)
    for row in rows:
        sheet.append([cell(sheet, value) for value in row])


def add_sheet(
    workbook: Workbook, title: str, headers: Iterable, rows: Iterable[Sequence], *, widths: Sequence[float] = ()
) -> None:
    """A new sheet named ``title`` (cut to Excel's 31 characters) holding the table."""
    sheet = workbook.create_sheet(title=force_str(title)[:SHEET_TITLE_LIMIT])
    write_table(sheet, headers, rows, widths=widths)


def workbook_bytes(workbook: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def workbook_response(workbook: Workbook | bytes, filename: str) -> FileResponse:
    """A download of the workbook (or of an .xlsx file's bytes) named ``filename``."""
    content = workbook if isinstance(workbook, bytes) else workbook_bytes(workbook)
    return FileResponse(
        io.BytesIO(content), as_attachment=True, filename=force_str(filename), content_type=XLSX_CONTENT_TYPE
    )
