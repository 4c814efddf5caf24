"""A city-scale dataset: the whole register of a city like Hannover, built for the benchmarks.

At scale 1 (the default): 2,000 objects in 20 departments with 8,000 dependencies between them,
protection requirements inherited down the dependencies, the Grundschutz++ Kernel (the BSI's
real OSCAL file) modelled onto them (about 130,000 check entries), 20,000 risks over the BSI's
elementary threats, 500 processing activities, 10,000 review tasks and 2,000 evidence files.
`scale=10` is the 10x variant. The build uses the services where the product does (import,
recalculation, modelling, generation, records of processing) and bulk inserts for the bulk of
history (risks, old review tasks, evidence), with a fixed seed.
"""

from __future__ import annotations

import random
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlmodel import Session, col

from benchmarks.bench_controls import KERNEL, SHARED, fill_statuses
from benchmarks.bench_reports import evidence_files
from benchmarks.bench_reviews import TODAY, top_up
from benchmarks.bench_risks import THREATS, risk_rows
from controls.catalogs import service as catalogs
from controls.check import modelling
from controls.check.models import CheckEntry
from isms.audit.service import Actor, set_actor
from isms.database import bulk_insert, create_db_engine, session_scope
from isms.identity.models import Department, Role, User
from isms.migrations import upgrade
from isms.security import hash_password
from isms.settings import Settings
from privacy import service as privacy
from privacy.schemas import ActivityCreate
from reviews import generation
from reviews.models import ReviewPolicy, ReviewTask
from risk.analysis.models import Risk
from risk.analysis.service import matrix_for_new_risks
from risk.analysis.threats import import_threats
from risk.assets import graph
from risk.assets.categories import import_vocabulary, list_categories
from risk.assets.models import Asset, AssetDependency, KritisSector

BASE = {
    "assets": 2000,
    "dependencies": 8000,
    "risks": 20_000,
    "activities": 500,
    "tasks": 10_000,
    "evidence": 2000,
}
DEPARTMENTS = 20
EVIDENCE_KB = 16  # mean size of an evidence file (the count matters here, not the volume)
LAYERS = (0.10, 0.20, 0.25, 0.30, 0.15)  # processes, information, applications, systems, rooms
KRITIS_SHARE = 0.05
SINCE = datetime(2020, 1, 1, tzinfo=UTC)
USERS = {"isb": Role.ISB, "auditor": Role.AUDITOR, "dpo": Role.DPO, "fachbereich": Role.DEPARTMENT}


@dataclass
class City:
    """A built dataset: where it is, how it was made, the users to measure with."""

    settings: Settings
    engine: Engine
    password: str
    sizes: dict[str, int]
    build_s: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def sizes_for(scale: float) -> dict[str, int]:
    return {name: max(1, round(count * scale)) for name, count in BASE.items()}


def fresh_settings(database_url: str | None, *, suffix: str = "city") -> Settings:
    """Settings of an empty, migrated database: SQLite in a temp dir or a new PostgreSQL one."""
    data_dir = Path(tempfile.mkdtemp(prefix="isms-city-"))
    if not database_url:
        return Settings(data_dir=data_dir, scheduler_enabled=False)
    url = make_url(database_url)
    name = f"{url.database or 'isms'}_{suffix}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return Settings(
        data_dir=data_dir,
        database_url=url.set(database=name).render_as_string(hide_password=False),
        scheduler_enabled=False,
    )


def build(database_url: str | None, *, scale: float = 1.0, seed: int = 2026) -> City:
    settings = fresh_settings(database_url)
    engine = create_db_engine(settings)
    upgrade(engine)
    city = City(settings, engine, password=secrets.token_urlsafe(16), sizes=sizes_for(scale))
    rng = random.Random(seed)
    steps = (
        ("register", lambda: _register(city, rng)),
        ("catalog_import", lambda: _kernel(city)),
        ("recalculation", lambda: _recalculate(city)),
        ("modelling", lambda: _model(city)),
        ("risks", lambda: _risks(city)),
        ("activities", lambda: _activities(city, rng)),
        ("tasks", lambda: _tasks(city)),
        ("evidence", lambda: _evidence(city)),
        ("users", lambda: _users(city)),
        ("settle", lambda: settle(engine)),
    )
    for name, step in steps:
        start = time.perf_counter()
        step()
        city.build_s[name] = round(time.perf_counter() - start, 2)
        print(f"  built {name} in {city.build_s[name]} s", flush=True)
    city.counts = count_rows(engine)
    return city


