"""Backup and restore of the whole ISMS: the database and the file store, consistent while the
service runs, portable between SQLite and PostgreSQL.

A backup is one tar file:

- `db/<table>.jsonl`: every row of every table, read in one snapshot (PostgreSQL: a repeatable
  read transaction; SQLite: one read transaction on the WAL), one JSON object per line;
- `files/...`: the evidence files the snapshot references (checked against their SHA-256 as they
  are copied), the report files of finished jobs, the pack signing key;
- `manifest.json` (written last): format, schema revision, row counts, the audit chain's length
  and last hash, and the SHA-256 and size of every other member.

A restore first checks the whole archive (manifest, hashes, sizes, safe names, no extra or
missing member, the schema revision this version expects) and refuses a damaged one before it
touches anything; then it loads every table in one transaction (all or nothing), moves the files
into place (content-addressed, so a repeated restore is harmless), verifies the audit chain and
appends one `restore` event to it. Wiring module: it knows every domain's tables and files.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import Connection
from sqlmodel import col

import isms.models  # noqa: F401  (registers every table)
from controls.evidence import service as evidence_service
from controls.evidence import storage
from controls.evidence.models import Evidence
from isms import __version__
from isms.audit.chain import iter_events, verify_chain
from isms.audit.models import AuditEvent
from isms.clock import utcnow
from isms.database import metadata
from isms.errors import Conflict, InvalidInput
from reports import jobs as report_jobs
from reports import signing
from reports.models import JobState, ReportJob

FORMAT = "isms-backup/1"
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024
MAX_MANIFEST = 64 * 1024 * 1024  # far above any real manifest: refuse a forged giant first


@dataclass(frozen=True)
class BackupResult:
    path: Path
    tables: int
    rows: int
    files: int
    bytes: int
    audit_events: int


@dataclass(frozen=True)
class RestoreResult:
    tables: int
    rows: int
    files: int
    audit_events: int


def _revision(connection: Connection) -> str:
    try:
        found = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError as exc:
        raise InvalidInput("error.backup_no_schema") from exc
    return str(found or "")


def _head() -> str:
    from alembic.script import ScriptDirectory

    from isms.migrations import alembic_config

    return str(ScriptDirectory.from_config(alembic_config()).get_current_head())


# Values as JSON: the column's type decides how they come back


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decoder(column: sa.Column[Any]) -> Any:
    kind = column.type._type_affinity  # the generic type behind type decorators
    if kind is not None and issubclass(kind, sa.DateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if kind is not None and issubclass(kind, sa.Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    if kind is not None and issubclass(kind, sa.LargeBinary):
        return lambda v: None if v is None else base64.b64decode(v)
    return None


# Writing


class _HashingWriter:
    """Members of the tar with their SHA-256 and size, for the manifest."""

    def __init__(self, archive: tarfile.TarFile) -> None:
        self.archive = archive
        self.members: dict[str, dict[str, Any]] = {}

    def add_stream(self, name: str, stream: IO[bytes], size: int) -> None:
        digest = hashlib.sha256()

        class Reader(io.RawIOBase):
            def readable(self) -> bool:
                return True

            def readinto(self, buffer: Any) -> int:
                data = stream.read(len(buffer))
                digest.update(data)
                buffer[: len(data)] = data
                return len(data)

        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, int(utcnow().timestamp()), 0o600
        self.archive.addfile(info, io.BufferedReader(Reader(), CHUNK))
        self.members[name] = {"sha256": digest.hexdigest(), "size": size}

    def add_file(self, name: str, path: Path) -> None:
        with path.open("rb") as handle:
            self.add_stream(name, handle, os.fstat(handle.fileno()).st_size)

    def add_bytes(self, name: str, data: bytes) -> None:
        self.add_stream(name, io.BytesIO(data), len(data))


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One connection whose reads all see the same moment."""
    if engine.dialect.name == "postgresql":
        with (
            engine.connect().execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            ) as connection,
            connection.begin(),
        ):
            yield connection
        return
    with engine.connect() as connection, connection.begin():
        connection.execute(text("SELECT 1 FROM alembic_version"))  # starts the read snapshot
        yield connection


