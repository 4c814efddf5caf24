"""Report and pack jobs over the API and the UI: progress, download, scoping, failures."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from isms.settings import Settings
from tests.conftest import csrf_from
from tests.reports.verifier import check
from tests.risk.analysis.conftest import Org, create_asset


def wait(client: TestClient, headers: dict, job_id: int) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/report-jobs/{job_id}", headers=headers).json()
        if job["state"] in ("fertig", "fehlgeschlagen"):
            return job
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


@pytest.fixture
def objects(client: TestClient, org: Org) -> dict:
    return {
        "scada": create_asset(
            client, org, "SCADA-1", "ICS/OT-Systeme", org.vt, kritis_critical=True
        ),
        "alarm": create_asset(client, org, "ALARM-1", "Anwendungen", org.fw),
    }


def test_a_pack_is_built_in_the_background_and_verifies(
    client: TestClient, org: Org, objects: dict, settings: Settings, tmp_path: Path
) -> None:
    started = client.post(
        "/api/v1/report-jobs", headers=org.isb, json={"document": "pack", "kritis": True}
    )
    assert started.status_code == 202, started.text
    job = wait(client, org.isb, started.json()["id"])
    assert job["state"] == "fertig" and job["progress"] == 100 and len(job["sha256"]) == 64
    download = client.get(f"/api/v1/report-jobs/{job['id']}/download", headers=org.auditor)
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    pack = tmp_path / "pack.zip"
    pack.write_bytes(download.content)
    key = client.get("/api/v1/pack-public-key", headers=org.auditor)
    assert key.status_code == 200 and key.text.startswith("-----BEGIN PUBLIC KEY-----")
    assert check(pack, key.content) == []


def test_departments_build_for_their_own_department_and_see_their_own_jobs(
    client: TestClient, org: Org, objects: dict
) -> None:
    mine = client.post("/api/v1/report-jobs", headers=org.verkehr, json={"document": "a1"})
    assert mine.status_code == 202 and mine.json()["department_id"] == org.vt.id
    job = wait(client, org.verkehr, mine.json()["id"])
    assert job["state"] == "fertig"
    pdf = client.get(f"/api/v1/report-jobs/{job['id']}/download", headers=org.verkehr)
    assert pdf.headers["content-type"] == "application/pdf"
    other = client.post(
        "/api/v1/report-jobs",
        headers=org.verkehr,
        json={"document": "a1", "department_id": org.fw.id},
    )
    assert other.status_code == 400
    soa = client.post("/api/v1/report-jobs", headers=org.verkehr, json={"document": "soa"})
    assert soa.status_code == 403
    assert client.get(f"/api/v1/report-jobs/{job['id']}", headers=org.feuerwehr).status_code == 404
    assert [j["id"] for j in client.get("/api/v1/report-jobs", headers=org.feuerwehr).json()] == []
    assert job["id"] in [j["id"] for j in client.get("/api/v1/report-jobs", headers=org.isb).json()]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"document": "a9"}, 422),
        ({"document": "a1", "asset_ids": [999999]}, 400),
        ({"document": "pack", "period_start": "2026-02-01", "period_end": "2026-01-01"}, 400),
        ({"document": "a2", "department_id": 99999999999}, 422),
    ],
)
def test_bad_requests_are_refused_before_anything_runs(
    client: TestClient, org: Org, objects: dict, body: dict, status: int
) -> None:
    response = client.post("/api/v1/report-jobs", headers=org.isb, json=body)
    assert response.status_code == status, response.text
    assert client.get("/api/v1/report-jobs", headers=org.isb).json() == []


def test_a_failing_job_says_why_and_leaves_no_file(
    client: TestClient, org: Org, objects: dict, settings: Settings
) -> None:
    folder = settings.data_dir / "reports"
    before = set(folder.glob("*")) if folder.exists() else set()
    # The SoA needs the ISO catalog, which is not imported here.
    started = client.post("/api/v1/report-jobs", headers=org.isb, json={"document": "soa"})
    job = wait(client, org.isb, started.json()["id"])
    assert job["state"] == "fehlgeschlagen" and job["error"]
    assert (
        client.get(f"/api/v1/report-jobs/{job['id']}/download", headers=org.isb).status_code == 404
    )
    assert set(folder.glob("*")) == before  # neither the file nor a temporary one


def test_the_reports_page(client: TestClient, org: Org, objects: dict, login_ui) -> None:
    ui = login_ui("isb")
    page = ui.get("/reports")
    assert page.status_code == 200 and "A.4 Ergebnis des IT-Grundschutz-Checks" in page.text
    empty = ui.post(
        "/reports",
        data={"csrf_token": csrf_from(page.text), "document": "a2", "assets": "GIBT-ES-NICHT"},
    )
    assert empty.status_code == 400 and "GIBT-ES-NICHT" in empty.text
    started = ui.post(
        "/reports",
        data={"csrf_token": csrf_from(page.text), "document": "a2", "assets": "SCADA-1"},
        follow_redirects=False,
    )
    assert started.status_code == 303
    job_id = int(started.headers["location"].split("started=")[1].split("#")[0])
    wait(client, org.isb, job_id)
    status = ui.get(f"/reports/jobs/{job_id}/status")
    assert "data-finished" in status.text and f"/reports/jobs/{job_id}/download" in status.text
    assert ui.get(f"/reports/jobs/{job_id}/download").status_code == 200
    assert ui.get("/reports/public-key.pem").text.startswith("-----BEGIN PUBLIC KEY-----")
