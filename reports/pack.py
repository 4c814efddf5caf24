"""Evidence packs: a ZIP with the reference documents as PDF, the same data as CSV and JSON,
the evidence files behind the included check entries and the audit-trail extract of the period;
`manifest.json` lists every other file with path, SHA-256 and size, `manifest.jws` signs it
(RS256). Written to a temporary file and moved into place: never a half-written pack."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import queue
import tempfile
import threading
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import String, cast, exists, or_, select
from sqlmodel import Session, col

from controls.check.models import CheckEntry
from controls.evidence.models import CheckEvidence, Evidence
from controls.evidence.service import root as evidence_root
from controls.evidence.storage import open_stored, sanitise_name
from isms.audit.models import AuditEvent
from isms.clock import LOCAL
from isms.errors import Conflict, DomainError, InvalidInput
from isms.i18n import translate
from reports import context, pdf, signing
from reports.document import Document
from risk.analysis.models import Measure, Risk
from risk.assets.models import Asset

MANIFEST, SIGNATURE = "manifest.json", "manifest.jws"
CHUNK = 1024 * 1024
Progress = Callable[[str, int, int], None]  # step, done, total


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None

    def check(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise InvalidInput("error.period_reversed", field="period")


@dataclass
class PackResult:
    path: Path
    sha256: str
    size: int
    files: int
    evidence: int
    problems: list[str] = field(default_factory=list)


class _HashingFile:
    """The pack's file, hashed as it is written: one pass over a gigabyte, not two. The hash
    runs in its own thread (hashlib releases the GIL), beside the copying and the hashing of
    each file; a short queue keeps memory constant. It does not seek, so zipfile writes each
    entry's sizes after its data (data descriptors)."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle, self.digest, self.size = handle, hashlib.sha256(), 0
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=8)
        self._thread = threading.Thread(target=self._hash, name="pack-hash", daemon=True)
        self._thread.start()

    def _hash(self) -> None:
        while (data := self._queue.get()) is not None:
            self.digest.update(data)

    def write(self, data: bytes) -> int:
        self.handle.write(data)
        self._queue.put(bytes(data))
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def seek(self, *args: object) -> int:
        raise OSError("the pack is written front to back")

    def flush(self) -> None:
        self.handle.flush()

    def close(self) -> None:
        """The file itself is closed by its owner; the hash is complete after this."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def hexdigest(self) -> str:
        self.close()
        return self.digest.hexdigest()


class _Writer:
    """Adds files to the ZIP while hashing them, for the manifest."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.entries: list[dict[str, Any]] = []

    def add_lines(self, path: str, lines: Iterable[bytes]) -> None:
        """Compress lines into the ZIP as they come: memory stays the same however many."""
        digest, size = hashlib.sha256(), 0
        info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with self.archive.open(info, "w", force_zip64=True) as out:
            for line in lines:
                digest.update(line)
                size += len(line)
                out.write(line)
        self.entries.append({"path": path, "sha256": digest.hexdigest(), "size": size})

    def add_stream(self, path: str, stream: BinaryIO) -> str:
        """Copy a file in chunks (memory stays the same whatever its size); its SHA-256."""
        digest, size = hashlib.sha256(), 0
        info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        with self.archive.open(info, "w", force_zip64=True) as out:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        self.entries.append({"path": path, "sha256": digest.hexdigest(), "size": size})
        return digest.hexdigest()


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text: one starting like a formula gets a leading
    apostrophe (OWASP's advice against CSV injection). The JSON keeps the exact value."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv(document: Document) -> Iterator[bytes]:
    """The document's tables as CSV (semicolon, UTF-8 with BOM for Excel), row by row."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    yield "\ufeff".encode()
    for section in _walk(document.sections):
        for table in section.tables:
            for row in (
                (section.title, *table.headers),
                *((section.title, *r) for r in table.rows),
            ):
                writer.writerow([_cell(v) for v in row])
                yield out.getvalue().encode()
                out.seek(0)
                out.truncate()


def _walk(sections: Iterable[Any]) -> Iterable[Any]:
    for section in sections:
        yield section
        yield from _walk(section.subsections)


def _json(document: Document) -> Iterator[bytes]:
    encoder = json.JSONEncoder(ensure_ascii=False, default=str, indent=1)
    for chunk in encoder.iterencode(asdict(document)):
        yield chunk.encode()


def build_pack(
    session: Session,
    *,
    data_dir: Path,
    out: Path,
    scope: context.Scope,
    period: Period,
    language: str = "de",
    actor: str = "",
    progress: Progress | None = None,
    temporary_prefix: str = ".pack-",
) -> PackResult:
    """Build the pack at out (atomically); the scope must hold objects, the period be ordered."""
    period.check()
    assets = context.scoped_assets(session, scope)
    note = progress or (lambda step, done, total: None)
    out.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=temporary_prefix, suffix=".zip", dir=out.parent)
    os.close(descriptor)
    try:
        with open(temporary, "wb") as handle:
            hashed = _HashingFile(handle)
            try:
                with zipfile.ZipFile(hashed, "w", allowZip64=True) as archive:
                    writer = _Writer(archive)
                    omitted = _documents(session, writer, scope, language, note)
                    evidence = _evidence(session, scope)
                    _evidence_files(writer, evidence_root(data_dir), evidence, note)
                    evidence_ids = [item.id or 0 for item in evidence]
                    writer.add_lines(
                        "audit/events.jsonl", _audit(session, period, scope, evidence_ids)
                    )
                    manifest = {
                        "format": "isms-evidence-pack/1",
                        "created": datetime.now(UTC).isoformat(),
                        "created_by": actor,
                        "scope": asdict(scope),
                        "objects": len(assets),
                        "period": {"start": str(period.start or ""), "end": str(period.end or "")},
                        # a scoped pack carries the events on its own objects, the whole domain all
                        "audit": "all events"
                        if scope == context.Scope()
                        else "events on the objects in scope",
                        "omitted": omitted,
                        "files": writer.entries,
                    }
                    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                    archive.writestr(MANIFEST, manifest_bytes)
                    archive.writestr(SIGNATURE, signing.sign(data_dir, manifest_bytes))
            finally:
                hashed.close()
            handle.flush()
            os.fsync(handle.fileno())
        durable_replace(Path(temporary), out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    note("done", 1, 1)
    return PackResult(out, hashed.hexdigest(), hashed.size, len(writer.entries), len(evidence))


def _documents(
    session: Session,
    writer: _Writer,
    scope: context.Scope,
    language: str,
    note: Progress,
) -> list[dict[str, str]]:
    """Every document of the scope as PDF, CSV and JSON; the ones that cannot be built (the SoA
    without the ISO catalog) are left out and named with the reason."""
    builders = context.documents()
    whole = scope == context.Scope()
    names = [n for n in builders if whole or n not in ("soa", "management")]
    omitted = []
    for number, name in enumerate(names, start=1):
        note("documents", number - 1, len(names))
        try:
            document = builders[name](session, scope, language)
        except DomainError as exc:
            omitted.append(
                {"document": name, "reason": translate(language, exc.message_key, **exc.params)}
            )
            continue
        with tempfile.TemporaryFile() as scratch:  # not a second copy in memory
            pdf.render(document, scratch, wide=name != "a1")
            scratch.seek(0)
            writer.add_stream(f"reports/{name}.pdf", scratch)
        writer.add_lines(f"data/{name}.csv", _csv(document))
        writer.add_lines(f"data/{name}.json", _json(document))
        # let it go before the next one is built: two large documents (A.4 holds every check
        # entry of the scope) would otherwise be in memory at once
        del document
    return omitted


def _evidence_files(writer: _Writer, root: Path, evidence: list[Evidence], note: Progress) -> None:
    """Copy the evidence files in; a file missing from storage or no longer matching the hash
    taken at upload stops the pack (an auditor must not get a changed file, signed)."""
    note("evidence", 0, len(evidence))
    for number, item in enumerate(evidence, start=1):
        name = f"evidence/{item.id}-{sanitise_name(item.original_name)}"
        try:
            with open_stored(root, item.sha256) as stream:
                digest = writer.add_stream(name, stream)
        except FileNotFoundError:
            raise Conflict("error.evidence_file_missing", id=item.id, name=item.title) from None
        if digest != item.sha256:
            raise Conflict("error.evidence_file_changed", id=item.id, name=item.title)
        note("evidence", number, len(evidence))


def durable_replace(temporary: Path, out: Path) -> None:
    """Move the finished (and synced) file into place and sync its folder: after a power cut
    the file is there whole or not at all, never a name the database knows with no content."""
    os.replace(temporary, out)
    folder = os.open(out.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _evidence(session: Session, scope: context.Scope) -> list[Evidence]:
    """The evidence linked from the modelled check entries of the scope (and, for the whole
    domain, from the requirements of the information domain itself)."""
    in_scope: Any = col(CheckEntry.asset_id).in_(context.asset_ids(scope))
    if scope == context.Scope():
        in_scope = in_scope | col(CheckEntry.asset_id).is_(None)
    linked = (
        select(col(CheckEvidence.evidence_id))
        .join(CheckEntry, col(CheckEntry.id) == col(CheckEvidence.check_entry_id))
        .where(in_scope, col(CheckEntry.modelled))
    )
    return list(
        session.scalars(
            select(Evidence).where(col(Evidence.id).in_(linked)).order_by(col(Evidence.id))
        )
    )


def _since_created(model: Any, created: Any, *conditions: Any) -> Any:
    """Events on a row of model that meets the conditions, from its creation on. SQLite gives
    the id of a deleted last row to the next one: the events of the deleted row (perhaps of
    another department) must not come along with its successor."""
    return exists(
        select(col(model.id)).where(
            cast(col(model.id), String) == col(AuditEvent.object_id),
            created <= col(AuditEvent.occurred_at),
            *conditions,
        )
    )


def _audit_condition(scope: context.Scope, evidence_ids: list[int]) -> Any:
    """Events on the objects in scope: the objects, their check entries, risks and measures,
    and the evidence in the pack. Events of other departments stay out, and so do events on
    objects deleted since (their rows are gone) and dependency changes (they name objects of
    other departments): those are in the pack of the whole domain."""
    assets = context.asset_ids(scope)
    risks = select(col(Risk.id)).where(col(Risk.asset_id).in_(assets))
    kinds = {
        "asset": _since_created(Asset, col(Asset.created_at), *context.scope_conditions(scope)),
        "check_entry": _since_created(
            CheckEntry, col(CheckEntry.created_at), col(CheckEntry.asset_id).in_(assets)
        ),
        "risk": _since_created(Risk, col(Risk.created_at), col(Risk.asset_id).in_(assets)),
        "measure": _since_created(
            Measure, col(Measure.created_at), col(Measure.risk_id).in_(risks)
        ),
        "evidence": _since_created(
            Evidence, col(Evidence.uploaded_at), col(Evidence.id).in_(evidence_ids or [-1])
        ),
    }
    return or_(*((col(AuditEvent.object_type) == kind) & held for kind, held in kinds.items()))


def _audit(
    session: Session, period: Period, scope: context.Scope, evidence_ids: list[int]
) -> Iterator[bytes]:
    """The audit events of the period as JSON lines, read in batches."""
    query = select(AuditEvent).order_by(col(AuditEvent.seq))
    if period.start:  # days as the city counts them (Europe/Berlin), compared in UTC
        start = datetime.combine(period.start, time(), LOCAL).astimezone(UTC)
        query = query.where(col(AuditEvent.occurred_at) >= start)
    if period.end:  # the whole last day
        end = datetime.combine(period.end + timedelta(days=1), time(), LOCAL).astimezone(UTC)
        query = query.where(col(AuditEvent.occurred_at) < end)
    if scope != context.Scope():
        query = query.where(_audit_condition(scope, evidence_ids))
    for event in session.scalars(query.execution_options(yield_per=2000)):
        yield (
            json.dumps(
                {
                    "seq": event.seq,
                    "occurred_at": event.occurred_at.isoformat(),
                    "actor": event.actor_name,
                    "action": event.action,
                    "object_type": event.object_type,
                    "object_id": event.object_id,
                    "before": event.before,
                    "after": event.after,
                    "prev_hash": event.prev_hash,
                    "hash": event.hash,
                },
                ensure_ascii=False,
            )
            + "\n"
        ).encode()


# Verifying


@dataclass
class Verification:
    ok: bool
    problems: list[str]
    files: int = 0


MAX_MANIFEST = 64 * 1024 * 1024  # a manifest of a million files is about 200 MB; ours are far below
MAX_SIGNATURE = 16 * 1024 * 1024


def verify_pack(
    path: Path, *, public_pem: bytes | None, data_dir: Path | None = None
) -> Verification:
    """Check the signature of the manifest and every file against it, offline. The key is the
    one given (pinned by the auditor) or, failing that, the installation's own. Whatever the
    file holds, the answer is a list of problems, never an exception."""
    try:
        archive = zipfile.ZipFile(path)
    except Exception as exc:  # not a ZIP, truncated, unreadable: all said the same way
        return Verification(False, [f"not a readable ZIP file: {exc}"])
    with archive:
        return _verify(archive, public_pem, data_dir)


def _verify(
    archive: zipfile.ZipFile, public_pem: bytes | None, data_dir: Path | None
) -> Verification:
    counted = Counter(archive.namelist())
    twice = sorted(name for name, count in counted.items() if count > 1)
    if twice:  # readers differ in which copy they show: a pack has each name once
        return Verification(False, [f"in the archive more than once: {name}" for name in twice])
    names = set(counted)
    for required, limit in ((MANIFEST, MAX_MANIFEST), (SIGNATURE, MAX_SIGNATURE)):
        if required not in names:
            return Verification(False, [f"{required} is missing"])
        if archive.getinfo(required).file_size > limit:
            return Verification(False, [f"{required} is larger than any pack's ({limit} bytes)"])
    try:
        manifest_bytes = archive.read(MANIFEST)
        token = archive.read(SIGNATURE).decode("ascii", "replace").strip()
    except Exception as exc:
        return Verification(False, [f"the archive is damaged: {exc}"])
    key = public_pem or (signing.existing_public_key(data_dir) if data_dir else None)
    if key is None:
        return Verification(False, ["no public key to verify with"])
    try:
        signed = signing.verify(token, key)
    except signing.SignatureInvalid as exc:
        return Verification(False, [f"the signature does not verify with this key: {exc}"])
    if signed != manifest_bytes:
        return Verification(False, ["manifest.json differs from what was signed"])
    try:
        entries = json.loads(manifest_bytes)["files"]
        paths = [str(entry["path"]) for entry in entries]
    except (ValueError, KeyError, TypeError):
        return Verification(False, ["manifest.json is not a pack manifest"])
    problems = [
        f"listed in the manifest more than once: {name}"
        for name, count in sorted(Counter(paths).items())
        if count > 1
    ]
    for entry, name in zip(entries, paths, strict=True):
        if name not in names:
            problems.append(f"missing: {name}")
            continue
        digest, size = hashlib.sha256(), 0
        try:
            with archive.open(name) as handle:
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
        except Exception as exc:  # damaged data, unknown compression, encryption
            problems.append(f"unreadable: {name} ({type(exc).__name__}: {exc})")
            continue
        if digest.hexdigest() != entry.get("sha256") or size != entry.get("size"):
            problems.append(f"changed: {name}")
    for extra in sorted(names - set(paths) - {MANIFEST, SIGNATURE}):
        problems.append(f"not in the manifest: {extra}")
    return Verification(not problems, problems, len(set(paths)))
