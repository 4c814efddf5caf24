"""Review periods, without a database."""

from __future__ import annotations

from datetime import date

import pytest

from reviews.periods import (
    calendar_period,
    deadline_due,
    deadline_period,
    periods_to_generate,
)


@pytest.mark.parametrize(
    ("months", "day", "key", "due"),
    [
        (12, date(2026, 11, 21), "12m:2026-01-01", date(2026, 12, 31)),
        (6, date(2026, 3, 1), "6m:2026-01-01", date(2026, 6, 30)),
        (6, date(2026, 7, 1), "6m:2026-07-01", date(2026, 12, 31)),
        (3, date(2026, 11, 21), "3m:2026-10-01", date(2026, 12, 31)),
        (1, date(2028, 2, 10), "1m:2028-02-01", date(2028, 2, 29)),
        (36, date(2026, 11, 21), "36m:2025-01-01", date(2027, 12, 31)),
    ],
)
def test_calendar_periods(months: int, day: date, key: str, due: date) -> None:
    period = calendar_period(months, day)
    assert (period.key, period.due) == (key, due)
    assert period.start <= day <= period.due


def test_the_current_period_is_generated_from_its_lead_time_and_the_previous_is_caught_up() -> None:
    early = periods_to_generate(12, 30, date(2026, 11, 21))
    assert [p.key for p in early] == ["12m:2025-01-01"]
    late = periods_to_generate(12, 30, date(2026, 12, 1))
    assert [p.key for p in late] == ["12m:2025-01-01", "12m:2026-01-01"]
    monthly = periods_to_generate(1, 31, date(2026, 11, 21))
    assert [p.key for p in monthly] == ["1m:2026-10-01", "1m:2026-11-01"]


def test_deadlines() -> None:
    assert deadline_period(date(2027, 3, 31)).key == "until:2027-03-31"
    assert not deadline_due(date(2027, 3, 31), 60, date(2027, 1, 29))
    assert deadline_due(date(2027, 3, 31), 60, date(2027, 1, 30))
    with pytest.raises(ValueError, match="at least 1"):
        calendar_period(0, date(2026, 1, 1))
