"""Generating review tasks: per policy, the objects due in the current (and a missed previous)
period. Idempotent: the key (policy, object, period) is unique and inserts skip existing keys,
so restarts, a missed run or two schedulers never create duplicates and never lose a period."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from controls.check.models import CheckEntry, CheckStatus
from controls.evidence.models import Evidence
from isms.audit.service import record
from isms.clock import utcnow
from isms.database import insert_ignoring
from isms.errors import NotFound
from privacy.models import ActivityStatus, Dpia, DpiaStatus, ProcessingActivity
from reviews.defaults import DEFAULT_POLICIES
from reviews.models import OPEN_STATES, ReviewPolicy, ReviewTask, Schedule, Subject, TaskState
from reviews.periods import Period, calendar_period, deadline_period, periods_to_generate
from risk.analysis.models import Risk, RiskStatus
from risk.assets.models import Asset, LifecycleStatus

UNIQUE = ["policy_id", "object_id", "period_key"]
DOMAIN_LABEL = "Informationsverbund"  # vocabulary: BSI term, the label of the domain's tasks


def ensure_default_policies(session: Session) -> int:
    """Add the default policies that are missing (by name); returns how many were added. A
    default that replaces an older one switches the older one off as it arrives (once: the ISB
    may switch it on again), and the older one's open tasks become `entfallen`."""
    existing = set(session.scalars(select(col(ReviewPolicy.name))))
    added = 0
    for spec in DEFAULT_POLICIES:
        if spec.name in existing:
            continue
        if spec.replaces in existing:
            _retire(session, spec.replaces)
        session.add(
            ReviewPolicy(
                name=spec.name,
                title=spec.title,
                description=spec.description,
                subject=spec.subject,
                schedule=spec.schedule,
                interval_months=spec.interval_months,
                lead_days=spec.lead_days,
                condition=dict(spec.condition),
                updated_by="system",
            )
        )
        added += 1
    session.flush()
    return added


def _retire(session: Session, name: str) -> None:
    old = session.scalars(select(ReviewPolicy).where(col(ReviewPolicy.name) == name)).one()
    old.active = False
    old.updated_by, old.updated_at = "system", utcnow()
    session.add(old)
    for task in session.scalars(
        select(ReviewTask).where(
            col(ReviewTask.policy_id) == old.id, col(ReviewTask.state).in_(OPEN_STATES)
        )
    ):
        task.state = TaskState.OBSOLETE
        session.add(task)
    session.flush()


@dataclass(frozen=True)
class Due:
    """One task that should exist."""

    object_id: int
    label: str
    version: int | None
    department_id: int | None
    period: Period

    def row(self, policy: ReviewPolicy) -> dict[str, Any]:
        return {
            "policy_id": policy.id,
            "subject": policy.subject.value,
            "object_id": self.object_id,
            "object_label": self.label[:300],
            "object_version": self.version,
            "period_key": self.period.key,
            "department_id": self.department_id,
            "due_date": self.period.due,
            "state": TaskState.OPEN.value,
            "proposed": {},
            "comment": "",
            "answered_by": "",
            "decision_comment": "",
            "decided_by": "",
            "created_at": utcnow(),
            "version": 1,
        }


def _periods(policy: ReviewPolicy, today: date) -> list[Period]:
    periods = periods_to_generate(policy.interval_months, policy.lead_days, today)
    # The previous period is caught up only if the policy already existed before it ended;
    # a new policy starts with the current period instead of a flood of overdue tasks.
    first = policy.created_at.date()
    current = calendar_period(policy.interval_months, today)
    return [p for p in periods if p.start == current.start or p.due >= first]


def _level_filter(query: Any, condition: dict[str, object]) -> Any:
    low, high = condition.get("min_level"), condition.get("max_level")
    if isinstance(low, int):
        query = query.where(col(Asset.max_level) >= low)
    if isinstance(high, int):
        query = query.where(or_(col(Asset.max_level).is_(None), col(Asset.max_level) <= high))
    return query


