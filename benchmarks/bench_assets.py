"""Structure analysis at city scale: protection-requirement recalculation and the asset list.

    python -m benchmarks.bench_assets [--sizes 2500,5000,10000] [--database-url postgresql+psycopg://...]

Targets (issue 3): full recalculation of 10,000 assets / 40,000 dependencies < 1 s, growing
linearly; incremental recalculation after one change < 50 ms; asset list p95 < 30 ms at 10,000
assets (page of 50, filtered) with a fixed number of queries per page.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlmodel import Session, col

from benchmarks.common import count_queries, fresh_engine, timed, write_results
from isms.database import session_scope
from isms.identity.models import Department
from isms.pagination import PageParams
from risk.assets import graph, service
from risk.assets.levels import Level
from risk.assets.models import Asset, AssetCategory, AssetDependency
from risk.assets.schemas import ProtectionInput, ProtectionUpdate

LAYERS = (0.10, 0.20, 0.25, 0.30, 0.15)  # processes, information, applications, systems, rooms


def populate(engine: Engine, size: int, *, seed: int = 7) -> list[int]:
    """size assets in five layers and 4 x size dependencies pointing to deeper layers."""
    rng = random.Random(seed)
    with session_scope(engine) as session:
        session.execute(
            insert(Department), [{"code": f"D{i}", "name": f"Abteilung {i}"} for i in range(20)]
        )
        session.execute(
            insert(AssetCategory),
            [{"uuid": f"bench-{i}", "name": f"Kategorie {i}"} for i in range(5)],
        )
        departments = list(session.scalars(select(col(Department.id))))
        categories = list(session.scalars(select(col(AssetCategory.id))))
        bounds, start = [], 0
        for share in LAYERS:
            bounds.append((start, start + int(size * share)))
            start += int(size * share)
        rows = []
        for layer, (low, high) in enumerate(bounds):
            for n in range(low, high):
                own = layer <= 1
                rows.append(
                    {
                        "short_id": f"B-{n:06d}",
                        "name": f"Objekt {n}",
                        "category_id": categories[layer],
                        "department_id": departments[n % len(departments)],
                        **{f"{p}_assessed": rng.choice((1, 2, 3)) if own else None for p in "cia"},
                    }
                )
        session.execute(insert(Asset), rows)
        ids = [i for i in session.scalars(select(col(Asset.id)).order_by(col(Asset.id))) if i]
        layer_ids = [ids[low:high] for low, high in bounds]
        edges: set[tuple[int, int]] = set()
        while len(edges) < 4 * len(ids):
            layer = rng.randrange(len(layer_ids) - 1)
            deeper = rng.randrange(layer + 1, min(layer + 3, len(layer_ids)))
            edges.add((rng.choice(layer_ids[layer]), rng.choice(layer_ids[deeper])))
        session.execute(
            insert(AssetDependency), [{"dependent_id": a, "dependency_id": b} for a, b in edges]
        )
    return ids


def full_recalculation(engine: Engine, repeat: int = 5) -> dict[str, Any]:
    """The first run writes every computed value; the steady runs (median of repeat) find none
    to change and show the cost of reading and computing alone."""
    with session_scope(engine) as session:
        start = time.perf_counter()
        changed = graph.recalculate(session)
        first = (time.perf_counter() - start) * 1000
    steady = []
    for _ in range(repeat):
        with session_scope(engine) as session:
            start = time.perf_counter()
            graph.recalculate(session)
            steady.append((time.perf_counter() - start) * 1000)
    return {
        "first_ms": round(first, 1),
        "first_changed": changed,
        "steady_ms": round(statistics.median(steady), 1),
    }


def incremental(engine: Engine, ids: list[int], repeat: int = 50) -> dict[str, Any]:
    rng = random.Random(11)
    processes = ids[: len(ids) // 10]
    samples = []
    for _ in range(repeat):
        target = rng.choice(processes)
        level = rng.choice(["normal", "hoch", "sehr hoch"])
        with session_scope(engine) as session:
            asset = session.get(Asset, target)
            assert asset is not None
            start = time.perf_counter()
            service.assess(
                session,
                asset=asset,
                data=ProtectionUpdate(
                    availability=ProtectionInput(level=level, justification="Benchmark")
                ),
            )
            session.flush()
            samples.append((time.perf_counter() - start) * 1000)
    recalc = []
    for _ in range(repeat):
        target = rng.choice(processes)
        with session_scope(engine) as session:
            session.execute(
                update(Asset)
                .where(col(Asset.id) == target)
                .values(a_assessed=rng.choice((1, 2, 3)))
            )
            start = time.perf_counter()
            graph.recalculate(session, start=[target])
            recalc.append((time.perf_counter() - start) * 1000)
    below = []
    with Session(engine) as session:
        for target in processes[:50]:
            below.append(len(graph.descendant_ids(session, [target])))
    return {
        "assess_call": _stats(samples),
        "recalculation_only": _stats(recalc),
        "objects_below_a_process_median": sorted(below)[len(below) // 2],
    }


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(ordered[len(ordered) // 2], 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "max_ms": round(ordered[-1], 2),
        "n": len(ordered),
    }


def asset_list(engine: Engine, repeat: int = 200) -> dict[str, Any]:
    rng = random.Random(3)
    with Session(engine) as session:
        departments = list(session.scalars(select(col(Department.id))))

        def one_page() -> None:
            flt = service.AssetFilter(department_id=rng.choice(departments), min_level=Level.HOCH)
            service.list_(
                session,
                page=PageParams(limit=50, offset=rng.choice((0, 50, 100))),
                flt=flt,
                scope=None,
            )

        figures: dict[str, Any] = timed(one_page, repeat=repeat)
        with count_queries(engine) as statements:
            one_page()
        figures["queries_per_page"] = len(statements)
        unfiltered = timed(
            lambda: service.list_(
                session, page=PageParams(limit=50, offset=0), flt=service.AssetFilter(), scope=None
            ),
            repeat=repeat,
        )
        figures["unfiltered_p95_ms"] = unfiltered["p95_ms"]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="2500,5000,10000")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    figures: dict[str, Any] = {"sizes": {}}
    engine = None
    for size in sizes:
        engine = fresh_engine(args.database_url)
        ids = populate(engine, size)
        result = full_recalculation(engine)
        result["per_asset_us"] = round(result["steady_ms"] * 1000 / size, 1)
        figures["sizes"][str(size)] = result
        print(
            f"{size:>6} assets, {4 * size:>6} dependencies: full recalculation "
            f"{result['first_ms']} ms (writing {result['first_changed']}), "
            f"again {result['steady_ms']} ms"
        )
        if size == sizes[-1]:
            figures["incremental"] = incremental(engine, ids)
            figures["list"] = asset_list(engine)
            print(f"incremental after one change: {figures['incremental']}")
            print(f"asset list (page of 50, filtered): {figures['list']}")
        if size != sizes[-1]:
            engine.dispose()
    assert engine is not None
    print(f"results: {write_results('assets', engine, figures)}")


if __name__ == "__main__":
    main()
