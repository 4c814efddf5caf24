"""Reports and evidence packs at city scale, measured as the real command-line processes.

    python -m benchmarks.bench_reports [--entries 200000] [--files 5000] [--total-mb 1024]
                                       [--part a4|pack|all] [--database-url ...]

Targets (issue 7): A.4 for 200,000 check entries under 60 s with peak memory under 300 MB;
an evidence pack with 5,000 evidence files totalling 1 GB built with memory independent of the
total size, at a throughput close to copying the files.

Each figure comes from a child process (`isms report a4`, `isms pack build`) whose peak
resident memory is read from the kernel (wait4), so imports and the database driver count too.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlmodel import Session, col

from benchmarks.bench_controls import fill_statuses, import_kernel, model_all, populate
from benchmarks.common import fresh_engine, write_results
from controls.check import modelling
from controls.check.models import CheckEntry
from controls.evidence import storage
from controls.evidence.models import CheckEvidence, Evidence
from controls.evidence.service import root as evidence_root
from isms.database import session_scope
from reports.context import Scope
from reports.pack import Period, build_pack

ISMS = Path(sys.executable).with_name("isms")
TIME = "/usr/bin/time"


def run_measured(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run the command; its wall time and the peak resident memory of the process. The peak
    is taken by GNU time (Debian package `time`): a child forked from this process would count
    this process's memory (the loaded data) as its own before it executes the command."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as report:
        start = time.perf_counter()
        done = subprocess.run(
            [TIME, "-f", "%M", "-o", report.name, str(ISMS), *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
        peak_kb = int(report.read().split()[-1])
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    return {"seconds": round(seconds, 2), "peak_mb": round(peak_kb / 1024, 1), "out": done.stdout}


def environment(engine: Engine, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ISMS_DATA_DIR": str(data_dir),
        "ISMS_DATABASE_URL": engine.url.render_as_string(hide_password=False),
    }


def data_dir_of(engine: Engine) -> Path:
    if engine.dialect.name == "sqlite" and engine.url.database:
        return Path(engine.url.database).parent
    return Path(tempfile.mkdtemp(prefix="isms-bench-"))


def grow_check(engine: Engine, wanted: int, assets: int) -> int:
    """Objects modelled against the Kernel until the check holds the wanted entries, a third of
    them with an implementation note as long as a real one."""
    populate(engine, assets)
    per_asset = max(1, model_all(engine)["entries_created"] // max(1, assets))
    added = assets
    while True:
        with Session(engine) as session:
            entries = session.scalar(select(func.count()).select_from(CheckEntry)) or 0
        if entries >= wanted:
            break
        more = (wanted - entries) // per_asset + 20
        populate(engine, more, start=added)
        added += more
        with session_scope(engine) as session:
            modelling.model(session, actor="bench")
    fill_statuses(engine)
    table = CheckEntry.__table__  # type: ignore[attr-defined]
    with session_scope(engine) as session:
        session.execute(
            table.update()
            .where(table.c.id % 3 == 0)
            .values(
                implementation="Umgesetzt im Rahmen des Betriebshandbuchs der Leitstelle, "
                "geprüft bei der letzten Revision; Nachweise im Dokumentenmanagement.",
                responsible="Sachgebiet IT-Betrieb",
                target_date=date.today() + timedelta(days=90),
            )
        )
    return entries


def settle(engine: Engine) -> None:
    """What a running installation has after a bulk load: the write-ahead log folded into the
    database (SQLite) or the tables vacuumed and analysed (PostgreSQL)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            connection.exec_driver_sql("VACUUM ANALYZE")


def bench_a4(engine: Engine, entries: int, assets: int) -> dict[str, Any]:
    data_dir = data_dir_of(engine)
    total = grow_check(engine, entries, assets)
    out = data_dir / "a4.pdf"
    first = run_measured(["report", "a4", "--out", str(out)], environment(engine, data_dir))
    print(f"A.4 right after loading: {first['seconds']} s, {first['peak_mb']} MB", flush=True)
    settle(engine)
    measured = run_measured(["report", "a4", "--out", str(out)], environment(engine, data_dir))
    pages = subprocess.run(
        ["pdfinfo", str(out)], capture_output=True, text=True, check=False
    ).stdout
    page_count = next(
        (int(line.split()[-1]) for line in pages.splitlines() if line.startswith("Pages:")), 0
    )
    return {
        "entries": total,
        "seconds": measured["seconds"],
        "peak_mb": measured["peak_mb"],
        "pages": page_count,
        "pdf_mb": round(out.stat().st_size / 1024 / 1024, 1),
    }


