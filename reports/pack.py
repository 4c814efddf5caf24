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
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlmodel import Session, col

from controls.check.models import CheckEntry
from controls.evidence.models import CheckEvidence, Evidence
from controls.evidence.service import root as evidence_root
from controls.evidence.storage import open_stored, sanitise_name
from isms.audit.models import AuditEvent
from isms.errors import InvalidInput
from reports import context, pdf, signing
from reports.document import Document

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


class _Writer:
    """Adds files to the ZIP while hashing them, for the manifest."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.entries: list[dict[str, Any]] = []

    def add_bytes(self, path: str, data: bytes, *, compress: bool = True) -> None:
        kind = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        self.archive.writestr(zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0)), data, kind)
        self.entries.append(
            {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        )

    def add_stream(self, path: str, stream: BinaryIO) -> None:
        """Copy a file in chunks: memory stays the same whatever its size."""
        digest, size = hashlib.sha256(), 0
        info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        with self.archive.open(info, "w", force_zip64=True) as out:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        self.entries.append({"path": path, "sha256": digest.hexdigest(), "size": size})


def _csv(document: Document) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for section in _walk(document.sections):
        for table in section.tables:
            writer.writerow([section.title, *table.headers])
            writer.writerows([section.title, *row] for row in table.rows)
    return out.getvalue().encode("utf-8-sig")


def _walk(sections: Iterable[Any]) -> Iterable[Any]:
    for section in sections:
        yield section
        yield from _walk(section.subsections)


def _json(document: Document) -> bytes:
    return json.dumps(asdict(document), ensure_ascii=False, default=str, indent=1).encode()


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
) -> PackResult:
    """Build the pack at out (atomically); the scope must hold objects, the period be ordered."""
    period.check()
    assets = context.scoped_assets(session, scope)
    note = progress or (lambda step, done, total: None)
    out.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".pack-", suffix=".zip", dir=out.parent)
    os.close(descriptor)
    try:
        with zipfile.ZipFile(temporary, "w", allowZip64=True) as archive:
            writer = _Writer(archive)
            builders = context.documents()
            whole = scope == context.Scope()
            names = [n for n in builders if whole or n not in ("soa", "management")]
            for number, name in enumerate(names, start=1):
                note("documents", number - 1, len(names))
                try:
                    document = builders[name](session, scope, language)
                except InvalidInput:
                    continue  # e.g. no ISO catalog for the SoA
                buffer = io.BytesIO()
                pdf.render(document, buffer, wide=name != "a1")
                writer.add_bytes(f"reports/{name}.pdf", buffer.getvalue(), compress=False)
                writer.add_bytes(f"data/{name}.csv", _csv(document))
                writer.add_bytes(f"data/{name}.json", _json(document))
            evidence = _evidence(session, [a.id or 0 for a in assets], scope == context.Scope())
            root = evidence_root(data_dir)
            for number, item in enumerate(evidence, start=1):
                note("evidence", number, len(evidence))
                name = sanitise_name(item.original_name)
                with open_stored(root, item.sha256) as stream:
                    writer.add_stream(f"evidence/{item.id}-{name}", stream)
            writer.add_bytes("audit/events.jsonl", _audit(session, period))
            manifest = {
                "format": "isms-evidence-pack/1",
                "created": datetime.now(UTC).isoformat(),
                "created_by": actor,
                "scope": asdict(scope),
                "period": {"start": str(period.start or ""), "end": str(period.end or "")},
                "files": writer.entries,
            }
            manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            archive.writestr(MANIFEST, manifest_bytes)
            archive.writestr(SIGNATURE, signing.sign(data_dir, manifest_bytes))
        digest, size = hashlib.sha256(), 0
        with open(temporary, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    note("done", 1, 1)
    return PackResult(out, digest.hexdigest(), size, len(writer.entries), len(evidence))


def _evidence(session: Session, asset_ids: list[int], domain: bool) -> list[Evidence]:
    condition: Any = col(CheckEntry.asset_id).in_(asset_ids)
    if domain:
        condition = condition | col(CheckEntry.asset_id).is_(None)
    linked = (
        select(col(CheckEvidence.evidence_id))
        .join(CheckEntry, col(CheckEntry.id) == col(CheckEvidence.check_entry_id))
        .where(condition, col(CheckEntry.modelled))
    )
    return list(
        session.scalars(
            select(Evidence).where(col(Evidence.id).in_(linked)).order_by(col(Evidence.id))
        )
    )


def _audit(session: Session, period: Period) -> bytes:
    query = select(AuditEvent).order_by(col(AuditEvent.seq))
    if period.start:
        query = query.where(
            col(AuditEvent.occurred_at) >= datetime.combine(period.start, time(), UTC)
        )
    if period.end:
        query = query.where(
            col(AuditEvent.occurred_at)
            < datetime.combine(period.end, time(), UTC).replace(hour=23, minute=59)
        )
    lines = []
    for event in session.scalars(query.execution_options(yield_per=2000)):
        lines.append(
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
        )
    return ("\n".join(lines) + "\n").encode()


# Verifying


@dataclass
class Verification:
    ok: bool
    problems: list[str]
    files: int = 0


def verify_pack(
    path: Path, *, public_pem: bytes | None, data_dir: Path | None = None
) -> Verification:
    """Check the signature of the manifest and every file against it, offline. The key is the
    one given (pinned by the auditor) or, failing that, the installation's own."""
    problems: list[str] = []
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        return Verification(False, [f"not a readable ZIP file: {exc}"])
    with archive:
        names = set(archive.namelist())
        for required in (MANIFEST, SIGNATURE):
            if required not in names:
                return Verification(False, [f"{required} is missing"])
        try:
            manifest_bytes = archive.read(MANIFEST)
            token = archive.read(SIGNATURE).decode("ascii", "replace").strip()
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            return Verification(False, [f"the archive is damaged: {exc}"])
        key = public_pem or (signing.public_key_pem(data_dir) if data_dir else None)
        if key is None:
            return Verification(False, ["no public key to verify with"])
        try:
            signed = signing.verify(token, key)
        except signing.SignatureInvalid as exc:
            return Verification(False, [f"the signature does not verify with this key: {exc}"])
        if signed != manifest_bytes:
            return Verification(False, ["manifest.json differs from what was signed"])
        try:
            manifest = json.loads(manifest_bytes)
            entries = manifest["files"]
        except (ValueError, KeyError, TypeError):
            return Verification(False, ["manifest.json is not a pack manifest"])
        listed = set()
        for entry in entries:
            name = str(entry.get("path", ""))
            listed.add(name)
            if name not in names:
                problems.append(f"missing: {name}")
                continue
            digest, size = hashlib.sha256(), 0
            try:
                with archive.open(name) as handle:
                    while chunk := handle.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                problems.append(f"unreadable: {name} ({exc})")
                continue
            if digest.hexdigest() != entry.get("sha256") or size != entry.get("size"):
                problems.append(f"changed: {name}")
        for extra in sorted(names - listed - {MANIFEST, SIGNATURE}):
            problems.append(f"not in the manifest: {extra}")
        return Verification(not problems, problems, len(listed))
