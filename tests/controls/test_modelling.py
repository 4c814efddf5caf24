"""Modelling against the real Kernel: categories with their ancestors, sec_level "erhöht" only for
high protection requirements, the ISB's decisions, and modelling following asset changes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient

from tests.controls.conftest import KERNEL, Org, create_asset, entries


def _walk(
    controls: list[dict[str, Any]], inherited: tuple[str, ...]
) -> Iterator[tuple[str, tuple[str, ...], str]]:
    for control in controls:
        statement = next((p for p in control.get("parts", []) if p["name"] == "statement"), {})
        own = tuple(
            name.strip()
            for prop in statement.get("props", [])
            if prop["name"] == "target_object_categories"
            for name in prop["value"].split(",")
        )
        categories = own or inherited
        level = next((p["value"] for p in control.get("props", []) if p["name"] == "sec_level"), "")
        yield control["id"], categories, level
        yield from _walk(control.get("controls", []), categories)


def _kernel() -> list[tuple[str, tuple[str, ...], str]]:
    result = []

    def groups(items: list[dict[str, Any]]) -> None:
        for group in items:
            result.extend(_walk(group.get("controls", []), ()))
            groups(group.get("groups", []))

    groups(json.loads(KERNEL.read_bytes())["catalog"]["groups"])
    return result


def expected(categories: set[str], *, high: bool) -> set[str]:
    """Independently of the project's parser: the Kernel controls for these category names."""
    return {
        ref
        for ref, cats, level in _kernel()
        if set(cats) & categories and (high or level != "erhöht")
    }


def refs(client: TestClient, org: Org, asset: dict) -> set[str]:
    return {e["control"]["ref"] for e in entries(client, org.isb, asset_id=asset["id"])}


def test_controls_follow_category_ancestors_and_protection(
    client: TestClient, org: Org, catalogs: dict[str, int]
) -> None:
    server = create_asset(client, org, "S-1", "Hostsysteme", org.vt)
    it = expected({"Hostsysteme", "IT-Systeme"}, high=False)
    assert refs(client, org, server) == it
    assert it - expected({"IT-Systeme"}, high=False), "Hostsysteme adds its own controls"
    assert expected({"IT-Systeme"}, high=False) < it

    # A process whose availability is sehr hoch depends on the server: the server inherits the
    # requirement, and the "erhöht" controls come in with it.
    process = create_asset(
        client,
        org,
        "P-1",
        "Geschäftsprozesse",
        org.vt,
        availability={"level": "sehr hoch", "justification": "Leib und Leben"},
    )
    assert refs(client, org, process) == set(), "no Kernel control targets processes"
    edge = client.post(
        f"/api/v1/assets/{process['id']}/dependencies",
        headers=org.isb,
        json={"dependency_id": server["id"]},
    )
    assert edge.status_code == 201
    high = expected({"Hostsysteme", "IT-Systeme"}, high=True)
    assert high > it
    assert refs(client, org, server) == high

    # Removing the dependency lowers the requirement again; untouched raised entries go.
    gone = client.delete(
        f"/api/v1/assets/{process['id']}/dependencies/{server['id']}", headers=org.isb
    )
    assert gone.status_code == 204
    assert refs(client, org, server) == it

    # Re-categorised, the object is modelled anew.
    moved = client.patch(
        f"/api/v1/assets/{server['id']}",
        headers=org.isb,
        json={"category_id": org.categories["Räume"], "version": server["version"]},
    )
    assert moved.status_code == 200, moved.text
    assert refs(client, org, server) == expected({"Räume", "Standorte"}, high=False) | (
        expected({"Räume"}, high=False)
    )


def test_controls_without_categories_apply_to_the_information_domain(
    client: TestClient, org: Org, catalogs: dict[str, int]
) -> None:
    assert client.post("/api/v1/modelling/run", headers=org.isb).status_code == 200
    domain = {e["control"]["ref"] for e in entries(client, org.isb, domain=True)}
    assert "ASST.1.1" in domain
    kernel_without = {ref for ref, cats, _ in _kernel() if not cats}
    assert kernel_without <= domain
    assert any(ref.startswith("GC.") for ref in domain), "Methodik is modelled on the domain"
    again = client.post("/api/v1/modelling/run", headers=org.isb).json()
    assert again["created"] == 0 and again["removed"] == 0


def test_the_isb_adds_and_excludes_with_a_reason(
    client: TestClient, org: Org, catalogs: dict[str, int]
) -> None:
    server = create_asset(client, org, "S-2", "IT-Systeme", org.vt)
    normal = refs(client, org, server)
    raised_ref = sorted(expected({"IT-Systeme"}, high=True) - normal)[0]
    chosen_ref = sorted(normal)[0]
    controls = {
        c["ref"]: c["id"]
        for c in client.get(
            f"/api/v1/catalogs/{catalogs['kernel']}/controls",
            headers=org.isb,
            params={"limit": 500, "practice": raised_ref.split(".")[0]},
        ).json()["items"]
    }
    controls |= {
        c["ref"]: c["id"]
        for c in client.get(
            f"/api/v1/catalogs/{catalogs['kernel']}/controls",
            headers=org.isb,
            params={"limit": 500, "practice": chosen_ref.split(".")[0]},
        ).json()["items"]
    }

    def decide(ref: str, decision: str, reason: str, headers: dict[str, str] = org.isb) -> Any:
        return client.post(
            f"/api/v1/assets/{server['id']}/modelling",
            headers=headers,
            json={"control_id": controls[ref], "decision": decision, "reason": reason},
        )

    assert decide(raised_ref, "add", "kurz").status_code == 422
    assert decide(raised_ref, "add", "Kritische Steuerung", org.verkehr).status_code == 403
    added = decide(raised_ref, "add", "Kritische Steuerung der Lichtsignalanlagen")
    assert added.status_code == 201, added.text
    excluded = decide(chosen_ref, "exclude", "Durch Rahmenvertrag des Rechenzentrums abgedeckt")
    assert excluded.status_code == 201
    assert refs(client, org, server) == (normal | {raised_ref}) - {chosen_ref}
    origin = {
        e["control"]["ref"]: e["origin"] for e in entries(client, org.isb, asset_id=server["id"])
    }
    assert origin[raised_ref] == "added"
    decisions = client.get(f"/api/v1/assets/{server['id']}/modelling", headers=org.auditor)
    assert {d["control_ref"]: d["decision"] for d in decisions.json()} == {
        raised_ref: "add",
        chosen_ref: "exclude",
    }

    # Work done on an entry is never thrown away: excluded, it is kept as no longer applying.
    entry = next(
        e
        for e in entries(client, org.isb, asset_id=server["id"])
        if e["control"]["ref"] == raised_ref
    )
    done = client.patch(
        f"/api/v1/check-entries/{entry['id']}",
        headers=org.isb,
        json={"status": "ja", "implementation": "umgesetzt", "version": entry["version"]},
    )
    assert done.status_code == 200, done.text
    withdrawn = client.delete(
        f"/api/v1/assets/{server['id']}/modelling/{added.json()['id']}", headers=org.isb
    )
    assert withdrawn.status_code == 204
    assert raised_ref not in refs(client, org, server)
    kept = entries(client, org.isb, asset_id=server["id"], modelled=False)
    assert [(e["control"]["ref"], e["status"]) for e in kept] == [(raised_ref, "ja")]
