"""Export and import of the register: round trip, preview with row errors, all or nothing."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from isms import demo
from isms.database import session_scope
from risk.assets.models import Asset, AssetDependency
from tests.conftest import SHARED, csrf_from
from tests.factories import token_for

CATALOGS = SHARED / "catalogs/bsi-stand-der-technik"
DEMO_PASSWORD = "Demo-Passwort-2026"


def auth(client: TestClient, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(client, username, DEMO_PASSWORD)}"}


@pytest.fixture
def hannover(engine: Engine) -> None:
    demo.load(engine, password="Demo-Passwort-2026")
    assert demo.load_assets(engine, catalog_dir=CATALOGS) == 69


def _counts(engine: Engine) -> tuple[int, int]:
    with session_scope(engine, write=False) as session:
        return (
            session.scalar(select(func.count()).select_from(Asset)) or 0,
            session.scalar(select(func.count()).select_from(AssetDependency)) or 0,
        )


def _register(engine: Engine) -> list[tuple]:
    with session_scope(engine, write=False) as session:
        return [
            (
                a.short_id,
                a.name,
                a.category_id,
                a.department_id,
                a.quantity,
                a.tags,
                a.kritis_critical,
                a.c_level,
                a.i_level,
                a.a_level,
                a.a_override,
            )
            for a in session.scalars(select(Asset).order_by(Asset.short_id))  # type: ignore[arg-type]
        ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_gives_the_same_register(
    client: TestClient, engine: Engine, hannover: None, fmt: str
) -> None:
    headers = auth(client, "isb")
    before, counts = _register(engine), _counts(engine)
    exported = client.get(f"/api/v1/assets/export?format={fmt}", headers=headers)
    assert exported.status_code == 200
    if fmt == "csv":
        assert (
            exported.content.startswith(b"\xef\xbb\xbf")
            and b";" in exported.content.splitlines()[0]
        )
    with session_scope(engine) as session:  # empty the register, then bring it back from the file
        for edge in session.scalars(select(AssetDependency)):
            session.delete(edge)
        session.flush()
        for asset in session.scalars(select(Asset)):
            session.delete(asset)
    assert _counts(engine) == (0, 0)
    files = {"file": (f"zielobjekte.{fmt}", exported.content)}
    imported = client.post("/api/v1/assets/import?dry_run=false", headers=headers, files=files)
    assert imported.status_code == 200, imported.text
    assert len(imported.json()["creates"]) == 69
    assert _counts(engine) == counts
    assert _register(engine) == before
    again = client.get(f"/api/v1/assets/export?format={fmt}", headers=headers)
    if fmt == "csv":
        assert again.content == exported.content


def _table(client: TestClient, headers: dict[str, str]) -> list[list[str]]:
    text = client.get("/api/v1/assets/export", headers=headers).content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def _csv(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def test_a_file_with_errors_writes_nothing_and_names_row_and_column(
    client: TestClient, engine: Engine, hannover: None
) -> None:
    headers = auth(client, "isb")
    table = _table(client, headers)
    header, first, second = table[0], table[1], table[2]
    first[header.index("Kategorie")] = "Raumschiffe"
    second[header.index("Anzahl")] = "viele"
    before = _register(engine)
    body = _csv([header, first, second], encoding="cp1252")  # as German Excel saves it
    response = client.post(
        "/api/v1/assets/import?dry_run=false", headers=headers, files={"file": ("x.csv", body)}
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {k: errors[0][k] for k in ("row", "column")} == {"row": 2, "column": "Kategorie"}
    assert "Raumschiffe" in errors[0]["message"]
    assert errors[1]["row"] == 3 and "viele" in errors[1]["message"]
    assert response.json()["applied"] is False
    assert _register(engine) == before


def test_an_import_that_closes_a_cycle_is_refused(
    client: TestClient, engine: Engine, hannover: None
) -> None:
    headers = auth(client, "isb")
    table = _table(client, headers)
    header, rows = table[0], table[1:]
    depends = header.index("Abhängig von")
    target = next(r for r in rows if r[depends])  # an asset that depends on something
    below = target[depends].split(", ")[0]
    victim = next(r for r in rows if r[0] == below)
    victim[depends] = target[0]
    response = client.post(
        "/api/v1/assets/import?dry_run=true",
        headers=headers,
        files={"file": ("x.csv", _csv([header, victim]))},
    )
    assert response.status_code == 400
    assert "Zyklus" in response.json()["errors"][0]["message"]
    assert target[0] in response.json()["errors"][0]["message"]


def test_garbage_and_disguised_files_are_refused(
    client: TestClient, engine: Engine, hannover: None
) -> None:
    headers = auth(client, "isb")
    for name, content in [
        ("a.xlsx", b"PK\x03\x04not really a workbook"),
        ("a.csv", b"\x89PNG\r\n\x1a\n\x00\x00"),
        ("leer.csv", b""),
    ]:
        response = client.post(
            "/api/v1/assets/import", headers=headers, files={"file": (name, content)}
        )
        assert response.status_code == 400, name
        assert response.json()["errors"][0]["row"] == 0


def test_the_import_wizard_previews_then_applies(
    client: TestClient, engine: Engine, hannover: None, login_ui
) -> None:  # type: ignore[no-untyped-def]
    exported = client.get("/api/v1/assets/export?format=xlsx", headers=auth(client, "isb")).content
    login_ui("isb", "Demo-Passwort-2026")
    page = client.get("/assets/import")
    assert page.status_code == 200
    preview = client.post(
        "/assets/import",
        data={"csrf_token": csrf_from(page.text)},
        files={"file": ("zielobjekte.xlsx", exported)},
    )
    assert preview.status_code == 200 and "69 geänderte" in preview.text
    token = preview.text.split('name="token" value="')[1].split('"')[0]
    done = client.post(
        "/assets/import/confirm",
        data={"csrf_token": csrf_from(preview.text), "token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/assets?imported=69"
    replay = client.post(
        "/assets/import/confirm", data={"csrf_token": csrf_from(preview.text), "token": token}
    )
    assert replay.status_code == 400
    traversal = client.post(
        "/assets/import/confirm",
        data={"csrf_token": csrf_from(preview.text), "token": "../../secret.key"},
    )
    assert traversal.status_code == 400


def test_department_users_export_only_their_objects_and_cannot_import(
    client: TestClient, engine: Engine, hannover: None
) -> None:
    headers = auth(client, "feuerwehr")
    rows = (
        client.get("/api/v1/assets/export", headers=headers)
        .content.decode("utf-8-sig")
        .splitlines()[1:]
    )
    assert rows and all(";FW;" in row for row in rows)
    assert (
        client.post(
            "/api/v1/assets/import", headers=headers, files={"file": ("a.csv", b"x")}
        ).status_code
        == 403
    )
