"""The merge decision: which archived article an incoming copy belongs to, and whose text wins.

Looked up on the archive's own connection inside its open transaction, so a copy is
matched against every earlier item of the same batch as well as everything committed:
whatever the batch size, the archive comes out the same.

A copy belongs to an article when, in this order, it has
  same_text       the same normalized text (any copy's, or a text a revision replaced),
  same_policy     the same policy document (发文机关 + 发文字号, ``policy_key``),
  near_duplicate  a MinHash-LSH near-duplicate text (``near_duplicates``).
The same URL is not a copy but the same page again (see ``Archive.store``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from crawler.archive.near_duplicates import NearDuplicateIndex
from crawler.items import Article

SAME_URL = "same_url"
SAME_TEXT = "same_text"
SAME_POLICY = "same_policy"
NEAR_DUPLICATE = "near_duplicate"
MOJIBAKE = "mojibake"


@dataclass(frozen=True)
class Match:
    """The archived article a copy belongs to, and why."""

    article_id: str
    reason: str


@dataclass(frozen=True)
class KnownPage:
    """What the archive holds about a URL already met."""

    article_id: str
    text_hash: str | None  # null in archives written before pages kept their hash
    fetched_at: str | None


def known_page(db: sqlite_utils.Database, canonical_url: str) -> KnownPage | None:
    """Return the archived page at this URL, if any."""
    row = db.execute(
        "select article_id, text_hash, fetched_at from appearances where url = ?",
        [canonical_url],
    ).fetchone()
    return KnownPage(*row) if row else None


def _first(db: sqlite_utils.Database, sql: str, value: str) -> str | None:
    row = db.execute(sql, [value]).fetchone()
    return row[0] if row else None


def find_copy_of(
    db: sqlite_utils.Database,
    item: Article,
    policy_key: str | None,
    near_duplicates: bool,
    index: NearDuplicateIndex | None = None,
) -> Match | None:
    """Return the article ``item`` is a copy of, or None when it is a new article.

    ``index``: the near-duplicate index to look up (the archive's writer passes its own,
    which keeps a filter of the big band table); a plain one on ``db`` otherwise.
    """
    if item.text_hash:
        # INDEXED BY: pages stored before they kept their hash have none, and after an
        # ANALYZE the planner would scan a column it believes is all one value.
        found = (
            _first(
                db,
                "select article_id from appearances indexed by idx_appearances_text_hash"
                " where text_hash = ? limit 1",
                item.text_hash,
            )
            or _first(db, "select id from articles where text_hash = ? limit 1", item.text_hash)
            or _first(
                db,
                "select article_id from article_revisions indexed by idx_article_revisions_text_hash"
                " where text_hash = ? limit 1",
                item.text_hash,
            )
        )
        if found:
            return Match(found, SAME_TEXT)
    if policy_key:
        found = _first(
            db, "select article_id from policies where policy_key = ? limit 1", policy_key
        )
        if found:
            return Match(found, SAME_POLICY)
    if near_duplicates and item.signature is not None and item.signature_length:
        index = index or NearDuplicateIndex(db.conn)
        candidates = index.find(item.signature, item.signature_length)
        if candidates:
            return Match(candidates[0][0], NEAR_DUPLICATE)
    return None


def copy_text_wins(item: Article, stored_length: int, stored_quality: str | None) -> bool:
    """Say whether a copy's text replaces the article's: the most complete clean copy wins."""
    if item.text_quality == MOJIBAKE:
        return False
    return len(item.text) > stored_length or stored_quality == MOJIBAKE
