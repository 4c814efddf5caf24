"""The one clock of the application: timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


# The city's civil time: days of a period, deadlines and times shown to people.
LOCAL = ZoneInfo("Europe/Berlin")


def local_text(moment: datetime | None) -> str:
    """A time as the city reads it (dd.mm.yyyy hh:mm); empty when there is none."""
    return moment.astimezone(LOCAL).strftime("%d.%m.%Y %H:%M") if moment else ""
