"""Risk register at city scale: the risk list and the heat map.

    python -m benchmarks.bench_risks [--risks 50000] [--assets 2000] [--database-url ...]

Targets (risk analysis): risk list p95 < 30 ms with 50,000 risks over 2,000 assets and 10
departments (page of 50: default order, filtered, scoped to a department user, sorted, a deep
page) with a fixed number of queries per page; heat map of the open risks p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, text
from sqlmodel import Session, col

from benchmarks.common import count_queries, fresh_engine, timed, write_results
from isms.database import bulk_insert, session_scope
from isms.identity.models import Department
from isms.pagination import PageParams
from risk.analysis import service
from risk.analysis.matrix import MatrixSpec
from risk.analysis.models import Risk, RiskStatus, Threat, Treatment
from risk.analysis.service import RiskFilter
from risk.analysis.threats import import_threats
from risk.assets.models import Asset, AssetCategory

SHARED = Path(__file__).resolve().parents[2] / "shared/catalogs/bsi-stand-der-technik"
THREATS = SHARED / "basethreats.csv"
DEPARTMENTS = 10
# Shares of a register some years in: most risks open or being treated, some accepted or closed.
STATUSES = {
    RiskStatus.OPEN: 40,
    RiskStatus.IN_TREATMENT: 30,
    RiskStatus.ACCEPTED: 15,
    RiskStatus.CLOSED: 15,
}
TREATMENTS = {Treatment.REDUCE: 70, Treatment.TRANSFER: 20, Treatment.AVOID: 10}
FREQUENCY_WEIGHTS = (35, 35, 20, 10)  # selten ... sehr häufig
IMPACT_WEIGHTS = (15, 35, 35, 15)  # vernachlässigbar ... existenzbedrohend

PageRequest = tuple[PageParams, RiskFilter, set[int] | None]


def populate(engine: Engine, assets: int, *, seed: int = 5) -> dict[str, Any]:
    """Departments, assets, the BSI's elementary threats and the matrix for new risks."""
    rng = random.Random(seed)
    with session_scope(engine) as session:
        session.execute(
            insert(Department),
            [{"code": f"D{i}", "name": f"Abteilung {i}"} for i in range(DEPARTMENTS)],
        )
        session.execute(
            insert(AssetCategory),
            [{"uuid": f"bench-{i}", "name": f"Kategorie {i}"} for i in range(5)],
        )
        departments = list(session.scalars(select(col(Department.id))))
        categories = list(session.scalars(select(col(AssetCategory.id))))
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
                for n in range(assets)
            ],
        )
        threats = import_threats(session, THREATS.read_bytes())
        service.matrix_for_new_risks(session)
    return {"departments": len(departments), "assets": assets, "threats": threats}


def _residual(
    rng: random.Random, spec: MatrixSpec, frequency: str, impact: str
) -> tuple[str, str, str]:
    """A rating after treatment at or below the one before."""
    f = max(0, spec.frequencies.index(frequency) - rng.choice((0, 1, 1, 2)))
    i = max(0, spec.impacts.index(impact) - rng.choice((0, 0, 1)))
    category = spec.category(spec.frequencies[f], spec.impacts[i])
    if spec.rank(category) > spec.rank(spec.category(frequency, impact)):
        return frequency, impact, spec.category(frequency, impact)
    return spec.frequencies[f], spec.impacts[i], category