def backup(engine: Engine, data_dir: Path, out: Path) -> BackupResult:
    """Write the backup to out (atomically: a temporary file, synced, then moved into place)."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".backup-", suffix=".tar", dir=out.parent)
    os.close(descriptor)
    try:
        with open(temporary, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)  # it holds every record and the signing key
            result = _write(engine, data_dir, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return BackupResult(out, *result)


def _write(engine: Engine, data_dir: Path, handle: IO[bytes]) -> tuple[int, int, int, int, int]:
    with tarfile.open(fileobj=handle, mode="w|", format=tarfile.PAX_FORMAT) as archive:
        writer = _HashingWriter(archive)
        counts: dict[str, int] = {}
        files: list[tuple[str, Path, str | None]] = []
        with _snapshot(engine) as connection:
            revision = _revision(connection)
            for table in metadata.sorted_tables:
                counts[table.name] = _dump_table(connection, table, writer)
            evidence_root = evidence_service.root(data_dir)
            for (sha256,) in connection.execute(select(col(Evidence.sha256)).distinct()):
                path = storage.path_for(evidence_root, sha256)
                files.append((_relative(data_dir, path), path, sha256))
            done = select(col(ReportJob.file_name)).where(
                col(ReportJob.state) == JobState.DONE, col(ReportJob.file_name) != ""
            )
            for (file_name,) in connection.execute(done):
                path = report_jobs.folder(data_dir) / str(file_name)
                if path.is_file():  # one removed by hand stays missing, as before
                    files.append((_relative(data_dir, path), path, None))
            chain_length, last_hash = _chain_head(connection)
        key = data_dir / signing.KEY_FILE
        if key.is_file():
            files.append((signing.KEY_FILE, key, None))
        size = 0
        for relative, path, expected in files:
            name = f"files/{relative}"
            try:
                writer.add_file(name, path)
            except FileNotFoundError as exc:  # the snapshot names a file gone since: no gap
                raise Conflict("error.backup_file_changed", path=relative) from exc
            if expected is not None and writer.members[name]["sha256"] != expected:
                raise Conflict("error.backup_file_changed", path=relative)
            size += writer.members[name]["size"]
        manifest = {
            "format": FORMAT,
            "created": utcnow().isoformat(),
            "version": __version__,
            "dialect": engine.dialect.name,
            "revision": revision,
            "tables": counts,
            "audit": {"events": chain_length, "last_hash": last_hash},
            "members": writer.members,
        }
        writer.add_bytes(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
    return len(counts), sum(counts.values()), len(files), size, chain_length


def _relative(data_dir: Path, path: Path) -> str:
    return path.relative_to(data_dir).as_posix()


def _dump_table(connection: Connection, table: sa.Table, writer: _HashingWriter) -> int:
    """The table's rows as JSON lines, through a scratch file (never the whole table in memory)."""
    order = list(table.primary_key.columns) or list(table.columns)
    rows = 0
    with tempfile.TemporaryFile() as scratch:
        result = connection.execution_options(yield_per=2000).execute(
            select(table).order_by(*order)
        )
        names = [c.name for c in table.columns]
        for row in result:
            values = {n: _encode(v) for n, v in zip(names, row, strict=True)}
            scratch.write(json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode())
            scratch.write(b"\n")
            rows += 1
        size = scratch.tell()
        scratch.seek(0)
        writer.add_stream(f"db/{table.name}.jsonl", scratch, size)
    return rows


def _chain_head(connection: Connection) -> tuple[int, str]:
    count = connection.execute(select(func.count()).select_from(AuditEvent)).scalar() or 0
    last = connection.execute(
        select(col(AuditEvent.hash)).order_by(col(AuditEvent.seq).desc()).limit(1)
    ).scalar()
    return int(count), str(last or "")


