"""Weekly digests of the archive: Markdown, self-contained HTML, Atom and JSON.

A digest covers one ISO week (Monday to Sunday, China Standard Time); an article without a
publication date counts in the week it was first seen. Policy announcements come first,
each with its issuer (发文机关), 发文字号, 成文日期, its attachments by name and the week's
stories that cite or explain it. News follows in
groups that say something: a story (articles whose titles tell the same event), else the
article's most telling topic (a topic most of the week's articles carry says nothing and
is passed over), headed by the regions the group shares. Every entry carries its title,
date, outlet, every site it appeared on, a lead of about 120 characters that skips
salutations and datelines, and its link. The header counts articles by kind, topic and
region, and says what changed since the previous week. A week without articles still
gives a valid digest saying so.

Titles, leads and outlets are shown in simplified characters, so one digest reads in one
script; the original title stays in the JSON (``title_original``).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from html import escape as html_escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlite_utils
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from crawler.archive.attachments import attachments_of
from crawler.archive.policy_links import stories_citing
from crawler.text.lead import make_lead
from crawler.text.topics import PROVINCE_ORDER
from crawler.text.urls import file_name

logger = logging.getLogger(__name__)

CHINA_STANDARD_TIME = timezone(timedelta(hours=8))
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DEFAULT_OUT_DIR = Path("data/digests")

# Output formats and the file extension each is written with.
FORMAT_EXTENSIONS = {"md": "md", "html": "html", "atom": "atom", "json": "json"}
FORMATS = tuple(FORMAT_EXTENSIONS)

# Kinds in the order the digest lists them, with their headings.
KIND_ORDER = ("policy", "news")
KIND_LABELS = {"policy": "政策发布 Policy announcements", "news": "新闻 News"}
POLICY_KIND = "policy"
NO_TOPIC = "其他 Other"
STORY_LABEL = "同一事件 Story"
# A topic carried by more than this share of a kind's entries (when there are at least
# UMBRELLA_MINIMUM of them) is the umbrella every article sits under: grouping by it says
# nothing, so entries go under their next topic.
UMBRELLA_SHARE = 0.6
UMBRELLA_MINIMUM = 4
# Two titles tell the same event when this share of their character pairs is shared.
STORY_SIMILARITY = 0.4
TITLE_NOISE = re.compile(r"[\s\W_]+")
# The Markdown and HTML "what's new" lines list at most this many topics or regions each.
SHOWN_CHANGES = 8
# A group heading names at most this many of the regions its entries share.
HEADING_REGIONS = 3
# Atom ids: tag URIs (RFC 4151) that never change for an article or a week's digest.
TAG_PREFIX = "tag:xietong.invalid,2024:"
EMPTY_MESSAGE = "本周没有收录文章。No articles were archived for this week."

WHITESPACE = re.compile(r"\s+")
ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
# Characters XML 1.0 forbids; damaged (mojibake) text can hold them, and lxml refuses them.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# ASCII punctuation that Markdown or inline HTML would interpret in a title or lead.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#|!&~])")

# The HTML chart: one stacked bar per day, kinds stacked in KIND_ORDER from the bottom.
CHART_WIDTH = 560
CHART_HEIGHT = 200
CHART_MARGIN_TOP = 44  # room for the legend and the totals above the bars
CHART_MARGIN_BOTTOM = 36
CHART_MARGIN_LEFT = 16
CHART_BAR_WIDTH = 48
CHART_COLORS = {"policy": "#b03a2e", "news": "#2e6fb0"}


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


@dataclass
class DigestAttachment:
    """One attachment of a policy as the digest lists it: its name as shown, its link."""

    name: str
    url: str
    error: str = ""  # why no text could be read from it (broken, scanned …), if so

    @property
    def safe_url(self) -> str | None:
        """Return the link when it is http(s), else None."""
        return self.url if _is_http(self.url) else None


@dataclass
class DigestStory:
    """A story of the week citing a policy: title, link and how it cites it."""

    id: str
    title: str
    url: str
    via: str  # title | doc_number | interpretation

    @property
    def safe_url(self) -> str | None:
        """Return the link when it is http(s), else None."""
        return self.url if _is_http(self.url) else None


VIA_LABELS = {
    "title": "引用 cites",
    "doc_number": "文号 by number",
    "interpretation": "解读 explains",
}


@dataclass
class DigestEntry:
    """One article as a digest lists it."""

    id: str
    kind: str
    title: str  # simplified, so the digest reads in one script
    published_at: str  # as archived: ISO 8601 with offset, or a date; first seen if undated
    date: str  # YYYY-MM-DD in China Standard Time
    time_label: str  # what the digest prints: date and time in +08:00, or the date alone
    outlet: str
    site: str
    sites: list[str]  # every site it appeared on, its own site first
    lead: str
    url: str
    topics: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    title_original: str = ""
    dated: bool = True  # False: no publication date, listed in the week first seen
    issuer: str = ""  # 发文机关
    co_issuers: list[str] = field(default_factory=list)  # joint issuers (联合发文)
    doc_number: str = ""  # 发文字号
    written_at: str = ""  # 成文日期
    attachments: list[str] = field(default_factory=list)  # http(s) links only
    # The attachments by name, from the archive's attachments table (when it holds them).
    attachment_files: list[DigestAttachment] = field(default_factory=list)
    stories: list[DigestStory] = field(default_factory=list)  # this week's stories citing it

    @property
    def shown_attachments(self) -> list[DigestAttachment]:
        """Return the attachments to list: by name when fetched, else by their links."""
        if self.attachment_files:
            return self.attachment_files
        return [DigestAttachment(file_name(link), link) for link in self.attachments]

    @property
    def also_on(self) -> int:
        """Return how many sites besides its own carried the article."""
        return max(len(self.sites) - 1, 0)

    @property
    def topic(self) -> str:
        """Return its first topic, or NO_TOPIC."""
        return self.topics[0] if self.topics else NO_TOPIC

    @property
    def safe_url(self) -> str | None:
        """Return the link when it is http(s), else None (no ``javascript:`` links)."""
        return self.url if _is_http(self.url) else None

    @property
    def tag_id(self) -> str:
        """Return the entry's stable Atom id."""
        return "%sarticle/%s" % (TAG_PREFIX, self.id)

    @property
    def issuers(self) -> str:
        """Return every issuer as shown: the issuer, then the joint issuers it does not name."""
        names = [self.issuer] if self.issuer else []
        names += [name for name in self.co_issuers if name and name not in self.issuer]
        return "、".join(names)

    @property
    def source_label(self) -> str:
        """Return who speaks: a policy's issuers, else the outlet, else the site."""
        return self.issuers or self.outlet or self.site


