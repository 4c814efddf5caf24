"""Checking the rows of an upload: every problem with its row and column, or clean rows."""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from isms.i18n import LANGUAGES, translate
from risk.assets.levels import DamageScenario, Level, Override
from risk.assets.models import KritisSector, LifecycleStatus
from risk.assets.tabular.export import level_key
from risk.assets.tabular.reading import UnreadableError, csv_records, xlsx_records
from risk.assets.tabular.table import (
    COLUMNS,
    AssetRow,
    ParsedTable,
    ProtectionCell,
    RowError,
    column_headers,
    normalize,
    unescape_cell,
)

T = TypeVar("T")
MAX_ROWS = 50_000
MAX_TAGS = 20
MAX_QUANTITY = 1_000_000
REQUIRED = ("short_id", "name", "category", "department")
SHORT_ID = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,19}")


def _lookup(prefix: str, choices: Mapping[str, T]) -> dict[str, T]:
    """Normalised text -> value for the stored values and their labels in every language."""
    table: dict[str, T] = {}
    for key, value in choices.items():
        table[normalize(key)] = value
        for language in LANGUAGES:
            table[normalize(translate(language, f"{prefix}.{key}"))] = value
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
    level = _lookup("level", {level_key(level)[6:]: level for level in Level})
    level |= {level.term: level for level in Level}
    return _Vocabulary(
        headers=_lookup("asset.column", {key: key for key in COLUMNS}),
        english=frozenset(normalize(header) for header in column_headers("en")),
        german=frozenset(normalize(header) for header in column_headers("de")),
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
        value = unescape_cell(self.cells[index]) if index < len(self.cells) else ""
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
        if normalize(value) not in table:
            self.fail(key, f"error.import.invalid_{kind}", value=value)
            return default
        return table[normalize(value)]


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
            scenario = _vocabulary().scenario[normalize(match["label"])]
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
        key = vocabulary.headers.get(normalize(header))
        if key is None or key in columns:
            problem = "unknown_column" if key is None else "duplicate_column"
            errors.append(RowError(number, header, f"error.import.{problem}", {"value": header}))
        else:
            columns[key] = (index, header)
    found = [normalize(header) for _, header in columns.values()]
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
    records = xlsx_records(data) if is_zip else csv_records(data)
    try:
        return _parse_records(records)
    except UnreadableError:
        return _file_error("unreadable", filename=filename)
    finally:
        records.close()
