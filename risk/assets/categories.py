"""The target-object vocabulary: imported from the BSI's CSV at run time, plus our own types."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session, col

from isms.download import fetch
from isms.errors import InvalidInput, NotFound
from risk.assets.models import AssetCategory

VOCABULARY_FILE = "target_object_categories.csv"
VOCABULARY_URL = (
    "https://raw.githubusercontent.com/BSI-Bund/Stand-der-Technik-Bibliothek/main/"
    "documentation/namespaces/target_object_categories.csv"
)
SHARED_SUBDIR = Path("shared/catalogs/bsi-stand-der-technik")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
REQUIRED_COLUMNS = {"Zielobjekt", "UUID", "ChildOfUUID"}


@dataclass(frozen=True)
class CategorySpec:
    uuid: str
    name: str
    definition: str
    group: str
    kind: str
    synonyms: str
    parent_uuid: str | None
    source: str = "bsi"


# Types the vocabulary lacks (business processes, ICS/OT), kept as data in the same format.
OWN_TYPES_FILE = Path(__file__).with_name("own_types.csv")


def parse_vocabulary(data: bytes, *, source: str = "bsi") -> list[CategorySpec]:
    """The categories of the BSI's CSV; a 400 naming the problem if it is not that file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("error.vocabulary_unreadable", reason="UTF-8") from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = REQUIRED_COLUMNS - set(reader.fieldnames or ())
    if missing:
        raise InvalidInput("error.vocabulary_columns", columns=", ".join(sorted(missing)))
    specs = []
    for row in reader:
        if not row.get("Zielobjekt") or not row.get("UUID"):
            continue
        specs.append(
            CategorySpec(
                uuid=row["UUID"].strip(),
                name=row["Zielobjekt"].strip(),
                definition=(row.get("Definition") or "").strip(),
                group=(row.get("Typ") or "").strip(),
                kind=(row.get("Kategorie") or "").strip(),
                synonyms=(row.get("Synonyme") or "").strip(),
                parent_uuid=(row.get("ChildOfUUID") or "").strip() or None,
                source=source,
            )
        )
    if not specs:
        raise InvalidInput("error.vocabulary_empty")
    return specs


def own_types(by_name: dict[str, str]) -> list[CategorySpec]:
    """Our types; their parent column holds a vocabulary name, resolved here to its UUID."""
    specs = parse_vocabulary(OWN_TYPES_FILE.read_bytes(), source="isms")
    return [
        CategorySpec(**{**spec.__dict__, "parent_uuid": by_name.get(spec.parent_uuid or "")})
        for spec in specs
    ]


def upsert_categories(session: Session, specs: Sequence[CategorySpec]) -> int:
    """Insert or update the vocabulary (idempotent, keyed by UUID) and add our own types."""
    existing = {c.uuid: c for c in session.scalars(select(AssetCategory))}
    all_specs = list(specs) + own_types({s.name: s.uuid for s in specs})
    changed = 0
    for spec in all_specs:
        category = existing.get(spec.uuid) or AssetCategory(uuid=spec.uuid, name=spec.name)
        values = {
            "name": spec.name,
            "definition": spec.definition,
            "group": spec.group,
            "kind": spec.kind,
            "synonyms": spec.synonyms,
            "source": spec.source,
        }
        if category.id is None or any(getattr(category, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(category, key, value)
            session.add(category)
            changed += 1
        existing[spec.uuid] = category
    session.flush()
    for spec in all_specs:
        parent = existing.get(spec.parent_uuid) if spec.parent_uuid else None
        category = existing[spec.uuid]
        parent_id = parent.id if parent else None
        if category.parent_id != parent_id:
            category.parent_id = parent_id
            session.add(category)
    session.flush()
    return changed


def import_vocabulary(session: Session, source: Path | bytes) -> int:
    """Import the vocabulary from a file path or its bytes."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    return upsert_categories(session, parse_vocabulary(data))


def locate_vocabulary(catalog_dir: Path | None) -> Path | None:
    """The vocabulary file: in ISMS_CATALOG_DIR, else in a shared/ folder beside the project."""
    candidates = [catalog_dir / VOCABULARY_FILE] if catalog_dir else []
    candidates += [
        base.parent / SHARED_SUBDIR / VOCABULARY_FILE for base in (PROJECT_ROOT, Path.cwd())
    ]
    return next((path for path in candidates if path.is_file()), None)


def import_default_vocabulary(session: Session, catalog_dir: Path | None) -> int:
    """Import from a local copy when there is one, else from the BSI's published file."""
    path = locate_vocabulary(catalog_dir)
    return import_vocabulary(session, path if path else fetch(VOCABULARY_URL))


def list_categories(session: Session) -> list[AssetCategory]:
    return list(session.scalars(select(AssetCategory).order_by(col(AssetCategory.name))))


def get_category(session: Session, *, category_id: int) -> AssetCategory:
    category = session.get(AssetCategory, category_id)
    if category is None:
        raise InvalidInput("error.category_unknown", id=category_id, field="category_id")
    return category


def find_category(session: Session, *, name: str) -> AssetCategory:
    category = session.scalars(select(AssetCategory).where(col(AssetCategory.name) == name)).first()
    if category is None:
        raise NotFound("error.category_name_unknown", name=name)
    return category


def ancestors(categories: Iterable[AssetCategory], category_id: int) -> list[int]:
    """The category and all its ancestors in the vocabulary tree (for modelling)."""
    parent_of = {c.id: c.parent_id for c in categories}
    chain: list[int] = []
    current: int | None = category_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parent_of.get(current)
    return chain
