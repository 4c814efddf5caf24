"""A small organisation with a data protection officer, for the GDPR records."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from isms.identity.models import Role
from tests.controls.conftest import (  # noqa: F401  (fixtures)
    Org,
    _modelling_follows_assets,
    catalogs,
    create_asset,
    entries,
    org,
)
from tests.factories import auth, make_user


@pytest.fixture
def dpo(client: TestClient, engine: Engine, org: Org) -> dict[str, str]:  # noqa: F811
    make_user(engine, role=Role.DPO, username="dsb", departments=[])
    return auth(client, "dsb")


def activity(department_id: int, **changes: object) -> dict[str, object]:
    """A complete Art. 30 entry (the Buergeramt's registration of residents)."""
    body: dict[str, object] = {
        "name": "Melderegister",
        "department_id": department_id,
        "status": "aktiv",
        "controller": "Landeshauptstadt Hannover, Trammplatz 2, 30159 Hannover",
        "dpo_contact": "Datenschutzbeauftragte, datenschutz@hannover-stadt.de",
        "purposes": "Führung des Melderegisters nach dem Bundesmeldegesetz",
        "legal_bases": ["art6_1_c", "art6_1_e"],
        "legal_basis_note": "§§ 2, 3 BMG",
        "data_subjects": ["Einwohnerinnen und Einwohner"],
        "data_categories": [
            {"name": "Name, Anschrift, Geburtsdatum", "erasure": "5 Jahre nach Wegzug oder Tod"}
        ],
        "recipients": [
            {"name": "Standesamt", "kind": "intern"},
            {"name": "Rechenzentrum Dataport", "kind": "auftragsverarbeiter", "contract": "AV-17"},
        ],
        "transfers": [],
        "dpia_required": False,
    }
    body.update(changes)
    return body
