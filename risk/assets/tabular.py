"""The asset register as CSV (as German Excel writes it) and XLSX; pure, no database.

Headers and labels come from the message catalogues; imports accept German and English ones.
Formula-like text is written with a leading `'` that the import removes again, so an export reads
back unchanged, except that line ends inside a cell come back as `\\n` (XLSX keeps no CR).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import TypeVar

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from isms.i18n import LANGUAGES, translate
from risk.assets.levels import DamageScenario, Level, Override
from risk.assets.models import KritisSector, LifecycleStatus

T = TypeVar("T")
Records = Generator[tuple[int, list[str]], None, None]  # (spreadsheet row, cells)

MAX_ROWS = 50_000
MAX_TAGS = 20
MAX_QUANTITY = 1_000_000
MAX_UNPACKED = 256 * 1024 * 1024  # bytes a workbook may unpack to: no zip bombs
REQUIRED = ("short_id", "name", "category", "department")
GRUNDWERT_COLUMNS = {"confidentiality": "c", "integrity": "i", "availability": "a"}
COLUMNS: tuple[str, ...] = (
    *("short_id", "name", "category", "department", "responsible", "description", "location"),
    *("quantity", "status", "tags", "kritis_sector", "kritis_critical"),
    *(
        f"{prefix}_{part}"
        for prefix in GRUNDWERT_COLUMNS.values()
        for part in ("level", "override", "justification", "scenarios")
    ),
    "depends_on",
)
SHORT_ID = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,19}")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
WIDTH_SAMPLE = 1000  # rows looked at to size the XLSX columns


@dataclass(frozen=True)
class ProtectionCell:
    """The assessment of one Grundwert as it stands in the table."""

    level: Level | None = None
    override: Override | None = None
    justification: str = ""
    scenarios: tuple[DamageScenario, ...] = ()


@dataclass(frozen=True)
class AssetRow:
    """One target object as a table row; category by name, department by code."""

    short_id: str
    name: str
    category: str
    department: str
    responsible: str = ""
    description: str = ""
    location: str = ""
    quantity: int = 1
    status: LifecycleStatus = LifecycleStatus.IN_OPERATION
    tags: tuple[str, ...] = ()
    kritis_sector: KritisSector | None = None
    kritis_critical: bool = False
    confidentiality: ProtectionCell = field(default_factory=ProtectionCell)
    integrity: ProtectionCell = field(default_factory=ProtectionCell)
    availability: ProtectionCell = field(default_factory=ProtectionCell)
    depends_on: tuple[str, ...] = ()
    line: int = field(default=0, compare=False)  # spreadsheet row it was read from (0: not read)


@dataclass(frozen=True)
class RowError:
    """A problem in the file: spreadsheet row (header = 1, 0 = whole file) and header text."""

    row: int
    column: str
    message_key: str
    params: dict[str, str | int] = field(default_factory=dict)


@dataclass
class ParsedTable:
    """The rows without problems and every problem found."""

    rows: list[AssetRow]
    errors: list[RowError]


class _UnreadableError(Exception):
    """The bytes are neither a workbook nor a text table."""


def column_headers(language: str) -> list[str]:
    """The header row in a language, in the order of COLUMNS."""
    return [translate(language, f"asset.column.{key}") for key in COLUMNS]


# Export


def _level_key(level: Level) -> str:
    return f"level.{level.term.replace(' ', '_')}"


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
        values[f"{prefix}_level"] = label(_level_key(cell.level)) if cell.level else ""
        values[f"{prefix}_override"] = label(f"override.{cell.override}") if cell.override else ""
        values[f"{prefix}_justification"] = cell.justification
        values[f"{prefix}_scenarios"] = ", ".join(label(f"scenario.{s}") for s in cell.scenarios)
    return [values[key] for key in COLUMNS]


def _escape(value: str) -> str:
    """A leading `'` for text a spreadsheet would run as a formula (and for a leading `'`)."""
    return "'" + value if value.startswith((*FORMULA_START, "'")) else value


def _unescape(value: str) -> str:
    protected = value.startswith("'") and value[1:].startswith((*FORMULA_START, "'"))
    return value[1:] if protected else value


def write_csv(rows: Iterable[AssetRow], *, language: str = "de") -> bytes:
    """A semicolon separated UTF-8 CSV with BOM and CRLF, as German Excel opens it directly."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(column_headers(language))
    for row in rows:
        writer.writerow([_escape(str(value)) for value in _export_values(row, language)])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def _column_widths(headers: list[str], table: list[list[str | int]]) -> list[int]:
    widths = [len(header) + 4 for header in headers]  # room for the filter button
    for values in table[:WIDTH_SAMPLE]:
        for index, value in enumerate(values):
            longest = max(len(line) for line in str(value).split("\n"))
            widths[index] = max(widths[index], min(longest + 2, 60))
    return widths


