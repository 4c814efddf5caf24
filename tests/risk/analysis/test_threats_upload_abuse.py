"""Upload abuse against the import of the BSI's elementary threats (issue 9, point 4)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from isms.database import session_scope
from isms.i18n import translate
from isms.identity.models import Role
from risk.analysis.models import Threat
from tests.factories import auth, make_user

API = "/api/v1/threats/import"
MIB = 1024 * 1024


@pytest.fixture
def isb(client: TestClient, engine: Engine) -> dict[str, str]:
    make_user(engine, role=Role.ISB, username="isb")
    return auth(client, "isb")


@pytest.fixture
def unchanged(engine: Engine) -> Callable[[], None]:
    def threats() -> int:
        with session_scope(engine) as session:
            return session.scalar(select(func.count()).select_from(Threat)) or 0

    before = threats()

    def check() -> None:
        assert threats() == before, "threats were imported"

    return check


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x7fELF\x02\x01\x01" + bytes(4000), None),
        (b"", "Begriff, Definition, ID"),
        (b"<!DOCTYPE html><script>alert(1)</script>", "Begriff, Definition, ID"),
        ("ID,Begriff,Definition\r\nG 0.1,Feuer,x\r\n".encode("utf-16"), "not UTF-8"),
    ],
    ids=["elf", "empty", "html", "utf-16"],
)
def test_files_that_are_no_threat_list_are_refused(
    client: TestClient,
    isb: dict[str, str],
    unchanged: Callable[[], None],
    content: bytes,
    reason: str | None,
) -> None:
    response = client.post(API, headers=isb, files={"file": ("basethreats.csv", content)})
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_input"
    if reason is not None:
        assert response.json()["detail"] == translate(
            "de", "error.threats_file_invalid", reason=reason
        )
    unchanged()


def test_oversized_threat_list_is_a_413(
    client: TestClient, isb: dict[str, str], unchanged: Callable[[], None]
) -> None:
    big = b"ID,Begriff,Definition\r\n" + b"G 0.1,Feuer,x\r\n" * (3 * MIB // 15)
    response = client.post(API, headers=isb, files={"file": ("basethreats.csv", big)})
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "payload_too_large"
    assert response.json()["detail"] == translate("de", "error.threats_file_too_large", max_mb=2)
    english = translate("en", "error.threats_file_too_large", max_mb=2)
    assert english == "The threat list is too large: at most 2 MB."
    unchanged()


def test_multipart_abuse_never_a_500(
    client: TestClient, isb: dict[str, str], unchanged: Callable[[], None]
) -> None:
    broken = client.post(
        API, headers={**isb, "content-type": "multipart/form-data"}, content=b"--x\r\n"
    )
    assert broken.status_code in (400, 422) and broken.json()["detail"]
    plain = client.post(
        API,
        headers={**isb, "content-type": "multipart/form-data; boundary=b"},
        content=b'--b\r\nContent-Disposition: form-data; name="file"\r\n\r\nx\r\n--b--\r\n',
    )
    assert plain.status_code == 422, plain.text
    unchanged()


def test_only_the_isb_imports(
    client: TestClient, engine: Engine, unchanged: Callable[[], None]
) -> None:
    for role in (Role.AUDITOR, Role.ADMIN, Role.DPO, Role.DEPARTMENT):
        make_user(engine, role=role, username=role.value)
        response = client.post(
            API, headers=auth(client, role.value), files={"file": ("t.csv", b"ID\r\n")}
        )
        assert response.status_code == 403, response.text
    unchanged()
