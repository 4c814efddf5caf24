"""The web UI shell: login form, CSRF, security headers, forms with error summaries, language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from isms.database import session_scope
from isms.identity.models import Department, Role
from tests.conftest import ROOT, csrf_from
from tests.factories import PASSWORD, make_department, make_user


def test_login_page_is_german_with_strict_security_headers(client: TestClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert '<html lang="de">' in response.text
    assert "<h1>Anmelden</h1>" in response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "<script>" not in response.text
    assert "style=" not in response.text


def test_login_sets_an_httponly_strict_cookie_and_logout_revokes_it(
    client: TestClient, engine: Engine
) -> None:
    make_user(engine, role=Role.ISB, username="isb")
    page = client.get("/login?next=/audit")
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_from(page.text),
            "username": "isb",
            "password": PASSWORD,
            "next": "/audit",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/audit"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("isms_token="))
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie.replace("Strict", "strict")
    token = client.cookies.get("isms_token")
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert "Übersicht" in dashboard.text
    logout = client.post(
        "/logout", data={"csrf_token": csrf_from(dashboard.text)}, follow_redirects=False
    )
    assert logout.status_code == 303
    client.cookies.set("isms_token", token or "")
    assert client.get("/", follow_redirects=False).status_code == 303, (
        "the old cookie no longer works"
    )


def test_open_redirects_are_refused(client: TestClient, engine: Engine) -> None:
    make_user(engine, role=Role.ISB, username="isb")
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_from(page.text),
            "username": "isb",
            "password": PASSWORD,
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_failed_login_shows_an_error_summary(client: TestClient, engine: Engine) -> None:
    make_user(engine, role=Role.ISB, username="isb")
    page = client.get("/login")
    response = client.post(
        "/login", data={"csrf_token": csrf_from(page.text), "username": "isb", "password": "x"}
    )
    assert response.status_code == 401
    assert 'class="error-summary"' in response.text
    assert "Benutzername oder Passwort ist falsch." in response.text


@pytest.mark.parametrize("token", [None, "forged"])
def test_forms_without_a_valid_csrf_token_are_refused(
    client: TestClient, engine: Engine, token: str | None
) -> None:
    make_user(engine, role=Role.ISB, username="isb")
    client.get("/login")
    data = {"username": "isb", "password": PASSWORD}
    if token:
        data["csrf_token"] = token
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "Formular" in response.text
    assert "isms_token" not in client.cookies


def test_pages_need_login_and_remember_where_to_return(client: TestClient) -> None:
    response = client.get("/admin/users?q=x", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fadmin%2Fusers%3Fq%3Dx"


def test_admin_creates_a_department_through_the_form(
    client: TestClient, engine: Engine, login_ui
) -> None:  # type: ignore[no-untyped-def]
    make_user(engine, role=Role.ADMIN, username="admin")
    login_ui("admin")
    form = client.get("/admin/departments/new")
    empty = client.post(
        "/admin/departments/new", data={"csrf_token": csrf_from(form.text), "code": "", "name": ""}
    )
    assert empty.status_code == 400
    summary = re.search(r'<div class="error-summary".*?</div>', empty.text, re.S)
    assert summary
    assert 'href="#field-code"' in summary.group(0)
    assert 'href="#field-name"' in summary.group(0)
    assert 'aria-invalid="true"' in empty.text
    created = client.post(
        "/admin/departments/new",
        data={
            "csrf_token": csrf_from(form.text),
            "code": "SE",
            "name": "Stadtentwässerung",
            "email": "",
            "description": "Kanalnetz",
            "parent_id": "",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    assert "Stadtentwässerung" in client.get("/admin/departments").text
    duplicate = client.post(
        "/admin/departments/new",
        data={"csrf_token": csrf_from(form.text), "code": "SE", "name": "Noch einmal"},
    )
    assert duplicate.status_code == 400
    assert "gibt es schon" in duplicate.text
    with session_scope(engine, write=False) as session:
        assert [d.code for d in session.scalars(select(Department))] == ["SE"]


def test_admin_edits_a_user_and_stale_forms_are_refused(
    client: TestClient, engine: Engine, login_ui
) -> None:  # type: ignore[no-untyped-def]
    make_user(engine, role=Role.ADMIN, username="admin")
    department = make_department(engine, code="FW", name="Feuerwehr")
    target = make_user(engine, role=Role.DEPARTMENT, username="feuerwehr", departments=[department])
    login_ui("admin")
    form = client.get(f"/admin/users/{target.id}")
    assert form.status_code == 200
    assert "Leitstelle" not in form.text
    data = {
        "csrf_token": csrf_from(form.text),
        "full_name": "Leitstelle",
        "role": "department",
        "department_ids": [str(department.id)],
        "language": "de",
        "is_active": "on",
        "password": "",
        "email": "",
        "version": str(target.version),
    }
    assert (
        client.post(f"/admin/users/{target.id}", data=data, follow_redirects=False).status_code
        == 303
    )
    stale = client.post(f"/admin/users/{target.id}", data=data | {"full_name": "Veraltet"})
    assert stale.status_code == 400
    assert "inzwischen geändert" in stale.text


def test_english_is_available(client: TestClient, engine: Engine, login_ui) -> None:  # type: ignore[no-untyped-def]
    make_user(engine, role=Role.AUDITOR, username="auditor")
    login_ui("auditor")
    page = client.get("/")
    switched = client.post(
        "/language",
        data={"csrf_token": csrf_from(page.text), "language": "en", "next": "/"},
        follow_redirects=True,
    )
    assert '<html lang="en">' in switched.text
    assert "<h1>Dashboard</h1>" in switched.text
    assert "Audit trail" in switched.text


def test_navigation_follows_the_role(client: TestClient, engine: Engine, login_ui) -> None:  # type: ignore[no-untyped-def]
    department = make_department(engine)
    make_user(engine, role=Role.DEPARTMENT, username="verkehr", departments=[department])
    login_ui("verkehr")
    page = client.get("/").text
    assert 'href="/audit"' not in page
    assert 'href="/admin/users"' not in page
    assert department.name in page


def test_forbidden_pages_are_friendly_and_audited(
    client: TestClient, engine: Engine, login_ui
) -> None:  # type: ignore[no-untyped-def]
    make_user(engine, role=Role.DPO, username="dpo")
    login_ui("dpo")
    response = client.get("/audit")
    assert response.status_code == 403
    assert "<h1>Keine Berechtigung</h1>" in response.text


def test_unknown_pages_and_api_paths(client: TestClient) -> None:
    page = client.get("/gibt-es-nicht")
    assert page.status_code == 404
    assert "<h1>Seite nicht gefunden</h1>" in page.text
    api = client.get("/api/v1/gibt-es-nicht")
    assert api.status_code == 404
    assert api.json()["error"] == "not_found"
    assert client.put("/healthz").json()["error"] == "method_not_allowed"


def test_oversized_requests_get_413(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/token",
        content=b"x" * (7 * 1024 * 1024),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


def test_malformed_json_is_a_422_naming_the_problem(client: TestClient, engine: Engine) -> None:
    make_user(engine, role=Role.ADMIN, username="admin")
    from tests.factories import auth

    response = client.post(
        "/api/v1/departments",
        headers=auth(client, "admin") | {"content-type": "application/json"},
        content=b"{not json",
    )
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"


def test_openapi_and_the_api_reference_page(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/auth/token" in spec["paths"]
    reference = client.get("/api/docs")
    assert reference.status_code == 200
    assert "/api/v1/users" in reference.text
    assert "cdn" not in reference.text.lower()


def test_static_files_are_ours_and_served(client: TestClient) -> None:
    css = client.get("/static/css/app.css")
    assert css.status_code == 200
    assert "focus-visible" in css.text
    assert client.get("/static/js/app.js").status_code == 200


def test_no_german_literals_in_python_logic() -> None:
    """UI text lives in the message catalogues; only demo data may be German in Python, and a
    value of an external vocabulary (e.g. the BSI's sec_level "erhöht"), on a line marked
    `# vocabulary:` with its source, so that each exception is visible in review."""
    umlaut = re.compile(r"[äöüÄÖÜß]")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("isms", "controls", "risk", "privacy", "reviews", "reports")
        for path in (ROOT / package).rglob("*.py")
        if path.name != "demo.py" and "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if umlaut.search(line) and "# vocabulary:" not in line
    ]
    assert offenders == []


def test_message_catalogues_have_the_same_keys() -> None:
    import json

    de = json.loads(Path(ROOT / "frontend/locales/de.json").read_text(encoding="utf-8"))
    en = json.loads(Path(ROOT / "frontend/locales/en.json").read_text(encoding="utf-8"))
    assert set(de) == set(en)


def test_oversized_streamed_bodies_are_refused_too(client: TestClient) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(80):
            yield b"x" * (100 * 1024)

    response = client.post(
        "/api/v1/auth/token",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


def test_the_api_reference_shows_the_logged_in_user(
    client: TestClient, engine: Engine, login_ui
) -> None:  # type: ignore[no-untyped-def]
    make_user(engine, role=Role.ISB, username="isb", full_name="Frau ISB")
    assert "Frau ISB" not in client.get("/api/docs").text
    login_ui("isb")
    page = client.get("/api/docs").text
    assert "Frau ISB" in page
    assert 'href="/audit"' in page
