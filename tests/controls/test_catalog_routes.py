"""Catalog import through the API with the BSI's real files: idempotent, versioned, searchable,
mapped; bad files are refused with the reason and leave nothing behind."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from controls.catalogs.models import Catalog, Control, ControlMapping
from isms.audit.models import AuditEvent
from isms.database import session_scope
from tests.controls.conftest import ISO, ISO_MAPPING, ITGS_MAPPING, KERNEL, Org


def _upload(client: TestClient, headers: dict[str, str], name: str, data: bytes) -> object:
    return client.post("/api/v1/catalogs", headers=headers, files={"file": (name, data)})


def _count(engine: Engine, model: type) -> int:
    with session_scope(engine, write=False) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_import_lists_and_reimport_changes_nothing(
    client: TestClient, engine: Engine, org: Org
) -> None:
    response = _upload(client, org.isb, KERNEL.name, KERNEL.read_bytes())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["kind"] == "catalog" and body["created"] is True and body["count"] == 901

    listed = client.get("/api/v1/catalogs", headers=org.verkehr).json()
    assert [(c["title"], c["control_count"], c["active"]) for c in listed] == [
        ("BSI Stand der Technik Kernel", 901, True)
    ]
    assert listed[0]["version"] == json.loads(KERNEL.read_bytes())["catalog"]["metadata"]["version"]
    detail = client.get(f"/api/v1/catalogs/{body['id']}", headers=org.auditor).json()
    practices = [g["ref"] for g in detail["groups"] if g["depth"] == 0]
    assert len(practices) == 14 and practices[0] == "ASST"

    again = _upload(client, org.isb, KERNEL.name, KERNEL.read_bytes())
    assert again.status_code == 200
    assert again.json() == {**body, "created": False}
    assert _count(engine, Catalog) == 1
    assert _count(engine, Control) == 901
    with session_scope(engine, write=False) as session:
        imports = session.scalars(select(AuditEvent).where(AuditEvent.action == "import")).all()
    assert len(imports) == 1 and imports[0].actor_name == "isb"


def test_a_new_edition_is_a_new_version_beside_the_active_one(
    client: TestClient, engine: Engine, org: Org
) -> None:
    first = _upload(client, org.isb, KERNEL.name, KERNEL.read_bytes()).json()
    document = json.loads(KERNEL.read_bytes())
    document["catalog"]["metadata"]["version"] = "2027-01-01"
    document["catalog"]["groups"][0]["groups"][0]["controls"].pop(0)  # ASST.1.1 and its subs
    second = _upload(client, org.isb, "kernel-2027.json", json.dumps(document).encode())
    assert second.status_code == 201, second.text
    assert second.json()["count"] < 901
    listed = {c["id"]: c for c in client.get("/api/v1/catalogs", headers=org.isb).json()}
    assert listed[first["id"]]["active"] is True
    assert listed[second.json()["id"]]["active"] is False
    assert listed[first["id"]]["family"] == listed[second.json()["id"]]["family"]


def test_bad_files_are_refused_with_the_reason_and_nothing_is_imported(
    client: TestClient, engine: Engine, org: Org
) -> None:
    kernel = json.loads(KERNEL.read_bytes())
    duplicate = json.loads(KERNEL.read_bytes())
    first_control = duplicate["catalog"]["groups"][0]["groups"][0]["controls"][0]
    duplicate["catalog"]["groups"][1]["groups"][0]["controls"].append(first_control)
    future = json.loads(ISO.read_bytes())
    future["catalog"]["metadata"]["oscal-version"] = "2.0.0"
    untitled = json.loads(ISO.read_bytes())
    del untitled["catalog"]["groups"][0]["controls"][0]["title"]
    cases = {
        "not json": (b"\x89PNG\r\n\x1a\n not json at all", "JSON"),
        "array": (b"[1, 2, 3]", "OSCAL"),
        "other document": (json.dumps({"component-definition": {}}).encode(), "OSCAL"),
        "future version": (json.dumps(future).encode(), "2.0.0"),
        "missing title": (json.dumps(untitled).encode(), "title"),
        "duplicate id": (json.dumps(duplicate).encode(), first_control["id"]),
        "truncated": (json.dumps(kernel).encode()[:5000], "JSON"),
    }
    for label, (data, expected) in cases.items():
        response = _upload(client, org.isb, "katalog.json", data)
        assert response.status_code == 400, label
        assert expected in response.json()["detail"], (label, response.json())
    assert _count(engine, Catalog) == 0
    assert _count(engine, Control) == 0

    refused = _upload(client, org.verkehr, KERNEL.name, KERNEL.read_bytes())
    assert refused.status_code == 403
    assert (
        client.post(
            "/api/v1/catalogs/import-url",
            headers=org.isb,
            json={"url": "http://example.org/x.json"},
        ).status_code
        == 422
    )
    assert _count(engine, Catalog) == 0


def test_search_and_browse_controls(client: TestClient, org: Org, catalogs: dict[str, int]) -> None:
    kernel = catalogs["kernel"]

    def refs(**params: object) -> tuple[int, list[str]]:
        response = client.get(
            f"/api/v1/catalogs/{kernel}/controls", headers=org.verkehr, params=params
        )
        assert response.status_code == 200, response.text
        return response.json()["total"], [c["ref"] for c in response.json()["items"]]

    total, first = refs(limit=3)
    assert total == 901 and first == ["ASST.1.1", "ASST.1.1.1", "ASST.1.1.2"]
    total, found = refs(q="passwort", limit=500)
    assert total > 0
    for ref in found[:5]:
        control = next(
            c
            for c in client.get(
                f"/api/v1/catalogs/{kernel}/controls",
                headers=org.verkehr,
                params={"q": ref, "limit": 500},
            ).json()["items"]
            if c["ref"] == ref
        )
        detail = client.get(f"/api/v1/controls/{control['id']}", headers=org.verkehr).json()
        text = " ".join([detail["title"], detail["statement"], detail["guidance"]]).lower()
        assert "passwort" in text, ref
    total, in_practice = refs(practice="DET", limit=500)
    assert total == len(in_practice) and all(r.startswith("DET.") for r in in_practice)
    _, muss = refs(modal_verb="MUSS", limit=5)
    assert muss
    _, raised = refs(sec_level="erhöht", limit=500)
    assert raised and not set(raised) & set(refs(sec_level="normal-SdT", limit=500)[1])


def test_a_control_shows_what_it_maps_to(
    client: TestClient, engine: Engine, org: Org, catalogs: dict[str, int]
) -> None:
    mapping = json.loads(ISO_MAPPING.read_bytes())["mapping-collection"]
    expected = {
        (t["id-ref"], m["relationship"])
        for group in mapping["mappings"]
        for m in group["maps"]
        if any(s["id-ref"] == "5.1" for s in m["sources"])
        for t in m["targets"]
    }
    iso_5_1 = client.get(
        f"/api/v1/catalogs/{catalogs['iso']}/controls", headers=org.isb, params={"q": "5.1 "}
    ).json()["items"]
    control = next(c for c in iso_5_1 if c["ref"] == "5.1")
    assert control["alt_titles"]["de"] == "Informationssicherheitspolitik und -richtlinien"
    detail = client.get(f"/api/v1/controls/{control['id']}", headers=org.isb).json()
    assert {(m["ref"], m["relationship"]) for m in detail["mappings"]} == expected
    assert all(m["direction"] == "to" for m in detail["mappings"])
    resolved = [m for m in detail["mappings"] if m["control"]]
    assert resolved and all(m["control"]["catalog_id"] == catalogs["methodik"] for m in resolved)

    # Seen from the Grundschutz++ side, the same mapping points back.
    target = resolved[0]["control"]
    back = client.get(f"/api/v1/controls/{target['id']}", headers=org.isb).json()
    assert any(m["ref"] == "5.1" and m["direction"] == "from" for m in back["mappings"])


def test_mapping_collections_import_with_relationships_and_threats(
    client: TestClient, engine: Engine, org: Org
) -> None:
    response = _upload(client, org.isb, ITGS_MAPPING.name, ITGS_MAPPING.read_bytes())
    assert response.status_code == 201, response.text
    assert response.json()["kind"] == "mapping"
    raw = json.loads(ITGS_MAPPING.read_bytes())["mapping-collection"]["mappings"]
    pairs = sum(len(m["sources"]) * len(m["targets"]) for g in raw for m in g["maps"])
    assert response.json()["count"] == pairs
    with session_scope(engine, write=False) as session:
        relationships = set(session.scalars(select(ControlMapping.relationship).distinct()))
        with_threats = sum(1 for t in session.scalars(select(ControlMapping.threats)) if t)
    assert relationships == {m["relationship"] for g in raw for m in g["maps"]}
    assert with_threats and with_threats > 0
    again = _upload(client, org.isb, ITGS_MAPPING.name, ITGS_MAPPING.read_bytes())
    assert again.status_code == 200 and again.json()["created"] is False
    listed = client.get("/api/v1/mapping-collections", headers=org.auditor).json()
    assert len(listed) == 1 and listed[0]["entry_count"] == pairs
