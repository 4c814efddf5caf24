"""The city-scale benchmark: the main endpoints and operations on a whole city's register, each
against the database's own floor for the same work.

    python -m benchmarks.bench_city [--scale 1] [--repeat 50] [--http/--no-http]
                                    [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/isms]

The dataset is `benchmarks.city` (scale 1: 2,000 objects, 8,000 dependencies, the Kernel
modelled, 20,000 risks, 500 processing activities, 10,000 review tasks, 2,000 evidence files;
--scale 10 the 10x variant). Measured:

- the main list and detail endpoints of the API, p50/p95, in-process (ASGI, no network) and
  over HTTP (`isms serve`, one worker, keep-alive), as the ISB and as a department user;
- protection requirement recalculation, modelling, review task generation, the A.4 report
  and an evidence pack, as service calls;
- for each, in the same run, its floor: the SQL statements it sent (captured with their
  parameters, COPY data included) replayed on a raw driver connection, rows fetched, in one
  transaction rolled back. The ratio time / floor says how close the request is to the
  database's own cost; the rest is Python (ORM, validation, JSON, PDF, HTTP, ...). For the pack
  the floor adds copying its evidence files once.

Figures go to `benchmarks/results/city-<scale>-<database>.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text, update

from benchmarks.bench_load import _free_port
from benchmarks.bench_reports import copy_baseline
from benchmarks.city import City, build, sample_ids
from benchmarks.common import RESULTS, timed
from controls.check import modelling
from isms.app import create_app
from isms.audit.service import Actor, set_actor
from isms.database import session_scope
from reports import context, pdf
from reports.pack import Period, build_pack
from reviews import generation
from reviews.models import ReviewPolicy
from risk.assets import graph

ISMS = Path(sys.executable).with_name("isms")
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass
class Statement:
    sql: str
    parameters: Any
    many: bool = False
    copy_rows: list[list[Any]] | None = None  # a COPY ... FROM STDIN and the rows it sent


class _CopyRecorder:
    """Stands in for psycopg's Copy: passes the rows on and keeps them for the replay."""

    def __init__(self, copy: Any, rows: list[list[Any]]) -> None:
        self._copy = copy
        self._rows = rows

    def write_row(self, row: Any) -> None:
        self._rows.append(list(row))
        self._copy.write_row(row)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._copy, name)


@contextmanager
def capture(engine: Engine) -> Iterator[list[Statement]]:
    """Every statement engine sends meanwhile, with its parameters (and COPY rows)."""
    statements: list[Statement] = []

    def before(conn: Any, cursor: Any, sql: str, parameters: Any, ctx: Any, many: bool) -> None:
        if not sql.lstrip().upper().startswith(TRANSACTION_CONTROL):
            statements.append(Statement(sql, parameters, many))

    event.listen(engine, "before_cursor_execute", before)
    restore = _record_copies(statements) if engine.dialect.name == "postgresql" else None
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
        if restore:
            restore()


