"""Measures of risk treatment and the implementation plan (Realisierungsplan), which lists every
open measure: requirements of the Grundschutz-Check not (fully) met, and risk measures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, String, case, func, literal, null, or_, select, type_coerce
from sqlmodel import Session, col

from controls.catalogs.models import Control
from controls.check.models import CheckEntry, CheckStatus
from isms.clock import utcnow
from isms.errors import Conflict, Forbidden, InvalidInput, NotFound
from isms.identity.service import check_version
from isms.pagination import Page, PageParams
from risk.analysis import service as risks
from risk.analysis.models import OPEN_MEASURE, Measure, MeasureStatus, Risk, RiskStatus, Treatment
from risk.analysis.schemas import MeasureCreate, MeasureUpdate
from risk.assets.models import Asset

OPEN_CHECK = (CheckStatus.TEILWEISE, CheckStatus.NEIN)
# What a department records on its measures; the rest of a measure is the ISB's decision.
DEPARTMENT_FIELDS = {"status", "due_date", "responsible"}
PRIORITY_OF_VERB = {"MUSS": 1, "SOLLTE": 2}  # everything else (KANN): 3


def default_priority(category_rank: int, categories: int) -> int:
    """A measure against a risk in the top category is urgent, in the bottom half it is not."""
    if category_rank >= categories - 1:
        return 1
    return 2 if category_rank >= categories // 2 else 3


def is_overdue(measure: Measure, today: date | None = None) -> bool:
    return (
        measure.status in OPEN_MEASURE
        and measure.due_date is not None
        and measure.due_date < (today or date.today())
    )


def _visible(scope: set[int]) -> Any:
    """A department sees the measures it owns and every measure against its own risks."""
    return or_(
        col(Measure.owner_department_id).in_(scope),
        col(Measure.risk_id).in_(
            select(col(Risk.id)).where(col(Risk.owner_department_id).in_(scope))
        ),
    )


def get_measure(
    session: Session, *, measure_id: int, scope: set[int] | None, edit: bool = False
) -> Measure:
    """One measure; department users read theirs and those against their risks, and record
    progress (edit) only on the ones they own."""
    query = select(Measure).where(col(Measure.id) == measure_id)
    if scope is not None:
        query = query.where(
            col(Measure.owner_department_id).in_(scope) if edit else _visible(scope)
        )
    measure = session.scalars(query).first()
    if measure is None:
        raise NotFound("error.measure_not_found", id=measure_id)
    return measure


@dataclass(frozen=True)
class MeasureFilter:
    risk_id: int | None = None
    department_id: int | None = None
    status: MeasureStatus | None = None
    open_only: bool = False
    overdue: bool = False


def list_measures(
    session: Session, *, page: PageParams, flt: MeasureFilter, scope: set[int] | None
) -> Page[tuple[Measure, str]]:
    """Measures with their risk's ref, the most urgent first."""
    query: Any = select(Measure, col(Risk.ref)).join(Risk, col(Risk.id) == col(Measure.risk_id))
    counted: Any = select(func.count()).select_from(Measure)
    conditions: list[Any] = []
    if scope is not None:
        conditions.append(_visible(scope))
    if flt.risk_id is not None:
        conditions.append(col(Measure.risk_id) == flt.risk_id)
    if flt.department_id is not None:
        conditions.append(col(Measure.owner_department_id) == flt.department_id)
    if flt.status is not None:
        conditions.append(col(Measure.status) == flt.status)
    if flt.open_only or flt.overdue:
        conditions.append(col(Measure.status).in_(OPEN_MEASURE))
    if flt.overdue:
        conditions.append(col(Measure.due_date) < date.today())
    query, counted = query.where(*conditions), counted.where(*conditions)
    total = session.scalar(counted) or 0
    query = query.order_by(
        col(Measure.priority), col(Measure.due_date).asc().nulls_last(), col(Measure.id)
    )
    rows = session.execute(query.limit(page.limit).offset(page.offset)).all()
    return Page(items=[(m, ref) for m, ref in rows], total=total)


