"""ISO weeks in China Standard Time, and archived times read in that zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

CHINA_STANDARD_TIME = timezone(timedelta(hours=8))
ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class WeekFormatError(ValueError):
    """A week is not written as an ISO week such as ``2024-W08``."""


@dataclass(frozen=True)
class IsoWeek:
    """One ISO week: its name (``2024-W08``) and its Monday and Sunday."""

    name: str
    monday: date
    sunday: date

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """Read ``YYYY-Www``; raise ``WeekFormatError`` for anything else."""
        match = ISO_WEEK.match(text.strip())
        if not match:
            raise WeekFormatError("week must look like 2024-W08, got %r" % text)
        year, number = int(match.group(1)), int(match.group(2))
        try:
            monday = date.fromisocalendar(year, number, 1)
        except ValueError:
            raise WeekFormatError("%s has no week %d" % (year, number)) from None
        return cls("%04d-W%02d" % (year, number), monday, monday + timedelta(days=6))

    @classmethod
    def containing(cls, day: date) -> IsoWeek:
        """Return the ISO week that holds ``day``."""
        year, number, _ = day.isocalendar()
        return cls.parse("%04d-W%02d" % (year, number))

    @classmethod
    def last_full_week(cls, now: datetime | None = None) -> IsoWeek:
        """Return the week before the current one (in China Standard Time)."""
        today = (now or datetime.now(CHINA_STANDARD_TIME)).astimezone(CHINA_STANDARD_TIME).date()
        return cls.containing(today - timedelta(days=7))

    def days(self) -> list[date]:
        """Return Monday to Sunday."""
        return [self.monday + timedelta(days=offset) for offset in range(7)]


def parse_archive_time(text: str) -> datetime:
    """Read an archived time (ISO 8601, or a bare date) as an aware time in +08:00.

    A time without offset is taken as China Standard Time, as the archive writes it.
    Raise ``ValueError`` for text that is not ISO 8601.
    """
    text = text.strip()
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA_STANDARD_TIME)
    return moment.astimezone(CHINA_STANDARD_TIME)
