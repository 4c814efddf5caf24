"""Evidence storage on real files: type sniffing, limits, zip bombs, names, dedupe, integrity."""

from __future__ import annotations

import hashlib
import io
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, cast

import pytest
from openpyxl import Workbook
from PIL import Image
from reportlab.pdfgen import canvas

from controls.evidence.storage import (
    ALLOWED,
    CHUNK_BYTES,
    CSV,
    DEFAULT_MAX_BYTES,
    DOCX,
    JPEG,
    MAIL,
    ODS,
    ODT,
    PDF,
    PNG,
    PPTX,
    TEXT,
    XLSX,
    StoredFile,
    open_stored,
    path_for,
    sanitise_name,
    sniff,
    store,
    verify,
)
from isms.errors import DomainError, InvalidInput, PayloadTooLarge

KIB = 1024
MIB = 1024 * KIB
RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Target="{target}" Type="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
WORD_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
PPT_MAIN = b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
DOCM_MAIN = b"application/vnd.ms-word.document.macroEnabled.main+xml"
MAIL_TEXT = (
    "Return-Path: <leitstelle@stadtwerke.example>\r\n"
    "Received: from mx1.stadtwerke.example (mx1.stadtwerke.example [192.0.2.10])\r\n"
    "\tby mail.stadtwerke.example with ESMTPS; Mon, 3 Nov 2025 09:12:00 +0100\r\n"
    "From: Leitstelle <leitstelle@stadtwerke.example>\r\n"
    "To: ISB <isb@stadtwerke.example>\r\n"
    "Subject: =?utf-8?q?Notfall=C3=BCbung_Wasserwerk?=\r\n"
    "Date: Mon, 3 Nov 2025 09:11:58 +0100\r\n"
    "Message-ID: <20251103.1@stadtwerke.example>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Die Notfallübung ist abgeschlossen, Protokoll folgt.\r\n"
)


# --- sample files ------------------------------------------------------------------------------