def _xlsx_value(value: str | int) -> str | int:
    return value if isinstance(value, int) else ILLEGAL_CHARACTERS_RE.sub("", _escape(value))


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


# Reading the bytes


def _decode(data: bytes) -> str:
    """Text from UTF-8 with BOM, UTF-16 with BOM, strict UTF-8 or Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    elif data.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:65536]
        controls = sum(1 for char in sample if char < " " and char not in "\t\r\n")
        if "\x00" in text or controls * 100 > len(sample):
            raise _UnreadableError
        return text
    raise _UnreadableError


def _delimiter(text: str) -> str:
    """`;` unless the header line has none but a tab or a comma."""
    first = next((line for line in io.StringIO(text) if line.strip()), "")
    if ";" in first:
        return ";"
    return "\t" if "\t" in first else "," if "," in first else ";"


def _csv_records(data: bytes) -> Records:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        yield from enumerate(reader, 1)
    except csv.Error as error:
        raise _UnreadableError from error


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_records(data: bytes) -> Records:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED:
            raise _UnreadableError
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise _UnreadableError from error
    try:
        titles = {_norm(translate(language, "asset.export.sheet")) for language in LANGUAGES}
        sheets = workbook.worksheets
        sheet = next((s for s in sheets if _norm(s.title) in titles), sheets[0])
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
            yield number, [_cell_text(value) for value in values]
    except Exception as error:
        raise _UnreadableError from error
    finally:
        workbook.close()


# Vocabulary


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def _lookup(prefix: str, choices: Mapping[str, T]) -> dict[str, T]:
    """Normalised text -> value for the stored values and their labels in every language."""
    table: dict[str, T] = {}
    for key, value in choices.items():
        table[_norm(key)] = value
        for language in LANGUAGES:
            table[_norm(translate(language, f"{prefix}.{key}"))] = value
    return table


@dataclass(frozen=True)
class _Vocabulary:
    headers: dict[str, str]
    english: frozenset[str]
    german: frozenset[str]
    status: dict[str, LifecycleStatus]
    sector: dict[str, KritisSector]
    level: dict[str, Level]
    override: dict[str, Override]
    scenario: dict[str, DamageScenario]
    boolean: dict[str, bool]


@lru_cache
def _vocabulary() -> _Vocabulary:
    boolean = _lookup("yesno", {"yes": True, "no": False, "true": True, "false": False})
    boolean |= {"1": True, "0": False, "x": True}
    level = _lookup("level", {_level_key(level)[6:]: level for level in Level})
    level |= {level.term: level for level in Level}
    return _Vocabulary(
        headers=_lookup("asset.column", {key: key for key in COLUMNS}),
        english=frozenset(_norm(header) for header in column_headers("en")),
        german=frozenset(_norm(header) for header in column_headers("de")),
        status=_lookup("asset.status", {s.value: s for s in LifecycleStatus}),
        sector=_lookup("kritis.sector", {s.value: s for s in KritisSector}),
        level=level,
        override=_lookup("override", {o.value: o for o in Override}),
        scenario=_lookup("scenario", {s.value: s for s in DamageScenario}),
        boolean=boolean,
    )


# Parsing rows


class _Cells:
    """The cells of one data row with the errors found in them."""

    def __init__(self, number: int, cells: list[str], columns: dict[str, tuple[int, str]]):
        self.number = number
        self.cells = cells
        self.columns = columns
        self.errors: list[RowError] = []
        self.failed: set[str] = set()

    def raw(self, key: str) -> str:
        index = self.columns.get(key, (len(self.cells), ""))[0]
        value = _unescape(self.cells[index]) if index < len(self.cells) else ""
        return value.replace("\r\n", "\n").replace("\r", "\n")

    def fail(self, key: str, message_key: str, **params: str | int) -> None:
        self.failed.add(key)
        header = self.columns.get(key, (0, ""))[1]
        self.errors.append(RowError(self.number, header, message_key, params))

    def text(self, key: str, limit: int, *, strip: bool = True, required: bool = False) -> str:
        value = self.raw(key)
        value = value.strip() if strip else value
        if required and not value.strip():
            self.fail(key, "error.import.required")
        elif len(value) > limit:
            self.fail(key, "error.import.too_long", length=len(value), max=limit)
        return value

    def choice(self, key: str, table: Mapping[str, T], kind: str, default: T) -> T:
        """The value a label or stored value stands for; `kind` names the error."""
        value = self.raw(key).strip()
        if not value:
            return default
        if _norm(value) not in table:
            self.fail(key, f"error.import.invalid_{kind}", value=value)
            return default
        return table[_norm(value)]


def _short_id(cells: _Cells) -> str:
    value = cells.raw("short_id").strip()
    if not value:
        cells.fail("short_id", "error.import.required")
    elif not SHORT_ID.fullmatch(value.upper()):
        cells.fail("short_id", "error.import.invalid_short_id", value=value)
    return value.upper()


def _quantity(cells: _Cells) -> int:
    value = cells.raw("quantity").strip()
    if not value:
        return 1
    if value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_QUANTITY:
        return int(value)
    cells.fail("quantity", "error.import.invalid_quantity", value=value, max=MAX_QUANTITY)
    return 1


def _tags(cells: _Cells) -> tuple[str, ...]:
    tags: list[str] = []
    for item in cells.raw("tags").split(","):
        tag = item.strip().lower()
        if tag and (len(tag) > 40 or ";" in tag):
            cells.fail("tags", "error.import.invalid_tag", value=item.strip())
        elif tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        cells.fail("tags", "error.import.too_many_tags", count=len(tags), max=MAX_TAGS)
    return tuple(tags)


@lru_cache
def _scenario_pattern() -> re.Pattern[str]:
    """One item of a list: a known label (labels contain commas, the longest wins) or other text."""
    labels = "|".join(re.escape(k) for k in sorted(_vocabulary().scenario, key=len, reverse=True))
    return re.compile(rf"\s*(?:(?P<label>{labels})|(?P<other>[^,;]*?))\s*(?:[,;]|$)", re.I)


def _scenarios(cells: _Cells, key: str) -> tuple[DamageScenario, ...]:
    found: list[DamageScenario] = []
    for match in _scenario_pattern().finditer(" ".join(cells.raw(key).split())):
        if match["label"]:
            scenario = _vocabulary().scenario[_norm(match["label"])]
            found += [] if scenario in found else [scenario]
        elif match["other"]:
            cells.fail(key, "error.import.invalid_scenario", value=match["other"])
    return tuple(found)


def _protection(cells: _Cells, prefix: str) -> ProtectionCell:
    vocabulary = _vocabulary()
    return ProtectionCell(
        level=cells.choice(f"{prefix}_level", vocabulary.level, "level", None),
        override=cells.choice(f"{prefix}_override", vocabulary.override, "override", None),
        justification=cells.text(f"{prefix}_justification", 4000, strip=False),
        scenarios=_scenarios(cells, f"{prefix}_scenarios"),
    )


def _depends_on(cells: _Cells, short_id: str) -> tuple[str, ...]:
    found: list[str] = []
    for item in re.split(r"[,;\s]+", cells.raw("depends_on")):
        target = item.upper()
        if not item or target in found:
            continue
        if not SHORT_ID.fullmatch(target):
            cells.fail("depends_on", "error.import.invalid_dependency", value=item)
        elif target == short_id:
            cells.fail("depends_on", "error.import.self_dependency", value=target)
        else:
            found.append(target)
    return tuple(found)


def _build_row(cells: _Cells) -> AssetRow:
    vocabulary = _vocabulary()
    short_id = _short_id(cells)
    return AssetRow(
        short_id=short_id,
        name=cells.text("name", 200, required=True),
        category=cells.text("category", 120, required=True),
        department=cells.text("department", 20, required=True),
        responsible=cells.text("responsible", 200, strip=False),
        description=cells.text("description", 10000, strip=False),
        location=cells.text("location", 200, strip=False),
        quantity=_quantity(cells),
        status=cells.choice("status", vocabulary.status, "status", LifecycleStatus.IN_OPERATION),
        tags=_tags(cells),
        kritis_sector=cells.choice("kritis_sector", vocabulary.sector, "kritis_sector", None),
        kritis_critical=cells.choice("kritis_critical", vocabulary.boolean, "boolean", False),
        confidentiality=_protection(cells, "c"),
        integrity=_protection(cells, "i"),
        availability=_protection(cells, "a"),
        depends_on=_depends_on(cells, short_id),
        line=cells.number,
    )


# Parsing the table


def _map_header(number: int, cells: list[str]) -> tuple[dict[str, tuple[int, str]], list[RowError]]:
    """Column key -> (index, header text), and the problems of the header row."""
    vocabulary = _vocabulary()
    columns: dict[str, tuple[int, str]] = {}
    errors: list[RowError] = []
    for index, text in enumerate(cells):
        header = text.strip()
        if not header:
            continue
        key = vocabulary.headers.get(_norm(header))
        if key is None or key in columns:
            problem = "unknown_column" if key is None else "duplicate_column"
            errors.append(RowError(number, header, f"error.import.{problem}", {"value": header}))
        else:
            columns[key] = (index, header)
    found = [_norm(header) for _, header in columns.values()]
    english = sum(h in vocabulary.english and h not in vocabulary.german for h in found)
    german = sum(h in vocabulary.german and h not in vocabulary.english for h in found)
    language = "en" if english > german else "de"
    errors += [
        RowError(number, "", "error.import.missing_column", {"column": header})
        for key, header in zip(COLUMNS, column_headers(language), strict=True)
        if key in REQUIRED and key not in columns
    ]
    return columns, errors


def _file_error(problem: str, **params: str | int) -> ParsedTable:
    return ParsedTable([], [RowError(0, "", f"error.import.{problem}", params)])


def _parse_records(records: Iterator[tuple[int, list[str]]]) -> ParsedTable:
    data_rows = (record for record in records if any(cell.strip() for cell in record[1]))
    header = next(data_rows, None)
    if header is None:
        return _file_error("empty")
    columns, errors = _map_header(*header)
    if any(error.message_key == "error.import.missing_column" for error in errors):
        return ParsedTable([], errors)
    rows: list[AssetRow] = []
    first_rows: dict[str, int] = {}
    count = 0
    for count, (number, values) in enumerate(data_rows, 1):
        if count > MAX_ROWS:
            return _file_error("too_many_rows", max=MAX_ROWS)
        cells = _Cells(number, values, columns)
        row = _build_row(cells)
        if "short_id" not in cells.failed:
            first = first_rows.setdefault(row.short_id, number)
            if first != number:
                params: dict[str, str | int] = {"value": row.short_id, "first_row": first}
                cells.fail("short_id", "error.import.duplicate_short_id", **params)
        errors += cells.errors
        if not cells.errors:
            rows.append(row)
    if count == 0:
        errors.append(RowError(0, "", "error.import.empty"))
    return ParsedTable(rows, errors)


def parse_table(data: bytes, *, filename: str = "") -> ParsedTable:
    """Rows and problems of an uploaded CSV or XLSX file, told apart by content, not by name."""
    is_zip = data.startswith((b"PK\x03\x04", b"PK\x05\x06"))
    records = _xlsx_records(data) if is_zip else _csv_records(data)
    try:
        return _parse_records(records)
    except _UnreadableError:
        return _file_error("unreadable", filename=filename)
    finally:
        records.close()
