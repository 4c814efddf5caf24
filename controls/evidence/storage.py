"""Content-addressed storage of evidence files; only documents, images, text and mail get in.

A file lives under its SHA-256 (`root/ab/cd/abcd…`), so identical uploads share one file and a
changed file no longer matches its name. The media type is sniffed from the content, never taken
from the name or the client. No database: the caller keeps the returned metadata.

An upload is written to `root/tmp/upload-*.part` and renamed into place once complete, so a
killed process leaves at most a part file (removed by `remove_stale_parts` when the app starts)
or, when it dies between the rename and the commit of its row, a stored file no row references
(`isms evidence check` lists and removes those). Both are only removed once older than
`STALE_AGE`: younger ones may belong to an upload still running in another worker.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import io
import os
import re
import struct
import tempfile
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from isms.errors import InvalidInput, PayloadTooLarge

MIB = 1024 * 1024
DEFAULT_MAX_BYTES = 25 * MIB
CHUNK_BYTES = MIB
HEAD_BYTES = 8 * 1024  # what the type is sniffed from
UNPACKED_FACTOR = 20  # a document may unpack to at most 20 times the upload limit
MAX_ENTRIES = 10_000
# zipfile parses the whole central directory into memory before we can count its entries
MAX_DIRECTORY_BYTES = MAX_ENTRIES * 512
MAX_CONTENT_TYPES_BYTES = MIB
MAX_NAME_LENGTH = 120
FALLBACK_NAME = "datei"
FILE_MODE = 0o640
DIRECTORY_MODE = 0o750
TEMP_DIRECTORY_MODE = 0o700
TEMP_FOLDER = "tmp"
PART_PATTERN = "upload-*.part"
STALE_AGE = 3600.0  # seconds: no upload runs that long, so an older leftover belongs to none

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TEXT = "text/plain"
CSV = "text/csv"
MAIL = "message/rfc822"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

ALLOWED: dict[str, tuple[str, ...]] = {  # media type -> extensions, the first one for downloads
    PDF: (".pdf",),
    PNG: (".png",),
    JPEG: (".jpg", ".jpeg"),
    TEXT: (".txt",),
    CSV: (".csv",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    PPTX: (".pptx",),
    ODT: (".odt",),
    ODS: (".ods",),
    MAIL: (".eml",),
}

_MAGIC = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))
_ZIP_MAGIC = b"PK\x03\x04"
_ARCHIVE = "zip"  # internal: decided once the whole archive is there
_OOXML = {  # media type -> (folder of its parts, content type of its main part)
    DOCX: ("word/", f"{DOCX}.main+xml".encode()),
    XLSX: ("xl/", f"{XLSX}.main+xml".encode()),
    PPTX: ("ppt/", f"{PPTX}.main+xml".encode()),
}
_ODF_MACRO_FOLDERS = ("Basic/", "Scripts/")
_ARCHIVE_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    RuntimeError,  # encrypted entry
    NotImplementedError,  # unknown compression method
    EOFError,
    OSError,  # seeks to offsets a crafted directory points at
    ValueError,
    struct.error,
)
_END = struct.Struct("<4s4H2LH")  # end of central directory record
_END_SIGNATURE = b"PK\x05\x06"
_LOCATOR = struct.Struct("<4sLQL")  # zip64 end of central directory locator
_LOCATOR_SIGNATURE = b"PK\x06\x07"
_END64 = struct.Struct("<4sQ2H2L4Q")  # zip64 end of central directory record
_END64_SIGNATURE = b"PK\x06\x06"

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_CONTROL = re.compile("[\x00-\x08\x0e-\x19\x1b-\x1f]")  # C0 controls text files do not use
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if not _CONTROL.match(chr(b)))
# What browsers take for HTML or XML (WHATWG MIME sniffing), plus SVG and any doctype
_MARKUP = re.compile(
    r"\s*<(?:\?xml|!--|!doctype|(?:html|head|body|script|iframe|frameset|frame|object|embed|svg"
    r"|math|style|title|table|div|font|form|meta|link|base|img|h1|br|p|a|b)(?=[\s/>]|\Z))",
    re.IGNORECASE,
)
_HEADER_FIELD = re.compile(r"[!-9;-~]+(?=:)")  # RFC 5322 field name
_MAIL_HEADERS = frozenset(
    {
        *("from", "to", "cc", "subject", "date", "message-id", "reply-to", "sender"),
        *("received", "return-path", "delivered-to", "mime-version", "content-type"),
        *("x-mailer", "x-received", "dkim-signature", "authentication-results"),
        *("received-spf", "arc-seal"),
    }
)
_NAME_SEPARATOR = re.compile(r"[/\\]")
_NAME_DISALLOWED = re.compile(r"[^A-Za-z0-9 ._\-()äöüÄÖÜß]")  # vocabulary: German file names
_RESERVED_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"{port}{n}" for port in ("COM", "LPT") for n in range(10)}
)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_DRIVE = re.compile(r"[A-Za-z]:")


@dataclass(frozen=True)
class StoredFile:
    """What the caller keeps about a stored file."""

    sha256: str  # hex, also the file's name
    size: int
    media_type: str  # sniffed from the content
    original_name: str  # sanitised
    created: bool  # False when an intact copy of the content was already stored


def sniff(head: bytes, *, name: str) -> str | None:
    """The media type of a file from its first bytes, None when that type is not allowed.

    Office and OpenDocument files are ZIP archives whose directory sits at the end: for them
    `head` must be the whole file. Text counts as CSV when `name` ends in `.csv`.
    """
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    if head.startswith(_ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(head)) as archive:
                return _archive_type(archive)
        except _ARCHIVE_ERRORS:
            return None
    text = _decode_head(head)
    if not text or not _looks_like_text(text) or _MARKUP.match(text):
        return None
    if _looks_like_mail(text):
        return MAIL
    return CSV if name.lower().endswith(".csv") else TEXT


def sanitise_name(name: str) -> str:
    """A file name that is safe to show and to offer for download on any system."""
    visible = "".join(char for char in name if unicodedata.category(char) != "Cc")
    segment = unicodedata.normalize("NFC", _NAME_SEPARATOR.split(visible)[-1])
    cleaned = _shorten(_NAME_DISALLOWED.sub("_", segment).strip(". "))
    if cleaned.split(".")[0].rstrip(" ").upper() in _RESERVED_NAMES:
        cleaned = _shorten(f"_{cleaned}")
    return cleaned or FALLBACK_NAME


def store(
    root: Path, stream: BinaryIO, *, name: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> StoredFile:
    """Store an upload under its SHA-256 unless it is too large, empty or of a refused type."""
    if max_bytes < 1:  # read() with a negative size would read everything
        raise ValueError("max_bytes must be positive")
    original_name = sanitise_name(name)
    temp_directory = root / TEMP_FOLDER
    temp_directory.mkdir(mode=TEMP_DIRECTORY_MODE, parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=temp_directory)
    temp = Path(temp_name)
    try:
        with open(descriptor, "wb") as out:
            sha256, size, media_type = _receive(
                stream, out, name=original_name, max_bytes=max_bytes
            )
            out.flush()
            os.fsync(out.fileno())
        if media_type == _ARCHIVE:
            media_type = _check_archive(temp, name=original_name, max_bytes=max_bytes)
        elif _ends_in_archive(temp):  # a polyglot: e.g. a PDF with a ZIP appended
            raise _not_allowed(original_name)
        created = _place(temp, path_for(root, sha256))
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return StoredFile(sha256, size, media_type, original_name, created)


def path_for(root: Path, sha256: str) -> Path:
    """Where the file with this SHA-256 (64 lowercase hex digits) is stored."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError("not a SHA-256 in lowercase hex")
    return root / sha256[:2] / sha256[2:4] / sha256


