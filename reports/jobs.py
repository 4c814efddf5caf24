"""Building reports and packs in the background: a job records what was asked, its progress and
the file it produced (with its hash and who built it). Output is written to a temporary file
and moved into place, so a failed job leaves no half-written file and says why."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from isms.clock import utcnow
from isms.database import session_scope
from isms.errors import DomainError, Forbidden, InvalidInput, NotFound
from isms.i18n import translate
from isms.identity.deps import department_scope
from isms.identity.models import Department, Role, User
from reports import context, pack, pdf
from reports.models import JobState, ReportJob

log = logging.getLogger("isms.reports")
DOCUMENTS = (
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
    "pack",
)
RECORDS = ("ropa", "dpia", "breaches")  # the GDPR documents
FOLDER = "reports"
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report")


def folder(data_dir: Path) -> Path:
    return data_dir / FOLDER


def submit(
    session: Session,
    *,
    user: User,
    document: str,
    department_id: int | None,
    asset_ids: list[int],
    kritis: bool,
    period_start: date | None,
    period_end: date | None,
    language: str,
) -> ReportJob:
    """Record a job after checking what it covers; department users get their departments."""
    if document not in DOCUMENTS:
        raise InvalidInput("error.report_unknown", field="document", allowed=", ".join(DOCUMENTS))
    scope = department_scope(user)
    if scope is not None:
        if document in ("soa", "management"):
            raise Forbidden("error.report_not_for_department")
        department_id = department_id if department_id is not None else min(scope, default=-1)
        if department_id not in scope:
            raise InvalidInput(
                "error.department_unknown", field="department_id", ids=str(department_id)
            )
    pack.Period(period_start, period_end).check()
    wanted = context.Scope(department_id=department_id, asset_ids=tuple(asset_ids), kritis=kritis)
    if document in RECORDS and not asset_ids and not kritis:
        # the GDPR records of a department need no objects (its builder says when it has
        # none), but the department must exist
        if department_id is not None and session.get(Department, department_id) is None:
            raise InvalidInput(
                "error.department_unknown", field="department_id", ids=str(department_id)
            )
        assets = []
    else:
        assets = context.scoped_assets(session, wanted)  # empty or unknown: a clear 400 now
    if scope is not None and any(a.department_id not in scope for a in assets):
        raise InvalidInput("error.asset_unknown", field="asset_ids", ids="")
    job = ReportJob(
        document=document,
        department_id=department_id,
        asset_ids=list(asset_ids),
        kritis=kritis,
        period_start=period_start,
        period_end=period_end,
        language=language,
        created_by=user.username,
        created_by_id=user.id,
    )
    session.add(job)
    session.flush()
    return job


def visible(session: Session, *, user: User) -> list[ReportJob]:
    """The ISB, the DPO and auditors see every job; department users their own."""
    query = select(ReportJob).order_by(col(ReportJob.id).desc()).limit(100)
    if user.role is Role.DEPARTMENT:
        query = query.where(col(ReportJob.created_by_id) == user.id)
    return list(session.scalars(query))


def get(session: Session, *, job_id: int, user: User) -> ReportJob:
    job = session.get(ReportJob, job_id) if 0 < job_id < 2**31 else None
    if job is None or (user.role is Role.DEPARTMENT and job.created_by_id != user.id):
        raise NotFound("error.report_job_not_found", id=job_id)
    return job


def path_of(data_dir: Path, job: ReportJob) -> Path:
    return folder(data_dir) / job.file_name


def start(engine: Engine, data_dir: Path, job_id: int) -> Future[None]:
    """Run the job in the background (one at a time per process); while it waits and runs,
    this process keeps its heartbeat fresh."""
    with _lock:
        _live.setdefault(engine, set()).add(job_id)
    _keeper_running()
    return _executor.submit(_run_live, engine, data_dir, job_id)


def _run_live(engine: Engine, data_dir: Path, job_id: int) -> None:
    try:
        run(engine, data_dir, job_id)
    finally:
        with _settled:
            _live.get(engine, set()).discard(job_id)
            _settled.notify_all()


def settle(engine: Engine, timeout: float) -> bool:
    """Wait until no job of this process runs on `engine` (at shutdown, and before tests empty
    the database); whether that happened within `timeout` seconds. A job still running when the
    process stops is failed later by another server, as its heartbeat goes stale."""
    with _settled:
        return _settled.wait_for(lambda: not _live.get(engine), timeout)


ON = (JobState.QUEUED, JobState.RUNNING)


def _set(engine: Engine, job_id: int, *, when: tuple[JobState, ...], **values: object) -> bool:
    """Change the job in its own short transaction (also its heartbeat), only while it is in
    one of the states `when`: a job failed meanwhile (its process was thought dead) is never
    turned back. Whether it changed."""
    with session_scope(engine) as session:
        result = session.execute(
            update(ReportJob)
            .where(col(ReportJob.id) == job_id, col(ReportJob.state).in_(when))
            .values(heartbeat_at=utcnow(), **values)
        )
        return bool(getattr(result, "rowcount", 0))


def _fail(engine: Engine, job_id: int, error: str) -> None:
    _set(engine, job_id, when=ON, state=JobState.FAILED, finished_at=utcnow(), error=error)


def _scope_of(session: Session, job: ReportJob) -> context.Scope | None:
    """The job's scope, checked again when it runs: a department user's job must still name
    one of the user's departments (a department deleted meanwhile leaves no department, which
    would otherwise mean the whole domain). None when it does not."""
    scope = context.Scope(job.department_id, tuple(job.asset_ids or ()), job.kritis)
    user = session.get(User, job.created_by_id) if job.created_by_id else None
    if user is None:
        return scope if job.created_by_id is None else None
    allowed = department_scope(user)
    if allowed is not None and (job.department_id is None or job.department_id not in allowed):
        return None
    return scope


def run(engine: Engine, data_dir: Path, job_id: int) -> None:
    with session_scope(engine, write=False) as session:
        job = session.get(ReportJob, job_id)
        if job is None or job.state != JobState.QUEUED:
            return
        document, language = job.document, job.language
        scope = _scope_of(session, job)
        period = pack.Period(job.period_start, job.period_end)
        actor = job.created_by
    if scope is None:
        _fail(engine, job_id, translate(language, "error.report_scope_gone"))
        return
    if not _set(engine, job_id, when=(JobState.QUEUED,), state=JobState.RUNNING, progress=1):
        return
    target = folder(data_dir)
    target.mkdir(parents=True, exist_ok=True)
    suffix = "zip" if document == "pack" else "pdf"
    name = f"{job_id}-{document}-{secrets.token_hex(4)}.{suffix}"
    temporary_prefix = f"{TEMPORARY}{job_id}-"  # known as this job's: tidied if it dies

    def progress(step: str, done: int, total: int) -> None:
        share = {"documents": (5, 60), "evidence": (60, 95), "done": (100, 100)}.get(step, (1, 1))
        low, high = share
        percent = low + (high - low) * done // max(total, 1)
        try:  # progress is worth a try, not the job: a busy database only delays the bar
            _set(engine, job_id, when=ON, progress=min(99, percent), step=step)
        except SQLAlchemyError:
            log.warning("report job %s: progress not recorded", job_id, exc_info=True)

    try:
        with session_scope(engine, write=False) as session:
            if document == "pack":
                result = pack.build_pack(
                    session,
                    data_dir=data_dir,
                    out=target / name,
                    scope=scope,
                    period=period,
                    language=language,
                    actor=actor,
                    progress=progress,
                    temporary_prefix=temporary_prefix,
                )
                digest, size = result.sha256, result.size
            else:
                built = context.documents()[document](session, scope, language)
                progress("documents", 1, 2)
                digest, size = _render(
                    built, target / name, wide=document != "a1", prefix=temporary_prefix
                )
    except DomainError as exc:
        _fail(engine, job_id, translate(language, exc.message_key, **exc.params))
        return
    except Exception as exc:  # the job says why (without the server's paths) and is logged
        log.exception("report job %s failed", job_id)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        _fail(engine, job_id, translate(language, "error.report_failed", reason=reason))
        return
    done = _set(
        engine,
        job_id,
        when=(JobState.RUNNING,),
        state=JobState.DONE,
        progress=100,
        step="done",
        file_name=name,
        sha256=digest,
        size=size,
        finished_at=utcnow(),
    )
    if not done:  # failed meanwhile (thought dead): no file without a job to show it
        (target / name).unlink(missing_ok=True)


def _render(document: context.Document, out: Path, *, wide: bool, prefix: str) -> tuple[str, int]:
    descriptor, temporary = tempfile.mkstemp(prefix=prefix, suffix=".pdf", dir=out.parent)
    try:
        with os.fdopen(descriptor, "w+b") as handle:
            pdf.render(document, handle, wide=wide)
            handle.seek(0)
            digest, size = hashlib.sha256(), 0
            while chunk := handle.read(pack.CHUNK):
                digest.update(chunk)
                size += len(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        pack.durable_replace(Path(temporary), out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return digest.hexdigest(), size


# Liveness. A process heartbeats the jobs it holds (waiting or running) every HEARTBEAT; a job
# whose heartbeat is older than STALE belongs to a process that died (killed, crashed, power
# cut): it fails visibly and its temporary file goes. Every server checks at start and then
# every HEARTBEAT, so a job of a killed worker is marked within about a minute.
HEARTBEAT = 10.0  # seconds
STALE = timedelta(seconds=60)
TEMPORARY = ".job-"
_lock = threading.Lock()
_settled = threading.Condition(_lock)
_live: dict[Engine, set[int]] = {}
_watched: dict[Engine, Path] = {}
_keeper: threading.Thread | None = None


def watch(engine: Engine, data_dir: Path) -> None:
    """Fail the jobs of dead processes now and keep checking while the app runs."""
    fail_interrupted(engine, data_dir)
    with _lock:
        _watched[engine] = data_dir
    _keeper_running()


def unwatch(engine: Engine) -> None:
    with _lock:
        _watched.pop(engine, None)


def _keeper_running() -> None:
    global _keeper
    with _lock:
        if _keeper is None or not _keeper.is_alive():
            _keeper = threading.Thread(target=_keep, name="report-heartbeat", daemon=True)
            _keeper.start()


def _keep() -> None:
    global _keeper
    while True:
        time.sleep(HEARTBEAT)
        with _lock:
            live = {engine: set(ids) for engine, ids in _live.items() if ids}
            watched = dict(_watched)
            if not live and not watched:
                _keeper = None  # the next job or app starts another
                return
        for engine, ids in live.items():
            try:
                beat(engine, ids)
            except Exception:  # the database may be gone for a moment: try again later
                log.warning("report job heartbeat failed", exc_info=True)
        for engine, data_dir in watched.items():
            try:
                fail_interrupted(engine, data_dir)
            except Exception:
                log.warning("checking for interrupted report jobs failed", exc_info=True)


def beat(engine: Engine, job_ids: set[int]) -> None:
    with session_scope(engine) as session:
        session.execute(
            update(ReportJob)
            .where(
                col(ReportJob.id).in_(sorted(job_ids)),
                col(ReportJob.state).in_([JobState.QUEUED, JobState.RUNNING]),
            )
            .values(heartbeat_at=utcnow())
        )


def fail_interrupted(engine: Engine, data_dir: Path | None = None) -> int:
    """Jobs whose process stopped (no heartbeat for STALE) fail visibly; they are not resumed.
    Temporary files of jobs that no longer run are removed."""
    cutoff = utcnow() - STALE
    with session_scope(engine) as session:
        result = session.execute(
            update(ReportJob)
            .where(
                col(ReportJob.state).in_([JobState.QUEUED, JobState.RUNNING]),
                func.coalesce(col(ReportJob.heartbeat_at), col(ReportJob.created_at)) < cutoff,
            )
            .values(
                state=JobState.FAILED,
                error="interrupted: the process building it stopped",
                finished_at=utcnow(),
            )
        )
        failed = int(getattr(result, "rowcount", 0) or 0)
        if data_dir is not None and folder(data_dir).is_dir():
            temporaries = {
                path: _job_of(path.name) for path in folder(data_dir).glob(f"{TEMPORARY}*")
            }
            running = set(
                session.scalars(
                    select(col(ReportJob.id)).where(
                        col(ReportJob.id).in_([i for i in temporaries.values() if i]),
                        col(ReportJob.state).in_([JobState.QUEUED, JobState.RUNNING]),
                    )
                )
            )
            for path, job_id in temporaries.items():
                if job_id not in running:
                    path.unlink(missing_ok=True)
    return failed


def _job_of(name: str) -> int | None:
    number = name[len(TEMPORARY) :].split("-", 1)[0]
    return int(number) if number.isdigit() else None
