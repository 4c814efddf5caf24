"""The Statement of Applicability: derived from the check through the BSI's ISO mapping, with
applicability, justification and overrides kept by the ISB."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from controls.soa.models import Implementation
from controls.soa.service import derive
from tests.controls.conftest import ISO_MAPPING, Org, entries


def _soa(client: TestClient, headers: dict[str, str]) -> dict[str, dict]:
    response = client.get("/api/v1/soa", headers=headers)
    assert response.status_code == 200, response.text
    return {row["ref"]: row for row in response.json()}


def _iso_targets() -> dict[str, list[tuple[str, str]]]:
    collection = json.loads(ISO_MAPPING.read_bytes())["mapping-collection"]
    targets: dict[str, list[tuple[str, str]]] = {}
    for group in collection["mappings"]:
        for m in group["maps"]:
            for source in m["sources"]:
                targets.setdefault(source["id-ref"], []).extend(
                    (t["id-ref"], m["relationship"]) for t in m["targets"]
                )
    return targets


def test_the_derivation_rule() -> None:
    assert derive({}, partial=False) is Implementation.NICHT_BEWERTET
    assert derive({"unbearbeitet": 3}, partial=False) is Implementation.NICHT_BEWERTET
    assert derive({"ja": 2, "entbehrlich": 1}, partial=False) is Implementation.UMGESETZT
    assert derive({"ja": 2, "entbehrlich": 1}, partial=True) is Implementation.TEILWEISE
    assert derive({"nein": 1, "unbearbeitet": 2}, partial=False) is Implementation.NICHT_UMGESETZT
    assert derive({"ja": 1, "nein": 1}, partial=False) is Implementation.TEILWEISE
    assert derive({"teilweise": 1}, partial=False) is Implementation.TEILWEISE


def test_soa_rows_follow_the_check(client: TestClient, org: Org, catalogs: dict[str, int]) -> None:
    assert client.post("/api/v1/modelling/run", headers=org.isb).status_code == 200
    rows = _soa(client, org.auditor)
    assert len(rows) == 93
    targets = _iso_targets()
    assert {(m["ref"], m["relationship"]) for m in rows["5.1"]["mapped"]} == set(targets["5.1"])
    assert rows["5.1"]["title_de"] == "Informationssicherheitspolitik und -richtlinien"

    # Pick an Annex A control whose mapped controls all have check entries on the domain.
    domain = {e["control"]["ref"]: e for e in entries(client, org.isb, domain=True)}
    full = next(
        ref
        for ref, row in rows.items()
        if row["mapped"]
        and not row["partial_coverage"]
        and all(m["ref"] in domain for m in row["mapped"])
    )
    assert rows[full]["derived"] == "nicht_bewertet"
    mapped = [domain[m["ref"]] for m in rows[full]["mapped"]]
    for entry in mapped:
        body = {"status": "ja", "version": entry["version"]}
        assert (
            client.patch(
                f"/api/v1/check-entries/{entry['id']}", headers=org.isb, json=body
            ).status_code
            == 200
        )
    after = _soa(client, org.isb)[full]
    assert after["derived"] == "umgesetzt" and after["effective"] == "umgesetzt"
    assert after["counts"] == {"ja": len(mapped)}

    first = {
        "status": "nein",
        "justification": "Noch nicht begonnen",
        "version": mapped[0]["version"] + 1,
    }
    assert (
        client.patch(
            f"/api/v1/check-entries/{mapped[0]['id']}", headers=org.isb, json=first
        ).status_code
        == 200
    )
    expected = "teilweise" if len(mapped) > 1 else "nicht_umgesetzt"
    assert _soa(client, org.isb)[full]["derived"] == expected


def test_partial_coverage_caps_the_derived_state(
    client: TestClient, org: Org, catalogs: dict[str, int]
) -> None:
    rows = _soa(client, org.isb)
    partial = [ref for ref, row in rows.items() if row["partial_coverage"]]
    targets = _iso_targets()
    assert partial == [
        ref
        for ref in rows
        if targets.get(ref)
        and all(rel in {"intersects-with", "superset-of"} for _, rel in targets[ref])
    ]


def test_applicability_and_overrides_need_reasons(
    client: TestClient, org: Org, catalogs: dict[str, int]
) -> None:
    def put(ref: str, headers: dict[str, str] = org.isb, **body: object) -> object:
        return client.put(f"/api/v1/soa/{ref}", headers=headers, json=body)

    assert put("7.5", applicable=False, justification="").status_code == 400
    assert put("7.5", org.auditor, applicable=False, justification="x").status_code == 403
    done = put(
        "7.5",
        applicable=False,
        justification="Keine eigenen Gebäude mit besonderen Bedrohungen; Vermieter zuständig.",
    )
    assert done.status_code == 200, done.text
    assert done.json()["applicable"] is False and done.json()["effective"] is None
    version = done.json()["version"]

    short = put(
        "5.1",
        applicable=True,
        justification="Leitlinie",
        override="umgesetzt",
        override_reason="ok",
    )
    assert short.status_code == 400
    overridden = put(
        "5.1",
        applicable=True,
        justification="Leitlinie vom Rat beschlossen",
        override="umgesetzt",
        override_reason="Leitlinie 2026 beschlossen, Nachweis im Ratsinformationssystem",
    )
    assert overridden.status_code == 200
    assert overridden.json()["effective"] == "umgesetzt"
    stale = put("7.5", applicable=True, justification="doch anwendbar", version=version - 1)
    assert stale.status_code == 409
    assert put("99.9", applicable=True, justification="gibt es nicht").status_code == 404
