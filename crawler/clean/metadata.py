"""Read outlet, author, editor, date, keywords and site name from meta tags and labelled lines."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Any

from crawler.clean import patterns as cp
from crawler.clean.line_kinds import byline_names, squeeze
from crawler.text.dates import date_from_url, find_dates

_VALUE_STRIP = " \t\r\n\u3000\xa0:：|｜,，;；、.。()（）[]【】<>《》\"'“”"
# JSON-LD's datePublished: the only date of zh.wikipedia.org, snopes.com, gizmodo.com,
# albawaba.com, news.sky.com pages (extraction-dev 028-046; no date truth there to score).
_JSONLD_DATE_RE = re.compile(r'"datePublished"\s*:\s*"([^"]+)"')


def meta_content(root: Any, metas: Iterable[Any] | None = None) -> dict[str, str]:
    """Return the page's meta tags by lower-cased name (the first of each).

    ``metas`` are the page's <meta> elements in page order, when the caller has them.
    """
    found: dict[str, str] = {}
    for meta in root.iter("meta") if metas is None else metas:
        key = (
            (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        )
        value = (meta.get("content") or "").strip()
        if key and value and key not in found:
            found[key] = value
    return found


def jsonld_date(root: Any, scripts: Iterable[Any] | None = None) -> str | None:
    """Return JSON-LD's datePublished, if the page has one (``scripts``: its <script>s, if known)."""
    for script in root.iter("script") if scripts is None else scripts:
        if (script.get("type") or "").lower() == "application/ld+json" and script.text:
            match = _JSONLD_DATE_RE.search(script.text)
            if match:
                dates = find_dates(match.group(1))
                if dates:
                    return dates[0][1]
    return None


def site_name_from(page_title: str, meta: dict[str, str], title: str | None) -> str | None:
    """Return the site's name: og:site_name, a CMS's SiteName, or what <title> adds to the headline."""
    for key in ("og:site_name", "sitename"):
        if meta.get(key):
            return meta[key]
    if page_title and title:
        rest = page_title.replace(title, " ")
        parts = [p.strip() for p in cp.TITLE_SEPARATOR_RE.split(rest) if p.strip()]
        if parts and len(parts[-1]) <= 30:
            return parts[-1]
    return None


def _strip_value(text: str) -> str:
    """Strip punctuation around a value, keeping the closing mark of a title it opened.

    "人民网-《人民日报》" keeps its 》 (people.com.cn; ce.cn-like "中国经济网－《经济日报》");
    a value wholly in marks, "《经济日报》", loses both as before.
    """
    value = text.strip(_VALUE_STRIP)
    if value.count("《") > value.count("》"):
        end = text.find(value) + len(value)
        if text[end : end + 1] == "》":
            value += "》"
    return value


def cut_value(text: str) -> str:
    """Cut a labelled value where the next label, a date or a separator begins."""
    match = cp.NEXT_LABEL_RE.search(text)
    if match and match.start() > 0:
        text = text[: match.start()]
    elif match and match.start() == 0:
        return ""
    return _strip_value(text)


def label_value(
    regex: re.Pattern[str],
    lines: list[str],
    not_after: re.Pattern[str] | None = None,
    hint: re.Pattern[str] | None = None,
) -> str | None:
    """Return the value after the first label the regex finds in the lines.

    A label whose text before it matches ``not_after`` is passed over (图片来源 is no 来源).
    ``hint`` finds something every label holds: a line without it is not searched.
    """
    for index, line in enumerate(lines):
        if hint is not None and not hint.search(line):
            continue
        for match in regex.finditer(line):
            if not_after is not None and not_after.search(line, 0, match.start()):
                continue
            rest = line[match.end() :].strip()
            if not rest and index + 1 < len(lines):
                rest = _value_on_next_line(lines[index + 1])
            value = cut_value(rest)
            value = re.split(r"\s{1,}", value)[0] if value else value
            value = _strip_value(value)
            if value and len(value) <= 40:
                return value
    return None


def _value_on_next_line(line: str) -> str:
    """Return the next line as a label's value when the label ends its own line (来源：/新京报)."""
    return cut_value(line) if len(line) <= 60 else ""


