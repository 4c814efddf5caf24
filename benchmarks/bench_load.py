"""Load: concurrent users against the real server (uvicorn, several workers) on PostgreSQL.

    python -m benchmarks.bench_load [--users 50] [--seconds 60] [--workers 2]
                                    [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/isms]

The Hannover demo (with the BSI catalogs when ../shared is there) is loaded into a fresh
database; `isms serve --workers N --no-scheduler` is started as its own process; then, for the
given time, departments answer their review tasks, the ISB browses the register and edits five
"hot" objects concurrently, and auditors read lists and download an evidence pack built before.
Reported: requests per second, p50/p95 per kind of user and overall, status codes, and two
invariants: no 5xx, and no lost update — every edit the server confirmed (200) is in the final
text of its object, every stale one was refused with 409 (optimistic concurrency).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.common import percentile

ISMS = Path(sys.executable).with_name("isms")
PASSWORD = secrets.token_urlsafe(16)  # the demo users' password for this run
DEPARTMENTS = ("verkehr", "entwaesserung", "feuerwehr", "buergeramt", "iuk", "personal")
HOT = 5  # objects the ISB users edit at the same time


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _environment(database_url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISMS_")}
    env.update(
        ISMS_DATABASE_URL=database_url,
        ISMS_DATA_DIR=str(data_dir),
        ISMS_SECRET_KEY=secrets.token_urlsafe(48),
        ISMS_LOG_LEVEL="WARNING",
        ISMS_SCHEDULER_ENABLED="false",
    )
    shared = Path(__file__).resolve().parents[2] / "shared" / "catalogs"
    if shared.is_dir():
        env["ISMS_CATALOG_DIR"] = str(shared)
    return env


def _fresh_database(database_url: str) -> str:
    url = make_url(database_url)
    name = f"{url.database or 'isms'}_load"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


class Stats:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: Counter[int] = Counter()
        self.errors: list[str] = []
        self.written: dict[int, list[str]] = defaultdict(list)  # object id -> confirmed tokens
        self.stale = 0

    async def call(
        self, client: httpx.AsyncClient, kind: str, method: str, url: str, **kwargs: Any
    ) -> httpx.Response | None:
        start = time.perf_counter()
        try:
            response = await client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.errors.append(f"{method} {url}: {type(exc).__name__}")
            return None
        self.latency[kind].append((time.perf_counter() - start) * 1000)
        self.status[response.status_code] += 1
        if response.status_code >= 500:
            self.errors.append(f"{method} {url}: {response.status_code} {response.text[:200]}")
        return response


async def _department(client: httpx.AsyncClient, stats: Stats, until: float) -> None:
    while time.monotonic() < until:
        inbox = await stats.call(
            client, "department", "GET", "/api/v1/reviews", params={"limit": 20, "state": "offen"}
        )
        items = inbox.json().get("items", []) if inbox is not None and inbox.is_success else []
        if not items:
            await stats.call(client, "department", "GET", "/api/v1/assets", params={"limit": 20})
            continue
        task = random.choice(items)
        one = await stats.call(client, "department", "GET", f"/api/v1/reviews/{task['id']}")
        if one is None or not one.is_success:
            continue
        await stats.call(
            client,
            "department",
            "POST",
            f"/api/v1/reviews/{task['id']}/answer",
            json={
                "unchanged": True,
                "comment": "Geprüft (Lasttest)",
                "version": one.json()["version"],
            },
        )


async def _isb(
    client: httpx.AsyncClient, stats: Stats, until: float, hot: list[int], name: str
) -> None:
    number = 0
    while time.monotonic() < until:
        await stats.call(
            client,
            "isb",
            "GET",
            "/api/v1/assets",
            params={"limit": 50, "offset": random.randint(0, 40)},
        )
        target = random.choice(hot)
        current = await stats.call(client, "isb", "GET", f"/api/v1/assets/{target}")
        if current is None or not current.is_success:
            continue
        body = current.json()
        number += 1
        token = f"[{name}-{number}]"
        changed = await stats.call(
            client,
            "isb",
            "PATCH",
            f"/api/v1/assets/{target}",
            json={
                "description": (body.get("description") or "") + token,
                "version": body["version"],
            },
        )
        if changed is not None and changed.status_code == 200:
            stats.written[target].append(token)
        elif changed is not None and changed.status_code == 409:
            stats.stale += 1


async def _auditor(
    client: httpx.AsyncClient, stats: Stats, until: float, pack_job: int | None
) -> None:
    reads = (
        ("/api/v1/audit-events", {"limit": 50}),
        ("/api/v1/check-entries", {"limit": 50}),
        ("/api/v1/risks", {"limit": 50}),
        ("/api/v1/processing-activities", {"limit": 50}),
        ("/api/v1/incidents", {"limit": 50}),
    )
    while time.monotonic() < until:
        url, params = random.choice(reads)
        await stats.call(client, "auditor", "GET", url, params=params)
        if pack_job is not None and random.random() < 0.1:
            await stats.call(client, "download", "GET", f"/api/v1/report-jobs/{pack_job}/download")


async def _token(client: httpx.AsyncClient, username: str) -> str:
    response = await client.post(
        "/api/v1/auth/token", data={"username": username, "password": PASSWORD}
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


async def _run(base: str, users: int, seconds: float) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=users + 10, max_keepalive_connections=users + 10)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as anonymous:
        names = ("isb", "auditor", *DEPARTMENTS)
        tokens = {name: await _token(anonymous, name) for name in names}
    clients = {
        name: httpx.AsyncClient(
            base_url=base,
            timeout=60,
            limits=limits,
            headers={"Authorization": f"Bearer {token}"},
        )
        for name, token in tokens.items()
    }
    try:
        isb = clients["isb"]
        listing = (await isb.get("/api/v1/assets", params={"limit": HOT})).json()["items"]
        hot = [a["id"] for a in listing[:HOT]]
        job = (
            await isb.post("/api/v1/report-jobs", json={"document": "pack", "kritis": True})
        ).json()
        for _ in range(600):
            state = (await isb.get(f"/api/v1/report-jobs/{job['id']}")).json()["state"]
            if state in ("fertig", "fehlgeschlagen"):
                break
            await asyncio.sleep(0.5)
        pack_job = job["id"] if state == "fertig" else None
        stats = Stats()
        until = time.monotonic() + seconds
        tasks = []
        share = {"department": users * 6 // 10, "isb": users * 2 // 10}
        share["auditor"] = users - share["department"] - share["isb"]
        for number in range(share["department"]):
            client = clients[DEPARTMENTS[number % len(DEPARTMENTS)]]
            tasks.append(_department(client, stats, until))
        for number in range(share["isb"]):
            tasks.append(_isb(isb, stats, until, hot, f"u{number}"))
        for _ in range(share["auditor"]):
            tasks.append(_auditor(clients["auditor"], stats, until, pack_job))
        started = time.perf_counter()
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
        lost = []
        for target, written in stats.written.items():
            final = (await isb.get(f"/api/v1/assets/{target}")).json().get("description") or ""
            lost += [t for t in written if t not in final]
    finally:
        for client in clients.values():
            await client.aclose()
    every = [ms for samples in stats.latency.values() for ms in samples]
    return {
        "users": users,
        "mix": share,
        "seconds": round(elapsed, 1),
        "requests": len(every),
        "throughput_rps": round(len(every) / elapsed, 1),
        "p50_ms": round(percentile(every, 0.5), 1),
        "p95_ms": round(percentile(every, 0.95), 1),
        "by_kind": {
            kind: {
                "n": len(samples),
                "p50_ms": round(percentile(samples, 0.5), 1),
                "p95_ms": round(percentile(samples, 0.95), 1),
            }
            for kind, samples in sorted(stats.latency.items())
        },
        "status": dict(sorted(stats.status.items())),
        "server_errors": stats.errors[:20],
        "edits_confirmed": sum(len(v) for v in stats.written.values()),
        "edits_refused_stale": stats.stale,
        "lost_updates": lost,
        "pack_downloaded": pack_job is not None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/isms"
    )
    args = parser.parse_args()
    database_url = _fresh_database(args.database_url)
    data_dir = Path(tempfile.mkdtemp(prefix="isms-load-"))
    env = _environment(database_url, data_dir)
    print("loading the demo ...", flush=True)
    demo = subprocess.run(
        [str(ISMS), "demo", "--password", PASSWORD], env=env, capture_output=True, text=True
    )
    if demo.returncode != 0:
        print(demo.stderr, file=sys.stderr)
        return 1
    port = _free_port()
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port), "--no-scheduler"]
    server = subprocess.Popen(
        [str(ISMS), *serve, "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        print(f"{args.users} users for {args.seconds:.0f} s against {args.workers} workers ...")
        figures = asyncio.run(_run(base, args.users, args.seconds))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    figures["workers"] = args.workers
    figures["database"] = "postgresql"
    print(json.dumps(figures, indent=1))
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "load-postgresql.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    ok = not figures["server_errors"] and not figures["lost_updates"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
