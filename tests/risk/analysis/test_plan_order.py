"""The Realisierungsplan's order, paging, filters and totals, checked against an order computed
here from every open item (the plan chooses its pages from index ranges per part; this test
sorts everything in Python and must agree page for page)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from isms.database import session_scope
from isms.pagination import PageParams
from risk.analysis import measures
from tests.risk.analysis.conftest import Org, create_asset, later, make_risk

VERB_PRIORITY = {"MUSS": 1, "SOLLTE": 2}  # anything else: 3 (BSI: MUSS before SOLLTE)
OPEN = ("teilweise", "nein")


def _oracle(engine: Engine) -> list[dict[str, Any]]:
    """Every open item of the plan, sorted as the plan promises: priority, due date (undated
    last), check before measure, id."""
    with engine.connect() as connection:
        checks = connection.execute(
            text(
                "SELECT id, modal_verb, priority, target_date, cost, owner_department_id, status "
                "FROM check_entry WHERE modelled AND status IN ('teilweise', 'nein')"
            )
        ).all()
        measures = connection.execute(
            text(
                "SELECT m.id, m.priority, m.due_date, m.cost, m.owner_department_id FROM measure m "
                "JOIN risk r ON r.id = m.risk_id "
                "WHERE m.status IN ('geplant', 'in_umsetzung') AND r.status <> 'geschlossen'"
            )
        ).all()
    items = [
        {
            "kind": "check",
            "id": i,
            "priority": VERB_PRIORITY.get(verb, 3),
            "stored_priority": stored,
            "due": _date(due),
            "cost": cost,
            "owner": owner,
        }
        for i, verb, stored, due, cost, owner, _ in checks
    ] + [
        {"kind": "measure", "id": i, "priority": p, "due": _date(due), "cost": cost, "owner": o}
        for i, p, due, cost, o in measures
    ]
    return sorted(
        items,
        key=lambda i: (i["priority"], i["due"] is None, i["due"] or date.min, i["kind"], i["id"]),
    )


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _pages(client: TestClient, headers: dict[str, str], size: int, **params: Any) -> list[Any]:
    """Every item of the plan, read page by page through the API."""
    seen: list[Any] = []
    total = None
    while total is None or len(seen) < total:
        response = client.get(
            "/api/v1/implementation-plan",
            headers=headers,
            params={"limit": size, "offset": len(seen), **params},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        total = body["total"]
        assert body["items"], "a page inside the total is never empty"
        seen += [(i["kind"], i["id"]) for i in body["items"]]
    return seen


@pytest.fixture
def busy_plan(
    client: TestClient,
    engine: Engine,
    org: Org,
    catalogs: dict[str, int],
    threats: dict[str, int],
) -> None:
    """Three modelled objects in two departments, their entries in random states, dates and
    costs (some on the same date, many undated), and measures of every priority."""
    objects = [
        create_asset(client, org, "SRV-1", "Hostsysteme", org.vt),
        create_asset(client, org, "SRV-2", "Hostsysteme", org.fw),
        create_asset(client, org, "ICS-1", "ICS/OT-Systeme", org.fw),
    ]
    rng = random.Random(9)
    today = date.today()
    with session_scope(engine) as session:
        ids = session.execute(text("SELECT id FROM check_entry ORDER BY id")).scalars().all()
        for entry_id in ids:
            status = rng.choice(["ja", "teilweise", "nein", "unbearbeitet", "nein"])
            due = rng.choice([None, None, today + timedelta(days=rng.randint(-40, 40))])
            cost = rng.choice([None, rng.randint(1, 50) * 100])
            session.execute(
                text(
                    "UPDATE check_entry SET status = :s, target_date = :d, cost = :c WHERE id = :i"
                ),
                {"s": status, "d": due, "c": cost, "i": entry_id},
            )
        session.execute(  # one entry no longer modelled: never in the plan
            text("UPDATE check_entry SET modelled = :f WHERE id = :i"), {"f": False, "i": ids[0]}
        )
    for n, (frequency, impact) in enumerate(
        [("selten", "begrenzt"), ("häufig", "existenzbedrohend"), ("mittel", "beträchtlich")]
    ):
        risk = make_risk(
            client,
            org,
            objects[n]["id"],
            threats[f"G 0.{n + 20}"],
            frequency=frequency,
            impact=impact,
        )
        for days in (None, -5, 12):
            body = {"risk_id": risk["id"], "title": f"Maßnahme {n} {days}", "cost": 1000}
            if days is not None:
                body["due_date"] = later(days)
            created = client.post("/api/v1/measures", headers=org.isb, json=body)
            assert created.status_code == 201, created.text


def test_the_plan_pages_through_every_open_item_in_order(
    client: TestClient, engine: Engine, org: Org, busy_plan: None
) -> None:
    expected = _oracle(engine)
    assert len(expected) > 100 and {i["kind"] for i in expected} == {"check", "measure"}
    assert {i["priority"] for i in expected} == {1, 2, 3}
    # the stored priority is the one of the modal verb
    assert all(i["stored_priority"] == i["priority"] for i in expected if i["kind"] == "check")
    keys = [(i["kind"], i["id"]) for i in expected]
    for size in (7, 50):
        assert _pages(client, org.isb, size) == keys
    body = client.get(
        "/api/v1/implementation-plan", headers=org.isb, params={"offset": len(keys)}
    ).json()
    assert body["items"] == [] and body["total"] == len(keys)


def test_the_plan_filters_agree_with_the_order(
    client: TestClient, engine: Engine, org: Org, busy_plan: None
) -> None:
    expected = _oracle(engine)
    today = date.today()

    def keys(items: list[dict[str, Any]]) -> list[Any]:
        return [(i["kind"], i["id"]) for i in items]

    for priority in (1, 2, 3):
        wanted = [i for i in expected if i["priority"] == priority]
        assert _pages(client, org.isb, 9, priority=priority) == keys(wanted)
    overdue = [i for i in expected if i["due"] is not None and i["due"] < today]
    assert _pages(client, org.isb, 9, overdue=True) == keys(overdue)
    for kind in ("check", "measure"):
        assert _pages(client, org.isb, 11, kind=kind) == keys(
            [i for i in expected if i["kind"] == kind]
        )
    fire = [i for i in expected if i["owner"] == org.fw.id]
    assert _pages(client, org.isb, 8, department_id=org.fw.id) == keys(fire)
    assert _pages(client, org.feuerwehr, 8) == keys(fire)  # a department sees its own


def test_the_plan_totals_count_every_open_item(
    client: TestClient, engine: Engine, org: Org, busy_plan: None
) -> None:
    expected = _oracle(engine)
    today = date.today()
    with session_scope(engine) as session:
        summary = measures.plan_summary(session, flt=measures.PlanFilter(), scope=None)
        mine = measures.plan_summary(session, flt=measures.PlanFilter(), scope={org.vt.id})
    assert summary.total == len(expected)
    assert summary.overdue == sum(1 for i in expected if i["due"] and i["due"] < today)
    assert summary.cost == sum(i["cost"] or 0 for i in expected)
    assert mine.total == sum(1 for i in expected if i["owner"] == org.vt.id)


def test_a_large_page_is_loaded_in_parts(
    client: TestClient,
    engine: Engine,
    org: Org,
    busy_plan: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A.6 reads up to 100,000 items in one page, more ids than one statement may carry
    (SQLite 32,766 parameters, PostgreSQL 65,535): the page is loaded in parts, none lost."""
    monkeypatch.setattr(measures, "LOAD_CHUNK", 4)
    expected = [(i["kind"], i["id"]) for i in _oracle(engine)]
    with session_scope(engine, write=False) as session:
        page, _ = measures.plan(
            session, page=PageParams(limit=500), flt=measures.PlanFilter(), scope=None
        )
    assert [(i.kind, i.id) for i in page.items] == expected[:500]
    assert len({i.title for i in page.items}) > 10  # each part loaded its rows' own data
