"""The review pages: a department answers in its inbox, the ISB decides, edits a policy."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from isms.database import session_scope
from reviews import generation, notify
from tests.conftest import csrf_from
from tests.risk.analysis.conftest import Org, create_asset


def _setup(client: TestClient, org: Org, engine: Engine) -> dict:
    scada = create_asset(client, org, "SCADA-1", "ICS/OT-Systeme", org.vt)
    with session_scope(engine) as session:
        generation.generate(session, today=date(2026, 12, 15), names=["schutzbedarf"])
        notify.plan(session, today=date(2026, 12, 15))
    task = client.get("/api/v1/reviews", headers=org.verkehr).json()["items"][0]
    return {"scada": scada, "task": task}


def test_a_department_answers_and_the_isb_accepts(
    client: TestClient, org: Org, engine: Engine, login_ui
) -> None:
    task = _setup(client, org, engine)["task"]
    ui = login_ui("verkehr")
    inbox = ui.get("/reviews")
    assert "SCADA-1" in inbox.text and f'href="/reviews/{task["id"]}"' in inbox.text
    page = ui.get(f"/reviews/{task['id']}")
    assert 'name="unchanged"' in page.text and 'name="proposed-availability"' in page.text
    missing = ui.post(f"/reviews/{task['id']}/answer", data={"csrf_token": csrf_from(page.text)})
    assert missing.status_code == 400 and 'href="#field-unchanged"' in missing.text
    sent = ui.post(
        f"/reviews/{task['id']}/answer",
        data={
            "csrf_token": csrf_from(page.text),
            "unchanged": "nein",
            "proposed-availability": "sehr hoch",
            "proposed-justification": "Steuert die Pumpen bei Starkregen",
            "comment": "Neue Pumpwerke angeschlossen",
            "version": str(task["version"]),
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    isb = login_ui("isb")
    decision = isb.get(f"/reviews/{task['id']}")
    assert "Verfügbarkeit → sehr hoch" in decision.text
    returned = isb.post(
        f"/reviews/{task['id']}/decide",
        data={"csrf_token": csrf_from(decision.text), "decision": "return", "version": "2"},
    )
    assert returned.status_code == 400 and 'href="#field-decision_comment"' in returned.text
    accepted = isb.post(
        f"/reviews/{task['id']}/decide",
        data={"csrf_token": csrf_from(decision.text), "decision": "accept", "version": "2"},
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    done = isb.get(accepted.headers["location"])
    assert "angenommen" in done.text and "Nächste Überprüfung" in done.text
    asset = client.get(f"/api/v1/assets/{_id(client, org)}", headers=org.isb).json()
    assert asset["availability"]["level"] == "sehr hoch"


def _id(client: TestClient, org: Org) -> int:
    return client.get("/api/v1/assets", headers=org.isb).json()["items"][0]["id"]


def test_overview_policies_and_notifications(
    client: TestClient, org: Org, engine: Engine, login_ui
) -> None:
    _setup(client, org, engine)
    isb = login_ui("isb")
    overview = isb.get("/reviews/overview")
    assert "Verkehr und Tiefbau" in overview.text and "0.0 %" in overview.text
    policies = isb.get("/reviews/policies")
    assert "Schutzbedarf jährlich überprüfen" in policies.text
    policy = client.get("/api/v1/review-policies", headers=org.isb).json()[0]
    bad = isb.post(
        f"/reviews/policies/{policy['id']}",
        data={
            "csrf_token": csrf_from(policies.text),
            "title": policy["title"],
            "interval_months": "0",
            "lead_days": "30",
            "active": "ja",
        },
    )
    assert bad.status_code == 400 and 'class="error-summary"' in bad.text
    ok = isb.post(
        f"/reviews/policies/{policy['id']}",
        data={
            "csrf_token": csrf_from(policies.text),
            "title": "Schutzbedarf alle zwei Jahre",
            "interval_months": "24",
            "lead_days": "45",
            "active": "ja",
            "version": str(policy["version"]),
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert "Schutzbedarf alle zwei Jahre" in isb.get("/reviews/policies").text
    verkehr = login_ui("verkehr")
    notices = verkehr.get("/notifications")
    assert "Neue Prüfaufgabe" in notices.text and "SCADA-1" in notices.text
    verkehr.post("/notifications/read", data={"csrf_token": csrf_from(notices.text)})
    assert "<strong>neu:</strong>" not in verkehr.get("/notifications").text
    assert verkehr.get("/reviews/policies").status_code == 200  # read-only for departments
    assert 'action="/reviews/policies/' not in verkehr.get("/reviews/policies").text


def test_an_evidence_review_is_answered_with_a_new_file(
    client: TestClient, org: Org, engine: Engine, settings, login_ui
) -> None:
    import io
    from datetime import timedelta

    from sqlalchemy import func, select

    from controls.evidence import service as evidence
    from controls.evidence.models import Evidence
    from tests.controls import samples

    with session_scope(engine) as session:
        old = evidence.upload(
            session,
            data_dir=settings.data_dir,
            stream=io.BytesIO(samples.pdf()),
            filename="notfallhandbuch.pdf",
            title="Notfallhandbuch Leitwarte",
            valid_until=date.today() + timedelta(days=10),
            department_id=org.vt.id,
            actor="test",
            scope=None,
        )
        generation.generate(session, names=["nachweise"])
    task = client.get("/api/v1/reviews", headers=org.verkehr).json()["items"][0]
    assert task["object_id"] == old.id and task["subject"] == "evidence"
    ui = login_ui("verkehr")
    page = ui.get(f"/reviews/{task['id']}")
    assert 'type="file"' in page.text and 'enctype="multipart/form-data"' in page.text
    fields = {
        "csrf_token": csrf_from(page.text),
        "unchanged": "nein",
        "comment": "Neue Fassung 2027",
        "valid_until": (date.today() + timedelta(days=400)).isoformat(),
        "version": str(task["version"]),
    }
    refused = ui.post(
        f"/reviews/{task['id']}/answer",
        data=fields,
        files={"file": ("virus.exe", b"MZ\x90\x00binary", "application/octet-stream")},
    )
    assert refused.status_code == 400 and 'class="error-summary"' in refused.text
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Evidence)) == 1
    sent = ui.post(
        f"/reviews/{task['id']}/answer",
        data=fields,
        files={"file": ("notfallhandbuch-2027.pdf", samples.pdf() + b"%v2", "application/pdf")},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    answered = client.get(f"/api/v1/reviews/{task['id']}", headers=org.isb).json()
    assert answered["evidence_id"] not in (None, old.id)
    new = client.get(f"/api/v1/evidence/{answered['evidence_id']}", headers=org.isb).json()
    assert new["title"].startswith("Notfallhandbuch") and new["department_id"] == org.vt.id