def create_measure(
    session: Session, *, data: MeasureCreate, scope: set[int] | None, actor: str
) -> Measure:
    """A measure of reduction for a risk; the risk's treatment becomes `reduzieren`."""
    row = risks.get_risk(session, risk_id=data.risk_id, scope=scope)
    risk = row.risk
    if risk.status == RiskStatus.CLOSED:
        raise Conflict("error.risk_closed", ref=risk.ref)
    if risk.status == RiskStatus.ACCEPTED:
        raise Conflict("error.risk_accepted_no_measures", ref=risk.ref)
    control = None
    if data.control_id is not None:
        control = session.get(Control, data.control_id)
        if control is None:
            raise InvalidInput("error.control_unknown", field="control_id", id=data.control_id)
    title = data.title.strip() or (f"{control.ref} {control.title}" if control else "")
    if not title:
        raise InvalidInput("error.field_required", field="title")
    department_id = data.owner_department_id or risk.owner_department_id
    risks.check_department(session, department_id, scope)
    matrix = risks.spec_of(risks.matrix_of(session, risk.matrix_id))
    measure = Measure(
        risk_id=risk.id or 0,
        control_id=control.id if control else None,
        control_ref=control.ref if control else "",
        title=title[:300],
        description=data.description.strip(),
        owner_department_id=department_id,
        responsible=data.responsible.strip(),
        due_date=data.due_date,
        cost=data.cost,
        priority=data.priority or default_priority(risk.category_rank, len(matrix.categories)),
        status=data.status,
        completed_on=date.today() if data.status == MeasureStatus.DONE else None,
    )
    session.add(measure)
    if risk.treatment != Treatment.REDUCE or risk.status != RiskStatus.IN_TREATMENT:
        risk.treatment, risk.status = Treatment.REDUCE, RiskStatus.IN_TREATMENT
        risk.updated_at = utcnow()
        session.add(risk)
    session.flush()
    risks.record_measure_event(
        session, risk, "measure_added", actor, measure=measure.id, title=measure.title[:200]
    )
    session.flush()
    return measure


def update_measure(
    session: Session, *, measure: Measure, data: MeasureUpdate, scope: set[int] | None, actor: str
) -> Measure:
    check_version(measure.version, data.version)
    risk = session.get(Risk, measure.risk_id)
    if risk is not None and risk.status == RiskStatus.CLOSED:
        raise Conflict("error.risk_closed", ref=risk.ref)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if scope is not None and set(changes) - DEPARTMENT_FIELDS:
        others = sorted(set(changes) - DEPARTMENT_FIELDS)
        raise Forbidden("error.measure_fields_isb_only", fields=", ".join(others))
    for key in ("title", "status", "priority"):
        if key in changes and changes[key] is None:
            raise InvalidInput("error.field_required", field=key)
    if "title" in changes and not str(changes["title"]).strip():
        raise InvalidInput("error.field_required", field="title")
    if changes.get("owner_department_id") is not None:
        risks.check_department(session, changes["owner_department_id"], scope)
    elif "owner_department_id" in changes:
        raise InvalidInput("error.field_required", field="owner_department_id")
    before = measure.status
    for key, value in changes.items():
        setattr(measure, key, value.strip() if type(value) is str else value)
    if measure.status == MeasureStatus.DONE and before != MeasureStatus.DONE:
        measure.completed_on = date.today()
    elif measure.status != MeasureStatus.DONE:
        measure.completed_on = None
    measure.updated_at = utcnow()
    session.add(measure)
    session.flush()
    if risk is not None and before != measure.status:
        risks.record_measure_event(
            session,
            risk,
            "measure_status",
            actor,
            measure=measure.id,
            title=measure.title[:200],
            before=before.value,
            after=measure.status.value,
        )
        session.flush()
    return measure


# The implementation plan


@dataclass(frozen=True)
class PlanFilter:
    department_id: int | None = None
    kind: str | None = None  # check | measure
    priority: int | None = None
    overdue: bool = False
    # the items on these objects (a subquery of asset ids; the reports' scopes), and with
    # with_domain those of the information domain as a whole
    asset_ids: Any = None
    with_domain: bool = False


@dataclass(frozen=True)
class PlanItem:
    kind: str
    id: int
    ref: str
    title: str
    asset_id: int | None
    asset_short_id: str | None
    asset_name: str | None
    risk_ref: str | None
    owner_department_id: int | None
    responsible: str
    due_date: date | None
    cost: int | None
    priority: int
    status: str
    version: int

    @property
    def overdue(self) -> bool:
        return self.due_date is not None and self.due_date < date.today()


@dataclass(frozen=True)
class PlanSummary:
    total: int
    overdue: int
    cost: int