def count_rows(engine: Engine) -> dict[str, int]:
    tables = {
        "assets": Asset,
        "dependencies": AssetDependency,
        "check_entries": CheckEntry,
        "risks": Risk,
        "review_tasks": ReviewTask,
    }
    with Session(engine) as session:
        counts = {
            name: session.scalar(select(func.count()).select_from(model)) or 0
            for name, model in tables.items()
        }
        for name, table in (("activities", "processing_activity"), ("evidence", "evidence")):
            counts[name] = session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608 (fixed names)
    return counts


def settle(engine: Engine) -> None:
    """What a running installation has shortly after a bulk load: the write-ahead log folded
    in (SQLite), the tables vacuumed and analysed (PostgreSQL, as autovacuum does)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.exec_driver_sql("ANALYZE")
        else:
            connection.exec_driver_sql("VACUUM ANALYZE")


def _register(city: City, rng: random.Random) -> None:
    """Departments and objects in five layers; the upper two carry their own C/I/A."""
    count = city.sizes["assets"]
    with session_scope(city.engine) as session:
        session.execute(
            insert(Department),
            [{"code": f"FB{i:02d}", "name": f"Fachbereich {i}"} for i in range(DEPARTMENTS)],
        )
        import_vocabulary(session, SHARED / "target_object_categories.csv")
        departments = [d for d in session.scalars(select(col(Department.id))) if d]
        categories = [c.id for c in list_categories(session) if c.id]
        sectors = list(KritisSector)
        rows = []
        for n in range(count):
            layer = _layer_of(n, count)
            critical = rng.random() < KRITIS_SHARE
            rows.append(
                {
                    "short_id": f"H-{n:06d}",
                    "name": f"Objekt {n}",
                    "category_id": rng.choice(categories),
                    "department_id": departments[n % len(departments)],
                    "kritis_critical": critical,
                    "kritis_sector": rng.choice(sectors) if critical else None,
                    "created_at": SINCE,
                    "updated_at": SINCE,
                    **{
                        f"{p}_assessed": rng.choice((1, 1, 2, 3)) if layer <= 1 else None
                        for p in "cia"
                    },
                }
            )
        session.execute(insert(Asset), rows)
        ids = [i for i in session.scalars(select(col(Asset.id)).order_by(col(Asset.id))) if i]
        by_layer: list[list[int]] = [[] for _ in LAYERS]
        for n, asset_id in enumerate(ids):
            by_layer[_layer_of(n, count)].append(asset_id)
        edges: set[tuple[int, int]] = set()
        wanted = min(city.sizes["dependencies"], 4 * count)
        while len(edges) < wanted:
            layer = rng.randrange(len(LAYERS) - 1)
            deeper = rng.randrange(layer + 1, min(layer + 3, len(LAYERS)))
            if by_layer[layer] and by_layer[deeper]:
                edges.add((rng.choice(by_layer[layer]), rng.choice(by_layer[deeper])))
        session.execute(
            insert(AssetDependency), [{"dependent_id": a, "dependency_id": b} for a, b in edges]
        )


def _layer_of(n: int, count: int) -> int:
    bound = 0.0
    for layer, share in enumerate(LAYERS):
        bound += share
        if n < bound * count:
            return layer
    return len(LAYERS) - 1


def _kernel(city: City) -> None:
    with session_scope(city.engine) as session:
        catalogs.import_document(session, KERNEL.read_bytes(), source=KERNEL.name, actor="bench")


def _recalculate(city: City) -> None:
    with session_scope(city.engine) as session:
        graph.recalculate(session)


def _model(city: City) -> None:
    with session_scope(city.engine) as session:
        modelling.model(session, actor="bench")
    fill_statuses(city.engine)


def _risks(city: City) -> None:
    with session_scope(city.engine) as session:
        import_threats(session, THREATS.read_bytes())
        matrix_for_new_risks(session)
    with session_scope(city.engine) as session:
        rows = risk_rows(session, city.sizes["risks"])
        bulk_insert(session, Risk.__table__, rows)  # type: ignore[attr-defined]


def _activities(city: City, rng: random.Random) -> None:
    """Records of processing through the service, as the DPO enters them, each carried by 1 to
    4 objects of its department."""
    with session_scope(city.engine) as session:
        set_actor(session, Actor(None, "bench"))
        carriers: dict[int, list[int]] = {}
        for asset_id, department_id in session.execute(
            select(col(Asset.id), col(Asset.department_id))
        ):
            if asset_id and department_id:
                carriers.setdefault(department_id, []).append(asset_id)
        departments = sorted(carriers)
        for n in range(city.sizes["activities"]):
            department = departments[n % len(departments)]
            objects = rng.sample(carriers[department], min(len(carriers[department]), 1 + n % 4))
            data = ActivityCreate(
                name=f"Verarbeitung {n}: Fachverfahren {n % 200}",
                department_id=department,
                status="aktiv" if n % 5 else "entwurf",
                controller="Landeshauptstadt Hannover, Trammplatz 2, 30159 Hannover",
                dpo_contact="Datenschutzbeauftragte der Landeshauptstadt Hannover",
                purposes=f"Erfüllung der Aufgabe {n} nach Landesrecht",
                legal_bases=["art6_1_e"] if n % 3 else ["art6_1_c", "art6_1_e"],
                data_subjects=["Bürgerinnen und Bürger", "Beschäftigte"][: 1 + n % 2],
                data_categories=[
                    {"name": "Stammdaten", "erasure": "10 Jahre nach Abschluss"},
                    {"name": "Kontaktdaten", "erasure": "3 Jahre nach letztem Kontakt"},
                ],
                recipients=[{"name": "Fachbereich Finanzen", "kind": "intern"}],
                asset_ids=objects,
            )
            privacy.create_activity(session, data=data, scope=None, actor="bench")


def _tasks(city: City) -> None:
    """The default review policies, in place since 2020, one scheduler run, then older periods
    until the wanted number of tasks is there. The review of open check entries makes one task
    per target object and month (it made one per entry until the figures showed 50,000 a
    month)."""
    with session_scope(city.engine) as session:
        generation.ensure_default_policies(session)
        session.execute(update(ReviewPolicy).values(created_at=SINCE))
    with session_scope(city.engine) as session:
        set_actor(session, Actor(None, "bench:scheduler"))
        generation.generate(session, today=TODAY, commit_each=True)
    top_up(city.engine, city.sizes["tasks"])


def _evidence(city: City) -> None:
    count = city.sizes["evidence"]
    evidence_files(city.engine, city.settings.data_dir, count, max(1, count * EVIDENCE_KB // 1024))


def _users(city: City) -> None:
    password_hash = hash_password(city.password)
    with session_scope(city.engine) as session:
        first = session.scalars(select(Department).order_by(col(Department.id))).first()
        for name, role in USERS.items():
            session.add(
                User(
                    username=name,
                    full_name=f"Bench {name}",
                    role=role,
                    password_hash=password_hash,
                    departments=[first] if role == Role.DEPARTMENT and first else [],
                )
            )


def sample_ids(engine: Engine, department_id: int | None = None) -> dict[str, Any]:
    """Ids for the detail requests: the middle row of each register (not the first, which a
    cache or an index might favour)."""
    names = {
        "asset": "asset",
        "check_entry": "check_entry",
        "risk": "risk",
        "activity": "processing_activity",
        "task": "review_task",
        "evidence": "evidence",
    }
    ids: dict[str, Any] = {}
    with Session(engine) as session:
        for key, table in names.items():
            # table names from the fixed list above
            count = session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
            middle = text(f"SELECT id FROM {table} ORDER BY id LIMIT 1 OFFSET :n")  # noqa: S608
            ids[key] = session.execute(middle, {"n": count // 2}).scalar_one()
        ids["department"] = session.execute(text("SELECT min(id) FROM department")).scalar_one()
    return ids
