"""The pages of the risk analysis: forms with an error summary, the heat map with text and a
table, acceptance, measures by departments, the implementation plan."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import csrf_from
from tests.risk.analysis.conftest import Org, create_asset, later, make_risk


def test_a_risk_is_created_through_the_form(
    client: TestClient, org: Org, threats: dict[str, int], login_ui
) -> None:
    asset = create_asset(client, org, "SCADA-1", "ICS/OT-Systeme", org.vt, kritis_critical=True)
    ui = login_ui("isb")
    page = ui.get(f"/risks/new?asset_id={asset['id']}&threat_id={threats['G 0.39']}")
    assert page.status_code == 200
    assert 'value="SCADA-1"' in page.text and "G 0.39 Schadprogramme" in page.text
    bad = ui.post(
        "/risks/new",
        data={
            "csrf_token": csrf_from(page.text),
            "asset": "SCADA-1",
            "threat_id": str(threats["G 0.39"]),
            "title": "Ransomware",
            "frequency": "oft",
            "impact": "begrenzt",
        },
    )
    assert bad.status_code == 400
    assert 'class="error-summary"' in bad.text
    assert "Unbekannte Stufe" in bad.text or "Bitte mindestens einen" in bad.text
    ok = ui.post(
        "/risks/new",
        data={
            "csrf_token": csrf_from(page.text),
            "asset": "SCADA-1",
            "threat_id": str(threats["G 0.39"]),
            "title": "Ransomware im Leitsystem",
            "availability": "ja",
            "frequency": "häufig",
            "impact": "existenzbedrohend",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303, ok.text
    detail = ui.get(ok.headers["location"])
    assert "Ransomware im Leitsystem" in detail.text and "sehr hoch" in detail.text
    assert "Angelegt" in detail.text  # the history


def test_heatmap_has_text_in_every_cell_and_a_table(
    client: TestClient, org: Org, threats: dict[str, int], login_ui
) -> None:
    asset = create_asset(client, org, "SCADA-1", "ICS/OT-Systeme", org.vt)
    make_risk(client, org, asset["id"], threats["G 0.39"], frequency="häufig", impact="begrenzt")
    ui = login_ui("auditor")
    page = ui.get("/risks/heatmap")
    assert page.status_code == 200
    svg = page.text[page.text.index("<svg") : page.text.index("</svg>")]
    assert svg.count('class="category"') == 16  # every cell names its category in text
    assert 'href="/risks?basis=gross' in svg and "impact=begrenzt" in svg
    assert "<table>" in page.text and "Auswirkung \\ Eintrittshäufigkeit" in page.text
    listed = ui.get("/risks?frequency=h%C3%A4ufig&impact=begrenzt")
    assert "Ausfall durch Schadsoftware" in listed.text


def test_acceptance_form_names_missing_fields(
    client: TestClient, org: Org, threats: dict[str, int], login_ui
) -> None:
    asset = create_asset(client, org, "BUERO-1", "Anwendungen", org.fw)
    risk = make_risk(client, org, asset["id"], threats["G 0.1"])
    ui = login_ui("isb")
    page = ui.get(f"/risks/{risk['id']}/accept")
    refused = ui.post(
        f"/risks/{risk['id']}/accept",
        data={"csrf_token": csrf_from(page.text), "approver": "", "justification": "x"},
    )
    assert refused.status_code == 400
    assert 'href="#field-approver"' in refused.text or 'href="#field-expires_on"' in refused.text
    accepted = ui.post(
        f"/risks/{risk['id']}/accept",
        data={
            "csrf_token": csrf_from(page.text),
            "approver": "Oberbürgermeister",
            "justification": "Restrisiko ist tragbar.",
            "expires_on": later(100),
        },
        follow_redirects=False,
    )
    assert accepted.status_code == 303, accepted.text
    detail = ui.get(accepted.headers["location"])
    assert "Akzeptiert von Oberbürgermeister" in detail.text


def test_department_updates_its_measure_and_sees_the_plan(
    client: TestClient, org: Org, threats: dict[str, int], login_ui
) -> None:
    asset = create_asset(client, org, "SCADA-1", "ICS/OT-Systeme", org.vt)
    risk = make_risk(client, org, asset["id"], threats["G 0.39"])
    measure = client.post(
        "/api/v1/measures",
        headers=org.isb,
        json={"risk_id": risk["id"], "title": "Netzsegmentierung", "due_date": later(-1)},
    ).json()
    ui = login_ui("verkehr")
    plan = ui.get("/plan")
    assert "Netzsegmentierung" in plan.text and "überfällig" in plan.text
    assert 'class="row-overdue"' in plan.text
    detail = ui.get(f"/risks/{risk['id']}")
    assert f'action="/measures/{measure["id"]}"' in detail.text
    assert "Risiko akzeptieren" not in detail.text  # the ISB's decision
    done = ui.post(
        f"/measures/{measure['id']}",
        data={
            "csrf_token": csrf_from(detail.text),
            "status": "umgesetzt",
            "version": str(measure["version"]),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert "Netzsegmentierung" not in ui.get("/plan").text


def test_threat_overview_form(
    client: TestClient, org: Org, threats: dict[str, int], login_ui
) -> None:
    asset = create_asset(client, org, "SCADA-1", "ICS/OT-Systeme", org.vt)
    ui = login_ui("isb")
    page = ui.get(f"/risks/assets/{asset['id']}/threats")
    assert page.status_code == 200
    assert len(re.findall(r'name="relevant"', page.text)) == 47
    saved = ui.post(
        f"/risks/assets/{asset['id']}/threats",
        data={
            "csrf_token": csrf_from(page.text),
            "relevant": [str(threats["G 0.44"])],
            f"note-{threats['G 0.44']}": "Leitwarte ebenerdig",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    again = ui.get(saved.headers["location"])
    assert "Leitwarte ebenerdig" in again.text


def test_own_threat_through_the_form(client: TestClient, org: Org, login_ui) -> None:
    ui = login_ui("isb")
    page = ui.get("/threats")
    bad = ui.post("/threats", data={"csrf_token": csrf_from(page.text), "ref": "G 0.50"})
    assert bad.status_code == 400 and 'class="error-summary"' in bad.text
    ok = ui.post(
        "/threats",
        data={"csrf_token": csrf_from(page.text), "ref": "ZG 1", "name": "Drohnenüberflug"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert "Drohnenüberflug" in ui.get("/threats").text


def test_dashboard_shows_risks_by_category_and_overdue_measures(
    client: TestClient, org: Org, threats: dict[str, int], login_ui
) -> None:
    asset = create_asset(client, org, "SCADA-1", "ICS/OT-Systeme", org.vt)
    risk = make_risk(client, org, asset["id"], threats["G 0.39"], frequency="häufig")
    client.post(
        "/api/v1/measures",
        headers=org.isb,
        json={"risk_id": risk["id"], "title": "Segmentierung", "due_date": later(-2)},
    )
    page = login_ui("isb").get("/")
    assert "Risiken nach Kategorie" in page.text
    assert "1 Maßnahmen im Realisierungsplan überfällig" in page.text
    assert 'href="/risks?category=hoch"' in page.text


def test_a_department_answers_its_measure_on_another_departments_risk_from_the_plan(
    client: TestClient, org: Org, threats: dict[str, int], login_ui
) -> None:
    asset = create_asset(client, org, "SCADA-1", "ICS/OT-Systeme", org.vt)
    risk = make_risk(client, org, asset["id"], threats["G 0.9"])
    measure = client.post(
        "/api/v1/measures",
        headers=org.isb,
        json={"risk_id": risk["id"], "title": "Zweiter Funkweg", "owner_department_id": org.fw.id},
    ).json()
    ui = login_ui("feuerwehr")
    assert ui.get(f"/risks/{risk['id']}").status_code == 404  # the risk is Verkehr's
    plan = ui.get("/plan")
    assert "Zweiter Funkweg" in plan.text and f'action="/measures/{measure["id"]}"' in plan.text
    stale = ui.post(
        f"/measures/{measure['id']}",
        data={"csrf_token": csrf_from(plan.text), "status": "umgesetzt", "version": "99"},
        follow_redirects=False,
    )
    assert stale.headers["location"] == "/plan?not_saved=1"
    done = ui.post(
        f"/measures/{measure['id']}",
        data={
            "csrf_token": csrf_from(plan.text),
            "status": "umgesetzt",
            "version": str(measure["version"]),
            "back": "plan",
        },
        follow_redirects=False,
    )
    assert done.headers["location"] == "/plan?saved=1"
    assert "Zweiter Funkweg" not in ui.get("/plan").text
    # The Verkehr department sees what is done against its risk, but records progress only
    # on its own measures.
    verkehr = login_ui("verkehr").get(f"/risks/{risk['id']}")
    assert verkehr.status_code == 200 and "Zweiter Funkweg" in verkehr.text
    assert f'action="/measures/{measure["id"]}"' not in verkehr.text
    foreign = client.patch(
        f"/api/v1/measures/{measure['id']}", headers=org.verkehr, json={"status": "geplant"}
    )
    assert foreign.status_code == 404
    assert client.get(f"/api/v1/measures/{measure['id']}", headers=org.verkehr).status_code == 200


def test_pages_take_odd_numbers_without_failing(client: TestClient, org: Org, login_ui) -> None:
    ui = login_ui("isb")
    for path in (
        "/risks?department_id=%C2%B2",
        "/risks?department_id=99999999999999999999999",
        "/plan?department_id=99999999999999999999999&priority=7",
        "/risks/heatmap?department_id=-1",
    ):
        assert ui.get(path).status_code == 200, path


def test_requirements_are_named_by_ref_in_the_edit_form(
    client: TestClient, org: Org, threats: dict[str, int], login_ui
) -> None:
    asset = create_asset(client, org, "SCADA-1", "ICS/OT-Systeme", org.vt)
    risk = make_risk(client, org, asset["id"], threats["G 0.39"])
    ui = login_ui("isb")
    page = ui.get(f"/risks/{risk['id']}")
    refused = ui.post(
        f"/risks/{risk['id']}/edit",
        data={
            "csrf_token": csrf_from(page.text),
            "form": "edit",
            "title": risk["title"],
            "availability": "ja",
            "frequency": "mittel",
            "impact": "begrenzt",
            "requirements": "XYZ.9",
            "version": str(risk["version"]),
        },
    )
    assert refused.status_code == 400
    assert "XYZ.9" in refused.text and 'href="#field-requirements"' in refused.text
