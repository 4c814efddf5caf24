"""Pages of the Grundschutz-Check: the entry list with bulk editing, one entry, progress."""

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session, col
from starlette.responses import Response

from controls.catalogs import service as catalogs
from controls.catalogs.models import Catalog, Control
from controls.check import modelling, service
from controls.check.models import CheckStatus, Decision, ModellingDecision
from controls.check.schemas import BulkItem, BulkUpdate, CheckUpdate
from controls.deps import UiCheckEditor, UiCheckReader, UiModeller
from controls.evidence import service as evidence_service
from isms.database import SessionDep
from isms.errors import NotFound
from isms.i18n import translate
from isms.identity.deps import department_scope
from isms.identity.models import Role, User
from isms.identity.service import all_departments
from isms.pagination import PageParams
from isms.web.forms import FormData, FormErrors, attempt, list_value, read_form, validate
from isms.web.render import render, request_language
from risk.assets import service as assets

router = APIRouter(prefix="/check", include_in_schema=False)
PAGE_SIZE = 50
GROUPINGS = ("practice", "department", "asset", "catalog")
FILTERS = ("asset", "department_id", "status", "practice", "modal_verb", "q", "overdue", "domain")


def _filter(session: Session, request: Request) -> tuple[service.CheckFilter, dict[str, str]]:
    params = {k: request.query_params.get(k, "")[:100] for k in FILTERS}
    asset_id = None
    if params["asset"]:
        asset = assets.get_by_short_id(session, short_id=params["asset"])
        asset_id = asset.id if asset else -1
    status = params["status"] if params["status"] in {s.value for s in CheckStatus} else None
    flt = service.CheckFilter(
        asset_id=asset_id,
        domain=params["domain"] == "ja",
        department_id=int(params["department_id"]) if params["department_id"].isdigit() else None,
        status=CheckStatus(status) if status else None,
        practice=params["practice"] or None,
        modal_verb=params["modal_verb"]
        if params["modal_verb"] in ("MUSS", "SOLLTE", "KANN")
        else None,
        q=params["q"] or None,
        overdue=params["overdue"] == "ja",
    )
    return flt, params


def _can_edit(user: User) -> bool:
    return user.role in (Role.ISB, Role.DEPARTMENT)


def _page(
    request: Request,
    session: Session,
    user: User,
    offset: int,
    *,
    errors: list[dict[str, Any]] | None = None,
    posted: FormData | None = None,
    status_code: int = 200,
) -> Response:
    flt, params = _filter(session, request)
    scope = department_scope(user)
    page, evidence = service.list_entries(
        session, page=PageParams(limit=PAGE_SIZE, offset=offset), flt=flt, scope=scope
    )
    by = request.query_params.get("by", "practice")
    by = by if by in GROUPINGS else "practice"
    progress = service.progress(session, by=by, scope=scope)
    total = sum(r.total for r in progress)
    worked = sum(r.total - r.unbearbeitet for r in progress)
    practices = (
        [r.key for r in progress if r.key]
        if by == "practice"
        else [r.key for r in service.progress(session, by="practice", scope=scope) if r.key]
    )
    return render(
        request,
        "check/list.html",
        {
            "page": page,
            "rows": page.items,
            "evidence": evidence,
            "offset": offset,
            "limit": PAGE_SIZE,
            "params": params,
            "statuses": list(CheckStatus),
            "practices": practices,
            "by": by,
            "groupings": GROUPINGS,
            "departments": [d for d in all_departments(session) if scope is None or d.id in scope],
            "progress": progress,
            "overall": {"total": total, "worked": worked},
            "can_edit": _can_edit(user),
            "today": date.today(),
            "row_errors": errors or [],
            "action": "/check?"
            + urlencode({"offset": offset, **{k: v for k, v in params.items() if v}}),
            "posted": posted or {},
        },
        status_code=status_code,
    )


