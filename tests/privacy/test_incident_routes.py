"""The incident register over the API: times in order, the deadlines running from becoming
aware, every breach documented (also when not notified), KRITIS reporting for critical
facilities, departments reporting their own incidents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.privacy.conftest import Org, activity, create_asset


def at(hours_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat()


def incident(department_id: int, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "title": "Ransomware auf dem Fileserver des Bürgeramts",
        "department_id": department_id,
        "severity": "hoch",
        "occurred_at": at(30),
        "detected_at": at(12),
        "aware_at": at(10),
        "actions": "Server vom Netz genommen, Backups geprüft",
    }
    body.update(changes)
    return body


def test_a_breach_on_a_critical_facility_runs_every_clock(
    client: TestClient, org: Org, dpo: dict[str, str]
) -> None:
    leitstelle = create_asset(client, org, "ALARM-1", "Anwendungen", org.fw, kritis_critical=True)
    record = client.post(
        "/api/v1/processing-activities", headers=dpo, json=activity(org.fw.id, name="Einsätze")
    ).json()
    created = client.post(
        "/api/v1/incidents",
        headers=org.isb,
        json=incident(
            org.fw.id,
            asset_ids=[leitstelle["id"]],
            activity_ids=[record["id"]],
            personal_data=True,
            risk_to_rights="hohes_risiko",
            nature="Verschlüsselung und Abfluss von Einsatzprotokollen",
            subjects_count=1200,
        ),
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["ref"] == "SV-0001" and body["kritis"] is True  # from the critical object
    assert body["activity_ids"] == [record["id"]]
    assert [a["short_id"] for a in body["assets"]] == ["ALARM-1"]
    clocks = {c["deadline"]: c for c in body["clocks"]}
    assert set(clocks) == {
        "art33",
        "art34",
        "bsig_fruehwarnung",
        "bsig_meldung",
        "bsig_abschluss",
    }
    assert clocks["art33"]["state"] == "laeuft"
    assert 61 * 3600 < clocks["art33"]["seconds_left"] <= 62 * 3600  # 72 h from 10 h ago
    assert clocks["bsig_fruehwarnung"]["seconds_left"] <= 14 * 3600
    assert clocks["art34"]["due"] is None and clocks["art34"]["state"] == "laeuft"
    deadlines = client.get("/api/v1/incidents/deadlines", headers=dpo).json()
    assert [d["clock"]["deadline"] for d in deadlines][:2] == ["bsig_fruehwarnung", "art33"]
    assert deadlines[-1]["clock"]["deadline"] == "art34"  # no fixed hour: last
    # Notified in time: the clocks stop.
    one = f"/api/v1/incidents/{body['id']}"
    done = client.put(
        one,
        headers=dpo,
        json=incident(
            org.fw.id,
            asset_ids=[leitstelle["id"]],
            personal_data=True,
            risk_to_rights="hohes_risiko",
            authority_notified_at=at(2),
            subjects_notified_at=at(1),
            kritis=True,
            early_warning_at=at(3),
            notification_at=at(2),
            version=body["version"],
        ),
    )
    assert done.status_code == 200, done.text
    states = {c["deadline"]: c["state"] for c in done.json()["clocks"]}
    assert states["art33"] == states["art34"] == states["bsig_meldung"] == "erledigt"
    assert states["bsig_abschluss"] == "laeuft"
    left = [
        d["clock"]["deadline"]
        for d in client.get("/api/v1/incidents/deadlines", headers=dpo).json()
    ]
    assert left == ["bsig_abschluss"]


def test_times_out_of_order_and_undocumented_breaches_are_named(
    client: TestClient, org: Org, dpo: dict[str, str]
) -> None:
    def refused(**changes: object) -> dict:
        answer = client.post("/api/v1/incidents", headers=dpo, json=incident(org.vt.id, **changes))
        assert 400 <= answer.status_code < 500, answer.text
        return answer.json()

    assert refused(aware_at=at(20))["field"] == "aware_at"  # aware before detected
    assert refused(occurred_at=at(5))["field"] == "detected_at"  # detected before it occurred
    assert refused(aware_at=at(-6), detected_at=at(-5))["field"] == "detected_at"  # future
    assert "aware_at" in refused(aware_at="2026-01-01T10:00:00")["detail"]  # no time zone
    breach = {"personal_data": True, "risk_to_rights": "risiko"}
    assert refused(**breach, authority_notified_at=at(11))["field"] == "authority_notified_at"
    assert refused(authority_notified_at=at(5))["field"] == "personal_data"
    harmless = refused(personal_data=True, risk_to_rights="kein_risiko")
    assert harmless["field"] == "authority_reason" and "Art. 33 Abs. 5" in harmless["detail"]
    four_days_ago = at(100)
    late = refused(
        **breach,
        aware_at=four_days_ago,
        detected_at=four_days_ago,
        occurred_at=None,
        authority_notified_at=at(1),
    )
    assert late["field"] == "authority_reason" and "Verzögerung" in late["detail"]
    assert refused(personal_data=True, status="abgeschlossen")["field"] == "risk_to_rights"
    assert refused(early_warning_at=at(5))["field"] == "kritis"
    assert refused(kritis=True, notification_at=at(5))["field"] == "early_warning_at"
    assert refused(kritis=True, early_warning_at=at(6), final_report_at=at(5))["field"] == (
        "notification_at"
    )
    # Closing must not hide a deadline: notified, or the omission justified.
    open_breach = refused(status="abgeschlossen", **breach)
    assert open_breach["field"] == "authority_notified_at"
    high = refused(
        status="abgeschlossen",
        personal_data=True,
        risk_to_rights="hohes_risiko",
        authority_notified_at=at(5),
    )
    assert high["field"] == "subjects_notified_at"
    assert refused(status="abgeschlossen", kritis=True)["field"] == "final_report_at"
    assert refused(kritis=True, early_warning_at=at(4), notification_at=at(6))["field"] == (
        "notification_at"
    )
    assert refused(asset_ids=[987654])["field"] == "asset_ids"
    assert refused(activity_ids=[987654])["field"] == "activity_ids"
    assert client.get("/api/v1/incidents", headers=dpo).json()["total"] == 0
    documented = client.post(
        "/api/v1/incidents",
        headers=dpo,
        json=incident(
            org.vt.id,
            personal_data=True,
            risk_to_rights="kein_risiko",
            authority_reason="Daten waren verschlüsselt, Schlüssel nicht betroffen",
            status="abgeschlossen",
        ),
    )
    assert documented.status_code == 201, documented.text
    assert [c["state"] for c in documented.json()["clocks"]] == ["entfaellt"]


def test_departments_report_and_follow_their_own_incidents(
    client: TestClient, org: Org, dpo: dict[str, str]
) -> None:
    assert (
        client.post("/api/v1/incidents", headers=org.verkehr, json=incident(org.fw.id)).status_code
        == 400
    )
    mine = client.post("/api/v1/incidents", headers=org.verkehr, json=incident(org.vt.id))
    assert mine.status_code == 201, mine.text
    one = f"/api/v1/incidents/{mine.json()['id']}"
    assert client.get(one, headers=org.feuerwehr).status_code == 404
    assert client.get(one, headers=org.auditor).status_code == 200
    assert (
        client.post("/api/v1/incidents", headers=org.auditor, json=incident(org.vt.id)).status_code
        == 403
    )
    body = mine.json()
    same = {k: body[k] for k in ("occurred_at", "detected_at", "aware_at")}
    stale = client.put(one, headers=org.verkehr, json=incident(org.vt.id, **same, version=99))
    assert stale.status_code == 409
    described = client.put(
        one,
        headers=org.verkehr,
        json=incident(org.vt.id, **same, actions="Backup eingespielt", version=body["version"]),
    )
    assert described.status_code == 200, described.text
    # The assessment, the notifications, the time of becoming aware and closing are the ISB's
    # and the DPO's: a department is refused, naming the field.
    version = described.json()["version"]
    for change, field in (
        (
            {"personal_data": True, "risk_to_rights": "kein_risiko", "authority_reason": "x"},
            "risk_to_rights",
        ),
        ({"aware_at": at(11)}, "aware_at"),
        ({"status": "abgeschlossen"}, "status"),
        ({"kritis": True, "early_warning_at": at(1)}, "early_warning_at"),
    ):
        refused = client.put(
            one,
            headers=org.verkehr,
            json=incident(org.vt.id, **{**same, **change}, version=version),
        )
        assert refused.status_code == 403 and refused.json()["field"] == field, refused.text
    assessed = client.post(
        "/api/v1/incidents",
        headers=org.verkehr,
        json=incident(org.vt.id, personal_data=True, risk_to_rights="risiko"),
    )
    assert assessed.status_code == 403 and assessed.json()["field"] == "risk_to_rights"
    assert client.delete(one, headers=org.verkehr).status_code == 403  # the ISB's and the DPO's
    listed = client.get("/api/v1/incidents", headers=org.feuerwehr, params={"open": True}).json()
    assert listed["total"] == 0
    assert client.delete(one, headers=org.isb).status_code == 204


def test_a_critical_object_makes_the_bsig_stages_apply_without_the_flag(
    client: TestClient, org: Org, dpo: dict[str, str]
) -> None:
    scada = create_asset(client, org, "SCADA-1", "ICS/OT-Systeme", org.vt, kritis_critical=True)
    created = client.post(
        "/api/v1/incidents",
        headers=dpo,
        json=incident(org.vt.id, asset_ids=[scada["id"]], early_warning_at=at(5)),
    )
    assert created.status_code == 201, created.text
    assert created.json()["kritis"] is True
    states = {c["deadline"]: c["state"] for c in created.json()["clocks"]}
    assert states["bsig_fruehwarnung"] == "erledigt" and states["bsig_meldung"] == "laeuft"


def test_departments_see_and_link_only_their_own_objects(
    client: TestClient, org: Org, dpo: dict[str, str]
) -> None:
    mine = create_asset(client, org, "VR-1", "IT-Systeme", org.vt)
    theirs = create_asset(client, org, "ALARM-1", "Anwendungen", org.fw, kritis_critical=True)
    refused = client.post(
        "/api/v1/incidents",
        headers=org.verkehr,
        json=incident(org.vt.id, asset_ids=[theirs["id"]]),
    )
    assert refused.status_code == 400 and refused.json()["field"] == "asset_ids"
    # The ISB links the fire brigade's object to the traffic department's incident.
    both = client.post(
        "/api/v1/incidents",
        headers=org.isb,
        json=incident(org.vt.id, asset_ids=[mine["id"], theirs["id"]]),
    ).json()
    one = f"/api/v1/incidents/{both['id']}"
    seen = client.get(one, headers=org.verkehr).json()
    assert [a["short_id"] for a in seen["assets"]] == ["VR-1"] and seen["kritis"] is True
    same = {k: seen[k] for k in ("occurred_at", "detected_at", "aware_at")}
    kept = client.put(
        one,
        headers=org.verkehr,
        json=incident(org.vt.id, **same, asset_ids=[mine["id"]], version=seen["version"]),
    )
    assert kept.status_code == 200, kept.text
    assert [a["short_id"] for a in client.get(one, headers=dpo).json()["assets"]] == [
        "ALARM-1",
        "VR-1",
    ]


def test_breach_documentation_and_the_records_it_names_are_kept(
    client: TestClient, org: Org, dpo: dict[str, str]
) -> None:
    register = client.post(
        "/api/v1/processing-activities", headers=dpo, json=activity(org.vt.id)
    ).json()
    breach = client.post(
        "/api/v1/incidents",
        headers=dpo,
        json=incident(
            org.vt.id, personal_data=True, risk_to_rights="risiko", activity_ids=[register["id"]]
        ),
    ).json()
    gone = client.delete(f"/api/v1/incidents/{breach['id']}", headers=org.isb)
    assert gone.status_code == 409 and breach["ref"] in gone.json()["detail"]
    named = client.delete(f"/api/v1/processing-activities/{register['id']}", headers=dpo)
    assert named.status_code == 409 and breach["ref"] in named.json()["detail"]
    assert client.get(f"/api/v1/incidents/{breach['id']}", headers=dpo).json()["activity_ids"] == [
        register["id"]
    ]
    mistake = client.post("/api/v1/incidents", headers=dpo, json=incident(org.vt.id)).json()
    assert client.delete(f"/api/v1/incidents/{mistake['id']}", headers=dpo).status_code == 204


def test_backup_and_restore_requirements_serve_restoring_availability() -> None:
    from privacy.legal import art32_goal

    assert art32_goal("OPS", "Datensicherung regelmäßig durchführen") == "c"
    assert art32_goal("CON", "Verschlüsselung der Datenträger") == "a"
    assert art32_goal("ORP", "Regelungen für Mitarbeitende") == "b"