def _plan_query(flt: PlanFilter, scope: set[int] | None) -> Any:
    priority = case(
        *((col(CheckEntry.modal_verb) == verb, p) for verb, p in PRIORITY_OF_VERB.items()),
        else_=3,
    )
    checks: Any = (
        select(
            literal("check").label("kind"),
            col(CheckEntry.id).label("id"),
            type_coerce(col(CheckEntry.control_ref), String).label("ref"),
            type_coerce(col(Control.title), String).label("title"),
            col(CheckEntry.asset_id).label("asset_id"),
            type_coerce(null(), String).label("risk_ref"),
            col(CheckEntry.owner_department_id).label("owner_department_id"),
            type_coerce(col(CheckEntry.responsible), String).label("responsible"),
            type_coerce(col(CheckEntry.target_date), Date).label("due_date"),
            type_coerce(col(CheckEntry.cost), Integer).label("cost"),
            type_coerce(priority, Integer).label("priority"),
            type_coerce(col(CheckEntry.status), String).label("status"),
            type_coerce(col(CheckEntry.version), Integer).label("version"),
        )
        .join(Control, col(Control.id) == col(CheckEntry.control_id))
        .where(col(CheckEntry.modelled), col(CheckEntry.status).in_(OPEN_CHECK))
    )
    measures: Any = (
        select(
            literal("measure").label("kind"),
            col(Measure.id).label("id"),
            type_coerce(col(Measure.control_ref), String).label("ref"),
            type_coerce(col(Measure.title), String).label("title"),
            col(Risk.asset_id).label("asset_id"),
            type_coerce(col(Risk.ref), String).label("risk_ref"),
            col(Measure.owner_department_id).label("owner_department_id"),
            type_coerce(col(Measure.responsible), String).label("responsible"),
            type_coerce(col(Measure.due_date), Date).label("due_date"),
            type_coerce(col(Measure.cost), Integer).label("cost"),
            type_coerce(col(Measure.priority), Integer).label("priority"),
            type_coerce(col(Measure.status), String).label("status"),
            type_coerce(col(Measure.version), Integer).label("version"),
        )
        .join(Risk, col(Risk.id) == col(Measure.risk_id))
        .where(col(Measure.status).in_(OPEN_MEASURE), col(Risk.status) != RiskStatus.CLOSED)
    )
    parts = []
    for kind, part, owner, due in (
        ("check", checks, col(CheckEntry.owner_department_id), col(CheckEntry.target_date)),
        ("measure", measures, col(Measure.owner_department_id), col(Measure.due_date)),
    ):
        if flt.kind and flt.kind != kind:
            continue
        if scope is not None:
            part = part.where(owner.in_(scope))
        if flt.department_id is not None:
            part = part.where(owner == flt.department_id)
        if flt.overdue:
            part = part.where(due < date.today())
        parts.append(part)
    if not parts:
        raise InvalidInput("error.plan_kind_unknown", field="kind", allowed="check, measure")
    union = parts[0].union_all(*parts[1:]) if len(parts) > 1 else parts[0]
    plan = union.subquery("plan")
    return plan


def plan(
    session: Session, *, page: PageParams, flt: PlanFilter, scope: set[int] | None
) -> tuple[Page[PlanItem], PlanSummary]:
    """One page of the plan, most urgent first (priority, then due date), with the totals."""
    plan = _plan_query(flt, scope)
    where = [plan.c.priority == flt.priority] if flt.priority else []
    if flt.asset_ids is not None:
        on_objects = plan.c.asset_id.in_(flt.asset_ids)
        where.append(on_objects | plan.c.asset_id.is_(None) if flt.with_domain else on_objects)
    summary = session.execute(
        select(
            func.count(),
            func.sum(case((plan.c.due_date < date.today(), 1), else_=0)),
            func.sum(plan.c.cost),
        ).where(*where)
    ).one()
    rows = session.execute(
        select(plan, col(Asset.short_id), col(Asset.name))
        .outerjoin(Asset, col(Asset.id) == plan.c.asset_id)
        .where(*where)
        .order_by(
            plan.c.priority,
            plan.c.due_date.asc().nulls_last(),
            plan.c.kind,
            plan.c.id,
        )
        .limit(page.limit)
        .offset(page.offset)
    ).all()
    items = [
        PlanItem(
            kind=r.kind,
            id=r.id,
            ref=r.ref or "",
            title=r.title or "",
            asset_id=r.asset_id,
            asset_short_id=r.short_id,
            asset_name=r.name,
            risk_ref=r.risk_ref,
            owner_department_id=r.owner_department_id,
            responsible=r.responsible or "",
            due_date=r.due_date,
            cost=None if r.cost is None else int(r.cost),
            priority=int(r.priority),
            status=r.status,
            version=int(r.version),
        )
        for r in rows
    ]
    total, overdue, cost = summary
    return Page(items=items, total=int(total or 0)), PlanSummary(
        int(total or 0), int(overdue or 0), int(cost or 0)
    )
