"""The Grundschutz-Check through the API: recording entries with the BSI's rules, department
scoping, all-or-nothing bulk edits, progress and compliance figures, catalog migration."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from controls.check.models import CheckEntry
from isms.database import session_scope
from tests.controls.conftest import KERNEL, Org, create_asset, entries


def _patch(client: TestClient, headers: dict[str, str], entry: dict, **body: object) -> object:
    return client.patch(
        f"/api/v1/check-entries/{entry['id']}",
        headers=headers,
        json={"version": entry["version"], **body},
    )


def _first(items: list[dict], **match: object) -> dict:
    return next(e for e in items if all(e["control"].get(k) == v for k, v in match.items()))


def test_recording_follows_the_rules_for_reasons_and_versions(
    client: TestClient, org: Org, catalogs: dict[str, int]
) -> None:
    server = create_asset(client, org, "S-1", "IT-Systeme", org.vt)
    items = entries(client, org.isb, asset_id=server["id"])
    assert items and {e["status"] for e in items} == {"unbearbeitet"}
    other = _first(items, modal_verb="SOLLTE")
    # The Kernel's MUSS controls apply to the information domain as a whole.
    assert client.post("/api/v1/modelling/run", headers=org.isb).status_code == 200
    muss = _first(entries(client, org.isb, domain=True), modal_verb="MUSS")

    no_reason = _patch(client, org.isb, muss, status="nein")
    assert no_reason.status_code == 400
    assert muss["control"]["ref"] in no_reason.json()["detail"]
    dispensable = _patch(client, org.verkehr, other, status="entbehrlich")
    assert dispensable.status_code == 400, dispensable.text
    assert "Begründung" in dispensable.json()["detail"]

    target = (date.today() + timedelta(days=90)).isoformat()
    saved = _patch(
        client,
        org.isb,
        muss,
        status="teilweise",
        justification="Ersatzteile für die Lichtsignalsteuerung sind bestellt.",
        implementation="Härtung umgesetzt, Protokollierung fehlt noch.",
        responsible="Frau Sommer",
        interview_partners="Herr Winter (Leitstelle)",
        target_date=target,
    )
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["status"] == "teilweise" and body["checked_on"] == date.today().isoformat()
    assert body["target_date"] == target and body["version"] == muss["version"] + 1
    assert body["overdue"] is False
    stale = _patch(client, org.isb, muss, status="ja")
    assert stale.status_code == 409

    # Overdue: an open item past its target date.
    late = _patch(
        client,
        org.isb,
        body,
        target_date=(date.today() - timedelta(days=1)).isoformat(),
    )
    assert late.status_code == 200 and late.json()["overdue"] is True
    assert [e["id"] for e in entries(client, org.isb, overdue=True)] == [muss["id"]]


def test_departments_see_and_record_only_their_objects(
    client: TestClient, org: Org, catalogs: dict[str, int]
) -> None:
    traffic = create_asset(client, org, "V-1", "IT-Systeme", org.vt)
    fire = create_asset(client, org, "F-1", "IT-Systeme", org.fw)
    own = entries(client, org.verkehr)
    assert own and {e["asset"]["id"] for e in own if e["asset"]} == {traffic["id"]}
    foreign = entries(client, org.feuerwehr, asset_id=fire["id"])[0]
    assert (
        client.get(f"/api/v1/check-entries/{foreign['id']}", headers=org.verkehr).status_code == 404
    )
    assert _patch(client, org.verkehr, foreign, status="ja").status_code == 404
    assert _patch(client, org.auditor, foreign, status="ja").status_code == 403
    assert (
        client.get(f"/api/v1/check-entries/{foreign['id']}", headers=org.auditor).status_code == 200
    )
    moved = _patch(client, org.verkehr, own[0], department_id=org.fw.id)
    assert moved.status_code == 400, "a department user cannot hand an entry to another"

    # The object moves to the fire brigade: so do its check entries.
    handed = client.patch(
        f"/api/v1/assets/{traffic['id']}",
        headers=org.isb,
        json={"department_id": org.fw.id, "version": traffic["version"]},
    )
    assert handed.status_code == 200, handed.text
    assert entries(client, org.verkehr) == []
    assert {e["asset"]["id"] for e in entries(client, org.feuerwehr)} == {traffic["id"], fire["id"]}


def test_bulk_editing_writes_all_rows_or_none(
    client: TestClient, engine: Engine, org: Org, catalogs: dict[str, int]
) -> None:
    server = create_asset(client, org, "S-2", "IT-Systeme", org.vt)
    items = entries(client, org.isb, asset_id=server["id"])[:6]
    rows = [{"id": e["id"], "status": "ja", "version": e["version"]} for e in items]
    dispensable = {"id": items[0]["id"], "status": "entbehrlich", "version": items[0]["version"]}
    broken = [*rows[1:], dispensable, {"id": 10**6, "status": "ja"}]
    refused = client.patch("/api/v1/check-entries", headers=org.verkehr, json={"items": broken})
    assert refused.status_code == 400
    problems = {p["id"]: p for p in refused.json()["errors"]}
    assert set(problems) == {items[0]["id"], 10**6}
    assert problems[items[0]["id"]]["field"] == "justification"
    with session_scope(engine, write=False) as session:
        statuses = set(
            session.scalars(
                select(CheckEntry.status).where(CheckEntry.id.in_([e["id"] for e in items]))
            )
        )
    assert statuses == {"unbearbeitet"}, "nothing was written"

    done = client.patch("/api/v1/check-entries", headers=org.verkehr, json={"items": rows})
    assert done.status_code == 200 and done.json() == {"updated": len(rows)}
    assert {e["status"] for e in entries(client, org.isb, asset_id=server["id"], status="ja")} == {
        "ja"
    }
    too_many = {"items": [{"id": i, "status": "ja"} for i in range(501)]}
    assert client.patch("/api/v1/check-entries", headers=org.isb, json=too_many).status_code == 422


def test_progress_and_compliance_match_the_entries(
    client: TestClient, org: Org, catalogs: dict[str, int]
) -> None:
    server = create_asset(client, org, "S-3", "IT-Systeme", org.vt)
    create_asset(client, org, "F-3", "Anwendungen", org.fw)
    items = entries(client, org.isb, asset_id=server["id"])
    plan = ["ja", "ja", "teilweise", "entbehrlich", "nein"]
    for entry, status in zip(items, plan, strict=False):
        reason = {"justification": "Begründung für die Prüfung"} if status != "ja" else {}
        assert _patch(client, org.isb, entry, status=status, **reason).status_code == 200
    rows = client.get("/api/v1/check-progress", headers=org.auditor, params={"by": "asset"}).json()
    row = next(r for r in rows if r["label"] == "S-3")
    counts = Counter(plan)
    total = len(items)
    assert (row["total"], row["ja"], row["teilweise"], row["entbehrlich"], row["nein"]) == (
        total,
        counts["ja"],
        counts["teilweise"],
        counts["entbehrlich"],
        counts["nein"],
    )
    assert row["progress"] == round(100 * len(plan) / total, 1)
    assert row["compliance"] == round(100 * (2 + 0.5) / (total - 1), 1)

    by_department = client.get(
        "/api/v1/check-progress", headers=org.verkehr, params={"by": "department"}
    ).json()
    assert [r["label"] for r in by_department] == ["Verkehr und Tiefbau"]
    everyone = client.get("/api/v1/check-progress", headers=org.isb, params={"by": "department"})
    labels = [r["label"] for r in everyone.json()]
    assert len(labels) == 2 and labels == sorted(labels) and "Verkehr und Tiefbau" in labels
    by_catalog = client.get("/api/v1/check-progress", headers=org.isb, params={"by": "catalog"})
    titles = {
        str(c["id"]): c["title"] for c in client.get("/api/v1/catalogs", headers=org.isb).json()
    }
    assert {r["key"]: r["label"] for r in by_catalog.json()} == {
        r["key"]: titles[r["key"]] for r in by_catalog.json()
    }
    practices = client.get("/api/v1/check-progress", headers=org.isb, params={"by": "practice"})
    assert sum(r["total"] for r in practices.json()) == sum(
        r["total"]
        for r in client.get(
            "/api/v1/check-progress", headers=org.isb, params={"by": "catalog"}
        ).json()
    )
    assert (
        client.get("/api/v1/check-progress", headers=org.isb, params={"by": "x"}).status_code == 422
    )


def test_migrating_to_a_new_edition_keeps_the_work(
    client: TestClient, org: Org, catalogs: dict[str, int]
) -> None:
    server = create_asset(client, org, "S-4", "IT-Systeme", org.vt)
    items = entries(client, org.isb, asset_id=server["id"])
    kept, dropped = items[0], items[1]
    for entry in (kept, dropped):
        assert (
            _patch(client, org.isb, entry, status="ja", implementation="erledigt").status_code
            == 200
        )

    document = json.loads(KERNEL.read_bytes())
    document["catalog"]["metadata"]["version"] = "2027-01-01"

    def drop(controls: list[dict]) -> list[dict]:
        return [
            {**c, "controls": drop(c.get("controls", []))}
            for c in controls
            if c["id"] != dropped["control"]["ref"]
        ]

    def walk(groups: list[dict]) -> None:
        for group in groups:
            group["controls"] = drop(group.get("controls", []))
            walk(group.get("groups", []))

    walk(document["catalog"]["groups"])
    new = client.post(
        "/api/v1/catalogs",
        headers=org.isb,
        files={"file": ("kernel-2027.json", json.dumps(document).encode())},
    ).json()
    # Until the ISB migrates, the check stays on the old version.
    assert (
        entries(client, org.isb, asset_id=server["id"])[0]["control"]["catalog_id"]
        == catalogs["kernel"]
    )
    assert (
        client.post(f"/api/v1/catalogs/{new['id']}/activate", headers=org.verkehr).status_code
        == 403
    )
    moved = client.post(f"/api/v1/catalogs/{new['id']}/activate", headers=org.isb)
    assert moved.status_code == 200, moved.text
    assert moved.json()["dropped"] >= 1 and moved.json()["carried"] > 0
    after = {e["control"]["ref"]: e for e in entries(client, org.isb, asset_id=server["id"])}
    assert after[kept["control"]["ref"]]["status"] == "ja"
    assert after[kept["control"]["ref"]]["control"]["catalog_id"] == new["id"]
    assert dropped["control"]["ref"] not in after
    gone = entries(client, org.isb, asset_id=server["id"], modelled=False)
    assert [(e["control"]["ref"], e["status"]) for e in gone] == [(dropped["control"]["ref"], "ja")]
    again = client.post(f"/api/v1/catalogs/{new['id']}/activate", headers=org.isb)
    assert again.status_code == 409
