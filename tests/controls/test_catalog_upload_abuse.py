"""Upload abuse against the catalog import (issue 9, point 4): oversized bodies, files that are no
OSCAL JSON, JSON bombs, hostile names and broken multipart get a clear 4xx, through the API and
the form, and import nothing."""

from __future__ import annotations

import hashlib
import html
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select

from controls.catalogs.models import Catalog
from isms.app import create_app
from isms.database import session_scope
from isms.i18n import translate
from isms.identity.models import Role
from isms.settings import Settings
from tests.conftest import csrf_from
from tests.controls import samples
from tests.factories import auth, make_user

KIB = 1024
API = "/api/v1/catalogs"
BOUNDARY = "isms-abuse-boundary"


@pytest.fixture
def isb(client: TestClient, engine: Engine) -> dict[str, str]:
    make_user(engine, role=Role.ISB, username="isb")
    return auth(client, "isb")


def catalogs(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(Catalog)) or 0


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() and not p.name.startswith("isms.db")}


@pytest.fixture
def unchanged(engine: Engine, data_dir: Path) -> Callable[[], None]:
    """Call it after a refusal: no catalog and no file since the test began."""
    before = catalogs(engine), files_under(data_dir.parent)

    def check() -> None:
        assert catalogs(engine) == before[0], "a catalog was imported"
        files = files_under(data_dir.parent)
        assert files == before[1], f"files were written: {sorted(files - before[1])}"

    return check


def refused(response: Response, status: int, key: str, **params: object) -> None:
    assert response.status_code == status, response.text
    assert response.json()["detail"] == translate("de", key, **params), response.text


