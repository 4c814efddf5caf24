"""Upload abuse against the answer to an evidence review (issue 9, point 4): a department answers
only its own tasks, and a refused answer leaves neither an evidence row nor a file behind."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from controls.evidence import service as evidence
from controls.evidence.models import Evidence
from isms.database import session_scope
from isms.settings import Settings
from reviews import generation
from tests.conftest import csrf_from
from tests.controls import samples
from tests.risk.analysis.conftest import Org


def stored(data_dir: Path) -> set[Path]:
    return {p for p in evidence.root(data_dir).rglob("*") if p.is_file()}


def assert_no_new_file(data_dir: Path, before: set[Path]) -> None:
    new = stored(data_dir) - before
    try:
        assert new == set()
    finally:  # not for the next test
        for path in new:
            path.unlink()


def evidence_rows(engine: Engine) -> int:
    with session_scope(engine, write=False) as session:
        return session.scalar(select(func.count()).select_from(Evidence)) or 0


@pytest.fixture
def task(client: TestClient, org: Org, engine: Engine, settings: Settings) -> dict:
    """An evidence review of the Verkehr department's emergency manual."""
    with session_scope(engine) as session:
        evidence.upload(
            session,
            data_dir=settings.data_dir,
            stream=io.BytesIO(samples.pdf("Notfallhandbuch")),
            filename="notfallhandbuch.pdf",
            title="Notfallhandbuch Leitwarte",
            valid_until=date.today() + timedelta(days=10),
            department_id=org.vt.id,
            actor="test",
            scope=None,
        )
        generation.generate(session, names=["nachweise"])
    found: dict = client.get("/api/v1/reviews", headers=org.verkehr).json()["items"][0]
    assert found["subject"] == "evidence"
    return found


def answer(client: TestClient, task: dict, token: str, file: tuple, **extra: str):  # type: ignore[no-untyped-def]
    fields = {
        "csrf_token": token,
        "unchanged": "nein",
        "comment": "Neue Fassung",
        "valid_until": (date.today() + timedelta(days=400)).isoformat(),
        "version": str(task["version"]),
        **extra,
    }
    return client.post(
        f"/reviews/{task['id']}/answer", data=fields, files={"file": file}, follow_redirects=False
    )


def test_another_departments_task_is_not_found(
    client: TestClient,
    org: Org,
    engine: Engine,
    data_dir: Path,
    task: dict,
    login_ui,  # type: ignore[no-untyped-def]
) -> None:
    rows, files = evidence_rows(engine), stored(data_dir)
    ui = login_ui("feuerwehr")
    token = csrf_from(ui.get("/reviews").text)
    response = answer(ui, task, token, ("plan.pdf", samples.pdf("fremd"), "application/pdf"))
    assert response.status_code == 404, response.text
    assert "Notfallhandbuch" not in response.text  # nothing about the task leaks
    assert (evidence_rows(engine), stored(data_dir)) == (rows, files)


def test_a_wrong_type_in_an_answer_is_refused_and_leaves_nothing(
    client: TestClient,
    org: Org,
    engine: Engine,
    data_dir: Path,
    task: dict,
    login_ui,  # type: ignore[no-untyped-def]
) -> None:
    rows, files = evidence_rows(engine), stored(data_dir)
    ui = login_ui("verkehr")
    token = csrf_from(ui.get(f"/reviews/{task['id']}").text)
    elf = ("bericht.pdf", b"\x7fELF\x02\x01\x01" + bytes(4000), "application/pdf")
    response = answer(ui, task, token, elf)
    assert response.status_code == 400
    assert 'class="error-summary"' in response.text
    assert (evidence_rows(engine), stored(data_dir)) == (rows, files)


def test_a_refused_answer_leaves_no_file(
    client: TestClient,
    org: Org,
    engine: Engine,
    data_dir: Path,
    task: dict,
    login_ui,  # type: ignore[no-untyped-def]
) -> None:
    rows, files = evidence_rows(engine), stored(data_dir)
    ui = login_ui("verkehr")
    token = csrf_from(ui.get(f"/reviews/{task['id']}").text)
    pdf = ("neu.pdf", samples.pdf("Neue Fassung 2027"), "application/pdf")
    response = answer(ui, task, token, pdf, unchanged="vielleicht")
    assert response.status_code == 400
    assert evidence_rows(engine) == rows
    assert_no_new_file(data_dir, files)


@pytest.mark.parametrize("why", ["stale version", "already answered"])
def test_an_answer_refused_by_the_service_leaves_no_file(
    client: TestClient,
    org: Org,
    engine: Engine,
    data_dir: Path,
    task: dict,
    why: str,
    login_ui,  # type: ignore[no-untyped-def]
) -> None:
    """The answer is refused for the task's state, not its form: checked before the file is
    stored, so the store holds nothing new (a row would be rolled back, a file would not)."""
    ui = login_ui("verkehr")
    token = csrf_from(ui.get(f"/reviews/{task['id']}").text)
    if why == "already answered":
        done = client.post(
            f"/api/v1/reviews/{task['id']}/answer",
            headers=org.verkehr,
            json={"unchanged": True, "comment": "erledigt", "version": task["version"]},
        )
        assert done.status_code == 200, done.text
        task = {**task, "version": done.json()["version"]}
    else:
        task = {**task, "version": task["version"] + 5}
    rows, files = evidence_rows(engine), stored(data_dir)
    pdf = ("neu.pdf", samples.pdf(f"Neue Fassung {why}"), "application/pdf")
    response = answer(ui, task, token, pdf)
    assert response.status_code in (400, 409), response.text
    assert 'class="error-summary"' in response.text
    assert evidence_rows(engine) == rows
    assert_no_new_file(data_dir, files)
