"""Scheduled jobs of the reviews: daily task generation (idempotent, committed per policy)."""

from __future__ import annotations

from sqlmodel import Session

from isms.scheduler import JobSpec, register_job
from isms.settings import get_settings
from reviews import deadlines, generation, notify


def generate_job(session: Session) -> None:
    generation.generate(session, commit_each=True)


def notify_job(session: Session) -> None:
    """Plan today's notices, commit them, then mail what is not mailed yet."""
    notify.plan(session)
    session.commit()
    notify.deliver(session, get_settings())


def deadlines_job(session: Session) -> None:
    """Remind of the incidents' legal deadlines: plan, commit, then mail."""
    deadlines.plan(session)
    session.commit()
    deadlines.deliver(session, get_settings())


def register() -> None:
    """Declare the jobs (the app factory and `isms scheduler` call this)."""
    # A run missed while no scheduler was up is made up once when one starts again (within a
    # day); generation itself also catches up a whole missed period.
    catch_up = {"misfire_grace_time": 24 * 3600, "coalesce": True}
    register_job(
        JobSpec("reviews.generate", generate_job, "cron", {"hour": 5, "minute": 0, **catch_up})
    )
    register_job(
        JobSpec("reviews.notify", notify_job, "cron", {"hour": 6, "minute": 0, **catch_up})
    )
    # Deadlines of hours: checked every ten minutes; a missed run is simply made up by the next.
    register_job(
        JobSpec(
            "reviews.deadlines",
            deadlines_job,
            "interval",
            {"minutes": 10, "coalesce": True, "misfire_grace_time": 600},
        )
    )
