"""The incident pages: the register with each incident's next deadline in words, the incident
with its clocks, the dashboard panel of open deadlines; departments see their own."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.privacy.conftest import Org, activity
from tests.privacy.test_incident_routes import at, incident
from tests.reports.test_reports import text_of


def test_the_register_and_the_incident_show_the_clocks_in_words(
    client: TestClient, org: Org, dpo: dict[str, str], login_ui
) -> None:
    running = client.post(
        "/api/v1/incidents",
        headers=dpo,
        json=incident(org.vt.id, personal_data=True, risk_to_rights="risiko"),
    ).json()
    four_days_ago = at(100)
    overdue = client.post(
        "/api/v1/incidents",
        headers=dpo,
        json=incident(
            org.fw.id,
            title="Fehlversand von Einsatzberichten",
            occurred_at=None,
            detected_at=four_days_ago,
            aware_at=four_days_ago,
            personal_data=True,
        ),
    ).json()
    quiet = client.post(
        "/api/v1/incidents", headers=dpo, json=incident(org.vt.id, title="Stromausfall RZ")
    ).json()
    ui = login_ui("dsb")
    page = ui.get("/incidents")
    assert page.status_code == 200
    html = page.text
    assert "Meldung an die Aufsichtsbehörde (Art. 33 DSGVO): <span" in html
    assert "noch 62 Std." in html  # 72 h from 10 h ago, rounded up
    assert "überfällig</span>" in html and "seit 29 Std." in html  # 100 h - 72 h, rounded up
    assert 'class="row-overdue"' in html and quiet["ref"] in html
    one = ui.get(f"/incidents/{running['id']}").text
    assert "Fristen" in one and "läuft" in one and "Ransomware" in one
    assert "Datenschutzverletzung" in one
    calm = ui.get(f"/incidents/{quiet['id']}").text
    assert "keine gesetzliche Frist" in calm
    dashboard = ui.get("/").text
    assert (
        "Fristen aus Vorfällen" in dashboard and "2 offene Fristen, davon 1 überfällig" in dashboard
    )
    assert overdue["ref"] in dashboard
    breaches = ui.get("/incidents", params={"breach": "nein"}).text
    assert quiet["ref"] in breaches and running["ref"] not in breaches


def test_departments_see_their_own_incidents_only(
    client: TestClient, org: Org, dpo: dict[str, str], login_ui
) -> None:
    theirs = client.post("/api/v1/incidents", headers=dpo, json=incident(org.fw.id)).json()
    mine = client.post("/api/v1/incidents", headers=dpo, json=incident(org.vt.id)).json()
    ui = login_ui("verkehr")
    html = ui.get("/incidents").text
    assert mine["ref"] in html and theirs["ref"] not in html
    assert ui.get(f"/incidents/{theirs['id']}").status_code == 404
    assert ui.get("/incidents/99999999999").status_code in (404, 422)


def test_the_art_33_notification_draft_has_every_item(
    client: TestClient, org: Org, dpo: dict[str, str], tmp_path: Path, login_ui
) -> None:
    record = client.post(
        "/api/v1/processing-activities", headers=dpo, json=activity(org.vt.id)
    ).json()
    breach = client.post(
        "/api/v1/incidents",
        headers=dpo,
        json=incident(
            org.vt.id,
            activity_ids=[record["id"]],
            personal_data=True,
            risk_to_rights="risiko",
            nature="Fehlversand von Meldebescheinigungen",
            subject_categories="Einwohnerinnen und Einwohner",
            subjects_count=14,
            measures="Rückruf, Schulung",
        ),
    ).json()
    draft = client.get(f"/api/v1/incidents/{breach['id']}/notification-draft", headers=org.verkehr)
    assert draft.status_code == 200 and draft.headers["content-type"] == "application/pdf"
    (tmp_path / "draft.pdf").write_bytes(draft.content)
    text = text_of(tmp_path / "draft.pdf")
    assert "Meldung einer Verletzung des Schutzes personenbezogener Daten" in text
    assert "Fehlversand von Meldebescheinigungen" in text and "ungefähr 14" in text
    assert "Trammplatz 2" in text  # the controller of the processing activity concerned
    assert "VVT-0001 Melderegister" in text and "Meldefrist (72 Stunden)" in text
    assert "Noch offen:" in text and "Wahrscheinliche Folgen" in text  # not recorded yet
    assert (
        client.get(
            f"/api/v1/incidents/{breach['id']}/notification-draft", headers=org.feuerwehr
        ).status_code
        == 404
    )
    plain = client.post("/api/v1/incidents", headers=dpo, json=incident(org.vt.id)).json()
    refused = client.get(f"/api/v1/incidents/{plain['id']}/notification-draft", headers=dpo)
    assert refused.status_code == 400 and refused.json()["field"] == "personal_data"
    ui = login_ui("dsb")
    page = ui.get(f"/incidents/{breach['id']}").text
    assert f'href="/incidents/{breach["id"]}/meldung.pdf"' in page
    assert ui.get(f"/incidents/{breach['id']}/meldung.pdf").content.startswith(b"%PDF")
