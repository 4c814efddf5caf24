"""The GDPR records in the review scheduler: every entry of the record of processing reviewed
yearly by its department, a signed-off impact assessment before its review date; the DPO
decides these reviews and hears when they are late, not the ISB."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlmodel import col

from isms.database import session_scope
from isms.identity.models import User
from privacy.models import Dpia
from reviews import generation, notify
from reviews.models import ReviewNotice, ReviewPolicy
from tests.privacy.conftest import Org, activity
from tests.privacy.test_dpia_routes import assessment

DEC = date(2026, 12, 15)


def _generate(engine: Engine, today: date, *names: str) -> None:
    with session_scope(engine) as session:
        generation.ensure_default_policies(session)
        # the policies exist since before the period, as in a running installation
        before = datetime.combine(today - timedelta(days=400), time(), tzinfo=UTC)
        session.execute(update(ReviewPolicy).values(created_at=before))
        generation.generate(session, today=today, names=list(names))


def _tasks(client: TestClient, headers: dict, subject: str) -> list[dict]:
    found = client.get("/api/v1/reviews", headers=headers, params={"limit": 100}).json()
    return [t for t in found["items"] if t["subject"] == subject]


def test_the_record_is_reviewed_yearly_and_the_dpo_decides(
    client: TestClient, org: Org, dpo: dict[str, str], engine: Engine
) -> None:
    for name, status in (("Melderegister", "aktiv"), ("Altregister", "eingestellt")):
        made = client.post(
            "/api/v1/processing-activities",
            headers=dpo,
            json=activity(org.vt.id, name=name, status=status),
        )
        assert made.status_code == 201, made.text
    _generate(engine, DEC, "verarbeitungen")
    tasks = _tasks(client, org.verkehr, "processing")
    assert [t["object_label"] for t in tasks] == ["VVT-0001 Melderegister"]  # not the ended one
    assert _tasks(client, org.feuerwehr, "processing") == []
    task = tasks[0]
    answered = client.post(
        f"/api/v1/reviews/{task['id']}/answer",
        headers=org.verkehr,
        json={"unchanged": True, "comment": "Unverändert", "version": task["version"]},
    )
    assert answered.status_code == 200, answered.text
    decision = {"comment": "Geprüft", "version": answered.json()["version"]}
    by_isb = client.post(f"/api/v1/reviews/{task['id']}/accept", headers=org.isb, json=decision)
    assert by_isb.status_code == 403 and "dpo" in by_isb.json()["detail"]
    accepted = client.post(f"/api/v1/reviews/{task['id']}/accept", headers=dpo, json=decision)
    assert accepted.status_code == 200 and accepted.json()["state"] == "angenommen"
    # the answer reached the DPO (not the ISB), as does the escalation of a late review
    with session_scope(engine, write=False) as session:
        heard = session.execute(
            select(col(User.username), col(ReviewNotice.kind)).join(
                User, col(User.id) == col(ReviewNotice.user_id)
            )
        ).all()
    assert ("dsb", "beantwortet") in [(u, k.value) for u, k in heard]
    assert "isb" not in {u for u, _ in heard}


def test_an_overdue_record_review_escalates_to_the_dpo(
    client: TestClient, org: Org, dpo: dict[str, str], engine: Engine
) -> None:
    client.post("/api/v1/processing-activities", headers=dpo, json=activity(org.vt.id))
    _generate(engine, DEC, "verarbeitungen")
    with session_scope(engine) as session:
        notify.plan(session, today=date(2027, 1, 1))
        heard = session.execute(
            select(col(User.username), col(ReviewNotice.kind)).join(
                User, col(User.id) == col(ReviewNotice.user_id)
            )
        ).all()
    assert sorted((u, k.value) for u, k in heard) == [("dsb", "eskalation"), ("verkehr", "neu")]


def test_a_signed_off_assessment_is_reviewed_before_its_date(
    client: TestClient, org: Org, dpo: dict[str, str], engine: Engine
) -> None:
    cameras = client.post(
        "/api/v1/processing-activities", headers=dpo, json=activity(org.vt.id)
    ).json()
    opened = client.post(
        "/api/v1/dpias", headers=dpo, json={"activity_id": cameras["id"], "criteria": ["art35_3_c"]}
    ).json()
    one = f"/api/v1/dpias/{opened['id']}"
    client.put(one, headers=dpo, json=assessment(1))
    client.post(f"{one}/opinion", headers=dpo, json={"opinion": "Einverstanden."})
    review_on = date.today() + timedelta(days=20)
    signed = client.post(f"{one}/sign-off", headers=org.verkehr, json={"review_on": str(review_on)})
    assert signed.status_code == 200, signed.text
    _generate(engine, date.today() - timedelta(days=30), "dsfa")  # not yet within 30 days
    assert _tasks(client, dpo, "dpia") == []
    _generate(engine, date.today(), "dsfa")
    [task] = _tasks(client, org.verkehr, "dpia")
    assert task["object_label"] == "DSFA-0001 Melderegister"
    assert task["due_date"] == str(review_on)
    # signed off again (the review done), the next date lies a year on: the task is obsolete
    client.post(f"{one}/sign-off", headers=org.verkehr, json={})
    _generate(engine, date.today(), "dsfa")
    with session_scope(engine, write=False) as session:
        dpia = session.scalars(select(Dpia)).one()
        assert dpia.review_on == date.today() + timedelta(days=365)
    assert client.get(f"/api/v1/reviews/{task['id']}", headers=dpo).json()["state"] == "entfallen"
