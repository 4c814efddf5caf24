"""Pages of the risk analysis: register, heat map, risk detail with treatment and acceptance,
objects to analyse, threat overview, threats and the implementation plan (Realisierungsplan)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.responses import Response

from controls.catalogs import service as catalogs
from controls.check import service as check_service
from isms.database import SessionDep
from isms.i18n import translate
from isms.identity.deps import department_scope
from isms.identity.models import Role, User
from isms.identity.service import all_departments
from isms.pagination import PageParams
from isms.web.forms import FormData, FormErrors, attempt, int_value, list_value, read_form, validate
from isms.web.render import render, request_language
from risk.analysis import measures, service, threats
from risk.analysis.deps import UiMeasureEditor, UiRiskAnalyst, UiRiskReader
from risk.analysis.matrix import BSI_200_3, MatrixSpec
from risk.analysis.models import MeasureStatus, RiskStatus, Treatment
from risk.analysis.schemas import (
    AcceptanceInput,
    MeasureCreate,
    MeasureUpdate,
    RiskCreate,
    RiskUpdate,
    ThreatCreate,
    TreatmentInput,
)
from risk.analysis.svg import category_class, heatmap_svg
from risk.assets import service as assets

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
FILTERS = (
    "status",
    "category",
    "treatment",
    "department_id",
    "asset",
    "kritis",
    "expired",
    "flagged",
    "q",
    "frequency",
    "impact",
    "basis",
    "matrix_id",
    "threat",
)


def term_labels(request: Request, spec: MatrixSpec) -> dict[str, str]:
    return service.term_labels(spec, request_language(request))


def _spec(session: Session) -> MatrixSpec:
    matrix = service.active_matrix(session)
    return service.spec_of(matrix) if matrix else BSI_200_3


def _departments(session: Session, user: User) -> list[Any]:
    scope = department_scope(user)
    return [d for d in all_departments(session) if scope is None or d.id in scope]


def _filter(session: Session, request: Request) -> tuple[service.RiskFilter, dict[str, str]]:
    params = {k: request.query_params.get(k, "")[:100] for k in FILTERS}
    asset_id = None
    if params["asset"]:
        asset = assets.get_by_short_id(session, short_id=params["asset"])
        asset_id = asset.id if asset else -1
    statuses = {s.value for s in RiskStatus}
    treatments = {t.value for t in Treatment}
    flt = service.RiskFilter(
        status=RiskStatus(params["status"]) if params["status"] in statuses else None,
        open_only=params["status"] == "",
        category=params["category"] or None,
        treatment=Treatment(params["treatment"]) if params["treatment"] in treatments else None,
        department_id=int_value(params["department_id"]),
        asset_id=asset_id,
        kritis={"ja": True, "nein": False}.get(params["kritis"]),
        expired=params["expired"] == "ja",
        flagged=params["flagged"] == "ja",
        q=params["q"] or None,
        frequency=params["frequency"] or None,
        impact=params["impact"] or None,
        basis="residual" if params["basis"] == "residual" else "gross",
        matrix_id=int_value(params["matrix_id"]),
        threat_id=int_value(params["threat"]),
    )
    if params["status"] == "alle":
        flt = service.RiskFilter(**{**flt.__dict__, "open_only": False})
    return flt, params


@router.get("/risks")
def list_page(
    request: Request,
    session: SessionDep,
    user: UiRiskReader,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    flt, params = _filter(session, request)
    page = service.list_risks(
        session,
        page=PageParams(limit=PAGE_SIZE, offset=offset),
        flt=flt,
        scope=department_scope(user),
    )
    spec = _spec(session)
    return render(
        request,
        "risks/list.html",
        {
            "page": page,
            "rows": page.items,
            "offset": offset,
            "limit": PAGE_SIZE,
            "params": params,
            "statuses": list(RiskStatus),
            "treatments": list(Treatment),
            "spec": spec,
            "labels": term_labels(request, spec),
            "rank_class": lambda r: category_class(r.category_rank, len(spec.categories)),
            "departments": _departments(session, user),
            "is_isb": user.role is Role.ISB,
            "today": date.today(),
        },
    )


@router.get("/risks/heatmap")
def heatmap_page(request: Request, session: SessionDep, user: UiRiskReader) -> Response:
    basis = "residual" if request.query_params.get("basis") == "residual" else "gross"
    department_id = int_value(request.query_params.get("department_id", ""))
    result = service.heatmap(
        session, scope=department_scope(user), basis=basis, department_id=department_id
    )
    spec = result.spec
    labels = term_labels(request, spec)
    language = request_language(request)
    link = {"basis": basis, **({"department_id": str(department_id)} if department_id else {})}
    if result.matrix is not None:
        link["matrix_id"] = str(result.matrix.id)
    svg = heatmap_svg(
        frequencies=spec.frequencies,
        impacts=spec.impacts,
        categories=spec.categories,
        cells=spec.cells,
        counts=result.counts,
        labels=labels,
        link=link,
        title=translate(language, f"risk.heatmap_title_{basis}"),
        description=translate(language, "risk.heatmap_desc", total=result.total),
        frequency_axis=translate(language, "risk.frequency"),
        impact_axis=translate(language, "risk.impact"),
        count_label=translate(language, "risk.heatmap_cell"),
    )
    return render(
        request,
        "risks/heatmap.html",
        {
            "result": result,
            "spec": spec,
            "labels": labels,
            "svg": svg,
            "basis": basis,
            "link": link,
            "department_id": department_id,
            "departments": _departments(session, user),
            "category_class": lambda c: category_class(spec.rank(c), len(spec.categories)),
        },
    )


@router.get("/risks/analysis")
def analysis_page(
    request: Request,
    session: SessionDep,
    user: UiRiskReader,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    pending = request.query_params.get("pending") == "ja"
    page = service.candidates(
        session,
        page=PageParams(limit=PAGE_SIZE, offset=offset),
        scope=department_scope(user),
        pending_only=pending,
    )
    return render(
        request,
        "risks/analysis.html",
        {
            "page": page,
            "offset": offset,
            "limit": PAGE_SIZE,
            "params": {"pending": "ja" if pending else ""},
        },
    )


# The threat overview of an object


def _overview(
    request: Request,
    session: Session,
    user: User,
    asset_id: int,
    *,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    asset = assets.get(session, asset_id=asset_id, scope=department_scope(user))
    return render(
        request,
        "risks/overview.html",
        {
            "asset": asset,
            "rows": threats.overview(session, asset=asset),
            "is_isb": user.role is Role.ISB,
            "errors": errors or FormErrors(),
        },
        status_code=status_code,
    )


@router.get("/risks/assets/{asset_id}/threats")
def overview_page(
    request: Request, session: SessionDep, user: UiRiskReader, asset_id: int
) -> Response:
    return _overview(request, session, user, asset_id)


@router.post("/risks/assets/{asset_id}/threats")
def confirm_overview(
    request: Request,
    session: SessionDep,
    user: UiRiskAnalyst,
    asset_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    asset = assets.get(session, asset_id=asset_id, scope=None)
    relevant = [n for v in list_value(form, "relevant") if (n := int_value(v)) is not None]
    notes = {
        n: str(value)[:2000]
        for key, value in form.items()
        if key.startswith("note-") and (n := int_value(key.removeprefix("note-"))) is not None
    }
    errors = FormErrors()
    done = attempt(
        session,
        errors,
        lambda: threats.decide_overview(
            session, asset=asset, relevant=relevant, notes=notes, actor=user.username
        ),
    )
    if done is None:
        return _overview(request, session, user, asset_id, errors=errors, status_code=400)
    return RedirectResponse(f"/risks/assets/{asset_id}/threats?saved=1", status_code=303)


# A new risk


def _form(
    request: Request,
    session: Session,
    *,
    values: dict[str, Any],
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    spec = _spec(session)
    return render(
        request,
        "risks/form.html",
        {
            "values": values,
            "errors": errors or FormErrors(),
            "spec": spec,
            "labels": term_labels(request, spec),
            "threats": threats.list_threats(session),
            "departments": all_departments(session),
        },
        status_code=status_code,
    )


@router.get("/risks/new")
def new_page(request: Request, session: SessionDep, _: UiRiskAnalyst) -> Response:
    values: dict[str, Any] = {}
    asset_id = int_value(request.query_params.get("asset_id", ""))
    if asset_id:
        asset = assets.get(session, asset_id=asset_id, scope=None)
        values["asset"] = asset.short_id
    values["threat_id"] = request.query_params.get("threat_id", "")
    return _form(request, session, values=values)


def _asset_id(session: Session, short_id: str, errors: FormErrors) -> int | None:
    asset = assets.get_by_short_id(session, short_id=short_id.strip()) if short_id.strip() else None
    if asset is None:
        errors.add("asset", "error.asset_unknown", ids=short_id.strip() or "–")
        return None
    return asset.id


@router.post("/risks/new")
def create(
    request: Request,
    session: SessionDep,
    user: UiRiskAnalyst,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    errors = FormErrors()
    asset_id = _asset_id(session, str(form.get("asset") or ""), errors)
    data = {
        "asset_id": asset_id or 0,
        "threat_id": int_value(form.get("threat_id")) or 0,
        "title": str(form.get("title") or "").strip(),
        "scenario": str(form.get("scenario") or ""),
        "confidentiality": form.get("confidentiality") == "ja",
        "integrity": form.get("integrity") == "ja",
        "availability": form.get("availability") == "ja",
        "owner_department_id": int_value(form.get("owner_department_id")),
        "owner": str(form.get("owner") or ""),
        "frequency": str(form.get("frequency") or ""),
        "impact": str(form.get("impact") or ""),
    }
    refs = str(form.get("requirements") or "").split(",")
    if asset_id:
        data["requirement_ids"] = (
            attempt(
                session,
                errors,
                lambda: service.requirements_by_ref(session, asset_id=asset_id, refs=refs),
            )
            or []
        )
    payload = validate(RiskCreate, data, errors)
    risk = (
        payload
        and not errors
        and attempt(
            session,
            errors,
            lambda: service.create_risk(session, data=payload, scope=None, actor=user.username),
        )
    )
    if not risk:
        return _form(request, session, values=form, errors=errors, status_code=400)
    return RedirectResponse(f"/risks/{risk.id}?saved=1", status_code=303)


# One risk


def _detail(
    request: Request,
    session: Session,
    user: User,
    risk_id: int,
    *,
    errors: FormErrors | None = None,
    values: FormData | None = None,
    status_code: int = 200,
    template: str = "risks/detail.html",
) -> Response:
    scope = department_scope(user)
    row = service.get_risk(session, risk_id=risk_id, scope=scope)
    matrix = service.spec_of(service.matrix_of(session, row.risk.matrix_id))
    linked = service.requirement_ids(session, [risk_id])[risk_id]
    requirements = check_service.list_entries(
        session,
        page=PageParams(limit=100),
        flt=check_service.CheckFilter(ids=tuple(linked), modelled=None),
        scope=scope,
    )[0].items
    risk_measures = measures.list_measures(
        session,
        page=PageParams(limit=200),
        flt=measures.MeasureFilter(risk_id=risk_id),
        scope=None,  # whoever sees the risk sees what is done against it
    ).items
    return render(
        request,
        template,
        {
            "row": row,
            "r": row.risk,
            "spec": matrix,
            "labels": term_labels(request, matrix),
            "category_class": lambda c: category_class(matrix.rank(c), len(matrix.categories)),
            "requirements": requirements,
            "measures": [m for m, _ in risk_measures],
            "measure_statuses": list(MeasureStatus),
            "history": service.history(session, risk_id=risk_id),
            "expired": service.acceptance_expired(row.risk),
            "treatments": [t for t in Treatment if t != Treatment.ACCEPT],
            "departments": all_departments(session),
            "is_isb": user.role is Role.ISB,
            "sees_audit": user.role in (Role.ISB, Role.AUDITOR),
            "editable_measures": scope,
            "can_edit_measures": user.role in (Role.ISB, Role.DEPARTMENT),
            "today": date.today(),
            "errors": errors or FormErrors(),
            "values": values or {},
        },
        status_code=status_code,
    )


@router.get("/risks/{risk_id}")
def detail_page(
    request: Request, session: SessionDep, user: UiRiskReader, risk_id: int
) -> Response:
    return _detail(request, session, user, risk_id)


def _done(risk_id: int, anchor: str = "") -> Response:
    return RedirectResponse(f"/risks/{risk_id}?saved=1{anchor}", status_code=303)


@router.post("/risks/{risk_id}/edit")
def edit(
    request: Request,
    session: SessionDep,
    user: UiRiskAnalyst,
    risk_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    row = service.get_risk(session, risk_id=risk_id, scope=None)
    errors = FormErrors()
    data: dict[str, Any] = {
        "title": str(form.get("title") or "").strip(),
        "scenario": str(form.get("scenario") or ""),
        "confidentiality": form.get("confidentiality") == "ja",
        "integrity": form.get("integrity") == "ja",
        "availability": form.get("availability") == "ja",
        "owner_department_id": int_value(form.get("owner_department_id")),
        "owner": str(form.get("owner") or ""),
        "frequency": str(form.get("frequency") or ""),
        "impact": str(form.get("impact") or ""),
        "version": int_value(form.get("version")),
    }
    if form.get("residual_frequency") or form.get("residual_impact"):
        data["residual_frequency"] = str(form.get("residual_frequency") or "") or None
        data["residual_impact"] = str(form.get("residual_impact") or "") or None
    refs = str(form.get("requirements") or "").split(",")
    data["requirement_ids"] = (
        attempt(
            session,
            errors,
            lambda: service.requirements_by_ref(session, asset_id=row.risk.asset_id, refs=refs),
        )
        or []
    )
    payload = not errors and validate(RiskUpdate, data, errors)
    saved = payload and attempt(
        session,
        errors,
        lambda: service.update_risk(
            session, risk=row.risk, data=payload, scope=None, actor=user.username
        ),
    )
    if not saved:
        return _detail(request, session, user, risk_id, errors=errors, values=form, status_code=400)
    return _done(risk_id)


@router.post("/risks/{risk_id}/treatment")
def treatment(
    request: Request,
    session: SessionDep,
    user: UiRiskAnalyst,
    risk_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    row = service.get_risk(session, risk_id=risk_id, scope=None)
    errors = FormErrors()
    data = {
        "treatment": str(form.get("treatment") or ""),
        "note": str(form.get("note") or ""),
        "residual_frequency": str(form.get("residual_frequency") or "") or None,
        "residual_impact": str(form.get("residual_impact") or "") or None,
        "version": int_value(form.get("version")),
    }
    payload = validate(TreatmentInput, data, errors)
    saved = payload and attempt(
        session,
        errors,
        lambda: service.treat(session, risk=row.risk, data=payload, actor=user.username),
    )
    if not saved:
        return _detail(request, session, user, risk_id, errors=errors, values=form, status_code=400)
    return _done(risk_id)


@router.get("/risks/{risk_id}/accept")
def accept_page(
    request: Request, session: SessionDep, user: UiRiskAnalyst, risk_id: int
) -> Response:
    return _detail(request, session, user, risk_id, template="risks/accept.html")


@router.post("/risks/{risk_id}/accept")
def accept(
    request: Request,
    session: SessionDep,
    user: UiRiskAnalyst,
    risk_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    row = service.get_risk(session, risk_id=risk_id, scope=None)
    errors = FormErrors()
    data = {
        "approver": str(form.get("approver") or ""),
        "justification": str(form.get("justification") or ""),
        "expires_on": str(form.get("expires_on") or "") or None,
        "residual_frequency": str(form.get("residual_frequency") or "") or None,
        "residual_impact": str(form.get("residual_impact") or "") or None,
        "version": int_value(form.get("version")),
    }
    payload = validate(AcceptanceInput, data, errors)
    outcome = payload and attempt(
        session,
        errors,
        lambda: service.accept(session, risk=row.risk, data=payload, actor=user.username),
    )
    if not outcome:
        return _detail(
            request,
            session,
            user,
            risk_id,
            errors=errors,
            values=form,
            status_code=400,
            template="risks/accept.html",
        )
    flag = "&kritis=1" if outcome.warnings else ""
    return RedirectResponse(f"/risks/{risk_id}?saved=1{flag}", status_code=303)


def _reason_action(
    request: Request, session: Session, user: User, risk_id: int, form: FormData, action: Any
) -> Response:
    row = service.get_risk(session, risk_id=risk_id, scope=None)
    errors = FormErrors()
    saved = attempt(
        session,
        errors,
        lambda: action(
            session,
            risk=row.risk,
            reason=str(form.get("reason") or ""),
            version=int_value(form.get("version")),
            actor=user.username,
        ),
    )
    if not saved:
        return _detail(request, session, user, risk_id, errors=errors, values=form, status_code=400)
    return _done(risk_id)


@router.post("/risks/{risk_id}/close")
def close(
    request: Request,
    session: SessionDep,
    user: UiRiskAnalyst,
    risk_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    return _reason_action(request, session, user, risk_id, form, service.close)


@router.post("/risks/{risk_id}/reopen")
def reopen(
    request: Request,
    session: SessionDep,
    user: UiRiskAnalyst,
    risk_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    return _reason_action(request, session, user, risk_id, form, service.reopen)


MEASURE_FIELDS = {"title", "control_ref", "responsible", "due_date", "cost", "priority"}


def _measure_data(form: FormData) -> dict[str, Any]:
    data: dict[str, Any] = {
        key: str(form.get(key) or "").strip()
        for key in ("title", "description", "responsible", "status")
    }
    data["owner_department_id"] = int_value(form.get("owner_department_id"))
    data["due_date"] = str(form.get("due_date") or "") or None
    data["cost"] = str(form.get("cost") or "").strip() or None
    data["priority"] = int_value(form.get("priority"))
    return data


@router.post("/risks/{risk_id}/measures")
def add_measure(
    request: Request,
    session: SessionDep,
    user: UiRiskAnalyst,
    risk_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    errors = FormErrors()
    data = _measure_data(form) | {"risk_id": risk_id}
    data["status"] = data["status"] or MeasureStatus.PLANNED.value
    control_ref = str(form.get("control_ref") or "").strip()
    if control_ref:
        found = attempt(
            session,
            errors,
            lambda: catalogs.active_control(session, control_ref),
            field_name="control_ref",
        )
        if found is not None:
            data["control_id"] = found.id
    payload = not errors and validate(MeasureCreate, data, errors)
    saved = payload and attempt(
        session,
        errors,
        lambda: measures.create_measure(session, data=payload, scope=None, actor=user.username),
    )
    if not saved:
        # The measure form's fields are named apart from the risk form's on the same page.
        errors.fields = {
            ("m_" + k if k in MEASURE_FIELDS else k): v for k, v in errors.fields.items()
        }
        return _detail(request, session, user, risk_id, errors=errors, values=form, status_code=400)
    return _done(risk_id, "#measures")


@router.post("/measures/{measure_id}")
def update_measure(
    request: Request,
    session: SessionDep,
    user: UiMeasureEditor,
    measure_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    scope = department_scope(user)
    measure = measures.get_measure(session, measure_id=measure_id, scope=scope, edit=True)
    errors = FormErrors()
    data = {
        "status": str(form.get("status") or ""),
        "due_date": str(form.get("due_date") or "") or None,
        "responsible": str(form.get("responsible") or "").strip(),
        "version": int_value(form.get("version")),
    }
    payload = validate(MeasureUpdate, data, errors)
    saved = payload and attempt(
        session,
        errors,
        lambda: measures.update_measure(
            session, measure=measure, data=payload, scope=scope, actor=user.username
        ),
    )
    # A department may own a measure of another department's risk: it answers from the plan.
    risk_visible = attempt(
        session,
        FormErrors(),
        lambda: service.get_risk(session, risk_id=measure.risk_id, scope=scope),
    )
    if str(form.get("back") or "") == "plan" or not risk_visible:
        if not saved:
            return RedirectResponse("/plan?not_saved=1", status_code=303)
        return RedirectResponse("/plan?saved=1", status_code=303)
    if not saved:
        return _detail(
            request, session, user, measure.risk_id, errors=errors, values=form, status_code=400
        )
    return _done(measure.risk_id, "#measures")


# Threats


def _threats(
    request: Request,
    session: Session,
    user: User,
    *,
    errors: FormErrors | None = None,
    values: FormData | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "risks/threats.html",
        {
            "threats": threats.list_threats(session, q=request.query_params.get("q") or None),
            "q": request.query_params.get("q", ""),
            "is_isb": user.role is Role.ISB,
            "errors": errors or FormErrors(),
            "values": values or {},
        },
        status_code=status_code,
    )


@router.get("/threats")
def threats_page(request: Request, session: SessionDep, user: UiRiskReader) -> Response:
    return _threats(request, session, user)


@router.post("/threats")
def create_threat(
    request: Request,
    session: SessionDep,
    user: UiRiskAnalyst,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    errors = FormErrors()
    payload = validate(
        ThreatCreate,
        {k: str(form.get(k) or "").strip() for k in ("ref", "name", "description")},
        errors,
    )
    saved = payload and attempt(
        session,
        errors,
        lambda: threats.create_threat(
            session, ref=payload.ref, name=payload.name, description=payload.description
        ),
    )
    if not saved:
        return _threats(request, session, user, errors=errors, values=form, status_code=400)
    return RedirectResponse("/threats?saved=1", status_code=303)


# The implementation plan

PLAN_FILTERS = ("department_id", "kind", "priority", "overdue")


@router.get("/plan")
def plan_page(
    request: Request,
    session: SessionDep,
    user: UiRiskReader,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    params = {k: request.query_params.get(k, "")[:20] for k in PLAN_FILTERS}
    priority = int_value(params["priority"])
    flt = measures.PlanFilter(
        department_id=int_value(params["department_id"]),
        kind=params["kind"] if params["kind"] in ("check", "measure") else None,
        priority=priority if priority in (1, 2, 3) else None,
        overdue=params["overdue"] == "ja",
    )
    page, summary = measures.plan(
        session,
        page=PageParams(limit=PAGE_SIZE, offset=offset),
        flt=flt,
        scope=department_scope(user),
    )
    departments = _departments(session, user)
    return render(
        request,
        "risks/plan.html",
        {
            "page": page,
            "summary": summary,
            "offset": offset,
            "limit": PAGE_SIZE,
            "params": params,
            "departments": departments,
            "department_names": {d.id: d.name for d in all_departments(session)},
            "can_edit": user.role in (Role.ISB, Role.DEPARTMENT),
            "measure_statuses": list(MeasureStatus),
            "export_query": urlencode({k: v for k, v in params.items() if v}),
        },
    )


def dashboard_widget(session: Session, user: User) -> dict[str, Any]:
    """Open risks by category (before treatment) and the overdue items of the plan."""
    scope = department_scope(user)
    result = service.heatmap(session, scope=scope)
    summary = measures.plan_summary(session, flt=measures.PlanFilter(overdue=True), scope=scope)
    spec = result.spec
    return {
        "by_category": [
            (c, result.by_category.get(c, 0), category_class(i, len(spec.categories)))
            for i, c in reversed(list(enumerate(spec.categories)))
        ],
        "total": result.total,
        "overdue": summary.total,
        "expired": service.list_risks(
            session,
            page=PageParams(limit=1),
            flt=service.RiskFilter(expired=True),
            scope=scope,
        ).total,
    }
