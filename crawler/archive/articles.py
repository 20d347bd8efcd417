"""Write articles into the archive: one connection, every merge decision made inside it.

``Archive.store`` takes one cleaned, fingerprinted item and, in one savepoint of the
archive's transaction, decides what it is (``merge``) and writes it:

  new        a new article, its first appearance and its fingerprint
  merged     another appearance of an archived article (same text, same policy, near
             duplicate); the most complete clean copy's text wins, and the article's
             title, date, URL, source, site and outlet are those of one appearance, its
             earliest (the earliest publication date, then the smallest URL), so every
             fresh crawl of the same pages gives the article the same row and the same
             id (``article_id_for`` that appearance's URL)
  revised    a page met again (same URL) whose text or policy 有效性 changed: the
             article shows the new text, ``article_revisions`` keeps what it replaced
  unchanged  a page met again with the same text: only ``last_seen_at`` moves

Writes go through sqlite-utils with explicit primary keys; ``batch_size`` items share a
transaction, committed when full or ``batch_seconds`` after its first item, whichever comes
first. Re-running a crawl changes nothing but ``last_seen_at``, and a crash leaves either a
whole item or none of it (a crawl reads its known URLs from committed rows only, so the
pages of a batch a crash lost are fetched again).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from crawler.archive.attachment_search import index_attachments_in_python
from crawler.archive.attachment_store import KnownAttachment, known_attachment, save_attachments
from crawler.archive.database import open_database
from crawler.archive.merge import (
    MOJIBAKE,
    SAME_URL,
    KnownPage,
    copy_text_wins,
    find_copy_of,
    known_page,
)
from crawler.archive.near_duplicates import NearDuplicateIndex
from crawler.archive.policy_links import PolicyLinker
from crawler.archive.revisions import record_revision
from crawler.archive.search_index import index_in_python
from crawler.archive.source_summaries import sum_sources_again
from crawler.items import Article
from crawler.text.fingerprint import policy_key

logger = logging.getLogger(__name__)

NEW = "new"
MERGED = "merged"
REVISED = "revised"
UNCHANGED = "unchanged"

# Columns a winning copy or a revision never replaces: the identity of the article (id,
# first sighting) and its appearance count.
_IDENTITY_COLUMNS = ("id", "first_seen_at", "appearance_count")
# Columns the article takes from its earliest appearance, all from that one appearance:
# a longer copy on another site brings its text, never its heading, date or outlet.
_EARLIEST_APPEARANCE_COLUMNS = (
    "title",
    "title_simplified",
    "published_at",
    "site",
    "outlet",
    "outlet_simplified",
    "url",
    "source",
)
# Every table naming an article by its id, and the column that does.
_ARTICLE_ID_COLUMNS = (
    ("articles", "id"),
    ("appearances", "article_id"),
    ("policies", "article_id"),
    ("article_revisions", "article_id"),
    ("fingerprints", "article_id"),
    ("attachments", "article_id"),
    ("policy_links", "article_id"),
    ("policy_links", "policy_id"),
)


def earliest_first(published_at: str | None, url: str) -> tuple[bool, str, str, str]:
    """Return the sort key of an appearance: dated first, earliest day, earliest time, URL.

    The day is the page's own (its first ten characters); within a day, times compare as
    instants (UTC), and a date given without a time comes after them. The smallest URL
    settles the rest, so the same pages give the same order in every crawl.
    """
    if not published_at:
        return (True, "", "", url)
    moment = "~"  # after any time of the day
    if len(published_at) > 10:
        try:
            parsed = datetime.fromisoformat(published_at)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                parsed = parsed.astimezone(UTC).replace(tzinfo=None)
            moment = parsed.isoformat()
    return (False, published_at[:10], moment, url)


def article_id_for(canonical_url: str) -> str:
    """Return the stable id of an article first seen at ``canonical_url``."""
    return hashlib.sha1(canonical_url.encode("utf-8")).hexdigest()[:16]


def _json_list(values: list[str] | None) -> str:
    return json.dumps(list(values or []), ensure_ascii=False)


# The per-item writes are plain SQL through sqlite-utils' ``execute``, not its ``Table``
# methods: those read the table's columns and keys (PRAGMA queries) on every call, which
# cost more than the write itself at one item per call. The tables exist (``ensure_schema``)
# and rows name their columns, so there is nothing left to find out.
def _insert(db: sqlite_utils.Database, table: str, row: dict[str, Any]) -> None:
    """Insert ``row`` into ``table`` (IntegrityError when its primary key exists)."""
    db.execute(
        "insert into [%s] (%s) values (%s)"
        % (table, ", ".join("[%s]" % name for name in row), ", ".join("?" * len(row))),
        list(row.values()),
    )


def _update(
    db: sqlite_utils.Database, table: str, key: str, value: str, changes: dict[str, Any]
) -> None:
    """Set ``changes`` on the row of ``table`` whose ``key`` column is ``value``."""
    db.execute(
        "update [%s] set %s where [%s] = ?"
        % (table, ", ".join("[%s] = ?" % name for name in changes), key),
        [*changes.values(), value],
    )


@dataclass(frozen=True)
class Stored:
    """What the archive did with one item."""

    article_id: str
    outcome: str  # new | merged | revised | unchanged
    reason: str | None = None  # same_url | same_text | same_policy | near_duplicate

    @property
    def is_new_article(self) -> bool:
        """Say whether the item created an article."""
        return self.outcome == NEW


class Archive:
    """The archive file behind one connection: decide and write each item, in batches.

    ``batch_size`` items share a transaction, committed when full, on ``close``, and by
    ``store`` or ``commit_if_due`` once ``batch_seconds`` have passed since its first item
    (``clock`` tells the time, ``time.monotonic`` unless a test gives its own);
    ``near_duplicates`` turns near-duplicate matching on (exact text and policy matching
    always run).
    """

    def __init__(
        self,
        db: sqlite_utils.Database,
        batch_size: int = 1,
        near_duplicates: bool = True,
        batch_seconds: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.db = db
        index_in_python(db.conn)
        index_attachments_in_python(db.conn)
        self.linker = PolicyLinker(db)
        # One near-duplicate index for the connection: it keeps the big band table's filter.
        self.near_index = NearDuplicateIndex(db.conn, band_filter=True)
        self.batch_size = max(1, batch_size)
        self.batch_seconds = batch_seconds
        self.clock = clock
        self.near_duplicates = near_duplicates
        self.pending = 0
        self.batch_started = 0.0

    @classmethod
    def open(
        cls,
        path: str | Path,
        batch_size: int = 1,
        near_duplicates: bool = True,
        batch_seconds: float = 0.0,
    ) -> Archive:
        """Open the archive file at ``path``."""
        return cls(
            open_database(path),
            batch_size=batch_size,
            near_duplicates=near_duplicates,
            batch_seconds=batch_seconds,
        )

    def close(self) -> None:
        """Commit what is pending and close the connection."""
        self.commit()
        self.db.close()

    def commit(self) -> None:
        """Commit the open transaction, if any."""
        self.db.commit()
        self.pending = 0

    def commit_if_due(self) -> bool:
        """Commit the pending batch if it is full or ``batch_seconds`` old; say whether it did."""
        if not self.pending:
            return False
        full = self.pending >= self.batch_size
        if full or (
            self.batch_seconds > 0 and self.clock() - self.batch_started >= self.batch_seconds
        ):
            self.commit()
            return True
        return False

    def has_url(self, url: str) -> bool:
        """Say whether a canonical URL is one of the archive's appearances."""
        return (
            self.db.execute("select 1 from appearances where url = ?", [url]).fetchone() is not None
        )

    def known_urls(self) -> set[str]:
        """Return every canonical URL in the archive (for incremental crawls)."""
        return {row[0] for row in self.db.execute("select url from appearances")}

    def known_attachment(self, url: str) -> KnownAttachment | None:
        """Return the archived copy of the attachment at ``url`` (incremental), or None."""
        return known_attachment(self.db.conn, url)

    # --- the one write path ----------------------------------------------------------------
    def store(self, item: Article) -> Stored:
        """Decide what ``item`` is and write it; commit when the batch is full or due.

        The item must carry ``canonical_url`` and its fingerprint (``text_hash``, and
        ``signature`` for near-duplicate matching): the deduplicating pipeline fills them.
        """
        if not item.canonical_url or not item.text_hash:
            raise ValueError("item has no canonical URL or text hash: %s" % item.url)
        if not self.db.conn.in_transaction:
            self.db.begin()
        with self.db.atomic():
            stored = self._store(item)
            if item.attachments:
                save_attachments(self.db, stored.article_id, item.attachments)
            if stored.outcome != UNCHANGED:
                # The article's text was written: its citations (and, for a policy, the
                # earlier citations it answers) are linked in the same transaction.
                self.linker.article_changed(
                    stored.article_id, item.kind == "policy" or item.policy is not None
                )
        if not self.pending:
            self.batch_started = self.clock()
        self.pending += 1
        self.commit_if_due()
        return stored

    def _store(self, item: Article) -> Stored:
        key = policy_key(item.policy.issuer, item.policy.doc_number) if item.policy else None
        page = known_page(self.db, item.canonical_url)
        if page is not None:
            return self._met_again(item, page)
        match = find_copy_of(self.db, item, key, self.near_duplicates, self.near_index)
        if match is None:
            article_id = article_id_for(item.canonical_url)
            _insert(self.db, "articles", self._article_row(item, article_id))
            if item.signature is not None:
                self.near_index.add(article_id, item.signature, item.signature_length)
            stored = Stored(article_id, NEW)
        else:
            article_id = self._merge_copy(item, match.article_id)
            stored = Stored(article_id, MERGED, match.reason)
        if item.policy is not None:
            self._save_policy(item, stored.article_id, key)
        self._save_appearance(item, stored)
        if stored.outcome == MERGED:  # a new article was inserted with its one appearance
            self.db.execute(
                "update articles set appearance_count ="
                " (select count(*) from appearances where article_id = ?) where id = ?",
                [stored.article_id, stored.article_id],
            )
        return stored

    def _merge_copy(self, item: Article, article_id: str) -> str:
        """Write a copy's text if it wins; return the article's id (the copy's, if earliest)."""
        body_length, quality, url, published_at = self.db.execute(
            "select body_length, text_quality, url, published_at from articles where id = ?",
            [article_id],
        ).fetchone()
        update: dict[str, Any] = {"last_seen_at": item.fetched_at}
        if copy_text_wins(item, body_length, quality):
            update.update(self._text_columns(item, article_id))
        earliest = earliest_first(item.published_at, item.canonical_url) < earliest_first(
            published_at, url
        )
        if earliest:
            row = self._article_row(item, article_id)
            update.update({name: row[name] for name in _EARLIEST_APPEARANCE_COLUMNS})
        _update(self.db, "articles", "id", article_id, update)
        if earliest:
            return self._rename(article_id, article_id_for(item.canonical_url))
        return article_id

    def _rename(self, old: str, new: str) -> str:
        """Give an article a new id everywhere it is named; return the id it has."""
        if old == new or self.db.execute("select 1 from articles where id = ?", [new]).fetchone():
            return old
        # The references move one table at a time: checked when the transaction commits.
        self.db.execute("PRAGMA defer_foreign_keys = ON")
        for table, column in _ARTICLE_ID_COLUMNS:
            self.db.execute(
                "update [%s] set [%s] = ? where [%s] = ?" % (table, column, column), [new, old]
            )
        sources = [
            row[0]
            for row in self.db.execute(
                "select distinct coalesce(source, '') from appearances where article_id = ?",
                [new],
            )
        ]
        sum_sources_again(self.db, sources)
        self.linker.article_renamed()
        logger.debug("article %s is now %s (an earlier appearance was found)", old, new)
        return new

    def _met_again(self, item: Article, page: KnownPage) -> Stored:
        """Handle a URL already archived: revise the article when its text or validity changed."""
        article_id = page.article_id
        quality = self.db.execute(
            "select text_quality from articles where id = ?", [article_id]
        ).fetchone()[0]
        # An archive written before pages kept their hash cannot tell a change: note the
        # hash now, so the next fetch can.
        text_changed = page.text_hash is not None and page.text_hash != item.text_hash
        if text_changed and item.text_quality == MOJIBAKE and quality != MOJIBAKE:
            text_changed = False  # a garbled fetch never replaces a readable text
        validity_changed = self._validity_changed(item, article_id)
        if text_changed or validity_changed:
            record_revision(self.db, article_id, replaced_at=item.fetched_at)
        update: dict[str, Any] = {"last_seen_at": item.fetched_at}
        if text_changed:
            update.update(self._text_columns(item, article_id))
            (url,) = self.db.execute(
                "select url from articles where id = ?", [article_id]
            ).fetchone()
            if url == item.canonical_url:  # the article's own appearance: its heading and date
                row = self._article_row(item, article_id)
                update.update({name: row[name] for name in _EARLIEST_APPEARANCE_COLUMNS})
            if item.signature is not None:
                self.near_index.replace(article_id, item.signature, item.signature_length)
            _update(
                self.db,
                "appearances",
                "url",
                item.canonical_url,
                {
                    "title": item.title,
                    "published_at": item.published_at,
                    "script": item.script,
                    "fetched_at": item.fetched_at,
                    "text_hash": item.text_hash,
                },
            )
        elif page.text_hash is None:
            _update(
                self.db, "appearances", "url", item.canonical_url, {"text_hash": item.text_hash}
            )
        if validity_changed:
            assert item.policy is not None
            _update(
                self.db, "policies", "article_id", article_id, {"validity": item.policy.validity}
            )
        _update(self.db, "articles", "id", article_id, update)
        if text_changed or validity_changed:
            logger.info("revised article %s: %s", article_id, item.url)
            return Stored(article_id, REVISED, SAME_URL)
        return Stored(article_id, UNCHANGED, SAME_URL)

    def _validity_changed(self, item: Article, article_id: str) -> bool:
        if item.policy is None or not item.policy.validity:
            return False
        row = self.db.execute(
            "select validity from policies where article_id = ?", [article_id]
        ).fetchone()
        return row is not None and bool(row[0]) and row[0] != item.policy.validity

    def _text_columns(self, item: Article, article_id: str) -> dict[str, Any]:
        """Return the article columns an item's text sets, identity columns left out."""
        row = self._article_row(item, article_id)
        return {
            name: value
            for name, value in row.items()
            if name not in _IDENTITY_COLUMNS
            and name not in _EARLIEST_APPEARANCE_COLUMNS
            and name != "last_seen_at"
            and value is not None
        }

    def _article_row(self, item: Article, article_id: str) -> dict[str, Any]:
        return {
            "id": article_id,
            "title": item.title,
            "title_simplified": item.title_simplified,
            "body": item.text,
            "body_simplified": item.text_simplified,
            "published_at": item.published_at,
            "site": item.site,
            "outlet": item.outlet,
            "outlet_simplified": item.outlet_simplified,
            "author": item.author,
            "author_simplified": item.author_simplified,
            "editor": item.editor,
            "keywords": _json_list(item.keywords),
            "kind": item.kind or "news",
            "script": item.script,
            "variant": item.variant,
            "text_quality": item.text_quality,
            "topics": _json_list(item.topics),
            "regions": _json_list(item.regions),
            "url": item.canonical_url,
            "source": item.source,
            "first_seen_at": item.fetched_at,
            "last_seen_at": item.fetched_at,
            "text_hash": item.text_hash,
            "body_length": len(item.text),
            "appearance_count": 1,
        }

    def _save_appearance(self, item: Article, stored: Stored) -> None:
        # A new URL: ``_store`` handles a URL already in the archive as met again.
        _insert(
            self.db,
            "appearances",
            {
                "url": item.canonical_url,
                "article_id": stored.article_id,
                "site": item.site,
                "source": item.source,
                "title": item.title,
                "published_at": item.published_at,
                "script": item.script,
                "fetched_at": item.fetched_at,
                "is_first": 1 if stored.is_new_article else 0,
                "match_reason": stored.reason,
                "text_hash": item.text_hash,
            },
        )

    def _save_policy(self, item: Article, article_id: str, key: str | None) -> None:
        policy = item.policy
        assert policy is not None
        if self.db.execute("select 1 from policies where article_id = ?", [article_id]).fetchone():
            return  # the first posting's header stays; later copies are appearances
        _insert(
            self.db,
            "policies",
            {
                "article_id": article_id,
                "index_number": policy.index_number,
                "issuer": policy.issuer,
                "co_issuers": _json_list(policy.co_issuers),
                "doc_number": policy.doc_number,
                "written_at": policy.written_at,
                "published_at": policy.published_at,
                "topic": policy.topic,
                "validity": policy.validity,
                "attachments": _json_list(policy.attachments),
                "policy_key": key,
            },
        )


def archived_urls(settings: Mapping[str, Any], spider_name: str) -> set[str]:
    """Return every canonical URL of the archive the ``XIETONG_DB`` setting names.

    The reader of ``XIETONG_INCREMENTAL_KNOWN_URLS`` for a local crawl (every spider).
    """
    archive = Archive.open(settings.get("XIETONG_DB") or "")
    try:
        return archive.known_urls()
    finally:
        archive.close()
