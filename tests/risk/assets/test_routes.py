"""The asset API: filters, scoping, protection requirements, dependencies, bad input."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from isms.identity.models import Department, Role
from tests.factories import auth, make_department, make_user


@pytest.fixture
def setup(client: TestClient, engine: Engine, categories: dict[str, int]) -> dict[str, object]:
    fw, se = (
        make_department(engine, code="FW", name="Feuerwehr"),
        make_department(engine, code="SE", name="Stadtentwässerung"),
    )
    make_user(engine, role=Role.ISB, username="isb")
    make_user(engine, role=Role.DEPARTMENT, username="feuerwehr", departments=[fw])
    return {"fw": fw, "se": se, "isb": auth(client, "isb"), "cats": categories}


def _create(
    client: TestClient,
    headers: dict[str, str],
    department: Department,
    category: int,
    **fields: object,
) -> dict:
    body = {
        "short_id": fields.pop("short_id"),
        "name": fields.pop("name", "Objekt"),
        "category_id": category,
        "department_id": department.id,
        **fields,
    }
    response = client.post("/api/v1/assets", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_read_and_explain_inheritance(client: TestClient, setup: dict) -> None:
    cats, isb = setup["cats"], setup["isb"]
    process = _create(
        client,
        isb,
        setup["fw"],
        cats["Geschäftsprozesse"],
        short_id="p-1",
        name="Alarmierung",
        availability={
            "level": "sehr hoch",
            "justification": "Leib und Leben",
            "scenarios": ["koerperliche_unversehrtheit"],
        },
        kritis_sector="staat_verwaltung",
        tags=["Alarmierung", "24x7"],
    )
    assert process["short_id"] == "P-1" and process["tags"] == ["alarmierung", "24x7"]
    server = _create(
        client,
        isb,
        setup["fw"],
        cats["Hostsysteme"],
        short_id="S-1",
        name="Alarmierungsserver",
        quantity=2,
    )
    edge = client.post(
        f"/api/v1/assets/{process['id']}/dependencies",
        headers=isb,
        json={"dependency_id": server["id"], "description": "läuft auf"},
    )
    assert edge.status_code == 201
    detail = client.get(f"/api/v1/assets/{server['id']}", headers=isb).json()
    assert detail["availability"] == {
        "assessed": None,
        "override": None,
        "justification": "",
        "scenarios": [],
        "inherited": "sehr hoch",
        "level": "sehr hoch",
        "source": {"id": process["id"], "short_id": "P-1", "name": "Alarmierung"},
    }
    assert detail["max_level"] == "sehr hoch"
    assert [link["reason"] for link in detail["explanation"]["availability"]] == [
        "inherited",
        "own",
    ]
    assert detail["required_by"][0]["asset"]["short_id"] == "P-1"
    assert detail["required_by"][0]["level"] == "sehr hoch"


def test_list_filters_sort_and_paginate(client: TestClient, setup: dict) -> None:
    cats, isb = setup["cats"], setup["isb"]
    for n in range(6):
        _create(
            client,
            isb,
            setup["fw"] if n % 2 else setup["se"],
            cats["IT-Systeme" if n < 3 else "Anwendungen"],
            short_id=f"X-{n}",
            name=f"System {n}",
            kritis_critical=n == 5,
            integrity={"level": "hoch" if n % 3 == 0 else "normal", "justification": "j"},
        )

    def ids(query: str) -> list[str]:
        response = client.get(f"/api/v1/assets?{query}", headers=isb)
        assert response.status_code == 200, response.text
        return [a["short_id"] for a in response.json()["items"]]

    assert ids(f"department_id={setup['fw'].id}") == ["X-1", "X-3", "X-5"]
    assert ids(f"category_id={cats['Anwendungen']}") == ["X-3", "X-4", "X-5"]
    assert ids("level=hoch") == ["X-0", "X-3"]
    assert ids("kritis=true") == ["X-5"]
    assert ids("q=system%204") == ["X-4"]
    assert ids("sort=-short_id&limit=2&offset=1") == ["X-4", "X-3"]

    # X-1 inherits integrity "hoch" from X-0; raised by Kumulationseffekt it shows as a deviation.
    x0, x1 = (client.get(f"/api/v1/assets?q=X-{n}", headers=isb).json()["items"][0] for n in (0, 1))
    edge = {"dependency_id": x1["id"]}
    assert client.post(f"/api/v1/assets/{x0['id']}/dependencies", headers=isb, json=edge).is_success
    raised = {
        "level": "sehr hoch",
        "override": "kumulationseffekt",
        "justification": "viele Systeme",
    }
    response = client.put(
        f"/api/v1/assets/{x1['id']}/protection", headers=isb, json={"integrity": raised}
    )
    assert response.status_code == 200, response.text
    assert ids("overridden=true") == ["X-1"]
    assert "X-1" not in ids("overridden=false") and len(ids("overridden=false")) == 5
    assert client.get("/api/v1/assets?level=extrem", headers=isb).status_code == 422
    assert client.get("/api/v1/assets?sort=password", headers=isb).status_code == 400


def test_department_users_see_and_edit_only_their_own(client: TestClient, setup: dict) -> None:
    cats, isb = setup["cats"], setup["isb"]
    own = _create(client, isb, setup["fw"], cats["IT-Systeme"], short_id="FW-1")
    other = _create(client, isb, setup["se"], cats["IT-Systeme"], short_id="SE-1")
    fw = auth(client, "feuerwehr")
    listed = client.get("/api/v1/assets", headers=fw).json()
    assert [a["short_id"] for a in listed["items"]] == ["FW-1"] and listed["total"] == 1
    assert client.get(f"/api/v1/assets/{other['id']}", headers=fw).status_code == 404
    assert (
        client.patch(f"/api/v1/assets/{other['id']}", headers=fw, json={"name": "x"}).status_code
        == 404
    )
    assert (
        client.patch(
            f"/api/v1/assets/{own['id']}", headers=fw, json={"location": "Leitstelle"}
        ).status_code
        == 200
    )
    moved = client.patch(
        f"/api/v1/assets/{own['id']}", headers=fw, json={"department_id": setup["se"].id}
    )
    assert moved.status_code == 400
    assessed = client.post(
        "/api/v1/assets",
        headers=fw,
        json={
            "short_id": "FW-2",
            "name": "x",
            "category_id": cats["IT-Systeme"],
            "department_id": setup["fw"].id,
            "availability": {"level": "hoch"},
        },
    )
    assert assessed.status_code == 403
    assert (
        client.put(
            f"/api/v1/assets/{own['id']}/protection",
            headers=fw,
            json={"availability": {"level": "hoch"}},
        ).status_code
        == 403
    )


def test_bad_input_is_refused_clearly_and_nothing_is_written(
    client: TestClient, setup: dict
) -> None:
    cats, isb = setup["cats"], setup["isb"]
    a = _create(client, isb, setup["fw"], cats["Geschäftsprozesse"], short_id="A")
    b = _create(client, isb, setup["fw"], cats["Anwendungen"], short_id="B")
    c = _create(client, isb, setup["fw"], cats["Hostsysteme"], short_id="C")
    client.post(
        f"/api/v1/assets/{a['id']}/dependencies", headers=isb, json={"dependency_id": b["id"]}
    )
    client.post(
        f"/api/v1/assets/{b['id']}/dependencies", headers=isb, json={"dependency_id": c["id"]}
    )
    cycle = client.post(
        f"/api/v1/assets/{c['id']}/dependencies", headers=isb, json={"dependency_id": a["id"]}
    )
    assert cycle.status_code == 409
    assert "C → A → B → C" in cycle.json()["detail"]
    assert client.get(f"/api/v1/assets/{c['id']}", headers=isb).json()["depends_on"] == []
    duplicate = client.post(
        "/api/v1/assets",
        headers=isb,
        json={
            "short_id": "a",
            "name": "x",
            "category_id": cats["Anwendungen"],
            "department_id": setup["fw"].id,
        },
    )
    assert duplicate.status_code == 409 and "A" in duplicate.json()["detail"]
    unknown = client.post(
        "/api/v1/assets",
        headers=isb,
        json={"short_id": "N", "name": "x", "category_id": 99999, "department_id": setup["fw"].id},
    )
    assert unknown.status_code == 400 and "99999" in unknown.json()["detail"]
    assert (
        client.post(
            "/api/v1/assets",
            headers=isb,
            json={"short_id": "bad id!", "name": "x", "category_id": 1, "department_id": 1},
        ).status_code
        == 422
    )
    no_reason = client.put(
        f"/api/v1/assets/{c['id']}/protection",
        headers=isb,
        json={"availability": {"level": "hoch", "override": "kumulationseffekt"}},
    )
    assert no_reason.status_code == 400
    stale = client.put(
        f"/api/v1/assets/{c['id']}/protection",
        headers=isb,
        json={"availability": {"level": "hoch"}, "version": 0},
    )
    assert stale.status_code == 409
    assert client.get("/api/v1/assets", headers=isb).json()["total"] == 3


def test_full_recalculation_endpoint_finds_nothing_to_change(
    client: TestClient, setup: dict
) -> None:
    cats, isb = setup["cats"], setup["isb"]
    a = _create(
        client,
        isb,
        setup["fw"],
        cats["Geschäftsprozesse"],
        short_id="A",
        confidentiality={"level": "hoch", "justification": "x"},
    )
    b = _create(client, isb, setup["fw"], cats["Anwendungen"], short_id="B")
    client.post(
        f"/api/v1/assets/{a['id']}/dependencies", headers=isb, json={"dependency_id": b["id"]}
    )
    assert client.post("/api/v1/assets/recalculate", headers=isb).json() == {"changed": 0}


def test_categories_come_from_the_bsi_vocabulary_plus_our_types(
    client: TestClient, setup: dict
) -> None:
    categories = client.get("/api/v1/asset-categories", headers=setup["isb"]).json()
    by_name = {c["name"]: c for c in categories}
    assert len(categories) == 41
    assert by_name["ICS/OT-Systeme"]["source"] == "isms"
    assert by_name["ICS/OT-Systeme"]["parent_id"] == by_name["IT-Systeme"]["id"]
    assert by_name["Serverräume"]["source"] == "bsi"
