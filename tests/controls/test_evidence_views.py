"""Evidence pages: upload of a real PDF through the form, refusals re-rendered with the error
summary (400/413, never 500), department scoping, detail with checksum, unchanged download."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from reportlab.pdfgen import canvas
from sqlalchemy import Engine, select
from sqlmodel import col

from controls.evidence import views
from controls.evidence.models import Evidence
from isms.database import session_scope
from tests.conftest import csrf_from
from tests.controls.conftest import Org

NEXT_YEAR = date.today() + timedelta(days=365)


def _pdf(text: str) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def _upload(client: TestClient, name: str, data: bytes, **fields: object) -> object:
    form = {
        "csrf_token": csrf_from(client.get("/evidence").text),
        "valid_until": NEXT_YEAR.isoformat(),
        **{k: str(v) for k, v in fields.items()},
    }
    return client.post(
        "/evidence/upload",
        data=form,
        files={"file": (name, data, "application/pdf")},
        follow_redirects=False,
    )


def _uploaded_id(response: object) -> int:
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    location = response.headers["location"]  # type: ignore[attr-defined]
    assert re.fullmatch(r"/evidence\?uploaded=\d+", location)
    return int(location.split("=")[1])


def test_upload_a_pdf_see_it_and_download_the_same_bytes(
    client: TestClient, org: Org, login_ui
) -> None:  # type: ignore[no-untyped-def]
    login_ui("isb")
    page = client.get("/evidence")
    assert page.status_code == 200 and page.text.count("<h1") == 1
    assert 'enctype="multipart/form-data"' in page.text and 'for="field-valid_until"' in page.text
    pdf = _pdf("Notfallhandbuch Feuerwehr")
    evidence_id = _uploaded_id(
        _upload(
            client,
            "Notfallhandbuch.pdf",
            pdf,
            title="Notfallhandbuch 2026",
            description="Fassung vom Mai",
            department_id=org.fw.id,
        )
    )
    listed = client.get(f"/evidence?uploaded={evidence_id}").text
    assert "Nachweis „Notfallhandbuch 2026“ hochgeladen." in listed
    assert f'href="/evidence/{evidence_id}"' in listed
    assert "Notfallhandbuch.pdf" in listed and ">PDF<" in listed and "Feuerwehr" in listed
    assert NEXT_YEAR.strftime("%d.%m.%Y") in listed
    assert "abgelaufen" not in listed

    detail = client.get(f"/evidence/{evidence_id}")
    assert detail.status_code == 200 and detail.text.count("<h1") == 1
    assert hashlib.sha256(pdf).hexdigest() in detail.text
    assert "Fassung vom Mai" in detail.text
    assert "noch mit keinem Prüfeintrag verknüpft" in detail.text

    download = client.get(f"/evidence/{evidence_id}/download")
    assert download.status_code == 200 and download.content == pdf
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''Notfallhandbuch.pdf"
    )

    found = client.get("/evidence?q=notfall").text
    assert "Notfallhandbuch 2026" in found
    assert "Keine Einträge gefunden." in client.get("/evidence?q=dienstplan").text


def test_refused_files_come_back_with_the_error_summary(
    client: TestClient, engine: Engine, org: Org, login_ui, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    login_ui("isb")
    executable = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(4000)
    renamed = _upload(client, "rechnung.pdf", executable, title="Rechnung")
    assert renamed.status_code == 400
    assert 'class="error-summary"' in renamed.text and 'href="#field-file"' in renamed.text
    assert "kein zulässiger Dateityp" in renamed.text
    assert 'value="Rechnung"' in renamed.text, "the form keeps what was entered"

    empty = _upload(client, "leer.pdf", b"")
    assert empty.status_code == 400 and "Die Datei ist leer." in empty.text

    monkeypatch.setattr(views, "MAX_UPLOAD_BYTES", 1024)
    too_large = _upload(client, "gross.pdf", _pdf("x" * 50) + bytes(2048))
    assert too_large.status_code == 413
    assert "größer als" in too_large.text and 'class="error-summary"' in too_large.text
    monkeypatch.undo()

    past = _upload(client, "alt.pdf", _pdf("alt"), valid_until="2020-01-01")
    assert past.status_code == 400 and 'href="#field-valid_until"' in past.text
    assert "nicht in der Vergangenheit" in past.text
    no_date = _upload(client, "ohne.pdf", _pdf("ohne"), valid_until="")
    assert no_date.status_code == 400 and "Bitte ausfüllen." in no_date.text
    bad_date = _upload(client, "falsch.pdf", _pdf("falsch"), valid_until="morgen")
    assert bad_date.status_code == 400 and "gültiges Datum" in bad_date.text
    german = _upload(client, "deutsch.pdf", _pdf("deutsch"), valid_until="31.12.2099")
    assert german.status_code == 303

    no_file = client.post(
        "/evidence/upload",
        data={"csrf_token": csrf_from(client.get("/evidence").text), "valid_until": "2099-01-01"},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert no_file.status_code == 400 and "Bitte ausfüllen." in no_file.text
    with session_scope(engine, write=False) as session:
        names = session.scalars(select(col(Evidence.original_name))).all()
        assert names == ["deutsch.pdf"]


def test_department_users_file_and_see_only_their_own(
    client: TestClient, engine: Engine, org: Org, login_ui
) -> None:  # type: ignore[no-untyped-def]
    login_ui("isb")
    shared = _uploaded_id(_upload(client, "leitlinie.pdf", _pdf("Leitlinie"), title="Leitlinie"))
    fire = _uploaded_id(
        _upload(client, "brand.pdf", _pdf("Brand"), title="Brandschutz", department_id=org.fw.id)
    )

    login_ui("verkehr")
    page = client.get("/evidence").text
    assert "Leitlinie" in page and "Brandschutz" not in page
    options = re.findall(r'<option value="(\d*)"', page[page.index('id="field-department_id"') :])
    assert options == [str(org.vt.id)]
    own = _uploaded_id(_upload(client, "ampel.pdf", _pdf("Ampel"), title="Ampelwartung"))
    with session_scope(engine, write=False) as session:
        evidence = session.get(Evidence, own)
        assert evidence is not None and evidence.department_id == org.vt.id
    foreign = _upload(client, "x.pdf", _pdf("x"), department_id=org.fw.id)
    assert foreign.status_code == 400 and 'href="#field-department_id"' in foreign.text
    assert client.get(f"/evidence/{fire}").status_code == 404
    assert client.get(f"/evidence/{fire}/download").status_code == 404
    assert client.get(f"/evidence/{shared}").status_code == 200


def test_readers_read_and_only_isb_and_departments_upload(
    client: TestClient, org: Org, login_ui
) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/evidence", follow_redirects=False).status_code == 303
    assert client.get("/evidence/1/download", follow_redirects=False).status_code == 303
    login_ui("auditor")
    page = client.get("/evidence").text
    assert 'action="/evidence/upload"' not in page
    denied = client.post(
        "/evidence/upload",
        data={"csrf_token": csrf_from(page), "valid_until": NEXT_YEAR.isoformat()},
        files={"file": ("a.pdf", _pdf("a"), "application/pdf")},
    )
    assert denied.status_code == 403 and "Keine Berechtigung" in denied.text
    login_ui("admin")
    assert client.get("/evidence").status_code == 403
    login_ui("isb")
    forged = client.post(
        "/evidence/upload",
        data={"csrf_token": "y" * 43, "valid_until": NEXT_YEAR.isoformat()},
        files={"file": ("a.pdf", _pdf("a"), "application/pdf")},
    )
    assert forged.status_code == 403
    assert client.get("/evidence/999999").status_code == 404


def test_expired_evidence_is_marked_and_filtered(
    client: TestClient, engine: Engine, org: Org, login_ui
) -> None:  # type: ignore[no-untyped-def]
    login_ui("isb")
    old = _uploaded_id(_upload(client, "alt.pdf", _pdf("alt"), title="Alter Bericht"))
    _uploaded_id(_upload(client, "neu.pdf", _pdf("neu"), title="Neuer Bericht"))
    with session_scope(engine) as session:
        evidence = session.get(Evidence, old)
        assert evidence is not None
        evidence.valid_until = date(2024, 3, 31)
        session.add(evidence)
    page = client.get("/evidence").text
    assert "31.03.2024" in page and "abgelaufen" in page
    soon = client.get(f"/evidence?expires_before={date.today().isoformat()}").text
    assert "Alter Bericht" in soon and "Neuer Bericht" not in soon
    assert f'value="{date.today().isoformat()}"' in soon
    client.cookies.set("isms_lang", "en")
    english = client.get("/evidence").text
    assert "2024-03-31" in english and "expired" in english
