"""The ISO 27001 Statement of Applicability, derived from the Grundschutz-Check.

For each Annex A control the BSI's mapping names the Grundschutz++ controls that cover it. Their
check entries (on every target object and the information domain) decide the derived state:

1. no check entries for the mapped controls (or no mapping): nicht bewertet;
2. every entry ja or entbehrlich: umgesetzt;
3. every entry nein or unbearbeitet: nicht umgesetzt, or nicht bewertet when all are unbearbeitet;
4. anything in between: teilweise.

Partial coverage: when the mapping says the Grundschutz++ controls only intersect with the Annex
A control (`intersects-with`, or `superset-of` seen from the ISO side), they cannot prove all of
it, so the derived state is at most "teilweise". The ISB may override the derived state with a
reason, and marks each control applicable or not, with a justification.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session, col

from controls.catalogs.models import Catalog, Control, ControlMapping
from controls.check.models import CheckEntry, CheckStatus
from controls.soa.models import Implementation, SoaEntry
from isms.clock import utcnow
from isms.errors import InvalidInput, NotFound
from isms.identity.service import check_version

PARTIAL = {"intersects-with", "superset-of"}


@dataclass(frozen=True)
class MappedRef:
    ref: str
    relationship: str


@dataclass(frozen=True)
class SoaRow:
    control: Control
    group: str | None
    applicable: bool
    justification: str
    derived: Implementation
    partial_coverage: bool
    override: Implementation | None
    override_reason: str
    effective: Implementation | None  # None when not applicable
    mapped: tuple[MappedRef, ...]
    counts: dict[str, int]
    version: int


def soa_catalog(session: Session) -> Catalog:
    """The active catalog the SoA is kept for: the one the mappings lead from (ISO Annex A)."""
    candidates = session.scalars(
        select(Catalog).where(col(Catalog.active), ~col(Catalog.modelled)).order_by(col(Catalog.id))
    ).all()
    for catalog in candidates:
        if "27001" in catalog.title:
            return catalog
    if candidates:
        return candidates[0]
    raise NotFound("error.soa_catalog_missing")


def derive(statuses: dict[str, int], *, partial: bool) -> Implementation:
    total = sum(statuses.values())
    if not total:
        return Implementation.NICHT_BEWERTET
    done = statuses.get("ja", 0) + statuses.get("entbehrlich", 0)
    not_done = statuses.get("nein", 0) + statuses.get("unbearbeitet", 0)
    if done == total:
        state = Implementation.UMGESETZT
    elif not_done == total:
        return (
            Implementation.NICHT_BEWERTET
            if statuses.get("unbearbeitet", 0) == total
            else Implementation.NICHT_UMGESETZT
        )
    else:
        state = Implementation.TEILWEISE
    if partial and state is Implementation.UMGESETZT:
        return Implementation.TEILWEISE
    return state


def rows(session: Session, *, ref: str | None = None) -> list[SoaRow]:
    """The SoA, or only the row of one Annex A control."""
    catalog = soa_catalog(session)
    chosen = select(Control).where(col(Control.catalog_id) == catalog.id)
    if ref is not None:
        chosen = chosen.where(col(Control.ref) == ref)
    controls = session.scalars(chosen.order_by(col(Control.sort_order))).all()
    refs = {c.ref for c in controls}
    mapped: dict[str, list[MappedRef]] = defaultdict(list)
    for source, target, relationship in session.execute(
        select(
            col(ControlMapping.source_ref),
            col(ControlMapping.target_ref),
            col(ControlMapping.relationship),
        ).where(col(ControlMapping.source_ref).in_(refs))
    ):
        mapped[source].append(MappedRef(target, relationship))
    targets = {m.ref for ms in mapped.values() for m in ms}
    status_by_ref: dict[str, dict[str, int]] = defaultdict(dict)
    if targets:
        query = (
            select(col(CheckEntry.control_ref), col(CheckEntry.status), func.count())
            .where(col(CheckEntry.control_ref).in_(targets), col(CheckEntry.modelled))
            .group_by(col(CheckEntry.control_ref), col(CheckEntry.status))
        )
        for ref, status, count in session.execute(query):
            status_by_ref[ref][CheckStatus(status).value] = count
    entries = {
        e.control_ref: e
        for e in session.scalars(select(SoaEntry).where(col(SoaEntry.family) == catalog.family))
    }
    result = []
    for control in controls:
        maps = mapped.get(control.ref, [])
        counts: dict[str, int] = defaultdict(int)
        for m in maps:
            for status, count in status_by_ref.get(m.ref, {}).items():
                counts[status] += count
        partial = bool(maps) and all(m.relationship in PARTIAL for m in maps)
        derived = derive(counts, partial=partial)
        entry = entries.get(control.ref)
        applicable = entry.applicable if entry else True
        override = entry.override if entry else None
        result.append(
            SoaRow(
                control=control,
                group=control.group_ref,
                applicable=applicable,
                justification=entry.justification if entry else "",
                derived=derived,
                partial_coverage=partial,
                override=override,
                override_reason=entry.override_reason if entry else "",
                effective=(override or derived) if applicable else None,
                mapped=tuple(maps),
                counts=dict(counts),
                version=entry.version if entry else 0,
            )
        )
    return result


def update(
    session: Session,
    *,
    ref: str,
    applicable: bool,
    justification: str,
    override: Implementation | None,
    override_reason: str,
    version: int | None,
    actor: str,
) -> SoaEntry:
    catalog = soa_catalog(session)
    control = session.scalars(
        select(Control).where(col(Control.catalog_id) == catalog.id, col(Control.ref) == ref)
    ).first()
    if control is None:
        raise NotFound("error.control_not_found", id=ref)
    if not justification.strip():
        raise InvalidInput("error.soa_needs_justification", control=ref, field="justification")
    if override is not None and len(override_reason.strip()) < 10:
        raise InvalidInput("error.soa_override_needs_reason", control=ref, field="override_reason")
    entry = session.scalars(
        select(SoaEntry).where(
            col(SoaEntry.family) == catalog.family, col(SoaEntry.control_ref) == ref
        )
    ).first()
    if entry is None:
        check_version(0, version)
        entry = SoaEntry(family=catalog.family, control_ref=ref)
    else:
        check_version(entry.version, version)
    entry.applicable = applicable
    entry.justification = justification.strip()
    entry.override = override
    entry.override_reason = override_reason.strip() if override else ""
    entry.updated_at = utcnow()
    entry.updated_by = actor
    session.add(entry)
    session.flush()
    return entry
