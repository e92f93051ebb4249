"""Dashboard periods (SPEC D2): today, yesterday, week, month or custom days, in the workspace's time zone.

A period is a run of whole local days, given to queries as aware UTC bounds [start, end). Days
are counted in the workspace's calendar, so a day across a daylight-saving change is 23 or 25
hours long and a move at 23:59:59 local time belongs to that day, not the next. Weeks start on
Monday (ISO 8601). The previous period, used for comparisons, is the same number of days
immediately before (for a 31-day month: the 31 days before it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PERIODS = ("today", "yesterday", "week", "month", "custom")
MAX_CUSTOM_DAYS = 366
UTC = dt.UTC


def local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The UTC moment a local day begins."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    name: str
    first_day: dt.date
    last_day: dt.date  # inclusive
    time_zone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def start(self) -> dt.datetime:
        return local_midnight(self.first_day, self.zone)

    @property
    def end(self) -> dt.datetime:
        """Exclusive: the first moment after the period."""
        return local_midnight(self.last_day + dt.timedelta(days=1), self.zone)

    @property
    def day_count(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def days(self) -> list[dt.date]:
        return [self.first_day + dt.timedelta(days=i) for i in range(self.day_count)]

    def previous(self) -> Period:
        """The same number of days right before this period."""
        last = self.first_day - dt.timedelta(days=1)
        return Period(self.name, last - dt.timedelta(days=self.day_count - 1), last, self.time_zone)

    @property
    def label(self) -> str:
        labels = {"today": _("Today"), "yesterday": _("Yesterday"), "week": _("This week"), "month": _("This month")}
        if self.name in labels:
            return labels[self.name]
        if self.first_day == self.last_day:
            return self.first_day.isoformat()
        return f"{self.first_day.isoformat()} – {self.last_day.isoformat()}"

    def as_json(self) -> dict[str, str]:
        return {"start": iso(self.start), "end": iso(self.end), "label": self.label, "time_zone": self.time_zone}


def iso(moment: dt.datetime) -> str:
    """An aware moment as ISO 8601 in UTC with a Z, as the API and list links write it."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def resolve_period(
    name: str,
    *,
    time_zone: str,
    at: dt.datetime,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Period:
    """The period `name` around the moment `at` (now, or the as-of moment of time travel)."""
    zone = ZoneInfo(time_zone)
    today = at.astimezone(zone).date()
    if name == "today":
        return Period(name, today, today, time_zone)
    if name == "yesterday":
        day = today - dt.timedelta(days=1)
        return Period(name, day, day, time_zone)
    if name == "week":
        monday = today - dt.timedelta(days=today.weekday())
        return Period(name, monday, monday + dt.timedelta(days=6), time_zone)
    if name == "month":
        first = today.replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        return Period(name, first, following - dt.timedelta(days=1), time_zone)
    if name != "custom":
        raise ValidationError({"period": _("Choose one of: %(names)s.") % {"names": ", ".join(PERIODS)}})
    errors = {}
    if start is None:
        errors["start"] = _("A custom period needs its first day (start=YYYY-MM-DD).")
    if end is None:
        errors["end"] = _("A custom period needs its last day (end=YYYY-MM-DD).")
    if errors:
        raise ValidationError(errors)
    assert start is not None and end is not None
    if end < start:
        raise ValidationError({"end": _("The last day comes before the first day.")})
    if (end - start).days + 1 > MAX_CUSTOM_DAYS:
        raise ValidationError({"end": _("A custom period is at most %(days)d days long.") % {"days": MAX_CUSTOM_DAYS}})
    return Period(name, start, end, time_zone)


def month_of(day: dt.date, time_zone: str) -> Period:
    """The calendar month containing `day`, as a period (goals are monthly)."""
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return Period("month", first, following - dt.timedelta(days=1), time_zone)


def quarter_before(day: dt.date, time_zone: str) -> Period:
    """The calendar quarter before the one containing `day` (the forecast's back-test)."""
    quarter_first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    last = quarter_first - dt.timedelta(days=1)
    first = dt.date(last.year, 3 * ((last.month - 1) // 3) + 1, 1)
    return Period("custom", first, last, time_zone)
