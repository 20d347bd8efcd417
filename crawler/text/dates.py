"""Parse the date shapes of Chinese pages into ISO 8601 (China Standard Time by default)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

__all__ = [
    "CHINA_TZ",
    "DateParseError",
    "chinese_numeral_date",
    "find_date",
    "find_dates",
    "parse_date",
    "parse_feed_date",
]

CHINA_TZ = timezone(timedelta(hours=8))


class DateParseError(ValueError):
    """Raised when a string holds no date this module understands."""


# 2024-02-24 07:53:08 / 2024/2/24 7:53 / 2024.02.24 / 2024年2月24日 07:53 / 2024年2月24日 下午3点
DATE_TIME_RE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?!\d)\s*日?"
    r"(?:\s*(?:T|\s)?\s*(?:(上午|下午|晚上|凌晨|中午)\s*)?(\d{1,2})\s*[:：时時点]\s*(\d{1,2})"
    r"(?:\s*[:：分]\s*(\d{1,2}))?(?!\d)\s*(?:秒)?"
    r"(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?)?"
)
# Compact forms in URLs: /20190907/, /2019-09/07/, t20190907_.
URL_DATE_RE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})[-/_]?(0[1-9]|1[0-2])[-/_]?(0[1-9]|[12]\d|3[01])(?!\d)"
)
URL_MONTH_DAY_RE = re.compile(r"/((?:19|20)\d{2})[-/_]?(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])/")


# 二〇二四年五月八日: the date form of official documents' signatures before GB/T 9704-2012
# (and still in use on many sites).
# The zero is typed many ways: 〇, ○, 零, and the letter or digit O / 0 (二Ｏ二四年, 二0二四年).
CHINESE_NUMERAL_DATE_RE = re.compile(
    r"([〇○零OＯ0０一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月"
    r"\s*([一二三四五六七八九十]{1,3})\s*日"
)
_CHINESE_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | dict.fromkeys(
    "○零OＯ0０", 0
)


def _chinese_number(text: str) -> int:
    """Return the value of 五, 十, 十二, 二十, 二十八 (a month or a day)."""
    if "十" not in text:
        return _CHINESE_DIGITS[text]
    tens, _, units = text.partition("十")
    return (_CHINESE_DIGITS[tens] if tens else 1) * 10 + (_CHINESE_DIGITS[units] if units else 0)


def chinese_numeral_date(text: str) -> str | None:
    """Return the ISO date of the first 二〇二四年五月八日 in text, or None."""
    match = CHINESE_NUMERAL_DATE_RE.search(text)
    if match is None:
        return None
    year = int("".join(str(_CHINESE_DIGITS[c]) for c in match.group(1)))
    try:
        return date(
            year, _chinese_number(match.group(2)), _chinese_number(match.group(3))
        ).isoformat()
    except (KeyError, ValueError):
        return None


def _build(match: re.Match[str]) -> str | None:
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    try:
        day_value = date(year, month, day)
    except ValueError:
        return None
    if match.group(5) is None:
        return day_value.isoformat()
    hour, minute = int(match.group(5)), int(match.group(6))
    second = int(match.group(7)) if match.group(7) else 0
    if match.group(4) in ("下午", "晚上") and hour < 12:
        hour += 12
    if hour > 23 or minute > 59 or second > 59:
        return day_value.isoformat()
    tz = CHINA_TZ
    offset = match.group(8)
    if offset == "Z":
        tz = UTC
    elif offset:
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    stamp = datetime(year, month, day, hour, minute, second, tzinfo=tz)
    if tz is not CHINA_TZ:
        stamp = stamp.astimezone(CHINA_TZ)
    return stamp.isoformat()


def find_dates(text: str) -> list[tuple[int, str]]:
    """Return (position, ISO string) for every date in text, in order."""
    found = []
    for match in DATE_TIME_RE.finditer(text):
        value = _build(match)
        if value:
            found.append((match.start(), value))
    return found


def find_date(text: str) -> str | None:
    """Return the first date in text as ISO 8601, or None."""
    for _, value in find_dates(text):
        return value
    return None


def parse_date(text: str) -> str:
    """Parse one date string; raise DateParseError when none is found."""
    value = find_date(text)
    if value is None:
        raise DateParseError("no date in %r" % text[:80])
    return value


def date_from_url(url: str) -> str | None:
    """Return the YYYY-MM-DD date embedded in a URL path, or None."""
    for regex in (URL_MONTH_DAY_RE, URL_DATE_RE):
        match = regex.search(url)
        if match:
            try:
                return date(
                    int(match.group(1)), int(match.group(2)), int(match.group(3))
                ).isoformat()
            except ValueError:
                continue
    return None


def parse_feed_date(text: str) -> str | None:
    """Return a feed's date (RFC 822 in RSS, ISO 8601 in Atom) in China Standard Time.

    Feeds give dates in UTC or any offset; page dates are ``+08:00``, so a feed date is
    turned to ``+08:00`` too. A date without an offset is taken as China time, as on pages.
    """
    try:
        stamp = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return find_date(text)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=CHINA_TZ)
    return stamp.astimezone(CHINA_TZ).isoformat()
