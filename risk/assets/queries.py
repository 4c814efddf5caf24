"""Read models of assets: list rows, detail with dependencies and where each value comes from."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from isms.identity.models import Department
from risk.assets.graph import PREFIXES
from risk.assets.levels import GRUNDWERTE, LEVEL_TERMS, DamageScenario, Level, Override
from risk.assets.models import Asset, AssetCategory, AssetDependency
from risk.assets.schemas import (
    AssetDetail,
    AssetRead,
    AssetRef,
    CategoryRead,
    ChainLink,
    DepartmentRef,
    DependencyRead,
    ProtectionRead,
)
from risk.assets.service import sources_of

MAX_CHAIN = 50


def term(value: int | None) -> str | None:
    return LEVEL_TERMS[Level(value)] if value else None


def ref(asset: Asset) -> AssetRef:
    return AssetRef(id=asset.id or 0, short_id=asset.short_id, name=asset.name)


def protection(asset: Asset, prefix: str, sources: dict[int, Asset]) -> ProtectionRead:
    source_id = getattr(asset, f"{prefix}_source_id")
    source = sources.get(source_id) if source_id else None
    override = getattr(asset, f"{prefix}_override")
    scenarios = getattr(asset, f"{prefix}_scenarios")
    return ProtectionRead(
        assessed=term(getattr(asset, f"{prefix}_assessed")),
        override=Override(override) if override else None,
        justification=getattr(asset, f"{prefix}_justification"),
        scenarios=[DamageScenario(s) for s in scenarios.split(",") if s],
        inherited=term(getattr(asset, f"{prefix}_inherited")),
        level=term(getattr(asset, f"{prefix}_level")),
        source=ref(source) if source else None,
    )


def to_read(
    asset: Asset, category: AssetCategory, department: Department, sources: dict[int, Asset]
) -> AssetRead:
    return AssetRead(
        id=asset.id or 0,
        short_id=asset.short_id,
        name=asset.name,
        category=CategoryRead.model_validate(category),
        department=DepartmentRef(id=department.id or 0, code=department.code, name=department.name),
        responsible=asset.responsible,
        description=asset.description,
        location=asset.location,
        quantity=asset.quantity,
        status=asset.status,
        tags=[t for t in (s.strip() for s in asset.tags.split(",")) if t],
        kritis_sector=asset.kritis_sector,
        kritis_critical=asset.kritis_critical,
        confidentiality=protection(asset, "c", sources),
        integrity=protection(asset, "i", sources),
        availability=protection(asset, "a", sources),
        max_level=term(asset.max_level),
        created_at=asset.created_at,
        updated_at=asset.updated_at,
        version=asset.version,
    )


def read_one(session: Session, asset: Asset) -> AssetRead:
    category = session.get(AssetCategory, asset.category_id)
    department = session.get(Department, asset.department_id)
    assert category is not None
    assert department is not None
    return to_read(asset, category, department, sources_of(session, [asset]))


def _edges(session: Session, *, column: str, asset_id: int, other: str) -> list[DependencyRead]:
    query = (
        select(AssetDependency, Asset)
        .join(Asset, col(Asset.id) == getattr(AssetDependency, other))
        .where(getattr(AssetDependency, column) == asset_id)
        .order_by(col(Asset.short_id))
    )
    return [
        DependencyRead(
            id=edge.id or 0,
            asset=ref(asset),
            description=edge.description,
            level=term(asset.max_level),
        )
        for edge, asset in session.execute(query)
    ]


def explanation(session: Session, asset: Asset) -> dict[str, list[ChainLink]]:
    """Per Grundwert the chain of objects the value comes from: this object first."""
    chains: dict[str, list[ChainLink]] = {}
    for grundwert, prefix in zip(GRUNDWERTE, PREFIXES, strict=True):
        chain: list[ChainLink] = []
        node: Asset | None = asset
        while node is not None and len(chain) < MAX_CHAIN:
            source_id = getattr(node, f"{prefix}_source_id")
            override = getattr(node, f"{prefix}_override")
            reason = override or ("inherited" if source_id else "own")
            chain.append(
                ChainLink(
                    asset=ref(node), level=term(getattr(node, f"{prefix}_level")), reason=reason
                )
            )
            node = session.get(Asset, source_id) if source_id else None
        chains[grundwert] = chain
    return chains


def detail(session: Session, asset: Asset) -> AssetDetail:
    base = read_one(session, asset)
    assert asset.id is not None
    return AssetDetail(
        **base.model_dump(),
        depends_on=_edges(session, column="dependent_id", asset_id=asset.id, other="dependency_id"),
        required_by=_edges(
            session, column="dependency_id", asset_id=asset.id, other="dependent_id"
        ),
        explanation=explanation(session, asset),
    )