def open_stored(root: Path, sha256: str) -> BinaryIO:
    """The stored file, opened for reading; FileNotFoundError when it is missing."""
    return path_for(root, sha256).open("rb")


def verify(root: Path, sha256: str) -> bool:
    """Whether the stored file still hashes to its name (False when it is missing)."""
    path = path_for(root, sha256)
    return path.is_file() and _hash_file(path) == sha256


def remove_stale_parts(root: Path, *, older_than: float = STALE_AGE) -> list[Path]:
    """Remove the part files of uploads cut off by a killed process; the removed paths.

    Only part files not written to for older_than seconds go: a younger one may belong to an
    upload that another worker is receiving right now.
    """
    removed = stale(part_files(root), older_than=older_than)
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def part_files(root: Path) -> list[Path]:
    """The part files of uploads in progress or cut off."""
    return sorted((root / TEMP_FOLDER).glob(PART_PATTERN))


def stored_files(root: Path) -> Iterator[tuple[str, Path]]:
    """Every file in the store with its SHA-256 (part files and strays left out)."""
    for path in sorted(root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*")):
        name = path.name
        if _SHA256.fullmatch(name) and path.parent.parent.name + path.parent.name == name[:4]:
            yield name, path


def stale(paths: list[Path], *, older_than: float = STALE_AGE) -> list[Path]:
    """The paths last modified more than older_than seconds ago (vanished ones left out)."""
    limit = time.time() - older_than
    old = []
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < limit:
                old.append(path)
    return old


def _not_allowed(name: str) -> InvalidInput:
    """The error for a type we do not store."""
    return InvalidInput("error.evidence_type_not_allowed", name=name)


def _megabytes(size: int) -> int | float:
    """A size in MiB for messages, whole where it is."""
    return size // MIB if size % MIB == 0 else round(size / MIB, 2)


def _chunks(stream: BinaryIO, max_bytes: int) -> Iterator[bytes]:
    """The stream in chunks; stops reading as soon as more than max_bytes arrived."""
    size = 0
    while chunk := stream.read(min(CHUNK_BYTES, max_bytes + 1 - size)):
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge("error.evidence_too_large", max_mb=_megabytes(max_bytes))
        yield chunk


def _receive(stream: BinaryIO, out: BinaryIO, *, name: str, max_bytes: int) -> tuple[str, int, str]:
    """Copy the upload into out while hashing and checking it: SHA-256, size, media type."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    media_type: str | None = None
    text: _TextCheck | None = None
    for chunk in _chunks(stream, max_bytes):
        digest.update(chunk)
        out.write(chunk)
        size += len(chunk)
        if media_type is None:
            head += chunk
            if len(head) >= HEAD_BYTES:  # refuse the wrong type before reading on
                media_type, text = _classify(head, name=name)
        elif text is not None and not text.feed(chunk):
            raise _not_allowed(name)
    if size == 0:
        raise InvalidInput("error.evidence_empty")
    if media_type is None:
        media_type, text = _classify(head, name=name)
    if text is not None and not text.finish():
        raise _not_allowed(name)
    return digest.hexdigest(), size, media_type


def _classify(head: bytes, *, name: str) -> tuple[str, _TextCheck | None]:
    """The media type of an upload's first bytes, and for text the check of the rest."""
    if head.startswith(_ZIP_MAGIC):
        return _ARCHIVE, None
    media_type = sniff(head[:HEAD_BYTES], name=name)
    if media_type is None:
        raise _not_allowed(name)
    if media_type not in (TEXT, CSV, MAIL):
        return media_type, None
    text = _TextCheck(head)
    if not text.feed(head):
        raise _not_allowed(name)
    return media_type, text


def _place(temp: Path, target: Path) -> bool:
    """Move the finished upload to target; False when an intact copy is already there."""
    if target.is_file() and _hash_file(target) == target.name:
        temp.unlink()
        # fresh again: an old file nobody referenced is now about to be, and must not count as
        # a stale leftover until its new row is committed
        with contextlib.suppress(OSError):
            os.utime(target)
        return False
    for directory in (target.parent.parent, target.parent):
        directory.mkdir(mode=DIRECTORY_MODE, exist_ok=True)
    temp.chmod(FILE_MODE)
    os.replace(temp, target)  # also over a damaged copy
    directory_descriptor = os.open(target.parent, os.O_RDONLY)
    try:  # make the rename itself survive a crash
        os.fsync(directory_descriptor)
    finally:
        os.close(directory_descriptor)
    return True


def _hash_file(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _check_archive(path: Path, *, name: str, max_bytes: int) -> str:
    """The media type of a complete ZIP upload; refuses zip bombs and anything not a document."""
    bomb = InvalidInput("error.evidence_archive_bomb")
    try:
        with path.open("rb") as file:
            directory = _directory_size(file)
            if directory is None:
                raise _not_allowed(name)
            if directory[0] > MAX_ENTRIES or directory[1] > MAX_DIRECTORY_BYTES:
                raise bomb
            with zipfile.ZipFile(file) as archive:
                entries = archive.infolist()
                unpacked = sum(entry.file_size for entry in entries)
                if len(entries) > MAX_ENTRIES or unpacked > UNPACKED_FACTOR * max_bytes:
                    raise bomb
                media_type = _archive_type(archive)
                # reading every entry checks its CRC and that it unpacks to its declared size
                if media_type is None or archive.testzip() is not None:
                    raise _not_allowed(name)
    except _ARCHIVE_ERRORS as error:
        raise _not_allowed(name) from error
    return media_type


def _ends_in_archive(path: Path) -> bool:
    """Whether the file ends with a ZIP end of central directory record, where unzip looks."""
    with path.open("rb") as file:
        end = file.seek(0, os.SEEK_END)
        file.seek(max(0, end - _END.size - (1 << 16)))
        tail = file.read()
    # Only a record whose comment runs exactly to the end of the file counts, as for a ZIP
    # reader: the four signature bytes alone turn up in one PDF in about 65,000 by chance.
    at = tail.rfind(_END_SIGNATURE)
    while at >= 0:
        if len(tail) - at >= _END.size and at + _END.size + _END.unpack_from(tail, at)[-1] == len(
            tail
        ):
            return True
        at = tail.rfind(_END_SIGNATURE, 0, at)
    return False


def _directory_size(file: BinaryIO) -> tuple[int, int] | None:
    """Entries and bytes of a ZIP's central directory as its end records declare them.

    Finds the records the way zipfile does, so that the limits apply to what it will read.
    """
    end = file.seek(0, os.SEEK_END)
    start = max(0, end - _END.size - (1 << 16))
    file.seek(start)
    tail = file.read()
    at = len(tail) - _END.size
    if at < 0 or not (tail.startswith(_END_SIGNATURE, at) and tail.endswith(b"\0\0")):
        at = tail.rfind(_END_SIGNATURE)  # the archive has a comment
        if at < 0 or len(tail) - at < _END.size:
            return None
    entries, size = _END.unpack_from(tail, at)[4:6]
    locator_at = start + at - _LOCATOR.size
    if locator_at - _END64.size >= 0:
        file.seek(locator_at - _END64.size)
        records = file.read(_END64.size + _LOCATOR.size)
        locator = records[_END64.size :]
        if records.startswith(_END64_SIGNATURE) and locator.startswith(_LOCATOR_SIGNATURE):
            entries, size = _END64.unpack_from(records)[7:9]
    return entries, size


def _archive_type(archive: zipfile.ZipFile) -> str | None:
    """DOCX, XLSX, PPTX, ODT or ODS by the archive's entries; None for other archives."""
    entries = archive.infolist()
    names = [entry.filename for entry in entries]
    if not entries or len(set(names)) != len(names):
        return None
    if any(_unsafe_entry_name(entry.orig_filename) for entry in entries):
        return None  # never unpacked here, but a hostile name has no place in a document
    first = entries[0]
    if first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED:
        with archive.open(first) as entry:
            declared = entry.read(100).decode("ascii", "replace")
        macros = any(name.startswith(_ODF_MACRO_FOLDERS) for name in names)
        return declared if declared in (ODT, ODS) and not macros else None
    if "[Content_Types].xml" not in names:
        return None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return None  # macros, whatever the content types say
    with archive.open("[Content_Types].xml") as entry:
        content_types = entry.read(MAX_CONTENT_TYPES_BYTES)
    for media_type, (folder, main_part) in _OOXML.items():
        if main_part in content_types and any(name.startswith(folder) for name in names):
            return media_type
    return None


def _unsafe_entry_name(name: str) -> bool:
    """Whether an archive entry name is absolute, climbs up, uses backslashes or a drive."""
    return (
        name.startswith("/")
        or "\\" in name
        or "\x00" in name
        or _DRIVE.match(name) is not None
        or ".." in name.split("/")
    )


def _decode_head(head: bytes) -> str | None:
    """The first bytes as text: UTF-16 or UTF-8 by their BOM, else UTF-8 or Windows-1252."""
    if head.startswith(_UTF16_BOMS):
        encodings: tuple[str, ...] = ("utf-16",)
    elif head.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "cp1252")
    for encoding in encodings:
        try:  # not final: the head may end inside a character
            return codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
    return None


def _looks_like_text(text: str) -> bool:
    """No NUL and at most 1 % control characters that text files do not use."""
    return "\x00" not in text and len(_CONTROL.findall(text)) * 100 <= len(text)


def _looks_like_mail(text: str) -> bool:
    """Whether the text starts with a mail header: field lines, at least two typical ones."""
    blank_line = re.search(r"\r?\n\r?\n", text)
    lines = text[: blank_line.start() if blank_line else len(text)].splitlines()
    if blank_line is None and len(lines) > 1:
        lines.pop()  # may be cut off by the end of the head
    fields: set[str] = set()
    for number, line in enumerate(lines):
        if line[:1] in (" ", "\t") and number > 0:
            continue  # folded continuation of the previous field
        field = _HEADER_FIELD.match(line)
        if field is None:
            return False
        fields.add(field.group().lower())
    return len(fields & _MAIL_HEADERS) >= 2


def _shorten(name: str) -> str:
    """At most MAX_NAME_LENGTH characters, keeping a short extension."""
    if len(name) <= MAX_NAME_LENGTH:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and stem and len(extension) <= 16:
        return f"{stem[: MAX_NAME_LENGTH - len(extension) - 1].rstrip('. ')}.{extension}"
    return name[:MAX_NAME_LENGTH].rstrip(". ")


class _TextCheck:
    """Checks that an upload sniffed as text stays text up to its end."""

    def __init__(self, head: bytes) -> None:
        utf16 = head.startswith(_UTF16_BOMS)
        self._decoder = codecs.getincrementaldecoder("utf-16")() if utf16 else None
        self._length = 0
        self._controls = 0

    def feed(self, chunk: bytes, *, final: bool = False) -> bool:
        """False as soon as a NUL or undecodable UTF-16 turns up."""
        if self._decoder is None:  # UTF-8 and Windows-1252 share the C0 bytes with ASCII
            self._length += len(chunk)
            self._controls += len(chunk.translate(None, _NOT_CONTROL_BYTES))
            return b"\x00" not in chunk
        try:
            text = self._decoder.decode(chunk, final=final)
        except UnicodeDecodeError:
            return False
        self._length += len(text)
        self._controls += len(_CONTROL.findall(text))
        return "\x00" not in text

    def finish(self) -> bool:
        """Whether the whole upload was text."""
        if self._decoder is not None and not self.feed(b"", final=True):
            return False
        return self._controls * 100 <= self._length
