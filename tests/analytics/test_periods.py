"""Periods in the workspace's calendar (SPEC D2): bounds, daylight saving, previous periods, errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from rapport.analytics.periods import month_of, quarter_before, resolve_period

from .support import MADRID, at

UTC = dt.UTC


def bounds(period):
    return period.start.astimezone(UTC), period.end.astimezone(UTC)


def utc(*parts):
    return dt.datetime(*parts, tzinfo=UTC)


def test_today_and_yesterday_in_madrid_and_utc():
    moment = at(2025, 3, 13, 0, 30)  # 23:30 UTC on the 12th
    madrid = resolve_period("today", time_zone="Europe/Madrid", at=moment)
    in_utc = resolve_period("today", time_zone="UTC", at=moment)
    assert madrid.first_day == dt.date(2025, 3, 13) and in_utc.first_day == dt.date(2025, 3, 12)
    assert bounds(madrid) == (utc(2025, 3, 12, 23), utc(2025, 3, 13, 23))
    assert bounds(in_utc) == (utc(2025, 3, 12), utc(2025, 3, 13))
    assert resolve_period("yesterday", time_zone="Europe/Madrid", at=moment).first_day == dt.date(2025, 3, 12)


def test_a_second_before_midnight_and_midnight_fall_in_different_days():
    day = resolve_period("custom", time_zone="Europe/Madrid", at=at(2025, 3, 20), start=dt.date(2025, 3, 12), end=dt.date(2025, 3, 12))
    assert day.start <= at(2025, 3, 12, 23, 59, 59) < day.end
    assert not day.start <= at(2025, 3, 13, 0, 0, 0) < day.end
    assert day.start <= at(2025, 3, 12, 0, 0, 0)


def test_days_across_daylight_saving_changes_are_23_and_25_hours():
    spring = resolve_period("today", time_zone="Europe/Madrid", at=at(2025, 3, 30, 12))
    autumn = resolve_period("today", time_zone="Europe/Madrid", at=at(2025, 10, 26, 12))
    assert spring.end - spring.start == dt.timedelta(hours=23)
    assert autumn.end - autumn.start == dt.timedelta(hours=25)


def test_week_starts_on_monday_and_month_on_the_first():
    sunday = at(2025, 3, 16, 22)
    week = resolve_period("week", time_zone="Europe/Madrid", at=sunday)
    month = resolve_period("month", time_zone="Europe/Madrid", at=sunday)
    assert (week.first_day, week.last_day) == (dt.date(2025, 3, 10), dt.date(2025, 3, 16))
    assert (month.first_day, month.last_day, month.day_count) == (dt.date(2025, 3, 1), dt.date(2025, 3, 31), 31)
    december = resolve_period("month", time_zone="Europe/Madrid", at=at(2024, 12, 31, 23, 59))
    assert december.last_day == dt.date(2024, 12, 31)


def test_the_previous_period_has_the_same_number_of_days():
    march = resolve_period("month", time_zone="Europe/Madrid", at=at(2025, 3, 5))
    assert (march.previous().first_day, march.previous().last_day) == (dt.date(2025, 1, 29), dt.date(2025, 2, 28))
    week = resolve_period("week", time_zone="Europe/Madrid", at=at(2025, 3, 12))
    assert (week.previous().first_day, week.previous().last_day) == (dt.date(2025, 3, 3), dt.date(2025, 3, 9))
    assert march.previous().end == march.start


def test_custom_period_errors():
    moment = at(2025, 3, 5)
    with pytest.raises(ValidationError) as missing:
        resolve_period("custom", time_zone="UTC", at=moment)
    assert set(missing.value.message_dict) == {"start", "end"}
    with pytest.raises(ValidationError):
        resolve_period("custom", time_zone="UTC", at=moment, start=dt.date(2025, 3, 2), end=dt.date(2025, 3, 1))
    with pytest.raises(ValidationError):
        resolve_period("custom", time_zone="UTC", at=moment, start=dt.date(2024, 1, 1), end=dt.date(2025, 1, 2))
    assert resolve_period("custom", time_zone="UTC", at=moment, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31)).day_count == 366
    with pytest.raises(ValidationError):
        resolve_period("decade", time_zone="UTC", at=moment)


def test_months_and_quarters():
    assert month_of(dt.date(2024, 2, 15), "UTC").last_day == dt.date(2024, 2, 29)
    q = quarter_before(dt.date(2025, 1, 10), "Europe/Madrid")
    assert (q.first_day, q.last_day, q.day_count) == (dt.date(2024, 10, 1), dt.date(2024, 12, 31), 92)
    assert quarter_before(dt.date(2025, 6, 30), "UTC").first_day == dt.date(2025, 1, 1)
    assert q.start.astimezone(MADRID).hour == 0
