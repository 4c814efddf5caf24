"""Control catalogs at city scale: Kernel import, modelling, the check list.

    python -m benchmarks.bench_controls [--assets 2000] [--entries 200000] [--database-url ...]

Targets (issue 4): import of the 3.8 MB Kernel catalog < 5 s and a re-import changes nothing;
modelling 2,000 assets against the Kernel < 10 s; check list p95 < 30 ms with 200,000 check
entries (page of 50, filtered) with a fixed number of queries per page.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlmodel import Session, col

from benchmarks.common import count_queries, fresh_engine, timed, write_results
from controls.catalogs import service as catalogs
from controls.catalogs.models import Catalog, Control
from controls.check import modelling
from controls.check import service as check
from controls.check.models import CheckEntry, CheckStatus
from isms.database import session_scope
from isms.identity.models import Department
from isms.pagination import PageParams
from risk.assets.categories import import_vocabulary, list_categories
from risk.assets.models import Asset

SHARED = Path(__file__).resolve().parents[2] / "shared/catalogs/bsi-stand-der-technik"
KERNEL = SHARED / "BSI-Stand-der-Technik-Kernel-catalog.json"


def import_kernel(engine: Engine) -> dict[str, Any]:
    data = KERNEL.read_bytes()
    figures: dict[str, Any] = {"file_mb": round(len(data) / 1024 / 1024, 2)}
    for label in ("first", "again"):
        with session_scope(engine) as session:
            start = time.perf_counter()
            outcome = catalogs.import_document(session, data, source=KERNEL.name, actor="bench")
            figures[f"{label}_s"] = round(time.perf_counter() - start, 3)
            figures[f"{label}_created"] = outcome.created
    with Session(engine) as session:
        figures["catalogs"] = session.scalar(select(func.count()).select_from(Catalog))
        figures["controls"] = session.scalar(select(func.count()).select_from(Control))
    return figures


def populate(engine: Engine, count: int, *, start: int = 0, seed: int = 5) -> None:
    """count assets over the categories the Kernel targets, a third with high protection."""
    rng = random.Random(seed + start)
    with session_scope(engine) as session:
        if not session.scalar(select(func.count()).select_from(Department)):
            session.execute(
                insert(Department),
                [{"code": f"D{i}", "name": f"Abteilung {i}"} for i in range(20)],
            )
        if not list_categories(session):
            import_vocabulary(session, SHARED / "target_object_categories.csv")
        departments = list(session.scalars(select(col(Department.id))))
        categories = [c.id for c in list_categories(session) if c.id]
        session.execute(
            insert(Asset),
            [
                {
                    "short_id": f"B-{n:06d}",
                    "name": f"Objekt {n}",
                    "category_id": rng.choice(categories),
                    "department_id": departments[n % len(departments)],
                    "max_level": rng.choice((1, 1, 2, 3)),
                }
                for n in range(start, start + count)
            ],
        )


def model_all(engine: Engine) -> dict[str, Any]:
    with session_scope(engine) as session:
        start = time.perf_counter()
        result = modelling.model(session, actor="bench")
        seconds = time.perf_counter() - start
    with session_scope(engine) as session:
        again_start = time.perf_counter()
        again = modelling.model(session, actor="bench")
        again_seconds = time.perf_counter() - again_start
    return {
        "assets": result.assets,
        "entries_created": result.created,
        "seconds": round(seconds, 2),
        "again_seconds": round(again_seconds, 2),
        "again_created": again.created,
    }


def fill_statuses(engine: Engine) -> None:
    rng = random.Random(9)
    with session_scope(engine) as session:
        ids = list(session.scalars(select(col(CheckEntry.id))))
        table = CheckEntry.__table__  # type: ignore[attr-defined]
        for status in (CheckStatus.JA, CheckStatus.TEILWEISE, CheckStatus.NEIN):
            chosen = rng.sample(ids, len(ids) // 6)
            for begin in range(0, len(chosen), 5000):
                session.execute(
                    table.update()
                    .where(table.c.id.in_(chosen[begin : begin + 5000]))
                    .values(status=status.value)
                )


def check_list(engine: Engine, repeat: int = 200) -> dict[str, Any]:
    rng = random.Random(4)
    with Session(engine) as session:
        departments = [d for d in session.scalars(select(col(Department.id))) if d]
        practices = [p for p in session.scalars(select(col(Control.practice)).distinct()) if p]
        assets = list(session.scalars(select(col(Asset.id)).limit(500)))
        total = session.scalar(select(func.count()).select_from(CheckEntry)) or 0

        def by_department() -> None:
            flt = check.CheckFilter(
                department_id=rng.choice(departments),
                status=rng.choice(list(CheckStatus)),
            )
            check.list_entries(
                session,
                page=PageParams(limit=50, offset=rng.choice((0, 50, 100))),
                flt=flt,
                scope=None,
            )

        def by_practice_scoped() -> None:
            flt = check.CheckFilter(practice=rng.choice(practices))
            check.list_entries(
                session, page=PageParams(limit=50), flt=flt, scope={rng.choice(departments)}
            )

        def by_asset() -> None:
            check.list_entries(
                session,
                page=PageParams(limit=50),
                flt=check.CheckFilter(asset_id=rng.choice(assets)),
                scope=None,
            )

        figures: dict[str, Any] = {"entries": total}
        for name, func_ in (
            ("department_and_status", by_department),
            ("practice_for_a_department_user", by_practice_scoped),
            ("one_asset", by_asset),
        ):
            figures[name] = timed(func_, repeat=repeat)
        with count_queries(engine) as statements:
            by_department()
        figures["queries_per_page"] = len(statements)
        start = time.perf_counter()
        check.progress(session, by="department", scope=None)
        figures["progress_by_department_ms"] = round((time.perf_counter() - start) * 1000, 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assets", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    engine = fresh_engine(args.database_url)
    figures: dict[str, Any] = {"import": import_kernel(engine)}
    print(f"Kernel import: {figures['import']}")
    populate(engine, args.assets)
    figures["modelling"] = model_all(engine)
    print(f"modelling: {figures['modelling']}")
    # More objects until the check holds the wanted number of entries.
    per_asset = max(1, figures["modelling"]["entries_created"] // max(1, args.assets))
    added = args.assets
    while True:
        with Session(engine) as session:
            entries = session.scalar(select(func.count()).select_from(CheckEntry)) or 0
        if entries >= args.entries:
            break
        more = (args.entries - entries) // per_asset + 50
        populate(engine, more, start=added)
        added += more
        with session_scope(engine) as session:
            modelling.model(session, actor="bench")
    fill_statuses(engine)
    figures["check_list"] = check_list(engine)
    print(f"check list: {figures['check_list']}")
    print(f"results: {write_results('controls', engine, figures)}")


if __name__ == "__main__":
    main()
