"""Reference documents read back with pdftotext, and evidence packs checked by an independent
verifier: intact, one changed byte, a missing file, a foreign signature, not a ZIP."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import warnings
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from reportlab.pdfbase import pdfmetrics
from sqlalchemy import Engine

from controls.evidence import service as evidence_service
from isms.database import session_scope
from isms.errors import InvalidInput
from isms.settings import Settings
from reports import context, pack, pdf, signing
from reports.document import Document, Meta, Section
from reports.document import Table as DataTable
from tests.controls import samples
from tests.reports import verifier
from tests.risk.analysis.conftest import Org, create_asset, make_risk


def text_of(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def domain(client: TestClient, org: Org, threats: dict[str, int]) -> dict:
    scada = create_asset(client, org, "SCADA-1", "ICS/OT-Systeme", org.vt, kritis_critical=True)
    for n in range(70):  # enough rows for the table to run over several pages
        create_asset(client, org, f"FW-{n:03d}", "Anwendungen", org.fw)
    client.put(
        f"/api/v1/assets/{scada['id']}/protection",
        headers=org.isb,
        json={"availability": {"level": "sehr hoch", "justification": "Überflutung möglich"}},
    )
    make_risk(client, org, scada["id"], threats["G 0.39"], frequency="häufig")
    return {"scada": scada}


def test_a1_and_a2_read_back(engine: Engine, domain: dict, tmp_path: Path) -> None:
    with session_scope(engine, write=False) as session:
        a1 = context.build_a1(session, context.Scope(), "de")
        a2 = context.build_a2(session, context.Scope(department_id=None), "de")
    pdf.render(a1, tmp_path / "a1.pdf")
    pdf.render(a2, tmp_path / "a2.pdf", wide=True)
    text = text_of(tmp_path / "a1.pdf")
    assert "A.1 Strukturanalyse" in text and "Landeshauptstadt Hannover" in text
    assert "Freigegeben" in text and "Inhalt" in text  # cover with approval fields, contents
    assert "Seite 2" in text and "Seite 3" in text
    assert "SCADA-1" in text and "(KRITIS)" in text and "FW-069" in text
    assert text.count("Bezeichnung") >= 3  # the header row repeats on every page of the table
    second = text_of(tmp_path / "a2.pdf")
    assert "A.2 Schutzbedarfsfeststellung" in second and "Überflutung möglich" in second
    assert "sehr hoch" in second


def fonts_of(path: Path) -> list[tuple[str, str]]:
    """(name, embedded) of every font pdffonts lists."""
    lines = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    # name type encoding emb sub uni object id; the type may be two words ("Type 1")
    return [(line.split()[0], line.split()[-5]) for line in lines if line.strip()]


# soa: in the catalogued tests; ropa, dpia, breaches: in tests/privacy (they need more than
# this domain)
@pytest.mark.parametrize(
    "name", sorted(set(context.documents()) - {"soa", "ropa", "dpia", "breaches"})
)
def test_every_document_embeds_all_its_fonts(
    engine: Engine, domain: dict, tmp_path: Path, name: str
) -> None:
    with session_scope(engine, write=False) as session:
        document = context.documents()[name](session, context.Scope(), "de")
    pdf.render(document, tmp_path / f"{name}.pdf", wide=True)
    fonts = fonts_of(tmp_path / f"{name}.pdf")
    assert fonts and all(embedded == "yes" for _, embedded in fonts), fonts
    assert all("BitstreamVeraSans" in font for font, _ in fonts), fonts  # umlauts, no Helvetica


def test_english_a5(engine: Engine, domain: dict, tmp_path: Path) -> None:
    with session_scope(engine, write=False) as session:
        document = context.build_a5(session, context.Scope(kritis=True), "en")
    pdf.render(document, tmp_path / "a5.pdf", wide=True)
    text = text_of(tmp_path / "a5.pdf")
    assert "A.5 Risk analysis" in text and "Critical facilities (KRITIS)" in text
    assert "G 0.39" in text and "R-0001" in text


def test_empty_scope_and_unknown_assets_are_clear_errors(engine: Engine, domain: dict) -> None:
    with session_scope(engine, write=False) as session:
        with pytest.raises(InvalidInput) as empty:
            context.build_a1(session, context.Scope(department_id=999999), "de")
        assert empty.value.message_key == "error.report_scope_empty"
        with pytest.raises(InvalidInput) as unknown:
            context.build_a1(session, context.Scope(asset_ids=(999999,)), "de")
        assert "999999" in unknown.value.params["ids"]
    with pytest.raises(InvalidInput):
        pack.Period(date(2026, 2, 1), date(2026, 1, 1)).check()


@pytest.fixture
def built(engine: Engine, settings: Settings, domain: dict, tmp_path: Path) -> Path:
    with session_scope(engine) as session:
        evidence_service.upload(
            session,
            data_dir=settings.data_dir,
            stream=io.BytesIO(samples.pdf()),
            filename="notfallhandbuch.pdf",
            title="Notfallhandbuch",
            valid_until=date.today() + timedelta(days=100),
            department_id=None,
            actor="test",
            scope=None,
        )
    out = tmp_path / "pack.zip"
    with session_scope(engine, write=False) as session:
        result = pack.build_pack(
            session,
            data_dir=settings.data_dir,
            out=out,
            scope=context.Scope(kritis=True),
            period=pack.Period(date.today() - timedelta(days=1), date.today()),
        )
    assert result.files >= 13 and result.size == out.stat().st_size
    assert not list(tmp_path.glob(".pack-*"))  # no temporary file left behind
    return out


def test_a_pack_verifies_independently(built: Path, settings: Settings) -> None:
    key = signing.public_key_pem(settings.data_dir)
    assert verifier.check(built, key) == []
    assert pack.verify_pack(built, public_pem=key).ok
    with zipfile.ZipFile(built) as archive:
        names = archive.namelist()
        assert {"reports/a1.pdf", "data/a4.csv", "audit/events.jsonl"} <= set(names)
        events = archive.read("audit/events.jsonl").decode().splitlines()
        assert events and '"action"' in events[0]


def _rewrite(source: Path, target: Path, change: dict[str, bytes | None]) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change.get(info.filename, old.read(info.filename))
            if data is not None:
                new.writestr(info, data)


def test_a_changed_byte_a_missing_file_or_a_foreign_key_fail(
    built: Path, settings: Settings, tmp_path: Path
) -> None:
    key = signing.public_key_pem(settings.data_dir)
    with zipfile.ZipFile(built) as archive:
        csv = archive.read("data/a1.csv")
    changed = tmp_path / "changed.zip"
    _rewrite(built, changed, {"data/a1.csv": csv[:-1] + bytes([csv[-1] ^ 1])})
    assert verifier.check(changed, key) == ["changed data/a1.csv"]
    result = pack.verify_pack(changed, public_pem=key)
    assert not result.ok and result.problems == ["changed: data/a1.csv"]
    missing = tmp_path / "missing.zip"
    _rewrite(built, missing, {"reports/a2.pdf": None})
    assert verifier.check(missing, key) == ["missing reports/a2.pdf"]
    assert pack.verify_pack(missing, public_pem=key).problems == ["missing: reports/a2.pdf"]
    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    other = foreign.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert verifier.check(built, other) == ["bad signature"]
    assert "signature" in pack.verify_pack(built, public_pem=other).problems[0]


def test_not_a_zip_or_truncated(built: Path, settings: Settings, tmp_path: Path) -> None:
    key = signing.public_key_pem(settings.data_dir)
    text = tmp_path / "text.zip"
    text.write_text("kein Archiv")
    assert pack.verify_pack(text, public_pem=key).problems[0].startswith("not a readable ZIP")
    truncated = tmp_path / "truncated.zip"
    shutil.copy(built, truncated)
    with open(truncated, "r+b") as handle:
        handle.truncate(built.stat().st_size // 2)
    result = pack.verify_pack(truncated, public_pem=key)
    assert not result.ok and result.problems


def test_hostile_packs_are_refused_with_reasons_not_tracebacks(
    built: Path, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = signing.public_key_pem(settings.data_dir)
    # A second entry under a name already there: readers differ in which one they show.
    twice = tmp_path / "twice.zip"
    shutil.copy(built, twice)
    with warnings.catch_warnings(), zipfile.ZipFile(twice, "a") as archive:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name
        archive.writestr("data/a1.csv", b'=HYPERLINK("http://evil")')
    assert pack.verify_pack(twice, public_pem=key).problems == [
        "in the archive more than once: data/a1.csv"
    ]
    # Damaged compressed data in the middle of an entry.
    damaged = tmp_path / "damaged.zip"
    shutil.copy(built, damaged)
    with zipfile.ZipFile(built) as archive:
        info = archive.getinfo("data/a1.json")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    with open(damaged, "r+b") as handle:
        handle.seek(start + info.compress_size // 2)
        handle.write(b"\xff\x00\xff\x00\xff\x00")
    result = pack.verify_pack(damaged, public_pem=key)
    assert not result.ok and result.problems[0].startswith("unreadable: data/a1.json")
    # A manifest larger than any pack's is not read into memory.
    monkeypatch.setattr(pack, "MAX_MANIFEST", 100)
    assert "larger than any pack" in pack.verify_pack(built, public_pem=key).problems[0]
    monkeypatch.undo()
    # A signed manifest naming one file twice.
    with zipfile.ZipFile(built) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    manifest["files"].append(manifest["files"][0])
    doubled = json.dumps(manifest).encode()
    resigned = tmp_path / "resigned.zip"
    _rewrite(
        built,
        resigned,
        {
            "manifest.json": doubled,
            "manifest.jws": signing.sign(settings.data_dir, doubled).encode(),
        },
    )
    name = manifest["files"][0]["path"]
    assert pack.verify_pack(resigned, public_pem=key).problems == [
        f"listed in the manifest more than once: {name}"
    ]


def test_verifying_never_makes_a_key(built: Path, tmp_path: Path) -> None:
    empty = tmp_path / "no-key-here"
    empty.mkdir()
    result = pack.verify_pack(built, public_pem=None, data_dir=empty)
    assert result.problems == ["no public key to verify with"] and not list(empty.iterdir())


def test_concurrent_first_users_of_the_signing_key_get_the_same_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        keys = set(pool.map(lambda _: signing.public_key_pem(tmp_path / "data"), range(4)))
    assert len(keys) == 1
    assert (tmp_path / "data" / signing.KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert [p.name for p in (tmp_path / "data").iterdir()] == [signing.KEY_FILE]


def test_the_management_report_has_its_charts_in_words(
    engine: Engine, domain: dict, tmp_path: Path
) -> None:
    with session_scope(engine, write=False) as session:
        document = context.build_management(session, context.Scope(), "de")
    pdf.render(document, tmp_path / "management.pdf", wide=True)
    text = text_of(tmp_path / "management.pdf")
    assert "Managementbericht Informationssicherheit" in text
    assert "1 offene Risiken" in text or "offene Risiken" in text
    assert "Risikolage" in text and "existenzbedrohend" in text and "sehr häufig" in text
    assert "Verkehr und Tiefbau" in text or "Informationsverbund" in text


def test_long_words_stay_in_their_column_and_long_cells_end_with_an_ellipsis() -> None:
    pdf._fonts()
    url = "https://www.hannover.de/Leben-in-der-Region-Hannover/Verwaltungen-Kommunen/Verwaltung"
    lines = pdf._lines(f"Siehe {url} und it-sicherheit@hannover-stadt.de", 60)
    assert all(pdfmetrics.stringWidth(line, pdf.FONT, pdf.CELL_SIZE) <= 60 for line in lines)
    assert "".join(lines[1:-1]).replace(" ", "").startswith(url[:40])  # nothing lost
    many = pdf._lines(" ".join(["Absatz"] * 400), 60)
    assert len(many) == pdf.MAX_LINES and many[-1].endswith(" …")
    assert pdfmetrics.stringWidth(many[-1], pdf.FONT, pdf.CELL_SIZE) <= 60


def test_csv_cells_that_look_like_formulas_are_shown_as_text() -> None:
    document = Document(
        meta=Meta("T", "S", "O", "A", "1", date(2026, 1, 1), "de"),
        sections=(
            Section(
                title="Objekte",
                tables=(
                    DataTable(
                        headers=("Name", "Notiz"),
                        rows=(('=HYPERLINK("http://x","klick")', "+49 511 168-0"), ("A", "-")),
                    ),
                ),
            ),
        ),
    )
    rows = list(
        csv.reader(io.StringIO(b"".join(pack._csv(document)).decode("utf-8-sig")), delimiter=";")
    )
    assert rows == [
        ["Objekte", "Name", "Notiz"],
        ["Objekte", '\'=HYPERLINK("http://x","klick")', "'+49 511 168-0"],
        ["Objekte", "A", "'-"],
    ]
    exact = json.loads(b"".join(pack._json(document)))
    assert exact["sections"][0]["tables"][0]["rows"][0][0].startswith("=HYPERLINK")
