"""Pages of the GDPR records: the record of processing (list, entry with its measures from the
check, the guided form), the impact assessments (list, the assessment with its steps), and the
incident form. Thin: the forms are parsed by privacy.forms and checked by the API's schemas and
services, so a page and the API refuse the same input with the same message."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlmodel import Session, col
from starlette.responses import Response

from isms.database import SessionDep
from isms.errors import NotFound
from isms.identity.deps import department_scope
from isms.identity.models import Department, Role, User
from isms.identity.service import all_departments
from isms.pagination import PageParams
from isms.web.forms import (
    FormData,
    FormErrors,
    attempt,
    int_value,
    list_value,
    read_form,
    validate,
)
from isms.web.render import render, request_language
from privacy import dpia, forms, incidents, legal, service
from privacy.deps import (
    UiDpiaSigner,
    UiDpo,
    UiIncidentReporter,
    UiPrivacyEditor,
    UiPrivacyReader,
)
from privacy.models import ActivityStatus, DpiaStatus, IncidentStatus, RiskToRights, Severity
from privacy.schemas import (
    ActivityCreate,
    ActivityUpdate,
    CriterionCreate,
    CriterionUpdate,
    DpiaCreate,
    DpiaOpinion,
    DpiaSignOff,
    DpiaUpdate,
    IncidentCreate,
    IncidentUpdate,
)

router = APIRouter(include_in_schema=False)
PAGE = 50
Flag = Annotated[str | None, Query(max_length=10)]


def _departments(session: Session, scope: set[int] | None) -> list[Department]:
    return [d for d in all_departments(session) if scope is None or d.id in scope]


def _flag(value: str | None) -> bool | None:
    return {"ja": True, "nein": False}.get(value or "")


# The record of processing


@router.get("/processing-activities")
def activity_list(
    request: Request,
    session: SessionDep,
    user: UiPrivacyReader,
    department_id: Annotated[str | None, Query(max_length=12)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    dpia_required: Flag = None,
    special: Flag = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    scope = department_scope(user)
    flt = service.ActivityFilter(
        department_id=int_value(department_id),
        status=ActivityStatus(status) if status in set(ActivityStatus) else None,
        dpia_required=_flag(dpia_required),
        special_categories=_flag(special),
        q=q or None,
    )
    result = service.list_activities(
        session, page=PageParams(limit=PAGE, offset=offset), flt=flt, scope=scope
    )
    return render(
        request,
        "privacy/activities.html",
        {
            "page": result,
            "offset": offset,
            "limit": PAGE,
            "departments": {d.id: d.name for d in all_departments(session)},
            "choices": _departments(session, scope),
            "statuses": list(ActivityStatus),
            "can_edit": user.role in (Role.DPO, Role.DEPARTMENT),
            "params": {
                "department_id": department_id or "",
                "status": status or "",
                "dpia_required": dpia_required or "",
                "special": special or "",
                "q": q or "",
            },
        },
    )


@router.get("/processing-activities/new")
def activity_new(request: Request, session: SessionDep, user: UiPrivacyEditor) -> Response:
    scope = department_scope(user)
    values: dict[str, Any] = {
        "status": "entwurf",
        "department_id": min(scope) if scope else "",
        "category_rows": "1",
        "recipient_rows": "1",
        "transfer_rows": "1",
    }
    return _activity_form(request, session, user, values=values)


def _activity_form(
    request: Request,
    session: Session,
    user: User,
    *,
    values: dict[str, Any],
    errors: FormErrors | None = None,
    activity: Any = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "privacy/activity_form.html",
        {
            "activity": activity,
            "values": values,
            "errors": errors or FormErrors(),
            "departments": _departments(session, department_scope(user)),
            "statuses": list(ActivityStatus),
            "art6": legal.ART6,
            "art9": legal.ART9,
            "basis": _basis(request),
            "rows": {p: forms.row_count(values, p) for p in ("category", "recipient", "transfer")},
        },
        status_code=status_code,
    )


def _save_activity(
    request: Request, session: Session, user: User, form: FormData, activity: Any
) -> Response:
    scope = department_scope(user)
    errors = FormErrors()
    if forms.text(form, "add"):  # another row wanted: show the form again, nothing saved
        return _activity_form(request, session, user, values=form, activity=activity)
    data = forms.activity_data(form, forms.asset_ids(session, form, errors, scope))
    model = ActivityUpdate if activity is not None else ActivityCreate
    if model is ActivityCreate:
        data.pop("version")
    payload: Any = validate(model, data, errors)
    saved = (
        payload
        and not errors
        and attempt(
            session,
            errors,
            lambda: (
                service.update_activity(
                    session,
                    activity=activity,
                    data=payload,
                    scope=scope,
                    actor=user.username,
                )
                if activity is not None
                else service.create_activity(
                    session,
                    data=payload,
                    scope=scope,
                    actor=user.username,
                )
            ),
        )
    )
    if not saved:
        return _activity_form(
            request, session, user, values=form, errors=errors, activity=activity, status_code=400
        )
    return RedirectResponse(f"/processing-activities/{saved.id}?saved=1", status_code=303)


@router.post("/processing-activities/new")
def activity_create(
    request: Request,
    session: SessionDep,
    user: UiPrivacyEditor,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    return _save_activity(request, session, user, form, None)


@router.get("/processing-activities/{activity_id}")
def activity_page(
    request: Request, session: SessionDep, user: UiPrivacyReader, activity_id: int
) -> Response:
    return _activity_page(request, session, user, activity_id)


def _activity_page(
    request: Request,
    session: Session,
    user: User,
    activity_id: int,
    *,
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    scope = department_scope(user)
    activity = service.get_activity(session, activity_id=activity_id, scope=scope)
    assessment = session.scalars(
        select(dpia.Dpia).where(col(dpia.Dpia.activity_id) == activity.id)
    ).first()
    department = session.get(Department, activity.department_id)
    return render(
        request,
        "privacy/activity.html",
        {
            "a": activity,
            "department": department.name if department else "",
            "assets": service.assets_of(session, [activity_id], scope).get(activity_id, []),
            "toms": service.toms(session, activity, scope),
            "dpia": assessment,
            "can_edit": user.role in (Role.DPO, Role.DEPARTMENT),
            "basis": _basis(request),
            "criteria": [c for c in dpia.criteria(session, _language(request)) if c.active],
            "errors": errors or FormErrors(),
            "values": values or {},
        },
        status_code=status_code,
    )


def _basis(request: Request) -> Any:
    language = _language(request)
    return lambda code: legal.basis_text(code, language)


def _language(request: Request) -> str:
    """The report and catalogue language of the request: English or German."""
    return "en" if request_language(request) == "en" else "de"


@router.get("/processing-activities/{activity_id}/edit")
def activity_edit(
    request: Request, session: SessionDep, user: UiPrivacyEditor, activity_id: int
) -> Response:
    scope = department_scope(user)
    activity = service.get_activity(session, activity_id=activity_id, scope=scope)
    carried = service.assets_of(session, [activity_id], scope).get(activity_id, [])
    values = forms.activity_values(activity, [a.short_id for a in carried])
    return _activity_form(request, session, user, values=values, activity=activity)


@router.post("/processing-activities/{activity_id}/edit")
def activity_update(
    request: Request,
    session: SessionDep,
    user: UiPrivacyEditor,
    activity_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    activity = service.get_activity(session, activity_id=activity_id, scope=department_scope(user))
    return _save_activity(request, session, user, form, activity)


# Impact assessments


@router.get("/dpias")
def dpia_list(
    request: Request,
    session: SessionDep,
    user: UiPrivacyReader,
    status: Annotated[str | None, Query(max_length=20)] = None,
    due: Flag = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    flt = dpia.DpiaFilter(
        status=DpiaStatus(status) if status in set(DpiaStatus) else None,
        review_due=_flag(due),
    )
    result = dpia.list_dpias(
        session,
        page=PageParams(limit=PAGE, offset=offset),
        flt=flt,
        scope=department_scope(user),
    )
    activities = dpia.activities_of(session, result.items)
    return render(
        request,
        "privacy/dpias.html",
        {
            "rows": [(d, activities[d.activity_id], dpia.review_due(d)) for d in result.items],
            "page": result,
            "offset": offset,
            "limit": PAGE,
            "statuses": list(DpiaStatus),
            "params": {"status": status or "", "due": due or ""},
        },
    )


@router.get("/dpias/criteria")
def criteria_page(request: Request, session: SessionDep, user: UiPrivacyReader) -> Response:
    return _criteria(request, session, user)


def _criteria(
    request: Request,
    session: Session,
    user: User,
    *,
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "privacy/criteria.html",
        {
            "criteria": dpia.criteria(session, _language(request)),
            "can_edit": user.role is Role.DPO,
            "errors": errors or FormErrors(),
            "values": values or {},
        },
        status_code=status_code,
    )


@router.post("/dpias/criteria")
def criteria_add(
    request: Request,
    session: SessionDep,
    user: UiDpo,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    """The DPO adds a criterion (e.g. from the supervisory authorities' list, Art. 35(4))."""
    errors = FormErrors()
    data = {
        "code": forms.text(form, "code"),
        "title": forms.text(form, "title"),
        "description": forms.text(form, "description"),
        "kind": forms.text(form, "kind"),
    }
    payload: Any = validate(CriterionCreate, data, errors)
    saved = payload and attempt(
        session, errors, lambda: dpia.add_criterion(session, data=payload, actor=user.username)
    )
    if not saved:
        return _criteria(request, session, user, errors=errors, values=form, status_code=400)
    return RedirectResponse("/dpias/criteria?saved=1", status_code=303)


@router.post("/dpias/criteria/{code}")
def criteria_switch(
    request: Request,
    session: SessionDep,
    user: UiDpo,
    code: Annotated[str, Path(max_length=40)],
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    """Switch a criterion the DPO added off (no longer offered) or on again."""
    found = next((c for c in dpia.criteria(session) if c.code == code and not c.builtin), None)
    if found is None:
        raise NotFound("error.dpia_criterion_not_found", code=code)
    data = CriterionUpdate(
        title=found.title,
        description=found.description,
        kind=found.kind,
        active=forms.text(form, "active") == "ja",
    )
    dpia.update_criterion(session, code=code, data=data)
    return RedirectResponse("/dpias/criteria?saved=1", status_code=303)


@router.post("/dpias/new")
def dpia_create(
    request: Request,
    session: SessionDep,
    user: UiPrivacyEditor,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    """The threshold check from the entry's page opens the assessment."""
    scope = department_scope(user)
    errors = FormErrors()
    activity_id = int_value(form.get("activity_id")) or 0
    data = {
        "activity_id": activity_id,
        "criteria": list_value(form, "criteria"),
        "threshold_note": forms.text(form, "threshold_note"),
    }
    payload = validate(DpiaCreate, data, errors)
    made = payload and attempt(
        session,
        errors,
        lambda: dpia.create_dpia(session, data=payload, scope=scope, actor=user.username),
    )
    if not made:
        return _activity_page(
            request,
            session,
            user,
            activity_id,
            errors=_at(errors, "criteria"),
            values=form,
            status_code=400,
        )
    return RedirectResponse(f"/dpias/{made.id}?saved=1", status_code=303)


def _dpia_page(
    request: Request,
    session: Session,
    user: User,
    dpia_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    scope = department_scope(user)
    found = dpia.get_dpia(session, dpia_id=dpia_id, scope=scope)
    activity = dpia.activity_of(session, found)
    return render(
        request,
        "privacy/dpia.html",
        {
            "d": found,
            "activity": activity,
            "criteria": dpia.criteria(session, _language(request)),
            "values": values if values is not None else forms.dpia_values(found),
            "errors": errors or FormErrors(),
            "risks": [
                {
                    **r,
                    "level": legal.rights_risk(r["likelihood"], r["severity"]),
                    "residual_level": legal.rights_risk(
                        r["residual_likelihood"], r["residual_severity"]
                    ),
                }
                for r in found.risks
            ],
            "steps": legal.STEPS,
            "missing": dpia.missing(found),
            "consultation": dpia.consultation_required(found),
            "review_due": dpia.review_due(found),
            "risk_rows": forms.row_count(values or forms.dpia_values(found), "risk"),
            "can_edit": user.role in (Role.DPO, Role.DEPARTMENT),
            "can_opine": user.role is Role.DPO,
            "can_sign": user.role is Role.DEPARTMENT,
        },
        status_code=status_code,
    )


@router.get("/dpias/{dpia_id}")
def dpia_page(
    request: Request, session: SessionDep, user: UiPrivacyReader, dpia_id: int
) -> Response:
    return _dpia_page(request, session, user, dpia_id)


@router.post("/dpias/{dpia_id}")
def dpia_update(
    request: Request,
    session: SessionDep,
    user: UiPrivacyEditor,
    dpia_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    found = dpia.get_dpia(session, dpia_id=dpia_id, scope=department_scope(user))
    if forms.text(form, "add"):
        return _dpia_page(request, session, user, dpia_id, values=form)
    errors = FormErrors()
    payload = validate(DpiaUpdate, forms.dpia_data(form, errors, found), errors)
    saved = (
        payload
        and not errors
        and attempt(
            session,
            errors,
            lambda: dpia.update_dpia(session, dpia=found, data=payload, actor=user.username),
        )
    )
    if not saved:
        return _dpia_page(
            request, session, user, dpia_id, values=form, errors=errors, status_code=400
        )
    return RedirectResponse(f"/dpias/{dpia_id}?saved=1#assessment", status_code=303)


@router.post("/dpias/{dpia_id}/opinion")
def dpia_opinion(
    request: Request,
    session: SessionDep,
    user: UiDpo,
    dpia_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    found = dpia.get_dpia(session, dpia_id=dpia_id, scope=None)
    errors = FormErrors()
    data = {"opinion": forms.text(form, "opinion"), "version": int_value(form.get("version"))}
    payload = validate(DpiaOpinion, data, errors)
    saved = payload and attempt(
        session,
        errors,
        lambda: dpia.give_opinion(session, dpia=found, data=payload, actor=user.username),
        field_name="opinion",
    )
    if not saved:
        return _dpia_page(
            request, session, user, dpia_id, errors=_at(errors, "opinion"), status_code=400
        )
    return RedirectResponse(f"/dpias/{dpia_id}?saved=1#decision", status_code=303)


@router.post("/dpias/{dpia_id}/sign-off")
def dpia_sign_off(
    request: Request,
    session: SessionDep,
    user: UiDpiaSigner,
    dpia_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    found = dpia.get_dpia(session, dpia_id=dpia_id, scope=department_scope(user))
    errors = FormErrors()
    data = {
        "version": int_value(form.get("version")),
        "review_on": forms.text(form, "review_on") or None,
    }
    payload = validate(DpiaSignOff, data, errors)
    saved = payload and attempt(
        session,
        errors,
        lambda: dpia.sign_off(session, dpia=found, data=payload, actor=user.username),
        field_name="review_on",
    )
    if not saved:
        return _dpia_page(
            request, session, user, dpia_id, errors=_at(errors, "review_on"), status_code=400
        )
    return RedirectResponse(f"/dpias/{dpia_id}?saved=1#decision", status_code=303)


def _at(errors: FormErrors, name: str) -> FormErrors:
    """A decision's problem, whatever field it names, shown at that decision's form (the
    assessment's gaps are listed on the page anyway)."""
    first = next(iter(errors.fields.values()))
    return FormErrors({name: first})


# The incident form


def _incident_form(
    request: Request,
    session: Session,
    user: User,
    *,
    values: dict[str, Any],
    errors: FormErrors | None = None,
    incident: Any = None,
    status_code: int = 200,
) -> Response:
    scope = department_scope(user)
    activities = service.list_activities(
        session, page=PageParams(limit=500), flt=service.ActivityFilter(), scope=scope
    ).items
    return render(
        request,
        "privacy/incident_form.html",
        {
            "incident": incident,
            "values": values,
            "errors": errors or FormErrors(),
            "departments": _departments(session, scope),
            "activities": activities,
            "severities": list(Severity),
            "statuses": list(IncidentStatus),
            "risks": list(RiskToRights),
            "manager": user.role in (Role.ISB, Role.DPO),
        },
        status_code=status_code,
    )


@router.get("/incidents/new")
def incident_new(request: Request, session: SessionDep, user: UiIncidentReporter) -> Response:
    scope = department_scope(user)
    values = {"department_id": min(scope) if scope else "", "severity": "mittel"}
    return _incident_form(request, session, user, values=values)


def _save_incident(
    request: Request, session: Session, user: User, form: FormData, incident: Any
) -> Response:
    scope = department_scope(user)
    errors = FormErrors()
    activity_ids = [i for i in map(int_value, list_value(form, "activity_ids")) if i]
    data = forms.incident_data(
        form, errors, forms.asset_ids(session, form, errors, scope), activity_ids, incident
    )
    if user.role is Role.DEPARTMENT:
        # the assessment and notifications are not on a department's form: they stay as they
        # are (the API refuses a department's change of them with 403)
        for name in incidents.ASSESSMENT:
            current = getattr(incident, name) if incident is not None else None
            if isinstance(current, enum.Enum):
                current = current.value
            if current is None and name == "risk_to_rights":
                current = RiskToRights.UNASSESSED.value
            data[name] = current.isoformat() if isinstance(current, datetime) else current
            if data[name] is None and name.endswith("reason"):
                data[name] = ""
    model = IncidentUpdate if incident is not None else IncidentCreate
    if incident is None:
        data.pop("version")
    payload: Any = None if errors else validate(model, data, errors)

    def save() -> Any:
        if user.role is Role.DEPARTMENT:
            incidents.check_reporter(payload, incident)
        if incident is None:
            return incidents.create_incident(
                session,
                data=payload,
                scope=scope,
                actor=user.username,
            )
        return incidents.update_incident(
            session,
            incident=incident,
            data=payload,
            scope=scope,
            actor=user.username,
        )

    saved = payload and attempt(session, errors, save)
    if not saved:
        return _incident_form(
            request, session, user, values=form, errors=errors, incident=incident, status_code=400
        )
    return RedirectResponse(f"/incidents/{saved.id}?saved=1", status_code=303)


@router.post("/incidents/new")
def incident_create(
    request: Request,
    session: SessionDep,
    user: UiIncidentReporter,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    return _save_incident(request, session, user, form, None)


@router.get("/incidents/{incident_id}/edit")
def incident_edit(
    request: Request, session: SessionDep, user: UiIncidentReporter, incident_id: int
) -> Response:
    scope = department_scope(user)
    incident = incidents.get_incident(session, incident_id=incident_id, scope=scope)
    assets, activities = incidents.links(session, [incident_id], scope)
    values = forms.incident_values(
        incident, [a.short_id for a in assets[incident_id]], activities[incident_id]
    )
    return _incident_form(request, session, user, values=values, incident=incident)


@router.post("/incidents/{incident_id}/edit")
def incident_update(
    request: Request,
    session: SessionDep,
    user: UiIncidentReporter,
    incident_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    incident = incidents.get_incident(
        session, incident_id=incident_id, scope=department_scope(user)
    )
    return _save_incident(request, session, user, form, incident)
