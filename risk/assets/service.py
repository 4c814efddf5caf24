"""Plain service functions of the asset register; they flush, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from isms.clock import utcnow
from isms.errors import Conflict, InvalidInput, NotFound
from isms.identity.models import Department
from isms.identity.service import check_version
from isms.pagination import Page, PageParams, apply_sort
from risk.assets import events, graph
from risk.assets.categories import get_category
from risk.assets.levels import GRUNDWERTE, Level, Override, override_problem
from risk.assets.models import Asset, AssetCategory, AssetDependency, KritisSector
from risk.assets.schemas import AssetCreate, AssetUpdate, ProtectionInput, ProtectionUpdate

PREFIX = dict(zip(GRUNDWERTE, graph.PREFIXES, strict=True))
SORT = {
    "short_id": col(Asset.short_id),
    "name": col(Asset.name),
    "max_level": col(Asset.max_level),
    "updated_at": col(Asset.updated_at),
    "quantity": col(Asset.quantity),
    "id": col(Asset.id),
}


@dataclass(frozen=True)
class AssetFilter:
    """What the asset list may be narrowed by."""

    category_id: int | None = None
    department_id: int | None = None
    level: Level | None = None  # the highest of C/I/A equals this
    min_level: Level | None = None
    kritis: bool | None = None
    kritis_sector: KritisSector | None = None
    q: str | None = None
    tag: str | None = None
    overridden: bool | None = None  # some Grundwert deviates by Kumulations-/Verteilungseffekt


def _filtered(query: Any, flt: AssetFilter, scope: set[int] | None) -> Any:
    if scope is not None:
        query = query.where(col(Asset.department_id).in_(scope))
    if flt.category_id is not None:
        query = query.where(col(Asset.category_id) == flt.category_id)
    if flt.department_id is not None:
        query = query.where(col(Asset.department_id) == flt.department_id)
    if flt.level is not None:
        query = query.where(col(Asset.max_level) == int(flt.level))
    if flt.min_level is not None:
        query = query.where(col(Asset.max_level) >= int(flt.min_level))
    if flt.kritis is not None:
        query = query.where(col(Asset.kritis_critical) == flt.kritis)
    if flt.kritis_sector is not None:
        query = query.where(col(Asset.kritis_sector) == flt.kritis_sector)
    if flt.overridden is not None:
        deviates = or_(*(col(getattr(Asset, f"{p}_override")).is_not(None) for p in "cia"))
        query = query.where(deviates if flt.overridden else ~deviates)
    if flt.tag:
        query = query.where(func.lower(col(Asset.tags)).like(f"%{flt.tag.lower()}%"))
    if flt.q:
        like = f"%{flt.q.lower()}%"
        query = query.where(
            or_(
                func.lower(col(Asset.name)).like(like),
                func.lower(col(Asset.short_id)).like(like),
                func.lower(col(Asset.description)).like(like),
                func.lower(col(Asset.location)).like(like),
            )
        )
    return query


@dataclass(frozen=True)
class AssetRow:
    """An asset with what its list row shows."""

    asset: Asset
    category: AssetCategory
    department: Department


def list_(
    session: Session, *, page: PageParams, flt: AssetFilter, scope: set[int] | None
) -> tuple[Page[AssetRow], dict[int, Asset]]:
    """One page of assets (3 queries: count, page, source objects), plus the source assets."""
    base = _filtered(select(col(Asset.id)), flt, scope)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    query = _filtered(
        select(Asset, AssetCategory, Department)
        .join(AssetCategory, col(AssetCategory.id) == col(Asset.category_id))
        .join(Department, col(Department.id) == col(Asset.department_id)),
        flt,
        scope,
    )
    query = apply_sort(query, page.sort or "short_id", SORT).order_by(col(Asset.id))
    rows = [
        AssetRow(a, c, d)
        for a, c, d in session.execute(query.limit(page.limit).offset(page.offset))
    ]
    return Page(items=rows, total=total), sources_of(session, [r.asset for r in rows])


def sources_of(session: Session, assets: Sequence[Asset]) -> dict[int, Asset]:
    """The assets the given ones inherit a value from, by id (one query)."""
    ids = {getattr(a, f"{p}_source_id") for a in assets for p in graph.PREFIXES} - {None}
    if not ids:
        return {}
    return {a.id: a for a in session.scalars(select(Asset).where(col(Asset.id).in_(ids))) if a.id}


def get(session: Session, *, asset_id: int, scope: set[int] | None) -> Asset:
    """An asset; one outside the caller's departments is reported as not found."""
    asset = session.get(Asset, asset_id)
    if asset is None or (scope is not None and asset.department_id not in scope):
        raise NotFound("error.asset_not_found", id=asset_id)
    return asset


def get_by_short_id(session: Session, *, short_id: str) -> Asset | None:
    return session.scalars(select(Asset).where(col(Asset.short_id) == short_id.upper())).first()


