"""Review tasks over the API: the department inbox, answers, the ISB's decision."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from isms.database import session_scope
from reviews import generation
from tests.risk.analysis.conftest import Org, create_asset, make_risk

DEC = date(2026, 12, 15)


def generate(engine: Engine) -> None:
    with session_scope(engine) as session:
        generation.generate(session, today=DEC)


@pytest.fixture
def inbox(client: TestClient, org: Org, engine: Engine, threats: dict[str, int]) -> dict:
    scada = create_asset(client, org, "SCADA-1", "ICS/OT-Systeme", org.vt)
    alarm = create_asset(client, org, "ALARM-1", "Anwendungen", org.fw)
    risk = make_risk(client, org, scada["id"], threats["G 0.39"])
    generate(engine)
    return {"scada": scada, "alarm": alarm, "risk": risk}


def tasks(client: TestClient, headers: dict, **params: object) -> list[dict]:
    response = client.get("/api/v1/reviews", headers=headers, params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_departments_see_their_own_tasks(client: TestClient, org: Org, inbox: dict) -> None:
    mine = tasks(client, org.verkehr)
    assert {t["object_label"].split()[0] for t in mine} == {"SCADA-1", inbox["risk"]["ref"]}
    assert all(t["department_id"] == org.vt.id for t in mine)
    other = tasks(client, org.feuerwehr)
    assert [t["object_label"].split()[0] for t in other] == ["ALARM-1"]
    assert client.get(f"/api/v1/reviews/{mine[0]['id']}", headers=org.feuerwehr).status_code == 404
    assert len(tasks(client, org.isb)) == 3
    assert len(tasks(client, org.auditor, state="offen")) == 3


def _protection_task(client: TestClient, org: Org) -> dict:
    return next(t for t in tasks(client, org.verkehr) if t["subject"] == "protection")


def test_answer_with_changes_and_the_isb_applies_them(
    client: TestClient, org: Org, inbox: dict
) -> None:
    task = _protection_task(client, org)
    assert task["proposable"] == ["confidentiality", "integrity", "availability", "justification"]
    answered = client.post(
        f"/api/v1/reviews/{task['id']}/answer",
        headers=org.verkehr,
        json={
            "unchanged": False,
            "proposed": {"availability": "hoch", "justification": "Ausfall legt Pumpen lahm"},
            "comment": "Neue Anlage angeschlossen",
            "version": task["version"],
        },
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["state"] == "beantwortet"
    stale = client.post(
        f"/api/v1/reviews/{task['id']}/answer",
        headers=org.verkehr,
        json={"unchanged": True, "version": task["version"]},
    )
    assert stale.status_code == 409
    accepted = client.post(
        f"/api/v1/reviews/{task['id']}/accept",
        headers=org.isb,
        json={"comment": "Einverstanden", "version": answered.json()["version"]},
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "angenommen"
    assert accepted.json()["next_review"] == "2027-12-31"
    asset = client.get(f"/api/v1/assets/{inbox['scada']['id']}", headers=org.isb).json()
    assert asset["availability"]["level"] == "hoch"
    assert asset["availability"]["justification"] == "Ausfall legt Pumpen lahm"


def test_return_and_answer_again(client: TestClient, org: Org, inbox: dict) -> None:
    task = _protection_task(client, org)
    answered = client.post(
        f"/api/v1/reviews/{task['id']}/answer",
        headers=org.verkehr,
        json={"unchanged": True, "version": task["version"]},
    ).json()
    no_reason = client.post(
        f"/api/v1/reviews/{task['id']}/return",
        headers=org.isb,
        json={"comment": " ", "version": answered["version"]},
    )
    assert no_reason.status_code == 400
    returned = client.post(
        f"/api/v1/reviews/{task['id']}/return",
        headers=org.isb,
        json={"comment": "Bitte Verfügbarkeit begründen", "version": answered["version"]},
    ).json()
    assert returned["state"] == "zurueckgegeben"
    again = client.post(
        f"/api/v1/reviews/{task['id']}/answer",
        headers=org.verkehr,
        json={"unchanged": True, "comment": "Begründung ergänzt", "version": returned["version"]},
    )
    assert again.status_code == 200 and again.json()["state"] == "beantwortet"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"unchanged": False, "proposed": {}}, 400),
        ({"unchanged": False, "proposed": {"name": "Neu"}}, 400),
        ({"unchanged": True}, 422),  # no version
        ({"unchanged": True, "evidence_id": 999999}, 400),
    ],
)
def test_bad_answers(client: TestClient, org: Org, inbox: dict, body: dict, status: int) -> None:
    task = _protection_task(client, org)
    if status != 422:
        body = {**body, "version": task["version"]}
    response = client.post(f"/api/v1/reviews/{task['id']}/answer", headers=org.verkehr, json=body)
    assert response.status_code == status, response.text
    assert tasks(client, org.isb, state="offen")[0]["state"] == "offen"


def test_changes_to_an_object_that_changed_meanwhile_are_refused(
    client: TestClient, org: Org, inbox: dict
) -> None:
    task = next(t for t in tasks(client, org.verkehr) if t["subject"] == "risk")
    answered = client.post(
        f"/api/v1/reviews/{task['id']}/answer",
        headers=org.verkehr,
        json={"unchanged": False, "proposed": {"frequency": "selten"}, "version": task["version"]},
    ).json()
    client.patch(
        f"/api/v1/risks/{inbox['risk']['id']}", headers=org.isb, json={"impact": "begrenzt"}
    )
    refused = client.post(
        f"/api/v1/reviews/{task['id']}/accept",
        headers=org.isb,
        json={"version": answered["version"]},
    )
    assert refused.status_code == 409
    risk = client.get(f"/api/v1/risks/{inbox['risk']['id']}", headers=org.isb).json()
    assert risk["frequency"] == "mittel"  # nothing applied


def test_only_the_isb_decides_and_edits_policies(client: TestClient, org: Org, inbox: dict) -> None:
    task = _protection_task(client, org)
    decided = client.post(
        f"/api/v1/reviews/{task['id']}/accept", headers=org.verkehr, json={"version": 1}
    )
    assert decided.status_code == 403
    policies = client.get("/api/v1/review-policies", headers=org.auditor).json()
    assert {p["name"] for p in policies} >= {"schutzbedarf", "offene-risiken", "kritis-nachweis"}
    yearly = next(p for p in policies if p["name"] == "schutzbedarf")
    changed = client.patch(
        f"/api/v1/review-policies/{yearly['id']}",
        headers=org.isb,
        json={"interval_months": 24, "version": yearly["version"]},
    )
    assert changed.status_code == 200 and changed.json()["interval_months"] == 24
    bad = client.patch(
        f"/api/v1/review-policies/{yearly['id']}",
        headers=org.isb,
        json={"condition": {"min_level": 9}},
    )
    assert bad.status_code == 400
    refused = client.patch(
        f"/api/v1/review-policies/{yearly['id']}", headers=org.verkehr, json={"active": False}
    )
    assert refused.status_code == 403
    dry = client.post("/api/v1/review-policies/run?dry_run=true", headers=org.isb).json()
    assert set(dry) >= {"schutzbedarf", "offene-risiken"}


def test_an_object_changed_before_the_answer_is_fine(
    client: TestClient, org: Org, inbox: dict
) -> None:
    task = next(t for t in tasks(client, org.verkehr) if t["subject"] == "risk")
    client.patch(
        f"/api/v1/risks/{inbox['risk']['id']}", headers=org.isb, json={"scenario": "Neu gefasst"}
    )
    answered = client.post(
        f"/api/v1/reviews/{task['id']}/answer",
        headers=org.verkehr,
        json={"unchanged": False, "proposed": {"frequency": "selten"}, "version": task["version"]},
    ).json()
    accepted = client.post(
        f"/api/v1/reviews/{task['id']}/accept",
        headers=org.isb,
        json={"version": answered["version"]},
    )
    assert accepted.status_code == 200, accepted.text
    risk = client.get(f"/api/v1/risks/{inbox['risk']['id']}", headers=org.isb).json()
    assert risk["frequency"] == "selten"
    notices = client.get("/api/v1/notifications", headers=org.isb).json()
    assert [n["kind"] for n in notices] == ["beantwortet"]


@pytest.mark.parametrize(
    "proposed",
    [
        {"confidentiality": ["hoch"]},
        {"confidentiality": "mittel"},
        {"justification": "Nur eine Begründung"},
        {"availability": 3},
        {"availability": "x" * 5000},
    ],
)
def test_proposals_are_checked_when_the_department_answers(
    client: TestClient, org: Org, inbox: dict, proposed: dict
) -> None:
    task = _protection_task(client, org)
    response = client.post(
        f"/api/v1/reviews/{task['id']}/answer",
        headers=org.verkehr,
        json={"unchanged": False, "proposed": proposed, "version": task["version"]},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_input"


def test_a_risk_proposal_outside_the_matrix_is_refused(
    client: TestClient, org: Org, inbox: dict
) -> None:
    task = next(t for t in tasks(client, org.verkehr) if t["subject"] == "risk")
    response = client.post(
        f"/api/v1/reviews/{task['id']}/answer",
        headers=org.verkehr,
        json={"unchanged": False, "proposed": {"frequency": "oft"}, "version": task["version"]},
    )
    assert response.status_code == 400 and "selten" in response.json()["detail"]


def test_returned_tasks_are_announced_and_tasks_follow_their_object(
    client: TestClient, org: Org, inbox: dict, engine: Engine
) -> None:
    task = _protection_task(client, org)
    answered = client.post(
        f"/api/v1/reviews/{task['id']}/answer",
        headers=org.verkehr,
        json={"unchanged": True, "version": task["version"]},
    ).json()
    client.post(
        f"/api/v1/reviews/{task['id']}/return",
        headers=org.isb,
        json={"comment": "Bitte Verfügbarkeit prüfen", "version": answered["version"]},
    )
    kinds = [n["kind"] for n in client.get("/api/v1/notifications", headers=org.verkehr).json()]
    assert kinds == ["zurueck"]
    # The object moves to another department: its open task goes with it.
    client.patch(
        f"/api/v1/assets/{inbox['scada']['id']}",
        headers=org.isb,
        json={"department_id": org.fw.id},
    )
    generate(engine)
    assert task["id"] in [t["id"] for t in tasks(client, org.feuerwehr)]
    assert task["id"] not in [t["id"] for t in tasks(client, org.verkehr)]
    # Retired, it needs no review any more.
    client.patch(
        f"/api/v1/assets/{inbox['scada']['id']}", headers=org.isb, json={"status": "ausgesondert"}
    )
    generate(engine)
    gone = client.get(f"/api/v1/reviews/{task['id']}", headers=org.isb).json()
    assert gone["state"] == "entfallen"