def _assets(session: Session, policy: ReviewPolicy, periods: Sequence[Period]) -> Iterable[Due]:
    query = select(
        col(Asset.id),
        col(Asset.short_id),
        col(Asset.name),
        col(Asset.version),
        col(Asset.department_id),
        col(Asset.created_at),
    ).where(col(Asset.status) != LifecycleStatus.RETIRED)
    if policy.subject == Subject.KRITIS:
        query = query.where(col(Asset.kritis_critical))
    else:
        query = _level_filter(query, policy.condition)
    for asset_id, short_id, name, version, department_id, created in session.execute(query):
        for period in periods:
            if created.date() <= period.due:
                yield Due(asset_id, f"{short_id} {name}", version, department_id, period)


def _risks(session: Session, periods: Sequence[Period]) -> Iterable[Due]:
    rows = session.execute(
        select(
            col(Risk.id),
            col(Risk.ref),
            col(Risk.title),
            col(Risk.version),
            col(Risk.owner_department_id),
            col(Risk.created_at),
        ).where(col(Risk.status).in_([RiskStatus.OPEN, RiskStatus.IN_TREATMENT]))
    )
    for risk_id, ref, title, version, department_id, created in rows:
        for period in periods:
            if created.date() <= period.due:
                yield Due(risk_id, f"{ref} {title}", version, department_id, period)


def _acceptances(session: Session, policy: ReviewPolicy, today: date) -> Iterable[Due]:
    rows = session.execute(
        select(
            col(Risk.id),
            col(Risk.ref),
            col(Risk.title),
            col(Risk.version),
            col(Risk.owner_department_id),
            col(Risk.acceptance_expires),
        ).where(
            col(Risk.status) == RiskStatus.ACCEPTED,
            col(Risk.acceptance_expires) <= today + timedelta(days=policy.lead_days),
            # not the deadlines that passed before the policy existed (no flood on install)
            col(Risk.acceptance_expires) >= policy.created_at.date(),
        )
    )
    for risk_id, ref, title, version, department_id, expires in rows:
        yield Due(risk_id, f"{ref} {title}", version, department_id, deadline_period(expires))


def _check_gaps(session: Session, periods: Sequence[Period]) -> Iterable[Due]:
    rows = session.execute(
        select(
            col(CheckEntry.id),
            col(CheckEntry.control_ref),
            func.coalesce(col(Asset.short_id), ""),
            col(CheckEntry.version),
            col(CheckEntry.owner_department_id),
            col(CheckEntry.target_date),
            col(CheckEntry.created_at),
        )
        .outerjoin(Asset, col(Asset.id) == col(CheckEntry.asset_id))
        .where(
            col(CheckEntry.modelled),
            col(CheckEntry.status).in_([CheckStatus.TEILWEISE, CheckStatus.NEIN]),
        )
    )
    for entry_id, ref, short_id, version, department_id, target, created in rows:
        label = f"{ref} {short_id}".strip()
        for period in periods:
            # monthly until the target date; entries without one stay under review
            if created.date() <= period.due and (target is None or target >= period.start):
                yield Due(entry_id, label, version, department_id, period)


DOMAIN = 0  # the object id of the information domain's own requirements (CHECK_GAPS)
OPEN_CHECK = (CheckStatus.TEILWEISE, CheckStatus.NEIN)


def _gap_object() -> Any:
    return func.coalesce(col(CheckEntry.asset_id), DOMAIN)


def _with_gaps() -> Any:
    """The ids of the objects with open requirements, as a subquery."""
    return select(col(CheckEntry.asset_id)).where(
        col(CheckEntry.modelled), col(CheckEntry.status).in_(OPEN_CHECK)
    )


