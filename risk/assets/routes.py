"""JSON API of the asset register: assets, dependencies, protection requirements, categories."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from isms.database import SessionDep
from isms.identity.deps import deny, department_scope
from isms.identity.models import Role
from isms.pagination import PageDep, PageRead
from risk.assets import categories, graph, queries, service
from risk.assets.deps import AssetEditor, AssetReader, StructureAnalyst
from risk.assets.levels import GRUNDWERTE, Level
from risk.assets.models import KritisSector
from risk.assets.schemas import (
    AssetCreate,
    AssetDetail,
    AssetRead,
    AssetUpdate,
    CategoryRead,
    DependencyCreate,
    DependencyRead,
    LevelTerm,
    ProtectionUpdate,
)

router = APIRouter(prefix="/api/v1/assets", tags=["assets"])
categories_router = APIRouter(prefix="/api/v1/asset-categories", tags=["assets"])
Text = Annotated[str | None, Query(max_length=100)]


def asset_filter(
    category_id: int | None = None,
    department_id: int | None = None,
    level: Annotated[LevelTerm | None, Query(description="Highest of C/I/A equals")] = None,
    min_level: Annotated[LevelTerm | None, Query(description="Highest of C/I/A at least")] = None,
    kritis: Annotated[bool | None, Query(description="Critical facility (KRITIS)")] = None,
    kritis_sector: KritisSector | None = None,
    q: Text = None,
    tag: Text = None,
    overridden: Annotated[
        bool | None, Query(description="Some value deviates (Kumulations-/Verteilungseffekt)")
    ] = None,
) -> service.AssetFilter:
    return service.AssetFilter(
        category_id=category_id,
        department_id=department_id,
        level=Level.from_term(level) if level else None,
        min_level=Level.from_term(min_level) if min_level else None,
        kritis=kritis,
        kritis_sector=kritis_sector,
        q=q or None,
        tag=tag or None,
        overridden=overridden,
    )


@router.get("", response_model=PageRead[AssetRead], summary="List target objects")
def list_assets(
    session: SessionDep,
    user: AssetReader,
    page: PageDep,
    flt: Annotated[service.AssetFilter, Depends(asset_filter)],
) -> PageRead[AssetRead]:
    result, sources = service.list_(session, page=page, flt=flt, scope=department_scope(user))
    items = [queries.to_read(r.asset, r.category, r.department, sources) for r in result.items]
    return PageRead(items=items, total=result.total)


@router.post("", response_model=AssetDetail, status_code=status.HTTP_201_CREATED)
def create_asset(
    request: Request, session: SessionDep, user: AssetEditor, data: AssetCreate
) -> AssetDetail:
    if user.role is not Role.ISB and any(getattr(data, g) is not None for g in GRUNDWERTE):
        raise deny(request, session, user, reason="protection_requirement")
    asset = service.create(session, data=data, scope=department_scope(user))
    return queries.detail(session, asset)


@router.post("/recalculate", summary="Recalculate all inherited protection requirements")
def recalculate(session: SessionDep, _: StructureAnalyst) -> dict[str, int]:
    return {"changed": graph.recalculate(session)}


@router.get(
    "/{asset_id}", response_model=AssetDetail, summary="A target object with its dependencies"
)
def get_asset(session: SessionDep, user: AssetReader, asset_id: int) -> AssetDetail:
    asset = service.get(session, asset_id=asset_id, scope=department_scope(user))
    return queries.detail(session, asset)


@router.patch("/{asset_id}", response_model=AssetDetail)
def update_asset(
    session: SessionDep, user: AssetEditor, asset_id: int, data: AssetUpdate
) -> AssetDetail:
    scope = department_scope(user)
    asset = service.get(session, asset_id=asset_id, scope=scope)
    return queries.detail(session, service.update(session, asset=asset, data=data, scope=scope))


@router.delete("/{asset_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_asset(session: SessionDep, _: StructureAnalyst, asset_id: int) -> Response:
    service.delete(session, asset=service.get(session, asset_id=asset_id, scope=None))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/{asset_id}/protection", response_model=AssetDetail, summary="Assess the Schutzbedarf")
def assess(
    session: SessionDep, _: StructureAnalyst, asset_id: int, data: ProtectionUpdate
) -> AssetDetail:
    asset = service.get(session, asset_id=asset_id, scope=None)
    return queries.detail(session, service.assess(session, asset=asset, data=data))


@router.post(
    "/{asset_id}/dependencies",
    response_model=DependencyRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record that this object depends on another",
)
def add_dependency(
    session: SessionDep, _: StructureAnalyst, asset_id: int, data: DependencyCreate
) -> DependencyRead:
    dependent = service.get(session, asset_id=asset_id, scope=None)
    dependency = service.get(session, asset_id=data.dependency_id, scope=None)
    edge = graph.add_dependency(
        session, dependent=dependent, dependency=dependency, description=data.description
    )
    return DependencyRead(
        id=edge.id or 0, asset=queries.ref(dependency), description=edge.description
    )


@router.delete("/{asset_id}/dependencies/{dependency_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_dependency(
    session: SessionDep, _: StructureAnalyst, asset_id: int, dependency_id: int
) -> Response:
    edge = graph.get_edge(session, dependent_id=asset_id, dependency_id=dependency_id)
    graph.remove_dependency(session, edge=edge)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@categories_router.get("", response_model=list[CategoryRead], summary="Target object types")
def list_categories(session: SessionDep, _: AssetReader) -> list[CategoryRead]:
    return [CategoryRead.model_validate(c) for c in categories.list_categories(session)]
