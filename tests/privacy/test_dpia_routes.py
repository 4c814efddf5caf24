"""Data protection impact assessments (Art. 35) over the API: the threshold check, the
assessment with the risks to the data subjects, the DPO's opinion, the controller's sign-off
and the review when the processing changes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.privacy.conftest import Org, activity

RISK = {
    "title": "Unbefugte Kenntnisnahme durch Beschäftigte",
    "description": "Zugriff ohne dienstlichen Anlass",
    "likelihood": 3,
    "severity": 3,
    "measures": "Rollenkonzept, Protokollierung, Stichproben",
    "residual_likelihood": 1,
    "residual_severity": 3,
}


def assessment(version: int, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "version": version,
        "criteria": ["art35_3_c"],
        "threshold_note": "Verkehrskameras an 40 Knotenpunkten",
        "description": "Kameras erfassen den Verkehr; Bilder werden 48 Stunden gespeichert.",
        "purposes": "Verkehrslenkung",
        "necessity": "Ohne Bilder keine Störungserkennung; Auflösung ohne Gesichter.",
        "risks": [RISK],
        "measures": "Verpixelung, Löschung nach 48 Stunden",
    }
    body.update(changes)
    return body


@pytest.fixture
def cameras(client: TestClient, org: Org, dpo: dict[str, str]) -> dict:
    created = client.post(
        "/api/v1/processing-activities",
        headers=dpo,
        json=activity(org.vt.id, name="Verkehrskameras", legal_bases=["art6_1_e"]),
    )
    assert created.status_code == 201, created.text
    return created.json()


def test_the_threshold_check_decides_and_the_record_follows(
    client: TestClient, org: Org, dpo: dict[str, str], cameras: dict
) -> None:
    # one indicator (WP 248) is not enough; two are, as is one case of Art. 35(3)
    opened = client.post(
        "/api/v1/dpias",
        headers=org.verkehr,
        json={"activity_id": cameras["id"], "criteria": ["wp248_monitoring"]},
    )
    assert opened.status_code == 201, opened.text
    dpia = opened.json()
    assert dpia["ref"] == "DSFA-0001" and not dpia["required"]
    assert dpia["status"] == "nicht_erforderlich" and dpia["missing"] == []
    record = f"/api/v1/processing-activities/{cameras['id']}"
    assert client.get(record, headers=dpo).json()["dpia_required"] is False
    two = client.put(
        f"/api/v1/dpias/{dpia['id']}",
        headers=org.verkehr,
        json={"version": dpia["version"], "criteria": ["wp248_monitoring", "wp248_large_scale"]},
    ).json()
    assert two["required"] and two["status"] == "entwurf"
    assert two["missing"] == [  # a PUT replaces: the purposes taken from the record went too
        "description",
        "purposes",
        "necessity",
        "risks",
        "measures",
        "dpo_opinion",
    ]
    entry = client.get(record, headers=dpo).json()
    assert entry["dpia_required"] and entry["dpia_reason"].startswith("DSFA-0001")
    # a second assessment of the same processing is refused naming the field
    again = client.post("/api/v1/dpias", headers=dpo, json={"activity_id": cameras["id"]})
    assert again.status_code == 409 and again.json()["field"] == "activity_id"
    assert "DSFA-0001" in again.json()["detail"]


def test_bad_input_names_the_field(
    client: TestClient, org: Org, dpo: dict[str, str], cameras: dict
) -> None:
    def post(**body: object) -> dict:
        response = client.post("/api/v1/dpias", headers=dpo, json=body)
        assert 400 <= response.status_code < 500, response.text
        return response.json()

    assert post(activity_id=cameras["id"], criteria=["erfunden"])["field"] == "criteria"
    assert post(activity_id=999_999)["field"] == "activity_id"
    assert post(activity_id=cameras["id"], criteria=["NICHT ERLAUBT"])["detail"]
    # another department's processing is as unknown as a missing one
    hidden = client.post(
        "/api/v1/dpias", headers=org.feuerwehr, json={"activity_id": cameras["id"]}
    )
    assert hidden.status_code == 400 and hidden.json()["field"] == "activity_id"
    opened = client.post(
        "/api/v1/dpias", headers=dpo, json={"activity_id": cameras["id"], "criteria": ["art35_3_c"]}
    ).json()
    bad_risk = {**RISK, "likelihood": 5}
    response = client.put(
        f"/api/v1/dpias/{opened['id']}", headers=dpo, json=assessment(1, risks=[bad_risk])
    )
    assert response.status_code == 422 and "likelihood" in response.text
    stale = client.put(f"/api/v1/dpias/{opened['id']}", headers=dpo, json=assessment(7))
    assert stale.status_code == 409
    # an incomplete assessment gets no opinion, naming what is missing
    early = client.post(
        f"/api/v1/dpias/{opened['id']}/opinion", headers=dpo, json={"opinion": "Einverstanden."}
    )
    assert early.status_code == 400 and early.json()["field"] == "description"
    # the record cannot go while its assessment documents it
    gone = client.delete(f"/api/v1/processing-activities/{cameras['id']}", headers=dpo)
    assert gone.status_code == 409 and "DSFA-0001" in gone.json()["detail"]


def test_assessment_opinion_sign_off_and_review_on_change(
    client: TestClient, org: Org, dpo: dict[str, str], cameras: dict
) -> None:
    opened = client.post(
        "/api/v1/dpias", headers=dpo, json={"activity_id": cameras["id"], "criteria": ["art35_3_c"]}
    ).json()
    one = f"/api/v1/dpias/{opened['id']}"
    assessed = client.put(one, headers=org.verkehr, json=assessment(opened["version"])).json()
    risk = assessed["risks"][0]
    assert (risk["level"], risk["residual_level"]) == ("hoch", "risiko")
    assert assessed["missing"] == ["dpo_opinion"] and not assessed["consultation_required"]
    # only the DPO gives the opinion; only the owning department (the controller) signs off
    opinion = {"version": assessed["version"], "opinion": "Maßnahmen angemessen."}
    assert client.post(f"{one}/opinion", headers=org.verkehr, json=opinion).status_code == 403
    assert client.post(f"{one}/sign-off", headers=org.verkehr, json={}).json()["field"] == (
        "dpo_opinion"
    )
    heard = client.post(f"{one}/opinion", headers=dpo, json=opinion)
    assert heard.status_code == 200 and heard.json()["dpo_opinion_by"] == "dsb"
    assert client.post(f"{one}/sign-off", headers=dpo, json={}).status_code == 403
    assert client.post(f"{one}/sign-off", headers=org.feuerwehr, json={}).status_code == 404
    signed = client.post(f"{one}/sign-off", headers=org.verkehr, json={}).json()
    assert signed["status"] == "freigegeben" and signed["signed_off_by"] == "verkehr"
    assert signed["review_on"] == (date.today() + timedelta(days=365)).isoformat()
    assert not signed["review_due"]
    # the processing changes: the assessment is due for review, and says why
    record = client.get(f"/api/v1/processing-activities/{cameras['id']}", headers=dpo).json()
    changed = {**activity(org.vt.id), "name": "Verkehrskameras", "legal_bases": ["art6_1_e"]}
    changed.update(purposes="Verkehrslenkung und Beweissicherung", version=record["version"])
    changed["dpia_required"], changed["dpia_reason"] = True, record["dpia_reason"]
    assert (
        client.put(
            f"/api/v1/processing-activities/{cameras['id']}", headers=dpo, json=changed
        ).status_code
        == 200
    )
    review = client.get(one, headers=org.auditor).json()
    assert review["status"] == "zu_pruefen" and review["review_due"]
    assert cameras["ref"] in review["review_reason"] and "dsb" in review["review_reason"]
    due = client.get("/api/v1/dpias", headers=org.isb, params={"review_due": True}).json()
    assert [d["ref"] for d in due["items"]] == ["DSFA-0001"]
    # the DPO's opinion was on the processing as it was: the sign-off needs a new one
    assert review["dpo_opinion"] == "" and review["missing"] == ["dpo_opinion"]
    refused = client.post(f"{one}/sign-off", headers=org.verkehr, json={})
    assert refused.status_code == 400 and refused.json()["field"] == "dpo_opinion"
    client.post(f"{one}/opinion", headers=dpo, json={"opinion": "Weiterhin angemessen."})
    again = client.post(f"{one}/sign-off", headers=org.verkehr, json={}).json()
    assert again["status"] == "freigegeben" and again["dpo_opinion"] == "Weiterhin angemessen."
    # a signed-off assessment is documentation: it stays; a later opinion reopens the decision
    kept = client.delete(one, headers=dpo)
    assert kept.status_code == 409 and "DSFA-0001" in kept.json()["detail"]
    advised = client.post(f"{one}/opinion", headers=dpo, json={"opinion": "Ich rate ab."}).json()
    assert advised["status"] == "entwurf" and advised["signed_off_at"] is None
    again = client.post(f"{one}/sign-off", headers=org.verkehr, json={}).json()
    assert again["status"] == "freigegeben"
    # a change of content withdraws the opinion and the sign-off (the audit trail keeps them)
    edited = client.put(
        one,
        headers=org.verkehr,
        json=assessment(again["version"], measures="Verpixelung, Löschung nach 24 Stunden"),
    ).json()
    assert edited["status"] == "entwurf" and edited["dpo_opinion"] == ""
    assert edited["signed_off_at"] is None and edited["missing"] == ["dpo_opinion"]
    events = client.get(
        "/api/v1/audit-events", headers=org.auditor, params={"object_type": "dpia"}
    ).json()
    assert events["total"] >= 6


def test_a_high_residual_risk_needs_the_authority_consulted(
    client: TestClient, org: Org, dpo: dict[str, str], cameras: dict
) -> None:
    opened = client.post(
        "/api/v1/dpias", headers=dpo, json={"activity_id": cameras["id"], "criteria": ["art35_3_c"]}
    ).json()
    one = f"/api/v1/dpias/{opened['id']}"
    high = {**RISK, "residual_likelihood": 3, "residual_severity": 4}
    body = client.put(one, headers=dpo, json=assessment(1, risks=[high])).json()
    assert body["consultation_required"]
    body = client.post(
        f"{one}/opinion", headers=dpo, json={"version": body["version"], "opinion": "Art. 36."}
    ).json()
    refused = client.post(f"{one}/sign-off", headers=org.verkehr, json={})
    assert refused.status_code == 400 and refused.json()["field"] == "authority_consulted_at"
    future = client.put(
        one,
        headers=dpo,
        json=assessment(body["version"], risks=[high], authority_consulted_at="2999-01-01T10:00Z"),
    )
    assert future.status_code == 400 and future.json()["field"] == "authority_consulted_at"
    consulted = client.put(
        one,
        headers=dpo,
        json=assessment(
            body["version"], risks=[high], authority_consulted_at="2026-01-05T10:00:00+01:00"
        ),
    ).json()
    assert consulted["missing"] == ["dpo_opinion"]  # the content changed: heard again
    client.post(f"{one}/opinion", headers=dpo, json={"opinion": "Nach Konsultation vertretbar."})
    past = client.post(f"{one}/sign-off", headers=org.verkehr, json={"review_on": "2020-01-01"})
    assert past.status_code == 400 and past.json()["field"] == "review_on"
    never = client.post(f"{one}/sign-off", headers=org.verkehr, json={"review_on": "9999-12-31"})
    assert never.status_code == 400 and never.json()["field"] == "review_on"
    assert client.post(f"{one}/sign-off", headers=org.verkehr, json={}).status_code == 200


def test_the_dpo_keeps_the_threshold_criteria(
    client: TestClient, org: Org, dpo: dict[str, str], cameras: dict
) -> None:
    listed = client.get("/api/v1/dpia-criteria", headers=org.verkehr).json()
    assert {c["code"] for c in listed if c["builtin"]} >= {"art35_3_a", "wp248_prevents"}
    assert len([c for c in listed if c["builtin"]]) == 12
    muss = {
        "code": "dsk_muss_07",
        "title": "Videoüberwachung öffentlich zugänglicher Räume (DSK-Liste)",
        "kind": "muss",
    }
    assert client.post("/api/v1/dpia-criteria", headers=org.verkehr, json=muss).status_code == 403
    assert client.post("/api/v1/dpia-criteria", headers=dpo, json=muss).status_code == 201
    twice = client.post("/api/v1/dpia-criteria", headers=dpo, json=muss)
    assert twice.status_code == 409 and twice.json()["field"] == "code"
    builtin = client.put(
        "/api/v1/dpia-criteria/art35_3_a", headers=dpo, json={**muss, "code": None}
    )
    assert builtin.status_code == 422  # code is not a field of the update
    builtin = client.put(
        "/api/v1/dpia-criteria/art35_3_a",
        headers=dpo,
        json={"title": "x", "kind": "indiz"},
    )
    assert builtin.status_code == 400 and builtin.json()["field"] == "code"
    # one added "must" criterion alone calls for the assessment
    opened = client.post(
        "/api/v1/dpias",
        headers=org.verkehr,
        json={"activity_id": cameras["id"], "criteria": ["dsk_muss_07"]},
    ).json()
    assert opened["required"]
    # switched off, it cannot be chosen anew, but an assessment that has it keeps it
    off = client.put(
        "/api/v1/dpia-criteria/dsk_muss_07",
        headers=dpo,
        json={"title": muss["title"], "kind": "muss", "active": False},
    )
    assert off.status_code == 200 and off.json()["active"] is False
    kept = client.put(
        f"/api/v1/dpias/{opened['id']}",
        headers=org.verkehr,
        json={"version": opened["version"], "criteria": ["dsk_muss_07"], "threshold_note": "x"},
    )
    assert kept.status_code == 200, kept.text
    other = client.post(
        "/api/v1/processing-activities",
        headers=dpo,
        json=activity(org.vt.id, name="Parkraumüberwachung"),
    ).json()
    refused = client.post(
        "/api/v1/dpias",
        headers=dpo,
        json={"activity_id": other["id"], "criteria": ["dsk_muss_07"]},
    )
    assert refused.status_code == 400 and refused.json()["field"] == "criteria"
