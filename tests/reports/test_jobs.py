"""Report and pack jobs over the API and the UI: progress, download, scoping, failures."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import col, select

from isms.clock import utcnow
from isms.database import session_scope
from isms.identity.models import User
from isms.settings import Settings
from reports import jobs, pdf
from reports.models import JobState, ReportJob
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


def test_another_departments_object_is_as_unknown_as_a_missing_one(
    org: Org, objects: dict, login_ui
) -> None:
    ui = login_ui("verkehr")
    page = ui.get("/reports")
    answers = {
        short_id: ui.post(
            "/reports",
            data={"csrf_token": csrf_from(page.text), "document": "a1", "assets": short_id},
        )
        for short_id in ("ALARM-1", "GIBT-ES-NICHT")  # the fire brigade's, and none at all
    }
    assert {a.status_code for a in answers.values()} == {400}
    assert answers["ALARM-1"].text.replace("ALARM-1", "X") == answers["GIBT-ES-NICHT"].text.replace(
        "GIBT-ES-NICHT", "X"
    )


KILLED_WORKER = """
import sys, threading
from pathlib import Path
from isms.database import create_db_engine
from isms.settings import Settings
from reports import jobs, pdf

def render(document, target, *, wide=False):  # writes part of the file, then hangs
    target.write(b"%PDF-1.4 half written")
    target.flush()
    print("writing", flush=True)
    threading.Event().wait()

pdf.render = render
settings = Settings()
jobs.run(create_db_engine(settings), settings.data_dir, int(sys.argv[1]))
"""


def test_a_job_of_a_killed_process_fails_and_its_temporary_file_goes(
    client: TestClient, org: Org, objects: dict, settings: Settings, engine: Engine
) -> None:
    with session_scope(engine) as session:
        user = session.scalars(select(User).where(col(User.username) == "isb")).one()
        job = jobs.submit(
            session,
            user=user,
            document="a1",
            department_id=None,
            asset_ids=[],
            kritis=False,
            period_start=None,
            period_end=None,
            language="de",
        )
        job_id = job.id or 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISMS_")}
    env.update(ISMS_DATA_DIR=str(settings.data_dir), ISMS_LOG_LEVEL="WARNING")
    if settings.database_url:
        env["ISMS_DATABASE_URL"] = settings.database_url
    worker = subprocess.Popen(
        [sys.executable, "-c", KILLED_WORKER, str(job_id)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "writing"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    folder = jobs.folder(settings.data_dir)
    assert (
        [p.name for p in folder.glob(".job-*")]
        == [p.name for p in folder.glob(f".job-{job_id}-*")]
        != []
    )  # what the killed process left behind
    assert client.get(f"/api/v1/report-jobs/{job_id}", headers=org.isb).json()["state"] == "laeuft"

    # A live worker elsewhere: fresh heartbeat, its file stays. The killed one: silent a minute.
    with session_scope(engine) as session:
        other = ReportJob(document="a2", state=JobState.RUNNING, heartbeat_at=utcnow())
        session.add(other)
        session.flush()
        other_id = other.id
        session.execute(
            update(ReportJob)
            .where(col(ReportJob.id) == job_id)
            .values(heartbeat_at=utcnow() - jobs.STALE - timedelta(seconds=1))
        )
    (folder / f".job-{other_id}-live.pdf").write_bytes(b"%PDF")
    assert jobs.fail_interrupted(engine, settings.data_dir) == 1
    failed = client.get(f"/api/v1/report-jobs/{job_id}", headers=org.isb).json()
    assert failed["state"] == "fehlgeschlagen" and "interrupted" in failed["error"]
    assert not failed["sha256"] and not failed["size"]
    assert [p.name for p in folder.glob(".job-*")] == [f".job-{other_id}-live.pdf"]
    assert client.get(f"/api/v1/report-jobs/{other_id}", headers=org.isb).json()["state"] == (
        "laeuft"
    )


def test_the_process_running_a_job_keeps_its_heartbeat(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(engine) as session:
        waiting = ReportJob(document="a1", heartbeat_at=utcnow() - timedelta(seconds=50))
        done = ReportJob(document="a1", state=JobState.DONE, heartbeat_at=None)
        session.add_all([waiting, done])
        session.flush()
        ids = (waiting.id or 0, done.id or 0)
    jobs.beat(engine, set(ids))
    with session_scope(engine, write=False) as session:
        fresh = session.get(ReportJob, ids[0])
        assert fresh is not None and fresh.heartbeat_at is not None
        assert utcnow() - fresh.heartbeat_at.replace(tzinfo=utcnow().tzinfo) < timedelta(seconds=5)
        finished = session.get(ReportJob, ids[1])
        assert finished is not None and finished.heartbeat_at is None  # only jobs still on
    assert jobs.fail_interrupted(engine, settings.data_dir) == 0


def test_a_departments_pack_never_carries_events_of_a_deleted_foreign_object(
    client: TestClient, org: Org
) -> None:
    """SQLite gives the id of a deleted last row to the next: the fire brigade's deleted object
    and the traffic department's new one may share an id, never their events."""
    create_asset(client, org, "VT-1", "Anwendungen", org.vt)
    secret = create_asset(client, org, "FW-GEHEIM", "Anwendungen", org.fw)
    assert client.delete(f"/api/v1/assets/{secret['id']}", headers=org.isb).status_code == 204
    mine = create_asset(client, org, "VT-2", "Anwendungen", org.vt)
    started = client.post("/api/v1/report-jobs", headers=org.verkehr, json={"document": "pack"})
    assert started.status_code == 202, started.text
    job = wait(client, org.verkehr, started.json()["id"])
    assert job["state"] == "fertig", job
    data = client.get(f"/api/v1/report-jobs/{job['id']}/download", headers=org.verkehr).content
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        events = [json.loads(line) for line in archive.read("audit/events.jsonl").splitlines()]
    assert any(e["object_id"] == str(mine["id"]) and e["action"] == "create" for e in events)
    assert not [e for e in events if "FW-GEHEIM" in json.dumps(e, ensure_ascii=False)]