def pdf_bytes(text: str = "Nachweis Datensicherung") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def png_bytes() -> bytes:
    """A 1x1 grey PNG written by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x80")
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
    return png + chunk(b"IEND", b"")


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def zip_bytes(
    entries: list[tuple[str, bytes]],
    *,
    stored: tuple[str, ...] = ("mimetype",),
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            method = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=method)
    return buffer.getvalue()


def content_types(main_part: str, main_type: bytes) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="rels" '
        b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        b'<Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/' + main_part.encode() + b'" ContentType="' + main_type + b'"/>'
        b"</Types>"
    )


def docx_entries(main_type: bytes = WORD_MAIN) -> list[tuple[str, bytes]]:
    document = (
        b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats'
        b'.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Notfallplan</w:t></w:r></w:p>'
        b"</w:body></w:document>"
    )
    return [
        ("[Content_Types].xml", content_types("word/document.xml", main_type)),
        ("_rels/.rels", RELS.replace(b"{target}", b"word/document.xml")),
        ("word/document.xml", document),
    ]


def docx_bytes(main_type: bytes = WORD_MAIN) -> bytes:
    return zip_bytes(docx_entries(main_type))


def pptx_bytes() -> bytes:
    presentation = (
        b'<?xml version="1.0" encoding="UTF-8"?><p:presentation xmlns:p="http://schemas.'
        b'openxmlformats.org/presentationml/2006/main"/>'
    )
    return zip_bytes(
        [
            ("[Content_Types].xml", content_types("ppt/presentation.xml", PPT_MAIN)),
            ("_rels/.rels", RELS.replace(b"{target}", b"ppt/presentation.xml")),
            ("ppt/presentation.xml", presentation),
        ]
    )


def xlsx_bytes() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Maßnahme", "Status"])
    sheet.append(["Backup-Test", "umgesetzt"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_entries(archive: bytes, extra: list[tuple[str, bytes]]) -> bytes:
    """The archive with more entries appended, compressed."""
    buffer = io.BytesIO(archive)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as writer:
        for name, data in extra:
            writer.writestr(name, data)
    return buffer.getvalue()


def odf_entries(media_type: bytes) -> list[tuple[str, bytes]]:
    return [
        ("mimetype", media_type),
        ("content.xml", b'<?xml version="1.0" encoding="UTF-8"?><office:document-content/>'),
        (
            "META-INF/manifest.xml",
            b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            b'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            b'<manifest:file-entry manifest:full-path="/" manifest:media-type="'
            + media_type
            + b'"/></manifest:manifest>',
        ),
    ]


def elf_bytes() -> bytes:
    true = Path("/bin/true")
    if true.is_file():
        return true.read_bytes()
    header = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HHI", 2, 0x3E, 1)
    return header + bytes(4096)


def pe_bytes() -> bytes:
    """The start of a Windows executable: MZ stub pointing at a PE header."""
    stub = bytearray(b"MZ" + bytes(62))
    stub[0x3C:0x40] = struct.pack("<I", 0x80)
    stub += b"This program cannot be run in DOS mode.\r\r\n$".ljust(0x40, b"\x00")
    return bytes(stub) + b"PE\x00\x00" + struct.pack("<HH", 0x8664, 3) + bytes(2048)


class Trickle(io.RawIOBase):
    """A stream that hands out a few bytes per read, like a slow network upload."""

    def __init__(self, data: bytes, step: int = 700) -> None:
        self._data = memoryview(data)
        self._step = step
        self._at = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        piece = self._data[self._at : self._at + min(len(buffer), self._step)]
        buffer[: len(piece)] = piece
        self._at += len(piece)
        return len(piece)


def store_bytes(
    root: Path, data: bytes, name: str = "nachweis", max_bytes: int = DEFAULT_MAX_BYTES
) -> StoredFile:
    return store(root, io.BytesIO(data), name=name, max_bytes=max_bytes)


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def assert_nothing_left(root: Path) -> None:
    """No temp file, no partial or stored file, no shard directory."""
    assert list((root / "tmp").iterdir()) == []
    assert [path.name for path in root.iterdir()] == ["tmp"]


def refusal(root: Path, data: bytes, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> DomainError:
    with pytest.raises(DomainError) as caught:
        store_bytes(root, data, name, max_bytes)
    assert_nothing_left(root)
    return caught.value


# --- accepted files ----------------------------------------------------------------------------

ACCEPTED: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("pdf", pdf_bytes, "Sicherungsnachweis.pdf", PDF),
    ("pdf named txt", pdf_bytes, "notiz.txt", PDF),
    ("png", png_bytes, "screenshot.png", PNG),
    ("jpeg", jpeg_bytes, "foto.JPG", JPEG),
    ("docx", docx_bytes, "Notfallplan.docx", DOCX),
    ("xlsx", xlsx_bytes, "Maßnahmen.xlsx", XLSX),
    ("xlsx named pdf", xlsx_bytes, "maßnahmen.pdf", XLSX),
    ("pptx", pptx_bytes, "Schulung.pptx", PPTX),
    ("odt", lambda: zip_bytes(odf_entries(ODT.encode())), "Richtlinie.odt", ODT),
    ("ods", lambda: zip_bytes(odf_entries(ODS.encode())), "Inventar.ods", ODS),
    ("utf-8", lambda: "Prüfbericht für das Wasserwerk\n".encode(), "bericht.txt", TEXT),
    ("utf-8 bom", lambda: "\ufeffÜbersicht\r\n".encode(), "a.txt", TEXT),
    ("cp1252", lambda: "Prüfung – Übersicht\r\n".encode("cp1252"), "alt.txt", TEXT),
    ("utf-16", lambda: "Prüfung der Zugänge\n".encode("utf-16"), "unicode.txt", TEXT),
    ("csv", lambda: b"Kennung;Status\nM-1;umgesetzt\n", "liste.CSV", CSV),
    ("csv named txt", lambda: b"Kennung;Status\nM-1;umgesetzt\n", "liste.txt", TEXT),
    ("cp1252 csv", lambda: "Maßnahme;Zuständig\n".encode("cp1252"), "m.csv", CSV),
    ("script as text", lambda: b"#!/bin/sh\nrsync -a /srv /backup\n", "backup.sh", TEXT),
    ("mail", lambda: MAIL_TEXT.encode(), "Übung.eml", MAIL),
    ("mail named txt", lambda: MAIL_TEXT.encode(), "mail.txt", MAIL),
    ("one header is no mail", lambda: b"Subject: Notizen\nzum Audit\n", "n.txt", TEXT),
]


@pytest.mark.parametrize(
    ("factory", "name", "media_type"),
    [pytest.param(*case[1:], id=case[0]) for case in ACCEPTED],
)
def test_accepted_files_are_stored_by_hash_with_the_sniffed_type(
    tmp_path: Path, factory: Callable[[], bytes], name: str, media_type: str
) -> None:
    data = factory()
    result = store_bytes(tmp_path, data, name)
    sha256 = hashlib.sha256(data).hexdigest()
    assert result == StoredFile(sha256, len(data), media_type, sanitise_name(name), created=True)
    assert media_type in ALLOWED
    assert path_for(tmp_path, sha256).read_bytes() == data
    assert list((tmp_path / "tmp").iterdir()) == []


def test_sample_images_are_real_images() -> None:
    for data, kind in ((png_bytes(), "PNG"), (jpeg_bytes(), "JPEG")):
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            assert image.format == kind


def test_allowed_types_and_download_extensions() -> None:
    assert "application/zip" not in ALLOWED
    assert not any("html" in media_type or "svg" in media_type for media_type in ALLOWED)
    assert ALLOWED[DOCX][0] == ".docx"
    assert ALLOWED[MAIL] == (".eml",)
    assert all(ext.startswith(".") for extensions in ALLOWED.values() for ext in extensions)


def test_sniff_needs_the_whole_archive_for_office_files() -> None:
    docx = docx_bytes()
    assert sniff(docx, name="x.bin") == DOCX
    assert sniff(docx[: len(docx) // 2], name="x.docx") is None
    assert sniff(b"", name="leer.txt") is None
    assert sniff(b"a;b\n", name="x.csv") == CSV


def test_large_file_is_hashed_across_chunks_and_short_reads(tmp_path: Path) -> None:
    line = "Protokollzeile mit Umlauten äöü und einer Nummer 0123456789\n".encode()
    data = line * (2 * CHUNK_BYTES // len(line) + 5)
    result = store(tmp_path, cast(BinaryIO, Trickle(data, step=3000)), name="log.txt")
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.size == len(data) > 2 * CHUNK_BYTES
    assert result.media_type == TEXT
    docx = docx_bytes()
    trickled = store(tmp_path, cast(BinaryIO, Trickle(docx, step=10)), name="plan.docx")
    assert (trickled.media_type, trickled.size) == (DOCX, len(docx))


def test_file_exactly_at_the_limit_is_accepted(tmp_path: Path) -> None:
    data = b"x" * 10_000
    assert store_bytes(tmp_path, data, "grenze.txt", max_bytes=10_000).size == 10_000


# --- refused files -----------------------------------------------------------------------------

NOT_ALLOWED: list[tuple[str, Callable[[], bytes], str]] = [
    ("elf as pdf", elf_bytes, "bericht.pdf"),
    ("pe as pdf", pe_bytes, "bericht.pdf"),
    ("html as txt", lambda: b"<!DOCTYPE html><html><script>alert(1)</script></html>", "a.txt"),
    ("indented html", lambda: b"\r\n  <HTML><body onload=alert(1)>", "a.txt"),
    ("html fragment", lambda: b"<script>alert(document.cookie)</script>", "a.csv"),
    ("bare html tag", lambda: b"<html", "a.txt"),
    ("utf-16 html", lambda: "<html><script>x()</script>".encode("utf-16"), "a.txt"),
    ("svg as txt", lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "a.txt"),
    ("svg with xml declaration", lambda: b'<?xml version="1.0"?>\n<svg onload="x()"/>', "a.txt"),
    ("svg after comment", lambda: b"<!-- Generator: Illustrator -->\n<svg/>", "logo.txt"),
    ("svg doctype", lambda: b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN">', "logo.txt"),
    ("plain zip", lambda: zip_bytes([("bericht.txt", b"Hallo")]), "bericht.docx"),
    ("empty zip", lambda: zip_bytes([]), "leer.xlsx"),
    ("jar", lambda: zip_bytes([("META-INF/MANIFEST.MF", b"Main-Class: X\n")]), "x.docx"),
    ("docm", lambda: docx_bytes(DOCM_MAIN), "makro.docx"),
    (
        "xlsx with macros",
        lambda: with_entries(xlsx_bytes(), [("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0")]),
        "makro.xlsx",
    ),
    (
        "content types without document parts",
        lambda: zip_bytes(docx_entries()[:2]),
        "hohl.docx",
    ),
    (
        "odt with mimetype compressed",
        lambda: zip_bytes(odf_entries(ODT.encode()), stored=()),
        "r.odt",
    ),
    (
        "odt with basic macros",
        lambda: zip_bytes([*odf_entries(ODT.encode()), ("Basic/Standard/Module1.xml", b"x")]),
        "r.odt",
    ),
    (
        "odf presentation",
        lambda: zip_bytes(odf_entries(b"application/vnd.oasis.opendocument.presentation")),
        "r.odp",
    ),
    ("nul in text", lambda: b"Bericht\x00\x00mit NUL", "a.txt"),
    ("nul after the head", lambda: b"a" * (3 * MIB) + b"\x00" + b"b" * 10, "log.txt"),
    ("control characters", lambda: bytes(range(1, 9)) * 100 + b"text", "a.txt"),
    (
        "control characters after the head",
        lambda: b"a" * 20_000 + bytes(range(1, 9)) * 9_000,
        "a.txt",
    ),
    ("broken utf-16", lambda: "Prüfung".encode("utf-16") + b"A", "a.txt"),
    ("random binary", lambda: bytes((i * 7919 + 13) % 251 + 1 for i in range(20_000)), "a.pdf"),
]


@pytest.mark.parametrize(
    ("factory", "name"), [pytest.param(*case[1:], id=case[0]) for case in NOT_ALLOWED]
)
def test_refused_types_leave_nothing_behind(
    tmp_path: Path, factory: Callable[[], bytes], name: str
) -> None:
    error = refusal(tmp_path, factory(), name)
    assert isinstance(error, InvalidInput)
    assert error.message_key == "error.evidence_type_not_allowed"
    assert error.params == {"name": sanitise_name(name)}


def test_refused_error_names_the_sanitised_file(tmp_path: Path) -> None:
    error = refusal(tmp_path, pe_bytes(), "..\\..\\Windows\\setup.exe")
    assert error.params == {"name": "setup.exe"}


def test_wrong_type_is_refused_before_the_rest_is_read(tmp_path: Path) -> None:
    stream = io.BytesIO(elf_bytes() + bytes(5 * MIB))
    with pytest.raises(InvalidInput):
        store(tmp_path, stream, name="tool.pdf")
    assert stream.tell() <= CHUNK_BYTES
    assert_nothing_left(tmp_path)


def test_corrupted_office_file_is_refused(tmp_path: Path) -> None:
    docx = bytearray(docx_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(docx))) as archive:
        entry = archive.getinfo("word/document.xml")
    data_start = entry.header_offset + 30 + len(entry.filename) + len(entry.extra)
    docx[data_start + 5] ^= 0xFF
    assert refusal(tmp_path, bytes(docx), "plan.docx").message_key == (
        "error.evidence_type_not_allowed"
    )


def test_empty_file_is_refused(tmp_path: Path) -> None:
    error = refusal(tmp_path, b"", "leer.pdf")
    assert isinstance(error, InvalidInput)
    assert error.message_key == "error.evidence_empty"


def test_file_one_byte_over_the_limit_is_refused_without_reading_on(tmp_path: Path) -> None:
    limit = 3 * MIB
    stream = io.BytesIO(pdf_bytes() + bytes(limit + 1 - len(pdf_bytes())) + bytes(MIB))
    with pytest.raises(PayloadTooLarge) as caught:
        store(tmp_path, stream, name="gross.pdf", max_bytes=limit)
    assert caught.value.message_key == "error.evidence_too_large"
    assert caught.value.params == {"max_mb": 3}
    assert caught.value.status_code == 413
    assert stream.tell() == limit + 1
    assert_nothing_left(tmp_path)


def test_limit_must_be_positive(tmp_path: Path) -> None:
    stream = io.BytesIO(b"x" * 100)
    with pytest.raises(ValueError, match="max_bytes"):
        store(tmp_path, stream, name="a.txt", max_bytes=-1)
    assert stream.tell() == 0


def test_limit_below_the_head_size(tmp_path: Path) -> None:
    error = refusal(tmp_path, b"x" * 101, "a.txt", max_bytes=100)
    assert isinstance(error, PayloadTooLarge)
    assert store_bytes(tmp_path, b"x" * 100, "a.txt", max_bytes=100).size == 100


# --- zip bombs ---------------------------------------------------------------------------------


def test_zip_bomb_disguised_as_xlsx_is_refused(tmp_path: Path) -> None:
    max_bytes = 256 * KIB
    zeros = bytes(20 * max_bytes + 1)  # compresses to a few KiB
    bomb = with_entries(xlsx_bytes(), [("xl/media/image1.bin", zeros)])
    assert len(bomb) < max_bytes
    error = refusal(tmp_path, bomb, "Maßnahmen.xlsx", max_bytes=max_bytes)
    assert isinstance(error, InvalidInput)
    assert error.message_key == "error.evidence_archive_bomb"
    # the same workbook unpacking to just the limit is fine
    fine = with_entries(xlsx_bytes(), [("xl/media/image1.bin", bytes(10 * max_bytes))])
    assert store_bytes(tmp_path, fine, "ok.xlsx", max_bytes=max_bytes).media_type == XLSX


def many_entries(count: int, name_length: int = 8) -> bytes:
    """A DOCX with `count` extra empty entries."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in docx_entries():
            archive.writestr(name, data)
        for number in range(count):
            archive.writestr(f"word/media/{number:0{name_length}d}.xml", b"")
    return buffer.getvalue()


