"""Upload abuse over HTTP (issue 9, point 4): oversized bodies, hostile names, wrong types, zip
bombs and broken multipart get a clear 4xx through the API and the form, and leave nothing
behind: no evidence row, no audit event, no stored or temporary file."""

from __future__ import annotations

import html
import io
import struct
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from openpyxl import Workbook
from sqlalchemy import Engine, func, select
from sqlmodel import col

from controls.evidence import routes, service, views
from controls.evidence.models import Evidence
from isms.app import create_app
from isms.audit.models import AuditEvent
from isms.database import session_scope
from isms.i18n import translate
from isms.identity.models import Role
from isms.settings import Settings
from tests.conftest import csrf_from
from tests.controls.conftest import Org
from tests.controls.evidence.test_storage import pdf_bytes
from tests.factories import auth, make_user

KIB = 1024
MIB = 1024 * KIB
API = "/api/v1/evidence"
NEXT_YEAR = (date.today() + timedelta(days=365)).isoformat()
BOUNDARY = "isms-abuse-boundary"
WORD_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- sample files ------------------------------------------------------------------------------


def xlsx_bytes() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Massnahme", "Status"])
    sheet.append(["Backup-Test", "umgesetzt"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(entries: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_entries() -> list[tuple[str, bytes]]:
    content_types = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="rels" '
        b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        b'<Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/word/document.xml" ContentType="' + WORD_MAIN + b'"/></Types>'
    )
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
        b'Target="word/document.xml" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/officeDocument"/></Relationships>'
    )
    document = (
        b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats'
        b'.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Notfallplan</w:t></w:r></w:p>'
        b"</w:body></w:document>"
    )
    return [
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", rels),
        ("word/document.xml", document),
    ]


def docx_bytes() -> bytes:
    return zip_bytes(docx_entries())


def elf_bytes() -> bytes:
    return b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HHI", 2, 0x3E, 1) + bytes(4096)


def pe_bytes() -> bytes:
    stub = bytearray(b"MZ" + bytes(62))
    stub[0x3C:0x40] = struct.pack("<I", 0x80)
    stub += b"This program cannot be run in DOS mode.\r\r\n$".ljust(0x40, b"\x00")
    return bytes(stub) + b"PE\x00\x00" + struct.pack("<HH", 0x8664, 3) + bytes(2048)


def encrypted(archive: bytes) -> bytes:
    """The archive with every entry flagged as encrypted (bit 0), as a password tool leaves it."""
    data = bytearray(archive)
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at >= 0:
            data[at + flag_at] |= 0x01
            at = data.find(signature, at + 4)
    return bytes(data)


def bomb(unpacked: int) -> bytes:
    """A genuine workbook plus one entry of zeros that unpacks to `unpacked` bytes."""
    buffer = io.BytesIO(xlsx_bytes())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/image1.bin", bytes(unpacked))
    return buffer.getvalue()


def many_entries(count: int) -> bytes:
    """A DOCX with `count` extra empty entries."""
    return zip_bytes(
        [*docx_entries(), *((f"word/media/{n:05d}.xml", b"") for n in range(count))],
        zipfile.ZIP_STORED,
    )


# --- helpers -----------------------------------------------------------------------------------


def files_under(root: Path) -> set[Path]:
    """Every file below root but the SQLite database (which changes with every request)."""
    return {
        path for path in root.rglob("*") if path.is_file() and not path.name.startswith("isms.db")
    }


def evidence_state(engine: Engine, data_dir: Path) -> tuple[int, int, set[Path]]:
    """Evidence rows, audit events about evidence, files in and around the data dir."""
    with session_scope(engine) as session:
        rows = session.scalar(select(func.count()).select_from(Evidence)) or 0
        events = (
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(col(AuditEvent.object_type) == Evidence.__tablename__)
            )
            or 0
        )
    return rows, events, files_under(data_dir.parent)


