"""Backup and restore: a round trip into a fresh database (SQLite, and PostgreSQL when the tests
run on it) restores every row, byte-identical evidence and an intact audit chain; a backup taken
while the service writes is consistent; a damaged backup is refused before anything changes."""

from __future__ import annotations

import hashlib
import tarfile
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlmodel import col

from isms import backup
from isms.audit.chain import iter_events, verify_chain
from isms.audit.models import AuditEvent
from isms.database import create_db_engine, metadata, session_scope
from isms.errors import Conflict, InvalidInput
from isms.migrations import upgrade
from isms.settings import Settings
from privacy.models import ProcessingActivity
from risk.assets import service as assets
from risk.assets.models import Asset
from risk.assets.schemas import AssetCreate
from tests.controls.conftest import (  # noqa: F401  (fixtures)
    _modelling_follows_assets,
    catalogs,
    entries,
    org,
)
from tests.controls.test_evidence_routes import _pdf, _upload
from tests.isms.test_cli import run
from tests.privacy.conftest import Org, activity, create_asset


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            t.name: connection.execute(select(func.count()).select_from(t)).scalar() or 0
            for t in metadata.sorted_tables
        }


def _scratch(tmp_path: Path, name: str) -> tuple[Engine, Path]:
    data_dir = tmp_path / name
    data_dir.mkdir()
    engine = create_db_engine(Settings(data_dir=data_dir, secret_key="x" * 40))  # type: ignore[arg-type]
    upgrade(engine)
    return engine, data_dir


@pytest.fixture
def filled(client: TestClient, org: Org, engine: Engine) -> dict[str, bytes]:  # noqa: F811
    """A small domain: objects, two evidence files, a processing activity, an incident."""
    from isms.identity.models import Role
    from tests.factories import auth, make_user
    from tests.privacy.test_incident_routes import incident

    make_user(engine, role=Role.DPO, username="dsb", departments=[])
    dpo = auth(client, "dsb")
    create_asset(client, org, "VRZ-1", "Anwendungen", org.vt)
    files = {"härtung.pdf": _pdf("Härtungsprotokoll"), "test.pdf": _pdf("Testbericht")}
    for name, data in files.items():
        assert _upload(client, org.verkehr, name, data, title=name).status_code == 201
    client.post("/api/v1/processing-activities", headers=dpo, json=activity(org.vt.id))
    client.post("/api/v1/incidents", headers=dpo, json=incident(org.vt.id))
    return files


def test_a_round_trip_restores_everything(
    engine: Engine, settings: Settings, filled: dict[str, bytes], tmp_path: Path
) -> None:
    out = tmp_path / "isms.tar"
    result = backup.backup(engine, settings.data_dir, out)
    assert result.files >= 2 and result.audit_events > 0
    assert out.stat().st_mode & 0o777 == 0o600  # it holds every record and the signing key
    before = _counts(engine)
    target, data_dir = _scratch(tmp_path, "restored")  # SQLite, whatever the source was
    restored = backup.restore(target, data_dir, out)
    after = _counts(target)
    assert {k: v for k, v in after.items() if k != "audit_event"} == {
        k: v for k, v in before.items() if k != "audit_event"
    }
    assert after["audit_event"] == before["audit_event"] + 1  # the restore itself, chained
    assert restored.audit_events == after["audit_event"]
    with target.connect() as connection:
        count, broken = verify_chain(iter_events(connection))
        assert broken is None and count == after["audit_event"]
        last = connection.execute(
            select(col(AuditEvent.action)).order_by(col(AuditEvent.seq).desc()).limit(1)
        ).scalar()
        assert last == "restore"
    stored = {p.name: p.read_bytes() for p in (data_dir / "evidence").rglob("*") if p.is_file()}
    for data in filled.values():  # byte-identical, under their hash
        assert stored[hashlib.sha256(data).hexdigest()] == data
    with session_scope(target, write=False) as session:
        names = set(session.scalars(select(col(ProcessingActivity.name))))
        assert names == {"Melderegister"}
    # a second restore into the filled database is refused, unless everything is replaced
    with pytest.raises(Conflict):
        backup.restore(target, data_dir, out)
    backup.restore(target, data_dir, out, replace=True)
    assert _counts(target)["asset"] == before["asset"]


