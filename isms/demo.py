"""The demo organisation of the city of Hannover, loaded idempotently by `isms demo`."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from isms.audit.service import Actor, set_actor
from isms.database import session_scope
from isms.identity import service
from isms.identity.auth import set_password
from isms.identity.models import Department, Role
from isms.identity.schemas import DepartmentCreate, UserCreate
from isms.security import password_problem


@dataclass(frozen=True)
class DemoDepartment:
    code: str
    name: str
    description: str


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: Role
    departments: tuple[str, ...] = ()


DEPARTMENTS = (
    DemoDepartment(
        "VT",
        "Verkehr und Tiefbau",
        "Verkehrsmanagementzentrale mit Verkehrsrechner, Lichtsignalanlagen und Detektoren",
    ),
    DemoDepartment(
        "SE",
        "Stadtentwässerung",
        "Prozessleitsystem, Pumpwerke, Kanalnetz-Fernwirktechnik und Klärwerkssteuerung",
    ),
    DemoDepartment(
        "FW",
        "Feuerwehr",
        "Leitstelle, Alarmierungsserver und Funk-Gateways der Feuerwehralarmierung",
    ),
    DemoDepartment("BA", "Bürgeramt", "Melde-, Pass- und Ausweiswesen, Bürgerservice"),
    DemoDepartment(
        "IUK",
        "IuK und Rechenzentrum",
        "Rechenzentrum, Netze, Verzeichnisdienst, E-Mail und Fileservices",
    ),
    DemoDepartment("PER", "Personal", "Personalverwaltung und -abrechnung"),
)

USERS = (
    DemoUser("isb", "Informationssicherheitsbeauftragte (Demo)", Role.ISB),
    DemoUser("dpo", "Datenschutzbeauftragter (Demo)", Role.DPO),
    DemoUser("auditor", "Auditorin (Demo)", Role.AUDITOR),
    DemoUser("admin", "Administration (Demo)", Role.ADMIN),
    DemoUser("verkehr", "Fachbereich Verkehr und Tiefbau (Demo)", Role.DEPARTMENT, ("VT",)),
    DemoUser("entwaesserung", "Stadtentwässerung (Demo)", Role.DEPARTMENT, ("SE",)),
    DemoUser("feuerwehr", "Feuerwehr (Demo)", Role.DEPARTMENT, ("FW",)),
    DemoUser("buergeramt", "Bürgeramt (Demo)", Role.DEPARTMENT, ("BA",)),
    DemoUser("iuk", "IuK und Rechenzentrum (Demo)", Role.DEPARTMENT, ("IUK",)),
    DemoUser("personal", "Personal (Demo)", Role.DEPARTMENT, ("PER",)),
)


@dataclass
class DemoResult:
    created_departments: int = 0
    created_users: int = 0
    password: str | None = None
    password_generated: bool = False


def _departments(session: Session) -> dict[str, Department]:
    by_code: dict[str, Department] = {}
    for spec in DEPARTMENTS:
        department = session.scalars(
            select(Department).where(col(Department.code) == spec.code)
        ).first()
        if department is None:
            data = DepartmentCreate(code=spec.code, name=spec.name, description=spec.description)
            department = service.create_department(session, data=data)
        by_code[spec.code] = department
    return by_code


def load(engine: Engine, *, password: str | None = None) -> DemoResult:
    """Create what is missing of the demo organisation; with a password, (re)set it for all."""
    result = DemoResult()
    if password is not None:
        for spec in USERS:
            problem = password_problem(password, spec.username)
            if problem:
                raise ValueError(problem)
    with session_scope(engine) as session:
        set_actor(session, Actor(None, "cli:demo"))
        existing = {d.code for d in session.scalars(select(Department))}
        departments = _departments(session)
        result.created_departments = len(set(departments) - existing)
        for spec in USERS:
            user = service.get_user_by_username(session, username=spec.username)
            if user is None:
                if password is None:
                    password = secrets.token_urlsafe(12)
                    result.password_generated = True
                service.create_user(
                    session,
                    data=UserCreate(
                        username=spec.username,
                        full_name=spec.full_name,
                        role=spec.role,
                        department_ids=[
                            departments[c].id for c in spec.departments if departments[c].id
                        ],
                        password=password,
                        language="de",
                    ),
                )
                result.created_users += 1
            elif result.password_generated is False and password is not None:
                set_password(user, password)
                session.add(user)
    result.password = password
    return result


def load_assets(engine: Engine, *, catalog_dir: Path | None = None) -> int:
    """Add the demo information domain (idempotent); returns the number of assets created."""
    from risk.assets import demo as data
    from risk.assets import graph
    from risk.assets import service as assets
    from risk.assets.categories import import_default_vocabulary, list_categories
    from risk.assets.models import Asset
    from risk.assets.schemas import AssetCreate, ProtectionInput, ProtectionUpdate

    with session_scope(engine) as session:
        set_actor(session, Actor(None, "cli:demo"))
        import_default_vocabulary(session, catalog_dir)
        categories = {c.name: c.id for c in list_categories(session)}
        departments = {d.code: d.id for d in session.scalars(select(Department))}
        created: dict[str, int] = {}
        for spec in data.ASSETS:
            if assets.get_by_short_id(session, short_id=spec.short_id):
                continue
            asset = assets.create(
                session,
                scope=None,
                data=AssetCreate(
                    short_id=spec.short_id,
                    name=spec.name,
                    category_id=categories[spec.category],
                    department_id=departments[spec.department],
                    responsible=spec.responsible,
                    description=spec.description,
                    location=spec.location,
                    quantity=spec.quantity,
                    tags=list(spec.tags),
                    kritis_sector=spec.kritis_sector,
                    kritis_critical=spec.kritis_critical,
                ),
            )
            created[spec.short_id] = asset.id or 0
        if not created:
            return 0
        by_short = {
            a.short_id: a
            for a in session.scalars(
                select(Asset).where(
                    col(Asset.short_id).in_([spec.short_id for spec in data.ASSETS])
                )
            )
        }
        for dependent, dependency in data.DEPENDENCIES:
            if dependent in created or dependency in created:
                graph.add_dependency(
                    session, dependent=by_short[dependent], dependency=by_short[dependency]
                )
        # Own assessments first, then the deviations, which are checked against what is inherited.
        for with_override in (False, True):
            for spec in data.ASSETS:
                values = {
                    g: getattr(spec, g) for g in ("confidentiality", "integrity", "availability")
                }
                chosen = {
                    g: ProtectionInput(
                        level=v.level.term,
                        override=v.override,
                        justification=v.justification,
                        scenarios=list(v.scenarios),
                    )
                    for g, v in values.items()
                    if v is not None and (v.override is not None) == with_override
                }
                if chosen and spec.short_id in created:
                    assets.assess(
                        session, asset=by_short[spec.short_id], data=ProtectionUpdate(**chosen)
                    )
        return len(created)


@dataclass
class CatalogDemo:
    folder: Path | None = None
    imported: list[str] = field(default_factory=list)
    entries: int = 0
    filled: int = 0


def load_catalogs(
    engine: Engine, *, catalog_dir: Path | None = None, data_dir: Path | None = None
) -> CatalogDemo:
    """Import the BSI catalogs from a local copy (ISMS_CATALOG_DIR or ../shared), model the demo
    objects and give the check a realistic state. Without a local copy nothing is imported; the
    official files then come with `isms catalog import --official`."""
    from controls.catalogs import official
    from controls.catalogs import service as catalogs
    from controls.check import demo as check_demo
    from controls.check import modelling
    from controls.soa.service import soa_catalog
    from isms.errors import NotFound
    from risk.assets.categories import locate_vocabulary

    result = CatalogDemo()
    vocabulary = locate_vocabulary(catalog_dir)
    folder = vocabulary.parent if vocabulary else None
    if folder is None or not (folder / official.LOCAL_NAMES[0]).is_file():
        return result
    result.folder = folder
    for name in official.LOCAL_NAMES:
        path = folder / name
        if not path.is_file():
            continue
        with session_scope(engine) as session:
            set_actor(session, Actor(None, "cli:demo"))
            outcome = catalogs.import_document(
                session, path.read_bytes(), source=name, actor="demo", raw_dir=data_dir
            )
            if outcome.created:
                result.imported.append(outcome.title)
    with session_scope(engine) as session:
        set_actor(session, Actor(None, "cli:demo"))
        result.entries = modelling.model(session, actor="demo").created
        result.filled = check_demo.fill(session)
        with contextlib.suppress(NotFound):
            check_demo.soa(session, soa_catalog(session).family)
    return result


def load_risks(engine: Engine, *, catalog_dir: Path | None = None) -> int:
    """The elementary threats (from a local copy of the BSI's list, else the demo's own ids and
    names) and the demo risks with treatments, measures and acceptances; idempotent."""
    from risk.analysis import demo as risk_demo
    from risk.analysis import threats

    with session_scope(engine) as session:
        set_actor(session, Actor(None, "cli:demo"))
        path = threats.locate_threats(catalog_dir)
        if path is not None:
            threats.import_threats(session, path.read_bytes())
        return risk_demo.load(session)


def load_privacy(engine: Engine) -> tuple[int, int, int]:
    """The GDPR records: processing activities of the departments on the demo's objects, a
    few incidents (one a personal-data breach, one on a critical facility) and two impact
    assessments (one signed off); idempotent."""
    from privacy import demo as privacy_demo

    with session_scope(engine) as session:
        set_actor(session, Actor(None, "cli:demo"))
        return privacy_demo.load(session)


def load_reviews(engine: Engine) -> int:
    """The review policies and today's review tasks; a few answered by departments so the ISB
    has something to decide; idempotent. Returns the number of tasks created."""
    from reviews import generation
    from reviews import service as reviews
    from reviews.models import ReviewTask, Subject, TaskState
    from reviews.schemas import ReviewAnswer

    with session_scope(engine) as session:
        set_actor(session, Actor(None, "cli:demo"))
        created = sum(r.created for r in generation.generate(session))
        if created:
            chosen = session.scalars(
                select(ReviewTask)
                .where(
                    col(ReviewTask.state) == TaskState.OPEN,
                    col(ReviewTask.subject).in_([Subject.RISK, Subject.CHECK_GAPS]),
                )
                .order_by(col(ReviewTask.id))
                .limit(4)
            )
            for number, task in enumerate(list(chosen)):
                reviews.answer(
                    session,
                    task=task,
                    data=ReviewAnswer(
                        unchanged=number % 2 == 0,
                        comment="Mit der Fachabteilung besprochen.",
                        version=task.version,
                    ),
                    actor="demo",
                    evidence_scope=None,
                )
        return created
