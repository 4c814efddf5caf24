"""The risk analysis on top of the real Grundschutz++ Kernel and the BSI's ITGS-to-GS++
mapping: the proposed threat overview, MUSS gaps, the KRITIS flag, the implementation plan."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.controls.conftest import ITGS_MAPPING, entries
from tests.risk.analysis.conftest import Org, create_asset, import_file, later, make_risk


@pytest.fixture
def mapped(engine: Engine, catalogs: dict[str, int], threats: dict[str, int]) -> dict[str, int]:
    import_file(engine, ITGS_MAPPING)
    return threats


@pytest.fixture
def scada(client: TestClient, org: Org, mapped: dict[str, int]) -> dict:
    return create_asset(client, org, "SCADA-1", "ICS/OT-Systeme", org.vt, kritis_critical=True)


def mapped_entry(client: TestClient, org: Org, asset: dict, threat: str, verb: str) -> dict:
    """A check entry of the asset whose control the mapping attaches the threat to."""
    overview = client.get(f"/api/v1/assets/{asset['id']}/threat-overview", headers=org.isb).json()
    controls = next(r["controls"] for r in overview if r["threat"]["ref"] == threat)
    found = [
        e
        for e in entries(client, org.isb, asset_id=asset["id"], modal_verb=verb)
        if e["control"]["ref"] in controls
    ]
    assert found, f"no {verb} control of the asset maps to {threat}"
    return found[0]


def test_the_threat_overview_is_proposed_from_the_modelled_controls(
    client: TestClient, org: Org, scada: dict, mapped: dict[str, int]
) -> None:
    url = f"/api/v1/assets/{scada['id']}/threat-overview"
    rows = client.get(url, headers=org.verkehr).json()
    assert len(rows) == 47
    proposed = [r for r in rows if r["proposed"]]
    refs = {r["threat"]["ref"] for r in proposed}
    # The mapping attaches these to controls for IT systems (e.g. patching, hardening).
    assert {"G 0.18", "G 0.23", "G 0.28"} <= refs
    assert all(r["controls"] and r["relevant"] and not r["decided"] for r in proposed)
    assert rows[: len(proposed)] == proposed  # proposed first
    keep = [r["threat"]["id"] for r in proposed if r["threat"]["ref"] != "G 0.18"]
    keep.append(mapped["G 0.44"])  # Unbefugtes Eindringen in Räumlichkeiten, added by hand
    confirmed = client.put(
        url,
        headers=org.isb,
        json={"relevant": keep, "notes": {str(mapped["G 0.44"]): "Leitwarte im Erdgeschoss"}},
    )
    assert confirmed.status_code == 200, confirmed.text
    by_ref = {r["threat"]["ref"]: r for r in confirmed.json()}
    assert by_ref["G 0.18"]["decided"] and not by_ref["G 0.18"]["relevant"]
    assert by_ref["G 0.44"]["relevant"] and by_ref["G 0.44"]["note"] == "Leitwarte im Erdgeschoss"
    assert by_ref["G 0.44"]["decided_by"] == "isb" and not by_ref["G 0.44"]["proposed"]
    assert by_ref["G 0.23"]["relevant"] and by_ref["G 0.23"]["decided"]
    unknown = client.put(url, headers=org.isb, json={"relevant": [999999]})
    assert unknown.status_code == 400 and "999999" in unknown.json()["detail"]
    assert client.put(url, headers=org.verkehr, json={"relevant": []}).status_code == 403
    candidates = client.get("/api/v1/risk-analysis/candidates", headers=org.isb).json()
    assert candidates["items"] == []  # normal protection and controls modelled


def test_objects_that_need_an_analysis(
    client: TestClient, org: Org, scada: dict, mapped: dict[str, int]
) -> None:
    high = {"level": "sehr hoch", "justification": "Steuerung der Abwasserpumpen"}
    assessed = client.put(
        f"/api/v1/assets/{scada['id']}/protection",
        headers=org.isb,
        json={"availability": high},
    )
    assert assessed.status_code == 200, assessed.text
    create_asset(client, org, "RAUM-1", "Geschäftsprozesse", org.fw)
    body = client.get("/api/v1/risk-analysis/candidates", headers=org.isb).json()
    by_id = {c["asset"]["short_id"]: c for c in body["items"]}
    assert by_id["SCADA-1"]["high_protection"] and not by_id["SCADA-1"]["no_fitting_controls"]
    assert by_id["SCADA-1"]["max_level"] == "sehr hoch" and by_id["SCADA-1"]["kritis_critical"]
    if "RAUM-1" in by_id:  # a type no Kernel control targets
        assert by_id["RAUM-1"]["no_fitting_controls"]
    make_risk(client, org, scada["id"], mapped["G 0.39"])
    pending = client.get(
        "/api/v1/risk-analysis/candidates", headers=org.isb, params={"pending": True}
    ).json()
    assert "SCADA-1" not in {c["asset"]["short_id"] for c in pending["items"]}
    scoped = client.get("/api/v1/risk-analysis/candidates", headers=org.feuerwehr).json()
    assert "SCADA-1" not in {c["asset"]["short_id"] for c in scoped["items"]}


def test_a_risk_from_an_unmet_muss_requirement_cannot_be_accepted(
    client: TestClient, org: Org, scada: dict, mapped: dict[str, int]
) -> None:
    assert client.post("/api/v1/modelling/run", headers=org.isb).status_code == 200
    entry = entries(client, org.isb, domain=True, modal_verb="MUSS")[0]  # Kernel: domain-wide
    risk = make_risk(client, org, scada["id"], mapped["G 0.23"], requirement_ids=[entry["id"]])
    assert risk["requirement_ids"] == [entry["id"]]
    body = {
        "approver": "Oberbürgermeister",
        "justification": "Restrisiko ist tragbar.",
        "expires_on": later(180),
    }
    refused = client.post(f"/api/v1/risks/{risk['id']}/acceptance", headers=org.isb, json=body)
    assert refused.status_code == 409
    assert entry["control"]["ref"] in refused.json()["detail"]
    assert "MUSS" in refused.json()["detail"]
    # Once the requirement is met, the (residual) risk may be accepted; on a KRITIS facility
    # the acceptance is flagged while other measures against the threat are still open.
    recorded = client.patch(
        f"/api/v1/check-entries/{entry['id']}", headers=org.isb, json={"status": "ja"}
    )
    assert recorded.status_code == 200, recorded.text
    accepted = client.post(f"/api/v1/risks/{risk['id']}/acceptance", headers=org.isb, json=body)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["kritis_flag"] is True
    assert accepted.json()["warnings"] == ["kritis_measures_exist"]
    assert entry["control"]["ref"] not in accepted.json()["kritis_note"].split(", ")
    assert (
        len(accepted.json()["kritis_note"].split(", ")) == 10
    )  # the SOLLTE controls against G 0.23
    flagged = client.get("/api/v1/risks", headers=org.isb, params={"flagged": True}).json()
    assert [r["id"] for r in flagged["items"]] == [risk["id"]]


def test_no_kritis_flag_outside_critical_facilities(
    client: TestClient, org: Org, mapped: dict[str, int]
) -> None:
    server = create_asset(client, org, "SRV-1", "ICS/OT-Systeme", org.vt)
    risk = make_risk(client, org, server["id"], mapped["G 0.23"])
    accepted = client.post(
        f"/api/v1/risks/{risk['id']}/acceptance",
        headers=org.isb,
        json={
            "approver": "Dezernent Verkehr",
            "justification": "Restrisiko ist tragbar.",
            "expires_on": later(180),
        },
    )
    assert accepted.json()["kritis_flag"] is False


def test_the_implementation_plan(
    client: TestClient, org: Org, scada: dict, mapped: dict[str, int]
) -> None:
    fire = create_asset(client, org, "FW-ALARM", "ICS/OT-Systeme", org.fw)
    gap = mapped_entry(client, org, scada, "G 0.23", "SOLLTE")
    recorded = client.patch(
        f"/api/v1/check-entries/{gap['id']}",
        headers=org.verkehr,
        json={
            "status": "nein",
            "justification": "Budget 2027 beantragt",
            "target_date": later(-10),
            "cost": 12000,
            "responsible": "Frau Netz",
        },
    )
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["cost"] == 12000
    risk = make_risk(
        client, org, fire["id"], mapped["G 0.9"], frequency="selten", impact="begrenzt"
    )
    measure = client.post(
        "/api/v1/measures",
        headers=org.isb,
        json={
            "risk_id": risk["id"],
            "title": "Zweiter Funkweg",
            "due_date": later(30),
            "cost": 80000,
        },
    ).json()
    assert measure["priority"] == 3  # gering: not urgent
    plan = client.get("/api/v1/implementation-plan", headers=org.isb).json()
    assert plan["total"] == 2
    first, second = plan["items"]
    assert (first["kind"], first["ref"], first["priority"]) == ("check", gap["control"]["ref"], 2)
    assert first["overdue"] and first["cost"] == 12000 and first["asset"]["short_id"] == "SCADA-1"
    assert (second["kind"], second["risk_ref"], second["cost"]) == ("measure", risk["ref"], 80000)
    assert not second["overdue"] and second["status"] == "geplant"
    mine = client.get("/api/v1/implementation-plan", headers=org.feuerwehr).json()
    assert [i["kind"] for i in mine["items"]] == ["measure"]
    overdue = client.get(
        "/api/v1/implementation-plan", headers=org.isb, params={"overdue": True}
    ).json()
    assert [i["id"] for i in overdue["items"]] == [gap["id"]]
    by_department = client.get(
        "/api/v1/implementation-plan", headers=org.isb, params={"department_id": org.fw.id}
    ).json()
    assert by_department["total"] == 1
    only_checks = client.get(
        "/api/v1/implementation-plan", headers=org.isb, params={"kind": "check"}
    ).json()
    assert only_checks["total"] == 1
    client.patch(f"/api/v1/measures/{measure['id']}", headers=org.isb, json={"status": "umgesetzt"})
    assert client.get("/api/v1/implementation-plan", headers=org.isb).json()["total"] == 1
