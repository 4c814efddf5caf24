"""The legal deadlines of an incident as data (no database): GDPR Art. 33 (the supervisory
authority within 72 hours of becoming aware), Art. 34 (the data subjects without undue delay
where the risk is high) and, for critical facilities, the BSIG stages (early warning within 24
hours, notification within 72 hours, final report within a month of the notification)."""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from isms.clock import LOCAL

EARLY_WARNING = timedelta(hours=24)
NOTIFICATION = timedelta(hours=72)


class ClockState(enum.StrEnum):
    RUNNING = "laeuft"
    OVERDUE = "ueberfaellig"
    DONE = "erledigt"
    LATE = "verspaetet"  # done, but after the deadline
    NOT_REQUIRED = "entfaellt"


class Deadline(enum.StrEnum):
    ART33 = "art33"
    ART34 = "art34"
    BSIG_EARLY = "bsig_fruehwarnung"
    BSIG_NOTIFICATION = "bsig_meldung"
    BSIG_FINAL = "bsig_abschluss"


class Timed(Protocol):
    aware_at: datetime
    personal_data: bool

    @property
    def risk_to_rights(self) -> str: ...

    authority_notified_at: datetime | None
    subjects_notified_at: datetime | None
    subjects_reason: str
    kritis: bool
    early_warning_at: datetime | None
    notification_at: datetime | None
    final_report_at: datetime | None


@dataclass(frozen=True)
class Clock:
    deadline: Deadline
    due: datetime | None  # None: "without undue delay", no fixed hour
    done: datetime | None
    state: ClockState

    def left(self, now: datetime) -> timedelta | None:
        """Time until the deadline (negative when past); None without a fixed deadline."""
        return None if self.due is None or self.done else self.due - now


def add_month(moment: datetime) -> datetime:
    """The same day and time a calendar month later in the city's civil time (the last day
    where the month is shorter), so that a daylight-saving change keeps the hour."""
    local = moment.astimezone(LOCAL)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    day = min(local.day, calendar.monthrange(year, month)[1])
    later = local.replace(year=year, month=month, day=day)
    return later.astimezone(moment.tzinfo) if moment.tzinfo else later


def _state(due: datetime | None, done: datetime | None, now: datetime) -> ClockState:
    if done is not None:
        return ClockState.LATE if due is not None and done > due else ClockState.DONE
    if due is not None and now > due:
        return ClockState.OVERDUE
    return ClockState.RUNNING


def clocks(incident: Timed, now: datetime) -> list[Clock]:
    """Every deadline that applies to the incident, with its state at now."""
    aware = incident.aware_at
    found: list[Clock] = []
    if incident.personal_data:
        due = aware + NOTIFICATION
        done = incident.authority_notified_at
        state = (
            ClockState.NOT_REQUIRED
            if incident.risk_to_rights == "kein_risiko" and done is None
            else _state(due, done, now)
        )
        found.append(Clock(Deadline.ART33, due, done, state))
        if incident.risk_to_rights == "hohes_risiko":
            done = incident.subjects_notified_at
            state = (
                ClockState.NOT_REQUIRED
                if done is None and incident.subjects_reason  # an Art. 34(3) exception
                else _state(None, done, now)
            )
            found.append(Clock(Deadline.ART34, None, done, state))
    if incident.kritis:
        early = aware + EARLY_WARNING
        found.append(
            Clock(
                Deadline.BSIG_EARLY,
                early,
                incident.early_warning_at,
                _state(early, incident.early_warning_at, now),
            )
        )
        notification = aware + NOTIFICATION
        found.append(
            Clock(
                Deadline.BSIG_NOTIFICATION,
                notification,
                incident.notification_at,
                _state(notification, incident.notification_at, now),
            )
        )
        final = add_month(incident.notification_at or notification)
        found.append(
            Clock(
                Deadline.BSIG_FINAL,
                final,
                incident.final_report_at,
                _state(final, incident.final_report_at, now),
            )
        )
    return found