def multipart(filename: bytes, content: bytes) -> tuple[bytes, dict[str, str]]:
    body = (
        f"--{BOUNDARY}\r\n".encode()
        + b'Content-Disposition: form-data; name="file"; filename="'
        + filename
        + b'"\r\nContent-Type: application/json\r\n\r\n'
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    return body, {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


def test_a_genuine_catalog_is_imported(
    client: TestClient, isb: dict[str, str], engine: Engine
) -> None:
    before = catalogs(engine)
    response = client.post(API, headers=isb, files={"file": ("test.json", samples.catalog())})
    assert response.status_code == 201, response.text
    assert catalogs(engine) == before + 1


@pytest.fixture
def small_client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    small = settings.model_copy(update={"max_request_bytes": 64 * KIB})
    with TestClient(create_app(small, engine=engine, run_scheduler=False)) as test_client:
        yield test_client


def test_body_over_the_request_limit(
    small_client: TestClient, isb: dict[str, str], unchanged: Callable[[], None]
) -> None:
    big = samples.catalog()[:-1] + b', "x": "' + b"a" * (100 * KIB) + b'"}'
    response = small_client.post(API, headers=isb, files={"file": ("big.json", big)})
    refused(response, 413, "error.payload_too_large_limit", limit=0.1)
    lying = small_client.post(
        API,
        headers={**isb, **multipart(b"big.json", big)[1], "content-length": "100"},
        content=multipart(b"big.json", big)[0],
    )
    assert lying.status_code == 413 and lying.json()["error"] == "payload_too_large"
    unchanged()


def zipped_catalog() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("catalog.json", samples.catalog())
    return buffer.getvalue()


NOT_OSCAL: list[tuple[str, Callable[[], bytes], str]] = [
    ("elf", lambda: b"\x7fELF\x02\x01\x01" + bytes(4000), "oscal.not_json"),
    ("pdf", samples.pdf, "oscal.not_json"),
    ("empty", lambda: b"", "oscal.not_json"),
    ("zipped catalog", zipped_catalog, "oscal.not_json"),
    ("html", lambda: b"<!DOCTYPE html><script>alert(1)</script>", "oscal.not_json"),
    ("deeply nested json", lambda: b"[" * 100_000 + b"]" * 100_000, "oscal.not_json"),
    ("json array", lambda: b"[1, 2, 3]", "oscal.not_oscal"),
    ("json of another kind", lambda: b'{"component-definition": {}}', "oscal.not_oscal"),
]


@pytest.mark.parametrize(
    ("factory", "key"), [pytest.param(f, k, id=case) for case, f, k in NOT_OSCAL]
)
def test_files_that_are_no_oscal_json_are_refused(
    client: TestClient,
    isb: dict[str, str],
    unchanged: Callable[[], None],
    factory: Callable[[], bytes],
    key: str,
) -> None:
    response = client.post(API, headers=isb, files={"file": ("katalog.json", factory())})
    refused(response, 400, key)
    assert response.json()["error"] == "invalid_input"
    unchanged()


@pytest.mark.parametrize(
    "filename",
    [b"../../etc/passwd", b"..\\..\\win.ini", b"/etc/shadow", b"a\x1b[31m.json", b"CON"],
    ids=["unix traversal", "windows traversal", "absolute", "escape sequence", "reserved"],
)
def test_hostile_names_of_a_genuine_catalog_stay_in_the_catalog_folder(
    client: TestClient, isb: dict[str, str], data_dir: Path, filename: bytes
) -> None:
    before = files_under(data_dir.parent)
    body, headers = multipart(filename, samples.catalog(title=f"Katalog {filename!r}"))
    response = client.post(API, headers={**isb, **headers}, content=body)
    assert response.status_code == 201, response.text
    new = files_under(data_dir.parent) - before
    assert all(path.parent == data_dir / "catalogs" for path in new), new


@pytest.mark.parametrize(
    "filename", [b"kat\x00.json", b"a/..", b".."], ids=["nul byte", "dot dot", "bare dot dot"]
)
def test_names_the_file_system_cannot_hold_are_a_client_error(
    client: TestClient, isb: dict[str, str], engine: Engine, data_dir: Path, filename: bytes
) -> None:
    """The kept file is named by its SHA-256, never by the upload; the name is only metadata."""
    before = files_under(data_dir.parent)
    content = samples.catalog(title=f"Katalog mit Namen {filename!r}")
    body, headers = multipart(filename, content)
    response = client.post(API, headers={**isb, **headers}, content=body)
    assert response.status_code == 201, response.text
    new = files_under(data_dir.parent) - before
    assert new == {data_dir / "catalogs" / f"{hashlib.sha256(content).hexdigest()}.json"}, new
    with session_scope(engine) as session:
        source = session.get_one(Catalog, response.json()["id"]).source
    assert "\x00" not in source and "/" not in source and source not in ("", ".", "..")


def test_a_profile_resolves_against_a_catalog_kept_under_its_hash(
    client: TestClient, isb: dict[str, str], data_dir: Path
) -> None:
    kernel = samples.catalog(title="Kernel")
    imported = client.post(API, headers=isb, files={"file": ("Kernel-catalog.json", kernel)})
    assert imported.status_code == 201, imported.text
    assert not (data_dir / "catalogs" / "Kernel-catalog.json").exists()
    profile = {
        "profile": {
            "uuid": "00000000-0000-4000-8000-000000000002",
            "metadata": {
                "title": "Profil",
                "version": "1",
                "oscal-version": "1.1.3",
                "last-modified": "2026-01-01T00:00:00Z",
            },
            "imports": [{"href": "https://example.org/x/Kernel-catalog.json", "include-all": {}}],
        }
    }
    response = client.post(
        API, headers=isb, files={"file": ("profil.json", json.dumps(profile).encode())}
    )
    assert response.status_code == 201, response.text
    assert response.json()["count"] == 2


def test_multipart_abuse_is_a_422(
    client: TestClient, isb: dict[str, str], unchanged: Callable[[], None]
) -> None:
    missing = client.post(API, headers=isb, data={"x": "1"})
    refused(missing, 422, "error.validation", fields="file")
    wrong_name = client.post(API, headers=isb, files={"upload": ("k.json", samples.catalog())})
    refused(wrong_name, 422, "error.validation", fields="file")
    as_json = client.post(API, headers=isb, json={"file": "x"})
    refused(as_json, 422, "error.validation", fields="file")
    broken = client.post(
        API, headers={**isb, "content-type": "multipart/form-data"}, content=b"--x\r\n"
    )
    assert broken.status_code in (400, 422) and broken.json()["detail"]
    unchanged()


def test_two_file_parts_are_refused(
    client: TestClient, isb: dict[str, str], unchanged: Callable[[], None]
) -> None:
    response = client.post(
        API,
        headers=isb,
        files=[
            ("file", ("a.json", samples.catalog(title="A"))),
            ("file", ("b.json", samples.catalog(title="B"))),
        ],
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation_error"
    unchanged()


def test_only_the_isb_imports(
    client: TestClient, engine: Engine, unchanged: Callable[[], None]
) -> None:
    for role in (Role.AUDITOR, Role.ADMIN, Role.DPO, Role.DEPARTMENT):
        make_user(engine, role=role, username=role.value)
        response = client.post(
            API, headers=auth(client, role.value), files={"file": ("k.json", samples.catalog())}
        )
        refused(response, 403, "error.forbidden")
    unchanged()


def test_form_refusals_in_the_error_summary(
    client: TestClient,
    isb: dict[str, str],
    login_ui: Callable[[str], TestClient],
    unchanged: Callable[[], None],
) -> None:
    login_ui("isb")

    def post(files: object) -> Response:
        token = csrf_from(client.get("/catalogs").text)
        return client.post(
            "/catalogs/import",
            data={"csrf_token": token},
            files=files,
            follow_redirects=False,
        )

    for files, key in (
        ({"file": ("a.pdf", samples.pdf())}, "oscal.not_json"),
        ({"file": ("a.json", b"[1]")}, "oscal.not_oscal"),
        ({"upload": ("a.json", samples.catalog())}, "validation.missing"),
        (
            [
                ("file", ("a.json", samples.catalog("A"))),
                ("file", ("b.json", samples.catalog("B"))),
            ],
            "validation.too_long",
        ),
    ):
        response = post(files)
        assert response.status_code == 400, response.text
        assert translate("de", key) in html.unescape(response.text)
    unchanged()
