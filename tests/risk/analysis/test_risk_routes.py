"""The risk register over the API: rating, treatment, acceptance, scoping and history."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.risk.analysis.conftest import THREATS_CSV, Org, create_asset, later, make_risk


@pytest.fixture
def scada(client: TestClient, org: Org, threats: dict[str, int]) -> dict:
    return create_asset(client, org, "SCADA-1", "ICS/OT-Systeme", org.vt, kritis_critical=True)


def test_threats_are_the_bsi_list_in_order(
    client: TestClient, org: Org, threats: dict[str, int]
) -> None:
    body = client.get("/api/v1/threats", headers=org.auditor).json()
    refs = [t["ref"] for t in body]
    assert len(refs) == 47
    assert refs[:2] == ["G 0.1", "G 0.2"]
    assert refs.index("G 0.9") < refs.index("G 0.10")
    assert body[0]["name"] == "Feuer" and body[0]["source"] == "bsi"
    assert "Löschwasserschäden" in body[0]["description"]


def test_threat_import_is_idempotent_and_refuses_other_files(client: TestClient, org: Org) -> None:
    files = {"file": ("basethreats.csv", THREATS_CSV.read_bytes(), "text/csv")}
    first = client.post("/api/v1/threats/import", headers=org.isb, files=files)
    assert first.status_code == 200, first.text
    assert first.json() == {"changed": 47, "total": 47}
    again = client.post("/api/v1/threats/import", headers=org.isb, files=files)
    assert again.json() == {"changed": 0, "total": 47}
    bad = client.post(
        "/api/v1/threats/import",
        headers=org.isb,
        files={"file": ("x.csv", b"Name;Wert\r\nA;1\r\n", "text/csv")},
    )
    assert bad.status_code == 400
    assert "ID" in bad.json()["detail"]


def test_own_threats(client: TestClient, org: Org, threats: dict[str, int], scada: dict) -> None:
    made = client.post(
        "/api/v1/threats",
        headers=org.isb,
        json={"ref": "ZG 1", "name": "Manipulierte Firmware der Signalsteuerung"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["source"] == "own"
    reserved = client.post(
        "/api/v1/threats", headers=org.isb, json={"ref": "G 0.48", "name": "Neu"}
    )
    assert reserved.status_code == 400
    taken = client.post("/api/v1/threats", headers=org.isb, json={"ref": "ZG 1", "name": "X"})
    assert taken.status_code == 409
    bsi = client.put(f"/api/v1/threats/{threats['G 0.1']}", headers=org.isb, json={"name": "Brand"})
    assert bsi.status_code == 409
    make_risk(client, org, scada["id"], made.json()["id"])
    in_use = client.delete(f"/api/v1/threats/{made.json()['id']}", headers=org.isb)
    assert in_use.status_code == 409
    assert "1" in in_use.json()["detail"]


def test_a_risk_is_rated_by_the_matrix_with_german_terms(
    client: TestClient, org: Org, threats: dict[str, int], scada: dict
) -> None:
    risk = make_risk(
        client, org, scada["id"], threats["G 0.39"], frequency="häufig", impact="existenzbedrohend"
    )
    assert risk["ref"].startswith("R-")
    assert (risk["frequency"], risk["impact"], risk["category"]) == (
        "häufig",
        "existenzbedrohend",
        "sehr hoch",
    )
    assert risk["status"] == "offen" and risk["treatment"] is None
    assert risk["owner_department_id"] == org.vt.id  # the asset's department by default
    assert risk["threat"]["ref"] == "G 0.39" and risk["asset"]["short_id"] == "SCADA-1"
    assert risk["kritis_critical"] is True
    matrices = client.get("/api/v1/risk-matrices", headers=org.auditor).json()
    assert [m["name"] for m in matrices] == ["BSI 200-3"] and matrices[0]["id"] == risk["matrix_id"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"frequency": "oft"}, "frequency"),
        ({"impact": "katastrophal"}, "impact"),
        ({"availability": False, "integrity": False}, "confidentiality"),
        ({"asset_id": 999999}, "asset_id"),
        ({"threat_id": 999999}, "threat_id"),
        ({"owner_department_id": 999999}, "owner_department_id"),
        ({"requirement_ids": [999999]}, "requirement_ids"),
    ],
)
def test_bad_risks_are_refused_and_nothing_is_written(
    client: TestClient, org: Org, threats: dict[str, int], scada: dict, change: dict, field: str
) -> None:
    body = {
        "asset_id": scada["id"],
        "threat_id": threats["G 0.1"],
        "title": "Brand im Leitstand",
        "availability": True,
        "integrity": True,
        "frequency": "selten",
        "impact": "beträchtlich",
        **change,
    }
    response = client.post("/api/v1/risks", headers=org.isb, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_input"
    if field in ("frequency", "impact"):
        assert "selten" in response.json()["detail"] or "begrenzt" in response.json()["detail"]
    assert client.get("/api/v1/risks", headers=org.isb).json()["total"] == 0


def test_department_users_see_their_departments_risks_only(
    client: TestClient, org: Org, threats: dict[str, int], scada: dict
) -> None:
    fire = create_asset(client, org, "FW-ALARM", "Anwendungen", org.fw)
    own = make_risk(client, org, scada["id"], threats["G 0.39"])
    other = make_risk(client, org, fire["id"], threats["G 0.9"])
    listed = client.get("/api/v1/risks", headers=org.verkehr).json()
    assert [r["ref"] for r in listed["items"]] == [own["ref"]]
    assert client.get(f"/api/v1/risks/{other['id']}", headers=org.verkehr).status_code == 404
    assert client.get(f"/api/v1/risks/{own['id']}", headers=org.verkehr).status_code == 200
    assert client.get("/api/v1/risks", headers=org.isb).json()["total"] == 2
    made = client.post(
        "/api/v1/risks",
        headers=org.verkehr,
        json={**own, "asset_id": scada["id"], "threat_id": threats["G 0.1"]},
    )
    assert made.status_code == 403


def test_filters_and_sorting(
    client: TestClient, org: Org, threats: dict[str, int], scada: dict
) -> None:
    low = make_risk(
        client, org, scada["id"], threats["G 0.1"], frequency="selten", impact="begrenzt"
    )
    high = make_risk(
        client, org, scada["id"], threats["G 0.39"], frequency="häufig", impact="beträchtlich"
    )
    first = client.get("/api/v1/risks", headers=org.isb).json()["items"]
    assert [r["ref"] for r in first] == [high["ref"], low["ref"]]  # highest category first
    by_category = client.get("/api/v1/risks", headers=org.isb, params={"category": "gering"})
    assert [r["ref"] for r in by_category.json()["items"]] == [low["ref"]]
    cell = client.get(
        "/api/v1/risks", headers=org.isb, params={"frequency": "häufig", "impact": "beträchtlich"}
    )
    assert [r["ref"] for r in cell.json()["items"]] == [high["ref"]]
    searched = client.get("/api/v1/risks", headers=org.isb, params={"q": high["ref"].lower()})
    assert searched.json()["total"] == 1
    kritis = client.get("/api/v1/risks", headers=org.isb, params={"kritis": "false"})
    assert kritis.json()["total"] == 0
    bad_sort = client.get("/api/v1/risks", headers=org.isb, params={"sort": "nonsense"})
    assert bad_sort.status_code == 400
    bad_status = client.get("/api/v1/risks", headers=org.isb, params={"status": "erledigt"})
    assert bad_status.status_code == 422


def test_rerating_is_recorded_in_the_history(
    client: TestClient, org: Org, threats: dict[str, int], scada: dict
) -> None:
    risk = make_risk(client, org, scada["id"], threats["G 0.39"])
    changed = client.patch(
        f"/api/v1/risks/{risk['id']}",
        headers=org.isb,
        json={"frequency": "sehr häufig", "version": risk["version"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["category"] == "sehr hoch"
    stale = client.patch(
        f"/api/v1/risks/{risk['id']}",
        headers=org.isb,
        json={"frequency": "selten", "version": risk["version"]},
    )
    assert stale.status_code == 409
    events = client.get(f"/api/v1/risks/{risk['id']}/history", headers=org.auditor).json()
    assert [e["action"] for e in events] == ["rated", "created"]
    assert events[0]["actor"] == "isb"
    assert events[0]["details"]["before"]["category"] == "mittel"
    assert events[0]["details"]["after"]["category"] == "sehr hoch"


def test_residual_rating(
    client: TestClient, org: Org, threats: dict[str, int], scada: dict
) -> None:
    risk = make_risk(client, org, scada["id"], threats["G 0.39"], frequency="häufig")
    url = f"/api/v1/risks/{risk['id']}"
    above = client.patch(
        url,
        headers=org.isb,
        json={"residual_frequency": "sehr häufig", "residual_impact": "existenzbedrohend"},
    )
    assert above.status_code == 400
    assert "hoch" in above.json()["detail"]
    half = client.patch(url, headers=org.isb, json={"residual_frequency": "selten"})
    assert half.status_code == 400
    ok = client.patch(
        url, headers=org.isb, json={"residual_frequency": "selten", "residual_impact": "begrenzt"}
    )
    assert ok.json()["residual_category"] == "gering" and ok.json()["category"] == "hoch"


def test_treatment_rules(
    client: TestClient, org: Org, threats: dict[str, int], scada: dict
) -> None:
    risk = make_risk(client, org, scada["id"], threats["G 0.39"])
    url = f"/api/v1/risks/{risk['id']}/treatment"
    assert client.post(url, headers=org.isb, json={"treatment": "transferieren"}).status_code == 400
    assert client.post(url, headers=org.isb, json={"treatment": "akzeptieren"}).status_code == 400
    assert client.post(url, headers=org.isb, json={"treatment": "ignorieren"}).status_code == 422
    done = client.post(
        url,
        headers=org.isb,
        json={"treatment": "transferieren", "note": "Cyberversicherung der Stadtwerke"},
    )
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["treatment"]) == ("in_behandlung", "transferieren")
    assert client.post(url, headers=org.verkehr, json={"treatment": "vermeiden"}).status_code == 403


def accept_body(**change: object) -> dict:
    return {
        "approver": "Oberbürgermeister",
        "justification": "Restrisiko vertretbar bis zur Migration 2027.",
        "expires_on": later(365),
        **change,
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"approver": " "}, "approver"),
        ({"justification": "ok"}, "justification"),
        ({"expires_on": None}, "expires_on"),
        ({"expires_on": later(-1)}, "expires_on"),
        ({"expires_on": later(4 * 365)}, "expires_on"),
        ({"residual_frequency": "selten"}, "residual_impact"),
    ],
)
def test_acceptance_needs_approver_justification_and_expiry(
    client: TestClient,
    org: Org,
    threats: dict[str, int],
    scada: dict,
    change: dict,
    field: str,
) -> None:
    risk = make_risk(client, org, scada["id"], threats["G 0.39"])
    response = client.post(
        f"/api/v1/risks/{risk['id']}/acceptance", headers=org.isb, json=accept_body(**change)
    )
    assert response.status_code == 400, response.text
    after = client.get(f"/api/v1/risks/{risk['id']}", headers=org.isb).json()
    assert after["status"] == "offen" and after["acceptance"] is None


def test_acceptance_without_expiry_field_is_a_clear_error(
    client: TestClient, org: Org, threats: dict[str, int], scada: dict
) -> None:
    risk = make_risk(client, org, scada["id"], threats["G 0.39"])
    body = accept_body()
    del body["expires_on"]
    response = client.post(f"/api/v1/risks/{risk['id']}/acceptance", headers=org.isb, json=body)
    assert response.status_code == 422
    assert "expires_on" in response.text


def test_an_accepted_risk(client: TestClient, org: Org, threats: dict[str, int]) -> None:
    office = create_asset(client, org, "BUERO-1", "Anwendungen", org.fw)
    risk = make_risk(
        client, org, office["id"], threats["G 0.1"], frequency="selten", impact="begrenzt"
    )
    response = client.post(
        f"/api/v1/risks/{risk['id']}/acceptance", headers=org.isb, json=accept_body()
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["treatment"]) == ("akzeptiert", "akzeptieren")
    assert body["acceptance"]["approver"] == "Oberbürgermeister"
    assert body["acceptance"]["expired"] is False
    assert body["kritis_flag"] is False and body["warnings"] == []
    assert body["residual_category"] == "gering"
    again = client.post(
        f"/api/v1/risks/{risk['id']}/reopen", headers=org.isb, json={"reason": "Neue Lage"}
    )
    assert again.json()["status"] == "offen" and again.json()["acceptance"] is None
    history = client.get(f"/api/v1/risks/{risk['id']}/history", headers=org.isb).json()
    assert [e["action"] for e in history] == ["reopened", "accepted", "created"]


def test_closed_risks_take_no_treatment(
    client: TestClient, org: Org, threats: dict[str, int], scada: dict
) -> None:
    risk = make_risk(client, org, scada["id"], threats["G 0.39"])
    base = f"/api/v1/risks/{risk['id']}"
    assert client.post(f"{base}/close", headers=org.isb, json={"reason": "x"}).status_code == 400
    closed = client.post(f"{base}/close", headers=org.isb, json={"reason": "System ausgesondert"})
    assert closed.json()["status"] == "geschlossen"
    for path, body in (
        ("/treatment", {"treatment": "vermeiden", "note": "Abschalten"}),
        ("/acceptance", accept_body()),
        ("/close", {"reason": "Noch einmal"}),
    ):
        refused = client.post(base + path, headers=org.isb, json=body)
        assert refused.status_code == 409, path
        assert risk["ref"] in refused.json()["detail"]
    assert client.patch(base, headers=org.isb, json={"title": "Neu"}).status_code == 409
    measure = client.post(
        "/api/v1/measures", headers=org.isb, json={"risk_id": risk["id"], "title": "Backup"}
    )
    assert measure.status_code == 409
    reopened = client.post(f"{base}/reopen", headers=org.isb, json={"reason": "Wieder in Betrieb"})
    assert reopened.json()["status"] == "offen"


def test_new_matrices_apply_to_new_risks_only(
    client: TestClient, org: Org, threats: dict[str, int], scada: dict
) -> None:
    old = make_risk(client, org, scada["id"], threats["G 0.39"])
    from tests.risk.analysis.test_matrix import five_by_five

    made = client.post(
        "/api/v1/risk-matrices", headers=org.isb, json={"name": "Stadt 5x5", **five_by_five()}
    )
    assert made.status_code == 201, made.text
    assert made.json()["active"] is True
    new = make_risk(client, org, scada["id"], threats["G 0.1"], frequency="5", impact="5")
    assert new["category"] == "hoch" and new["matrix_id"] == made.json()["id"]
    kept = client.get(f"/api/v1/risks/{old['id']}", headers=org.isb).json()
    assert (kept["category"], kept["matrix_id"]) == ("mittel", old["matrix_id"])
    # Re-rating the old risk still uses its own matrix.
    rerated = client.patch(
        f"/api/v1/risks/{old['id']}", headers=org.isb, json={"frequency": "häufig"}
    )
    assert rerated.json()["category"] == "hoch"
    assert (
        client.patch(
            f"/api/v1/risks/{old['id']}", headers=org.isb, json={"frequency": "5"}
        ).status_code
        == 400
    )
    heat = client.get("/api/v1/risk-heatmap", headers=org.isb).json()
    assert heat["matrix"]["name"] == "Stadt 5x5" and heat["total"] == 1
    assert heat["other_matrices"] == 1 and heat["counts"][4][4] == 1
    bsi = client.get(
        "/api/v1/risk-heatmap", headers=org.isb, params={"matrix_id": old["matrix_id"]}
    ).json()
    assert bsi["total"] == 1 and bsi["by_category"]["hoch"] == 1
    duplicate = client.post(
        "/api/v1/risk-matrices", headers=org.isb, json={"name": "Stadt 5x5", **five_by_five()}
    )
    assert duplicate.status_code == 409
    back = client.post(f"/api/v1/risk-matrices/{old['matrix_id']}/activate", headers=org.isb)
    assert back.json()["active"] is True


def test_heatmap_counts_open_risks_per_cell(
    client: TestClient, org: Org, threats: dict[str, int], scada: dict
) -> None:
    fire = create_asset(client, org, "FW-ALARM", "Anwendungen", org.fw)
    for asset, frequency, impact in (
        (scada, "häufig", "existenzbedrohend"),
        (scada, "häufig", "existenzbedrohend"),
        (scada, "selten", "begrenzt"),
        (fire, "mittel", "beträchtlich"),
    ):
        made = make_risk(
            client, org, asset["id"], threats["G 0.39"], frequency=frequency, impact=impact
        )
    client.post(f"/api/v1/risks/{made['id']}/close", headers=org.isb, json={"reason": "Entfällt"})
    heat = client.get("/api/v1/risk-heatmap", headers=org.auditor).json()
    assert heat["total"] == 3
    assert heat["counts"][3][2] == 2  # existenzbedrohend x häufig
    assert heat["counts"][1][0] == 1  # begrenzt x selten
    assert heat["by_category"] == {"gering": 1, "mittel": 0, "hoch": 0, "sehr hoch": 2}
    mine = client.get("/api/v1/risk-heatmap", headers=org.feuerwehr).json()
    assert mine["total"] == 0
    residual = client.get(
        "/api/v1/risk-heatmap", headers=org.isb, params={"basis": "residual"}
    ).json()
    assert residual["total"] == 3


def test_measures_reduce_a_risk(
    client: TestClient, org: Org, threats: dict[str, int], scada: dict
) -> None:
    risk = make_risk(
        client, org, scada["id"], threats["G 0.39"], frequency="häufig", impact="existenzbedrohend"
    )
    made = client.post(
        "/api/v1/measures",
        headers=org.isb,
        json={
            "risk_id": risk["id"],
            "title": "Netzsegmentierung des Leitsystems",
            "due_date": later(-3),
            "cost": 25000,
            "responsible": "Herr Leitwarte",
        },
    )
    assert made.status_code == 201, made.text
    measure = made.json()
    assert measure["priority"] == 1 and measure["overdue"] is True  # sehr hoch: most urgent
    assert measure["risk_ref"] == risk["ref"] and measure["owner_department_id"] == org.vt.id
    after = client.get(f"/api/v1/risks/{risk['id']}", headers=org.isb).json()
    assert (after["treatment"], after["status"], after["open_measures"]) == (
        "reduzieren",
        "in_behandlung",
        1,
    )
    # The department records progress on its own measure, not on others'.
    done = client.patch(
        f"/api/v1/measures/{measure['id']}",
        headers=org.verkehr,
        json={"status": "umgesetzt", "version": measure["version"]},
    )
    assert done.status_code == 200, done.text
    assert done.json()["completed_on"] is not None and done.json()["overdue"] is False
    foreign = client.patch(
        f"/api/v1/measures/{measure['id']}", headers=org.feuerwehr, json={"status": "geplant"}
    )
    assert foreign.status_code == 404
    stale = client.patch(
        f"/api/v1/measures/{measure['id']}",
        headers=org.isb,
        json={"status": "geplant", "version": measure["version"]},
    )
    assert stale.status_code == 409
    negative = client.post(
        "/api/v1/measures", headers=org.isb, json={"risk_id": risk["id"], "title": "X", "cost": -1}
    )
    assert negative.status_code == 422
    untitled = client.post("/api/v1/measures", headers=org.isb, json={"risk_id": risk["id"]})
    assert untitled.status_code == 400
    history = client.get(f"/api/v1/risks/{risk['id']}/history", headers=org.isb).json()
    assert [e["action"] for e in history] == ["measure_status", "measure_added", "created"]


def test_accepted_risks_take_no_measures(
    client: TestClient, org: Org, threats: dict[str, int]
) -> None:
    office = create_asset(client, org, "BUERO-1", "Anwendungen", org.fw)
    risk = make_risk(client, org, office["id"], threats["G 0.1"])
    client.post(f"/api/v1/risks/{risk['id']}/acceptance", headers=org.isb, json=accept_body())
    refused = client.post(
        "/api/v1/measures", headers=org.isb, json={"risk_id": risk["id"], "title": "Backup"}
    )
    assert refused.status_code == 409


def test_accepted_risks_are_changed_only_after_the_acceptance_is_withdrawn(
    client: TestClient, org: Org, threats: dict[str, int]
) -> None:
    office = create_asset(client, org, "BUERO-1", "Anwendungen", org.fw)
    risk = make_risk(client, org, office["id"], threats["G 0.1"])
    base = f"/api/v1/risks/{risk['id']}"
    client.post(f"{base}/acceptance", headers=org.isb, json=accept_body())
    rerated = client.patch(base, headers=org.isb, json={"frequency": "sehr häufig"})
    assert rerated.status_code == 409
    assert "zurückziehen" in rerated.json()["detail"]
    treated = client.post(f"{base}/treatment", headers=org.isb, json={"treatment": "reduzieren"})
    assert treated.status_code == 409
    again = client.post(f"{base}/acceptance", headers=org.isb, json=accept_body())
    assert again.status_code == 409
    after = client.get(base, headers=org.isb).json()
    assert (after["status"], after["category"]) == ("akzeptiert", "mittel")


def test_lowering_both_ratings_at_once(
    client: TestClient, org: Org, threats: dict[str, int], scada: dict
) -> None:
    risk = make_risk(client, org, scada["id"], threats["G 0.39"], frequency="häufig")
    url = f"/api/v1/risks/{risk['id']}"
    client.patch(
        url,
        headers=org.isb,
        json={"residual_frequency": "mittel", "residual_impact": "beträchtlich"},
    )
    both = client.patch(
        url,
        headers=org.isb,
        json={
            "frequency": "selten",
            "impact": "begrenzt",
            "residual_frequency": "selten",
            "residual_impact": "vernachlässigbar",
        },
    )
    assert both.status_code == 200, both.text
    assert (both.json()["category"], both.json()["residual_category"]) == ("gering", "gering")
    bad = client.patch(
        url, headers=org.isb, json={"residual_frequency": "x", "residual_impact": "y"}
    )
    assert bad.status_code == 400
    assert "x" in bad.json()["detail"]


def test_departments_record_progress_not_the_isbs_decisions(
    client: TestClient, org: Org, threats: dict[str, int], scada: dict
) -> None:
    risk = make_risk(client, org, scada["id"], threats["G 0.39"])
    measure = client.post(
        "/api/v1/measures", headers=org.isb, json={"risk_id": risk["id"], "title": "Backup"}
    ).json()
    url = f"/api/v1/measures/{measure['id']}"
    for change in ({"title": "Anders"}, {"cost": 1}, {"priority": 3}):
        refused = client.patch(url, headers=org.verkehr, json=change)
        assert refused.status_code == 403, change
    ok = client.patch(
        url, headers=org.verkehr, json={"status": "in_umsetzung", "due_date": later(10)}
    )
    assert ok.status_code == 200, ok.text
    too_dear = client.patch(url, headers=org.isb, json={"cost": 2**31})
    assert too_dear.status_code == 422


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/risks/99999999999999999999999",
        "/api/v1/measures/99999999999999999999999",
        "/api/v1/risks?department_id=99999999999999999999999",
        "/api/v1/implementation-plan?department_id=99999999999999999999999",
    ],
)
def test_numbers_beyond_the_database_are_a_clear_400(
    client: TestClient, org: Org, path: str
) -> None:
    response = client.get(path, headers=org.isb)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_input"
