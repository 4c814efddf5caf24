"""Generating review tasks: which objects, which periods, idempotent, resumable."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, func, select, update
from sqlmodel import col

from isms.database import session_scope
from isms.settings import Settings
from reviews import generation
from reviews.models import ReviewPolicy, ReviewTask, Subject
from risk.analysis import service as risks
from risk.analysis import threats
from risk.analysis.schemas import AcceptanceInput, RiskCreate
from risk.assets.schemas import ProtectionInput
from tests.factories import make_department
from tests.isms.test_cli import run
from tests.risk.analysis.conftest import THREATS_CSV
from tests.risk.assets.factories import assess, make_asset

SIZE = 12_000  # objects in the kill test
DEC = date(2026, 12, 15)  # in the lead time of the yearly, half-yearly and quarterly reviews
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def tasks(engine: Engine, **where: object) -> list[ReviewTask]:
    with session_scope(engine, write=False) as session:
        query = select(ReviewTask).order_by(col(ReviewTask.id))
        for key, value in where.items():
            query = query.where(getattr(ReviewTask, key) == value)
        return list(session.scalars(query))


def generate(engine: Engine, today: date, **kwargs: object) -> dict[str, generation.PolicyRun]:
    with session_scope(engine) as session:
        runs = generation.generate(session, today=today, **kwargs)  # type: ignore[arg-type]
        return {r.policy: r for r in runs}


def backdate_policies(engine: Engine, to: date) -> None:
    with session_scope(engine) as session:
        generation.ensure_default_policies(session)
        moment = datetime(to.year, to.month, to.day, tzinfo=UTC)
        session.execute(update(ReviewPolicy).values(created_at=moment))


@pytest.fixture
def world(engine: Engine, categories: dict[str, int]) -> dict[str, object]:
    vt, fw = make_department(engine, code="VT"), make_department(engine, code="FW")
    normal = make_asset(engine, category_id=categories["Anwendungen"], department_id=vt.id or 0)
    high = make_asset(
        engine,
        category_id=categories["ICS/OT-Systeme"],
        department_id=fw.id or 0,
        kritis_critical=True,
    )
    assess(engine, high, availability=ProtectionInput(level="sehr hoch", justification="Pumpen"))
    with session_scope(engine) as session:
        threats.import_threats(session, THREATS_CSV.read_bytes())
        threat = threats.list_threats(session)[0]
        open_risk = risks.create_risk(
            session,
            data=RiskCreate(
                asset_id=high.id or 0,
                threat_id=threat.id or 0,
                title="Ausfall",
                availability=True,
                frequency="mittel",
                impact="begrenzt",
            ),
            scope=None,
            actor="test",
        )
        accepted = risks.create_risk(
            session,
            data=RiskCreate(
                asset_id=normal.id or 0,
                threat_id=threat.id or 0,
                title="Brand",
                availability=True,
                frequency="selten",
                impact="begrenzt",
            ),
            scope=None,
            actor="test",
        )
        risks.accept(
            session,
            risk=accepted,
            data=AcceptanceInput(
                approver="OB",
                justification="Tragbar bis 2027",
                expires_on=date(2027, 1, 31),
            ),
            actor="test",
            today=date(2026, 11, 1),
        )
        # The objects exist since long before the periods the tests look at.
        from risk.analysis.models import Risk
        from risk.assets.models import Asset

        session.execute(update(Asset).values(created_at=LONG_AGO))
        session.execute(update(Risk).values(created_at=LONG_AGO))
        return {
            "vt": vt.id,
            "fw": fw.id,
            "normal": normal.id,
            "high": high.id,
            "open_risk": open_risk.id,
            "accepted": accepted.id,
        }


def test_tasks_go_to_the_owning_department_by_policy(engine: Engine, world: dict) -> None:
    runs = generate(engine, DEC)
    assert runs["schutzbedarf"].created == 1 and runs["schutzbedarf-sehr-hoch"].created == 1
    yearly = tasks(engine, object_id=world["normal"], subject=Subject.PROTECTION)
    assert [(t.period_key, t.due_date, t.department_id) for t in yearly] == [
        ("12m:2026-01-01", date(2026, 12, 31), world["vt"])
    ]
    half = tasks(engine, object_id=world["high"], subject=Subject.PROTECTION)
    assert [(t.period_key, t.department_id) for t in half] == [("6m:2026-07-01", world["fw"])]
    risk_tasks = tasks(engine, subject=Subject.RISK)
    assert [(t.object_id, t.period_key) for t in risk_tasks] == [
        (world["open_risk"], "3m:2026-10-01")
    ]
    acceptance = tasks(engine, subject=Subject.ACCEPTANCE)
    assert [t.object_id for t in acceptance] == [world["accepted"]]
    assert acceptance[0].due_date == date(2027, 1, 31)
    assert acceptance[0].period_key == "until:2027-01-31"


def test_generation_is_idempotent_and_dry_run_writes_nothing(engine: Engine, world: dict) -> None:
    dry = generate(engine, DEC, dry_run=True)
    assert sum(len(r.would_create) for r in dry.values()) == 4
    assert tasks(engine) == []
    first = generate(engine, DEC)
    assert sum(r.created for r in first.values()) == 4
    again = generate(engine, DEC)
    assert sum(r.created for r in again.values()) == 0
    assert len(tasks(engine)) == 4
    # Inserting the same keys again (a second scheduler racing) skips them without an error.
    with session_scope(engine) as session:
        policy = generation.policies_to_run(session, ["schutzbedarf"])[0]
        due = generation.due_tasks(session, policy, DEC)
        generation._insert_missing(session, [d.row(policy) for d in due])
    assert len(tasks(engine)) == 4


def test_a_missed_period_is_caught_up_once(engine: Engine, world: dict) -> None:
    backdate_policies(engine, date(2025, 1, 1))
    # The scheduler was down through the whole review window of 2025 (December) ...
    runs = generate(engine, date(2026, 3, 2), names=["schutzbedarf", "offene-risiken"])
    assert runs["schutzbedarf"].created == 1
    caught = tasks(engine, object_id=world["normal"], subject=Subject.PROTECTION)
    assert [(t.period_key, t.due_date) for t in caught] == [
        ("12m:2025-01-01", date(2025, 12, 31))  # overdue, not lost
    ]
    # ... and of the fourth quarter; the first quarter's window has not begun on 2 March.
    assert [t.period_key for t in tasks(engine, subject=Subject.RISK)] == ["3m:2025-10-01"]
    again = generate(engine, date(2026, 3, 3), names=["schutzbedarf", "offene-risiken"])
    assert sum(r.created for r in again.values()) == 0
    # A policy created later does not reach back into periods that ended before it existed.
    backdate_policies(engine, date(2026, 3, 1))
    with session_scope(engine) as session:
        session.execute(update(ReviewTask).values(period_key="x-" + ReviewTask.period_key))
    assert generate(engine, date(2026, 3, 4), names=["schutzbedarf"])["schutzbedarf"].created == 0


def test_unknown_policy_names_are_refused(engine: Engine, world: dict) -> None:
    from isms.errors import NotFound

    with pytest.raises(NotFound), session_scope(engine) as session:
        generation.generate(session, today=DEC, names=["gibt-es-nicht"])


def test_killing_a_run_and_running_again_leaves_no_duplicate_and_no_gap(
    engine: Engine, settings: Settings, categories: dict[str, int]
) -> None:
    """A real `isms scheduler run-now` process is killed with SIGKILL while it generates, then
    run again: the tasks are exactly the due ones."""
    department = make_department(engine, code="BIG")
    with session_scope(engine) as session:
        from isms.database import bulk_insert
        from risk.assets.models import Asset

        bulk_insert(
            session,
            Asset.__table__,  # type: ignore[attr-defined]
            [
                {
                    "short_id": f"B-{n:05d}",
                    "name": f"Objekt {n}",
                    "category_id": categories["Anwendungen"],
                    "department_id": department.id,
                    "responsible": "",
                    "description": "",
                    "location": "",
                    "quantity": 1,
                    "status": "in_betrieb",
                    "tags": "",
                    "kritis_critical": n % 3 == 0,
                    "c_justification": "",
                    "c_scenarios": "",
                    "i_justification": "",
                    "i_scenarios": "",
                    "a_justification": "",
                    "a_scenarios": "",
                    "created_at": datetime(2025, 1, 1, tzinfo=UTC),
                    "updated_at": datetime(2025, 1, 1, tzinfo=UTC),
                    "version": 1,
                }
                for n in range(SIZE)
            ],
        )
    backdate_policies(engine, date(2024, 1, 1))
    args = ["scheduler", "run-now", "--all", "--today", "2027-07-15"]
    process = subprocess.Popen(_command(*args), env=_env(settings), stdout=subprocess.DEVNULL)
    # Kill it as soon as the first policy's tasks are committed, before the last policy ran.
    interrupted = 0
    deadline = time.monotonic() + 60
    while not interrupted and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.005)
        with session_scope(engine, write=False) as session:
            interrupted = session.scalar(select(func.count()).select_from(ReviewTask)) or 0
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert 0 < interrupted < SIZE + SIZE // 3, "the run was not interrupted in the middle"
    env_run = run  # the helper sets the database and data dir of the test settings
    finished = env_run(settings, *args)
    assert finished.returncode == 0, finished.stderr
    with session_scope(engine, write=False) as session:
        counts = dict(
            session.execute(
                select(col(ReviewPolicy.name), func.count(col(ReviewTask.id)))
                .join(ReviewTask, col(ReviewTask.policy_id) == col(ReviewPolicy.id))
                .group_by(col(ReviewPolicy.name))
            ).all()
        )
        duplicates = session.execute(
            select(col(ReviewTask.policy_id), col(ReviewTask.object_id), col(ReviewTask.period_key))
            .group_by(
                col(ReviewTask.policy_id), col(ReviewTask.object_id), col(ReviewTask.period_key)
            )
            .having(func.count() > 1)
        ).all()
    assert duplicates == []
    # Objects of normal protection: the missed 2026 review (the 2027 one is created from
    # December only); KRITIS, every third object: the cycle 2025-2027, due 2027-12-31, is in its
    # 180 days' lead time.
    assert counts["schutzbedarf"] == SIZE
    assert counts["kritis-nachweis"] == SIZE // 3


def _env(settings: Settings) -> dict[str, str]:
    from tests.conftest import SECRET

    env = {k: v for k, v in os.environ.items() if not k.startswith("ISMS_")}
    env.update(ISMS_DATA_DIR=str(settings.data_dir), ISMS_SECRET_KEY=SECRET)
    env["ISMS_LOG_LEVEL"] = "WARNING"
    if settings.database_url:
        env["ISMS_DATABASE_URL"] = settings.database_url
    return env


def _command(*args: str) -> list[str]:
    from tests.isms.test_cli import ISMS

    return [ISMS, *args]
