"""Faults: PostgreSQL restarted under load, and the server killed with SIGKILL mid-upload.

    python -m benchmarks.bench_faults [--clients 20] [--seconds 40] [--restart-at 15]
        [--workers 2] [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/isms_faults]

RESTARTS THE MACHINE'S POSTGRESQL (pg_ctlcluster --skip-systemctl-redirect <version> main
restart): never run it while anything else uses that server.

A fresh database and `isms serve --workers N --no-scheduler`; half the clients read (evidence
list and details, readiness), half upload small evidence files, each with unique content. In the
middle PostgreSQL is restarted. Reported: answers per second by status, the failed requests by
status (they must be 503, never 500, never a hang past the client's timeout), the time from the
restart until the first success, and whether every upload the server confirmed (201) has its row
and its file afterwards. Then the whole server is killed with SIGKILL while it stores an upload:
no row, no file in the store, one part file; a restart with the part file an hour old removes it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter, defaultdict
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlmodel import col

from benchmarks.bench_load import ISMS, PASSWORD, _environment, _free_port
from benchmarks.common import fresh_engine
from controls.evidence import service as evidence_service
from controls.evidence import storage
from controls.evidence.models import Evidence
from isms.database import session_scope
from isms.identity.models import Role, User
from isms.security import hash_password

TIMEOUT = 30.0  # seconds a client waits: a longer request counts as a hang
VALID_UNTIL = (date.today() + timedelta(days=365)).isoformat()


def _cluster() -> str:
    versions = sorted(Path("/etc/postgresql").iterdir(), key=lambda p: int(p.name))
    return versions[-1].name


def _restart_postgres() -> float:
    """Restart PostgreSQL (fast shutdown: sessions are terminated); the seconds it took."""
    start = time.monotonic()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", _cluster(), "main", "restart"],
        check=True,
        capture_output=True,
    )
    return time.monotonic() - start


class Server:
    def __init__(self, env: dict[str, str], workers: int) -> None:
        self.env, self.workers, self.port = env, workers, _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        started = time.monotonic()
        command = [str(ISMS), "serve", "--port", str(self.port), "--no-scheduler"]
        self.process = subprocess.Popen(
            [*command, "--workers", str(self.workers)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: SIGKILL reaches every worker
        )
        for _ in range(240):
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise RuntimeError("the server did not start")

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


class Log:
    """Every request: when it ended (seconds from the start), its outcome, how long it took."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.entries: list[tuple[float, float, str, float]] = []  # started, ended, outcome, s
        self.confirmed: dict[int, str] = {}  # evidence id -> sha256 of an upload answered 201
        self.unconfirmed: set[str] = set()  # sha256 of uploads that got no 201

    async def call(
        self, client: httpx.AsyncClient, method: str, url: str, **kwargs: Any
    ) -> httpx.Response | None:
        started = time.monotonic()
        response: httpx.Response | None = None
        try:
            response = await client.request(method, url, **kwargs)
            outcome = str(response.status_code)
        except httpx.TimeoutException:
            outcome = "timeout"
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
        ended = time.monotonic()
        self.entries.append((started - self.t0, ended - self.t0, outcome, ended - started))
        return response


async def _reader(client: httpx.AsyncClient, log: Log, until: float) -> None:
    while time.monotonic() < until:
        listing = await log.call(client, "GET", "/api/v1/evidence", params={"limit": 20})
        items = listing.json()["items"] if listing is not None and listing.is_success else []
        if items:
            await log.call(client, "GET", f"/api/v1/evidence/{random.choice(items)['id']}")
        await log.call(client, "GET", "/readyz")


async def _writer(client: httpx.AsyncClient, log: Log, until: float, name: str) -> None:
    number = 0
    while time.monotonic() < until:
        number += 1
        content = f"Nachweis {name}-{number} {random.random()}\n".encode() * 50
        sha256 = hashlib.sha256(content).hexdigest()
        response = await log.call(
            client,
            "POST",
            "/api/v1/evidence",
            data={"valid_until": VALID_UNTIL, "title": f"{name}-{number}"},
            files={"file": (f"{name}-{number}.txt", content, "text/plain")},
        )
        if response is not None and response.status_code == 201:
            log.confirmed[response.json()["id"]] = sha256
        else:
            log.unconfirmed.add(sha256)