def test_archive_with_too_many_entries_is_refused(tmp_path: Path) -> None:
    assert store_bytes(tmp_path, many_entries(9_997), "viele.docx").media_type == DOCX
    error = refusal(tmp_path / "2", many_entries(9_998), "viele.docx")
    assert error.message_key == "error.evidence_archive_bomb"


def test_entry_count_is_checked_even_when_the_end_record_lies(tmp_path: Path) -> None:
    archive = bytearray(many_entries(10_500))
    end = archive.rfind(b"PK\x05\x06")
    archive[end + 8 : end + 12] = struct.pack("<HH", 1, 1)  # entries on this disk, in total
    with zipfile.ZipFile(io.BytesIO(bytes(archive))) as opened:
        assert len(opened.infolist()) == 10_503  # zipfile itself ignores the count
    assert refusal(tmp_path, bytes(archive), "x.docx").message_key == "error.evidence_archive_bomb"


def test_oversized_central_directory_is_refused_before_parsing(tmp_path: Path) -> None:
    archive = many_entries(5_000, name_length=1_100)  # few entries, but 5.5 MB of directory
    error = refusal(tmp_path, archive, "lang.docx")
    assert error.message_key == "error.evidence_archive_bomb"


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("C:\\Users\\isb\\Desktop\\Bericht 2025.pdf", "Bericht 2025.pdf"),
        ("CON.txt", "_CON.txt"),
        ("nul", "_nul"),
        ("com1.tar.gz", "_com1.tar.gz"),
        ("LPT9 .txt", "_LPT9 .txt"),
        ("CONSOLE.txt", "CONSOLE.txt"),
        ("\x00evil.pdf", "evil.pdf"),
        ("be\x1bric\x7fht\u0085.pdf", "bericht.pdf"),
        ("", "datei"),
        ("..", "datei"),
        ("dir/", "datei"),
        (".htaccess", "htaccess"),
        ("...pdf", "pdf"),
        ("bericht. . ", "bericht"),
        ("Prüfbericht (final)_v2-Übersicht.pdf", "Prüfbericht (final)_v2-Übersicht.pdf"),
        ("Gro\u0308\u00dfe Ma\u00dfnahme.pdf", "Größe Maßnahme.pdf"),
        ("bericht<script>.pdf", "bericht_script_.pdf"),
        ("rechnung\u202efdp.exe", "rechnung_fdp.exe"),
        ("Résumé:1.pdf", "R_sum__1.pdf"),
        ("a\u200bb.txt", "a_b.txt"),
    ],
)
def test_sanitise_name(name: str, expected: str) -> None:
    assert sanitise_name(name) == expected
    assert sanitise_name(expected) == expected


