"""The impact assessment as PDF (read back with pdftotext): one over the API, all of a scope
as a report, and in the evidence pack."""

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
from reports import context, pack
from tests.privacy.conftest import Org, activity, create_asset
from tests.privacy.test_dpia_routes import RISK, assessment
from tests.reports.test_reports import fonts_of, text_of


def test_the_assessment_as_pdf_and_in_the_pack(
    client: TestClient,
    org: Org,
    dpo: dict[str, str],
    engine: Engine,
    settings: Settings,
    tmp_path: Path,
) -> None:
    create_asset(client, org, "ALARM-1", "Anwendungen", org.fw)  # the fire brigade has no DPIA
    create_asset(client, org, "VRZ-1", "Anwendungen", org.vt)
    cameras = client.post(
        "/api/v1/processing-activities",
        headers=dpo,
        json=activity(org.vt.id, name="Verkehrskameras", legal_bases=["art6_1_e"]),
    ).json()
    opened = client.post(
        "/api/v1/dpias", headers=dpo, json={"activity_id": cameras["id"], "criteria": ["art35_3_c"]}
    ).json()
    one = f"/api/v1/dpias/{opened['id']}"
    high = {**RISK, "title": "Profilbildung über Bewegungen", "residual_likelihood": 2}
    body = client.put(one, headers=dpo, json=assessment(1, risks=[RISK, high])).json()
    client.post(f"{one}/opinion", headers=dpo, json={"opinion": "Vertretbar mit Verpixelung."})
    signed = client.post(f"{one}/sign-off", headers=org.verkehr, json={})
    assert signed.status_code == 200, signed.text
    assert body["risks"][1]["residual_level"] == "risiko"

    report = client.get(f"{one}/report", headers=org.auditor)
    assert report.status_code == 200 and report.headers["content-type"] == "application/pdf"
    (tmp_path / "dsfa.pdf").write_bytes(report.content)
    text = " ".join(text_of(tmp_path / "dsfa.pdf").split())
    assert "Datenschutz-Folgenabschätzung" in text and "DSFA-0001 Verkehrskameras" in text
    assert "systematische umfangreiche Überwachung öffentlich zugänglicher Bereiche" in text
    assert "substanziell ×" in text and "= hohes" in text and "Profilbildung" in text
    assert "Vertretbar mit Verpixelung." in text and "verkehr" in text
    assert "Nächste Überprüfung" in text and "Restrisiken" in text
    assert all(embedded == "yes" for _, embedded in fonts_of(tmp_path / "dsfa.pdf"))
    assert client.get(f"{one}/report", headers=org.feuerwehr).status_code == 404
    english = client.get(f"{one}/report", headers=dpo, params={"language": "en"})
    (tmp_path / "en.pdf").write_bytes(english.content)
    assert "Data protection impact assessment" in text_of(tmp_path / "en.pdf")

    with session_scope(engine, write=False) as session:
        built = context.build_dpias(session, context.Scope(), "de")
        risks = next(t for t in built.sections[1].tables if t.caption.startswith("Risiken"))
        assert risks.rows[0][1:] == (  # before the measures, what is done, what remains
            "substanziell × substanziell = hohes Risiko",
            "Rollenkonzept, Protokollierung, Stichproben",
            "geringfügig × substanziell = Risiko",
        )
        heat = built.sections[1].charts[0]
        assert sum(map(sum, heat.counts)) == 2 and heat.counts[1] == (1, 1, 0, 0)  # severity 3
        with pytest.raises(InvalidInput):  # the fire brigade has none
            context.build_dpias(session, context.Scope(department_id=org.fw.id), "de")
        result = pack.build_pack(
            session,
            data_dir=settings.data_dir,
            out=tmp_path / "pack.zip",
            scope=context.Scope(department_id=org.vt.id),
            period=pack.Period(date.today(), date.today()),
        )
        fire = pack.build_pack(
            session,
            data_dir=settings.data_dir,
            out=tmp_path / "fire.zip",
            scope=context.Scope(department_id=org.fw.id),
            period=pack.Period(date.today(), date.today()),
        )
    with zipfile.ZipFile(result.path) as archive:
        assert {"reports/dpia.pdf", "data/dpia.csv", "data/dpia.json"} <= set(archive.namelist())
        assert "Profilbildung über Bewegungen" in archive.read("data/dpia.csv").decode("utf-8-sig")
    with zipfile.ZipFile(fire.path) as archive:
        assert "reports/dpia.pdf" not in archive.namelist()
        omitted = archive.read("manifest.json").decode()
        assert '"document": "dpia"' in omitted or '"document":"dpia"' in omitted