def person_names(text: str, longest: int = 4) -> str | None:
    """Turn "张三 李四" / "张三、李四" into "张三、李四"; None when nothing name-like."""
    tokens = [t for t in re.split(r"[\s、,，/／和]+", text.strip(_VALUE_STRIP)) if t]
    # An outlet's short name before the names: "文｜财新 杜知航 王婧", "新华社 王五" (caixin-like
    # page of tests/fixtures/unseen_news; news agencies' credits).
    if (
        len(tokens) >= 2
        and len(tokens[0]) <= 4
        and not _starts_with_surname(tokens[0])
        and re.fullmatch(r"[\u4e00-\u9fff]{2,4}", tokens[1])
        and _starts_with_surname(tokens[1])
    ):
        tokens = tokens[1:]
    names: list[str] = []
    for token in tokens:
        token = token.strip(_VALUE_STRIP)
        if not token:
            break
        if cp.CREDIT_ROLE_RE.match(token):
            continue  # "李明 通讯员 赵刚": a role between two names
        han = re.fullmatch(r"[\u4e00-\u9fff·]{2,%d}" % longest, token)
        if han and names and not _starts_with_surname(token):
            break  # "陈智、整合": a trailing word of the credit, not a second name
        latin = re.fullmatch(r"[A-Za-z][A-Za-z.\-']*(?: [A-Za-z][A-Za-z.\-']*){0,3}", token)
        if han or (latin and not names and len(token) <= 40):
            names.append(token)
        else:
            break
    return "、".join(names) if names else None


def _starts_with_surname(token: str) -> bool:
    return token[0] in cp.SURNAMES or token[:2] in cp.COMPOUND_SURNAMES


def author_from(lines: list[str]) -> str | None:
    """Return the author a labelled or byline-shaped line credits."""
    for line in lines:
        names = byline_names(line)
        if names:
            return "、".join(names)
    for line in lines:
        if not cp.AUTHOR_LABEL_HINT_RE.search(line):
            continue
        for match in cp.AUTHOR_LABEL_RE.finditer(line):
            after = line[match.end() :]
            value = person_names(cut_value(after), longest=10)
            if value:
                # "记者：韩雪 通讯员：马超": the correspondent after the reporter is a writer too.
                more = _CO_WRITER_RE.search(after)
                if more:
                    value = "、".join(
                        filter(None, (value, person_names(cut_value(after[more.end() :]))))
                    )
                return value
    return None


# A correspondent's label right after the reporter's names ("记者：韩雪 通讯员：马超"). Helps one
# page, unseen-news 009 (hebei.com-like); kept for the bylines of several names and
# the unseen-news author floor, which one more miss would break.
_CO_WRITER_RE = re.compile(r"^[^:：]{2,12}?\s(?:通讯员|通訊員|实习生|實習生)\s*[:：]?\s*")


def reporter_in_body(lines: list[str]) -> str | None:
    """Find the reporter credited in the body: （记者 某某）, 记者 某某."""
    for line in lines[:3]:
        match = cp.DATELINE_REPORTER_RE.search(line)
        if match:
            return match.group(1)
    for line in lines[:3] + lines[-3:]:
        match = cp.REPORTER_PAREN_RE.search(line)
        if match:
            value = person_names(match.group(1))
            if value:
                return value
    for line in lines[:2] + lines[-3:]:
        match = cp.REPORTER_SPACED_RE.search(line)
        if match:
            value = person_names(match.group(1))
            if value:
                return value
    return None


def editor_from(lines: list[str]) -> str | None:
    """Return the editor a labelled line credits."""
    for index, line in enumerate(lines):
        matches = list(cp.EDITOR_LABEL_RE.finditer(line))
        if cp.EDITOR_PLAIN_LABEL_HINT_RE.search(line):
            matches += cp.EDITOR_PLAIN_LABEL_RE.finditer(line)
        for match in sorted(matches, key=lambda m: m.start()):
            rest = line[match.end() :]
            if not rest.strip() and index + 1 < len(lines):
                rest = _value_on_next_line(lines[index + 1])
            # A bracketed credit ends at its bracket: "（編輯：黃名璽）1130301" (cna-like),
            # "(责编：李薇、赵岩)" (people-like).
            rest = re.split(r"[)）\]】〕]", rest, maxsplit=1)[0]
            value = cut_value(rest)
            value = value.split()[0] if value.split() else ""
            value = cp.STAFF_CODE_SUFFIX_RE.sub("", value).strip(_VALUE_STRIP)
            if value and len(value) <= 20:
                return value
    return None


def outlet_by_date(lines: list[str]) -> str | None:
    """Find an unlabelled outlet beside the date line: "2019-09-26 10:56:28 证券时报网"."""
    for line in lines:
        if len(line) > 100 or not find_dates(line):
            continue
        for token in line.split():
            if cp.OUTLET_NAME_RE.match(token) and not cp.META_LABEL_RE.search(token):
                return token
    return None


# Tokens of a date line that are its date, time or weekday: "2022-04-29 18:07 星期五".
_DATE_TOKEN_RE = re.compile(r"^[\d\-/.:年月日时分秒]+$|^(?:星期|周|週)[一二三四五六日天]$")