def test_long_names_are_cut_keeping_the_extension() -> None:
    name = "Nachweis " * 40 + ".pdf"
    assert len(name) > 300
    short = sanitise_name(name)
    assert len(short) <= 120
    assert short.startswith("Nachweis Nachweis")
    assert short.endswith("Nachweis.pdf")
    assert sanitise_name("x" * 300) == "x" * 120
    assert sanitise_name("y." + "z" * 300) == "y." + "z" * 118
    assert len(sanitise_name("CON." + "a" * 300)) == 120


def test_stored_file_keeps_the_sanitised_name(tmp_path: Path) -> None:
    result = store_bytes(tmp_path, b"Inhalt\n", "../../etc/passwd")
    assert result.original_name == "passwd"
    assert not (tmp_path / "passwd").exists()


# --- dedupe, layout, integrity ----------------------------------------------------------------


def test_identical_content_is_stored_once(tmp_path: Path) -> None:
    data = pdf_bytes()
    first = store_bytes(tmp_path, data, "a.pdf")
    second = store_bytes(tmp_path, data, "b.pdf")
    assert (first.created, second.created) == (True, False)
    assert first.sha256 == second.sha256
    assert (first.original_name, second.original_name) == ("a.pdf", "b.pdf")
    assert stored_files(tmp_path) == [path_for(tmp_path, first.sha256)]
    other = store_bytes(tmp_path, pdf_bytes("anderer Nachweis"), "a.pdf")
    assert other.created
    assert len(stored_files(tmp_path)) == 2


