"""One scheduler at a time: the lease in the database; the review jobs are registered."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING
from sqlalchemy import Engine, update

from isms import scheduler
from isms.clock import utcnow
from isms.database import session_scope
from reviews import tasks


def test_only_one_scheduler_holds_the_lease(engine: Engine) -> None:
    assert scheduler.acquire_lease(engine, "host-a:1")
    assert not scheduler.acquire_lease(engine, "host-b:2")  # a second process waits
    assert scheduler.acquire_lease(engine, "host-a:1")  # the holder renews
    with session_scope(engine) as session:  # the holder dies: its lease runs out
        session.execute(
            update(scheduler.SchedulerLease).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert scheduler.acquire_lease(engine, "host-b:2")
    assert not scheduler.acquire_lease(engine, "host-a:1")
    scheduler.release_lease(engine, "host-b:2")
    assert scheduler.acquire_lease(engine, "host-a:1")


def test_review_jobs_are_kept_in_the_database_and_a_missed_run_is_kept(engine: Engine) -> None:
    tasks.register()
    built = scheduler.build_scheduler(engine)
    built.start(paused=True)
    try:
        scheduler.sync_jobs(built)
        jobs = {job.id: job for job in built.get_jobs()}
        assert {"reviews.generate", "reviews.notify", "kernel.purge_security_records"} <= set(jobs)
        generate = jobs["reviews.generate"]
        assert generate.coalesce and generate.misfire_grace_time == 24 * 3600
        assert str(generate.trigger).startswith("cron[hour='5', minute='0'")
        stored = generate.next_run_time
    finally:
        built.shutdown(wait=False)
    # A restart does not re-add an unchanged job, so its stored next run time (which stays in
    # the past while no scheduler runs) is kept and the missed run is made up once.
    again = scheduler.build_scheduler(engine)
    again.start(paused=True)
    try:
        scheduler.sync_jobs(again)
        kept = again.get_job("reviews.generate")
        assert kept is not None and kept.next_run_time == stored
        assert kept.name == generate.name
    finally:
        again.shutdown(wait=False)


def test_of_two_schedulers_only_the_lease_holder_runs_jobs(engine: Engine) -> None:
    first = scheduler.start(engine)
    try:
        assert _eventually(lambda: first.state == STATE_RUNNING)
        other = scheduler.build_scheduler(engine)
        other.start(paused=True)
        stopping = threading.Event()
        keeper = threading.Thread(
            target=scheduler._keep_lease, args=(other, engine, stopping), daemon=True
        )
        original = scheduler.owner_id
        scheduler.owner_id = lambda: "other-host:2"  # type: ignore[assignment]
        try:
            keeper.start()
            time.sleep(0.5)
            assert other.state == STATE_PAUSED  # the first one holds the lease
        finally:
            stopping.set()
            keeper.join(timeout=5)
            scheduler.owner_id = original  # type: ignore[assignment]
            other.shutdown(wait=False)
    finally:
        scheduler.stop(first, engine)


def _eventually(check: Callable[[], bool], seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False
