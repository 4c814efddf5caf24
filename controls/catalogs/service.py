"""Importing OSCAL catalogs and mapping collections, and reading them back; flush, never commit.

An import is idempotent: the same bytes (by SHA-256) of a catalog family change nothing. A new
edition becomes a new catalog version beside the old one; the Grundschutz-Check keeps working
with the active version until the ISB migrates it (controls.check.migration).
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlmodel import Session, col

from controls.catalogs import oscal
from controls.catalogs.models import (
    Catalog,
    CatalogGroup,
    Control,
    ControlMapping,
    MappingCollection,
)
from controls.evidence.storage import sanitise_name
from isms.audit.service import record
from isms.errors import InvalidInput, NotFound
from isms.pagination import Page, PageParams

RAW_DIR = "catalogs"  # under the data dir: the imported files, to resolve profiles against
SEARCH_LIMIT = 100
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class ImportOutcome:
    kind: str  # catalog | mapping
    id: int
    title: str
    version: str
    created: bool  # False: the same content was imported before, nothing changed
    count: int  # controls (incl. sub-controls) or mapping entries


def family_of(title: str) -> str:
    """A stable slug of a catalog's title, e.g. "BSI Stand der Technik Kernel" ->
    "bsi-stand-der-technik-kernel"; a trailing "catalog" is dropped."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return re.sub(r"-catalog$", "", slug)[:120] or "catalog"


def _resource_family(href: str) -> str:
    """The family a mapping's resource href most likely names (file name without -catalog.json)."""
    name = href.rsplit("/", 1)[-1]
    return family_of(re.sub(r"(?i)\.json$", "", name))


def parse(data: bytes) -> oscal.Catalog | oscal.MappingCollection | oscal.Profile:
    try:
        return oscal.parse_document(data)
    except oscal.OscalError as error:
        raise InvalidInput(error.key, **error.params) from error


def import_document(
    session: Session, data: bytes, *, source: str, actor: str, raw_dir: Path | None = None
) -> ImportOutcome:
    """Import a catalog, a resolved profile catalog, a profile (resolved against catalogs
    imported before) or a mapping collection."""
    source = _without_controls(source)
    document = parse(data)
    if isinstance(document, oscal.MappingCollection):
        return import_mappings(session, document, source=source, actor=actor)
    if isinstance(document, oscal.Profile):
        document = _resolve(session, document, raw_dir)
    outcome = import_catalog(session, document, source=source, actor=actor)
    if outcome.created and raw_dir is not None:
        _keep_raw(raw_dir, data)
    return outcome


def _without_controls(source: str) -> str:
    """The source without control characters (a NUL byte has no place in the database)."""
    return "".join(char for char in source if unicodedata.category(char) != "Cc")


