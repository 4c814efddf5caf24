"""Shared parts of the benchmarks: a database to measure on, timing, query counting, output."""

from __future__ import annotations

import json
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from isms.database import create_db_engine
from isms.migrations import upgrade
from isms.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"


def fresh_engine(database_url: str | None) -> Engine:
    """A migrated, empty database: SQLite in a temp dir, or a new PostgreSQL database."""
    if database_url:
        url = make_url(database_url)
        name = f"{url.database or 'isms'}_bench"
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        settings = Settings(
            data_dir=Path(tempfile.mkdtemp()),
            database_url=url.set(database=name).render_as_string(hide_password=False),
        )
    else:
        settings = Settings(data_dir=Path(tempfile.mkdtemp()))
    engine = create_db_engine(settings)
    upgrade(engine)
    return engine


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(func: Callable[[], Any], *, repeat: int) -> dict[str, float]:
    """p50/p95/max in milliseconds over repeat calls (after one warm-up)."""
    func()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(percentile(samples, 0.95), 2),
        "max_ms": round(max(samples), 2),
        "n": repeat,
    }


@contextmanager
def count_queries(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def write_results(name: str, engine: Engine, figures: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    payload = {
        "benchmark": name,
        "database": engine.dialect.name,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()} {platform.python_version()}",
        "figures": figures,
    }
    path = RESULTS / f"{name}-{engine.dialect.name}.json"
    path.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return path