def _queued(engine: Engine, username: str, department_id: int | None) -> int:
    with session_scope(engine) as session:
        user = session.scalars(select(User).where(col(User.username) == username)).one()
        job = jobs.submit(
            session,
            user=user,
            document="a1",
            department_id=department_id,
            asset_ids=[],
            kritis=False,
            period_start=None,
            period_end=None,
            language="de",
        )
        return job.id or 0


def test_a_department_job_whose_department_went_is_not_widened_to_everything(
    org: Org, objects: dict, settings: Settings, engine: Engine
) -> None:
    job_id = _queued(engine, "verkehr", org.vt.id)
    with session_scope(engine) as session:  # what deleting the department leaves (SET NULL)
        session.execute(
            update(ReportJob).where(col(ReportJob.id) == job_id).values(department_id=None)
        )
    jobs.run(engine, settings.data_dir, job_id)
    with session_scope(engine, write=False) as session:
        job = session.get(ReportJob, job_id)
        assert job is not None and job.state == JobState.FAILED and not job.file_name
        assert "gilt nicht mehr" in job.error


def test_a_job_failed_while_it_ran_stays_failed_and_leaves_no_file(
    org: Org,
    objects: dict,
    settings: Settings,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    job_id = _queued(engine, "isb", None)
    render = pdf.render

    def thought_dead(*args: object, **kwargs: object) -> None:
        with session_scope(engine) as session:  # another server decided this job was dead
            session.execute(
                update(ReportJob)
                .where(col(ReportJob.id) == job_id)
                .values(state=JobState.FAILED, error="interrupted")
            )
        render(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pdf, "render", thought_dead)
    folder = jobs.folder(settings.data_dir)
    before = set(folder.iterdir()) if folder.exists() else set()
    jobs.run(engine, settings.data_dir, job_id)
    with session_scope(engine, write=False) as session:
        job = session.get(ReportJob, job_id)
        assert job is not None and job.state == JobState.FAILED and job.error == "interrupted"
    assert set(folder.iterdir()) == before  # neither the PDF nor a temporary file


def test_the_app_lets_a_running_job_finish_when_it_stops(
    app, org: Org, objects: dict, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopping the app (lifespan end) waits for the report being written, so it is not left
    half-done, nor reading the database while the next process changes it."""
    render = pdf.render
    started: list[int] = []

    def slow(*args: object, **kwargs: object) -> None:
        time.sleep(1.0)
        render(*args, **kwargs)

    monkeypatch.setattr(pdf, "render", slow)
    with TestClient(app) as other:
        response = other.post("/api/v1/report-jobs", headers=org.isb, json={"document": "a1"})
        assert response.status_code == 202, response.text
        started.append(response.json()["id"])
    with session_scope(engine, write=False) as session:  # the client has stopped the app
        job = session.get(ReportJob, started[0])
        assert job is not None and job.state == JobState.DONE, job
    assert jobs.settle(engine, 0.0)
