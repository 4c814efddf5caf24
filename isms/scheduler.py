"""Scheduler infrastructure: APScheduler with its job store in our database, one active runner.

Domains declare jobs with `register_job`; the app factory (or `isms scheduler`) starts one
scheduler per process, and a lease row in the database lets only one of them run jobs.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING
from sqlalchemy import Engine, delete, update
from sqlmodel import Field, Session, SQLModel, col

from isms.clock import utcnow
from isms.database import session_scope
from isms.identity.models import LoginThrottle, RevokedToken

log = logging.getLogger("isms.scheduler")
LEASE_NAME = "scheduler"
LEASE_SECONDS = 90
JOB_TABLE = "apscheduler_jobs"


class SchedulerLease(SQLModel, table=True):
    """Which process may run scheduled jobs, until when."""

    __tablename__ = "scheduler_lease"
    __audit__ = False

    name: str = Field(primary_key=True, max_length=40)
    owner: str = Field(max_length=200)
    expires_at: datetime = Field(index=True)


@dataclass(frozen=True)
class JobSpec:
    """A scheduled job: what runs (with a session) and when (APScheduler trigger arguments)."""

    id: str
    func: Callable[[Session], None]
    trigger: str
    trigger_args: dict[str, Any] = field(default_factory=dict)


JOBS: dict[str, JobSpec] = {}
_state: dict[str, Any] = {}
_keepers: dict[int, tuple[threading.Event, threading.Thread]] = {}


def register_job(spec: JobSpec) -> None:
    JOBS[spec.id] = spec


def owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def acquire_lease(engine: Engine, owner: str, seconds: int = LEASE_SECONDS) -> bool:
    """Take or renew the lease; False while another live owner holds it."""
    now = utcnow()
    with session_scope(engine) as session:
        lease = session.get(SchedulerLease, LEASE_NAME)
        if lease is None:
            session.add(
                SchedulerLease(
                    name=LEASE_NAME, owner=owner, expires_at=now + timedelta(seconds=seconds)
                )
            )
            return True
        if lease.owner != owner and lease.expires_at > now:
            return False
        result = session.execute(
            update(SchedulerLease)
            .where(col(SchedulerLease.name) == LEASE_NAME, col(SchedulerLease.owner) == lease.owner)
            .values(owner=owner, expires_at=now + timedelta(seconds=seconds))
        )
        return bool(getattr(result, "rowcount", 0))


def release_lease(engine: Engine, owner: str) -> None:
    with session_scope(engine) as session:
        session.execute(
            delete(SchedulerLease).where(
                col(SchedulerLease.name) == LEASE_NAME, col(SchedulerLease.owner) == owner
            )
        )


def run_job(job_id: str) -> None:
    """Entry point APScheduler calls (by reference, so jobs survive restarts in the store)."""
    engine: Engine | None = _state.get("engine")
    spec = JOBS.get(job_id)
    if engine is None or spec is None:
        log.warning("job %s skipped: scheduler not configured", job_id)
        return
    if not acquire_lease(engine, owner_id()):
        log.debug("job %s skipped: another scheduler holds the lease", job_id)
        return
    with session_scope(engine) as session:
        spec.func(session)


def build_scheduler(engine: Engine) -> BackgroundScheduler:
    """A scheduler whose jobs live in the application database (not started)."""
    _state["engine"] = engine
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone="Europe/Berlin",
    )


def _signature(spec: JobSpec) -> str:
    return f"{spec.id} {spec.trigger} {sorted(spec.trigger_args.items())}"


def sync_jobs(scheduler: BackgroundScheduler) -> None:
    """Store every registered job; a job whose definition is unchanged keeps its stored next
    run time, so a run that was due while no scheduler was up is made up once on start (within
    its misfire grace time) instead of being moved to the next regular time."""
    for spec in JOBS.values():
        existing = scheduler.get_job(spec.id)
        if existing is not None and existing.name == _signature(spec):
            continue
        scheduler.add_job(
            run_job,
            spec.trigger,
            args=[spec.id],
            id=spec.id,
            name=_signature(spec),
            replace_existing=True,
            **spec.trigger_args,
        )


def _keep_lease(scheduler: BackgroundScheduler, engine: Engine, stopping: threading.Event) -> None:
    """Run jobs only while holding the lease: every process may run a scheduler, but only the
    lease holder's is resumed; the others stay paused and take over when the lease runs out."""
    owner = owner_id()
    while not stopping.is_set():
        try:
            holder = acquire_lease(engine, owner)
        except Exception:  # the database is away: stop running jobs until it is back
            log.warning("scheduler lease could not be checked", exc_info=True)
            holder = False
        if holder and scheduler.state == STATE_PAUSED:
            scheduler.resume()
            log.info("scheduler %s holds the lease and runs jobs", owner)
        elif not holder and scheduler.state == STATE_RUNNING:
            scheduler.pause()
            log.info("scheduler %s paused: another process holds the lease", owner)
        stopping.wait(LEASE_SECONDS / 3)


def start(engine: Engine) -> BackgroundScheduler:
    scheduler = build_scheduler(engine)
    scheduler.start(paused=True)
    sync_jobs(scheduler)
    stopping = threading.Event()
    keeper = threading.Thread(
        target=_keep_lease, args=(scheduler, engine, stopping), name="scheduler-lease", daemon=True
    )
    _keepers[id(scheduler)] = (stopping, keeper)
    keeper.start()
    log.info("scheduler started as %s with jobs: %s", owner_id(), ", ".join(sorted(JOBS)))
    return scheduler


def stop(scheduler: BackgroundScheduler, engine: Engine) -> None:
    kept = _keepers.pop(id(scheduler), None)
    if kept is not None:
        kept[0].set()
        kept[1].join(timeout=10)
    scheduler.shutdown(wait=False)
    release_lease(engine, owner_id())


def purge_expired_security_records(session: Session) -> None:
    """Forget token revocations and login lock-outs that have expired."""
    now = utcnow()
    session.execute(delete(RevokedToken).where(col(RevokedToken.expires_at) < now))
    session.execute(
        delete(LoginThrottle).where(col(LoginThrottle.window_started_at) < now - timedelta(days=1))
    )


register_job(
    JobSpec(
        "kernel.purge_security_records", purge_expired_security_records, "interval", {"hours": 1}
    )
)
