"""Weekly digests of the archive: Markdown, self-contained HTML, Atom and JSON.

A digest covers one ISO week (Monday to Sunday, China Standard Time). Policy announcements
come first, then news; each kind is grouped by topic (an article under its first topic),
newest first within a group. Every entry carries its title, date, outlet, every site it
appeared on, a lead of about 120 characters and its link; the header counts articles by
kind, topic and region. A week without articles still gives a valid digest saying so.

Titles and text are shown in their original script, as the outlet published them.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlite_utils
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

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
NO_TOPIC = "其他 Other"
EMPTY_MESSAGE = "本周没有收录文章。No articles were archived for this week."

# The lead: about this many characters, ended at a sentence end when one falls late enough.
LEAD_LENGTH = 120
LEAD_MINIMUM_AT_SENTENCE_END = 60
SENTENCE_END = re.compile(r"[。！？；!?]")
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
class DigestEntry:
    """One article as a digest lists it."""

    id: str
    kind: str
    title: str
    published_at: str  # as archived: ISO 8601 with offset, or a date
    date: str  # YYYY-MM-DD in China Standard Time
    time_label: str  # what the digest prints: date and time in +08:00, or the date alone
    outlet: str
    site: str
    sites: list[str]  # every site it appeared on, its own site first
    lead: str
    url: str
    topics: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)

    @property
    def also_on(self) -> int:
        """Return how many sites besides its own carried the article."""
        return max(len(self.sites) - 1, 0)

    @property
    def topic(self) -> str:
        """Return the topic it is listed under: its first, or NO_TOPIC."""
        return self.topics[0] if self.topics else NO_TOPIC

    @property
    def safe_url(self) -> str | None:
        """Return the link when it is http(s), else None (no ``javascript:`` links)."""
        return self.url if self.url.startswith(("http://", "https://")) else None


@dataclass
class DigestSection:
    """The entries of one kind under one topic."""

    kind: str
    kind_label: str
    topic: str
    entries: list[DigestEntry]


@dataclass
class Digest:
    """Everything a digest shows, built once and rendered in every format."""

    week: IsoWeek
    entries: list[DigestEntry]

    @property
    def empty(self) -> bool:
        """Return True when no article was published this week."""
        return not self.entries

    def sections(self) -> list[DigestSection]:
        """Return policy sections, then news sections, each topic's entries newest first.

        Topics are ordered by how many entries they hold, then by name; NO_TOPIC goes last.
        """
        sections = []
        for kind in _kinds_in_order(self.entries):
            of_kind = [entry for entry in self.entries if entry.kind == kind]
            counts = Counter(entry.topic for entry in of_kind)
            topics = sorted(counts, key=lambda topic: (topic == NO_TOPIC, -counts[topic], topic))
            for topic in topics:
                entries = sorted(
                    (entry for entry in of_kind if entry.topic == topic),
                    key=lambda entry: (entry.published_at, entry.id),
                    reverse=True,
                )
                sections.append(DigestSection(kind, KIND_LABELS.get(kind, kind), topic, entries))
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


def make_lead(text: str, length: int = LEAD_LENGTH) -> str:
    """Return about ``length`` characters from the start of ``text``, whitespace collapsed.

    Cut after the last sentence end that leaves at least LEAD_MINIMUM_AT_SENTENCE_END
    characters, else at ``length`` with an ellipsis.
    """
    flat = WHITESPACE.sub(" ", text or "").strip()
    if len(flat) <= length:
        return flat
    head = flat[:length]
    ends = [match.end() for match in SENTENCE_END.finditer(head)]
    if ends and ends[-1] >= LEAD_MINIMUM_AT_SENTENCE_END:
        return head[: ends[-1]]
    return head.rstrip() + "…"


def load_digest(db: sqlite_utils.Database, week: IsoWeek) -> Digest:
    """Read the articles published in ``week`` (and where each appeared) from the archive.

    An article without a publication date counts in the week it was first seen, so it
    still appears in one digest. Dates are compared in China Standard Time: the SQL range
    is a day wider on each side, and the exact week is checked in Python.
    """
    low = (week.monday - timedelta(days=1)).isoformat()
    high = (week.sunday + timedelta(days=2)).isoformat()
    rows = db.execute(
        """select id, kind, title, body, published_at, first_seen_at, outlet, site, url, topics, regions
        from articles
        where (published_at >= :low and published_at < :high)
           or (coalesce(published_at, '') = '' and first_seen_at >= :low and first_seen_at < :high)""",
        {"low": low, "high": high},
    ).fetchall()
    entries = []
    for row in rows:
        (
            article_id,
            kind,
            title,
            body,
            published_at,
            first_seen_at,
            outlet,
            site,
            url,
            topics,
            regions,
        ) = row
        when = published_at or first_seen_at or ""
        try:
            moment = parse_archive_time(when)
        except ValueError:
            logger.warning("unreadable date %r, left out of the digest: %s", when, url)
            continue
        if not week.monday <= moment.date() <= week.sunday:
            continue
        entries.append(
            DigestEntry(
                id=article_id,
                kind=kind or "news",
                title=title or "",
                published_at=when,
                date=moment.date().isoformat(),
                time_label=moment.strftime(
                    "%Y-%m-%d %H:%M" if "T" in when or " " in when.strip() else "%Y-%m-%d"
                ),
                outlet=outlet or "",
                site=site or "",
                sites=[site] if site else [],
                lead=make_lead(body or ""),
                url=url or "",
                topics=_json_list(topics),
                regions=_json_list(regions),
            )
        )
    _add_sites(db, entries)
    logger.info("digest %s: %d articles", week.name, len(entries))
    return Digest(week, entries)


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


def _context(digest: Digest) -> dict[str, Any]:
    return {
        "digest": digest,
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


def render_atom(digest: Digest) -> bytes:
    """Return the digest as an Atom feed, one entry per article in digest order."""
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id("urn:xietong:digest:%s" % digest.week.name)
    feed.title("Xietong 协同 weekly digest %s" % digest.week.name)
    feed.author({"name": "Xietong"})
    feed.language("zh")
    feed.updated(digest.updated())
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
            item.id(entry.safe_url or "urn:xietong:article:%s" % entry.id)
            item.title(_xml_text(entry.title) or entry.id)
            if entry.safe_url:
                item.link(href=entry.safe_url)
            moment = _entry_datetime(entry)
            item.published(moment)
            item.updated(moment)
            if entry.outlet:
                item.author({"name": _xml_text(entry.outlet)})
            summary = entry.lead
            if entry.also_on:
                summary += " (also on %d sites: %s)" % (entry.also_on, ", ".join(entry.sites[1:]))
            item.summary(_xml_text(summary))
            item.category(term=entry.kind)
            for topic in entry.topics:
                item.category(term=_xml_text(topic))
    atom: bytes = feed.atom_str(pretty=True)
    return atom


def render_json(digest: Digest) -> str:
    """Return the digest as JSON for machines: counts, per-day counts and sections."""
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
        "per_day": digest.per_day(),
        "sections": [
            {
                "kind": section.kind,
                "topic": section.topic,
                "entries": [
                    dict(asdict(entry), also_on=entry.also_on) for entry in section.entries
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
    """Write the digest in each format to ``out_dir/<week>.<ext>``; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in formats:
        content = RENDERERS[name](digest)
        path = out_dir / ("%s.%s" % (digest.week.name, FORMAT_EXTENSIONS[name]))
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        written.append(path)
    logger.info("digest %s written to %s: %s", digest.week.name, out_dir, ", ".join(formats))
    return written
