"""Columns and rows of the asset table, shared by export and import; pure, no database."""

from dataclasses import dataclass, field

from isms.i18n import translate
from risk.assets.levels import DamageScenario, Level, Override
from risk.assets.models import KritisSector, LifecycleStatus

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
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def column_headers(language: str) -> list[str]:
    """The header row in a language, in the order of COLUMNS."""
    return [translate(language, f"asset.column.{key}") for key in COLUMNS]


def level_key(level: Level) -> str:
    return f"level.{level.term.replace(' ', '_')}"


def escape_cell(value: str) -> str:
    """A leading `'` for text a spreadsheet would run as a formula (and for a leading `'`)."""
    return "'" + value if value.startswith((*FORMULA_START, "'")) else value


def unescape_cell(value: str) -> str:
    protected = value.startswith("'") and value[1:].startswith((*FORMULA_START, "'"))
    return value[1:] if protected else value


def normalize(text: str) -> str:
    """Text compared without case and runs of white space."""
    return " ".join(text.split()).lower()
