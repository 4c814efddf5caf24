"""Test fixtures: a real database built by the migrations, emptied after every test.

SQLite by default; set ISMS_TEST_DATABASE_URL (postgresql+psycopg://...) to run the same suite
on PostgreSQL.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

warnings.filterwarnings("ignore", message=".*httpx2.*")

from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

import isms.models  # noqa: E402, F401
from isms.database import create_db_engine, metadata  # noqa: E402
from isms.migrations import upgrade  # noqa: E402
from isms.settings import Settings  # noqa: E402
from reports import jobs as report_jobs  # noqa: E402
from tests.factories import PASSWORD  # noqa: E402

TEST_DATABASE_URL = os.environ.get("ISMS_TEST_DATABASE_URL")
SECRET = "test-signing-key-0123456789-abcdefghijklmnopqrstuvwxyz"
ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def _fresh_postgres(url: str) -> str:
    """A new, empty database next to the one named in url (one per test worker)."""
    parsed = make_url(url)
    name = f"{parsed.database or 'isms_test'}_{os.getpid()}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def database_url(data_dir: Path) -> Iterator[str | None]:
    if not TEST_DATABASE_URL:
        yield None
        return
    url = _fresh_postgres(TEST_DATABASE_URL)
    yield url
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def settings(data_dir: Path, database_url: str | None) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=SECRET,  # type: ignore[arg-type]
        scheduler_enabled=False,
        max_request_bytes=6 * 1024 * 1024,  # the BSI Kernel catalog (3.8 MB) fits
    )


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    engine = create_db_engine(settings)
    upgrade(engine)
    yield engine
    engine.dispose()


def _empty_all_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    if engine.dialect.name == "postgresql":
        names = ", ".join(f'"{name}"' for name in tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    # SQLite: outside a transaction (the driver is in autocommit mode), so the pragma applies.
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        for name in tables:
            cursor.execute(f'DELETE FROM "{name}"')  # noqa: S608 (our own table names)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
    finally:
        raw.close()


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "engine" in request.fixturenames:
        engine = request.getfixturevalue("engine")
        # a report job started by the test must not read while the tables are emptied
        assert report_jobs.settle(engine, 60.0), "a report job was still running"
        _empty_all_tables(engine)


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    from isms.app import create_app

    return create_app(settings, engine=engine, run_scheduler=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def login_ui(client: TestClient):  # type: ignore[no-untyped-def]
    """Log the test client in through the login form as username."""

    def _login(username: str, password: str = PASSWORD) -> TestClient:
        page = client.get("/login")
        response = client.post(
            "/login",
            data={"csrf_token": csrf_from(page.text), "username": username, "password": password},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return client

    return _login


@pytest.fixture
def categories(engine: Engine) -> dict[str, int]:
    """Category name -> id: the BSI's target-object vocabulary (from ../shared) plus our types."""
    from isms.database import session_scope
    from risk.assets.categories import import_vocabulary, list_categories

    vocabulary = SHARED / "catalogs/bsi-stand-der-technik/target_object_categories.csv"
    with session_scope(engine) as session:
        import_vocabulary(session, vocabulary)
        return {c.name: c.id or 0 for c in list_categories(session)}