def risk_rows(session: Session, count: int, *, seed: int = 7) -> list[dict[str, Any]]:
    """count risks over all assets and threats, every column given (COPY and SQLite alike)."""
    rng = random.Random(seed)
    matrix = service.matrix_for_new_risks(session)
    spec = service.spec_of(matrix)
    assets = list(session.execute(select(col(Asset.id), col(Asset.department_id))))
    departments = [d for d in session.scalars(select(col(Department.id))) if d]
    threats = list(session.execute(select(col(Threat.id), col(Threat.ref))))
    statuses, status_weights = list(STATUSES), list(STATUSES.values())
    treatments, treatment_weights = list(TREATMENTS), list(TREATMENTS.values())
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.date()
    rows = []
    for n in range(1, count + 1):
        asset_id, asset_department = rng.choice(assets)
        threat_id, threat_ref = rng.choice(threats)
        frequency = rng.choices(spec.frequencies, FREQUENCY_WEIGHTS)[0]
        impact = rng.choices(spec.impacts, IMPACT_WEIGHTS)[0]
        category = spec.category(frequency, impact)
        status = rng.choices(statuses, status_weights)[0]
        treatment: Treatment | None = None
        residual: tuple[str | None, str | None, str | None] = (None, None, None)
        note = accepted_by = justification = kritis_note = closed_reason = ""
        expires: date | None = None
        accepted_at: datetime | None = None
        created_at = now - timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
        updated_at = created_at
        if status != RiskStatus.OPEN:
            updated_at = created_at + (now - created_at) * rng.random()
        if status == RiskStatus.IN_TREATMENT or (
            status == RiskStatus.CLOSED and rng.random() < 0.5
        ):
            treatment = rng.choices(treatments, treatment_weights)[0]
            if treatment != Treatment.REDUCE or rng.random() < 0.3:
                note = f"Maßnahmenbündel {n % 97} laut Realisierungsplan"
            if rng.random() < 0.5:
                residual = _residual(rng, spec, frequency, impact)
        elif status == RiskStatus.ACCEPTED:
            treatment = Treatment.ACCEPT
            residual = _residual(rng, spec, frequency, impact)
            accepted_by = "Bürgermeisterin"
            justification = "Restrisiko tragbar, Maßnahmen unverhältnismäßig teuer."
            accepted_at = updated_at
            # about one acceptance in ten has expired and is due for review
            expires = today + timedelta(days=rng.randrange(-120, 3 * 365))
            if rng.random() < 0.05:
                kritis_note = "NET.1.1.A1, OPS.1.1.2.A3"
        if status == RiskStatus.CLOSED:
            closed_reason = "Objekt außer Betrieb genommen"
        grundwerte = rng.choice(
            ((True, False, False), (False, True, False), (False, False, True), (True, True, True))
        )
        department = asset_department if rng.random() < 0.9 else rng.choice(departments)
        rows.append(
            {
                "ref": f"R-{n:06d}",
                "title": f"{threat_ref} bei Objekt {asset_id}",
                "scenario": f"Szenario {n}: {threat_ref} trifft Objekt {asset_id}.",
                "asset_id": asset_id,
                "threat_id": threat_id,
                "confidentiality": grundwerte[0],
                "integrity": grundwerte[1],
                "availability": grundwerte[2],
                "owner_department_id": department,
                "owner": f"Risikoverantwortliche D{department}",
                "matrix_id": matrix.id,
                "frequency": frequency,
                "impact": impact,
                "category": category,
                "category_rank": spec.rank(category),
                "residual_frequency": residual[0],
                "residual_impact": residual[1],
                "residual_category": residual[2],
                "status": status.value,
                "treatment": treatment.value if treatment else None,
                "treatment_note": note,
                "accepted_by": accepted_by,
                "acceptance_justification": justification,
                "acceptance_expires": expires,
                "accepted_at": accepted_at,
                "kritis_flag": bool(kritis_note),
                "kritis_note": kritis_note,
                "closed_reason": closed_reason,
                "created_by": "bench",
                "created_at": created_at,
                "updated_at": updated_at,
                "version": 1 if status == RiskStatus.OPEN else rng.randint(2, 4),
            }
        )
    return rows