def _object_gaps(session: Session, periods: Sequence[Period]) -> Iterable[Due]:
    """One task per target object with open requirements in the period (as for a single
    entry: created by the period's due date, and under review until its target date); the
    information domain's requirements are one task of the ISB's."""
    due_objects: dict[Period, list[int]] = {}
    for period in periods:
        created_by = datetime.combine(period.due + timedelta(days=1), time.min, tzinfo=UTC)
        due_objects[period] = list(
            session.scalars(
                select(_gap_object())
                .where(
                    col(CheckEntry.modelled),
                    col(CheckEntry.status).in_(OPEN_CHECK),
                    col(CheckEntry.created_at) < created_by,
                    or_(
                        col(CheckEntry.target_date).is_(None),
                        col(CheckEntry.target_date) >= period.start,
                    ),
                )
                .distinct()
            )
        )
    objects = {  # the objects with open requirements (a subquery: no list of ids)
        asset_id: (f"{short_id} {name}", department_id)
        for asset_id, short_id, name, department_id in session.execute(
            select(
                col(Asset.id), col(Asset.short_id), col(Asset.name), col(Asset.department_id)
            ).where(col(Asset.id).in_(_with_gaps()))
        )
    }
    objects[DOMAIN] = (DOMAIN_LABEL, None)
    for period, ids in due_objects.items():
        for object_id in sorted(ids):
            label, department_id = objects[object_id]
            yield Due(object_id, label, None, department_id, period)


def _evidence(session: Session, policy: ReviewPolicy, today: date) -> Iterable[Due]:
    rows = session.execute(
        select(
            col(Evidence.id),
            col(Evidence.title),
            col(Evidence.department_id),
            col(Evidence.valid_until),
        ).where(
            col(Evidence.valid_until) <= today + timedelta(days=policy.lead_days),
            col(Evidence.valid_until) >= policy.created_at.date(),
        )
    )
    for evidence_id, title, department_id, valid_until in rows:
        yield Due(evidence_id, title, None, department_id, deadline_period(valid_until))


def _processing(session: Session, periods: Sequence[Period]) -> Iterable[Due]:
    rows = session.execute(
        select(
            col(ProcessingActivity.id),
            col(ProcessingActivity.ref),
            col(ProcessingActivity.name),
            col(ProcessingActivity.version),
            col(ProcessingActivity.department_id),
            col(ProcessingActivity.created_at),
        ).where(col(ProcessingActivity.status) != ActivityStatus.ENDED)
    )
    for activity_id, ref, name, version, department_id, created in rows:
        for period in periods:
            if created.date() <= period.due:
                yield Due(activity_id, f"{ref} {name}", version, department_id, period)


def _dpias(session: Session, policy: ReviewPolicy, today: date) -> Iterable[Due]:
    rows = session.execute(
        select(
            col(Dpia.id),
            col(Dpia.ref),
            col(ProcessingActivity.name),
            col(Dpia.version),
            col(ProcessingActivity.department_id),
            col(Dpia.review_on),
        )
        .join(ProcessingActivity, col(ProcessingActivity.id) == col(Dpia.activity_id))
        .where(
            col(Dpia.status).in_([DpiaStatus.APPROVED, DpiaStatus.REVIEW]),
            col(Dpia.review_on) <= today + timedelta(days=policy.lead_days),
            col(Dpia.review_on) >= policy.created_at.date(),
        )
    )
    for dpia_id, ref, name, version, department_id, review_on in rows:
        yield Due(dpia_id, f"{ref} {name}", version, department_id, deadline_period(review_on))


