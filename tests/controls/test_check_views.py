"""The Grundschutz-Check pages: bulk editing many rows in one form without JavaScript, all or
nothing with the errors named per row, one entry's full form, read-only for auditors."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import csrf_from
from tests.controls.conftest import Org, create_asset, entries


def _form_rows(html: str) -> dict[str, str]:
    """The hidden and visible fields of the bulk form, as a browser would post them."""
    fields = dict(
        re.findall(r'<input type="hidden" name="((?:version|shown)-\d+)" value="([^"]*)"', html)
    )
    for entry_id in re.findall(r'<input type="hidden" name="row" value="(\d+)"', html):
        selected = re.search(
            rf'<select id="status-{entry_id}" name="status-{entry_id}"[^>]*>(.*?)</select>',
            html,
            re.S,
        )
        assert selected, entry_id
        fields[f"status-{entry_id}"] = re.search(
            r'<option value="([^"]+)" selected', selected.group(1)
        ).group(1)
        fields[f"target-{entry_id}"] = ""
        fields[f"justification-{entry_id}"] = ""
    return fields


def test_bulk_editing_saves_changed_rows_only(
    client: TestClient,
    login_ui,
    org: Org,
    catalogs: dict[str, int],  # type: ignore[no-untyped-def]
) -> None:
    server = create_asset(client, org, "S-1", "IT-Systeme", org.vt)
    ui = login_ui("verkehr")
    page = ui.get("/check", params={"asset": "S-1"})
    assert page.status_code == 200
    assert "Änderungen speichern" in page.text and 'lang="de"' in page.text
    ids = re.findall(r'<input type="hidden" name="row" value="(\d+)"', page.text)
    assert len(ids) == min(50, len(entries(client, org.isb, asset_id=server["id"])))
    form = {"csrf_token": csrf_from(page.text), "row": ids, **_form_rows(page.text)}
    form[f"status-{ids[0]}"] = "ja"
    form[f"status-{ids[1]}"] = "teilweise"
    form[f"target-{ids[1]}"] = "2027-06-30"
    form[f"justification-{ids[1]}"] = "Ersatzteile bestellt"
    saved = ui.post("/check?asset=S-1", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text[:500]
    assert saved.headers["location"].startswith("/check?saved=2")
    after = {e["id"]: e for e in entries(client, org.isb, asset_id=server["id"])}
    assert after[int(ids[0])]["status"] == "ja"
    assert after[int(ids[1])]["target_date"] == "2027-06-30"
    assert sum(e["status"] != "unbearbeitet" for e in after.values()) == 2


def test_a_bad_row_saves_nothing_and_is_named(
    client: TestClient,
    login_ui,
    org: Org,
    catalogs: dict[str, int],  # type: ignore[no-untyped-def]
) -> None:
    create_asset(client, org, "S-2", "IT-Systeme", org.vt)
    ui = login_ui("verkehr")
    page = ui.get("/check", params={"asset": "S-2"})
    ids = re.findall(r'<input type="hidden" name="row" value="(\d+)"', page.text)
    form = {"csrf_token": csrf_from(page.text), "row": ids, **_form_rows(page.text)}
    form[f"status-{ids[0]}"] = "ja"
    form[f"status-{ids[1]}"] = "entbehrlich"  # without a reason
    refused = ui.post("/check?asset=S-2", data=form)
    assert refused.status_code == 400
    assert "error-summary" in refused.text
    assert f'href="#justification-{ids[1]}"' in refused.text
    assert f'id="status-{ids[1]}" name="status-{ids[1]}" aria-invalid="true"' in refused.text
    # What was typed is kept, nothing is stored.
    assert re.search(
        rf'id="status-{ids[0]}"[^>]*>.*?<option value="ja" selected', refused.text, re.S
    )
    assert {e["status"] for e in entries(client, org.isb)} == {"unbearbeitet"}


def test_one_entry_form_and_read_only_views(
    client: TestClient,
    login_ui,
    org: Org,
    catalogs: dict[str, int],  # type: ignore[no-untyped-def]
) -> None:
    server = create_asset(client, org, "S-3", "IT-Systeme", org.vt)
    entry = entries(client, org.isb, asset_id=server["id"])[0]
    ui = login_ui("verkehr")
    page = ui.get(f"/check/{entry['id']}")
    assert page.status_code == 200 and entry["control"]["ref"] in page.text
    form = {
        "csrf_token": csrf_from(page.text),
        "version": str(entry["version"]),
        "status": "teilweise",
        "implementation": "Härtung nach Herstellervorgabe",
        "justification": "Protokollierung folgt",
        "department_id": str(org.vt.id),
        "responsible": "Frau Sommer",
        "interview_partners": "Herr Winter",
        "checked_on": "2026-11-20",
        "target_date": "2027-03-31",
    }
    saved = ui.post(f"/check/{entry['id']}", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text[:800]
    stored = client.get(f"/api/v1/check-entries/{entry['id']}", headers=org.isb).json()
    assert (stored["status"], stored["responsible"], stored["checked_on"]) == (
        "teilweise",
        "Frau Sommer",
        "2026-11-20",
    )
    stale = ui.post(f"/check/{entry['id']}", data=form)
    assert stale.status_code == 400 and "error-summary" in stale.text

    auditor = login_ui("auditor")
    listing = auditor.get("/check")
    assert listing.status_code == 200
    assert 'name="row"' not in listing.text, "auditors read, they do not edit"
    assert auditor.post(f"/check/{entry['id']}", data=form).status_code == 403
    other = login_ui("feuerwehr")
    assert other.get(f"/check/{entry['id']}").status_code == 404


def test_the_isb_adds_and_excludes_requirements_in_the_ui(
    client: TestClient,
    login_ui,
    org: Org,
    catalogs: dict[str, int],  # type: ignore[no-untyped-def]
) -> None:
    server = create_asset(client, org, "S-4", "IT-Systeme", org.vt)
    modelled = {e["control"]["ref"] for e in entries(client, org.isb, asset_id=server["id"])}
    excluded = sorted(modelled)[0]
    ui = login_ui("isb")
    page = ui.get(f"/check/assets/{server['id']}/modelling")
    assert page.status_code == 200
    form = {
        "csrf_token": csrf_from(page.text),
        "control_ref": "GIBT.ES.NICHT",
        "decision": "exclude",
        "reason": "x",
    }
    refused = ui.post(f"/check/assets/{server['id']}/modelling", data=form)
    assert refused.status_code == 400
    assert "GIBT.ES.NICHT" in refused.text and 'href="#field-control_ref"' in refused.text
    form |= {"control_ref": excluded, "reason": "Durch den Rahmenvertrag abgedeckt"}
    done = ui.post(f"/check/assets/{server['id']}/modelling", data=form, follow_redirects=False)
    assert done.status_code == 303
    assert excluded not in {
        e["control"]["ref"] for e in entries(client, org.isb, asset_id=server["id"])
    }
    listed = ui.get(f"/check/assets/{server['id']}/modelling")
    assert "Durch den Rahmenvertrag abgedeckt" in listed.text
    decision_id = re.search(r"/modelling/(\d+)/delete", listed.text).group(1)
    back = ui.post(
        f"/check/assets/{server['id']}/modelling/{decision_id}/delete",
        data={"csrf_token": csrf_from(listed.text)},
        follow_redirects=False,
    )
    assert back.status_code == 303
    assert excluded in {
        e["control"]["ref"] for e in entries(client, org.isb, asset_id=server["id"])
    }

    department = login_ui("verkehr")
    view = department.get(f"/check/assets/{server['id']}/modelling")
    assert view.status_code == 200 and 'name="control_ref"' not in view.text
    assert department.post(f"/check/assets/{server['id']}/modelling", data=form).status_code == 403


def test_progress_is_grouped_as_asked(
    client: TestClient,
    login_ui,
    org: Org,
    catalogs: dict[str, int],  # type: ignore[no-untyped-def]
) -> None:
    create_asset(client, org, "S-5", "IT-Systeme", org.vt)
    create_asset(client, org, "F-5", "IT-Systeme", org.fw)
    ui = login_ui("isb")
    by_department = ui.get("/check", params={"by": "department"})
    assert by_department.status_code == 200
    assert "Fortschritt und Erfüllungsgrad nach Organisationseinheit" in by_department.text
    assert f'href="/check?department_id={org.vt.id}"' in by_department.text
    by_asset = ui.get("/check", params={"by": "asset"}).text
    assert 'href="/check?asset=S-5"' in by_asset and 'href="/check?asset=F-5"' in by_asset
    assert "nach Praktik" in ui.get("/check", params={"by": "unsinn"}).text