def _record_copies(statements: list[Statement]) -> Callable[[], None]:
    import psycopg

    original = psycopg.Cursor.copy

    @contextmanager
    def copy(self: Any, sql: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        rows: list[list[Any]] = []
        statements.append(Statement(str(sql), None, copy_rows=rows))
        with original(self, sql, *args, **kwargs) as real:
            yield _CopyRecorder(real, rows)

    psycopg.Cursor.copy = copy  # type: ignore[method-assign,assignment]

    def restore() -> None:
        psycopg.Cursor.copy = original  # type: ignore[method-assign]

    return restore


def replay(engine: Engine, statements: list[Statement]) -> float:
    """Seconds to run the statements on a raw driver connection, fetching every row, in one
    transaction that is rolled back (writes included, nothing stays)."""
    raw = engine.raw_connection()
    sqlite = engine.dialect.name == "sqlite"
    try:
        cursor = raw.cursor()
        if sqlite:  # the pool's SQLite connections are in autocommit mode
            cursor.execute("BEGIN")
        start = time.perf_counter()
        for statement in statements:
            if statement.copy_rows is not None:
                with cursor.copy(statement.sql) as copy:
                    for row in statement.copy_rows:
                        copy.write_row(row)
                continue
            if statement.many:
                cursor.executemany(statement.sql, statement.parameters)
            else:
                cursor.execute(statement.sql, statement.parameters)
            if cursor.description:
                cursor.fetchall()
        elapsed = time.perf_counter() - start
        if sqlite:
            cursor.execute("ROLLBACK")
        else:
            raw.rollback()
        cursor.close()
    finally:
        raw.close()
    return elapsed


def floor_of(engine: Engine, statements: list[Statement], repeat: int) -> dict[str, float]:
    return timed(lambda: replay(engine, statements), repeat=repeat)


def _ratio(ours: dict[str, float], floor: dict[str, float]) -> float | None:
    return round(ours["p50_ms"] / floor["p50_ms"], 1) if floor["p50_ms"] else None


# --- endpoints ------------------------------------------------------------------------------


def endpoints(ids: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, user, path) of the main list and detail requests."""
    department = ids["department"]
    assets, check, risks = "/api/v1/assets", "/api/v1/check-entries", "/api/v1/risks"
    activities, reviews = "/api/v1/processing-activities", "/api/v1/reviews"
    page = "limit=50"
    return [
        ("Objekte: Liste", "isb", f"{assets}?{page}"),
        (
            "Objekte: Liste, Fachbereich und Schutzbedarf ab hoch",
            "isb",
            f"{assets}?{page}&department_id={department}&min_level=hoch",
        ),
        ("Objekte: Detail", "isb", f"{assets}/{ids['asset']}"),
        ("Grundschutz-Check: Liste, Status nein", "isb", f"{check}?{page}&status=nein"),
        ("Grundschutz-Check: Liste eines Fachbereichs", "fachbereich", f"{check}?{page}"),
        ("Grundschutz-Check: Eintrag", "isb", f"{check}/{ids['check_entry']}"),
        ("Grundschutz-Check: Stand je Fachbereich", "isb", "/api/v1/check-progress?by=department"),
        ("Risiken: Liste", "isb", f"{risks}?{page}"),
        ("Risiken: Liste, offen, Kategorie hoch", "isb", f"{risks}?{page}&open=true&category=hoch"),
        ("Risiken: Detail", "isb", f"{risks}/{ids['risk']}"),
        ("Risiken: Heatmap", "isb", "/api/v1/risk-heatmap"),
        ("Realisierungsplan", "isb", f"/api/v1/implementation-plan?{page}"),
        (
            "Realisierungsplan eines Fachbereichs",
            "fachbereich",
            f"/api/v1/implementation-plan?{page}",
        ),
        ("Verarbeitungen: Liste", "dpo", f"{activities}?{page}"),
        ("Verarbeitungen: Detail", "dpo", f"{activities}/{ids['activity']}"),
        ("Verarbeitungen: TOM", "dpo", f"{activities}/{ids['activity']}/toms"),
        ("Prüfaufgaben: offene (ISB)", "isb", f"{reviews}?{page}&open=true"),
        ("Prüfaufgaben: Eingang eines Fachbereichs", "fachbereich", f"{reviews}?{page}&open=true"),
        ("Prüfaufgaben: Detail", "isb", f"{reviews}/{ids['task']}"),
        ("Nachweise: Liste", "auditor", f"/api/v1/evidence?{page}"),
        ("Nachweise: Detail", "auditor", f"/api/v1/evidence/{ids['evidence']}"),
        ("Audit-Trail: Liste", "auditor", f"/api/v1/audit-events?{page}"),
    ]


def _tokens(call: Callable[..., httpx.Response], password: str) -> dict[str, dict[str, str]]:
    headers = {}
    for name in ("isb", "auditor", "dpo", "fachbereich"):
        response = call("POST", "/api/v1/auth/token", data={"username": name, "password": password})
        response.raise_for_status()
        headers[name] = {"Authorization": f"Bearer {response.json()['access_token']}"}
    return headers


def measure_endpoints(city: City, repeat: int, http: bool) -> list[dict[str, Any]]:
    engine = city.engine
    app = create_app(city.settings, engine=engine, run_scheduler=False)
    ids = sample_ids(engine)
    rows: list[dict[str, Any]] = []
    server = _serve(city) if http else None
    try:
        with TestClient(app) as client:
            tokens = _tokens(client.request, city.password)
            remote = httpx.Client(base_url=server[1], timeout=60) if server else None
            remote_tokens = _tokens(remote.request, city.password) if remote else {}
            for label, user, path in endpoints(ids):

                def local(user: str = user, path: str = path) -> None:
                    response = client.get(path, headers=tokens[user])
                    assert response.status_code == 200, (path, response.text[:300])

                local()
                with capture(engine) as statements:
                    local()
                row: dict[str, Any] = {
                    "label": label,
                    "user": user,
                    "path": path,
                    "queries": len(statements),
                    "in_process": timed(local, repeat=repeat),
                    "floor": floor_of(engine, statements, repeat),
                }
                row["ratio_in_process"] = _ratio(row["in_process"], row["floor"])
                if remote:

                    def over_http(user: str = user, path: str = path) -> None:
                        response = remote.get(path, headers=remote_tokens[user])
                        assert response.status_code == 200, (path, response.text[:300])

                    row["http"] = timed(over_http, repeat=repeat)
                    row["ratio_http"] = _ratio(row["http"], row["floor"])
                print(_line(row), flush=True)
                rows.append(row)
            if remote:
                remote.close()
    finally:
        if server:
            server[0].terminate()
            server[0].wait(timeout=30)
    return rows


def _serve(city: City) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISMS_")}
    env.update(
        ISMS_DATA_DIR=str(city.settings.data_dir),
        ISMS_SECRET_KEY=secrets.token_urlsafe(48),
        ISMS_LOG_LEVEL="WARNING",
        ISMS_SCHEDULER_ENABLED="false",
    )
    if city.settings.database_url:
        env["ISMS_DATABASE_URL"] = city.settings.database_url
    process = subprocess.Popen(
        [str(ISMS), "serve", "--port", str(port), "--no-scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit("isms serve did not become ready")


def _line(row: dict[str, Any]) -> str:
    http = f", http p50 {row['http']['p50_ms']} ms (x{row['ratio_http']})" if "http" in row else ""
    return (
        f"{row['label']}: p50 {row['in_process']['p50_ms']} / p95 {row['in_process']['p95_ms']} "
        f"ms, floor {row['floor']['p50_ms']} ms (x{row['ratio_in_process']}, "
        f"{row['queries']} queries){http}"
    )


# --- operations -----------------------------------------------------------------------------


def _once(engine: Engine, work: Callable[[Any], Any]) -> tuple[float, list[Statement], Any]:
    """Seconds of work(session), its statements and what it returned; rolled back."""
    with capture(engine) as statements, session_scope(engine) as session:
        set_actor(session, Actor(None, "bench"))
        start = time.perf_counter()
        outcome = work(session)
        session.flush()
        seconds = time.perf_counter() - start
        session.rollback()
    return seconds, statements, outcome


def measure_operation(
    engine: Engine, label: str, work: Callable[[Any], Any], *, repeat: int, extra_floor: float = 0.0
) -> dict[str, Any]:
    """work, repeat times (each rolled back, so each does the full work), against its floor."""
    samples: list[float] = []
    statements: list[Statement] = []
    outcome: Any = None
    for _ in range(repeat):
        seconds, statements, outcome = _once(engine, work)
        samples.append(seconds)
    floors = [replay(engine, statements) + extra_floor for _ in range(repeat)]
    ours, floor = sorted(samples)[len(samples) // 2], sorted(floors)[len(floors) // 2]
    row = {
        "label": label,
        "ms": round(ours * 1000, 2),
        "floor_ms": round(floor * 1000, 2),
        "ratio": round(ours / floor, 1) if floor else None,
        "queries": len(statements),
        "n": repeat,
        "result": outcome if isinstance(outcome, int) else None,
    }
    print(
        f"{label}: {row['ms']} ms, floor {row['floor_ms']} ms (x{row['ratio']}, "
        f"{row['queries']} statements, result {row['result']})",
        flush=True,
    )
    return row


def measure_operations(city: City, repeat: int, *, reports: bool = True) -> list[dict[str, Any]]:
    """The heavy operations against their floors; reports=False leaves out the A.4 report and
    the pack (at 10x they take the better part of an hour)."""
    engine = city.engine
    data_dir = city.settings.data_dir
    rows = []
    operations: list[tuple[str, Callable[[Any], Any], int]] = [
        ("Schutzbedarf: Neuberechnung aller Objekte", graph.recalculate, repeat),
        ("Modellierung aller Objekte, nichts zu tun", _model_again, repeat),
        ("Modellierung aller Objekte von Grund auf", _remodel, max(1, repeat // 3)),
        ("Prüfaufgaben erzeugen (ein Lauf des Planers)", _generate, repeat),
    ]
    if reports:
        operations.append(
            ("Bericht A.4, ganzer Informationsverbund", lambda s: _a4(s, data_dir), 1)
        )
    for label, work, times in operations:
        rows.append(measure_operation(engine, label, work, repeat=times))
    if not reports:
        return rows
    copy_s = copy_baseline(data_dir, data_dir / "copy-floor")
    rows.append(
        measure_operation(
            engine,
            "Nachweispaket, ganzer Informationsverbund",
            lambda s: _pack(s, data_dir),
            repeat=1,
            extra_floor=copy_s,
        )
    )
    return rows


NEXT_YEAR = date(2027, 12, 15)  # a year after the dataset's reviews: every periodic one is due


def _model_again(session: Any) -> int:
    return modelling.model(session, actor="bench").created


def _remodel(session: Any) -> int:
    """Modelling from scratch: the check emptied, every entry created again."""
    session.execute(text("DELETE FROM check_evidence"))
    session.execute(text("DELETE FROM check_entry"))
    return modelling.model(session, actor="bench").created


def _generate(session: Any) -> int:
    """The scheduler's run a year on, every default policy active."""
    session.execute(update(ReviewPolicy).values(active=True))
    runs = generation.generate(session, today=NEXT_YEAR, commit_each=False)
    return sum(run.created for run in runs)


def _a4(session: Any, data_dir: Path) -> int:
    document = context.build_a4(session, context.Scope(), "de")
    pdf.render(document, data_dir / "a4.pdf", wide=True)
    return (data_dir / "a4.pdf").stat().st_size


def _pack(session: Any, data_dir: Path) -> None:
    out = data_dir / "pack.zip"
    build_pack(session, data_dir=data_dir, out=out, scope=context.Scope(), period=Period())
    out.unlink()


def table(paths: list[Path]) -> str:
    """The figures of several runs (e.g. SQLite and PostgreSQL) as one Markdown table each for
    the endpoints and the operations, runs side by side."""
    runs = [json.loads(path.read_text(encoding="utf-8")) for path in paths]
    heads = [f"{r['database']} {r['figures']['scale']:g}x" for r in runs]
    lines = [
        "| Request (user) | "
        + " | ".join(f"{h}: p50 / p95 in-process, HTTP p50 (ms); ratio to floor" for h in heads)
        + " |",
        "|---|" + "---|" * len(runs),
    ]
    for first in runs[0]["figures"]["endpoints"]:
        cells = []
        for run in runs:
            row = _by_label(run, "endpoints", first["label"])
            if row is None:
                cells.append("–")
                continue
            http = f", {row['http']['p50_ms']:g}" if "http" in row else ""
            ratio = f"x{row['ratio_in_process']:g}"
            if "ratio_http" in row:
                ratio += f" / x{row['ratio_http']:g}"
            cells.append(
                f"{row['in_process']['p50_ms']:g} / {row['in_process']['p95_ms']:g}{http}; "
                f"floor {row['floor']['p50_ms']:g}, {ratio} ({row['queries']} q)"
            )
        lines.append(f"| {first['label']} ({first['user']}) | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| Operation | " + " | ".join(f"{h}: time; floor; ratio" for h in heads) + " |",
        "|---|" + "---|" * len(runs),
    ]
    for first in runs[0]["figures"]["operations"]:
        cells = []
        for run in runs:
            row = _by_label(run, "operations", first["label"])
            if row is None:
                cells.append("not run")
                continue
            result = f", result {row['result']:,}" if row.get("result") is not None else ""
            cells.append(
                f"{_seconds(row['ms'])}; {_seconds(row['floor_ms'])}; x{row['ratio']:g} "
                f"(n={row['n']}, {row['queries']} statements{result})"
            )
        lines.append(f"| {first['label']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _by_label(run: dict[str, Any], part: str, label: str) -> dict[str, Any] | None:
    return next((row for row in run["figures"][part] if row["label"] == label), None)


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:g} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--table", nargs="+", type=Path, help="print the table of result files")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=50, help="calls per endpoint")
    parser.add_argument("--operation-repeat", type=int, default=3)
    parser.add_argument(
        "--reports", action=argparse.BooleanOptionalAction, default=True, help="A.4 and pack"
    )
    parser.add_argument("--http", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    if args.table:
        print(table(args.table))
        return
    print(f"building the city at scale {args.scale} ...", flush=True)
    city = build(args.database_url, scale=args.scale)
    print(f"  rows: {city.counts}", flush=True)
    figures: dict[str, Any] = {
        "scale": args.scale,
        "counts": city.counts,
        "build_s": city.build_s,
        "endpoints": measure_endpoints(city, args.repeat, args.http),
        "operations": measure_operations(city, args.operation_repeat, reports=args.reports),
    }
    path = write(city, figures)
    print(f"figures: {path}")
    if not args.keep:
        shutil.rmtree(city.settings.data_dir, ignore_errors=True)
    city.engine.dispose()


def write(city: City, figures: dict[str, Any], directory: Path = RESULTS) -> Path:
    directory.mkdir(exist_ok=True)
    payload = {
        "benchmark": "city",
        "database": city.engine.dialect.name,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()} {platform.python_version()}",
        "command": " ".join(["python -m benchmarks.bench_city", *sys.argv[1:]]),
        "figures": figures,
    }
    scale = f"{figures['scale']:g}"
    path = directory / f"city-{scale}x-{city.engine.dialect.name}.json"
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


if __name__ == "__main__":
    main()