@router.get("")
def list_page(
    request: Request,
    session: SessionDep,
    user: UiCheckReader,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    return _page(request, session, user, offset)


def _changed_items(form: FormData) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows whose status, target date or justification differ from what was shown."""
    items, problems = [], []
    for raw in list_value(form, "row"):
        if not str(raw).isdigit():
            continue
        entry_id = int(raw)
        values = {
            "status": str(form.get(f"status-{entry_id}") or ""),
            "target_date": str(form.get(f"target-{entry_id}") or ""),
            "justification": str(form.get(f"justification-{entry_id}") or "").strip(),
        }
        shown = "|".join(values.values())
        if shown == str(form.get(f"shown-{entry_id}") or ""):
            continue
        item = {
            "id": entry_id,
            "status": values["status"],
            "target_date": values["target_date"] or None,
            "justification": values["justification"],
            "version": str(form.get(f"version-{entry_id}") or "") or None,
        }
        try:
            items.append(BulkItem.model_validate(item).model_dump(exclude_unset=True))
        except ValidationError as error:
            first = error.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else "status"
            problems.append(
                {"id": entry_id, "field": field, "key": "error.invalid_value", "params": {}}
            )
    return items, problems


@router.post("")
def save_rows(
    request: Request,
    session: SessionDep,
    user: UiCheckEditor,
    form: Annotated[FormData, Depends(read_form)],
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    items, problems = _changed_items(form)
    saved = 0
    if items and not problems:
        updated, found = service.bulk_update(
            session, data=BulkUpdate.model_validate({"items": items}), scope=department_scope(user)
        )
        problems = [
            {"id": p.id, "field": p.field or "status", "key": p.key, "params": p.params}
            for p in found
        ]
        saved = len(updated)
    if problems:
        session.rollback()
        language = request_language(request)
        errors = [{**p, "message": translate(language, p["key"], **p["params"])} for p in problems]
        return _page(request, session, user, offset, errors=errors, posted=form, status_code=400)
    kept = {k: v for k, v in request.query_params.items() if k in (*FILTERS, "offset") and v}
    return RedirectResponse("/check?" + urlencode({"saved": saved, **kept}), status_code=303)


def _modelling_page(
    request: Request,
    session: Session,
    user: User,
    asset_id: int,
    *,
    errors: FormErrors | None = None,
    values: FormData | None = None,
    status_code: int = 200,
) -> Response:
    asset = assets.get(session, asset_id=asset_id, scope=department_scope(user))
    rows = session.execute(
        select(ModellingDecision, Control)
        .join(Catalog, col(Catalog.family) == col(ModellingDecision.family))
        .join(
            Control,
            (col(Control.catalog_id) == col(Catalog.id))
            & (col(Control.ref) == col(ModellingDecision.control_ref)),
        )
        .where(col(ModellingDecision.asset_id) == asset_id, col(Catalog.active))
        .order_by(col(ModellingDecision.control_ref))
    ).all()
    return render(
        request,
        "check/modelling.html",
        {
            "asset": asset,
            "decisions": rows,
            "is_isb": user.role is Role.ISB,
            "errors": errors or FormErrors(),
            "values": values or {},
        },
        status_code=status_code,
    )


@router.get("/assets/{asset_id}/modelling")
def modelling_page(
    request: Request, session: SessionDep, user: UiCheckReader, asset_id: int
) -> Response:
    return _modelling_page(request, session, user, asset_id)


@router.post("/assets/{asset_id}/modelling")
def decide(
    request: Request,
    session: SessionDep,
    user: UiModeller,
    asset_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    asset = assets.get(session, asset_id=asset_id, scope=None)
    errors = FormErrors()
    decision = str(form.get("decision") or "")
    if decision not in {d.value for d in Decision}:
        errors.add("decision", "error.field_required")
    made = not errors and attempt(
        session,
        errors,
        lambda: modelling.decide(
            session,
            asset=asset,
            control=catalogs.active_control(session, str(form.get("control_ref") or "")),
            decision=Decision(decision),
            reason=str(form.get("reason") or ""),
            actor=user.username,
        ),
    )
    if not made:
        return _modelling_page(
            request, session, user, asset_id, errors=errors, values=form, status_code=400
        )
    return RedirectResponse(f"/check/assets/{asset_id}/modelling?saved=1", status_code=303)


@router.post("/assets/{asset_id}/modelling/{decision_id}/delete")
def withdraw(
    session: SessionDep,
    _: UiModeller,
    asset_id: int,
    decision_id: int,
    _form: Annotated[FormData, Depends(read_form)],
) -> Response:
    decision = session.get(ModellingDecision, decision_id)
    if decision is None or decision.asset_id != asset_id:
        raise NotFound("error.modelling_decision_not_found", id=decision_id)
    modelling.withdraw(session, decision=decision)
    return RedirectResponse(f"/check/assets/{asset_id}/modelling?saved=1", status_code=303)


@router.get("/{entry_id}")
def entry_page(
    request: Request, session: SessionDep, user: UiCheckReader, entry_id: int
) -> Response:
    return _entry(request, session, user, entry_id)


def _entry(
    request: Request,
    session: Session,
    user: User,
    entry_id: int,
    *,
    errors: FormErrors | None = None,
    values: FormData | None = None,
    status_code: int = 200,
) -> Response:
    scope = department_scope(user)
    row = service.get_entry(session, entry_id=entry_id, scope=scope)
    linked = service.evidence_of(session, [entry_id]).get(entry_id, [])
    available = evidence_service.list_evidence(
        session, page=PageParams(limit=200, offset=0), scope=scope
    ).items
    return render(
        request,
        "check/entry.html",
        {
            "row": row,
            "linked": linked,
            "available": available,
            "statuses": list(CheckStatus),
            "departments": [d for d in all_departments(session) if scope is None or d.id in scope],
            "can_edit": _can_edit(user),
            "errors": errors or FormErrors(),
            "values": values,
            "overdue": service.is_overdue(row.entry),
        },
        status_code=status_code,
    )


@router.post("/{entry_id}")
def save_entry(
    request: Request,
    session: SessionDep,
    user: UiCheckEditor,
    entry_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    scope = department_scope(user)
    row = service.get_entry(session, entry_id=entry_id, scope=scope)
    errors = FormErrors()
    data: dict[str, Any] = {
        key: (str(form.get(key) or "").strip() or None)
        for key in ("status", "implementation", "justification", "department_id", "responsible")
    }
    data |= {
        "interview_partners": str(form.get("interview_partners") or "").strip(),
        "checked_on": str(form.get("checked_on") or "") or None,
        "target_date": str(form.get("target_date") or "") or None,
        "cost": str(form.get("cost") or "").strip() or None,
        "evidence_ids": [int(v) for v in list_value(form, "evidence_ids") if str(v).isdigit()],
        "version": str(form.get("version") or "") or None,
    }
    for key in ("implementation", "justification", "responsible"):
        data[key] = data[key] or ""
    payload = validate(CheckUpdate, data, errors)
    saved = payload and attempt(
        session,
        errors,
        lambda: service.update_entry(
            session, row=row, data=payload, scope=scope, evidence_scope=scope
        ),
    )
    if not saved:
        return _entry(request, session, user, entry_id, errors=errors, values=form, status_code=400)
    return RedirectResponse(f"/check/{entry_id}?saved=1", status_code=303)


def dashboard_widget(session: Session, user: User) -> dict[str, Any]:
    """The dashboard panel: how far the check is, overall and for the user's departments."""
    scope = department_scope(user)
    rows = service.progress(session, by="catalog", scope=scope)
    total = sum(r.total for r in rows)
    worked = sum(r.total - r.unbearbeitet for r in rows)
    relevant = total - sum(r.entbehrlich for r in rows)
    done = sum(r.ja + r.teilweise / 2 for r in rows)
    overdue = service.list_entries(
        session, page=PageParams(limit=1), flt=service.CheckFilter(overdue=True), scope=scope
    )[0].total
    return {
        "total": total,
        "worked": worked,
        "compliance": f"{100 * done / relevant:.1f} %" if relevant else "–",
        "overdue": overdue,
        "catalogs": rows,
    }
