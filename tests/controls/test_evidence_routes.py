"""Evidence through the API: real files checked by content, linked to check entries, scoped to
departments, downloaded unchanged."""

from __future__ import annotations

import io
from datetime import date, timedelta

from fastapi.testclient import TestClient
from reportlab.pdfgen import canvas

from tests.controls.conftest import Org, create_asset, entries


def _pdf(text: str) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def _upload(
    client: TestClient, headers: dict[str, str], name: str, data: bytes, **form: object
) -> object:
    fields = {"valid_until": (date.today() + timedelta(days=365)).isoformat(), **form}
    return client.post(
        "/api/v1/evidence",
        headers=headers,
        files={"file": (name, data, "application/pdf")},
        data={k: str(v) for k, v in fields.items()},
    )


def test_upload_link_and_download(client: TestClient, org: Org, catalogs: dict[str, int]) -> None:
    pdf = _pdf("Härtungsprotokoll Verkehrsrechner")
    uploaded = _upload(
        client, org.verkehr, "../../Härtung 2026.pdf", pdf, title="Härtungsprotokoll"
    )
    assert uploaded.status_code == 201, uploaded.text
    evidence = uploaded.json()
    assert evidence["media_type"] == "application/pdf"
    assert evidence["original_name"] == "Härtung 2026.pdf"
    assert evidence["department_id"] == org.vt.id and evidence["size"] == len(pdf)

    server = create_asset(client, org, "S-1", "IT-Systeme", org.vt)
    entry = entries(client, org.verkehr, asset_id=server["id"])[0]
    linked = client.patch(
        f"/api/v1/check-entries/{entry['id']}",
        headers=org.verkehr,
        json={"status": "ja", "evidence_ids": [evidence["id"]], "version": entry["version"]},
    )
    assert linked.status_code == 200, linked.text
    assert linked.json()["evidence_ids"] == [evidence["id"]]
    detail = client.get(f"/api/v1/evidence/{evidence['id']}", headers=org.auditor).json()
    assert detail["check_entry_ids"] == [entry["id"]]

    download = client.get(f"/api/v1/evidence/{evidence['id']}/download", headers=org.auditor)
    assert download.status_code == 200
    assert download.content == pdf
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"].startswith("attachment;")

    # The same content again is stored once, but recorded as a second piece of evidence.
    again = _upload(client, org.isb, "kopie.pdf", pdf, title="Kopie")
    assert again.status_code == 201 and again.json()["sha256"] == evidence["sha256"]


def test_disguised_empty_and_foreign_files_are_refused(
    client: TestClient, org: Org, catalogs: dict[str, int]
) -> None:
    elf = b"\x7fELF\x02\x01\x01" + bytes(200)
    html = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
    for name, data in (("bericht.pdf", elf), ("notiz.txt", html), ("leer.pdf", b"")):
        refused = _upload(client, org.isb, name, data)
        assert refused.status_code == 400, name
        assert refused.json()["detail"], name
    past = _upload(client, org.isb, "alt.pdf", _pdf("alt"), valid_until="2020-01-01")
    assert past.status_code == 400
    assert client.get("/api/v1/evidence", headers=org.isb).json()["total"] == 0

    # A department user cannot file evidence for another department, nor see or link it.
    foreign = _upload(client, org.verkehr, "x.pdf", _pdf("x"), department_id=org.fw.id)
    assert foreign.status_code == 400
    fire = _upload(client, org.feuerwehr, "alarm.pdf", _pdf("Alarmierung")).json()
    assert client.get(f"/api/v1/evidence/{fire['id']}", headers=org.verkehr).status_code == 404
    assert (
        client.get(f"/api/v1/evidence/{fire['id']}/download", headers=org.verkehr).status_code
        == 404
    )
    server = create_asset(client, org, "S-2", "IT-Systeme", org.vt)
    entry = entries(client, org.verkehr, asset_id=server["id"])[0]
    stolen = client.patch(
        f"/api/v1/check-entries/{entry['id']}",
        headers=org.verkehr,
        json={"evidence_ids": [fire["id"]], "version": entry["version"]},
    )
    assert stolen.status_code == 400
    assert client.get("/api/v1/evidence", headers=org.verkehr).json()["total"] == 0
    assert _upload(client, org.auditor, "a.pdf", _pdf("a")).status_code == 403
