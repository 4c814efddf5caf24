"""The database goes away under a running app: requests answer 503 with Retry-After, the
readiness probe says so, and the app recovers by itself when the database is back."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from isms.app import create_app
from isms.database import SessionDep
from isms.identity.models import Role
from isms.settings import Settings
from tests.conftest import csrf_from
from tests.factories import PASSWORD, auth, make_user

SECRET_PASSWORD = "Geheim-im-Log-nie-0815"  # trust auth ignores it; the log must not show it


@pytest.fixture
def own_engine(settings: Settings, engine: Engine) -> Iterator[Engine]:
    """An engine of its own on the test database, its URL carrying a password."""
    if engine.dialect.name != "postgresql":
        pytest.skip(
            "SQLite is a file the process opens itself: there is no server that can go away "
            "or restart under it"
        )
    url = make_url(settings.sqlalchemy_url).set(password=SECRET_PASSWORD)
    own = create_engine(url, pool_pre_ping=True, pool_size=5)
    yield own
    own.dispose()


def _switch(engine: Engine, *, allowed: bool) -> None:
    """Refuse or allow new connections to the test database; refusing also ends the open ones."""
    database = engine.url.database
    admin = create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(
            text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(allowed).lower()}')
        )
        if not allowed:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": database},
            )
    admin.dispose()


def test_a_lost_database_answers_503_and_the_app_recovers_by_itself(
    settings: Settings, engine: Engine, own_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    make_user(engine, role=Role.ISB, username="outage-isb")
    app = create_app(settings, engine=own_engine, run_scheduler=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        headers = auth(client, "outage-isb")
        page = client.get("/login")
        client.post(
            "/login",
            data={
                "csrf_token": csrf_from(page.text),
                "username": "outage-isb",
                "password": PASSWORD,
            },
            follow_redirects=False,
        )
        assert client.get("/api/v1/evidence", headers=headers).status_code == 200
        assert client.get("/readyz").status_code == 200

        _switch(engine, allowed=False)
        try:
            with caplog.at_level(logging.WARNING, logger="isms.errors"):
                listing = client.get("/api/v1/evidence", headers=headers)
                english = client.get(
                    "/api/v1/evidence", headers={**headers, "Accept-Language": "en"}
                )
                upload = client.post(
                    "/api/v1/evidence",
                    headers=headers,
                    data={"valid_until": (date.today() + timedelta(days=30)).isoformat()},
                    files={"file": ("a.txt", io.BytesIO(b"Nachweis\n"), "text/plain")},
                )
                ui = client.get("/evidence")
                ready = client.get("/readyz")
        finally:
            _switch(engine, allowed=True)

        for answer in (listing, english, upload):
            assert answer.status_code == 503, answer.text
            assert answer.json()["error"] == "service_unavailable"
            assert answer.headers["Retry-After"] == "5"
        assert "Datenbank" in listing.json()["detail"]
        assert "database cannot be reached" in english.json()["detail"]
        assert ui.status_code == 503 and "Datenbank" in ui.text and "<html" in ui.text
        assert ready.status_code == 503
        logged = [r.getMessage() for r in caplog.records if r.name == "isms.errors"]
        assert logged and all("database unreachable on" in line for line in logged), logged
        assert SECRET_PASSWORD not in caplog.text
        assert "Traceback" not in caplog.text  # a clean, expected failure: one line each

        # Back without a restart: the pool drops the dead connections and opens new ones.
        assert client.get("/api/v1/evidence", headers=headers).status_code == 200
        assert client.get("/readyz").status_code == 200
        assert client.get("/evidence").status_code == 200


def test_a_wrong_statement_stays_an_internal_error(settings: Settings, engine: Engine) -> None:
    """On SQLite a missing table is an OperationalError too: it must not pass as an outage."""
    app = create_app(settings, engine=engine, run_scheduler=False)

    @app.get("/api/v1/fault-probe")
    def probe(session: SessionDep) -> None:
        assert isinstance(session, Session)
        session.execute(text("SELECT missing FROM no_such_table"))

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/api/v1/fault-probe")
    assert answer.status_code == 500 and answer.json()["error"] == "internal_error"
    assert "Retry-After" not in answer.headers