def evidence_files(engine: Engine, data_dir: Path, files: int, total_mb: int) -> int:
    """files evidence files of random content (sizes vary around the mean, so the total is as
    asked), stored like uploads and each linked to a check entry of the one modelled object."""
    rng = random.Random(11)
    mean = total_mb * 1024 * 1024 // files
    sizes = [max(1024, int(mean * rng.uniform(0.2, 1.8))) for _ in range(files)]
    scale = total_mb * 1024 * 1024 / sum(sizes)
    sizes = [int(s * scale) for s in sizes]
    root = evidence_root(data_dir)
    with session_scope(engine) as session:
        entry_ids = list(session.scalars(select(col(CheckEntry.id)).order_by(col(CheckEntry.id))))
        rows, links = [], []
        for number, size in enumerate(sizes):
            body = b"%PDF-1.4\n" + rng.randbytes(size - 9)
            stored = storage.store(root, io.BytesIO(body), name=f"nachweis-{number:05d}.pdf")
            rows.append(
                {
                    "sha256": stored.sha256,
                    "size": stored.size,
                    "media_type": stored.media_type,
                    "original_name": stored.original_name,
                    "title": f"Nachweis {number}",
                    "valid_until": date.today() + timedelta(days=365),
                }
            )
        session.execute(insert(Evidence), rows)
        ids = list(session.scalars(select(col(Evidence.id)).order_by(col(Evidence.id))))
        for number, evidence_id in enumerate(ids):
            links.append(
                {"check_entry_id": entry_ids[number % len(entry_ids)], "evidence_id": evidence_id}
            )
        session.execute(insert(CheckEvidence), links)
    return sum(sizes)


def copy_baseline(data_dir: Path, target: Path) -> float:
    """Seconds to copy every stored evidence file once (the throughput a pack is compared to)."""
    target.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for number, path in enumerate(
        sorted(p for p in evidence_root(data_dir).rglob("*") if p.is_file())
    ):
        shutil.copyfile(path, target / str(number))
    seconds = time.perf_counter() - start
    shutil.rmtree(target)
    return seconds


def evidence_phase(engine: Engine, data_dir: Path, out: Path) -> float:
    """Seconds the same pack spends on its evidence files (from the first file to the audit
    extract), built in this process with a progress callback: the part to compare with a copy;
    the rest (the PDFs of the reports) does not grow with the evidence."""
    marks: dict[str, float] = {}

    def progress(step: str, done: int, total: int) -> None:
        if step == "evidence":
            marks.setdefault("first", time.perf_counter())
            marks["last"] = time.perf_counter()

    with session_scope(engine, write=False) as session:
        start = time.perf_counter()
        build_pack(
            session,
            data_dir=data_dir,
            out=out,
            scope=Scope(),
            period=Period(),
            progress=progress,
        )
    out.unlink()
    return marks.get("last", start) - marks.get("first", start)


def bench_pack(database_url: str | None, files: int, total_mb: int) -> dict[str, Any]:
    """The same pack at a tenth of the size and at full size: the peak memory must not follow."""
    figures: dict[str, Any] = {}
    for label, count, mb in (("tenth", files // 10, total_mb // 10), ("full", files, total_mb)):
        engine = fresh_engine(database_url)
        data_dir = data_dir_of(engine)
        import_kernel(engine)
        populate(engine, 3)
        model_all(engine)
        total = evidence_files(engine, data_dir, count, mb)
        env = environment(engine, data_dir)
        out = data_dir / "pack.zip"
        os.sync()
        copy_seconds = copy_baseline(data_dir, data_dir / "copy")
        measured = run_measured(["pack", "build", "--out", str(out)], env)
        verify = run_measured(["pack", "verify", str(out)], env)
        evidence_seconds = evidence_phase(engine, data_dir, data_dir / "again.zip")
        mb_total = total / 1024 / 1024
        figures[label] = {
            "files": count,
            "evidence_mb": round(mb_total, 1),
            "pack_mb": round(out.stat().st_size / 1024 / 1024, 1),
            "build_s": measured["seconds"],
            "build_peak_mb": measured["peak_mb"],
            "build_mb_per_s": round(mb_total / measured["seconds"], 1),
            "evidence_phase_s": round(evidence_seconds, 2),
            "evidence_phase_mb_per_s": round(mb_total / evidence_seconds, 1),
            "copy_s": round(copy_seconds, 2),
            "copy_mb_per_s": round(mb_total / copy_seconds, 1),
            "verify_s": verify["seconds"],
            "verify_peak_mb": verify["peak_mb"],
        }
        print(f"pack {label}: {figures[label]}", flush=True)
        shutil.rmtree(evidence_root(data_dir), ignore_errors=True)
        out.unlink(missing_ok=True)
        engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--assets", type=int, default=2000)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--total-mb", type=int, default=1024)
    parser.add_argument("--part", choices=("a4", "pack", "all"), default="all")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    figures: dict[str, Any] = {}
    engine = fresh_engine(args.database_url)
    if args.part in ("a4", "all"):
        import_kernel(engine)
        figures["a4"] = bench_a4(engine, args.entries, args.assets)
        print(f"A.4: {figures['a4']}", flush=True)
    if args.part in ("pack", "all"):
        figures["pack"] = bench_pack(args.database_url, args.files, args.total_mb)
    print(f"results: {write_results(f'reports-{args.part}', engine, figures)}")


if __name__ == "__main__":
    main()