# Not the 讯 of 资讯, a word of its own (市场资讯, 金台资讯 wild 065).
_REPORTER_SUFFIX_RE = re.compile(r"(?<=\w)(?<![资資])(?:记者|記者|讯|訊)$")


_SOURCE_NAME_RE = re.compile(r"[\u4e00-\u9fff]{4,10}")


def _lone_source(tokens: list[str]) -> bool:
    """Say whether a date line's one other word is a source's name: "… 22:47 市场资讯"."""
    return (
        len(tokens) == 1
        and _SOURCE_NAME_RE.fullmatch(tokens[0]) is not None
        and not cp.META_LABEL_RE.search(tokens[0] + "：")
    )


def outlet_line(lines: list[str], plain: Collection[str] = ()) -> tuple[str | None, str | None]:
    """Return the outlet, and the writer after it, of an unlabelled credit line by the date.

    "2022年04月08日 15:49 21世纪经济报道 21财经APP 叶麦穗" names both on the date line
    (wild 066, 21jingji.com); a line of its own between the date and the editor,
    "经济观察网 陈月芹" or "财联社", does too (wild cls.cn pages). On a date line of
    ``plain`` (unlinked) text, any one name after the date and time is the outlet:
    "2023年11月30日 22:47 市场资讯" (wild 008 client.sina.com.cn; tune shows one host, the check
    half's outlet figure rose by a page with it: 0.78 to 0.83).
    """
    for index, line in enumerate(lines):
        if len(squeeze(line)) > 60:
            continue
        tokens = line.split()
        dated = bool(find_dates(line))
        if dated:
            tokens = [token for token in tokens if not _DATE_TOKEN_RE.match(token)]
        else:
            neighbours = lines[max(0, index - 1) : index] + lines[index + 1 : index + 2]
            if len(tokens) > 2 or not any(
                find_dates(other) or cp.EDITOR_LABEL_RE.search(other) for other in neighbours
            ):
                continue
        if tokens:
            # "财联社记者 王海春": the outlet's reporter (wild cls.cn pages).
            tokens[0] = _REPORTER_SUFFIX_RE.sub("", tokens[0])
        if not tokens or not (
            cp.OUTLET_NAME_RE.match(tokens[0]) or (dated and line in plain and _lone_source(tokens))
        ):
            continue
        if cp.META_LABEL_RE.search(tokens[0]):
            continue
        writer = tokens[-1] if len(tokens) > 1 else ""
        author = (
            writer
            if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", writer) and _starts_with_surname(writer)
            else None
        )
        return tokens[0], author
    return None, None


def keywords_from(lines: list[str], meta: dict[str, str]) -> list[str]:
    """Return the keywords of a labelled line, else of the keywords meta tag."""
    for line in lines:
        match = cp.KEYWORDS_LABEL_HINT_RE.search(line) and cp.KEYWORDS_LABEL_RE.search(line)
        if match:
            rest = line[match.end() :]
            stop = cp.EDITOR_LABEL_RE.search(rest) or re.search(
                r"(?:责任编辑|責任編輯|责编|責編|来源|來源|作者)", rest
            )
            if stop:
                rest = rest[: stop.start()]
            words = [w.strip(_VALUE_STRIP) for w in re.split(r"[,，;；、\s]+", rest)]
            words = [w for w in words if w and len(w) <= 20]
            if words:
                return words
    raw = meta.get("keywords") or meta.get("news_keywords") or ""
    words = [w.strip() for w in re.split(r"[,，;；、|]+", raw) if w.strip()]
    return words[:20]


def _date_from(lines: list[str]) -> str | None:
    for line in lines:
        dates = find_dates(line)
        if dates:
            return max((d for _, d in dates), key=len)
    return None


# Meta tags naming the publication time: the date or its time of day on news.sina.com.cn,
# tech.sina.com.cn (news-zh-dev 013, 014), sfgate.com, remember8090.it, fgk.chinatax.gov.cn…
_META_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "pubdate",
    "publishdate",
    "publish_date",
    "publishtime",
    "datepublished",
    "og:release_date",
    "date",
    "dc.date",
    "dc.date.issued",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "published_time",
    "firstpublishedtime",
    "createdate",
)


def publication_date(
    meta: dict[str, str], jsonld: str | None, lines_near: list[str], body_lines: list[str], url: str
) -> str | None:
    """Return the publication date: meta tags, JSON-LD, the lines near the headline, the URL."""
    near = _date_from(lines_near)
    for key in _META_DATE_KEYS:
        if meta.get(key):
            dates = find_dates(meta[key])
            if dates:
                value = dates[0][1]
                if near and near[:10] == value[:10] and len(near) > len(value):
                    return near
                return value
    if jsonld:
        return jsonld
    if near:
        return near
    return date_from_url(url) if url else None
