"""`isms evidence check`: rows without their file, leftovers of interrupted uploads."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import Engine

from controls.evidence import storage
from controls.evidence.models import Evidence
from isms.database import session_scope
from tests.faults.conftest import HOUR, Server, backdate, parts, run_check, stored


def test_the_check_lists_leftovers_and_removes_only_old_ones(
    server: Server, engine: Engine
) -> None:
    root = server.evidence_root
    kept = storage.store(root, io.BytesIO(b"Nachweis mit Zeile\n"), name="kept.txt")
    orphan = storage.store(root, io.BytesIO(b"Nie committet\n"), name="orphan.txt")
    fresh = storage.store(root, io.BytesIO(b"Gerade hochgeladen\n"), name="fresh.txt")
    gone = "ab" * 32
    with session_scope(engine) as session:
        for sha256 in (kept.sha256, gone):
            session.add(
                Evidence(
                    sha256=sha256,
                    size=1,
                    media_type=storage.TEXT,
                    original_name="x.txt",
                    title="x",
                    valid_until=date(2099, 1, 1),
                )
            )
    old_part = root / storage.TEMP_FOLDER / "upload-crashed.part"
    old_part.write_bytes(b"half")
    live_part = root / storage.TEMP_FOLDER / "upload-live.part"
    live_part.write_bytes(b"arriving")
    backdate(storage.path_for(root, orphan.sha256), HOUR + 60)
    backdate(old_part, HOUR + 60)

    listed = run_check(server)
    assert listed.returncode == 1, listed.stderr
    lines = listed.stdout.splitlines()
    assert f"missing file: evidence {gone}" not in lines  # by id, not by hash
    assert any(line.startswith("missing file: evidence ") and gone in line for line in lines)
    assert f"left over: {storage.path_for(root, orphan.sha256)}" in lines
    assert f"left over: {old_part}" in lines
    young = "kept, younger than an hour (an upload may be in progress): "
    assert f"{young}{storage.path_for(root, fresh.sha256)}" in lines
    assert f"{young}{live_part}" in lines
    assert sorted(stored(server)) == sorted([kept.sha256, orphan.sha256, fresh.sha256])

    removed = run_check(server, "--remove")
    assert removed.returncode == 1  # the missing file is still missing: nothing can fix that
    assert sorted(stored(server)) == sorted([kept.sha256, fresh.sha256])
    assert parts(server) == [live_part]