def due_tasks(session: Session, policy: ReviewPolicy, today: date) -> list[Due]:
    """Every task the policy wants to exist today."""
    if policy.schedule == Schedule.DEADLINE:
        if policy.subject == Subject.ACCEPTANCE:
            return list(_acceptances(session, policy, today))
        if policy.subject == Subject.EVIDENCE:
            return list(_evidence(session, policy, today))
        if policy.subject == Subject.DPIA:
            return list(_dpias(session, policy, today))
        return []
    periods = _periods(policy, today)
    if policy.subject in (Subject.PROTECTION, Subject.KRITIS):
        return list(_assets(session, policy, periods))
    if policy.subject == Subject.RISK:
        return list(_risks(session, periods))
    if policy.subject == Subject.CHECK_GAP:
        return list(_check_gaps(session, periods))
    if policy.subject == Subject.CHECK_GAPS:
        return list(_object_gaps(session, periods))
    if policy.subject == Subject.PROCESSING:
        return list(_processing(session, periods))
    return []


@dataclass
class PolicyRun:
    policy: str
    due: int = 0
    created: int = 0
    obsolete: int = 0
    moved: int = 0
    would_create: list[Due] = field(default_factory=list)


def _existing_keys(session: Session, policy: ReviewPolicy, due: Sequence[Due]) -> set[Any]:
    keys = {d.period.key for d in due}
    if not keys:
        return set()
    return set(
        session.execute(
            select(col(ReviewTask.object_id), col(ReviewTask.period_key)).where(
                col(ReviewTask.policy_id) == policy.id, col(ReviewTask.period_key).in_(keys)
            )
        ).all()
    )


