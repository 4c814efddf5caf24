"""The GDPR forms in the browser's terms (HTML forms, no JavaScript): the guided form of the
record of processing with its error summary and repeatable rows, the impact assessment's steps
(threshold check, assessment, opinion, sign-off), and the incident form."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from isms.clock import LOCAL, utcnow
from isms.identity.models import Role
from tests.conftest import csrf_from
from tests.factories import auth, make_user
from tests.privacy.conftest import Org, create_asset

COMPLETE = {
    "name": "Hundesteuer",
    "status": "aktiv",
    "controller": "Landeshauptstadt Hannover, Trammplatz 2",
    "dpo_contact": "datenschutz@hannover-stadt.de",
    "purposes": "Erhebung der Hundesteuer",
    "legal_bases": ["art6_1_c", "art6_1_e"],
    "legal_basis_note": "Hundesteuersatzung",
    "data_subjects": "Halterinnen und Halter\nZahlungspflichtige",
    "category_rows": "2",
    "category_name_0": "Name, Anschrift",
    "category_erasure_0": "10 Jahre",
    "category_name_1": "",
    "category_erasure_1": "",
    "recipient_rows": "1",
    "recipient_name_0": "Stadtkasse",
    "recipient_kind_0": "intern",
    "recipient_contract_0": "",
    "transfer_rows": "1",
}


def _form(ui: TestClient, path: str) -> str:
    page = ui.get(path)
    assert page.status_code == 200, page.text[:300]
    return csrf_from(page.text)


def test_the_record_form_guides_names_the_problems_and_keeps_the_input(
    client: TestClient, org: Org, engine: Engine, login_ui
) -> None:
    make_user(engine, role=Role.DPO, username="dsb", departments=[])
    create_asset(client, org, "HUND-1", "Anwendungen", org.vt)
    ui = login_ui("dsb")
    token = _form(ui, "/processing-activities/new")
    base = {"csrf_token": token, "department_id": str(org.vt.id)}
    # nothing filled in: the summary names each missing field, linked to it
    empty = ui.post("/processing-activities/new", data=base)
    assert empty.status_code == 400
    summary = empty.text.split('class="error-summary"')[1].split("</div>")[0]
    for label in ("Bezeichnung", "Verantwortlicher", "Zwecke der Verarbeitung", "Rechtsgrundlagen"):
        assert label in summary
    assert 'href="#field-legal_bases"' in summary and 'id="field-legal_bases"' in empty.text
    # another row wanted: the form comes back with it, nothing saved, the input kept
    more = ui.post("/processing-activities/new", data={**base, **COMPLETE, "add": "recipient"})
    assert more.status_code == 200 and 'name="recipient_name_1"' in more.text
    assert "Stadtkasse" in more.text and "error-summary" not in more.text
    # a processor without its contract, an unknown object: named
    bad = ui.post(
        "/processing-activities/new",
        data={**base, **COMPLETE, "recipient_kind_0": "auftragsverarbeiter", "assets": "NIX-9"},
    )
    assert bad.status_code == 400 and "NIX-9" in bad.text and "Hundesteuersatzung" in bad.text
    # as a browser sends it: the empty recipient row below carries its preset kind
    saved = ui.post(
        "/processing-activities/new",
        data={
            **base,
            **COMPLETE,
            "assets": "HUND-1",
            "recipient_rows": "2",
            "recipient_kind_1": "intern",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text[:2000]
    page = ui.get(saved.headers["location"]).text
    assert "Hundesteuer" in page and "Art. 6 Abs. 1 lit. c DSGVO" in page
    assert "Zahlungspflichtige" in page and "HUND-1" in page and "10 Jahre" in page
    number = re.search(r"/processing-activities/(\d+)", saved.headers["location"]).group(1)
    edit = ui.get(f"/processing-activities/{number}/edit").text
    assert "Halterinnen und Halter\nZahlungspflichtige" in edit and 'value="HUND-1"' in edit
    assert 'name="category_name_1"' in edit  # room for another row
    stale = ui.post(
        f"/processing-activities/{number}/edit",
        data={**base, **COMPLETE, "version": "99"},
    )
    assert stale.status_code == 400 and "error-summary" in stale.text
    listed = ui.get("/processing-activities", params={"q": "hund"}).text
    assert "VVT-0001" in listed and "Hundesteuer" in listed
    # the fire brigade neither sees it nor can pick the traffic department
    fire = login_ui("feuerwehr")
    assert fire.get(f"/processing-activities/{number}").status_code == 404
    assert str(org.vt.id) not in re.findall(
        r'<option value="(\d+)"', fire.get("/processing-activities/new").text
    )


def test_the_assessment_through_its_steps(
    client: TestClient, org: Org, engine: Engine, login_ui
) -> None:
    make_user(engine, role=Role.DPO, username="dsb", departments=[])
    ui = login_ui("verkehr")
    token = _form(ui, "/processing-activities/new")
    made = ui.post(
        "/processing-activities/new",
        data={"csrf_token": token, "department_id": str(org.vt.id), **COMPLETE},
        follow_redirects=False,
    )
    entry = made.headers["location"].split("?")[0]
    number = entry.rsplit("/", 1)[1]
    page = ui.get(entry).text
    assert "Schwellwertanalyse" in page and "Art. 35 Abs. 3 lit. c" in page
    unknown = ui.post(
        "/dpias/new", data={"csrf_token": token, "activity_id": number, "criteria": "erfunden"}
    )
    assert unknown.status_code == 400 and "erfunden" in unknown.text
    opened = ui.post(
        "/dpias/new",
        data={
            "csrf_token": token,
            "activity_id": number,
            "criteria": ["wp248_monitoring", "wp248_large_scale"],
        },
        follow_redirects=False,
    )
    assert opened.status_code == 303
    dpia = opened.headers["location"].split("?")[0]
    shown = ui.get(dpia).text
    assert "Ergebnis: Eine Datenschutz-Folgenabschätzung ist erforderlich." in shown
    assessment = {
        "csrf_token": token,
        "version": "1",
        "criteria": ["wp248_monitoring", "wp248_large_scale"],
        "description": "Halterdaten aus dem Register",
        "purposes": "Steuer",
        "necessity": "Gesetzlich vorgeschrieben",
        "measures": "Zugriffskonzept",
        "risk_rows": "1",
        "risk_title_0": "Offenlegung",
        "risk_likelihood_0": "2",
        "risk_severity_0": "9",  # not a step
        "risk_residual_likelihood_0": "1",
        "risk_residual_severity_0": "2",
    }
    wrong = ui.post(dpia, data=assessment)
    assert wrong.status_code == 400 and "error-summary" in wrong.text
    assert "Offenlegung" in wrong.text  # the input kept
    more = ui.post(dpia, data={**assessment, "add": "risk"})
    assert 'name="risk_title_1"' in more.text
    saved = ui.post(dpia, data={**assessment, "risk_severity_0": "3"}, follow_redirects=False)
    assert saved.status_code == 303
    shown = ui.get(dpia).text
    assert "überschaubar × substanziell = Risiko" in shown and "Stellungnahme" in shown
    # the department cannot sign before the DPO's opinion: said at the sign-off form
    early = ui.post(f"{dpia}/sign-off", data={"csrf_token": token, "version": "2"})
    assert early.status_code == 400 and "Stellungnahme" in early.text
    dpo = login_ui("dsb")
    dpo_token = _form(dpo, dpia)
    assert (
        dpo.post(
            f"{dpia}/opinion",
            data={"csrf_token": dpo_token, "opinion": "Keine Bedenken."},
            follow_redirects=False,
        ).status_code
        == 303
    )
    ui = login_ui("verkehr")
    token = _form(ui, dpia)
    signed = ui.post(f"{dpia}/sign-off", data={"csrf_token": token}, follow_redirects=False)
    assert signed.status_code == 303
    assert "freigegeben" in ui.get(dpia).text
    listed = ui.get("/dpias").text
    assert "DSFA-0001" in listed
    assert ui.get(f"{dpia}/dsfa.pdf").headers["content-type"] == "application/pdf"


def test_a_department_reports_an_incident_through_the_form(
    client: TestClient, org: Org, engine: Engine, login_ui
) -> None:
    ui = login_ui("verkehr")
    token = _form(ui, "/incidents/new")
    now = utcnow().astimezone(LOCAL)

    def local(moment: object) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M")  # type: ignore[attr-defined]

    body = {
        "csrf_token": token,
        "title": "Ausfall der Verkehrsrechner-Verbindung",
        "department_id": str(org.vt.id),
        "severity": "hoch",
        "detected_at": local(now - timedelta(hours=2)),
        "aware_at": local(now - timedelta(hours=3)),  # before it was detected
    }
    wrong = ui.post("/incidents/new", data=body)
    assert wrong.status_code == 400 and 'href="#field-aware_at"' in wrong.text
    assert "Ausfall der Verkehrsrechner-Verbindung" in wrong.text
    assert 'name="risk_to_rights"' not in ui.get("/incidents/new").text  # not offered to them
    saved = ui.post(
        "/incidents/new",
        data={**body, "aware_at": local(now - timedelta(hours=1)), "kritis": "ja"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text[:3000]
    page = ui.get(saved.headers["location"]).text
    assert "Frühwarnung" in page and "Vorfall bearbeiten" in page
    one = saved.headers["location"].split("?")[0]
    edit = ui.get(one + "/edit").text
    assert local(now - timedelta(hours=1)) in edit  # shown in the city's time
    # the ISB assesses and notifies through the API, to the second; the department's unchanged
    # save of its form (which shows minutes and not the assessment) keeps all of it
    number = one.rsplit("/", 1)[1]
    isb = auth(client, "isb")
    current = client.get(f"/api/v1/incidents/{number}", headers=isb).json()
    precise = (utcnow() - timedelta(minutes=30)).replace(microsecond=0).isoformat()
    keys = ("title", "department_id", "severity", "status", "detected_at", "aware_at", "kritis")
    assessed = client.put(
        f"/api/v1/incidents/{number}",
        headers=isb,
        json={
            **{k: current[k] for k in keys},
            "aware_at": (utcnow() - timedelta(minutes=59, seconds=17)).isoformat(),
            "early_warning_at": precise,
            "version": current["version"],
        },
    )
    assert assessed.status_code == 200, assessed.text
    ui = login_ui("verkehr")
    page = ui.get(one + "/edit").text
    form = dict(re.findall(r'<input[^>]* name="([a-z_]+)"[^>]* value="([^"]*)"', page))
    form.update(csrf_token=csrf_from(page), title="Ausfall, Ursache gefunden", severity="hoch")
    form.update(status="offen", department_id=str(org.vt.id), kritis="ja")
    kept = ui.post(one + "/edit", data=form, follow_redirects=False)
    assert kept.status_code == 303, kept.text[kept.text.find("error-summary") :][:600]
    after = client.get(f"/api/v1/incidents/{number}", headers=isb).json()
    assert after["title"] == "Ausfall, Ursache gefunden"
    assert after["aware_at"] == assessed.json()["aware_at"]  # to the second
    assert after["early_warning_at"] == assessed.json()["early_warning_at"]


def test_the_dpo_keeps_the_threshold_criteria_on_a_page(
    client: TestClient, org: Org, engine: Engine, login_ui
) -> None:
    make_user(engine, role=Role.DPO, username="dsb", departments=[])
    ui = login_ui("dsb")
    token = _form(ui, "/dpias/criteria")
    assert "art35_3_a" in ui.get("/dpias/criteria").text
    bad = ui.post(
        "/dpias/criteria", data={"csrf_token": token, "code": "Große Liste", "kind": "muss"}
    )
    assert (
        bad.status_code == 400
        and 'href="#field-code"' in bad.text
        and 'href="#field-title"' in bad.text
    )
    added = ui.post(
        "/dpias/criteria",
        data={
            "csrf_token": token,
            "code": "dsk_muss_07",
            "title": "Videoüberwachung",
            "kind": "muss",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    twice = ui.post(
        "/dpias/criteria",
        data={"csrf_token": token, "code": "dsk_muss_07", "title": "Noch einmal", "kind": "muss"},
    )
    assert twice.status_code == 400 and "dsk_muss_07" in twice.text
    off = ui.post("/dpias/criteria/dsk_muss_07", data={"csrf_token": token}, follow_redirects=False)
    assert off.status_code == 303 and "abgeschaltet" in ui.get("/dpias/criteria").text
    builtin = ui.post("/dpias/criteria/art35_3_a", data={"csrf_token": token})
    assert builtin.status_code == 404
    # departments read the list, without the forms
    department = login_ui("verkehr").get("/dpias/criteria").text
    assert "dsk_muss_07" in department and 'action="/dpias/criteria"' not in department
