"""The monthly review of open requirements: one task per target object (and one for the
information domain), not one per requirement; the department sees the object's open
requirements on the task and updates them in the check; the old per-requirement default is
switched off when its successor arrives."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text, update
from sqlmodel import col

from controls.check import modelling
from controls.check.models import CheckEntry
from isms.database import session_scope
from reviews import generation
from reviews.models import ReviewPolicy, ReviewTask, Schedule, Subject, TaskState
from tests.controls.conftest import Org, create_asset

TODAY = date(2026, 12, 15)
POLICY = "check-luecken-objekte"


def _set(engine: Engine, asset_id: int | None, status: str, target: date | None = None) -> None:
    """Every entry of the object (None: the information domain) in one state."""
    where = "asset_id = :a" if asset_id else "asset_id IS NULL"
    with session_scope(engine) as session:
        session.execute(
            text(f"UPDATE check_entry SET status = :s, target_date = :t WHERE {where}"),  # noqa: S608
            {"s": status, "t": target, "a": asset_id},
        )


def _run(engine: Engine, today: date = TODAY) -> generation.PolicyRun:
    with session_scope(engine) as session:
        generation.ensure_default_policies(session)
        session.execute(update(ReviewPolicy).values(created_at=datetime(2020, 1, 1, tzinfo=UTC)))
    with session_scope(engine) as session:
        runs = generation.generate(session, today=today, names=[POLICY])
        return runs[0]


def _tasks(engine: Engine) -> list[ReviewTask]:
    with session_scope(engine, write=False) as session:
        return list(
            session.scalars(
                select(ReviewTask)
                .where(col(ReviewTask.subject) == Subject.CHECK_GAPS)
                .order_by(col(ReviewTask.period_key), col(ReviewTask.object_id))
            )
        )


@pytest.fixture
def objects(client: TestClient, engine: Engine, org: Org, catalogs: dict[str, int]) -> dict:
    made = {
        "open": create_asset(client, org, "SRV-1", "Hostsysteme", org.vt),
        "done": create_asset(client, org, "SRV-2", "Hostsysteme", org.vt),
        "fire": create_asset(client, org, "ICS-1", "ICS/OT-Systeme", org.fw),
        "late": create_asset(client, org, "SRV-3", "Hostsysteme", org.fw),
    }
    with session_scope(engine) as session:  # the information domain's own requirements too
        modelling.model(session, actor="test")
    with session_scope(engine, write=False) as session:
        counts = dict(
            session.execute(
                text("SELECT asset_id, count(*) FROM check_entry GROUP BY asset_id")
            ).all()
        )
    assert all(counts.get(a["id"], 0) > 20 for a in made.values()), counts
    assert counts.get(None, 0) > 20, "the domain's requirements are modelled"
    _set(engine, made["open"]["id"], "nein")
    _set(engine, made["done"]["id"], "ja")
    _set(engine, made["fire"]["id"], "teilweise", date(2027, 3, 1))
    # every gap of SRV-3 was due to be closed before this month: no longer under review
    _set(engine, made["late"]["id"], "nein", date(2026, 11, 30))
    _set(engine, None, "teilweise")
    with session_scope(engine) as session:  # modelled long before the periods under review
        session.execute(update(CheckEntry).values(created_at=datetime(2026, 1, 5, tzinfo=UTC)))
    return made


def test_one_task_per_object_and_month_not_per_requirement(
    engine: Engine, org: Org, objects: dict
) -> None:
    run = _run(engine)
    tasks = _tasks(engine)
    current = [t for t in tasks if t.period_key == "1m:2026-12-01"]
    by_object = {t.object_id: t for t in current}
    assert set(by_object) == {objects["open"]["id"], objects["fire"]["id"], generation.DOMAIN}
    assert by_object[objects["open"]["id"]].department_id == org.vt.id
    assert by_object[objects["fire"]["id"]].department_id == org.fw.id
    assert by_object[objects["open"]["id"]].object_label == "SRV-1 Objekt SRV-1"
    domain = by_object[generation.DOMAIN]
    assert domain.department_id is None and domain.object_label == "Informationsverbund"
    # the previous month is caught up as well (the policy is older): same objects again
    previous = {t.object_id for t in tasks if t.period_key == "1m:2026-11-01"}
    assert previous == set(by_object) | {objects["late"]["id"]}
    assert run.created == len(tasks)
    assert _run(engine).created == 0  # idempotent


def test_a_task_falls_away_when_its_object_has_no_open_requirement(
    engine: Engine, objects: dict
) -> None:
    _run(engine)
    _set(engine, objects["fire"]["id"], "ja")
    run = _run(engine)
    assert run.created == 0 and run.obsolete == 2  # this month's and last month's
    states = {(t.object_id, t.period_key): t.state for t in _tasks(engine)}
    assert states[(objects["fire"]["id"], "1m:2026-12-01")] == TaskState.OBSOLETE
    assert states[(objects["open"]["id"], "1m:2026-12-01")] == TaskState.OPEN


def test_the_department_reviews_the_object_s_open_requirements(
    client: TestClient, engine: Engine, org: Org, objects: dict, login_ui: Any
) -> None:
    _run(engine)
    task = next(
        t
        for t in _tasks(engine)
        if t.object_id == objects["open"]["id"] and t.period_key == "1m:2026-12-01"
    )
    assert client.get(f"/api/v1/reviews/{task.id}", headers=org.feuerwehr).status_code == 404
    # changes are made in the check itself: the task takes no proposed fields
    refused = client.post(
        f"/api/v1/reviews/{task.id}/answer",
        headers=org.verkehr,
        json={"unchanged": False, "proposed": {"status": "ja"}, "version": task.version},
    )
    assert refused.status_code == 400 and "status" in refused.json()["detail"]
    with session_scope(engine, write=False) as session:
        open_entries = session.execute(
            text(
                "SELECT e.id, e.control_ref FROM check_entry e WHERE e.asset_id = :a "
                "AND e.status IN ('teilweise', 'nein') AND e.modelled"
            ),
            {"a": objects["open"]["id"]},
        ).all()
    page = login_ui("verkehr").get(f"/reviews/{task.id}")
    assert page.status_code == 200
    assert f"Offene Anforderungen ({len(open_entries)})" in page.text
    for entry_id, _ref in open_entries:
        assert f'href="/check/{entry_id}"' in page.text
    assert "überfällig" not in page.text  # SRV-1's gaps have no target date
    fire = next(
        t
        for t in _tasks(engine)
        if t.object_id == objects["fire"]["id"] and t.period_key == "1m:2026-12-01"
    )
    _set(engine, objects["fire"]["id"], "teilweise", date(2026, 1, 31))  # target date passed
    shown = login_ui("feuerwehr").get(f"/reviews/{fire.id}").text
    assert "31.01.2026" in shown and shown.count("überfällig") >= 2  # per row, not once
    assert f'href="/assets/{objects["open"]["id"]}"' in page.text
    answered = client.post(
        f"/api/v1/reviews/{task.id}/answer",
        headers=org.verkehr,
        json={"unchanged": True, "comment": "Im Check aktualisiert.", "version": task.version},
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["state"] == "beantwortet"


def test_the_old_per_requirement_policy_is_switched_off_once(engine: Engine, objects: dict) -> None:
    with session_scope(engine) as session:
        old = ReviewPolicy(
            name="check-luecken",
            title="Offene Anforderungen monatlich",
            subject=Subject.CHECK_GAP,
            schedule=Schedule.PERIODIC,
            interval_months=1,
            lead_days=31,
        )
        session.add(old)
        session.flush()
        entry_id = session.execute(text("SELECT min(id) FROM check_entry")).scalar_one()
        for state in (TaskState.OPEN, TaskState.ACCEPTED):
            session.add(
                ReviewTask(
                    policy_id=old.id or 0,
                    subject=Subject.CHECK_GAP,
                    object_id=entry_id,
                    period_key=f"1m:2026-{10 + (state == TaskState.ACCEPTED)}-01",
                    due_date=TODAY,
                    state=state,
                )
            )
    _run(engine)
    with session_scope(engine) as session:
        old = session.scalars(
            select(ReviewPolicy).where(col(ReviewPolicy.name) == "check-luecken")
        ).one()
        assert not old.active
        states = sorted(
            session.scalars(
                select(col(ReviewTask.state)).where(col(ReviewTask.policy_id) == old.id)
            )
        )
        assert states == sorted([TaskState.OBSOLETE, TaskState.ACCEPTED])
        old.active = True  # the ISB wants it back
        session.add(old)
    _run(engine)
    with session_scope(engine, write=False) as session:
        assert session.scalars(
            select(col(ReviewPolicy.active)).where(col(ReviewPolicy.name) == "check-luecken")
        ).one()
