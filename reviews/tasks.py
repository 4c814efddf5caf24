"""Scheduled jobs of the reviews: daily task generation (idempotent, committed per policy)."""

from __future__ import annotations

from sqlmodel import Session

from isms.scheduler import JobSpec, register_job
from isms.settings import get_settings
from reviews import generation, notify


def generate_job(session: Session) -> None:
    generation.generate(session, commit_each=True)


def notify_job(session: Session) -> None:
    """Plan today's notices, commit them, then mail what is not mailed yet."""
    notify.plan(session)
    session.commit()
    notify.deliver(session, get_settings())


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
