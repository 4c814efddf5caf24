"""Threats from the BSI's real list, a small organisation and helpers for the risk register."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from isms.database import session_scope
from risk.analysis import threats as threat_service
from tests.conftest import SHARED
from tests.controls.conftest import (  # noqa: F401  (fixtures)
    Org,
    _modelling_follows_assets,
    catalogs,
    create_asset,
    import_file,
    org,
)

THREATS_CSV = SHARED / "catalogs/bsi-stand-der-technik/basethreats.csv"


@pytest.fixture
def threats(engine: Engine) -> dict[str, int]:
    """The 47 elementary threats, imported from the BSI's CSV: ref -> id."""
    with session_scope(engine) as session:
        threat_service.import_threats(session, THREATS_CSV.read_bytes())
        return {t.ref: t.id or 0 for t in threat_service.list_threats(session)}


def later(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def make_risk(
    client: TestClient,
    people: Org,
    asset_id: int,
    threat_id: int,
    *,
    frequency: str = "mittel",
    impact: str = "beträchtlich",
    **extra: Any,
) -> dict:
    response = client.post(
        "/api/v1/risks",
        headers=people.isb,
        json={
            "asset_id": asset_id,
            "threat_id": threat_id,
            "title": extra.pop("title", "Ausfall durch Schadsoftware"),
            "scenario": "Ein Verschlüsselungstrojaner legt das System lahm.",
            "availability": True,
            "integrity": True,
            "frequency": frequency,
            "impact": impact,
            **extra,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()