async def _load(
    base: str, clients: int, seconds: float, restart_at: float
) -> tuple[Log, dict[str, float]]:
    limits = httpx.Limits(max_connections=clients + 5)
    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT) as anonymous:
        answer = await anonymous.post(
            "/api/v1/auth/token", data={"username": "faults-isb", "password": PASSWORD}
        )
        answer.raise_for_status()
    headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    log = Log()
    restart: dict[str, float] = {}

    def restart_later() -> None:
        if restart_at < 0:  # --no-restart: the same load, PostgreSQL left alone
            return
        time.sleep(restart_at)
        restart["began"] = time.monotonic() - log.t0
        restart["took"] = _restart_postgres()
        restart["ended"] = time.monotonic() - log.t0

    restarter = threading.Thread(target=restart_later)
    async with httpx.AsyncClient(
        base_url=base, timeout=TIMEOUT, limits=limits, headers=headers
    ) as client:
        until = time.monotonic() + seconds
        restarter.start()
        await asyncio.gather(
            *(_reader(client, log, until) for _ in range(clients // 2)),
            *(_writer(client, log, until, f"w{n}") for n in range(clients - clients // 2)),
        )
    restarter.join()
    return log, restart


def _figures(log: Log, restart: dict[str, float]) -> dict[str, Any]:
    restart = restart or {"began": float("inf"), "took": 0.0, "ended": float("inf")}
    per_second: dict[int, Counter[str]] = defaultdict(Counter)
    for _, ended, outcome, _ in log.entries:
        per_second[int(ended)][outcome] += 1
    failed = [(s, e, o) for s, e, o, _ in log.entries if not o.startswith(("2", "3", "4"))]
    after = [e for s, e, o, _ in log.entries if o.startswith("2") and s >= restart["began"]]
    return {
        "requests": len(log.entries),
        "per_second": {second: dict(c) for second, c in sorted(per_second.items())},
        "status": dict(Counter(o for _, _, o, _ in log.entries)),
        "failed_by_outcome": dict(Counter(o for _, _, o in failed)),
        "max_latency_s": round(max(d for *_, d in log.entries), 2),
        "restart_began_s": round(restart["began"], 2) if restart["took"] else None,
        "restart_took_s": round(restart["took"], 2),
        "failures_from_s": round(min(e for _, e, _ in failed), 2) if failed else None,
        "failures_until_s": round(max(e for _, e, _ in failed), 2) if failed else None,
        "first_success_after_restart_began_s": (
            round(min(after) - restart["began"], 2) if after else None
        ),
        "first_success_after_restart_ended_s": (
            round(min(e for e in after if e >= restart["ended"]) - restart["ended"], 2)
            if any(e >= restart["ended"] for e in after)
            else None
        ),
        "uploads_confirmed": len(log.confirmed),
        "uploads_not_confirmed": len(log.unconfirmed),
    }


def _check_writes(engine: Any, data_dir: Path, log: Log) -> dict[str, Any]:
    root = evidence_service.root(data_dir)
    with session_scope(engine, write=False) as session:
        rows = dict(session.execute(select(col(Evidence.id), col(Evidence.sha256))).all())
    lost = [i for i, sha in log.confirmed.items() if rows.get(i) != sha]
    missing_files = [i for i, sha in rows.items() if not storage.path_for(root, sha).is_file()]
    saved_unconfirmed = len(set(rows.values()) & log.unconfirmed)
    return {
        "confirmed_uploads_lost": lost,
        "rows_without_file": missing_files,
        "unconfirmed_uploads_saved_anyway": saved_unconfirmed,
        "part_files_left": len(storage.part_files(root)),
    }


def slow_document() -> bytes:
    """A small DOCX that unpacks to 300 MB: the server checks every entry after storing it,
    which keeps its part file there for about a second."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml" PartName="/word/document.xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
        with archive.open("word/media/scan.bin", "w") as entry:
            for _ in range(300):
                entry.write(bytes(1 << 20))
    return buffer.getvalue()


def _kill_during_upload(server: Server, engine: Any, data_dir: Path) -> dict[str, Any]:
    """SIGKILL to every server process while it checks a stored upload, then a restart."""
    root = evidence_service.root(data_dir)
    document = slow_document()
    token = httpx.post(
        f"{server.base}/api/v1/auth/token",
        data={"username": "faults-isb", "password": PASSWORD},
        timeout=TIMEOUT,
    ).json()["access_token"]
    with session_scope(engine, write=False) as session:
        rows_before = session.scalar(select(func.count()).select_from(Evidence)) or 0
    stored_before = {sha for sha, _ in storage.stored_files(root)}
    outcome: list[str] = []

    def upload() -> None:
        try:
            answer = httpx.post(
                f"{server.base}/api/v1/evidence",
                headers={"Authorization": f"Bearer {token}"},
                data={"valid_until": VALID_UNTIL},
                files={"file": ("scan.docx", document, "application/octet-stream")},
                timeout=TIMEOUT,
            )
            outcome.append(str(answer.status_code))
        except httpx.HTTPError as exc:
            outcome.append(type(exc).__name__)

    sender = threading.Thread(target=upload)
    sender.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        sizes = []
        for part in storage.part_files(root):
            with contextlib.suppress(FileNotFoundError):
                sizes.append(part.stat().st_size)
        if len(document) in sizes:
            break
        time.sleep(0.001)
    server.kill()
    killed_at = time.monotonic()
    sender.join()
    with session_scope(engine, write=False) as session:
        rows_after = session.scalar(select(func.count()).select_from(Evidence)) or 0
    parts = storage.part_files(root)
    result: dict[str, Any] = {
        "client_saw": outcome[0] if outcome else None,
        "new_rows": rows_after - rows_before,
        "new_files_in_store": len({sha for sha, _ in storage.stored_files(root)} - stored_before),
        "part_files_after_kill": len(parts),
    }
    old = time.time() - storage.STALE_AGE - 60
    for part in parts:  # as if the restart came an hour later
        os.utime(part, (old, old))
    result["restart_s"] = round(server.start(), 2)
    result["kill_to_ready_s"] = round(time.monotonic() - killed_at, 2)
    result["part_files_after_restart"] = len(storage.part_files(root))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--restart-at", type=float, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/isms_faults"
    )
    parser.add_argument(
        "--no-restart", action="store_true", help="leave PostgreSQL alone (other users on it)"
    )
    args = parser.parse_args()
    if args.no_restart:
        args.restart_at = -1.0
    engine = fresh_engine(args.database_url)
    with session_scope(engine) as session:
        session.add(
            User(
                username="faults-isb",
                full_name="ISB",
                role=Role.ISB,
                password_hash=hash_password(PASSWORD),
            )
        )
    data_dir = Path(tempfile.mkdtemp(prefix="isms-faults-"))
    url = engine.url.render_as_string(hide_password=False)
    server = Server(_environment(url, data_dir), args.workers)
    try:
        server.start()
        print(
            f"{args.clients} clients for {args.seconds:.0f} s, PostgreSQL restarted at "
            f"{args.restart_at:.0f} s ...",
            flush=True,
        )
        log, restart = asyncio.run(_load(server.base, args.clients, args.seconds, args.restart_at))
        figures = _figures(log, restart)
        figures.update(_check_writes(engine, data_dir, log))
        print("kill -9 during an upload ...", flush=True)
        figures["kill_during_upload"] = _kill_during_upload(server, engine, data_dir)
    finally:
        server.stop()
        engine.dispose()
    figures.update(clients=args.clients, workers=args.workers, database="postgresql")
    print(json.dumps(figures, indent=1))
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "faults-postgresql.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    bad = set(figures["failed_by_outcome"]) - {"503"}
    kill = figures["kill_during_upload"]
    ok = (
        not bad
        and figures["max_latency_s"] < TIMEOUT
        and not figures["confirmed_uploads_lost"]
        and not figures["rows_without_file"]
        and kill["new_rows"] == kill["new_files_in_store"] == 0
        and kill["part_files_after_restart"] == 0
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
