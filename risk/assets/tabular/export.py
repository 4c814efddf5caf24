"""Writing the register as CSV (German Excel) and XLSX."""

import codecs
import csv
import io
from collections.abc import Iterable
from functools import partial

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from isms.i18n import translate
from risk.assets.tabular.table import (
    COLUMNS,
    GRUNDWERT_COLUMNS,
    AssetRow,
    ProtectionCell,
    column_headers,
    escape_cell,
    level_key,
)

WIDTH_SAMPLE = 1000  # rows looked at to size the XLSX columns


def _export_values(row: AssetRow, language: str) -> list[str | int]:
    """The cells of one row, labels in the language, not yet escaped."""
    label = partial(translate, language)
    plain = COLUMNS[: COLUMNS.index("quantity") + 1]  # written as they are
    values: dict[str, str | int] = {key: getattr(row, key) for key in plain}
    sector = row.kritis_sector
    values |= {
        "status": label(f"asset.status.{row.status.value}"),
        "tags": ", ".join(row.tags),
        "kritis_sector": label(f"kritis.sector.{sector.value}") if sector else "",
        "kritis_critical": label("yesno.yes" if row.kritis_critical else "yesno.no"),
        "depends_on": ", ".join(row.depends_on),
    }
    for grundwert, prefix in GRUNDWERT_COLUMNS.items():
        cell: ProtectionCell = getattr(row, grundwert)
        values[f"{prefix}_level"] = label(level_key(cell.level)) if cell.level else ""
        values[f"{prefix}_override"] = label(f"override.{cell.override}") if cell.override else ""
        values[f"{prefix}_justification"] = cell.justification
        values[f"{prefix}_scenarios"] = ", ".join(label(f"scenario.{s}") for s in cell.scenarios)
    return [values[key] for key in COLUMNS]


def write_csv(rows: Iterable[AssetRow], *, language: str = "de") -> bytes:
    """A semicolon separated UTF-8 CSV with BOM and CRLF, as German Excel opens it directly."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(column_headers(language))
    for row in rows:
        writer.writerow([escape_cell(str(value)) for value in _export_values(row, language)])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def _column_widths(headers: list[str], table: list[list[str | int]]) -> list[int]:
    widths = [len(header) + 4 for header in headers]  # room for the filter button
    for values in table[:WIDTH_SAMPLE]:
        for index, value in enumerate(values):
            longest = max(len(line) for line in str(value).split("\n"))
            widths[index] = max(widths[index], min(longest + 2, 60))
    return widths


def _xlsx_value(value: str | int) -> str | int:
    return value if isinstance(value, int) else ILLEGAL_CHARACTERS_RE.sub("", escape_cell(value))


def write_xlsx(rows: Iterable[AssetRow], *, language: str = "de") -> bytes:
    """A workbook with one sheet: bold frozen header, autofilter, sized columns."""
    headers = column_headers(language)
    table = [_export_values(row, language) for row in rows]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(translate(language, "asset.export.sheet")[:31])
    for index, width in enumerate(_column_widths(headers, table), 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(table) + 1}"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for values in table:
        sheet.append([_xlsx_value(value) for value in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
