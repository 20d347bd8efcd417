"""One article as a digest lists it, the groups it is shown in, and week-on-week changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crawler.text.urls import file_name
from exports.week import parse_archive_time

# Kinds in the order the digest lists them, with their headings.
KIND_ORDER = ("policy", "news")
KIND_LABELS = {"policy": "政策发布 Policy announcements", "news": "新闻 News"}
POLICY_KIND = "policy"
NO_TOPIC = "其他 Other"
# Atom ids: tag URIs (RFC 4151) that never change for an article or a week's digest.
TAG_PREFIX = "tag:xietong.invalid,2024:"
EMPTY_MESSAGE = "本周没有收录文章。No articles were archived for this week."


@dataclass
class DigestAttachment:
    """One attachment of a policy as the digest lists it: its name as shown, its link."""

    name: str
    url: str
    error: str = ""  # why no text could be read from it (broken, scanned …), if so

    @property
    def safe_url(self) -> str | None:
        """Return the link when it is http(s), else None."""
        return self.url if is_http(self.url) else None


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
        return self.url if is_http(self.url) else None


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
        return self.url if is_http(self.url) else None

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


def is_http(url: str | None) -> bool:
    """Return True for an http(s) link (never ``javascript:`` or a bare path)."""
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


def newest_first(entries: list[DigestEntry]) -> list[DigestEntry]:
    """Return the entries newest first, by id among equals."""
    return sorted(entries, key=lambda entry: (entry.published_at, entry.id), reverse=True)


def kinds_in_order(entries: list[DigestEntry]) -> list[str]:
    """Return the kinds present, in digest order, unknown kinds last by name."""
    present = {entry.kind for entry in entries}
    return [kind for kind in KIND_ORDER if kind in present] + sorted(present - set(KIND_ORDER))


def entry_datetime(entry: DigestEntry) -> datetime:
    """Return the entry's publication (or first-seen) time in China Standard Time."""
    return parse_archive_time(entry.published_at)
