"""Upload abuse against the import of the asset register (issue 9, point 4): oversized bodies,
executables, zip bombs, encrypted workbooks, hostile names and broken multipart get a clear 4xx
through the API and the wizard, and import nothing."""

from __future__ import annotations

import html
import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from openpyxl import Workbook
from sqlalchemy import Engine, func, select

from isms.app import create_app
from isms.database import session_scope
from isms.i18n import translate
from isms.identity.models import Role
from isms.settings import Settings
from risk.assets.models import Asset
from tests.conftest import csrf_from
from tests.factories import auth, make_user

KIB = 1024
MIB = 1024 * KIB
API = "/api/v1/assets/import?dry_run=false"


@pytest.fixture
def isb(client: TestClient, engine: Engine) -> dict[str, str]:
    make_user(engine, role=Role.ISB, username="isb")
    return auth(client, "isb")


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() and not p.name.startswith("isms.db")}


@pytest.fixture
def unchanged(engine: Engine, data_dir: Path) -> Callable[[], None]:
    """Call it after a refusal: no asset and no file since the test began."""

    def assets() -> int:
        with session_scope(engine) as session:
            return session.scalar(select(func.count()).select_from(Asset)) or 0

    before = assets(), files_under(data_dir.parent)

    def check() -> None:
        assert assets() == before[0], "assets were imported"
        files = files_under(data_dir.parent)
        assert files == before[1], f"files were written: {sorted(files - before[1])}"

    return check


def workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Kennung", "Name"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bomb() -> bytes:
    """A workbook with an entry that unpacks to 257 MiB (beyond the 256 MiB the reader allows)."""
    buffer = io.BytesIO(workbook())
    with (
        zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/media/image1.bin", "w", force_zip64=True) as entry,
    ):
        for _ in range(257):
            entry.write(bytes(MIB))
    return buffer.getvalue()


def encrypted(archive: bytes) -> bytes:
    data = bytearray(archive)
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at >= 0:
            data[at + flag_at] |= 0x01
            at = data.find(signature, at + 4)
    return bytes(data)


def refused_import(response: Response, key: str, **params: object) -> None:
    """The import's refusal: 400, nothing applied, the problem as the file's (row 0) error."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["applied"] is False
    assert body["errors"][0]["row"] == 0
    assert body["errors"][0]["message"] == translate("de", key, **params)


UNREADABLE: list[tuple[str, str, Callable[[], bytes]]] = [
    ("elf named csv", "a.csv", lambda: b"\x7fELF\x02\x01\x01" + bytes(4000)),
    ("pe named xlsx", "a.xlsx", lambda: b"MZ" + bytes(62) + b"PE\x00\x00" + bytes(2000)),
    ("zip bomb named xlsx", "a.xlsx", bomb),
    ("encrypted workbook", "a.xlsx", lambda: encrypted(workbook())),
    ("zip of a workbook", "a.xlsx", lambda: zip_of("inner.xlsx", workbook())),
]


def zip_of(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "factory"), [pytest.param(n, f, id=case) for case, n, f in UNREADABLE]
)
def test_unreadable_files_are_refused(
    client: TestClient,
    isb: dict[str, str],
    unchanged: Callable[[], None],
    name: str,
    factory: Callable[[], bytes],
) -> None:
    response = client.post(API, headers=isb, files={"file": (name, factory())})
    refused_import(response, "error.import.unreadable")
    unchanged()


@pytest.fixture
def small_client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    small = settings.model_copy(update={"max_request_bytes": 64 * KIB})
    with TestClient(create_app(small, engine=engine, run_scheduler=False)) as test_client:
        yield test_client


def test_body_over_the_request_limit(
    small_client: TestClient, isb: dict[str, str], unchanged: Callable[[], None]
) -> None:
    big = b"Kennung;Name\r\n" + b"A-1;x\r\n" * 20_000
    response = small_client.post(API, headers=isb, files={"file": ("a.csv", big)})
    assert response.status_code == 413, response.text
    assert response.json()["detail"] == translate("de", "error.payload_too_large_limit", limit=0.1)
    unchanged()


def test_multipart_abuse_is_a_422(
    client: TestClient, isb: dict[str, str], unchanged: Callable[[], None]
) -> None:
    for response in (
        client.post(API, headers=isb, data={"x": "1"}),
        client.post(API, headers=isb, files={"upload": ("a.csv", b"Kennung;Name\r\n")}),
        client.post(API, headers=isb, json={"file": "a.csv"}),
    ):
        assert response.status_code == 422, response.text
        assert response.json()["detail"] == translate("de", "error.validation", fields="file")
    broken = client.post(
        API, headers={**isb, "content-type": "multipart/form-data"}, content=b"--x\r\n"
    )
    assert broken.status_code in (400, 422) and broken.json()["detail"]
    unchanged()


def test_only_the_isb_imports(
    client: TestClient, engine: Engine, unchanged: Callable[[], None]
) -> None:
    for role in (Role.AUDITOR, Role.ADMIN, Role.DPO, Role.DEPARTMENT):
        make_user(engine, role=role, username=role.value)
        response = client.post(
            API, headers=auth(client, role.value), files={"file": ("a.csv", b"Kennung\r\n")}
        )
        assert response.status_code == 403, response.text
        assert response.json()["detail"] == translate("de", "error.forbidden")
    unchanged()


def test_the_wizard_refuses_and_escapes_a_hostile_name(
    client: TestClient,
    isb: dict[str, str],
    login_ui: Callable[[str], TestClient],
    unchanged: Callable[[], None],
) -> None:
    login_ui("isb")
    token = csrf_from(client.get("/assets/import").text)
    name = '<img src=x onerror="alert(1)">../../a.xlsx'
    response = client.post(
        "/assets/import",
        data={"csrf_token": token},
        files={"file": (name, b"\x7fELF\x02\x01\x01" + bytes(4000))},
    )
    assert response.status_code == 400, response.text
    assert "<img src=x" not in response.text  # shown escaped, if at all
    assert translate("de", "error.import.unreadable") in html.unescape(response.text)
    missing = client.post("/assets/import", data={"csrf_token": token})
    assert missing.status_code == 422
    assert translate("de", "error.validation", fields="file") in html.unescape(missing.text)
    unchanged()  # no token file in data/imports for a refused preview