def _insert_missing(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert rows, skipping any whose key exists (another scheduler may insert concurrently)."""
    insert_ignoring(session, ReviewTask.__table__, rows, UNIQUE)  # type: ignore[attr-defined]


def run_policy(
    session: Session, policy: ReviewPolicy, *, today: date, dry_run: bool = False
) -> PolicyRun:
    """Create the missing tasks of one policy (one audit event for the batch)."""
    due = due_tasks(session, policy, today)
    existing = _existing_keys(session, policy, due)
    missing = [d for d in due if (d.object_id, d.period.key) not in existing]
    result = PolicyRun(policy.name, due=len(due))
    if dry_run:
        result.would_create = missing
        return result
    result.obsolete, result.moved = tidy_open_tasks(session, policy)
    before = session.scalar(select(func.count()).where(col(ReviewTask.policy_id) == policy.id)) or 0
    _insert_missing(session, [d.row(policy) for d in missing])
    after = session.scalar(select(func.count()).where(col(ReviewTask.policy_id) == policy.id)) or 0
    result.created = after - before
    if result.created:
        record(
            session,
            action="generate",
            object_type="review_task",
            object_id=policy.name,
            after={"created": result.created, "today": today.isoformat()},
        )
    return result


def _owners(session: Session, policy: ReviewPolicy) -> dict[Any, int | None]:
    """The objects the policy covers now, with their department: by object id for periodic
    policies, by (object id, period key) for deadlines."""
    subject = policy.subject
    if subject in (Subject.PROTECTION, Subject.KRITIS):
        query = select(col(Asset.id), col(Asset.department_id)).where(
            col(Asset.status) != LifecycleStatus.RETIRED
        )
        if subject == Subject.KRITIS:
            query = query.where(col(Asset.kritis_critical))
        else:
            query = _level_filter(query, policy.condition)
        return dict(session.execute(query).all())
    if subject == Subject.RISK:
        return dict(
            session.execute(
                select(col(Risk.id), col(Risk.owner_department_id)).where(
                    col(Risk.status).in_([RiskStatus.OPEN, RiskStatus.IN_TREATMENT])
                )
            ).all()
        )
    if subject == Subject.CHECK_GAP:
        return dict(
            session.execute(
                select(col(CheckEntry.id), col(CheckEntry.owner_department_id)).where(
                    col(CheckEntry.modelled),
                    col(CheckEntry.status).in_([CheckStatus.TEILWEISE, CheckStatus.NEIN]),
                )
            ).all()
        )
    if subject == Subject.CHECK_GAPS:
        ids = set(
            session.scalars(
                select(_gap_object())
                .where(col(CheckEntry.modelled), col(CheckEntry.status).in_(OPEN_CHECK))
                .distinct()
            )
        )
        departments = dict(
            session.execute(
                select(col(Asset.id), col(Asset.department_id)).where(
                    col(Asset.id).in_(_with_gaps())
                )
            ).all()
        )
        return {i: departments.get(i) for i in ids}
    if subject == Subject.ACCEPTANCE:
        rows = session.execute(
            select(col(Risk.id), col(Risk.acceptance_expires), col(Risk.owner_department_id))
            .where(col(Risk.status) == RiskStatus.ACCEPTED)
            .where(col(Risk.acceptance_expires).is_not(None))
        )
        return {(i, deadline_period(d).key): o for i, d, o in rows}
    if subject == Subject.PROCESSING:
        return dict(
            session.execute(
                select(col(ProcessingActivity.id), col(ProcessingActivity.department_id)).where(
                    col(ProcessingActivity.status) != ActivityStatus.ENDED
                )
            ).all()
        )
    if subject == Subject.DPIA:
        rows = session.execute(
            select(col(Dpia.id), col(Dpia.review_on), col(ProcessingActivity.department_id))
            .join(ProcessingActivity, col(ProcessingActivity.id) == col(Dpia.activity_id))
            .where(
                col(Dpia.status).in_([DpiaStatus.APPROVED, DpiaStatus.REVIEW]),
                col(Dpia.review_on).is_not(None),
            )
        )
        return {(i, deadline_period(d).key): o for i, d, o in rows}
    rows = session.execute(
        select(col(Evidence.id), col(Evidence.valid_until), col(Evidence.department_id))
    )
    return {(i, deadline_period(d).key): o for i, d, o in rows}


def tidy_open_tasks(session: Session, policy: ReviewPolicy) -> tuple[int, int]:
    """Open tasks whose object no longer needs the review (retired, closed, fulfilled, renewed,
    deleted) become `entfallen`; open tasks follow their object to a new department.
    Returns (obsolete, moved)."""
    owners = _owners(session, policy)
    deadline = policy.schedule == Schedule.DEADLINE
    obsolete = moved = 0
    open_tasks = session.scalars(
        select(ReviewTask).where(
            col(ReviewTask.policy_id) == policy.id, col(ReviewTask.state).in_(OPEN_STATES)
        )
    )
    for task in open_tasks:
        key = (task.object_id, task.period_key) if deadline else task.object_id
        if key not in owners:
            task.state = TaskState.OBSOLETE
            obsolete += 1
        elif owners[key] != task.department_id:
            task.department_id = owners[key]
            moved += 1
        else:
            continue
        session.add(task)
    session.flush()
    return obsolete, moved


def policies_to_run(session: Session, names: Sequence[str] | None = None) -> list[ReviewPolicy]:
    query = select(ReviewPolicy).where(col(ReviewPolicy.active)).order_by(col(ReviewPolicy.id))
    if names:
        query = select(ReviewPolicy).where(col(ReviewPolicy.name).in_(names))
        found = list(session.scalars(query.order_by(col(ReviewPolicy.id))))
        unknown = sorted(set(names) - {p.name for p in found})
        if unknown:
            raise NotFound("error.review_policy_unknown", names=", ".join(unknown))
        return found
    return list(session.scalars(query))


def generate(
    session: Session,
    *,
    today: date | None = None,
    names: Sequence[str] | None = None,
    dry_run: bool = False,
    commit_each: bool = False,
) -> list[PolicyRun]:
    """Run every active policy (or the named ones). commit_each: commit after each policy, so
    that an interrupted run keeps what it finished and the next run resumes the rest."""
    today = today or date.today()
    ensure_default_policies(session)
    results = []
    for policy in policies_to_run(session, names):
        results.append(run_policy(session, policy, today=today, dry_run=dry_run))
        if commit_each and not dry_run:
            session.commit()
    return results
