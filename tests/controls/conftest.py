"""The BSI's real catalogs imported through the service, and a small organisation to use them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from controls.catalogs import service
from controls.check import modelling
from isms.database import session_scope
from isms.identity.models import Department, Role
from tests.conftest import SHARED
from tests.factories import auth, make_department, make_user

BSI = SHARED / "catalogs/bsi-stand-der-technik"
KERNEL = BSI / "BSI-Stand-der-Technik-Kernel-catalog.json"
METHODIK = BSI / "BSI-Methodik-Grundschutz++-catalog.json"
ISO = BSI / "ISO27001-AnnexA-catalog.json"
ISO_MAPPING = BSI / "ISO27001-AnnexA-to-GS++-mapping_collection.json"
ITGS_MAPPING = BSI / "ITGS-to-GS++-mapping_collection.json"


@pytest.fixture(autouse=True)
def _modelling_follows_assets() -> None:
    modelling.subscribe()


def import_file(engine: Engine, path: Path, data_dir: Path | None = None) -> service.ImportOutcome:
    with session_scope(engine) as session:
        return service.import_document(
            session, path.read_bytes(), source=path.name, actor="test", raw_dir=data_dir
        )


@pytest.fixture
def catalogs(engine: Engine) -> dict[str, int]:
    """Kernel, Methodik, ISO 27001 Annex A and the ISO mapping, imported: name -> catalog id."""
    return {
        name: import_file(engine, path).id
        for name, path in (
            ("kernel", KERNEL),
            ("methodik", METHODIK),
            ("iso", ISO),
            ("iso_mapping", ISO_MAPPING),
        )
    }


@dataclass
class Org:
    vt: Department
    fw: Department
    isb: dict[str, str]
    auditor: dict[str, str]
    verkehr: dict[str, str]
    feuerwehr: dict[str, str]
    admin: dict[str, str]
    categories: dict[str, int]


@pytest.fixture
def org(client: TestClient, engine: Engine, categories: dict[str, int]) -> Org:
    vt = make_department(engine, code="VT", name="Verkehr und Tiefbau")
    fw = make_department(engine, code="FW", name="Feuerwehr")
    for username, role, departments in (
        ("isb", Role.ISB, []),
        ("auditor", Role.AUDITOR, []),
        ("admin", Role.ADMIN, []),
        ("verkehr", Role.DEPARTMENT, [vt]),
        ("feuerwehr", Role.DEPARTMENT, [fw]),
    ):
        make_user(engine, role=role, username=username, departments=departments)
    return Org(
        vt=vt,
        fw=fw,
        isb=auth(client, "isb"),
        auditor=auth(client, "auditor"),
        verkehr=auth(client, "verkehr"),
        feuerwehr=auth(client, "feuerwehr"),
        admin=auth(client, "admin"),
        categories=categories,
    )


def create_asset(
    client: TestClient,
    org: Org,
    short_id: str,
    category: str,
    department: Department,
    **extra: object,
) -> dict:
    response = client.post(
        "/api/v1/assets",
        headers=org.isb,
        json={
            "short_id": short_id,
            "name": f"Objekt {short_id}",
            "category_id": org.categories[category],
            "department_id": department.id,
            **extra,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def entries(client: TestClient, headers: dict[str, str], **params: object) -> list[dict]:
    query = {"limit": 500, **params}
    response = client.get("/api/v1/check-entries", headers=headers, params=query)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] <= 500, "the test expects one page"
    return body["items"]
