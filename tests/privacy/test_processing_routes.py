"""The record of processing activities (Art. 30) over the API: complete entries, the legal
bases checked as a whole, departments keeping their own entries, the measures (Art. 32) derived
from the Grundschutz-Check and staying true when it changes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.privacy.conftest import Org, activity, create_asset, entries


def test_the_dpo_records_an_activity_with_the_objects_that_carry_it(
    client: TestClient, org: Org, dpo: dict[str, str]
) -> None:
    server = create_asset(client, org, "MELDE-1", "IT-Systeme", org.vt)
    created = client.post(
        "/api/v1/processing-activities",
        headers=dpo,
        json=activity(org.vt.id, asset_ids=[server["id"]]),
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["ref"] == "VVT-0001" and body["version"] == 1
    assert body["legal_bases"] == ["art6_1_c", "art6_1_e"]
    assert [a["short_id"] for a in body["assets"]] == ["MELDE-1"]
    assert body["recipients"][1] == {
        "name": "Rechenzentrum Dataport",
        "kind": "auftragsverarbeiter",
        "contract": "AV-17",
    }
    one = f"/api/v1/processing-activities/{body['id']}"
    assert client.get(one, headers=org.verkehr).json()["name"] == "Melderegister"
    assert client.get(one, headers=org.auditor).status_code == 200
    assert client.get(one, headers=org.isb).status_code == 200
    assert client.get(one, headers=org.feuerwehr).status_code == 404  # not theirs
    listed = client.get(
        "/api/v1/processing-activities", headers=org.feuerwehr, params={"q": "melde"}
    ).json()
    assert listed == {"items": [], "total": 0}
    found = client.get(
        "/api/v1/processing-activities", headers=dpo, params={"asset_id": server["id"]}
    ).json()
    assert found["total"] == 1
    # Readers do not write: the ISB and auditors read the record, the DPO keeps it.
    assert (
        client.post(
            "/api/v1/processing-activities", headers=org.isb, json=activity(org.vt.id)
        ).status_code
        == 403
    )
    audit = client.get(
        "/api/v1/audit-events",
        headers=org.auditor,
        params={"object_type": "processing_activity"},
    )
    assert audit.status_code == 200 and audit.json()["total"] >= 1


def test_missing_fields_and_wrong_legal_bases_are_named(
    client: TestClient, org: Org, dpo: dict[str, str]
) -> None:
    def post(department_id: int = org.vt.id, **changes: object) -> dict:
        answer = client.post(
            "/api/v1/processing-activities", headers=dpo, json=activity(department_id, **changes)
        )
        assert 400 <= answer.status_code < 500, answer.text
        return answer.json()

    missing = post(purposes="  ")
    assert "purposes" in missing["detail"]
    assert "data_categories" in post(data_categories=[])["detail"]
    assert "legal_bases" in post(legal_bases=["art6_1_g"])["detail"]  # no such point
    assert "legal_bases" in post(legal_bases=[])["detail"]
    health = post(special_categories=True, legal_bases=["art6_1_e"])
    assert health["field"] == "legal_bases" and "Art. 9" in health["detail"]
    assert post(legal_bases=["art6_1_e", "art9_2_h"])["field"] == "legal_bases"
    assert post(legal_bases=["art9_2_h"], special_categories=True)["field"] == "legal_bases"
    processor = post(recipients=[{"name": "Cloud GmbH", "kind": "auftragsverarbeiter"}])
    assert processor["field"] == "recipients" and "Zeile 1" in processor["detail"]
    assert post(dpia_required=True, dpia_reason="")["field"] == "dpia_reason"
    assert "safeguard" in post(transfers=[{"country": "USA"}])["detail"]
    assert post(asset_ids=[987654])["field"] == "asset_ids"
    assert post(department_id=987654)["field"] == "department_id"
    valid = client.post(
        "/api/v1/processing-activities",
        headers=dpo,
        json=activity(
            org.vt.id,
            special_categories=True,
            legal_bases=["art6_1_e", "art9_2_h"],
            dpia_required=True,
            dpia_reason="Gesundheitsdaten in großem Umfang (Art. 35 Abs. 3 lit. b)",
        ),
    )
    assert valid.status_code == 201, valid.text
    assert client.get("/api/v1/processing-activities", headers=dpo).json()["total"] == 1


def test_departments_keep_their_own_entries_only(
    client: TestClient, org: Org, dpo: dict[str, str]
) -> None:
    alarm = create_asset(client, org, "ALARM-1", "Anwendungen", org.fw)
    theirs = client.post(
        "/api/v1/processing-activities", headers=org.verkehr, json=activity(org.fw.id)
    )
    assert theirs.status_code == 400 and theirs.json()["field"] == "department_id"
    foreign_object = client.post(
        "/api/v1/processing-activities",
        headers=org.verkehr,
        json=activity(org.vt.id, asset_ids=[alarm["id"]]),
    )
    assert foreign_object.status_code == 400 and foreign_object.json()["field"] == "asset_ids"
    mine = client.post(
        "/api/v1/processing-activities",
        headers=org.verkehr,
        json=activity(org.vt.id, name="Verkehrskameras"),
    )
    assert mine.status_code == 201, mine.text
    one = f"/api/v1/processing-activities/{mine.json()['id']}"
    changed = client.put(
        one,
        headers=org.verkehr,
        json=activity(org.vt.id, name="Verkehrskameras (Übersicht)", version=1),
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = client.put(one, headers=org.verkehr, json=activity(org.vt.id, version=1))
    assert stale.status_code == 409
    assert client.put(one, headers=org.feuerwehr, json=activity(org.fw.id)).status_code == 404
    assert client.delete(one, headers=org.feuerwehr).status_code == 404
    assert client.delete(one, headers=org.auditor).status_code == 403
    assert client.delete(one, headers=org.verkehr).status_code == 204
    assert client.get(one, headers=dpo).status_code == 404


def test_the_measures_are_derived_from_the_check_and_follow_it(
    client: TestClient, org: Org, dpo: dict[str, str], catalogs: dict[str, int]
) -> None:
    server = create_asset(client, org, "MELDE-1", "IT-Systeme", org.vt)
    created = client.post(
        "/api/v1/processing-activities",
        headers=dpo,
        json=activity(org.vt.id, asset_ids=[server["id"]], tom_note="Mandantentrennung"),
    )
    toms_url = f"/api/v1/processing-activities/{created.json()['id']}/toms"
    toms = client.get(toms_url, headers=org.verkehr).json()
    assert toms["note"] == "Mandantentrennung"
    groups = {g["goal"]: g for g in toms["groups"]}
    assert list(groups) == ["a", "b", "c", "d"]
    modelled = entries(client, org.verkehr, asset_id=server["id"])
    assert sum(len(g["rows"]) for g in groups.values()) == len(modelled) > 0
    assert groups["b"]["rows"] and groups["b"]["implemented"] == 0
    crypto = [r for g in groups.values() for r in g["rows"] if "erschlüssel" in r["title"]]
    assert all(r in groups["a"]["rows"] for r in crypto)
    target = groups["b"]["rows"][0]
    entry = next(e for e in modelled if e["control"]["ref"] == target["ref"])
    answered = client.patch(
        f"/api/v1/check-entries/{entry['id']}",
        headers=org.verkehr,
        json={"status": "ja", "implementation": "Rollenkonzept", "version": entry["version"]},
    )
    assert answered.status_code == 200, answered.text
    after = {g["goal"]: g for g in client.get(toms_url, headers=dpo).json()["groups"]}
    assert after["b"]["implemented"] == 1 and after["b"]["open"] == groups["b"]["open"] - 1
    row = next(r for r in after["b"]["rows"] if r["ref"] == target["ref"])
    assert row["status"] == "ja" and row["implementation"] == "Rollenkonzept"
    assert row["asset"]["short_id"] == "MELDE-1"


def test_a_department_sees_only_its_own_objects_and_their_measures(
    client: TestClient, org: Org, dpo: dict[str, str], catalogs: dict[str, int]
) -> None:
    mine = create_asset(client, org, "MELDE-1", "IT-Systeme", org.vt)
    theirs = create_asset(client, org, "ALARM-1", "IT-Systeme", org.fw)
    created = client.post(
        "/api/v1/processing-activities",
        headers=dpo,
        json=activity(org.vt.id, asset_ids=[mine["id"], theirs["id"]]),
    ).json()
    one = f"/api/v1/processing-activities/{created['id']}"
    seen = client.get(one, headers=org.verkehr).json()
    assert [a["short_id"] for a in seen["assets"]] == ["MELDE-1"]
    rows = [
        r
        for g in client.get(f"{one}/toms", headers=org.verkehr).json()["groups"]
        for r in g["rows"]
    ]
    assert rows and {r["asset"]["short_id"] for r in rows} == {"MELDE-1"}
    every = [r for g in client.get(f"{one}/toms", headers=dpo).json()["groups"] for r in g["rows"]]
    assert {r["asset"]["short_id"] for r in every} == {"MELDE-1", "ALARM-1"}
    kept = client.put(
        one,
        headers=org.verkehr,
        json=activity(org.vt.id, asset_ids=[mine["id"]], version=seen["version"]),
    )
    assert kept.status_code == 200, kept.text
    assert len(client.get(one, headers=dpo).json()["assets"]) == 2  # the DPO's link stays
