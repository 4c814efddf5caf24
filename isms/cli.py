"""The `isms` command: serve, migrate, createuser, demo, catalog, model, audit verify, evidence
check, scheduler."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

from isms.i18n import translate
from isms.settings import InsecureConfigurationError, get_settings


def _engine():  # type: ignore[no-untyped-def]
    from isms.database import create_db_engine

    return create_db_engine(get_settings())


def _seed(engine: Any) -> None:
    """Data every installation starts with: the default review policies."""
    from isms.database import session_scope
    from reviews import generation

    with session_scope(engine) as session:
        generation.ensure_default_policies(session)


def cmd_migrate(args: argparse.Namespace) -> int:
    from isms.migrations import upgrade

    engine = _engine()
    upgrade(engine, args.revision)
    if args.revision == "head":
        _seed(engine)
    print(f"database at revision {args.revision}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from isms.migrations import upgrade
    from isms.settings import resolve_secret_key

    settings = get_settings()
    resolve_secret_key(settings)  # refuse to start with a weak key, create one before workers fork
    engine = _engine()
    upgrade(engine)
    _seed(engine)
    if args.no_scheduler:
        os.environ["ISMS_SCHEDULER_ENABLED"] = "false"
    uvicorn.run(
        "isms.app:app_factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=args.proxy_headers,
        log_level=settings.log_level.lower(),
    )
    return 0


def cmd_createuser(args: argparse.Namespace) -> int:
    from sqlalchemy import select
    from sqlmodel import col

    from isms.audit.service import Actor, set_actor
    from isms.database import session_scope
    from isms.errors import DomainError
    from isms.identity import service
    from isms.identity.models import Department
    from isms.identity.schemas import UserCreate

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Passwort: ")
        if getpass.getpass("Passwort wiederholen: ") != password:
            print("error: the passwords differ", file=sys.stderr)
            return 2
    try:
        with session_scope(_engine()) as session:
            set_actor(session, Actor(None, "cli:createuser"))
            codes = args.department or []
            departments = list(
                session.scalars(select(Department).where(col(Department.code).in_(codes)))
            )
            unknown = sorted(set(codes) - {d.code for d in departments})
            if unknown:
                print(f"error: unknown department code(s): {', '.join(unknown)}", file=sys.stderr)
                return 2
            user = service.create_user(
                session,
                data=UserCreate(
                    username=args.username,
                    full_name=args.full_name or args.username,
                    role=args.role,
                    email=args.email,
                    department_ids=[d.id for d in departments if d.id],
                    password=password,
                ),
            )
            print(f"created user {user.username} ({user.role.value})")
    except DomainError as exc:
        print(f"error: {translate('en', exc.message_key, **exc.params)}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from isms import demo
    from isms.errors import DomainError
    from isms.migrations import upgrade

    engine = _engine()
    upgrade(engine)
    try:
        result = demo.load(engine, password=args.password)
    except ValueError as exc:
        print(f"error: {translate('en', str(exc))}", file=sys.stderr)
        return 2
    print(
        f"demo organisation ready: {result.created_departments} departments and "
        f"{result.created_users} users created"
    )
    print("users: " + ", ".join(u.username for u in demo.USERS))
    if result.password_generated:
        print(f"password of the new demo users (shown only now): {result.password}")
    try:
        created = demo.load_assets(engine, catalog_dir=get_settings().catalog_dir)
    except DomainError as exc:
        print(f"error: {translate('en', exc.message_key, **exc.params)}", file=sys.stderr)
        return 2
    print(f"information domain of the city: {created} target objects created")
    from controls.check import modelling

    modelling.subscribe()
    catalogs = demo.load_catalogs(
        engine, catalog_dir=get_settings().catalog_dir, data_dir=get_settings().data_dir
    )
    if catalogs.folder is None:
        print(
            "no local copy of the BSI catalogs found (ISMS_CATALOG_DIR); import the official "
            "ones with: isms catalog import --official"
        )
    else:
        print(
            f"catalogs from {catalogs.folder}: {len(catalogs.imported)} imported; modelling "
            f"created {catalogs.entries} check entries, {catalogs.filled} of them filled in"
        )
    risks = demo.load_risks(engine, catalog_dir=get_settings().catalog_dir)
    print(f"risk analysis: {risks} demo risks created")
    activities, incidents, dpias = demo.load_privacy(engine)
    print(
        f"GDPR records: {activities} processing activities, {incidents} incidents, "
        f"{dpias} impact assessments created"
    )
    tasks = demo.load_reviews(engine)
    print(f"reviews: {tasks} review tasks generated")
    return 0


def cmd_threats_import(args: argparse.Namespace) -> int:
    from isms.audit.service import Actor, set_actor
    from isms.database import session_scope
    from isms.errors import DomainError
    from isms.migrations import upgrade
    from risk.analysis import threats

    engine = _engine()
    upgrade(engine)
    try:
        with session_scope(engine) as session:
            set_actor(session, Actor(None, "cli:threats"))
            if args.source:
                changed = threats.import_threats(session, _read_source(args.source))
            else:
                changed = threats.import_default_threats(session, get_settings().catalog_dir)
            total = len(threats.list_threats(session))
    except (DomainError, OSError) as exc:
        reason = (
            translate("en", exc.message_key, **exc.params)
            if isinstance(exc, DomainError)
            else str(exc)
        )
        print(f"FAILED: {reason}", file=sys.stderr)
        return 1
    print(f"elementary threats: {changed} imported or updated, {total} threats in all")
    return 0


def _read_source(source: str) -> bytes:
    from pathlib import Path

    from isms.download import fetch

    if source.startswith("https://"):
        return fetch(source, limit=50 * 1024 * 1024)
    return Path(source).read_bytes()


def cmd_catalog_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from controls.catalogs import official
    from controls.catalogs import service as catalogs
    from controls.check import modelling
    from isms.audit.service import Actor, set_actor
    from isms.database import session_scope
    from isms.errors import DomainError
    from isms.migrations import upgrade

    sources = list(args.sources)
    if args.official:
        sources += [f.url for f in official.OFFICIAL]
    if args.from_dir:
        folder = Path(args.from_dir)
        sources += [str(folder / name) for name in official.LOCAL_NAMES]
    if not sources:
        print(
            "nothing to import: name files or URLs, or use --official / --from-dir", file=sys.stderr
        )
        return 2
    engine = _engine()
    upgrade(engine)
    settings = get_settings()
    failed = 0
    for source in sources:
        try:
            data = _read_source(source)
            with session_scope(engine) as session:
                set_actor(session, Actor(None, "cli:catalog"))
                outcome = catalogs.import_document(
                    session, data, source=source, actor="cli", raw_dir=settings.data_dir
                )
        except (DomainError, OSError) as exc:
            failed += 1
            reason = (
                translate("en", exc.message_key, **exc.params)
                if isinstance(exc, DomainError)
                else str(exc)
            )
            print(f"FAILED {source}: {reason}", file=sys.stderr)
            continue
        state = "imported" if outcome.created else "unchanged (imported before)"
        unit = "controls" if outcome.kind == "catalog" else "mapping entries"
        print(f"{state}: {outcome.title} {outcome.version} ({outcome.count} {unit}) from {source}")
    if not args.no_model:
        with session_scope(engine) as session:
            set_actor(session, Actor(None, "cli:catalog"))
            result = modelling.model(session, actor="cli")
        print(
            f"modelling: {result.assets} assets, {result.created} check entries created, "
            f"{result.retired + result.removed} no longer applying"
        )
    return 1 if failed else 0


def cmd_catalog_list(args: argparse.Namespace) -> int:
    from controls.catalogs import service as catalogs
    from isms.database import session_scope

    with session_scope(_engine()) as session:
        for c in catalogs.list_catalogs(session):
            flags = ", ".join(f for f, on in (("active", c.active), ("modelled", c.modelled)) if on)
            print(f"{c.id:>4}  {c.title}  {c.version}  {c.control_count} controls  [{flags}]")
    return 0


def cmd_model(args: argparse.Namespace) -> int:
    from controls.check import modelling
    from isms.audit.service import Actor, set_actor
    from isms.database import session_scope

    with session_scope(_engine()) as session:
        set_actor(session, Actor(None, "cli:model"))
        result = modelling.model(session, actor="cli")
    print(
        f"modelling: {result.assets} assets, {result.created} created, "
        f"{result.reactivated} applying again, {result.retired} kept as no longer applying, "
        f"{result.removed} removed"
    )
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from isms.audit.chain import iter_events, verify_chain

    with _engine().connect() as connection:
        count, broken = verify_chain(iter_events(connection))
    if broken is None:
        print(f"audit trail intact: {count} events verified")
        return 0
    where = f"event #{broken.seq}" + (f" (id {broken.event_id})" if broken.event_id else "")
    print(f"audit trail BROKEN at {where}: {broken.reason}", file=sys.stderr)
    return 1


def _scope(session: Any, args: argparse.Namespace) -> Any:
    """The report scope from --department CODE, --asset SHORT_ID (repeatable), --kritis."""
    from sqlalchemy import select

    from isms.errors import NotFound
    from isms.identity.models import Department
    from reports.context import Scope
    from risk.assets.models import Asset

    department_id = None
    if args.department:
        department = session.scalars(
            select(Department).where(Department.code == args.department)
        ).first()
        if department is None:
            raise NotFound("error.department_code_unknown", code=args.department)
        department_id = department.id
    asset_ids: list[int] = []
    for short_id in args.asset or []:
        asset = session.scalars(select(Asset).where(Asset.short_id == short_id)).first()
        if asset is None:
            raise NotFound("error.asset_short_id_unknown", short_id=short_id)
        asset_ids.append(asset.id)
    return Scope(department_id=department_id, asset_ids=tuple(asset_ids), kritis=args.kritis)


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from isms.database import session_scope
    from isms.errors import DomainError
    from reports import context, pdf

    engine = _engine()
    try:
        with session_scope(engine, write=False) as session:
            document = context.documents()[args.document](
                session, _scope(session, args), args.language
            )
    except DomainError as exc:
        print(f"error: {translate('en', exc.message_key, **exc.params)}", file=sys.stderr)
        return 2
    out = Path(args.out)
    try:
        pdf.render(document, out, wide=args.document != "a1")
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or out}", file=sys.stderr)
        return 2
    print(f"{out}: {document.meta.title}")
    return 0


def cmd_pack_build(args: argparse.Namespace) -> int:
    from datetime import date
    from pathlib import Path

    from isms.database import session_scope
    from isms.errors import DomainError
    from reports import pack

    try:
        period = pack.Period(
            date.fromisoformat(args.start) if args.start else None,
            date.fromisoformat(args.end) if args.end else None,
        )
    except ValueError as exc:
        print(f"error: not a date (YYYY-MM-DD): {exc}", file=sys.stderr)
        return 2
    engine = _engine()
    try:
        with session_scope(engine, write=False) as session:
            result = pack.build_pack(
                session,
                data_dir=get_settings().data_dir,
                out=Path(args.out),
                scope=_scope(session, args),
                period=period,
                language=args.language,
                actor="cli",
            )
    except DomainError as exc:
        print(f"error: {translate('en', exc.message_key, **exc.params)}", file=sys.stderr)
        return 2
    except OSError as exc:  # the output cannot be written (folder, permissions, disk full)
        print(f"error: {exc.strerror or exc}: {exc.filename or args.out}", file=sys.stderr)
        return 2
    print(
        f"{result.path}: {result.files} files ({result.evidence} evidence), "
        f"{result.size} bytes, sha256 {result.sha256}"
    )
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from isms import backup
    from isms.errors import DomainError

    try:
        result = backup.backup(_engine(), get_settings().data_dir, Path(args.out))
    except DomainError as exc:
        print(f"error: {translate('en', exc.message_key, **exc.params)}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or args.out}", file=sys.stderr)
        return 2
    print(
        f"{result.path}: {result.rows} rows in {result.tables} tables, {result.files} files "
        f"({result.bytes} bytes), audit trail of {result.audit_events} events"
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from isms import backup
    from isms.errors import DomainError
    from isms.migrations import upgrade

    source = Path(args.backup)
    engine = _engine()
    try:
        backup.check(source)  # a damaged backup is refused before anything is touched
        upgrade(engine)
        result = backup.restore(engine, get_settings().data_dir, source, replace=args.replace)
    except DomainError as exc:
        print(f"error: {translate('en', exc.message_key, **exc.params)}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or args.backup}", file=sys.stderr)
        return 2
    print(
        f"restored {result.rows} rows in {result.tables} tables and {result.files} files; "
        f"audit trail intact: {result.audit_events} events"
    )
    return 0


def cmd_evidence_check(args: argparse.Namespace) -> int:
    """Rows whose file is gone and leftovers of interrupted uploads; --remove clears old ones.

    Leftovers younger than an hour are only listed: they may belong to an upload in progress.
    """
    from sqlalchemy import select
    from sqlmodel import col

    from controls.evidence import service, storage
    from controls.evidence.models import Evidence
    from isms.database import session_scope

    root = service.root(get_settings().data_dir)
    with session_scope(_engine(), write=False) as session:
        rows = session.execute(select(col(Evidence.id), col(Evidence.sha256))).all()
    referenced = {sha256 for _, sha256 in rows}
    missing = [(i, sha256) for i, sha256 in rows if not storage.path_for(root, sha256).is_file()]
    orphans = [path for sha256, path in storage.stored_files(root) if sha256 not in referenced]
    leftovers = [*orphans, *storage.part_files(root)]
    old = storage.stale(leftovers)
    for evidence_id, sha256 in missing:
        print(f"missing file: evidence {evidence_id} ({sha256})")
    for path in old:
        if args.remove:
            path.unlink(missing_ok=True)
        print(f"{'removed' if args.remove else 'left over'}: {path}")
    for path in leftovers:
        if path not in old:
            print(f"kept, younger than an hour (an upload may be in progress): {path}")
    print(
        f"{len(rows)} evidence rows, {len(missing)} missing files, {len(orphans)} unreferenced "
        f"files, {len(leftovers) - len(orphans)} part files, {len(old)} of them left over"
        + (" and removed" if args.remove else "")
    )
    return 1 if missing or (old and not args.remove) else 0


def cmd_pack_verify(args: argparse.Namespace) -> int:
    from pathlib import Path

    from reports import pack

    try:
        key = Path(args.key).read_bytes() if args.key else None
    except OSError as exc:
        print(f"error: cannot read the key {args.key}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    result = pack.verify_pack(
        Path(args.pack), public_pem=key, data_dir=None if key else get_settings().data_dir
    )
    for problem in result.problems:
        print(problem, file=sys.stderr)
    if result.ok:
        print(f"OK: signature valid, {result.files} files match the manifest")
        return 0
    print(f"FAILED: {len(result.problems)} problem(s)", file=sys.stderr)
    return 1


def cmd_pack_public_key(args: argparse.Namespace) -> int:
    from reports import signing

    sys.stdout.write(signing.public_key_pem(get_settings().data_dir).decode())
    return 0


def cmd_scheduler_run_now(args: argparse.Namespace) -> int:
    from datetime import date

    from isms.audit.service import Actor, set_actor
    from isms.database import session_scope
    from isms.errors import DomainError
    from isms.migrations import upgrade
    from reviews import generation

    if not args.all and not args.policies:
        print("name policies or use --all", file=sys.stderr)
        return 2
    if args.limit < 0:
        print("--limit: must not be negative", file=sys.stderr)
        return 2
    try:
        today = date.fromisoformat(args.today) if args.today else None
    except ValueError:
        print(f"--today: not a date (YYYY-MM-DD): {args.today}", file=sys.stderr)
        return 2
    engine = _engine()
    upgrade(engine)
    try:
        with session_scope(engine) as session:
            set_actor(session, Actor(None, "cli:scheduler"))
            runs = generation.generate(
                session,
                today=today,
                names=None if args.all else args.policies,
                dry_run=args.dry_run,
                commit_each=True,
            )
            if args.dry_run:
                session.rollback()  # a dry run writes nothing, not even the default policies
    except DomainError as exc:
        print(f"error: {translate('en', exc.message_key, **exc.params)}", file=sys.stderr)
        return 2
    for run in runs:
        if args.dry_run:
            print(f"{run.policy}: {run.due} due, would create {len(run.would_create)}")
            for due in run.would_create[: args.limit]:
                print(f"  {due.period.due.isoformat()}  {due.period.key}  {due.label}")
            if len(run.would_create) > args.limit:
                print(f"  ... and {len(run.would_create) - args.limit} more")
        else:
            print(f"{run.policy}: {run.due} due, {run.created} created")
    return 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    from isms import scheduler
    from isms.migrations import upgrade
    from reviews import tasks

    tasks.register()

    engine = _engine()
    upgrade(engine)
    running = scheduler.start(engine)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.stop(running, engine)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="isms", description="ISMS for public bodies (BSI IT-Grundschutz, ISO 27001, GDPR)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate the database and run the web service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--no-scheduler", action="store_true", help="run without the built-in scheduler"
    )
    serve.add_argument(
        "--proxy-headers", action="store_true", help="trust X-Forwarded-* from a proxy"
    )
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="upgrade the database schema")
    migrate.add_argument("--revision", default="head")
    migrate.set_defaults(func=cmd_migrate)

    create = sub.add_parser("createuser", help="create a user (password asked for)")
    create.add_argument("username")
    create.add_argument(
        "--role", required=True, choices=["isb", "dpo", "department", "auditor", "admin"]
    )
    create.add_argument(
        "--department", action="append", metavar="CODE", help="department code (repeatable)"
    )
    create.add_argument("--full-name")
    create.add_argument("--email")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    create.set_defaults(func=cmd_createuser)

    demo = sub.add_parser("demo", help="load the demo organisation of the city of Hannover")
    demo.add_argument("--password", help="password for all demo users (else one is generated)")
    demo.set_defaults(func=cmd_demo)

    audit = sub.add_parser("audit", help="audit trail tools")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="verify the hash chain; exit 1 if broken")
    verify.set_defaults(func=cmd_audit_verify)

    catalog = sub.add_parser("catalog", help="control catalogs (OSCAL)")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", required=True)
    imp = catalog_sub.add_parser(
        "import", help="import OSCAL catalogs, profiles or mapping collections (path or https URL)"
    )
    imp.add_argument("sources", nargs="*", metavar="PATH_OR_URL")
    imp.add_argument(
        "--official", action="store_true", help="the BSI's current official files (internet)"
    )
    imp.add_argument("--from-dir", metavar="DIR", help="the BSI's files from a local folder")
    imp.add_argument("--no-model", action="store_true", help="do not model assets afterwards")
    imp.set_defaults(func=cmd_catalog_import)
    catalog_sub.add_parser("list", help="list imported catalog versions").set_defaults(
        func=cmd_catalog_list
    )
    sub.add_parser("model", help="model all assets against the active catalogs").set_defaults(
        func=cmd_model
    )

    def scope_options(target: argparse.ArgumentParser) -> None:
        target.add_argument("--department", metavar="CODE", help="one department's objects")
        target.add_argument("--asset", action="append", metavar="SHORT_ID", help="repeatable")
        target.add_argument("--kritis", action="store_true", help="the critical facilities")
        target.add_argument("--language", choices=["de", "en"], default="de")

    report = sub.add_parser("report", help="a reference document as PDF (A.1-A.6, SoA)")
    report.add_argument(
        "document",
        choices=[
            "a1",
            "a2",
            "a3",
            "a4",
            "a5",
            "a6",
            "soa",
            "management",
            "ropa",
            "dpia",
            "breaches",
        ],
    )
    report.add_argument("--out", required=True, metavar="FILE.pdf")
    scope_options(report)
    report.set_defaults(func=cmd_report)

    packs = sub.add_parser("pack", help="signed evidence packs for auditors")
    packs_sub = packs.add_subparsers(dest="pack_command", required=True)
    build = packs_sub.add_parser("build", help="build a pack (ZIP with a signed manifest)")
    build.add_argument("--out", required=True, metavar="PACK.zip")
    build.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="audit trail from")
    build.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="audit trail to")
    scope_options(build)
    build.set_defaults(func=cmd_pack_build)
    verify = packs_sub.add_parser(
        "verify", help="verify a pack offline; exit 1 if anything differs"
    )
    verify.add_argument("pack", metavar="PACK.zip")
    verify.add_argument("--key", metavar="PUBLIC.pem", help="the pinned public key")
    verify.set_defaults(func=cmd_pack_verify)
    packs_sub.add_parser("public-key", help="print the public key (PEM)").set_defaults(
        func=cmd_pack_public_key
    )

    evidence = sub.add_parser("evidence", help="the evidence file store")
    evidence_sub = evidence.add_subparsers(dest="evidence_command", required=True)
    check = evidence_sub.add_parser(
        "check",
        help="list rows whose file is missing and leftovers of interrupted uploads; exit 1 if any",
    )
    check.add_argument(
        "--remove",
        action="store_true",
        help="remove leftovers older than an hour (unreferenced files, part files)",
    )
    check.set_defaults(func=cmd_evidence_check)

    save = sub.add_parser(
        "backup", help="back up the database and the file store (consistent while running)"
    )
    save.add_argument("--out", required=True, metavar="BACKUP.tar")
    save.set_defaults(func=cmd_backup)
    back = sub.add_parser("restore", help="restore a backup (checked first; all or nothing)")
    back.add_argument("backup", metavar="BACKUP.tar")
    back.add_argument(
        "--replace", action="store_true", help="replace what the database holds (else: refuse)"
    )
    back.set_defaults(func=cmd_restore)

    threats = sub.add_parser("threats", help="threats of the risk analysis")
    threats_sub = threats.add_subparsers(dest="threats_command", required=True)
    timp = threats_sub.add_parser(
        "import",
        help="import the BSI's elementary threats (basethreats.csv: path or https URL; default: "
        "ISMS_CATALOG_DIR or ../shared, else the BSI's published file)",
    )
    timp.add_argument("source", nargs="?", metavar="PATH_OR_URL")
    timp.set_defaults(func=cmd_threats_import)

    sched = sub.add_parser("scheduler", help="run the scheduler as its own process (or: run-now)")
    sched.set_defaults(func=cmd_scheduler)
    sched_sub = sched.add_subparsers(dest="scheduler_command")
    now = sched_sub.add_parser(
        "run-now", help="generate review tasks now (idempotent): --all or named policies"
    )
    now.add_argument("policies", nargs="*", metavar="POLICY")
    now.add_argument("--all", action="store_true", help="every active policy")
    now.add_argument("--dry-run", action="store_true", help="list what would be created")
    now.add_argument("--today", metavar="YYYY-MM-DD", help="generate as of this day")
    now.add_argument("--limit", type=int, default=20, help="tasks listed per policy (dry run)")
    now.set_defaults(func=cmd_scheduler_run_now)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=os.environ.get("ISMS_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except InsecureConfigurationError as exc:
        print(f"refusing to start: {exc}", file=sys.stderr)
        return 3
    return code


if __name__ == "__main__":
    sys.exit(main())
