"""The record of processing activities as PDF (read back with pdftotext), per department, and
in the evidence pack."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from isms.database import session_scope
from isms.errors import InvalidInput
from isms.settings import Settings
from reports import context, pack, pdf
from tests.privacy.conftest import Org, activity, create_asset
from tests.reports.test_reports import fonts_of, text_of


def test_the_record_as_pdf_whole_and_per_department(
    client: TestClient,
    org: Org,
    dpo: dict[str, str],
    engine: Engine,
    settings: Settings,
    tmp_path: Path,
) -> None:
    server = create_asset(client, org, "MELDE-1", "IT-Systeme", org.vt)
    for department, name, extra in (
        (org.vt.id, "Melderegister", {"asset_ids": [server["id"]]}),
        (
            org.fw.id,
            "Einsatzdokumentation",
            {
                "special_categories": True,
                "legal_bases": ["art6_1_e", "art9_2_h"],
                "transfers": [{"country": "USA", "safeguard": "Standardvertragsklauseln"}],
            },
        ),
    ):
        made = client.post(
            "/api/v1/processing-activities",
            headers=dpo,
            json=activity(department, name=name, **extra),
        )
        assert made.status_code == 201, made.text
    with session_scope(engine, write=False) as session:
        whole = context.build_ropa(session, context.Scope(), "de")
        fire = context.build_ropa(session, context.Scope(department_id=org.fw.id), "de")
        english = context.build_ropa(session, context.Scope(asset_ids=(server["id"],)), "en")
    pdf.render(whole, tmp_path / "ropa.pdf", wide=True)
    text = text_of(tmp_path / "ropa.pdf")
    assert "Verzeichnis von Verarbeitungstätigkeiten" in text and "VVT-0001" in text
    assert "Art. 6 Abs. 1 lit. c DSGVO" in text and "Art. 9 Abs. 2 lit. h DSGVO" in text
    assert "Rechenzentrum Dataport (Auftragsverarbeiter, AV-17)" in text
    assert "USA: Standardvertragsklauseln" in text and "MELDE-1" in text
    assert "b) Vertraulichkeit, Integrität" in text  # the measures by Art. 32(1)
    assert "Freigegeben" in text  # cover with approval fields
    fonts = fonts_of(tmp_path / "ropa.pdf")
    assert fonts and all(embedded == "yes" for _, embedded in fonts)
    pdf.render(fire, tmp_path / "fire.pdf", wide=True)
    fire_text = text_of(tmp_path / "fire.pdf")
    assert "VVT-0002 Einsatzdokumentation" in fire_text and "VVT-0001" not in fire_text
    pdf.render(english, tmp_path / "en.pdf", wide=True)
    english_text = text_of(tmp_path / "en.pdf")
    assert "Record of processing activities" in english_text
    assert "Art. 6(1)(c) GDPR" in english_text and "Einsatzdokumentation" not in english_text
    with session_scope(engine, write=False) as session:
        with pytest.raises(InvalidInput):
            context.build_ropa(session, context.Scope(kritis=True), "de")
        result = pack.build_pack(
            session,
            data_dir=settings.data_dir,
            out=tmp_path / "pack.zip",
            scope=context.Scope(department_id=org.vt.id),
            period=pack.Period(date.today(), date.today()),
        )
    with zipfile.ZipFile(result.path) as archive:
        assert {"reports/ropa.pdf", "data/ropa.csv", "data/ropa.json"} <= set(archive.namelist())
        assert "Melderegister" in archive.read("data/ropa.csv").decode("utf-8-sig")
        assert "VVT-0002" not in archive.read("data/ropa.json").decode()


def test_one_entry_as_pdf_and_the_breaches_documented_in_the_pack(
    client: TestClient,
    org: Org,
    dpo: dict[str, str],
    engine: Engine,
    settings: Settings,
    tmp_path: Path,
) -> None:
    from tests.privacy.test_incident_routes import incident

    create_asset(client, org, "VRZ-1", "Anwendungen", org.vt)
    server = create_asset(client, org, "MELDE-1", "IT-Systeme", org.vt)
    first = client.post(
        "/api/v1/processing-activities",
        headers=dpo,
        json=activity(org.vt.id, asset_ids=[server["id"]]),
    ).json()
    client.post(
        "/api/v1/processing-activities", headers=dpo, json=activity(org.vt.id, name="Zweites")
    )
    one = client.get(f"/api/v1/processing-activities/{first['id']}/report", headers=org.verkehr)
    assert one.status_code == 200 and one.headers["content-type"] == "application/pdf"
    (tmp_path / "one.pdf").write_bytes(one.content)
    text = text_of(tmp_path / "one.pdf")
    assert "VVT-0001" in text and "MELDE-1" in text and "Zweites" not in text
    hidden = client.get(
        f"/api/v1/processing-activities/{first['id']}/report", headers=org.feuerwehr
    )
    assert hidden.status_code == 404
    breach = client.post(
        "/api/v1/incidents",
        headers=dpo,
        json=incident(
            org.vt.id,
            personal_data=True,
            risk_to_rights="kein_risiko",
            authority_reason="Daten waren verschlüsselt; kein Risiko für die Betroffenen",
        ),
    )
    assert breach.status_code == 201, breach.text
    client.post("/api/v1/incidents", headers=dpo, json=incident(org.vt.id, title="Stromausfall"))
    with session_scope(engine, write=False) as session:
        with pytest.raises(InvalidInput):
            context.build_breaches(session, context.Scope(department_id=org.fw.id), "de")
        result = pack.build_pack(
            session,
            data_dir=settings.data_dir,
            out=tmp_path / "pack.zip",
            scope=context.Scope(department_id=org.vt.id),
            period=pack.Period(date.today(), date.today()),
        )
    with zipfile.ZipFile(result.path) as archive:
        assert "reports/breaches.pdf" in archive.namelist()
        (tmp_path / "breaches.pdf").write_bytes(archive.read("reports/breaches.pdf"))
        documented = archive.read("data/breaches.csv").decode("utf-8-sig")
    text = " ".join(text_of(tmp_path / "breaches.pdf").split())
    assert "Dokumentation der Verletzungen" in text and "SV-0001" in text
    assert all(embedded == "yes" for _, embedded in fonts_of(tmp_path / "breaches.pdf"))
    assert "Daten waren verschlüsselt" in documented  # documented although not notified
    assert "Stromausfall" not in documented  # not a personal-data breach


def test_a_department_without_objects_gets_its_record_as_a_job(
    client: TestClient, org: Org, dpo: dict[str, str]
) -> None:
    from tests.reports.test_jobs import wait

    client.post(
        "/api/v1/processing-activities",
        headers=dpo,
        json=activity(org.fw.id, name="Einsatzdokumentation"),
    )
    started = client.post("/api/v1/report-jobs", headers=org.feuerwehr, json={"document": "ropa"})
    assert started.status_code == 202, started.text
    job = wait(client, org.feuerwehr, started.json()["id"])
    assert job["state"] == "fertig", job
    none = client.post("/api/v1/report-jobs", headers=org.verkehr, json={"document": "dpia"})
    assert none.status_code == 202
    assert wait(client, org.verkehr, none.json()["id"])["state"] == "fehlgeschlagen"


def test_a_departments_documents_name_only_its_own_linked_records(
    client: TestClient, org: Org, dpo: dict[str, str], engine: Engine
) -> None:
    """Also when a job or a pack builds them: the fire brigade's processing linked to a
    traffic breach by the ISB stays out of the traffic department's documents."""
    from tests.privacy.test_incident_routes import incident

    secret = client.post(
        "/api/v1/processing-activities",
        headers=dpo,
        json=activity(org.fw.id, name="Geheime FW-Verarbeitung"),
    ).json()
    breach = client.post(
        "/api/v1/incidents",
        headers=dpo,
        json=incident(
            org.vt.id, personal_data=True, risk_to_rights="risiko", activity_ids=[secret["id"]]
        ),
    )
    assert breach.status_code == 201, breach.text
    with session_scope(engine, write=False) as session:
        mine = context.build_breaches(session, context.Scope(department_id=org.vt.id), "de")
        whole = context.build_breaches(session, context.Scope(), "de")
    cells = " ".join(c for s in mine.sections for t in s.tables for r in t.rows for c in r)
    assert "Geheime FW-Verarbeitung" not in cells
    everything = " ".join(c for s in whole.sections for t in s.tables for r in t.rows for c in r)
    assert "Geheime FW-Verarbeitung" in everything


def test_a_records_job_for_an_unknown_department_is_a_clear_error(
    client: TestClient, org: Org, dpo: dict[str, str]
) -> None:
    for document in ("ropa", "dpia", "breaches"):
        response = client.post(
            "/api/v1/report-jobs", headers=dpo, json={"document": document, "department_id": 999}
        )
        assert response.status_code == 400 and response.json()["field"] == "department_id"