@pytest.fixture
def unchanged(engine: Engine, data_dir: Path) -> Callable[[], None]:
    """Call it after a refusal: nothing was recorded or written since the test began."""
    before = evidence_state(engine, data_dir)

    def check() -> None:
        rows, events, files = evidence_state(engine, data_dir)
        assert (rows, events) == before[:2], "an evidence row or its audit event was written"
        assert files == before[2], f"files were written: {sorted(files - before[2])}"
        assert list((service.root(data_dir) / "tmp").glob("*")) == []

    return check


def multipart(parts: list[tuple[bytes, bytes]]) -> tuple[bytes, dict[str, str]]:
    """A multipart body built by hand, so hostile headers arrive exactly as written.

    Each part is (the Content-Disposition parameters after `form-data; `, content)."""
    body = b""
    for disposition, content in parts:
        body += f"--{BOUNDARY}\r\n".encode()
        body += b"Content-Disposition: form-data; " + disposition + b"\r\n"
        if b"filename" in disposition:
            body += b"Content-Type: application/pdf\r\n"
        body += b"\r\n" + content + b"\r\n"
    body += f"--{BOUNDARY}--\r\n".encode()
    return body, {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


def upload(
    client: TestClient,
    headers: dict[str, str],
    name: str,
    data: bytes,
    **form: object,
) -> Response:
    fields = {"valid_until": NEXT_YEAR, **form}
    return client.post(
        API,
        headers=headers,
        files={"file": (name, data, "application/pdf")},
        data={k: str(v) for k, v in fields.items()},
    )


def refused(
    response: Response, status: int, key: str, language: str = "de", **params: object
) -> dict[str, Any]:
    """The API's refusal: its status and the translated message of key as its detail."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["detail"] == translate(language, key, **params), body
    return body


def stored_name(client: TestClient, headers: dict[str, str], response: Response) -> str:
    assert response.status_code == 201, response.text
    evidence_id = response.json()["id"]
    name: str = client.get(f"{API}/{evidence_id}", headers=headers).json()["original_name"]
    return name


# --- genuine files: the control group ----------------------------------------------------------


@pytest.mark.parametrize(
    ("factory", "name", "media_type"),
    [
        (pdf_bytes, "Sicherung.pdf", "application/pdf"),
        (docx_bytes, "Notfallplan.docx", DOCX),
        (xlsx_bytes, "Massnahmen.xlsx", XLSX),
    ],
)
def test_genuine_documents_are_stored_and_audited(
    client: TestClient,
    org: Org,
    engine: Engine,
    data_dir: Path,
    factory: Callable[[], bytes],
    name: str,
    media_type: str,
) -> None:
    rows, events, files = evidence_state(engine, data_dir)
    response = upload(client, org.verkehr, name, factory())
    assert response.status_code == 201, response.text
    assert response.json()["media_type"] == media_type
    after = evidence_state(engine, data_dir)
    assert after[:2] == (rows + 1, events + 1)
    new = after[2] - files
    assert all(path.is_relative_to(service.root(data_dir)) for path in new)


# --- oversized ---------------------------------------------------------------------------------


@pytest.fixture
def small_client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """The app with a request limit of 64 KiB."""
    small = settings.model_copy(update={"max_request_bytes": 64 * KIB})
    with TestClient(create_app(small, engine=engine, run_scheduler=False)) as test_client:
        yield test_client


def test_body_over_the_request_limit_is_refused_at_once(
    small_client: TestClient, org: Org, unchanged: Callable[[], None]
) -> None:
    big = pdf_bytes() + bytes(100 * KIB)
    body = refused(
        upload(small_client, org.isb, "gross.pdf", big),
        413,
        "error.payload_too_large_limit",
        limit=0.1,
    )
    assert body["error"] == "payload_too_large"
    english = upload(small_client, {**org.isb, "accept-language": "en"}, "big.pdf", big)
    refused(english, 413, "error.payload_too_large_limit", "en", limit=0.1)
    unchanged()


@pytest.mark.parametrize("declared", ["1000", "0", "1000000000000"])
def test_a_lying_content_length_does_not_get_a_large_body_in(
    small_client: TestClient, org: Org, unchanged: Callable[[], None], declared: str
) -> None:
    body, headers = multipart(
        [
            (b'name="valid_until"', NEXT_YEAR.encode()),
            (b'name="file"; filename="gross.pdf"', pdf_bytes() + bytes(100 * KIB)),
        ]
    )
    response = small_client.post(
        API, headers={**org.isb, **headers, "content-length": declared}, content=body
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "payload_too_large"
    unchanged()


def test_chunked_body_over_the_request_limit_is_refused(
    small_client: TestClient, org: Org, unchanged: Callable[[], None]
) -> None:
    body, headers = multipart(
        [
            (b'name="valid_until"', NEXT_YEAR.encode()),
            (b'name="file"; filename="gross.pdf"', pdf_bytes() + bytes(100 * KIB)),
        ]
    )

    def pieces() -> Iterator[bytes]:  # no Content-Length: sent chunked
        for at in range(0, len(body), 16 * KIB):
            yield body[at : at + 16 * KIB]

    response = small_client.post(API, headers={**org.isb, **headers}, content=pieces())
    refused(response, 413, "error.payload_too_large")
    unchanged()


def test_file_over_the_evidence_limit_is_refused_by_the_api(
    client: TestClient, org: Org, unchanged: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "MAX_UPLOAD_BYTES", 256 * KIB)
    response = upload(client, org.verkehr, "gross.pdf", pdf_bytes() + bytes(300 * KIB))
    body = refused(response, 413, "error.evidence_too_large", max_mb=0.25)
    assert body["error"] == "payload_too_large"
    unchanged()


# --- names -------------------------------------------------------------------------------------

HOSTILE_NAMES = [
    ("unix traversal", b"../../etc/passwd", "passwd"),
    ("deep unix traversal", b"../../../../../../tmp/evil.txt", "evil.txt"),
    ("windows traversal", b"..\\..\\win.ini", "win.ini"),
    ("unix absolute", b"/etc/shadow", "shadow"),
    ("windows absolute", b"C:\\Windows\\System32\\drivers\\etc\\hosts", "hosts"),
    ("unc path", b"\\\\server\\share\\bericht.txt", "bericht.txt"),
    ("nul byte", b"bericht.txt\x00.exe", "bericht.txt.exe"),
    ("control characters", b"be\x1bric\x07ht\x7f.txt", "bericht.txt"),
    ("tab", b"be\tricht.txt", "bericht.txt"),
    ("reserved windows name", b"CON.txt", "_CON.txt"),
    ("reserved port name", b"com1", "_com1"),
    ("rtl override", "rechnung\u202etxt.exe".encode(), "rechnung_txt.exe"),
    ("dots only", b"..", "datei"),
    ("hidden file", b".htaccess", "htaccess"),
    ("markup", b"<img src=x onerror=alert(1)>.txt", "_img src_x onerror_alert(1)_.txt"),
    ("very long", b"Nachweis" * 40 + b".txt", "Nachweis" * 14 + "Nach.txt"),
]


@pytest.mark.parametrize(
    ("filename", "expected"),
    [pytest.param(raw, expected, id=case) for case, raw, expected in HOSTILE_NAMES],
)
def test_hostile_names_are_stored_only_sanitised(
    client: TestClient,
    org: Org,
    engine: Engine,
    data_dir: Path,
    filename: bytes,
    expected: str,
) -> None:
    _, _, files = evidence_state(engine, data_dir)
    body, headers = multipart(
        [
            (b'name="valid_until"', NEXT_YEAR.encode()),
            (b'name="file"; filename="' + filename + b'"', b"Protokoll der Sicherung\n"),
        ]
    )
    response = client.post(API, headers={**org.isb, **headers}, content=body)
    assert stored_name(client, org.isb, response) == expected
    assert response.json()["title"] == expected  # the title defaults to the safe name
    new = files_under(data_dir.parent) - files
    assert all(path.parent.parent.parent == service.root(data_dir) for path in new), new
    assert all(len(path.name) == 64 for path in new)  # stored under the hash, never the name


def test_a_name_with_a_line_break_cannot_inject_headers(
    client: TestClient, org: Org, engine: Engine, data_dir: Path
) -> None:
    body, headers = multipart(
        [
            (b'name="valid_until"', NEXT_YEAR.encode()),
            (
                b'name="file"; filename="a.txt\r\nContent-Type: text/html\r\n\r\n<script>.txt"',
                b"Protokoll\n",
            ),
        ]
    )
    response = client.post(API, headers={**org.isb, **headers}, content=body)
    assert response.status_code < 500, response.text
    if response.status_code == 201:
        assert response.json()["media_type"] == "text/plain"
        assert "\n" not in response.json()["original_name"]
        assert "<" not in response.json()["original_name"]
    else:
        assert 400 <= response.status_code < 500 and response.json()["detail"]


# --- wrong types -------------------------------------------------------------------------------

WRONG_TYPES = [
    ("elf named pdf", elf_bytes, "bericht.pdf"),
    ("pe named pdf", pe_bytes, "bericht.pdf"),
    ("html with script", lambda: b"<!DOCTYPE html><html><script>alert(1)</script>", "a.txt"),
    (
        "svg with script",
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
        "a.svg",
    ),
    ("html behind a bom", lambda: b"\xef\xbb\xbf  <html><body onload=alert(1)>", "a.txt"),
    ("exe that is also a docx (self-extracting)", lambda: pe_bytes() + docx_bytes(), "plan.docx"),
    ("jar named docx", lambda: zip_bytes([("META-INF/MANIFEST.MF", b"Main-Class: X\n")]), "x.docx"),
]


@pytest.mark.parametrize(
    ("factory", "name"), [pytest.param(f, n, id=case) for case, f, n in WRONG_TYPES]
)
def test_wrong_types_are_refused(
    client: TestClient,
    org: Org,
    unchanged: Callable[[], None],
    factory: Callable[[], bytes],
    name: str,
) -> None:
    response = upload(client, org.verkehr, name, factory())
    body = refused(response, 400, "error.evidence_type_not_allowed", name=name)
    assert body["error"] == "invalid_input"
    unchanged()


def test_wrong_type_message_in_english(
    client: TestClient, org: Org, engine: Engine, unchanged: Callable[[], None]
) -> None:
    make_user(engine, role=Role.ISB, username="isb-en", language="en")
    response = upload(client, auth(client, "isb-en"), "tool.pdf", elf_bytes())
    refused(response, 400, "error.evidence_type_not_allowed", "en", name="tool.pdf")
    unchanged()


def test_empty_file_is_refused(client: TestClient, org: Org, unchanged: Callable[[], None]) -> None:
    refused(upload(client, org.isb, "leer.pdf", b""), 400, "error.evidence_empty")
    unchanged()


def test_pdf_zip_polyglot_is_refused(
    client: TestClient, org: Org, unchanged: Callable[[], None]
) -> None:
    polyglot = pdf_bytes() + zip_bytes([("payload.js", b"alert(1)")])
    response = upload(client, org.isb, "bericht.pdf", polyglot)
    refused(response, 400, "error.evidence_type_not_allowed", name="bericht.pdf")
    text = b"Bericht\r\n" + zip_bytes([("payload.js", b"alert(1)")])
    refused(
        upload(client, org.isb, "bericht.txt", text),
        400,
        "error.evidence_type_not_allowed",
        name="bericht.txt",
    )
    unchanged()


# --- zip bombs and hostile archives -----------------------------------------------------------


def test_high_compression_ratio_is_refused(
    client: TestClient, org: Org, unchanged: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "MAX_UPLOAD_BYTES", 256 * KIB)
    archive = bomb(20 * 256 * KIB + 1)  # unpacks beyond 20 times the limit
    assert len(archive) < 64 * KIB
    refused(upload(client, org.isb, "Massnahmen.xlsx", archive), 400, "error.evidence_archive_bomb")
    unchanged()


def test_archive_with_too_many_entries_is_refused(
    client: TestClient, org: Org, unchanged: Callable[[], None]
) -> None:
    archive = many_entries(10_000)
    refused(upload(client, org.isb, "viele.docx", archive), 400, "error.evidence_archive_bomb")
    unchanged()


HOSTILE_ARCHIVES = [
    ("nested zip", lambda: zip_bytes([("inner.zip", zip_bytes([("a.zip", bomb(MIB))]))])),
    ("encrypted docx", lambda: encrypted(docx_bytes())),
    ("plain zip", lambda: zip_bytes([("bericht.txt", b"Hallo")])),
    ("truncated docx", lambda: docx_bytes()[:-30]),
]


@pytest.mark.parametrize("factory", [pytest.param(f, id=case) for case, f in HOSTILE_ARCHIVES])
def test_hostile_archives_are_refused(
    client: TestClient, org: Org, unchanged: Callable[[], None], factory: Callable[[], bytes]
) -> None:
    response = upload(client, org.isb, "plan.docx", factory())
    refused(response, 400, "error.evidence_type_not_allowed", name="plan.docx")
    unchanged()


@pytest.mark.parametrize(
    "entry",
    [
        "../../../../etc/cron.d/evil",
        "word/../../evil",
        "/etc/evil",
        "word\\evil",
        "C:evil",
        "c:/evil",
    ],
    ids=["traversal", "inner traversal", "absolute", "backslash", "drive", "drive path"],
)
def test_archive_with_hostile_entry_names_is_refused(
    client: TestClient, org: Org, unchanged: Callable[[], None], entry: str
) -> None:
    archive = zip_bytes([*docx_entries(), (entry, b"* * * * * root x")])
    response = upload(client, org.isb, "plan.docx", archive)
    refused(response, 400, "error.evidence_type_not_allowed", name="plan.docx")
    unchanged()


# --- multipart abuse ---------------------------------------------------------------------------


def test_missing_file_part(client: TestClient, org: Org, unchanged: Callable[[], None]) -> None:
    response = client.post(API, headers=org.isb, data={"valid_until": NEXT_YEAR})
    body = refused(response, 422, "error.validation", fields="file")
    assert body["error"] == "validation_error"
    unchanged()


def test_wrong_field_name(client: TestClient, org: Org, unchanged: Callable[[], None]) -> None:
    response = client.post(
        API,
        headers=org.isb,
        data={"valid_until": NEXT_YEAR},
        files={"upload": ("a.pdf", pdf_bytes(), "application/pdf")},
    )
    refused(response, 422, "error.validation", fields="file")
    unchanged()


def test_file_sent_as_a_plain_field(
    client: TestClient, org: Org, unchanged: Callable[[], None]
) -> None:
    body, headers = multipart(
        [(b'name="valid_until"', NEXT_YEAR.encode()), (b'name="file"', b"kein Dateiteil")]
    )
    response = client.post(API, headers={**org.isb, **headers}, content=body)
    refused(response, 422, "error.validation", fields="file")
    unchanged()


def test_two_file_parts_are_refused(
    client: TestClient, org: Org, unchanged: Callable[[], None]
) -> None:
    response = client.post(
        API,
        headers=org.isb,
        data={"valid_until": NEXT_YEAR},
        files=[
            ("file", ("a.pdf", pdf_bytes("a"), "application/pdf")),
            ("file", ("b.pdf", pdf_bytes("b"), "application/pdf")),
        ],
    )
    body = refused(response, 422, "error.validation", fields="file")
    assert body["errors"][0]["type"] == "too_long"
    unchanged()


@pytest.mark.parametrize(
    ("content_type", "content", "fields"),
    [
        (
            "application/json",
            b'{"file": "JVBERi0xLjQ=", "valid_until": "2099-01-01"}',
            "file, valid_until",
        ),
        ("application/x-www-form-urlencoded", b"file=a.pdf&valid_until=2099-01-01", "file"),
        ("text/plain", b"%PDF-1.4", "file, valid_until"),
        ("application/pdf", pdf_bytes(), "file, valid_until"),
    ],
    ids=["json", "urlencoded", "text", "raw pdf"],
)
def test_non_multipart_bodies(
    client: TestClient,
    org: Org,
    unchanged: Callable[[], None],
    content_type: str,
    content: bytes,
    fields: str,
) -> None:
    response = client.post(API, headers={**org.isb, "content-type": content_type}, content=content)
    refused(response, 422, "error.validation", fields=fields)
    unchanged()


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("multipart/form-data", b"--x\r\n"),  # no boundary
        (f"multipart/form-data; boundary={BOUNDARY}", b"no parts at all"),
        (
            f"multipart/form-data; boundary={BOUNDARY}",
            f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
        ),
        (
            f"multipart/form-data; boundary={BOUNDARY}",
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'.encode()
            + b"\r\n%PDF-1.4 cut off",
        ),
    ],
    ids=["no boundary", "no parts", "part without a name", "unterminated part"],
)
def test_broken_multipart_is_a_client_error(
    client: TestClient,
    org: Org,
    unchanged: Callable[[], None],
    content_type: str,
    content: bytes,
) -> None:
    response = client.post(API, headers={**org.isb, "content-type": content_type}, content=content)
    assert response.status_code in (400, 422), response.text
    assert response.json()["error"] in ("bad_request", "validation_error")
    assert response.json()["detail"]
    unchanged()


# --- who may upload ----------------------------------------------------------------------------


def test_only_editors_upload(
    client: TestClient, org: Org, engine: Engine, unchanged: Callable[[], None]
) -> None:
    make_user(engine, role=Role.DPO, username="dpo")
    for headers in (org.auditor, org.admin, auth(client, "dpo")):
        refused(upload(client, headers, "a.pdf", pdf_bytes()), 403, "error.forbidden")
    anonymous = client.post(
        API, files={"file": ("a.pdf", pdf_bytes())}, data={"valid_until": NEXT_YEAR}
    )
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "unauthorized"
    unchanged()


def test_department_user_cannot_file_for_another_department(
    client: TestClient, org: Org, unchanged: Callable[[], None]
) -> None:
    foreign = upload(client, org.verkehr, "x.pdf", pdf_bytes(), department_id=org.fw.id)
    # the same answer as for a department that does not exist: nothing about it leaks
    missing = upload(client, org.verkehr, "x.pdf", pdf_bytes(), department_id=99_999)
    assert foreign.json()["detail"].replace(str(org.fw.id), "?") == missing.json()[
        "detail"
    ].replace("99999", "?")
    body = refused(foreign, 400, "error.department_unknown", ids=str(org.fw.id))
    assert body["field"] == "department_id"
    unchanged()


# --- the form ----------------------------------------------------------------------------------


def form_upload(client: TestClient, files: Any, **fields: object) -> Response:
    form = {
        "csrf_token": csrf_from(client.get("/evidence").text),
        "valid_until": NEXT_YEAR,
        **{k: str(v) for k, v in fields.items()},
    }
    return client.post("/evidence/upload", data=form, files=files, follow_redirects=False)


def page_says(response: Response, status: int, key: str, **params: object) -> None:
    assert response.status_code == status, response.text
    text = html.unescape(response.text)
    assert translate("de", key, **params) in text
    assert 'href="#field-' in text  # in the error summary, linked to the field


FORM_REFUSALS = [
    (
        "elf",
        {"file": ("bericht.pdf", elf_bytes())},
        400,
        "error.evidence_type_not_allowed",
        {"name": "bericht.pdf"},
    ),
    (
        "svg",
        {"file": ("logo.txt", b"<svg onload=alert(1)>")},
        400,
        "error.evidence_type_not_allowed",
        {"name": "logo.txt"},
    ),
    ("empty", {"file": ("leer.pdf", b"")}, 400, "error.evidence_empty", {}),
    (
        "traversal name, wrong type",
        {"file": ("../../bin/sh", elf_bytes())},
        400,
        "error.evidence_type_not_allowed",
        {"name": "sh"},
    ),
    (
        "many entries",
        {"file": ("viele.docx", many_entries(10_000))},
        400,
        "error.evidence_archive_bomb",
        {},
    ),
    (
        "encrypted",
        {"file": ("plan.docx", encrypted(docx_bytes()))},
        400,
        "error.evidence_type_not_allowed",
        {"name": "plan.docx"},
    ),
    ("wrong field name", {"upload": ("a.pdf", pdf_bytes())}, 400, "validation.missing", {}),
    (
        "two files",
        [("file", ("a.pdf", pdf_bytes("a"))), ("file", ("b.pdf", pdf_bytes("b")))],
        400,
        "validation.too_long",
        {},
    ),
]


@pytest.mark.parametrize(
    ("files", "status", "key", "params"),
    [pytest.param(*case[1:], id=case[0]) for case in FORM_REFUSALS],
)
def test_form_refusals_come_back_in_the_error_summary(
    client: TestClient,
    org: Org,
    login_ui: Callable[[str], TestClient],
    unchanged: Callable[[], None],
    files: object,
    status: int,
    key: str,
    params: dict[str, object],
) -> None:
    login_ui("verkehr")
    page_says(form_upload(client, files), status, key, **params)
    unchanged()


def test_form_refuses_a_file_over_the_limit_and_a_bomb(
    client: TestClient,
    org: Org,
    login_ui: Callable[[str], TestClient],
    unchanged: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(views, "MAX_UPLOAD_BYTES", 256 * KIB)
    login_ui("isb")
    big = {"file": ("gross.pdf", pdf_bytes() + bytes(300 * KIB))}
    page_says(form_upload(client, big), 413, "error.evidence_too_large", max_mb=0.25)
    archive = {"file": ("m.xlsx", bomb(20 * 256 * KIB + 1))}
    page_says(form_upload(client, archive), 400, "error.evidence_archive_bomb")
    unchanged()


def test_form_stores_a_hostile_name_sanitised(
    client: TestClient,
    org: Org,
    login_ui: Callable[[str], TestClient],
) -> None:
    login_ui("verkehr")
    response = form_upload(client, {"file": ("..\\..\\CON.txt", b"Protokoll\n")})
    assert response.status_code == 303, response.text
    evidence_id = int(response.headers["location"].split("=")[1])
    detail = client.get(f"{API}/{evidence_id}", headers=org.verkehr).json()
    assert detail["original_name"] == "_CON.txt"


def test_form_department_user_cannot_file_for_another_department(
    client: TestClient,
    org: Org,
    login_ui: Callable[[str], TestClient],
    unchanged: Callable[[], None],
) -> None:
    login_ui("verkehr")
    response = form_upload(client, {"file": ("x.pdf", pdf_bytes())}, department_id=org.fw.id)
    page_says(response, 400, "error.department_unknown", ids=str(org.fw.id))
    unchanged()


def test_form_over_the_request_limit(
    small_client: TestClient, org: Org, unchanged: Callable[[], None]
) -> None:
    response = small_client.post(
        "/evidence/upload",
        files={"file": ("gross.pdf", pdf_bytes() + bytes(100 * KIB))},
        data={"valid_until": NEXT_YEAR},
        follow_redirects=False,
    )
    assert response.status_code == 413
    assert translate("de", "error.payload_too_large_limit", limit=0.1) in response.text
    unchanged()