# Reading and restoring


def _members(archive: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    found: dict[str, tarfile.TarInfo] = {}
    for info in archive.getmembers():
        name = info.name
        if not info.isfile():
            raise InvalidInput("error.backup_damaged", reason=f"not a plain file: {name}")
        if name.startswith("/") or ".." in Path(name).parts or "\\" in name:
            raise InvalidInput("error.backup_damaged", reason=f"unsafe name: {name}")
        if name in found:
            raise InvalidInput("error.backup_damaged", reason=f"twice in the archive: {name}")
        found[name] = info
    return found


def check(path: Path) -> dict[str, Any]:
    """The manifest of an intact backup; a damaged one raises InvalidInput saying what is wrong."""
    try:
        with tarfile.open(path, mode="r:") as archive:
            members = _members(archive)
            info = members.get(MANIFEST)
            if info is None:
                raise InvalidInput("error.backup_damaged", reason="no manifest")
            if info.size > MAX_MANIFEST:
                raise InvalidInput("error.backup_damaged", reason="manifest too large")
            stream = archive.extractfile(info)
            assert stream is not None
            manifest = json.loads(stream.read())
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise InvalidInput("error.backup_damaged", reason="not an ISMS backup")
            listed: dict[str, Any] = manifest.get("members") or {}
            extra = sorted(set(members) - set(listed) - {MANIFEST})
            missing = sorted(set(listed) - set(members))
            if extra or missing:
                reason = f"missing: {', '.join(missing)}" if missing else f"extra: {extra[0]}"
                raise InvalidInput("error.backup_damaged", reason=reason)
            for name, expected in listed.items():
                member = members[name]
                if member.size != expected.get("size"):
                    raise InvalidInput("error.backup_damaged", reason=f"changed: {name}")
                digest = hashlib.sha256()
                data = archive.extractfile(member)
                assert data is not None
                for chunk in iter(lambda: data.read(CHUNK), b""):  # noqa: B023
                    digest.update(chunk)
                if digest.hexdigest() != expected.get("sha256"):
                    raise InvalidInput("error.backup_damaged", reason=f"changed: {name}")
            return manifest
    except (tarfile.TarError, OSError, EOFError, ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("error.backup_damaged", reason=type(exc).__name__) from exc


def restore(engine: Engine, data_dir: Path, path: Path, *, replace: bool = False) -> RestoreResult:
    """Restore a checked backup into the (migrated) database and the data dir. The database must
    be empty unless replace; either way all rows go in one transaction."""
    manifest = check(path)
    with engine.connect() as connection:
        revision = _revision(connection)
    if manifest["revision"] != revision or revision != _head():
        raise InvalidInput("error.backup_revision", backup=manifest["revision"], expected=_head())
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))
    try:
        with tarfile.open(path, mode="r:") as archive:
            files = _stage_files(archive, staging)
            with engine.begin() as connection:
                if _has_rows(connection) and not replace:
                    raise Conflict("error.backup_target_not_empty")
                try:
                    rows = _load_tables(connection, archive, manifest, replace=replace)
                except sa.exc.IntegrityError as exc:  # rows that do not fit together
                    raise InvalidInput(
                        "error.backup_damaged", reason=f"rows do not fit: {exc.orig}"[:300]
                    ) from exc
                count, broken = verify_chain(iter_events(connection))
                if broken is not None or count != manifest["audit"]["events"]:
                    raise InvalidInput(
                        "error.backup_damaged", reason="the audit chain does not verify"
                    )
                _record_restore(connection, manifest, path)
        for relative in files:
            target = data_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / relative, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreResult(len(manifest["tables"]), rows, len(files), count + 1)


