"""kill -9 of the server during an evidence upload, then a restart: no partial file in the
store, no row without its file, leftovers cleared without touching a live upload's file."""

from __future__ import annotations

import hashlib
import threading
import time

import pytest
from sqlalchemy import Engine, text

from benchmarks.bench_faults import slow_document
from controls.evidence import storage
from tests.faults.conftest import (
    HOUR,
    Server,
    backdate,
    evidence_rows,
    form_headers,
    multipart,
    parts,
    run_check,
    stored,
)

TEXT = b"Nachweis der Datensicherung, Zeile fuer Zeile.\n" * 200_000  # 9.4 MB of text


def received(server: Server, size: int) -> bool:
    """Whether a part file holds the whole upload (then the server checks the document)."""
    try:
        return any(part.stat().st_size == size for part in parts(server))
    except FileNotFoundError:
        return False


def test_a_kill_while_the_body_arrives_leaves_nothing(server: Server, engine: Engine) -> None:
    server.start()
    headers = server.token("faults-isb")
    head, tail = multipart("sicherung.txt")
    connection = server.connection()
    connection.putrequest("POST", "/api/v1/evidence")
    for name, value in {**headers, **form_headers(len(head) + len(TEXT) + len(tail))}.items():
        connection.putheader(name, value)
    connection.endheaders()
    connection.send(head)
    for start in range(0, 4 << 20, 256 << 10):  # 4 of 9.4 MB, slowly
        connection.send(TEXT[start : start + (256 << 10)])
        time.sleep(0.02)
    server.kill()
    connection.close()

    assert evidence_rows(engine) == 0
    assert stored(server) == [] and parts(server) == []
    assert list(server.temp_dir.iterdir()) == []  # the spooled body went with the process

    server.start()
    status, answer = server.upload(server.token("faults-isb"), "sicherung.txt", TEXT)
    assert status == 201, answer
    assert evidence_rows(engine) == 1
    assert stored(server) == [hashlib.sha256(TEXT).hexdigest()]


def test_a_kill_while_the_file_is_stored_leaves_a_part_file_that_a_restart_removes(
    server: Server, engine: Engine
) -> None:
    document = slow_document()
    server.start()
    headers = server.token("faults-isb")
    answers: list[int] = []

    def send() -> None:
        try:
            answers.append(server.upload(headers, "bericht.docx", document)[0])
        except OSError:
            answers.append(0)  # the connection died with the server

    sender = threading.Thread(target=send)
    sender.start()
    deadline = time.monotonic() + 15
    while not received(server, len(document)) and time.monotonic() < deadline:
        time.sleep(0.001)
    assert received(server, len(document)), "the upload never reached the store"
    server.kill()  # while the server checks the document's entries
    sender.join(timeout=10)

    assert answers == [0]  # no answer: the client knows the upload did not succeed
    assert evidence_rows(engine) == 0
    assert stored(server) == []  # nothing half-written under a content address
    (left,) = parts(server)

    # The leftover of the crash, an hour old by the next start; a fresh part file stands for
    # an upload that another worker is receiving right now and must survive the start.
    backdate(left, HOUR + 60)
    live = left.with_name("upload-live-worker.part")
    live.write_bytes(b"arriving")
    server.start()
    assert parts(server) == [live]
    status, answer = server.upload(server.token("faults-isb"), "bericht.docx", document)
    assert status == 201, answer
    assert evidence_rows(engine) == 1
    assert stored(server) == [hashlib.sha256(document).hexdigest()]


def test_a_kill_between_storing_and_committing_leaves_a_file_that_the_check_removes(
    server: Server, engine: Engine
) -> None:
    """The file is in the store, the row never committed: `isms evidence check` finds it and
    removes it once it is an hour old (younger, it may be an upload about to commit)."""
    if engine.dialect.name != "postgresql":
        pytest.skip(
            "SQLite takes the write lock before the file is stored, so a test cannot hold the "
            "request between storing and committing; the check itself is tested on both"
        )
    server.start()
    headers = server.token("faults-isb")
    answers: list[int] = []

    def send() -> None:
        try:
            answers.append(server.upload(headers, "sicherung.txt", TEXT)[0])
        except OSError:
            answers.append(0)

    with engine.connect() as blocker:
        blocker.execute(text("LOCK TABLE evidence IN ACCESS EXCLUSIVE MODE"))
        sender = threading.Thread(target=send)
        sender.start()
        deadline = time.monotonic() + 15
        while not stored(server) and time.monotonic() < deadline:
            time.sleep(0.005)
        assert stored(server), "the file was not stored"
        time.sleep(0.2)  # the request now waits for the lock to insert its row
        server.kill()
        blocker.rollback()
    sender.join(timeout=10)

    assert answers == [0]
    assert evidence_rows(engine) == 0
    sha256 = hashlib.sha256(TEXT).hexdigest()
    assert stored(server) == [sha256] and parts(server) == []
    young = run_check(server)
    assert young.returncode == 0, young.stdout
    assert "kept, younger than an hour" in young.stdout
    backdate(storage.path_for(server.evidence_root, sha256), HOUR + 60)
    old = run_check(server)
    assert (
        old.returncode == 1
        and f"left over: {storage.path_for(server.evidence_root, sha256)}" in (old.stdout)
    )
    removed = run_check(server, "--remove")
    assert removed.returncode == 0 and "removed:" in removed.stdout
    assert stored(server) == []
