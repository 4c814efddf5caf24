"""Measures of risk treatment and the implementation plan (Realisierungsplan), which lists every
open measure: requirements of the Grundschutz-Check not (fully) met, and risk measures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, literal, or_, select, union_all
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


def _filtered(part: Any, flt: PlanFilter, scope: set[int] | None, owner: Any, asset: Any) -> Any:
    if scope is not None:
        part = part.where(owner.in_(scope))
    if flt.department_id is not None:
        part = part.where(owner == flt.department_id)
    if flt.asset_ids is not None:
        on_objects = asset.in_(flt.asset_ids)
        part = part.where(or_(on_objects, asset.is_(None)) if flt.with_domain else on_objects)
    return part


def _check_parts(flt: PlanFilter, scope: set[int] | None, columns: list[Any]) -> list[Any]:
    """The open requirements as four parts, each read off an index in plan order: per open
    status, those with a target date (priority, date, id) and those without (priority, id)."""
    parts = []
    for status in OPEN_CHECK:
        for dated in (True, False):
            if flt.overdue and not dated:
                continue
            due = col(CheckEntry.target_date)
            part = select(*columns).where(
                col(CheckEntry.status) == status,
                col(CheckEntry.modelled),
                due.is_not(None) if dated else due.is_(None),
            )
            if flt.priority:
                part = part.where(col(CheckEntry.priority) == flt.priority)
            if flt.overdue:
                part = part.where(due < date.today())
            owner, asset = col(CheckEntry.owner_department_id), col(CheckEntry.asset_id)
            parts.append((_filtered(part, flt, scope, owner, asset), dated))
    return parts


def _measure_part(flt: PlanFilter, scope: set[int] | None, columns: list[Any]) -> Any:
    part = (
        select(*columns)
        .join(Risk, col(Risk.id) == col(Measure.risk_id))
        .where(col(Measure.status).in_(OPEN_MEASURE), col(Risk.status) != RiskStatus.CLOSED)
    )
    if flt.priority:
        part = part.where(col(Measure.priority) == flt.priority)
    if flt.overdue:
        part = part.where(col(Measure.due_date) < date.today())
    return _filtered(part, flt, scope, col(Measure.owner_department_id), col(Risk.asset_id))


def _kinds(flt: PlanFilter) -> tuple[str, ...]:
    if flt.kind is None:
        return ("check", "measure")
    if flt.kind not in ("check", "measure"):
        raise InvalidInput("error.plan_kind_unknown", field="kind", allowed="check, measure")
    return (flt.kind,)


def plan_summary(session: Session, *, flt: PlanFilter, scope: set[int] | None) -> PlanSummary:
    """The plan's totals: items, overdue items and estimated cost, counted off the indexes."""
    total = overdue = cost = 0
    kinds = _kinds(flt)
    today = date.today()
    parts: list[Any] = []
    if "check" in kinds:
        due, money = col(CheckEntry.target_date), col(CheckEntry.cost)
        counts = [func.count(), func.sum(case((due < today, 1), else_=0)), func.sum(money)]
        parts += [part for part, _ in _check_parts(flt, scope, counts)]
    if "measure" in kinds:
        due, money = col(Measure.due_date), col(Measure.cost)
        counts = [func.count(), func.sum(case((due < today, 1), else_=0)), func.sum(money)]
        parts.append(_measure_part(flt, scope, counts))
    for n, late, money_sum in session.execute(union_all(*parts)):  # one round trip
        total, overdue, cost = total + n, overdue + int(late or 0), cost + int(money_sum or 0)
    return PlanSummary(total, overdue, cost)


