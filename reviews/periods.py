"""Review periods as pure functions (no database): which period a day falls in, its key and its
due date, and when its task is created (a lead time before the due date)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    key: str  # unique per policy and object: "12m:2026-01-01", "until:2027-03-31"
    start: date
    due: date  # the last day of the period, or the deadline


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def calendar_period(interval_months: int, day: date) -> Period:
    """The calendar-aligned period of interval_months that contains day (years start in
    January, half-years in January and July, quarters in January, April, ...)."""
    if interval_months < 1:
        raise ValueError("interval_months must be at least 1")
    index = (day.year * 12 + day.month - 1) // interval_months * interval_months
    start = date(index // 12, index % 12 + 1, 1)
    due = _add_months(start, interval_months) - timedelta(days=1)
    return Period(f"{interval_months}m:{start.isoformat()}", start, due)


def periods_to_generate(interval_months: int, lead_days: int, today: date) -> list[Period]:
    """The periods whose task should exist today: the current one once its lead time has begun,
    and the previous one (a run missed over a whole window is caught up once, never lost)."""
    current = calendar_period(interval_months, today)
    previous = calendar_period(interval_months, current.start - timedelta(days=1))
    wanted = [previous]
    if today >= current.due - timedelta(days=lead_days):
        wanted.append(current)
    return wanted


def deadline_period(deadline: date) -> Period:
    """A review before a fixed date (an acceptance's expiry, an evidence's valid-until)."""
    return Period(f"until:{deadline.isoformat()}", deadline, deadline)


def deadline_due(deadline: date, lead_days: int, today: date) -> bool:
    """Whether the review of a deadline is due to be created today."""
    return today >= deadline - timedelta(days=lead_days)
