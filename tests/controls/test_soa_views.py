"""The Statement of Applicability page: derived table grouped by Annex A group, the ISB's form
with its error summary, read-only for auditors and the DPO, a hint when ISO is not imported."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from controls.check import modelling
from isms.database import session_scope
from isms.identity.models import Role
from tests.conftest import csrf_from
from tests.controls.conftest import Org
from tests.factories import make_user


def test_without_the_iso_catalog_the_page_says_so(
    client: TestClient, engine: Engine, org: Org, login_ui
) -> None:  # type: ignore[no-untyped-def]
    for username in ("auditor", "isb"):
        login_ui(username)
        page = client.get("/soa")
        assert page.status_code == 200
        assert page.text.count("<h1") == 1
        assert "kein Katalog ISO/IEC 27001 Anhang A importiert" in page.text
        assert 'href="/catalogs"' in page.text
    assert client.get("/soa/5.1").status_code == 404


def test_the_table_is_grouped_and_derived_from_the_check(
    client: TestClient, engine: Engine, org: Org, catalogs: dict[str, int], login_ui
) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        modelling.model(session, actor="test")
    make_user(engine, role=Role.DPO, username="dpo")
    login_ui("dpo")
    page = client.get("/soa")
    assert page.status_code == 200
    html = page.text
    assert html.count("<h1") == 1 and "Erklärung zur Anwendbarkeit" in html
    for group in ("A5 Organizational controls", "A8 Technological controls"):
        assert group in html
    assert html.count("<caption") == 4 and html.count('scope="row"') == 93
    assert 'id="soa-5-1"' in html and 'id="soa-8-34"' in html
    assert "Informationssicherheitspolitik und -richtlinien" in html
    assert "So wird der Umsetzungsstand abgeleitet" in html
    row = html[html.index('id="soa-5-1"') :]
    row = row[: row.index("</tr>")]
    assert "GC.9.1" in row and "nicht bewertet" in row
    assert "unbearbeitet: " in row, "the check entries of the mapped controls, by status"
    assert 'href="/soa/5.1"' not in html, "only the ISB edits"
    assert len(set(re.findall(r'id="([^"]+)"', html))) == len(re.findall(r'id="([^"]+)"', html))


def test_the_isb_records_applicability_and_an_override(
    client: TestClient, engine: Engine, org: Org, catalogs: dict[str, int], login_ui
) -> None:  # type: ignore[no-untyped-def]
    login_ui("isb")
    table = client.get("/soa").text
    assert 'href="/soa/5.1"' in table
    form = client.get("/soa/5.1")
    assert form.status_code == 200
    assert form.text.count("<h1") == 1 and 'name="version" value="0"' in form.text
    assert 'for="field-justification"' in form.text and "<legend>" in form.text
    token = csrf_from(form.text)

    missing = client.post(
        "/soa/5.1", data={"csrf_token": token, "applicable": "ja", "justification": " "}
    )
    assert missing.status_code == 400
    assert 'class="error-summary"' in missing.text and 'href="#field-justification"' in missing.text
    assert "Die Anwendbarkeit braucht eine Begründung" in missing.text

    no_choice = client.post("/soa/5.1", data={"csrf_token": token, "justification": "x"})
    assert no_choice.status_code == 400 and 'href="#field-applicable"' in no_choice.text

    short = client.post(
        "/soa/5.1",
        data={
            "csrf_token": token,
            "applicable": "ja",
            "justification": "Leitlinie ist Pflicht",
            "override": "umgesetzt",
            "override_reason": "kurz",
            "version": "0",
        },
    )
    assert short.status_code == 400 and 'href="#field-override_reason"' in short.text
    assert "mindestens 10 Zeichen" in short.text
    assert "Leitlinie ist Pflicht" in short.text, "the form keeps what was entered"

    saved = client.post(
        "/soa/5.1",
        data={
            "csrf_token": token,
            "applicable": "ja",
            "justification": "Leitlinie ist Pflicht",
            "override": "umgesetzt",
            "override_reason": "Leitlinie 2025 vom Rat beschlossen",
            "version": "0",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/soa?saved=5.1#soa-5-1"
    html = client.get(saved.headers["location"]).text
    assert "Die Angaben zu 5.1 wurden gespeichert." in html
    row = html[html.index('id="soa-5-1"') :]
    row = row[: row.index("</tr>")]
    assert "Leitlinie 2025 vom Rat beschlossen" in row and "umgesetzt" in row

    stale = client.post(
        "/soa/5.1",
        data={"csrf_token": token, "applicable": "nein", "justification": "x", "version": "0"},
    )
    assert stale.status_code == 409 and "inzwischen geändert" in stale.text

    form = client.get("/soa/5.2").text
    client.post(
        "/soa/5.2",
        data={
            "csrf_token": csrf_from(form),
            "applicable": "nein",
            "justification": "Keine Rollen dieser Art",
            "version": "0",
        },
    )
    html = client.get("/soa").text
    row = html[html.index('id="soa-5-2"') :]
    assert "nicht anwendbar" in row[: row.index("</tr>")]


def test_only_the_isb_edits_and_departments_see_nothing(
    client: TestClient, org: Org, catalogs: dict[str, int], login_ui
) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/soa", follow_redirects=False).status_code == 303
    login_ui("auditor")
    token = csrf_from(client.get("/soa").text)
    assert client.get("/soa/5.1").status_code == 403
    denied = client.post(
        "/soa/5.1", data={"csrf_token": token, "applicable": "ja", "justification": "x"}
    )
    assert denied.status_code == 403
    login_ui("verkehr")
    assert client.get("/soa").status_code == 403
    assert 'href="/soa"' not in client.get("/catalogs").text
    login_ui("isb")
    assert client.get("/soa/99.99").status_code == 404


def test_the_soa_in_english(
    client: TestClient, org: Org, catalogs: dict[str, int], login_ui
) -> None:  # type: ignore[no-untyped-def]
    login_ui("isb")
    client.cookies.set("isms_lang", "en")
    html = client.get("/soa").text
    assert "Statement of Applicability" in html
    assert "Policies for information security" in html
    assert "Informationssicherheitspolitik und -richtlinien" not in html
    assert "not assessed" in html
