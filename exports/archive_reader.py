"""Read a week's digest from the archive: its articles, their sites, attachments and citing stories."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from crawler.archive.attachment_store import attachments_of
from crawler.archive.policy_links import stories_citing
from crawler.text.lead import make_lead
from crawler.text.urls import file_name
from exports.entries import POLICY_KIND, DigestAttachment, DigestEntry, DigestStory, is_http
from exports.model import Digest
from exports.week import IsoWeek, parse_archive_time

logger = logging.getLogger(__name__)


def _json_list(text: str | None) -> list[str]:
    if not text:
        return []
    try:
        values = json.loads(text)
    except json.JSONDecodeError:
        return []
    return [str(value) for value in values] if isinstance(values, list) else []


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
        attachments=[link for link in _json_list(row["attachments"]) if is_http(link)],
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
