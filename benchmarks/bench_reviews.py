"""Periodic reviews at city scale: task generation and the inbox.

    python -m benchmarks.bench_reviews [--assets 5000] [--risks 7000] [--tasks 100000]
        [--database-url ...]

Targets (periodic reviews): one generation run that creates about 20,000 tasks in under 10 s
(and a second run that creates none, as the daily scheduler does most days); the inbox (page of
50) p95 < 30 ms at 100,000 tasks over 10 departments.

The register: assets and risks created on 2020-01-01 and the default policies in place since
then, generated as of 2026-12-15 with no task yet, i.e. the current and the missed previous
period of every policy (two tasks per asset and per open risk). For the inbox the tasks are
topped up to --tasks with the history of older periods (mostly accepted) bulk-inserted directly.
"Overdue" in the inbox and the overview is as of the real date (the service takes no day), so
those counts move with the date the benchmark is run on; the JSON records it.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from psycopg.types.json import Json
from sqlalchemy import Engine, func, insert, select, text, update
from sqlmodel import Session, col

from benchmarks.bench_risks import THREATS, risk_rows
from benchmarks.common import count_queries, fresh_engine, timed, write_results
from isms.audit.service import Actor, set_actor
from isms.database import bulk_insert, session_scope
from isms.identity.models import Department
from isms.pagination import PageParams
from reviews import generation, service
from reviews.models import ReviewPolicy, ReviewTask, Schedule, TaskState
from reviews.periods import calendar_period
from reviews.service import TaskFilter
from risk.analysis.models import Risk
from risk.analysis.service import matrix_for_new_risks
from risk.analysis.threats import import_threats
from risk.assets.models import Asset, AssetCategory, KritisSector, LifecycleStatus

DEPARTMENTS = 10
TODAY = date(2026, 12, 15)  # the day generated as of: in the lead time of the year's reviews
SINCE = datetime(2020, 1, 1, tzinfo=UTC)  # when the objects and the policies were created
MAX_LEVELS = (None, None, 1, 1, 1, 2, 2, 2, 3, 3)  # not yet assessed, normal ... very high
KRITIS_SHARE = 0.05
RETIRED_SHARE = 0.03
# History (periods before the previous one): by the age of the due date, how the tasks ended up.
RECENT_STATES = {  # due within the last half year
    TaskState.ACCEPTED: 50,
    TaskState.ANSWERED: 25,
    TaskState.RETURNED: 10,
    TaskState.OPEN: 15,
}
OLD_STATES = {TaskState.ACCEPTED: 90, TaskState.ANSWERED: 4, TaskState.OPEN: 6}

PageRequest = tuple[PageParams, TaskFilter, set[int] | None]


def populate(engine: Engine, assets: int, risks: int, *, seed: int = 11) -> dict[str, Any]:
    """Departments, assets, threats, matrix, risks and the default policies (backdated)."""
    rng = random.Random(seed)
    sectors = list(KritisSector)
    with session_scope(engine) as session:
        session.execute(
            insert(Department),
            [{"code": f"D{i}", "name": f"Abteilung {i}"} for i in range(DEPARTMENTS)],
        )
        session.execute(
            insert(AssetCategory),
            [{"uuid": f"bench-{i}", "name": f"Kategorie {i}"} for i in range(5)],
        )
        departments = list(session.scalars(select(col(Department.id))))
        categories = list(session.scalars(select(col(AssetCategory.id))))
        rows = []
        for n in range(assets):
            critical = rng.random() < KRITIS_SHARE
            retired = rng.random() < RETIRED_SHARE
            rows.append(
                {
                    "short_id": f"B-{n:06d}",
                    "name": f"Objekt {n}",
                    "category_id": rng.choice(categories),
                    "department_id": departments[n % len(departments)],
                    "max_level": 3 if critical else rng.choice(MAX_LEVELS),
                    "kritis_critical": critical,
                    "kritis_sector": rng.choice(sectors) if critical else None,
                    "status": LifecycleStatus.RETIRED if retired else LifecycleStatus.IN_OPERATION,
                    "created_at": SINCE,
                    "updated_at": SINCE,
                }
            )
        session.execute(insert(Asset), rows)
        threats = import_threats(session, THREATS.read_bytes())
        matrix_for_new_risks(session)
    with session_scope(engine) as session:
        risk_list = risk_rows(session, risks)
        for row in risk_list:
            row["created_at"] = SINCE
        bulk_insert(session, Risk.__table__, risk_list)  # type: ignore[attr-defined]
        generation.ensure_default_policies(session)
        # In place for years: a missed previous period is caught up (see generation._periods).
        session.execute(update(ReviewPolicy).values(created_at=SINCE))
    analyze(engine)
    return {
        "departments": len(departments),
        "assets": assets,
        "kritis_critical": sum(r["kritis_critical"] for r in rows),
        "retired": sum(r["status"] == LifecycleStatus.RETIRED for r in rows),
        "max_level": {
            str(level): sum(r["max_level"] == level for r in rows) for level in (None, 1, 2, 3)
        },
        "risks": risks,
        "risks_by_status": {
            s: sum(r["status"] == s for r in risk_list)
            for s in sorted({r["status"] for r in risk_list})
        },
        "threats": threats,
    }


def analyze(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        # Planner statistics and the visibility map (index-only scans), as autovacuum has
        # them within a minute or two of a bulk load.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


def one_generation(engine: Engine, *, dry_run: bool = False) -> dict[str, Any]:
    """One `generate` as the scheduler runs it (committed per policy), timed to the commit."""
    with count_queries(engine) as statements:
        start = time.perf_counter()
        with session_scope(engine) as session:
            set_actor(session, Actor(None, "bench:scheduler"))
            runs = generation.generate(session, today=TODAY, dry_run=dry_run, commit_each=True)
        elapsed = time.perf_counter() - start
    created = sum(len(r.would_create) if dry_run else r.created for r in runs)
    return {
        "s": round(elapsed, 2),
        "due": sum(r.due for r in runs),
        "would_create" if dry_run else "created": created,
        "queries": len(statements),
        "by_policy": {
            r.policy: {"due": r.due, "created": len(r.would_create) if dry_run else r.created}
            for r in runs
        },
    }


def generation_runs(engine: Engine) -> dict[str, Any]:
    figures: dict[str, Any] = {"today": TODAY.isoformat()}
    # What is due, without inserting: the cost of reading the register and the existing keys.
    figures["dry_run"] = one_generation(engine, dry_run=True)
    figures["first_run"] = one_generation(engine)
    first = figures["first_run"]
    first["tasks_per_s"] = round(first["created"] / first["s"]) if first["s"] else None
    analyze(engine)
    figures["second_run"] = one_generation(engine)
    with Session(engine) as session:
        figures["tasks"] = session.scalar(select(func.count()).select_from(ReviewTask))
    return figures


def _history(session: Session, needed: int) -> list[dict[str, Any]]:
    """The newest older periods of every periodic (policy, object) pair, newest first."""
    policies = {
        p.id: p
        for p in session.scalars(select(ReviewPolicy))
        if p.schedule == Schedule.PERIODIC and p.id is not None
    }
    pairs = session.execute(
        select(
            col(ReviewTask.policy_id),
            col(ReviewTask.object_id),
            func.min(col(ReviewTask.object_label)),
            func.min(col(ReviewTask.department_id)),
            func.min(col(ReviewTask.due_date)),
        )
        .where(col(ReviewTask.policy_id).in_(list(policies)))
        .group_by(col(ReviewTask.policy_id), col(ReviewTask.object_id))
        .order_by(col(ReviewTask.policy_id), col(ReviewTask.object_id))
    ).all()
    candidates = []
    for policy_id, object_id, label, department_id, earliest in pairs:
        interval = policies[policy_id].interval_months
        period = calendar_period(interval, earliest)
        for _ in range(40):  # back to 2010 at most, far more than needed
            period = calendar_period(interval, period.start - timedelta(days=1))
            if period.due < date(2010, 1, 1):
                break
            candidates.append((period.due, policy_id, object_id, label, department_id, period))
    candidates.sort(key=lambda c: (c[0], c[1], c[2]), reverse=True)
    chosen = candidates[:needed]
    rng = random.Random(13)
    half_year_ago = TODAY - timedelta(days=183)
    rows = []
    for due, policy_id, object_id, label, department_id, period in chosen:
        weights = RECENT_STATES if due >= half_year_ago else OLD_STATES
        state = rng.choices(list(weights), list(weights.values()))[0]
        answered = state != TaskState.OPEN
        decided = state in (TaskState.ACCEPTED, TaskState.RETURNED)
        at = datetime.combine(due, datetime.min.time(), UTC) - timedelta(days=rng.randrange(30))
        rows.append(
            {
                "policy_id": policy_id,
                "subject": policies[policy_id].subject.value,
                "object_id": object_id,
                "object_label": label,
                "object_version": 1,
                "period_key": period.key,
                "department_id": department_id,
                "due_date": due,
                "state": state.value,
                "unchanged": (rng.random() < 0.8) if answered else None,
                "proposed": {},
                "comment": "Unverändert, geprüft." if answered else "",
                "answered_by": f"bearbeiter{department_id}" if answered else "",
                "answered_at": at if answered else None,
                "decision_comment": "Bitte begründen." if state == TaskState.RETURNED else "",
                "decided_by": "isb" if decided else "",
                "decided_at": at + timedelta(days=3) if decided else None,
                "created_at": at - timedelta(days=30),
                "version": 1 + answered + decided,
            }
        )
    return rows


def top_up(engine: Engine, total: int) -> dict[str, Any]:
    """Bring the review tasks to total with older periods (bulk insert, COPY on PostgreSQL)."""
    start = time.perf_counter()
    with session_scope(engine) as session:
        present = session.scalar(select(func.count()).select_from(ReviewTask)) or 0
        rows = _history(session, max(0, total - present))
        insert_start = time.perf_counter()
        if engine.dialect.name == "postgresql":
            for row in rows:  # COPY takes no dict for a JSON column
                row["proposed"] = Json(row["proposed"])
        bulk_insert(session, ReviewTask.__table__, rows)  # type: ignore[attr-defined]
    figures: dict[str, Any] = {
        "inserted": len(rows),
        "insert_s": round(time.perf_counter() - insert_start, 2),
        "total_s": round(time.perf_counter() - start, 2),
    }
    analyze(engine)
    today = date.today()
    with Session(engine) as session:
        figures["tasks"] = session.scalar(select(func.count()).select_from(ReviewTask))
        figures["by_state"] = {
            str(s): n
            for s, n in session.execute(
                select(col(ReviewTask.state), func.count()).group_by(col(ReviewTask.state))
            )
        }
        figures["overdue"] = session.scalar(
            select(func.count()).where(
                col(ReviewTask.state).in_([TaskState.OPEN, TaskState.RETURNED]),
                col(ReviewTask.due_date) < today,
            )
        )
        figures["overdue_as_of"] = today.isoformat()
    return figures


def inbox(engine: Engine, repeat: int = 100) -> dict[str, Any]:
    rng = random.Random(17)
    with Session(engine) as session:
        departments = [d for d in session.scalars(select(col(Department.id))) if d]
        total = session.scalar(select(func.count()).select_from(ReviewTask)) or 0
        deep = range(total * 2 // 5, max(total * 2 // 5 + 1, total - 50), 50)

        def first_pages() -> PageParams:
            return PageParams(limit=50, offset=rng.choice((0, 50, 100)))

        def department() -> set[int]:
            return {rng.choice(departments)}

        requests: dict[str, Callable[[], PageRequest]] = {
            "department_inbox": lambda: (first_pages(), TaskFilter(open_only=True), department()),
            "department_overdue": lambda: (first_pages(), TaskFilter(overdue=True), department()),
            "isb_open": lambda: (first_pages(), TaskFilter(open_only=True), None),
            "isb_answered": lambda: (first_pages(), TaskFilter(state=TaskState.ANSWERED), None),
            "isb_overdue": lambda: (first_pages(), TaskFilter(overdue=True), None),
            "deep_page_all": lambda: (
                PageParams(limit=50, offset=rng.choice(deep)),
                TaskFilter(),
                None,
            ),
        }

        def one_page(make: Callable[[], PageRequest]) -> None:
            page, flt, scope = make()
            service.list_tasks(session, page=page, flt=flt, scope=scope)

        figures: dict[str, Any] = {"tasks": total}
        for name, make in requests.items():
            figures[name] = timed(partial(one_page, make), repeat=repeat)
        with count_queries(engine) as statements:
            one_page(requests["department_inbox"])
        figures["queries_per_page"] = len(statements)
        figures["overview_isb"] = timed(
            partial(service.overview, session, scope=None), repeat=repeat
        )
        figures["overview_department"] = timed(
            lambda: service.overview(session, scope=department()), repeat=repeat
        )
        with count_queries(engine) as statements:
            service.overview(session, scope=None)
        figures["overview_queries"] = len(statements)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assets", type=int, default=5000)
    parser.add_argument("--risks", type=int, default=7000)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    engine = fresh_engine(args.database_url)
    figures: dict[str, Any] = {"setup": populate(engine, args.assets, args.risks)}
    print(f"setup: {figures['setup']}")
    figures["generation"] = generation_runs(engine)
    print(f"generation: {figures['generation']}")
    figures["top_up"] = top_up(engine, args.tasks)
    print(f"top up: {figures['top_up']}")
    figures["inbox"] = inbox(engine)
    print(f"inbox: {figures['inbox']}")
    print(f"results: {write_results('reviews', engine, figures)}")


if __name__ == "__main__":
    main()