def raw_path(raw_dir: Path, sha256: str) -> Path:
    """Where the imported file with this SHA-256 is kept; never named after the upload."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError("not a SHA-256 in lowercase hex")
    return raw_dir / RAW_DIR / f"{sha256}.json"


def _keep_raw(raw_dir: Path, data: bytes) -> None:
    """Keep the imported file under its SHA-256; the catalog row holds the name it came with."""
    target = raw_path(raw_dir, hashlib.sha256(data).hexdigest())
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(prefix=".catalog-", suffix=".part", dir=target.parent)
    temp = Path(temp_name)
    try:
        with open(descriptor, "wb") as out:
            out.write(data)
        temp.replace(target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _resolve(session: Session, profile: oscal.Profile, raw_dir: Path | None) -> oscal.Catalog:
    catalogs: dict[str, oscal.Catalog] = {}
    for item in profile.imports:
        name = item.href.rsplit("/", 1)[-1]
        path = _kept_catalog(session, raw_dir, name) if raw_dir else None
        if path is not None:
            catalogs[name] = parse_catalog_file(path)
    try:
        return oscal.resolve_profile(profile, catalogs)
    except oscal.OscalError as error:
        raise InvalidInput(error.key, **error.params) from error


def _kept_catalog(session: Session, raw_dir: Path, name: str) -> Path | None:
    """The kept file of the newest catalog imported under this file name, if any."""
    wanted = sanitise_name(name)
    rows = session.execute(
        select(col(Catalog.source), col(Catalog.sha256)).order_by(col(Catalog.id).desc())
    ).all()
    for source, sha256 in rows:
        if sanitise_name(source) == wanted and _SHA256.fullmatch(sha256):
            path = raw_path(raw_dir, sha256)
            if path.is_file():
                return path
    if name in ("", ".", "..") or "\\" in name or "\x00" in name:
        return None
    legacy = raw_dir / RAW_DIR / name  # earlier versions kept the file under its own name
    return legacy if legacy.is_file() else None


def parse_catalog_file(path: Path) -> oscal.Catalog:
    try:
        return oscal.parse_catalog(path.read_bytes())
    except oscal.OscalError as error:
        raise InvalidInput(error.key, **error.params) from error


def import_catalog(
    session: Session, parsed: oscal.Catalog, *, source: str, actor: str
) -> ImportOutcome:
    family = family_of(parsed.title)
    existing = session.scalars(
        select(Catalog).where(col(Catalog.family) == family, col(Catalog.sha256) == parsed.sha256)
    ).first()
    if existing is not None and existing.id is not None:
        return ImportOutcome(
            "catalog", existing.id, existing.title, existing.version, False, existing.control_count
        )
    first_of_family = not session.scalar(
        select(func.count()).select_from(Catalog).where(col(Catalog.family) == family)
    )
    catalog = Catalog(
        family=family,
        title=parsed.title[:300],
        version=parsed.version[:120],
        oscal_uuid=parsed.uuid,
        oscal_version=parsed.oscal_version,
        published=parsed.published,
        last_modified=parsed.last_modified,
        remarks=parsed.remarks,
        source=source[:500],
        sha256=parsed.sha256,
        control_count=len(parsed.controls),
        group_count=len(parsed.groups),
        active=first_of_family,
        modelled=any(c.sec_level or c.target_categories for c in parsed.controls),
        imported_by=actor,
    )
    session.add(catalog)
    session.flush()
    assert catalog.id is not None
    _insert_content(session, catalog.id, parsed)
    _relink_mappings(session, source, family)
    record(
        session,
        action="import",
        object_type="catalog",
        object_id=str(catalog.id),
        after={
            "title": catalog.title,
            "version": catalog.version,
            "sha256": catalog.sha256,
            "controls": catalog.control_count,
            "source": catalog.source,
            "active": catalog.active,
        },
    )
    return ImportOutcome(
        "catalog", catalog.id, catalog.title, catalog.version, True, len(parsed.controls)
    )


def _insert_content(session: Session, catalog_id: int, parsed: oscal.Catalog) -> None:
    if parsed.groups:
        session.execute(
            insert(CatalogGroup),
            [
                {
                    "catalog_id": catalog_id,
                    "ref": g.ref,
                    "title": g.title[:300],
                    "parent_ref": g.parent_ref,
                    "depth": g.depth,
                    "sort_order": g.sort_order,
                }
                for g in parsed.groups
            ],
        )
    if parsed.controls:
        session.execute(insert(Control), [_control_row(catalog_id, c) for c in parsed.controls])


def _control_row(catalog_id: int, c: oscal.Control) -> dict[str, Any]:
    return {
        "catalog_id": catalog_id,
        "ref": c.ref,
        "title": c.title[:500],
        "parent_ref": c.parent_ref,
        "group_ref": c.group_ref,
        "practice": c.practice,
        "depth": c.depth,
        "sort_order": c.sort_order,
        "sec_level": c.sec_level,
        "effort_level": c.effort_level,
        "modal_verb": c.modal_verb,
        "target_categories": list(c.target_categories),
        "tags": list(c.tags),
        "alt_titles": dict(c.alt_titles),
        "statement": c.statement,
        "guidance": c.guidance,
        "props": [_prop(p) for p in c.props],
        "parts": [_part(p) for p in c.parts],
        "params": [dict(p.raw) for p in c.params],
        "search_text": " ".join(
            (c.ref, c.title, *c.alt_titles.values(), c.statement, c.guidance)
        ).lower(),
    }


def _prop(p: oscal.Prop) -> dict[str, Any]:
    return {k: v for k, v in (("name", p.name), ("value", p.value), ("ns", p.ns)) if v}


def _part(p: oscal.Part) -> dict[str, Any]:
    return {
        "name": p.name,
        "id": p.id,
        "title": p.title,
        "prose": p.prose,
        "props": [_prop(x) for x in p.props],
        "parts": [_part(x) for x in p.parts],
    }


def import_mappings(
    session: Session, parsed: oscal.MappingCollection, *, source: str, actor: str
) -> ImportOutcome:
    existing = session.scalars(
        select(MappingCollection).where(col(MappingCollection.sha256) == parsed.sha256)
    ).first()
    if existing is not None and existing.id is not None:
        return ImportOutcome(
            "mapping", existing.id, existing.title, existing.version, False, existing.entry_count
        )
    known = _families_by_file(session)
    rows: list[dict[str, Any]] = []
    for mapping in parsed.mappings:
        source_family = _family_for(mapping.source_href, mapping.source_title, known)
        target_family = _family_for(mapping.target_href, mapping.target_title, known)
        for entry in mapping.maps:
            for source_ref in entry.source_refs:
                for target_ref in entry.target_refs:
                    rows.append(
                        {
                            "relationship": entry.relationship[:40],
                            "source_family": source_family,
                            "source_ref": source_ref[:100],
                            "target_family": target_family,
                            "target_ref": target_ref[:100],
                            "threats": list(entry.threats),
                            "remarks": entry.remarks,
                        }
                    )
    collection = MappingCollection(
        oscal_uuid=parsed.uuid,
        title=parsed.title[:300],
        version=parsed.version[:120],
        last_modified=parsed.last_modified,
        source=source[:500],
        sha256=parsed.sha256,
        entry_count=len(rows),
        imported_by=actor,
    )
    session.add(collection)
    session.flush()
    assert collection.id is not None
    if rows:
        session.execute(
            insert(ControlMapping), [{"collection_id": collection.id, **r} for r in rows]
        )
    record(
        session,
        action="import",
        object_type="mapping_collection",
        object_id=str(collection.id),
        after={"title": collection.title, "entries": len(rows), "sha256": collection.sha256},
    )
    return ImportOutcome(
        "mapping", collection.id, collection.title, collection.version, True, len(rows)
    )


def _families_by_file(session: Session) -> dict[str, str]:
    """File name a catalog was imported from -> its family."""
    return {
        src.rsplit("/", 1)[-1]: family
        for src, family in session.execute(select(col(Catalog.source), col(Catalog.family)))
        if src
    }


def _family_for(href: str, title: str | None, known: dict[str, str]) -> str:
    if title:
        return family_of(title)
    return known.get(href.rsplit("/", 1)[-1]) or _resource_family(href)


def _relink_mappings(session: Session, source: str, family: str) -> None:
    """Mappings imported before their catalog named it by file name; now the family is known."""
    guess = _resource_family(source)
    if guess == family:
        return
    for side in ("source_family", "target_family"):
        column = getattr(ControlMapping, side)
        session.execute(update(ControlMapping).where(column == guess).values({side: family}))


# Reading


def list_catalogs(session: Session) -> list[Catalog]:
    return list(
        session.scalars(
            select(Catalog).order_by(col(Catalog.title), col(Catalog.imported_at).desc())
        )
    )


def get_catalog(session: Session, catalog_id: int) -> Catalog:
    catalog = session.get(Catalog, catalog_id)
    if catalog is None:
        raise NotFound("error.catalog_not_found", id=catalog_id)
    return catalog


def active_catalogs(session: Session, *, modelled: bool | None = None) -> list[Catalog]:
    query = select(Catalog).where(col(Catalog.active))
    if modelled is not None:
        query = query.where(col(Catalog.modelled) == modelled)
    return list(session.scalars(query.order_by(col(Catalog.id))))


def groups(session: Session, catalog_id: int) -> list[CatalogGroup]:
    return list(
        session.scalars(
            select(CatalogGroup)
            .where(col(CatalogGroup.catalog_id) == catalog_id)
            .order_by(col(CatalogGroup.sort_order))
        )
    )


def search_controls(
    session: Session,
    *,
    catalog_id: int,
    page: PageParams,
    q: str | None = None,
    practice: str | None = None,
    group_ref: str | None = None,
    modal_verb: str | None = None,
    sec_level: str | None = None,
) -> Page[Control]:
    """Controls of one catalog version in document order, narrowed by text and props."""
    query = select(Control).where(col(Control.catalog_id) == catalog_id)
    if q:
        words = q.lower().split()[:8]
        query = query.where(*(col(Control.search_text).contains(w, autoescape=True) for w in words))
    if practice:
        query = query.where(col(Control.practice) == practice)
    if group_ref:
        query = query.where(
            or_(col(Control.group_ref) == group_ref, col(Control.ref).startswith(f"{group_ref}."))
        )
    if modal_verb:
        query = query.where(col(Control.modal_verb) == modal_verb)
    if sec_level:
        query = query.where(col(Control.sec_level) == sec_level)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(
        query.order_by(col(Control.sort_order)).limit(page.limit).offset(page.offset)
    )
    return Page(items=list(items), total=total)


def get_control(session: Session, control_id: int) -> Control:
    control = session.get(Control, control_id)
    if control is None:
        raise NotFound("error.control_not_found", id=control_id)
    return control


def active_control(session: Session, ref: str) -> Control:
    """The control with this ref in an active catalog version (the modelled ones first)."""
    control = session.scalars(
        select(Control)
        .join(Catalog, col(Catalog.id) == col(Control.catalog_id))
        .where(col(Control.ref) == ref.strip(), col(Catalog.active))
        .order_by(col(Catalog.modelled).desc(), col(Catalog.id))
    ).first()
    if control is None:
        raise NotFound("error.control_ref_unknown", ref=ref.strip()[:100], field="control_ref")
    return control


def parent_of(session: Session, control: Control) -> Control | None:
    if not control.parent_ref:
        return None
    return session.scalars(
        select(Control).where(
            col(Control.catalog_id) == control.catalog_id, col(Control.ref) == control.parent_ref
        )
    ).first()


def sub_controls(session: Session, control: Control) -> list[Control]:
    return list(
        session.scalars(
            select(Control)
            .where(
                col(Control.catalog_id) == control.catalog_id,
                col(Control.parent_ref) == control.ref,
            )
            .order_by(col(Control.sort_order))
        )
    )


@dataclass(frozen=True)
class MappedControl:
    """One mapping of a control, seen from that control."""

    direction: str  # "to": this control is the source; "from": it is the target
    relationship: str
    ref: str
    family: str
    collection: str
    control: Control | None  # the other control in an active catalog version, if imported
    threats: tuple[str, ...]


def mappings_of(session: Session, control: Control) -> list[MappedControl]:
    """What the control maps to in other catalogs and what maps to it.

    Matched by control ref: the BSI's ids (ASST.1.1, GC.6.1), ISO's (5.1) and the IT-Grundschutz
    Kompendium's (APP.3.6.A1) do not overlap, and a mapping then holds for every catalog version.
    """
    rows = session.execute(
        select(ControlMapping, col(MappingCollection.title))
        .join(MappingCollection, col(MappingCollection.id) == col(ControlMapping.collection_id))
        .where(
            or_(
                col(ControlMapping.source_ref) == control.ref,
                col(ControlMapping.target_ref) == control.ref,
            )
        )
        .order_by(col(ControlMapping.id))
    ).all()
    others = {(m.target_ref if m.source_ref == control.ref else m.source_ref) for m, _ in rows}
    resolved = _active_controls_by_ref(session, others, exclude_catalog=control.catalog_id)
    result = []
    for mapping, title in rows:
        outgoing = mapping.source_ref == control.ref
        ref = mapping.target_ref if outgoing else mapping.source_ref
        result.append(
            MappedControl(
                direction="to" if outgoing else "from",
                relationship=mapping.relationship,
                ref=ref,
                family=mapping.target_family if outgoing else mapping.source_family,
                collection=title,
                control=resolved.get(ref),
                threats=tuple(mapping.threats or ()),
            )
        )
    return result


def _active_controls_by_ref(
    session: Session, refs: set[str], *, exclude_catalog: int
) -> dict[str, Control]:
    if not refs:
        return {}
    query = (
        select(Control)
        .join(Catalog, col(Catalog.id) == col(Control.catalog_id))
        .where(
            col(Control.ref).in_(refs),
            col(Catalog.active),
            col(Control.catalog_id) != exclude_catalog,
        )
    )
    return {c.ref: c for c in session.scalars(query)}


def list_mapping_collections(session: Session) -> list[MappingCollection]:
    return list(session.scalars(select(MappingCollection).order_by(col(MappingCollection.title))))
