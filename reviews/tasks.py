"""Scheduled jobs of the reviews: daily task generation (idempotent, committed per policy)."""

from __future__ import annotations

from sqlmodel import Session

from isms.scheduler import JobSpec, register_job
from reviews import generation


def generate_job(session: Session) -> None:
    generation.generate(session, commit_each=True)


def register() -> None:
    """Declare the jobs (the app factory and `isms scheduler` call this)."""
    register_job(JobSpec("reviews.generate", generate_job, "cron", {"hour": 5, "minute": 0}))
