"""Building reports and packs in the background: a job records what was asked, its progress and
the file it produced (with its hash and who built it). Output is written to a temporary file
and moved into place, so a failed job leaves no half-written file and says why."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, update
from sqlmodel import Session, col, select

from isms.clock import utcnow
from isms.database import session_scope
from isms.errors import DomainError, Forbidden, InvalidInput, NotFound
from isms.i18n import translate
from isms.identity.deps import department_scope
from isms.identity.models import Role, User
from reports import context, pack, pdf
from reports.models import JobState, ReportJob

log = logging.getLogger("isms.reports")
DOCUMENTS = ("a1", "a2", "a3", "a4", "a5", "a6", "soa", "management", "pack")
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
    """Run the job in the background (one at a time per process)."""
    return _executor.submit(run, engine, data_dir, job_id)


def _set(engine: Engine, job_id: int, **values: object) -> None:
    """Record progress (also the job's heartbeat) in its own short transaction."""
    with session_scope(engine) as session:
        session.execute(
            update(ReportJob)
            .where(col(ReportJob.id) == job_id)
            .values(heartbeat_at=utcnow(), **values)
        )


def run(engine: Engine, data_dir: Path, job_id: int) -> None:
    with session_scope(engine, write=False) as session:
        job = session.get(ReportJob, job_id)
        if job is None or job.state != JobState.QUEUED:
            return
        document, language = job.document, job.language
        scope = context.Scope(job.department_id, tuple(job.asset_ids or ()), job.kritis)
        period = pack.Period(job.period_start, job.period_end)
        actor = job.created_by
    _set(engine, job_id, state=JobState.RUNNING, progress=1, step="start")
    target = folder(data_dir)
    target.mkdir(parents=True, exist_ok=True)
    suffix = "zip" if document == "pack" else "pdf"
    name = f"{job_id}-{document}-{secrets.token_hex(4)}.{suffix}"

    def progress(step: str, done: int, total: int) -> None:
        share = {"documents": (5, 60), "evidence": (60, 95), "done": (100, 100)}.get(step, (1, 1))
        low, high = share
        percent = low + (high - low) * done // max(total, 1)
        _set(engine, job_id, progress=min(99, percent), step=step)

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
                )
                digest, size = result.sha256, result.size
            else:
                built = context.documents()[document](session, scope, language)
                progress("documents", 1, 2)
                digest, size = _render(built, target / name, wide=document != "a1")
    except DomainError as exc:
        _set(
            engine,
            job_id,
            state=JobState.FAILED,
            finished_at=utcnow(),
            error=translate(language, exc.message_key, **exc.params),
        )
        return
    except Exception as exc:  # the job says why instead of vanishing
        log.exception("report job %s failed", job_id)
        _set(
            engine,
            job_id,
            state=JobState.FAILED,
            finished_at=utcnow(),
            error=f"{type(exc).__name__}: {exc}"[:500],
        )
        return
    _set(
        engine,
        job_id,
        state=JobState.DONE,
        progress=100,
        step="done",
        file_name=name,
        sha256=digest,
        size=size,
        finished_at=utcnow(),
    )


def _render(document: context.Document, out: Path, *, wide: bool) -> tuple[str, int]:
    descriptor, temporary = tempfile.mkstemp(prefix=".report-", suffix=".pdf", dir=out.parent)
    os.close(descriptor)
    try:
        pdf.render(document, Path(temporary), wide=wide)
        digest = hashlib.sha256(Path(temporary).read_bytes()).hexdigest()
        size = Path(temporary).stat().st_size
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return digest, size


STALE = timedelta(minutes=30)


def fail_interrupted(engine: Engine) -> int:
    """Jobs a stopped process left queued or running (no sign of life for half an hour) fail
    visibly; they are not resumed. Jobs of other live workers keep their heartbeat fresh."""
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
                error="interrupted: the service was restarted",
                finished_at=utcnow(),
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)
