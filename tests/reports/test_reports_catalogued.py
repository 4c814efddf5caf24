"""Reports and packs over the BSI's real catalogs: A.3, A.4, A.6 and the SoA read back, the
evidence behind the check in the pack byte for byte, and a department's pack holding its own
evidence and audit events only."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from controls.evidence import storage
from controls.evidence.service import root as evidence_root
from isms.database import session_scope
from isms.errors import Conflict
from isms.settings import Settings
from reports import context, pack, pdf, signing
from tests.controls import samples
from tests.controls.conftest import catalogs, entries  # noqa: F401  (fixture)
from tests.reports.test_reports import fonts_of, text_of
from tests.reports.verifier import check
from tests.risk.analysis.conftest import Org, create_asset


def _evidence(client: TestClient, headers: dict[str, str], name: str, data: bytes) -> dict:
    uploaded = client.post(
        "/api/v1/evidence",
        headers=headers,
        files={"file": (name, data, "application/pdf")},
        data={"valid_until": (date.today() + timedelta(days=300)).isoformat(), "title": name},
    )
    assert uploaded.status_code == 201, uploaded.text
    return uploaded.json()


def _answer(client: TestClient, headers: dict[str, str], entry: dict, **fields: object) -> None:
    changed = client.patch(
        f"/api/v1/check-entries/{entry['id']}",
        headers=headers,
        json={**fields, "version": entry["version"]},
    )
    assert changed.status_code == 200, changed.text


@pytest.fixture
def checked(client: TestClient, org: Org, catalogs: dict[str, int]) -> dict:  # noqa: F811
    """A traffic server and a fire-brigade server, each with an answered requirement and its
    evidence (uploaded by the department that owns it)."""
    traffic = create_asset(client, org, "VR-SRV-1", "IT-Systeme", org.vt, kritis_critical=True)
    alarm = create_asset(client, org, "FW-SRV-1", "IT-Systeme", org.fw)
    traffic_pdf, alarm_pdf = (
        samples.pdf("Härtungsprotokoll Verkehrsrechner"),
        samples.pdf("Alarmierung"),
    )
    traffic_file = _evidence(client, org.verkehr, "Härtung Verkehrsrechner.pdf", traffic_pdf)
    alarm_file = _evidence(client, org.feuerwehr, "Alarmierung Prüfung.pdf", alarm_pdf)
    traffic_entry = entries(client, org.verkehr, asset_id=traffic["id"])[0]
    alarm_entry = entries(client, org.feuerwehr, asset_id=alarm["id"])[0]
    _answer(
        client,
        org.verkehr,
        traffic_entry,
        status="ja",
        implementation="Gehärtet nach Betriebshandbuch der Verkehrsleitzentrale",
        evidence_ids=[traffic_file["id"]],
    )
    _answer(
        client,
        org.feuerwehr,
        alarm_entry,
        status="teilweise",
        implementation="Für die Hauptwache umgesetzt, Außenwachen offen",
        responsible="Sachgebiet Leitstelle",
        target_date=(date.today() + timedelta(days=60)).isoformat(),
        evidence_ids=[alarm_file["id"]],
    )
    return {
        "traffic": traffic,
        "alarm": alarm,
        "traffic_entry": traffic_entry,
        "alarm_entry": alarm_entry,
        "traffic_file": (traffic_file, traffic_pdf),
        "alarm_file": (alarm_file, alarm_pdf),
    }


def _render(engine: Engine, name: str, scope: context.Scope, out: Path) -> str:
    with session_scope(engine, write=False) as session:
        document = context.documents()[name](session, scope, "de")
    pdf.render(document, out, wide=True)
    return text_of(out)


def test_modelling_check_plan_and_soa_read_back(
    engine: Engine, org: Org, checked: dict, tmp_path: Path
) -> None:
    a3 = _render(engine, "a3", context.Scope(), tmp_path / "a3.pdf")
    assert "A.3 Modellierung" in a3 and "VR-SRV-1" in a3 and "FW-SRV-1" in a3
    a4 = _render(engine, "a4", context.Scope(), tmp_path / "a4.pdf")
    traffic_ref = checked["traffic_entry"]["control"]["ref"]
    assert "A.4 Ergebnis des IT-Grundschutz-Checks" in a4 and traffic_ref in a4
    assert "Gehärtet nach Betriebshandbuch" in a4 and "Außenwachen offen" in a4
    assert "teilweise" in a4 and "unbearbeitet" in a4
    traffic_only = _render(
        engine, "a4", context.Scope(department_id=org.vt.id), tmp_path / "a4-vt.pdf"
    )
    assert "VR-SRV-1" in traffic_only and "FW-SRV-1" not in traffic_only
    assert "Außenwachen offen" not in traffic_only
    a6 = _render(engine, "a6", context.Scope(), tmp_path / "a6.pdf")
    assert "A.6 Realisierungsplan" in a6 and "FW-SRV-1" in a6 and "Leitstelle" in a6
    assert checked["alarm_entry"]["control"]["ref"] in a6
    fire = _render(engine, "a6", context.Scope(department_id=org.fw.id), tmp_path / "a6-fw.pdf")
    traffic = _render(engine, "a6", context.Scope(department_id=org.vt.id), tmp_path / "a6-vt.pdf")
    assert "1 offene Maßnahmen, davon 0 überfällig" in fire and "FW-SRV-1" in fire
    assert "0 offene Maßnahmen, davon 0 überfällig" in traffic and "FW-SRV-1" not in traffic
    soa = _render(engine, "soa", context.Scope(), tmp_path / "soa.pdf")
    assert "Erklärung zur Anwendbarkeit" in soa
    assert "5.1" in soa and "Informationssicherheitspolitik" in soa and "GC.8.1.1" in soa
    assert "8.34" in soa  # the last control of Annex A: all 93 are there
    for name in ("a3", "a4", "a6", "soa"):
        fonts = fonts_of(tmp_path / f"{name}.pdf")
        assert fonts and all(embedded == "yes" for _, embedded in fonts), (name, fonts)


def test_the_pack_carries_the_evidence_behind_the_check(
    engine: Engine, settings: Settings, org: Org, checked: dict, tmp_path: Path
) -> None:
    out = tmp_path / "pack.zip"
    with session_scope(engine, write=False) as session:
        result = pack.build_pack(
            session,
            data_dir=settings.data_dir,
            out=out,
            scope=context.Scope(),
            period=pack.Period(date.today() - timedelta(days=1), date.today()),
        )
    assert result.evidence == 2
    assert result.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()  # hashed as written
    assert result.size == out.stat().st_size
    assert check(out, signing.public_key_pem(settings.data_dir)) == []
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        for record, data in (checked["traffic_file"], checked["alarm_file"]):
            path = next(n for n in names if n.startswith(f"evidence/{record['id']}-"))
            assert archive.read(path) == data
            listed = next(f for f in manifest["files"] if f["path"] == path)
            assert listed["sha256"] == hashlib.sha256(data).hexdigest()
        assert {"reports/a4.pdf", "reports/soa.pdf", "data/a4.csv", "data/soa.json"} <= set(names)
        assert manifest["audit"] == "all events"
        # No processing activities here: the record is left out, and the manifest says why.
        assert manifest["omitted"] == [  # no GDPR records in this domain: named, not silent
            {
                "document": "ropa",
                "reason": "Im gewählten Umfang gibt es keine Verarbeitungstätigkeiten.",
            },
            {
                "document": "dpia",
                "reason": "Im gewählten Umfang gibt es keine erforderliche "
                "Datenschutz-Folgenabschätzung.",
            },
            {
                "document": "breaches",
                "reason": "Im gewählten Umfang gibt es keine Verletzung des Schutzes "
                "personenbezogener Daten.",
            },
        ]
        a4_csv = archive.read("data/a4.csv").decode("utf-8-sig")
        assert "Gehärtet nach Betriebshandbuch" in a4_csv
        events = [json.loads(line) for line in archive.read("audit/events.jsonl").splitlines()]
    assert {e["object_type"] for e in events} >= {"asset", "check_entry", "evidence"}


def test_a_departments_pack_holds_its_own_evidence_and_events_only(
    engine: Engine, settings: Settings, org: Org, checked: dict, tmp_path: Path
) -> None:
    out = tmp_path / "vt.zip"
    with session_scope(engine, write=False) as session:
        result = pack.build_pack(
            session,
            data_dir=settings.data_dir,
            out=out,
            scope=context.Scope(department_id=org.vt.id),
            period=pack.Period(date.today(), date.today()),  # today as a whole day
        )
    assert result.evidence == 1
    assert check(out, signing.public_key_pem(settings.data_dir)) == []
    traffic, alarm = checked["traffic"], checked["alarm"]
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        events = [json.loads(line) for line in archive.read("audit/events.jsonl").splitlines()]
    assert any(n.startswith(f"evidence/{checked['traffic_file'][0]['id']}-") for n in names)
    assert not any(n.startswith(f"evidence/{checked['alarm_file'][0]['id']}-") for n in names)
    assert "reports/soa.pdf" not in names and "reports/management.pdf" not in names
    assert manifest["audit"] == "events on the objects in scope" and manifest["objects"] == 1
    touched = {(e["object_type"], e["object_id"]) for e in events}
    assert ("asset", str(traffic["id"])) in touched
    assert ("check_entry", str(checked["traffic_entry"]["id"])) in touched
    assert ("evidence", str(checked["traffic_file"][0]["id"])) in touched
    assert ("evidence", str(checked["alarm_file"][0]["id"])) not in touched
    assert ("asset", str(alarm["id"])) not in touched
    assert ("check_entry", str(checked["alarm_entry"]["id"])) not in touched
    assert not any(e["object_type"] == "user_account" for e in events)


@pytest.mark.parametrize("damage", ["changed", "missing"])
def test_a_changed_or_missing_evidence_file_stops_the_pack(
    engine: Engine, settings: Settings, checked: dict, tmp_path: Path, damage: str
) -> None:
    record = checked["traffic_file"][0]
    stored = storage.path_for(evidence_root(settings.data_dir), record["sha256"])
    if damage == "changed":
        stored.chmod(0o640)
        stored.write_bytes(stored.read_bytes() + b"% manipuliert")
    else:
        stored.unlink()
    out = tmp_path / "pack.zip"
    with session_scope(engine, write=False) as session, pytest.raises(Conflict) as refused:
        pack.build_pack(
            session,
            data_dir=settings.data_dir,
            out=out,
            scope=context.Scope(),
            period=pack.Period(),
        )
    assert refused.value.message_key == f"error.evidence_file_{damage}"
    assert refused.value.params["id"] == record["id"]
    assert not out.exists() and not list(tmp_path.glob(".pack-*"))  # nothing half-written