def _stage_files(archive: tarfile.TarFile, staging: Path) -> list[str]:
    staged = []
    for info in archive.getmembers():
        if not info.name.startswith("files/"):
            continue
        relative = info.name.removeprefix("files/")
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        source = archive.extractfile(info)
        assert source is not None
        with target.open("wb") as out:
            shutil.copyfileobj(source, out, CHUNK)
        os.chmod(target, 0o600 if relative == signing.KEY_FILE else storage.FILE_MODE)
        staged.append(relative)
    return staged


def _has_rows(connection: Connection) -> bool:
    return any(
        connection.execute(select(sa.literal(1)).select_from(t).limit(1)).first() is not None
        for t in metadata.sorted_tables
    )


def _load_tables(
    connection: Connection, archive: tarfile.TarFile, manifest: dict[str, Any], *, replace: bool
) -> int:
    tables = metadata.sorted_tables
    if replace:
        for table in reversed(tables):
            connection.execute(table.delete())
    total = 0
    for table in tables:
        info = archive.getmember(f"db/{table.name}.jsonl")
        stream = archive.extractfile(info)
        assert stream is not None
        decoders = {c.name: d for c in table.columns if (d := _decoder(c)) is not None}
        # A row may point to a later row of its own table (a parent category, a parent
        # department): those links are set once all rows are in.
        own = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
        key = [c.name for c in table.primary_key.columns]
        links: list[dict[str, Any]] = []
        batch: list[dict[str, Any]] = []
        loaded = 0
        for line in stream:
            row = json.loads(line)
            for name, decode in decoders.items():
                row[name] = decode(row.get(name))
            if own and any(row.get(n) is not None for n in own):
                links.append({**{f"k_{k}": row[k] for k in key}, **{f"v_{n}": row[n] for n in own}})
                row.update({n: None for n in own})
            batch.append(row)
            if len(batch) == 1000:
                connection.execute(table.insert(), batch)
                loaded += len(batch)
                batch = []
        if batch:
            connection.execute(table.insert(), batch)
            loaded += len(batch)
        if links:
            statement = (
                table.update()
                .where(*(table.c[k] == sa.bindparam(f"k_{k}") for k in key))
                .values({n: sa.bindparam(f"v_{n}") for n in own})
            )
            connection.execute(statement, links)
        if loaded != manifest["tables"].get(table.name):
            raise InvalidInput("error.backup_damaged", reason=f"rows of {table.name}")
        total += loaded
        _reset_sequence(connection, table)
    return total


def _reset_sequence(connection: Connection, table: sa.Table) -> None:
    """PostgreSQL hands out ids from a sequence: it continues after the restored ones."""
    if connection.dialect.name != "postgresql":
        return
    key = list(table.primary_key.columns)
    if len(key) != 1 or not isinstance(key[0].type, sa.Integer) or not key[0].autoincrement:
        return
    name = key[0].name
    sequence = connection.execute(
        text("SELECT pg_get_serial_sequence(:table, :column)"),
        {"table": table.name, "column": name},
    ).scalar()
    if sequence:
        connection.execute(
            text(
                "SELECT setval(:sequence, COALESCE((SELECT MAX("  # noqa: S608 (our own names)
                f'"{name}") FROM "{table.name}"), 0) + 1, false)'
            ),
            {"sequence": sequence},
        )


def _record_restore(connection: Connection, manifest: dict[str, Any], path: Path) -> None:
    from isms.audit.chain import append_events
    from isms.audit.service import dump

    append_events(
        connection,
        [
            {
                "occurred_at": utcnow(),
                "actor_id": None,
                "actor_name": "cli:restore",
                "action": "restore",
                "object_type": "backup",
                "object_id": path.name[:120],
                "before": None,
                "after": dump(
                    {
                        "created": manifest["created"],
                        "revision": manifest["revision"],
                        "rows": sum(manifest["tables"].values()),
                        "audit_last_hash": manifest["audit"]["last_hash"],
                    }
                ),
                "remote_addr": None,
            }
        ],
    )
