"""One scheduler at a time: the lease in the database; the review jobs are registered."""

from __future__ import annotations

from datetime import timedelta

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


def test_review_jobs_are_kept_in_the_database_and_catch_up_once(engine: Engine) -> None:
    tasks.register()
    built = scheduler.build_scheduler(engine)
    built.start(paused=True)
    try:
        jobs = {job.id: job for job in built.get_jobs()}
        assert {"reviews.generate", "reviews.notify", "kernel.purge_security_records"} <= set(jobs)
        generate = jobs["reviews.generate"]
        assert generate.coalesce and generate.misfire_grace_time == 24 * 3600
        assert str(generate.trigger).startswith("cron[hour='5', minute='0'")
    finally:
        built.shutdown(wait=False)