def _is_http(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("http://", "https://"))


@dataclass
class DigestSection:
    """The entries of one kind in one group: a story, a topic, or all policies."""

    kind: str
    kind_label: str
    topic: str | None  # the group's topic; None for the policy list
    entries: list[DigestEntry]
    label: str = ""  # the heading: topic and shared regions, or the story's title
    regions: list[str] = field(default_factory=list)
    story: bool = False


@dataclass
class Change:
    """How often a topic or region came up this week and the week before."""

    name: str
    count: int
    previous: int

    @property
    def delta(self) -> int:
        """Return this week's count minus last week's."""
        return self.count - self.previous

    @property
    def arrow(self) -> str:
        """Return ↑, ↓ or = for the change."""
        return "↑" if self.delta > 0 else "↓" if self.delta < 0 else "="


@dataclass
class Digest:
    """Everything a digest shows, built once and rendered in every format."""

    week: IsoWeek
    entries: list[DigestEntry]
    previous: list[DigestEntry] = field(default_factory=list)  # the week before's entries
    # Where the digest files are published (ends with /); the Atom feed links itself there.
    # Empty: links are relative to the feed's own folder.
    base_url: str = ""
    _sections: tuple[tuple[DigestEntry, ...], list[DigestSection]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def file_url(self, extension: str) -> str:
        """Return the URL (or relative path) of this digest's file in one format."""
        return "%s%s.%s" % (self.base_url, self.week.name, extension)

    @property
    def empty(self) -> bool:
        """Return True when no article was published this week."""
        return not self.entries

    @property
    def previous_week(self) -> IsoWeek:
        """Return the week before."""
        return IsoWeek.containing(self.week.monday - timedelta(days=7))

    def sections(self) -> list[DigestSection]:
        """Return the policy list, then each other kind's groups, entries newest first.

        Computed once per set of entries: every format renders the same sections.
        """
        key = tuple(self.entries)
        if self._sections is None or self._sections[0] != key:
            self._sections = (key, self._build_sections())
        return self._sections[1]

    def _build_sections(self) -> list[DigestSection]:
        sections = []
        for kind in _kinds_in_order(self.entries):
            of_kind = _newest_first([entry for entry in self.entries if entry.kind == kind])
            label = KIND_LABELS.get(kind, kind)
            if kind == POLICY_KIND:
                sections.append(DigestSection(kind, label, None, of_kind))
                continue
            sections.extend(_groups(kind, label, of_kind))
        return sections

    def counts_by_kind(self) -> dict[str, int]:
        """Return article counts per kind, in digest order."""
        counts = Counter(entry.kind for entry in self.entries)
        return {kind: counts[kind] for kind in _kinds_in_order(self.entries)}

    def counts_by_topic(self) -> dict[str, int]:
        """Return how many articles carry each topic (an article may carry several)."""
        return _counted(topic for entry in self.entries for topic in entry.topics)

    def counts_by_region(self) -> dict[str, int]:
        """Return how many articles mention each region."""
        return _counted(region for entry in self.entries for region in entry.regions)

    def changes_by_topic(self) -> list[Change]:
        """Return each topic's count this week against the week before, biggest change first."""
        return _changes(
            self.counts_by_topic(),
            Counter(topic for entry in self.previous for topic in entry.topics),
        )

    def changes_by_region(self) -> list[Change]:
        """Return each region's count this week against the week before, biggest change first."""
        return _changes(
            self.counts_by_region(),
            Counter(region for entry in self.previous for region in entry.regions),
        )

    def total_change(self) -> Change:
        """Return the article count this week against the week before."""
        return Change("total", len(self.entries), len(self.previous))

    def new_policies(self) -> list[DigestEntry]:
        """Return this week's policy announcements, newest first (the digest highlights them)."""
        return _newest_first([entry for entry in self.entries if entry.kind == POLICY_KIND])

    def per_day(self) -> list[dict[str, Any]]:
        """Return, for each day Monday to Sunday, the article count per kind."""
        counts = Counter((entry.date, entry.kind) for entry in self.entries)
        kinds = _kinds_in_order(self.entries) or list(KIND_ORDER)
        return [
            {
                "date": day.isoformat(),
                "counts": {kind: counts[(day.isoformat(), kind)] for kind in kinds},
            }
            for day in self.week.days()
        ]

    def updated(self) -> datetime:
        """Return the digest's time stamp: its newest article, or the end of an empty week.

        Derived from the data, not the clock, so rebuilding a digest gives the same files.
        """
        if self.entries:
            return max(_entry_datetime(entry) for entry in self.entries)
        return datetime.combine(self.week.sunday, time(23, 59, 59), CHINA_STANDARD_TIME)


def _newest_first(entries: list[DigestEntry]) -> list[DigestEntry]:
    return sorted(entries, key=lambda entry: (entry.published_at, entry.id), reverse=True)


def _changes(now: dict[str, int], before: Counter[str]) -> list[Change]:
    names = set(now) | set(before)
    changes = [Change(name, now.get(name, 0), before.get(name, 0)) for name in names]
    return sorted(changes, key=lambda change: (-abs(change.delta), -change.count, change.name))


def _title_pairs(title: str) -> set[str]:
    """Return the character pairs of a title, punctuation and spaces dropped."""
    text = TITLE_NOISE.sub("", title)
    return {text[index : index + 2] for index in range(len(text) - 1)}


def _stories(entries: list[DigestEntry]) -> list[list[DigestEntry]]:
    """Cluster entries whose titles share STORY_SIMILARITY of their character pairs.

    Only pairs of titles that can reach the threshold are compared (prefix filtering):
    with each title's pairs ordered rarest first, two titles at Jaccard similarity ``t`` or
    more share one of the first ``n - ceil(t * n) + 1`` pairs of each (``n`` its pair
    count). The clusters are those of comparing every pair, at a fraction of the cost on a
    week of thousands of articles.
    """
    pairs = [_title_pairs(entry.title) for entry in entries]
    parent = list(range(len(entries)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    frequency = Counter(pair for title in pairs for pair in title)
    holders: dict[str, list[int]] = {}
    for second, title in enumerate(pairs):
        if not title:
            continue
        ordered = sorted(title, key=lambda pair: (frequency[pair], pair))
        prefix = ordered[: len(ordered) - math.ceil(STORY_SIMILARITY * len(ordered) - 1e-9) + 1]
        candidates: set[int] = set()
        for pair in prefix:
            candidates.update(holders.setdefault(pair, []))
            holders[pair].append(second)
        for first in sorted(candidates):
            union = pairs[first] | title
            if len(pairs[first] & title) / len(union) >= STORY_SIMILARITY:
                parent[root(second)] = root(first)
    clusters: dict[int, list[DigestEntry]] = {}
    for index, entry in enumerate(entries):
        clusters.setdefault(root(index), []).append(entry)
    return list(clusters.values())


def _group_topic(entry: DigestEntry, counts: Counter[str], umbrellas: set[str]) -> str:
    """Pick the entry's topic most of its neighbours share, passing over umbrella topics."""
    candidates = [topic for topic in entry.topics if topic not in umbrellas] or entry.topics
    if not candidates:
        return NO_TOPIC
    # Most entries first; among equals, the topic the tagger lists first.
    return max(candidates, key=lambda topic: (counts[topic], -candidates.index(topic)))


def _shared_regions(entries: list[DigestEntry], topic: str | None) -> list[str]:
    """Return the regions every entry mentions that tell the group apart.

    Cities and new areas when the entries share some; else the provinces, unless they are
    all three (京津冀 is every article's region, so naming it says nothing).
    """
    shared = set(entries[0].regions)
    for entry in entries[1:]:
        shared &= set(entry.regions)
    ordered = [region for region in entries[0].regions if region in shared and region != topic]
    local = [region for region in ordered if region not in PROVINCE_ORDER]
    if local:
        return local[:HEADING_REGIONS]
    return ordered if len(ordered) < len(PROVINCE_ORDER) else []


def _groups(kind: str, kind_label: str, entries: list[DigestEntry]) -> list[DigestSection]:
    """Group one kind's entries (newest first) into stories and topic groups."""
    counts: Counter[str] = Counter(topic for entry in entries for topic in entry.topics)
    umbrellas = set()
    if len(entries) >= UMBRELLA_MINIMUM:
        umbrellas = {topic for topic, n in counts.items() if n > UMBRELLA_SHARE * len(entries)}
    sections = []
    by_topic: dict[str, list[DigestEntry]] = {}
    for cluster in _stories(entries):
        if len(cluster) > 1:
            topic = _group_topic(cluster[0], counts, umbrellas)
            sections.append(
                DigestSection(
                    kind,
                    kind_label,
                    topic,
                    cluster,
                    label="%s: %s" % (STORY_LABEL, cluster[0].title),
                    regions=_shared_regions(cluster, None),
                    story=True,
                )
            )
            continue
        entry = cluster[0]
        by_topic.setdefault(_group_topic(entry, counts, umbrellas), []).append(entry)
    for topic, grouped in by_topic.items():
        regions = _shared_regions(grouped, topic)
        label = (
            topic if not regions or topic == NO_TOPIC else "%s · %s" % (topic, "、".join(regions))
        )
        sections.append(DigestSection(kind, kind_label, topic, grouped, label, regions))
    sections.sort(
        key=lambda section: (
            section.topic == NO_TOPIC,
            -len(section.entries),
            not section.story,
            section.label,
        )
    )
    return sections


def _kinds_in_order(entries: list[DigestEntry]) -> list[str]:
    present = {entry.kind for entry in entries}
    return [kind for kind in KIND_ORDER if kind in present] + sorted(present - set(KIND_ORDER))


def _counted(values: Any) -> dict[str, int]:
    counts = Counter(values)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _json_list(text: str | None) -> list[str]:
    if not text:
        return []
    try:
        values = json.loads(text)
    except json.JSONDecodeError:
        return []
    return [str(value) for value in values] if isinstance(values, list) else []


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


def _entry_datetime(entry: DigestEntry) -> datetime:
    return parse_archive_time(entry.published_at)


ARTICLE_COLUMNS = """articles.id, articles.kind, articles.title, articles.title_simplified,
    articles.body, articles.body_simplified, articles.published_at, articles.first_seen_at,
    articles.outlet, articles.outlet_simplified, articles.site, articles.url, articles.topics,
    articles.regions, policies.issuer, policies.co_issuers, policies.doc_number,
    policies.written_at, policies.attachments"""


def _entries_of_week(db: sqlite_utils.Database, week: IsoWeek) -> list[DigestEntry]:
    """Read the articles of ``week``: published in it, or undated and first seen in it.

    Dates are compared in China Standard Time: the SQL range is a day wider on each side,
    and the exact week is checked in Python.
    """
    low = (week.monday - timedelta(days=1)).isoformat()
    high = (week.sunday + timedelta(days=2)).isoformat()
    cursor = db.execute(
        """select %s
        from articles left join policies on policies.article_id = articles.id
        where (articles.published_at >= :low and articles.published_at < :high)
           or (coalesce(articles.published_at, '') = ''
               and articles.first_seen_at >= :low and articles.first_seen_at < :high)"""
        % ARTICLE_COLUMNS,
        {"low": low, "high": high},
    )
    names = [column[0] for column in cursor.description]
    entries = []
    for values in cursor.fetchall():
        entry = _entry(dict(zip(names, values, strict=True)), week)
        if entry is not None:
            entries.append(entry)
    return entries


def _entry(row: dict[str, Any], week: IsoWeek) -> DigestEntry | None:
    """Build one entry from an archive row, or None when it falls outside ``week``."""
    url = str(row["url"] or "")
    dated = bool(row["published_at"])
    when = str(row["published_at"] or row["first_seen_at"] or "")
    try:
        moment = parse_archive_time(when)
    except ValueError:
        logger.warning("unreadable date %r, left out of the digest: %s", when, url)
        return None
    if not week.monday <= moment.date() <= week.sunday:
        return None
    with_time = "T" in when or " " in when.strip()
    label = moment.strftime("%Y-%m-%d %H:%M" if with_time and dated else "%Y-%m-%d")
    if not dated:
        label = "first seen %s (undated)" % label
    title = str(row["title_simplified"] or row["title"] or "")
    site = str(row["site"] or "")
    return DigestEntry(
        id=str(row["id"]),
        kind=str(row["kind"] or "news"),
        title=title,
        title_original=str(row["title"] or ""),
        published_at=when,
        date=moment.date().isoformat(),
        time_label=label,
        dated=dated,
        outlet=str(row["outlet_simplified"] or row["outlet"] or ""),
        site=site,
        sites=[site] if site else [],
        lead=make_lead(str(row["body_simplified"] or row["body"] or "")),
        url=url,
        topics=_json_list(row["topics"]),
        regions=_json_list(row["regions"]),
        issuer=str(row["issuer"] or ""),
        co_issuers=_json_list(row["co_issuers"]),
        doc_number=str(row["doc_number"] or ""),
        written_at=str(row["written_at"] or ""),
        attachments=[link for link in _json_list(row["attachments"]) if _is_http(link)],
    )


def load_digest(db: sqlite_utils.Database, week: IsoWeek) -> Digest:
    """Read the articles of ``week`` (and where each appeared), and the week before's for changes."""
    entries = _entries_of_week(db, week)
    _add_sites(db, entries)
    _add_attachments_and_stories(db, entries)
    previous = _entries_of_week(db, IsoWeek.containing(week.monday - timedelta(days=7)))
    logger.info(
        "digest %s: %d articles (%d the week before)", week.name, len(entries), len(previous)
    )
    return Digest(week, entries, previous)


def default_week(db: sqlite_utils.Database, now: datetime | None = None) -> IsoWeek:
    """Return the week a digest without ``--week`` covers.

    The last full week when it holds articles (a weekly cron job). Otherwise the archive
    ends earlier (the demo): of the week of its newest dated article and the week before,
    the one with more articles, so a week barely begun does not hide a full one.
    """
    last_full = IsoWeek.last_full_week(now)
    if _entries_of_week(db, last_full):
        return last_full
    (newest,) = db.execute(
        "select max(published_at) from articles"
        " where published_at glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'"
    ).fetchone()
    if not newest:
        return last_full
    try:
        newest_week = IsoWeek.containing(parse_archive_time(newest).date())
    except ValueError:
        return last_full
    week_before = IsoWeek.containing(newest_week.monday - timedelta(days=7))
    if len(_entries_of_week(db, week_before)) > len(_entries_of_week(db, newest_week)):
        return week_before
    return newest_week


def _add_sites(db: sqlite_utils.Database, entries: list[DigestEntry]) -> None:
    """Fill each entry's ``sites``: its own site, then every other site, first seen first."""
    by_id = {entry.id: entry for entry in entries}
    if not by_id:
        return
    rows = db.execute(
        """select article_id, site from appearances
        where article_id in (select value from json_each(:ids)) and coalesce(site, '') != ''
        order by article_id, is_first desc, fetched_at, url""",
        {"ids": json.dumps(list(by_id))},
    )
    for article_id, site in rows:
        sites = by_id[article_id].sites
        if site not in sites:
            sites.append(site)


def _add_attachments_and_stories(db: sqlite_utils.Database, entries: list[DigestEntry]) -> None:
    """Give each policy its attachments by name and the week's stories that cite it."""
    policies = {entry.id: entry for entry in entries if entry.kind == POLICY_KIND}
    if not policies:
        return
    tables = set(db.table_names())
    if "attachments" in tables:
        for article_id, files in attachments_of(db.conn, policies).items():
            policies[article_id].attachment_files = [
                DigestAttachment(f["file_name"] or file_name(f["url"]), f["url"], f["error"] or "")
                for f in files
            ]
    if "policy_links" in tables:
        of_week = {entry.id: entry for entry in entries}
        for policy_id, citing in stories_citing(db.conn, policies).items():
            policies[policy_id].stories = [
                DigestStory(
                    story["id"], of_week[story["id"]].title, of_week[story["id"]].url, story["via"]
                )
                for story in citing
                if story["id"] in of_week
            ]


# --- rendering ------------------------------------------------------------------------------


def _template_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["md"] = markdown_escape
    environment.filters["md_url"] = markdown_url
    environment.filters["file_name"] = file_name
    environment.globals["via_labels"] = VIA_LABELS
    return environment


def markdown_escape(text: str) -> str:
    """Backslash-escape the punctuation Markdown (or inline HTML) would act on."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", WHITESPACE.sub(" ", text or ""))


def markdown_url(url: str) -> str:
    """Percent-encode what would end a Markdown link destination early."""
    return quote(url, safe=":/?#@!$&'*+,;=%~-._")


def chart(digest: Digest) -> dict[str, Any]:
    """Lay out the per-day chart: bars (x, y, height, colour per kind), labels and legend."""
    days = digest.per_day()
    kinds = [kind for kind in KIND_ORDER if kind in days[0]["counts"]] + sorted(
        set(days[0]["counts"]) - set(KIND_ORDER)
    )
    busiest = max((sum(day["counts"].values()) for day in days), default=0) or 1
    plot_height = CHART_HEIGHT - CHART_MARGIN_TOP - CHART_MARGIN_BOTTOM
    step = (CHART_WIDTH - 2 * CHART_MARGIN_LEFT) / len(days)
    bars = []
    for index, day in enumerate(days):
        x = CHART_MARGIN_LEFT + index * step + (step - CHART_BAR_WIDTH) / 2
        base = CHART_HEIGHT - CHART_MARGIN_BOTTOM
        segments = []
        for kind in kinds:
            count = day["counts"][kind]
            height = plot_height * count / busiest
            base -= height
            if count:
                segments.append(
                    {
                        "kind": kind,
                        "count": count,
                        "y": round(base, 1),
                        "height": round(height, 1),
                        "color": CHART_COLORS.get(kind, "#777777"),
                    }
                )
        total = sum(day["counts"].values())
        bars.append(
            {
                "x": round(x, 1),
                "width": CHART_BAR_WIDTH,
                "center": round(x + CHART_BAR_WIDTH / 2, 1),
                "segments": segments,
                "total": total,
                "total_y": round(base - 6, 1),
                "label": date.fromisoformat(day["date"]).strftime("%m-%d"),
                "weekday": "一二三四五六日"[index],
            }
        )
    legend = [
        {
            "kind": kind,
            "label": KIND_LABELS.get(kind, kind),
            "color": CHART_COLORS.get(kind, "#777777"),
        }
        for kind in kinds
    ]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "bars": bars,
        "legend": legend,
        "axis_y": CHART_HEIGHT - CHART_MARGIN_BOTTOM,
    }


def _shown_changes(changes: list[Change]) -> list[Change]:
    """Return the changes a reader sees: the biggest SHOWN_CHANGES, unchanged ones left out."""
    return [change for change in changes if change.delta][:SHOWN_CHANGES]


def _context(digest: Digest) -> dict[str, Any]:
    return {
        "digest": digest,
        "previous_week": digest.previous_week,
        "total_change": digest.total_change(),
        "topic_changes": _shown_changes(digest.changes_by_topic()),
        "region_changes": _shown_changes(digest.changes_by_region()),
        "new_policies": digest.new_policies(),
        "week": digest.week,
        "sections": digest.sections(),
        "counts_by_kind": digest.counts_by_kind(),
        "counts_by_topic": digest.counts_by_topic(),
        "counts_by_region": digest.counts_by_region(),
        "kind_labels": KIND_LABELS,
        "empty_message": EMPTY_MESSAGE,
        "chart": chart(digest),
        "total": len(digest.entries),
    }


def render_markdown(digest: Digest) -> str:
    """Return the digest as Markdown, every archived string escaped."""
    return _template_environment().get_template("digest.md.j2").render(_context(digest))


def render_html(digest: Digest) -> str:
    """Return the digest as one self-contained HTML page: inline CSS and SVG, no scripts."""
    return _template_environment().get_template("digest.html.j2").render(_context(digest))


def _xml_text(text: str) -> str:
    return XML_FORBIDDEN.sub("", text)


def _atom_content(entry: DigestEntry) -> str:
    """Return an entry's Atom content as an HTML fragment: policy header, lead, attachments."""
    parts = []
    if entry.kind == POLICY_KIND:
        header = [
            ("发文机关", entry.issuers),
            ("发文字号", entry.doc_number),
            ("成文日期", entry.written_at),
        ]
        parts.append(
            "<p>%s</p>"
            % "<br/>".join("%s：%s" % (name, html_escape(value)) for name, value in header if value)
        )
    parts.append("<p>%s</p>" % html_escape(entry.lead))
    if entry.shown_attachments:
        parts.append(
            "<p>附件 Attachments: %s</p>"
            % " ".join(
                '<a href="%s">%s</a>' % (html_escape(file.url, quote=True), html_escape(file.name))
                if file.safe_url
                else html_escape(file.name)
                for file in entry.shown_attachments
            )
        )
    if entry.stories:
        parts.append(
            "<p>本周相关报道 Stories this week:</p><ul>%s</ul>"
            % "".join(
                '<li><a href="%s">%s</a> (%s)</li>'
                % (
                    html_escape(story.safe_url or "", quote=True),
                    html_escape(story.title),
                    VIA_LABELS.get(story.via, story.via),
                )
                if story.safe_url
                else "<li>%s (%s)</li>"
                % (html_escape(story.title), VIA_LABELS.get(story.via, story.via))
                for story in entry.stories
            )
        )
    if entry.also_on:
        parts.append(
            "<p>also on %d sites: %s</p>" % (entry.also_on, html_escape(", ".join(entry.sites[1:])))
        )
    return _xml_text("".join(parts))


def render_atom(digest: Digest) -> bytes:
    """Return the digest as an Atom feed, one entry per article in digest order.

    The feed links itself (``rel="self"``) and its HTML digest; ids are tag URIs that stay
    the same however often the digest is rebuilt or moved.
    """
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id("%sdigest/%s" % (TAG_PREFIX, digest.week.name))
    feed.title("Xietong 协同 weekly digest %s" % digest.week.name)
    feed.author({"name": "Xietong"})
    feed.language("zh")
    feed.updated(digest.updated())
    feed.link(href=digest.file_url("atom"), rel="self", type="application/atom+xml")
    feed.link(href=digest.file_url("html"), rel="alternate", type="text/html")
    if digest.empty:
        feed.subtitle(EMPTY_MESSAGE)
    else:
        counts = ", ".join(
            "%s %d" % (kind, count) for kind, count in digest.counts_by_kind().items()
        )
        feed.subtitle("%s to %s: %s" % (digest.week.monday, digest.week.sunday, counts))
    for section in digest.sections():
        for entry in section.entries:
            item = feed.add_entry(order="append")
            item.id(entry.tag_id)
            item.title(_xml_text(entry.title) or entry.id)
            if entry.safe_url:
                item.link(href=entry.safe_url)
            moment = _entry_datetime(entry)
            item.published(moment)
            item.updated(moment)
            if entry.source_label:
                item.author({"name": _xml_text(entry.source_label)})
            # Content, not only a summary: Atom needs one of content or a link, and an odd
            # row (no http URL) has no link.
            item.content(_atom_content(entry), type="html")
            item.category(term=entry.kind)
            for topic in entry.topics:
                item.category(term=_xml_text(topic))
    atom: bytes = feed.atom_str(pretty=True)
    return atom


def _change_json(change: Change) -> dict[str, Any]:
    return {
        "name": change.name,
        "count": change.count,
        "previous": change.previous,
        "change": change.delta,
    }


def render_json(digest: Digest) -> str:
    """Return the digest as JSON for machines: counts, changes, per-day counts and sections."""
    document = {
        "week": digest.week.name,
        "start": digest.week.monday.isoformat(),
        "end": digest.week.sunday.isoformat(),
        "empty": digest.empty,
        "message": EMPTY_MESSAGE if digest.empty else None,
        "total": len(digest.entries),
        "counts": {
            "kind": digest.counts_by_kind(),
            "topic": digest.counts_by_topic(),
            "region": digest.counts_by_region(),
        },
        "changes": {
            "previous_week": digest.previous_week.name,
            "total": _change_json(digest.total_change()),
            "topic": [_change_json(change) for change in digest.changes_by_topic()],
            "region": [_change_json(change) for change in digest.changes_by_region()],
            "new_policies": [entry.id for entry in digest.new_policies()],
        },
        "per_day": digest.per_day(),
        "sections": [
            {
                "kind": section.kind,
                "topic": section.topic,
                "label": section.label,
                "regions": section.regions,
                "story": section.story,
                "entries": [
                    dict(asdict(entry), also_on=entry.also_on, tag_id=entry.tag_id)
                    for entry in section.entries
                ],
            }
            for section in digest.sections()
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


RENDERERS: dict[str, Callable[[Digest], str | bytes]] = {
    "md": render_markdown,
    "html": render_html,
    "atom": render_atom,
    "json": render_json,
}


def write_digest(digest: Digest, out_dir: Path, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write the digest in each format to ``out_dir/<week>.<ext>``; return the paths.

    Every format is rendered before any file is written, so a failure leaves no half set.
    """
    rendered = {name: RENDERERS[name](digest) for name in formats}
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in rendered.items():
        path = out_dir / ("%s.%s" % (digest.week.name, FORMAT_EXTENSIONS[name]))
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        written.append(path)
    logger.info("digest %s written to %s: %s", digest.week.name, out_dir, ", ".join(formats))
    return written