def generate(engine: Engine, count: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    start = time.perf_counter()
    with session_scope(engine) as session:
        rows = risk_rows(session, count)
        figures["rows_s"] = round(time.perf_counter() - start, 2)
        insert_start = time.perf_counter()
        bulk_insert(session, Risk.__table__, rows)  # type: ignore[attr-defined]
    figures["insert_s"] = round(time.perf_counter() - insert_start, 2)
    figures["total_s"] = round(time.perf_counter() - start, 2)
    if engine.dialect.name == "postgresql":
        # Planner statistics, as autovacuum gathers them within a minute of the load.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    with Session(engine) as session:
        figures["risks"] = session.scalar(select(func.count()).select_from(Risk))
        figures["by_status"] = {
            str(s): n
            for s, n in session.execute(
                select(col(Risk.status), func.count()).group_by(col(Risk.status))
            )
        }
        figures["residual_rated"] = session.scalar(
            select(func.count()).where(col(Risk.residual_category).is_not(None))
        )
    return figures


def risk_list(engine: Engine, repeat: int = 100) -> dict[str, Any]:
    rng = random.Random(4)
    with Session(engine) as session:
        departments = [d for d in session.scalars(select(col(Department.id))) if d]
        total = session.scalar(select(func.count()).select_from(Risk)) or 0
        deep = range(total * 2 // 5, max(total * 2 // 5 + 1, total - 50), 50)  # 20,000 and on

        def first_pages() -> PageParams:
            return PageParams(limit=50, offset=rng.choice((0, 50, 100)))

        requests: dict[str, Callable[[], PageRequest]] = {
            "default_order": lambda: (first_pages(), RiskFilter(), None),
            "category_hoch": lambda: (first_pages(), RiskFilter(category="hoch"), None),
            "department_user": lambda: (first_pages(), RiskFilter(), {rng.choice(departments)}),
            "status": lambda: (
                first_pages(),
                RiskFilter(status=rng.choice(list(RiskStatus))),
                None,
            ),
            "sorted_by_updated_at_desc": lambda: (
                PageParams(limit=50, offset=rng.choice((0, 50, 100)), sort="-updated_at"),
                RiskFilter(),
                None,
            ),
            "deep_page": lambda: (
                PageParams(limit=50, offset=rng.choice(deep)),
                RiskFilter(),
                None,
            ),
        }

        def one_page(make: Callable[[], PageRequest]) -> None:
            page, flt, scope = make()
            service.list_risks(session, page=page, flt=flt, scope=scope)

        figures: dict[str, Any] = {"risks": total}
        for name, make in requests.items():
            figures[name] = timed(partial(one_page, make), repeat=repeat)
        with count_queries(engine) as statements:
            one_page(requests["department_user"])
        figures["queries_per_page"] = len(statements)
    return figures


def heat_map(engine: Engine, repeat: int = 100) -> dict[str, Any]:
    rng = random.Random(6)
    with Session(engine) as session:
        departments = [d for d in session.scalars(select(col(Department.id))) if d]

        def one_map(basis: str, scoped: bool) -> None:
            scope = {rng.choice(departments)} if scoped else None
            service.heatmap(session, scope=scope, basis=basis)

        figures: dict[str, Any] = {"open_risks": service.heatmap(session, scope=None).total}
        for basis in ("gross", "residual"):
            figures[basis] = timed(partial(one_map, basis, False), repeat=repeat)
            figures[f"department_user_{basis}"] = timed(
                partial(one_map, basis, True), repeat=repeat
            )
        with count_queries(engine) as statements:
            one_map("gross", False)
        figures["queries"] = len(statements)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--risks", type=int, default=50_000)
    parser.add_argument("--assets", type=int, default=2000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    engine = fresh_engine(args.database_url)
    figures: dict[str, Any] = {"setup": populate(engine, args.assets)}
    figures["generation"] = generate(engine, args.risks)
    print(f"setup: {figures['setup']}")
    print(f"generation: {figures['generation']}")
    figures["risk_list"] = risk_list(engine)
    print(f"risk list: {figures['risk_list']}")
    figures["heat_map"] = heat_map(engine)
    print(f"heat map: {figures['heat_map']}")
    print(f"results: {write_results('risks', engine, figures)}")


if __name__ == "__main__":
    main()