def test_layout_and_permissions(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    result = store_bytes(root, png_bytes(), "bild.png")
    sha = result.sha256
    path = root / sha[:2] / sha[2:4] / sha
    assert path_for(root, sha) == path
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert stat.S_IMODE((root / "tmp").stat().st_mode) == 0o700
    assert sorted(p.name for p in root.iterdir()) == sorted(["tmp", sha[:2]])


def test_open_stored_reads_the_content(tmp_path: Path) -> None:
    data = jpeg_bytes()
    result = store_bytes(tmp_path, data, "foto.jpg")
    with open_stored(tmp_path, result.sha256) as stored:
        assert stored.read() == data
    with pytest.raises(FileNotFoundError):
        open_stored(tmp_path, "0" * 64)


def test_verify_detects_a_changed_file_and_a_new_upload_repairs_it(tmp_path: Path) -> None:
    data = docx_bytes()
    sha = store_bytes(tmp_path, data, "plan.docx").sha256
    assert verify(tmp_path, sha)
    path = path_for(tmp_path, sha)
    tampered = bytearray(data)
    tampered[len(data) // 2] ^= 0x01  # one bit
    path.write_bytes(bytes(tampered))
    assert not verify(tmp_path, sha)
    repaired = store_bytes(tmp_path, data, "plan.docx")
    assert repaired.created
    assert verify(tmp_path, sha)
    assert path.read_bytes() == data
    path.unlink()
    assert not verify(tmp_path, sha)


@pytest.mark.parametrize(
    "sha256",
    [
        "../x",
        "A" * 64,
        "ABCDEF" + "0" * 58,
        "0" * 63,
        "0" * 65,
        "0" * 64 + "\n",
        "../" + "0" * 61,
        "",
        "g" * 64,
    ],
)
def test_path_for_refuses_anything_but_a_lowercase_hex_sha256(tmp_path: Path, sha256: str) -> None:
    with pytest.raises(ValueError, match="SHA-256"):
        path_for(tmp_path, sha256)
    with pytest.raises(ValueError, match="SHA-256"):
        verify(tmp_path, sha256)


def test_a_pdf_with_the_zip_signature_by_chance_is_still_a_pdf(tmp_path: Path) -> None:
    """The bytes of a ZIP directory's signature inside a PDF's last page are not a ZIP: only a
    complete end record reaching the end of the file makes a polyglot."""
    chance = pdf_bytes() + b"% " + b"PK\x05\x06" + bytes(range(40)) + b"\n%%EOF\n"
    assert store_bytes(tmp_path, chance, "bericht.pdf").media_type == PDF
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.js", b"alert(1)")
    with pytest.raises(InvalidInput):
        store_bytes(tmp_path, pdf_bytes() + buffer.getvalue(), "polyglot.pdf")