def test_a_round_trip_on_postgresql_continues_the_ids(
    engine: Engine, settings: Settings, filled: dict[str, bytes], tmp_path: Path
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the sequences are PostgreSQL's (this runs in the PostgreSQL pass)")
    out = tmp_path / "isms.tar"
    backup.backup(engine, settings.data_dir, out)
    url = make_url(str(settings.database_url)).set(database="isms_restore_check")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text('DROP DATABASE IF EXISTS "isms_restore_check" WITH (FORCE)'))
        connection.execute(text('CREATE DATABASE "isms_restore_check"'))
    data_dir = tmp_path / "pg"
    data_dir.mkdir()
    target = create_db_engine(
        Settings(data_dir=data_dir, database_url=url.render_as_string(False), secret_key="x" * 40)  # type: ignore[arg-type]
    )
    try:
        upgrade(target)
        backup.restore(target, data_dir, out)
        with session_scope(target) as session:  # a new row gets a fresh id, no clash
            made = assets.create(
                session,
                data=AssetCreate(
                    short_id="NEU-1",
                    name="Neu",
                    category_id=session.scalars(select(col(Asset.category_id))).first(),
                    department_id=session.scalars(select(col(Asset.department_id))).first(),
                ),
                scope=None,
            )
            assert made.id is not None and made.id > 1
    finally:
        target.dispose()
        with admin.connect() as connection:
            connection.execute(text('DROP DATABASE IF EXISTS "isms_restore_check" WITH (FORCE)'))
        admin.dispose()


def test_a_backup_taken_while_the_service_writes_is_consistent(
    engine: Engine,
    settings: Settings,
    org: Org,  # noqa: F811
    tmp_path: Path,
) -> None:
    category = create_asset_category(engine)
    stop = threading.Event()
    written = 0

    def writer() -> None:
        nonlocal written
        while not stop.is_set():
            with session_scope(engine) as session:
                assets.create(
                    session,
                    data=AssetCreate(
                        short_id=f"LAST-{written}",
                        name="Last",
                        category_id=category,
                        department_id=org.vt.id or 0,
                    ),
                    scope=None,
                )
            written += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while written < 5:
            stop.wait(0.01)
        out = tmp_path / "live.tar"
        backup.backup(engine, settings.data_dir, out)
    finally:
        stop.set()
        thread.join()
    target, data_dir = _scratch(tmp_path, "live")
    backup.restore(target, data_dir, out)
    with session_scope(target, write=False) as session:
        objects = session.scalar(select(func.count()).select_from(Asset)) or 0
        created = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(col(AuditEvent.object_type) == "asset", col(AuditEvent.action) == "create")
        )
    assert objects >= 5 and objects == created  # every object with its event, nothing half


def create_asset_category(engine: Engine) -> int:
    from risk.assets.models import AssetCategory

    with session_scope(engine, write=False) as session:
        found = session.scalars(select(col(AssetCategory.id))).first()
        assert found is not None
        return found


def test_a_damaged_backup_is_refused_before_anything_changes(
    engine: Engine, settings: Settings, filled: dict[str, bytes], tmp_path: Path
) -> None:
    good = tmp_path / "good.tar"
    backup.backup(engine, settings.data_dir, good)
    target, data_dir = _scratch(tmp_path, "target")
    data = bytearray(good.read_bytes())
    with tarfile.open(good) as archive:
        member = next(m for m in archive.getmembers() if m.name.startswith("files/evidence/"))
    flipped = bytearray(data)
    flipped[member.offset_data + 10] ^= 0xFF
    cases = {
        "flipped.tar": bytes(flipped),
        "truncated.tar": bytes(data[: len(data) // 2]),
        "nonsense.tar": b"not a tar at all" * 100,
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(InvalidInput) as refused:
            backup.restore(target, data_dir, tmp_path / name)
        assert refused.value.message_key == "error.backup_damaged", name
    assert sum(_counts(target).values()) == 0  # nothing was written
    assert not (data_dir / "evidence").exists()
    with pytest.raises(InvalidInput) as changed:
        backup.check(tmp_path / "flipped.tar")
    assert "changed: files/evidence/" in changed.value.params["reason"]
    # a name that climbs out of the data dir is refused as well
    evil = tmp_path / "evil.tar"
    with tarfile.open(evil, "w") as archive:
        info = tarfile.TarInfo("../../etc/passwd")
        info.size = 1
        archive.addfile(info, __import__("io").BytesIO(b"x"))
    with pytest.raises(InvalidInput):
        backup.check(evil)


def test_the_cli_backs_up_and_restores_and_refuses_damage(
    engine: Engine, settings: Settings, filled: dict[str, bytes], tmp_path: Path
) -> None:
    out = tmp_path / "cli.tar"
    made = run(settings, "backup", "--out", str(out))
    assert made.returncode == 0, made.stderr
    assert "files" in made.stdout and "audit trail of" in made.stdout
    damaged = bytearray(out.read_bytes())
    middle = len(damaged) // 2
    damaged[middle : middle + 64] = b"x" * 64
    (tmp_path / "bad.tar").write_bytes(bytes(damaged))
    target_dir = tmp_path / "cli-target"
    target_dir.mkdir()
    target = Settings(data_dir=target_dir, secret_key="x" * 40)  # type: ignore[arg-type]
    bad = run(target, "restore", str(tmp_path / "bad.tar"))
    assert bad.returncode == 2 and "error: The backup is damaged" in bad.stderr
    good = run(target, "restore", str(out))
    assert good.returncode == 0, good.stderr
    assert "audit trail intact" in good.stdout
    again = run(target, "restore", str(out))
    assert again.returncode == 2 and "--replace" in again.stderr
