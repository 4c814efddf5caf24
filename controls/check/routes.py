"""JSON API of modelling and the Grundschutz-Check."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlmodel import col
from starlette.responses import Response

from controls.catalogs import service as catalogs
from controls.catalogs.schemas import CatalogRead, CatalogUpdate, MigrationRead
from controls.check import migration, modelling, service
from controls.check.models import CheckStatus, ModellingDecision
from controls.check.schemas import (
    AssetRef,
    BulkUpdate,
    CheckRead,
    CheckUpdate,
    ControlRef,
    DecisionInput,
    DecisionRead,
    ModellingResult,
    ProgressRow,
)
from controls.deps import CatalogManager, CheckEditor, CheckReader, Modeller
from isms.database import SessionDep
from isms.errors import NotFound
from isms.i18n import translate
from isms.identity.deps import department_scope
from isms.pagination import PageDep, PageRead
from isms.web.render import request_language
from risk.assets import service as assets

router = APIRouter(prefix="/api/v1", tags=["check"])
Text = Annotated[str | None, Query(max_length=100)]


def to_read(row: service.CheckRow, evidence: list[int]) -> CheckRead:
    entry, control, asset = row.entry, row.control, row.asset
    return CheckRead(
        id=entry.id or 0,
        asset=AssetRef(id=asset.id or 0, short_id=asset.short_id, name=asset.name)
        if asset
        else None,
        control=ControlRef(
            id=control.id or 0,
            ref=control.ref,
            title=control.title,
            catalog_id=control.catalog_id,
            modal_verb=control.modal_verb,
            sec_level=control.sec_level,
        ),
        practice=entry.practice,
        modelled=entry.modelled,
        origin=entry.origin,
        status=entry.status,
        implementation=entry.implementation,
        justification=entry.justification,
        department_id=entry.department_id,
        responsible=entry.responsible,
        interview_partners=entry.interview_partners,
        checked_on=entry.checked_on,
        target_date=entry.target_date,
        cost=entry.cost,
        overdue=service.is_overdue(entry),
        evidence_ids=evidence,
        updated_at=entry.updated_at,
        version=entry.version,
    )


def check_filter(
    asset_id: int | None = None,
    domain: Annotated[bool, Query(description="Only the information domain as a whole")] = False,
    department_id: int | None = None,
    status: CheckStatus | None = None,
    practice: Text = None,
    catalog_id: int | None = None,
    modal_verb: Text = None,
    q: Text = None,
    overdue: bool = False,
    modelled: Annotated[
        bool | None, Query(description="false: entries that no longer apply")
    ] = True,
) -> service.CheckFilter:
    return service.CheckFilter(
        asset_id=asset_id,
        domain=domain,
        department_id=department_id,
        status=status,
        practice=practice,
        catalog_id=catalog_id,
        modal_verb=modal_verb,
        q=q,
        overdue=overdue,
        modelled=modelled,
    )


FilterDep = Annotated[service.CheckFilter, Depends(check_filter)]


@router.get(
    "/check-entries",
    response_model=PageRead[CheckRead],
    summary="Grundschutz-Check entries (department users: their departments' objects)",
)
def list_entries(
    session: SessionDep, user: CheckReader, page: PageDep, flt: FilterDep
) -> PageRead[CheckRead]:
    result, evidence = service.list_entries(
        session, page=page, flt=flt, scope=department_scope(user)
    )
    return PageRead(
        items=[to_read(r, evidence.get(r.entry.id or 0, [])) for r in result.items],
        total=result.total,
    )


@router.patch(
    "/check-entries",
    summary="Record many check entries at once: all or none",
    responses={400: {"description": "Each row's problem; nothing was written"}},
)
def bulk_update(
    request: Request, session: SessionDep, user: CheckEditor, data: BulkUpdate
) -> Response:
    updated, problems = service.bulk_update(session, data=data, scope=department_scope(user))
    if problems:
        session.rollback()
        language = request_language(request)
        errors = [
            {
                "id": p.id,
                "field": p.field,
                "message": translate(language, p.key, **p.params),
            }
            for p in problems
        ]
        return JSONResponse(
            {
                "error": "invalid_input",
                "detail": translate(language, "error.bulk_nothing_written", count=len(errors)),
                "errors": errors,
            },
            status_code=400,
        )
    return JSONResponse({"updated": len(updated)})


@router.get("/check-entries/{entry_id}", response_model=CheckRead)
def get_entry(session: SessionDep, user: CheckReader, entry_id: int) -> CheckRead:
    row = service.get_entry(session, entry_id=entry_id, scope=department_scope(user))
    return to_read(row, service.evidence_of(session, [entry_id]).get(entry_id, []))


@router.patch("/check-entries/{entry_id}", response_model=CheckRead)
def update_entry(
    session: SessionDep, user: CheckEditor, entry_id: int, data: CheckUpdate
) -> CheckRead:
    scope = department_scope(user)
    row = service.get_entry(session, entry_id=entry_id, scope=scope)
    service.update_entry(session, row=row, data=data, scope=scope, evidence_scope=scope)
    row = service.get_entry(session, entry_id=entry_id, scope=scope)
    return to_read(row, service.evidence_of(session, [entry_id]).get(entry_id, []))


@router.get(
    "/check-progress",
    response_model=list[ProgressRow],
    summary="Progress and compliance per asset, department, practice or catalog",
)
def progress(
    session: SessionDep,
    user: CheckReader,
    by: Literal["asset", "department", "practice", "catalog"] = "practice",
    catalog_id: int | None = None,
) -> list[ProgressRow]:
    return service.progress(session, by=by, scope=department_scope(user), catalog_id=catalog_id)


# Modelling


def _decision(d: ModellingDecision) -> DecisionRead:
    return DecisionRead.model_validate(d, from_attributes=True)


@router.get("/assets/{asset_id}/modelling", response_model=list[DecisionRead])
def list_decisions(session: SessionDep, user: CheckReader, asset_id: int) -> list[DecisionRead]:
    assets.get(session, asset_id=asset_id, scope=department_scope(user))
    decisions = session.scalars(
        select(ModellingDecision)
        .where(col(ModellingDecision.asset_id) == asset_id)
        .order_by(col(ModellingDecision.control_ref))
    )
    return [_decision(d) for d in decisions]


@router.post(
    "/assets/{asset_id}/modelling",
    response_model=DecisionRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add or exclude a control for an asset, with a reason",
)
def decide(session: SessionDep, user: Modeller, asset_id: int, data: DecisionInput) -> DecisionRead:
    asset = assets.get(session, asset_id=asset_id, scope=None)
    control = catalogs.get_control(session, data.control_id)
    decision = modelling.decide(
        session,
        asset=asset,
        control=control,
        decision=data.decision,
        reason=data.reason,
        actor=user.username,
    )
    return _decision(decision)


@router.delete("/assets/{asset_id}/modelling/{decision_id}", status_code=status.HTTP_204_NO_CONTENT)
def withdraw(session: SessionDep, _: Modeller, asset_id: int, decision_id: int) -> Response:
    decision = session.get(ModellingDecision, decision_id)
    if decision is None or decision.asset_id != asset_id:
        raise NotFound("error.modelling_decision_not_found", id=decision_id)
    modelling.withdraw(session, decision=decision)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/modelling/run",
    response_model=ModellingResult,
    summary="Model every asset against the active catalogs",
)
def run_modelling(session: SessionDep, user: Modeller) -> ModellingResult:
    result = modelling.model(session, actor=user.username)
    return ModellingResult(
        assets=result.assets,
        created=result.created,
        reactivated=result.reactivated,
        retired=result.retired,
        removed=result.removed,
    )


@router.post(
    "/catalogs/{catalog_id}/activate",
    response_model=MigrationRead,
    summary="Migrate the Grundschutz-Check to this catalog version",
)
def activate(session: SessionDep, user: CatalogManager, catalog_id: int) -> MigrationRead:
    catalog = catalogs.get_catalog(session, catalog_id)
    result = migration.migrate(session, catalog=catalog, actor=user.username)
    return MigrationRead(
        from_catalog=result.from_catalog,
        to_catalog=result.to_catalog,
        carried=result.carried,
        dropped=result.dropped,
        created=result.modelling.created,
    )


@router.patch(
    "/catalogs/{catalog_id}",
    response_model=CatalogRead,
    summary="Switch modelling of a catalog's controls onto assets on or off",
)
def update_catalog(
    session: SessionDep, user: CatalogManager, catalog_id: int, data: CatalogUpdate
) -> CatalogRead:
    catalog = catalogs.get_catalog(session, catalog_id)
    if catalog.modelled != data.modelled:
        catalog.modelled = data.modelled
        session.add(catalog)
        session.flush()
        if catalog.active:
            modelling.model(session, actor=user.username)
    return CatalogRead.model_validate(catalog)