def _check_department(session: Session, department_id: int, scope: set[int] | None) -> None:
    if session.get(Department, department_id) is None or (
        scope is not None and department_id not in scope
    ):
        raise InvalidInput(
            "error.department_unknown", ids=str(department_id), field="department_id"
        )


def _flush(session: Session, short_id: str) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict("error.asset_exists", short_id=short_id, field="short_id") from exc


def create(session: Session, *, data: AssetCreate, scope: set[int] | None) -> Asset:
    if get_by_short_id(session, short_id=data.short_id):
        raise Conflict("error.asset_exists", short_id=data.short_id, field="short_id")
    get_category(session, category_id=data.category_id)
    _check_department(session, data.department_id, scope)
    fields = data.model_dump(exclude={"confidentiality", "integrity", "availability", "tags"})
    asset = Asset(**fields, tags=", ".join(dict.fromkeys(data.tags)))
    session.add(asset)
    _flush(session, data.short_id)
    assessments = {g: getattr(data, g) for g in GRUNDWERTE if getattr(data, g) is not None}
    if assessments:
        _assess(session, asset, assessments)
    graph.recalculate(session, start=[asset.id or 0])
    events.notify(session, [asset.id or 0])
    session.refresh(asset)
    return asset


def update(session: Session, *, asset: Asset, data: AssetUpdate, scope: set[int] | None) -> Asset:
    check_version(asset.version, data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    for key in (
        "short_id",
        "name",
        "category_id",
        "department_id",
        "quantity",
        "status",
        "kritis_critical",
    ):
        if key in changes and changes[key] is None:
            raise InvalidInput("error.field_required", field=key)
    if "category_id" in changes:
        get_category(session, category_id=changes["category_id"])
    if "department_id" in changes:
        _check_department(session, changes["department_id"], scope)
    if (
        changes.get("short_id")
        and changes["short_id"] != asset.short_id
        and get_by_short_id(session, short_id=changes["short_id"])
    ):
        raise Conflict("error.asset_exists", short_id=changes["short_id"], field="short_id")
    if "tags" in changes:
        changes["tags"] = ", ".join(dict.fromkeys(changes["tags"] or []))
    # Modelling follows the category; check entries follow the owning department.
    recategorised = any(
        changes.get(key, getattr(asset, key)) != getattr(asset, key)
        for key in ("category_id", "department_id")
    )
    for key, value in changes.items():
        setattr(asset, key, value)
    asset.updated_at = utcnow()
    session.add(asset)
    _flush(session, asset.short_id)
    if recategorised:
        events.notify(session, [asset.id or 0])
    return asset


def delete(session: Session, *, asset: Asset) -> None:
    """Delete an asset and its edges (each audited); what it depended on is recalculated."""
    edges = list(
        session.scalars(
            select(AssetDependency).where(
                or_(
                    col(AssetDependency.dependent_id) == asset.id,
                    col(AssetDependency.dependency_id) == asset.id,
                )
            )
        )
    )
    below = [e.dependency_id for e in edges if e.dependent_id == asset.id]
    for edge in edges:
        session.delete(edge)
    session.flush()
    session.delete(asset)
    session.flush()
    if below:
        graph.recalculate(session, start=below)


def _assess(session: Session, asset: Asset, assessments: dict[str, ProtectionInput]) -> None:
    for grundwert, value in assessments.items():
        p = PREFIX[grundwert]
        level = Level.from_term(value.level) if value.level else None
        inherited = getattr(asset, f"{p}_inherited")
        problem = override_problem(level, value.override, Level(inherited) if inherited else None)
        if problem:
            raise InvalidInput(problem, grundwert=f"grundwert.{grundwert}", field=grundwert)
        if value.override is not None and len(value.justification.strip()) < 10:
            raise InvalidInput(
                "error.override_needs_reason", grundwert=f"grundwert.{grundwert}", field=grundwert
            )
        setattr(asset, f"{p}_assessed", int(level) if level else None)
        setattr(asset, f"{p}_override", value.override.value if value.override else None)
        setattr(asset, f"{p}_justification", value.justification.strip())
        setattr(asset, f"{p}_scenarios", ",".join(s.value for s in value.scenarios))
    asset.updated_at = utcnow()
    session.add(asset)
    session.flush()


def assess(session: Session, *, asset: Asset, data: ProtectionUpdate) -> Asset:
    """Set the own assessment of one or more Grundwerte and recalculate what depends on it."""
    check_version(asset.version, data.version)
    assessments = {g: getattr(data, g) for g in GRUNDWERTE if getattr(data, g) is not None}
    if not assessments:
        raise InvalidInput("error.nothing_to_change")
    # Inherited values are current: every change that can alter them recalculates in its own
    # transaction, so the override can be checked against them directly.
    _assess(session, asset, assessments)
    graph.recalculate(session, start=[asset.id or 0])
    session.refresh(asset)
    return asset


def overrides_of(asset: Asset) -> dict[str, Override | None]:
    return {
        g: Override(v) if (v := getattr(asset, f"{PREFIX[g]}_override")) else None
        for g in GRUNDWERTE
    }
