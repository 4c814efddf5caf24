"""The legal deadlines of incidents, computed from their times (no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from privacy.clocks import ClockState, Deadline, add_month, clocks

AWARE = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
H = timedelta(hours=1)


@dataclass
class Case:
    aware_at: datetime = AWARE
    personal_data: bool = False
    risk_to_rights: str = "offen"
    authority_notified_at: datetime | None = None
    subjects_notified_at: datetime | None = None
    subjects_reason: str = ""
    kritis: bool = False
    early_warning_at: datetime | None = None
    notification_at: datetime | None = None
    final_report_at: datetime | None = None


def states(case: Case, now: datetime) -> dict[Deadline, tuple[ClockState, datetime | None]]:
    return {c.deadline: (c.state, c.due) for c in clocks(case, now)}


def test_an_incident_without_personal_data_or_kritis_has_no_deadline() -> None:
    assert clocks(Case(), AWARE + 100 * H) == []


def test_article_33_runs_72_hours_from_becoming_aware() -> None:
    breach = Case(personal_data=True, risk_to_rights="risiko")
    running = clocks(breach, AWARE + 10 * H)
    assert [(c.deadline, c.state, c.due) for c in running] == [
        (Deadline.ART33, ClockState.RUNNING, AWARE + 72 * H)
    ]
    assert running[0].left(AWARE + 10 * H) == 62 * H
    assert states(breach, AWARE + 72 * H)[Deadline.ART33][0] is ClockState.RUNNING  # the 72nd
    assert states(breach, AWARE + 73 * H)[Deadline.ART33][0] is ClockState.OVERDUE
    unassessed = Case(personal_data=True)  # not assessed yet: the clock runs all the same
    assert states(unassessed, AWARE + 80 * H)[Deadline.ART33][0] is ClockState.OVERDUE
    on_time = Case(
        personal_data=True, risk_to_rights="risiko", authority_notified_at=AWARE + 50 * H
    )
    assert states(on_time, AWARE + 200 * H)[Deadline.ART33][0] is ClockState.DONE
    late = Case(personal_data=True, risk_to_rights="risiko", authority_notified_at=AWARE + 80 * H)
    assert states(late, AWARE + 200 * H)[Deadline.ART33][0] is ClockState.LATE
    harmless = Case(personal_data=True, risk_to_rights="kein_risiko")
    assert states(harmless, AWARE + 200 * H)[Deadline.ART33][0] is ClockState.NOT_REQUIRED


def test_article_34_applies_where_the_risk_is_high() -> None:
    assert Deadline.ART34 not in states(Case(personal_data=True, risk_to_rights="risiko"), AWARE)
    high = Case(personal_data=True, risk_to_rights="hohes_risiko")
    assert states(high, AWARE + 5 * H)[Deadline.ART34] == (ClockState.RUNNING, None)
    told = Case(personal_data=True, risk_to_rights="hohes_risiko", subjects_notified_at=AWARE + H)
    assert states(told, AWARE + 5 * H)[Deadline.ART34][0] is ClockState.DONE
    exempt = Case(
        personal_data=True, risk_to_rights="hohes_risiko", subjects_reason="Art. 34 Abs. 3 lit. a"
    )
    assert states(exempt, AWARE + 5 * H)[Deadline.ART34][0] is ClockState.NOT_REQUIRED


def test_the_bsig_stages_of_a_critical_facility() -> None:
    kritis = Case(kritis=True)
    at = states(kritis, AWARE + 25 * H)
    assert at[Deadline.BSIG_EARLY] == (ClockState.OVERDUE, AWARE + 24 * H)
    assert at[Deadline.BSIG_NOTIFICATION] == (ClockState.RUNNING, AWARE + 72 * H)
    # A month after the notification's deadline, 3 Feb 09:30 -> 3 Mar 09:30.
    assert at[Deadline.BSIG_FINAL] == (ClockState.RUNNING, datetime(2026, 3, 3, 9, 30, tzinfo=UTC))
    reported = Case(
        kritis=True,
        early_warning_at=AWARE + 20 * H,
        notification_at=AWARE + 30 * H,  # 1 Feb 15:30: the final report is due 1 Mar 15:30
    )
    at = states(reported, AWARE + 40 * H)
    assert at[Deadline.BSIG_EARLY][0] is ClockState.DONE
    assert at[Deadline.BSIG_NOTIFICATION][0] is ClockState.DONE
    assert at[Deadline.BSIG_FINAL] == (ClockState.RUNNING, datetime(2026, 3, 1, 15, 30, tzinfo=UTC))


def test_a_month_later_keeps_the_day_or_takes_the_last_one() -> None:
    assert add_month(datetime(2026, 1, 31, 8, tzinfo=UTC)) == datetime(2026, 2, 28, 8, tzinfo=UTC)
    assert add_month(datetime(2028, 1, 31, tzinfo=UTC)) == datetime(2028, 2, 29, tzinfo=UTC)
    assert add_month(datetime(2026, 12, 15, tzinfo=UTC)) == datetime(2027, 1, 15, tzinfo=UTC)
    # a month in the city's civil time: 11:00 in winter is 11:00 in summer, an hour less in UTC
    assert add_month(datetime(2026, 3, 15, 10, tzinfo=UTC)) == datetime(2026, 4, 15, 9, tzinfo=UTC)
    assert add_month(datetime(2026, 10, 15, 9, tzinfo=UTC)) == datetime(
        2026, 11, 15, 10, tzinfo=UTC
    )