def _page_keys(
    session: Session, *, page: PageParams, flt: PlanFilter, scope: set[int] | None
) -> list[tuple[str, int]]:
    """The (kind, id) of one page in plan order: each part gives its first offset + limit
    rows in that order (an index range, no sort), and only those are merged."""
    enough = page.offset + page.limit
    kinds = _kinds(flt)
    parts: list[Any] = []
    if "check" in kinds:
        columns = [
            literal("check").label("kind"),
            col(CheckEntry.id).label("id"),
            col(CheckEntry.priority).label("priority"),
            col(CheckEntry.target_date).label("due_date"),
        ]
        for part, dated in _check_parts(flt, scope, columns):
            order: list[Any] = [CheckEntry.priority, CheckEntry.target_date, CheckEntry.id]
            parts.append(part.order_by(*(order if dated else order[::2])).limit(enough))
    if "measure" in kinds:
        columns = [
            literal("measure").label("kind"),
            col(Measure.id).label("id"),
            col(Measure.priority).label("priority"),
            col(Measure.due_date).label("due_date"),
        ]
        part = _measure_part(flt, scope, columns)
        due = col(Measure.due_date).asc().nulls_last()
        parts.append(part.order_by(col(Measure.priority), due, col(Measure.id)).limit(enough))
    # each part is wrapped: SQLite allows no ORDER BY or LIMIT inside a compound select
    wrapped = [select(*part.subquery().c) for part in parts]
    union: Any = wrapped[0].union_all(*wrapped[1:]) if len(wrapped) > 1 else wrapped[0]
    keys = union.subquery("plan")
    rows = session.execute(
        select(keys.c.kind, keys.c.id)
        .order_by(keys.c.priority, keys.c.due_date.asc().nulls_last(), keys.c.kind, keys.c.id)
        .limit(page.limit)
        .offset(page.offset)
    ).all()
    return [(kind, int(item_id)) for kind, item_id in rows]


def _check_items(session: Session, ids: list[int]) -> dict[int, PlanItem]:
    rows = session.execute(
        select(CheckEntry, col(Control.title), col(Asset.short_id), col(Asset.name))
        .join(Control, col(Control.id) == col(CheckEntry.control_id))
        .outerjoin(Asset, col(Asset.id) == col(CheckEntry.asset_id))
        .where(col(CheckEntry.id).in_(ids))
    ).all()
    return {
        e.id or 0: PlanItem(
            kind="check",
            id=e.id or 0,
            ref=e.control_ref,
            title=title or "",
            asset_id=e.asset_id,
            asset_short_id=short_id,
            asset_name=name,
            risk_ref=None,
            owner_department_id=e.owner_department_id,
            responsible=e.responsible,
            due_date=e.target_date,
            cost=e.cost,
            priority=e.priority,
            status=e.status.value,
            version=e.version,
        )
        for e, title, short_id, name in rows
    }


def _measure_items(session: Session, ids: list[int]) -> dict[int, PlanItem]:
    rows = session.execute(
        select(Measure, col(Risk.ref), col(Risk.asset_id), col(Asset.short_id), col(Asset.name))
        .join(Risk, col(Risk.id) == col(Measure.risk_id))
        .outerjoin(Asset, col(Asset.id) == col(Risk.asset_id))
        .where(col(Measure.id).in_(ids))
    ).all()
    return {
        m.id or 0: PlanItem(
            kind="measure",
            id=m.id or 0,
            ref=m.control_ref,
            title=m.title,
            asset_id=asset_id,
            asset_short_id=short_id,
            asset_name=name,
            risk_ref=risk_ref,
            owner_department_id=m.owner_department_id,
            responsible=m.responsible,
            due_date=m.due_date,
            cost=m.cost,
            priority=m.priority,
            status=m.status.value,
            version=m.version,
        )
        for m, risk_ref, asset_id, short_id, name in rows
    }


# Ids per query when a page is loaded: A.6 reads up to 100,000 items at once, more than a
# statement may carry as parameters (SQLite 32,766, PostgreSQL 65,535).
LOAD_CHUNK = 10_000


def _in_chunks(
    session: Session, load: Callable[[Session, list[int]], dict[int, PlanItem]], ids: list[int]
) -> dict[int, PlanItem]:
    found: dict[int, PlanItem] = {}
    for start in range(0, len(ids), LOAD_CHUNK):
        found.update(load(session, ids[start : start + LOAD_CHUNK]))
    return found


def plan(
    session: Session, *, page: PageParams, flt: PlanFilter, scope: set[int] | None
) -> tuple[Page[PlanItem], PlanSummary]:
    """One page of the plan, most urgent first (priority, then due date; undated last), with
    the totals. The page is chosen on the keys alone; only its rows are loaded and joined."""
    summary = plan_summary(session, flt=flt, scope=scope)
    keys = _page_keys(session, page=page, flt=flt, scope=scope) if summary.total else []
    checks = _in_chunks(session, _check_items, [i for kind, i in keys if kind == "check"])
    measures = _in_chunks(session, _measure_items, [i for kind, i in keys if kind == "measure"])
    items = [checks[i] if kind == "check" else measures[i] for kind, i in keys]
    return Page(items=items, total=summary.total), summary
