"""Engine, sessions and the one place where a request's changes are committed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine, MetaData, create_engine, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, SQLModel

from isms.errors import Conflict
from isms.settings import Settings

# The naming convention is set in isms/__init__.py, before any table exists.
metadata: MetaData = SQLModel.metadata

WRITE_OPTION = "isms_write"
REGARDLESS_KEY = "isms_regardless"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself, so that write sessions can take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers start with BEGIN IMMEDIATE: they queue on the lock instead of failing later
        # with a stale snapshot, and the audit hash chain is appended by one writer at a time.
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_db_engine(settings: Settings) -> Engine:
    """An engine for the configured database, with SQLite tuned for concurrent use."""
    url = settings.sqlalchemy_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def writer(engine: Engine) -> Engine:
    """The same engine, marked so that its transactions are write transactions."""
    return engine.execution_options(**{WRITE_OPTION: True})


def run_regardless(session: Session, work: Callable[[Session], None]) -> None:
    """Do work once this session's transaction has ended, whether it committed or failed.

    For what must be kept even when the request fails (a denial, a failed login): it runs in
    a write transaction of its own after the main one, so it never waits on that one's lock.
    """
    session.info.setdefault(REGARDLESS_KEY, []).append(work)


def _run_pending(session: Session, engine: Engine) -> None:
    pending: list[Callable[[Session], None]] = session.info.pop(REGARDLESS_KEY, [])
    if not pending:
        return
    actor = session.info.get("actor")
    with Session(writer(engine), expire_on_commit=False) as own:
        if actor is not None:
            own.info["actor"] = actor
        for work in pending:
            work(own)
        own.commit()


@contextmanager
def session_scope(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """A unit of work outside a request (CLI, jobs): commit on success, roll back on error."""
    with Session(writer(engine) if write else engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            _run_pending(session, engine)


def get_session(request: Request) -> Iterator[Session]:
    """The request's session: the only place that commits a request's changes."""
    engine: Engine = request.app.state.engine
    write = request.method not in SAFE_METHODS
    with Session(writer(engine) if write else engine, expire_on_commit=False) as session:
        session.info["request"] = request
        try:
            yield session
            if write:
                session.commit()
            else:
                session.rollback()
        except BaseException:
            session.rollback()
            raise
        finally:
            _run_pending(session, engine)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def bulk_insert(session: Session | OrmSession, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many rows of one table in the session's transaction, bypassing the ORM (and so the
    per-row audit capture: the caller records one event). PostgreSQL gets them through COPY,
    which is several times faster than multi-row INSERTs; every row must have the same keys."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    defaults = {
        column.name: column.default
        for column in table.columns
        if column.name not in rows[0] and column.default is not None
    }
    columns = [*rows[0], *defaults]
    names = ", ".join(f'"{name}"' for name in columns)
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            extra = [d.arg(None) if d.is_callable else d.arg for d in defaults.values()]
            copy.write_row([*(row[name] for name in rows[0]), *extra])


def insert_ignoring(
    session: Session | OrmSession, table: Any, rows: list[dict[str, Any]], keys: list[str]
) -> None:
    """Insert rows, skipping those whose unique keys already exist (ON CONFLICT DO NOTHING on
    PostgreSQL and SQLite), in batches: safe when another process inserts the same rows."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    statement = insert.on_conflict_do_nothing(index_elements=keys)
    for start in range(0, len(rows), 5000):
        session.execute(statement, rows[start : start + 5000])


def flush_or_conflict(session: Session, conflict_key: str, **params: object) -> None:
    """Flush in a savepoint; a unique key taken meanwhile (two writers at once) is a 409 with
    the given message, and the session stays usable."""

    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(conflict_key, **params) from exc


def next_ref(session: Session, model: Any, prefix: str) -> str:
    """The next free reference of a register (R-0001, VVT-0001, SV-0001): numbered from the
    highest id, skipping any already taken."""
    number = (session.scalar(select(func.max(model.id))) or 0) + 1
    while session.scalar(select(model.id).where(model.ref == f"{prefix}-{number:04d}")):
        number += 1
    return f"{prefix}-{number:04d}"
