"""Create the archive's tables, indexes and columns.

Every schema statement of the project lives here or beside it in this package (search
index, near-duplicate index, run records).

Tables
  articles           one row per distinct article (the text of its winning copy)
  appearances        every URL where an article was found, with site, fetch time, script
                     and the hash of the text that page held when last fetched
  policies           policy-document header fields, linked to their article
  article_revisions  what a re-fetched page's new text (or a policy's new 有效性) replaced
  fingerprints, fingerprint_bands (+ _recent, _merged, _filter)
                     the near-duplicate index (``near_duplicates``)
  articles_search    the bigram full-text index (``search_index``)
  crawl_runs, crawl_run_sources    one row per crawl and per source (``runs``)
  attachments        each article's attachment files: text or error (``attachments``),
                     searched through ``attachments_search`` (``attachment_search``)
  policy_links       the policies each article cites (``policy_links``)
  source_summaries   per-source totals of appearances, kept by triggers (``source_summaries``)
  article_tags       the articles of each topic and region, kept by triggers (``article_tags``)
  table_rows         how many rows each large table holds, kept by triggers (``table_rows``)
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from crawler.archive.article_tags import create_article_tags
from crawler.archive.attachment_store import create_attachment_table
from crawler.archive.near_duplicates import NearDuplicateIndex
from crawler.archive.policy_links import create_policy_links_table
from crawler.archive.runs import RUN_SOURCE_COLUMNS, create_run_tables
from crawler.archive.search_index import ensure_search_index
from crawler.archive.source_summaries import create_source_summaries
from crawler.archive.table_rows import create_table_rows

# Kept in SQLite's ``user_version``. 3: the search index without positions (detail=none,
# title windows marked) and the near-duplicate index with integer ids and 32-bit band keys;
# an archive of an earlier version is upgraded when opened (both indexes rebuilt in place).
SCHEMA_VERSION = 3

ARTICLE_COLUMNS: dict[str, Any] = {
    "id": str,
    "title": str,
    "title_simplified": str,
    "published_at": str,
    "site": str,
    "outlet": str,
    "outlet_simplified": str,
    "author": str,
    "author_simplified": str,
    "editor": str,
    "keywords": str,  # JSON list
    "kind": str,
    "script": str,
    "variant": str,
    "text_quality": str,
    "topics": str,  # JSON list
    "regions": str,  # JSON list
    "url": str,  # the first URL it was found at
    "source": str,  # the configured source of that first URL
    "first_seen_at": str,
    "last_seen_at": str,  # the last time any copy was fetched, changed or not
    "text_hash": str,
    "body_length": int,
    "appearance_count": int,
    # The long texts come last: SQLite stores a row's columns in order, so every column
    # after a 5 KB body would sit on its overflow pages, and facets, sorting and the
    # search filter, which read only the short columns, would walk them for every row.
    "body": str,
    "body_simplified": str,
}

APPEARANCE_COLUMNS: dict[str, Any] = {
    "url": str,  # canonical URL
    "article_id": str,
    "site": str,
    "source": str,
    "title": str,  # the title as that page showed it
    "published_at": str,  # the date that page gave (the article's is its earliest page's)
    "script": str,
    "fetched_at": str,
    "is_first": int,
    "match_reason": str,  # null for the first sighting; same_text | near_duplicate | same_policy
    "text_hash": str,  # of the text this page held when last fetched: tells a changed page
}

POLICY_COLUMNS: dict[str, Any] = {
    "article_id": str,
    "index_number": str,
    "issuer": str,
    "co_issuers": str,  # JSON list of the joint issuers (联合发文) other than ``issuer``
    "doc_number": str,
    "written_at": str,
    "published_at": str,
    "topic": str,
    "validity": str,
    "attachments": str,  # JSON list of URLs
    "policy_key": str,  # issuer + normalized doc number: one document, wherever posted
}

REVISION_COLUMNS: dict[str, Any] = {
    "article_id": str,
    "title": str,  # the article's title, body and text hash before the change
    "body": str,
    "text_hash": str,
    "validity": str,  # a policy's 有效性 before the change; null for news
    "fetched_at": str,  # when the replaced text was fetched
    "replaced_at": str,  # when the fetch that replaced it happened
}


def _add_missing_columns(db: sqlite_utils.Database, table: str, columns: dict[str, Any]) -> None:
    """Add columns a newer schema has to a table an older one created."""
    existing = set(db.table(table).columns_dict)
    for name, kind in columns.items():
        if name not in existing:
            db.table(table).add_column(name, kind)


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create every table, index and trigger the archive needs; a no-op when they exist."""
    db.table("articles").create(
        ARTICLE_COLUMNS, pk="id", not_null={"title", "body"}, if_not_exists=True
    )
    db.table("appearances").create(
        APPEARANCE_COLUMNS,
        pk="url",
        foreign_keys=[("article_id", "articles", "id")],
        if_not_exists=True,
    )
    db.table("policies").create(
        POLICY_COLUMNS,
        pk="article_id",
        foreign_keys=[("article_id", "articles", "id")],
        if_not_exists=True,
    )
    db.table("article_revisions").create(
        REVISION_COLUMNS,
        foreign_keys=[("article_id", "articles", "id")],
        if_not_exists=True,
    )
    _add_missing_columns(db, "articles", ARTICLE_COLUMNS)
    _add_missing_columns(db, "appearances", APPEARANCE_COLUMNS)
    _add_missing_columns(db, "policies", POLICY_COLUMNS)
    db.table("articles").create_index(["text_hash"], if_not_exists=True)
    db.table("articles").create_index(["published_at"], if_not_exists=True)
    db.table("appearances").create_index(["article_id"], if_not_exists=True)
    db.table("appearances").create_index(["text_hash"], if_not_exists=True)
    db.table("policies").create_index(["policy_key"], if_not_exists=True)
    db.table("article_revisions").create_index(["article_id"], if_not_exists=True)
    db.table("article_revisions").create_index(["text_hash"], if_not_exists=True)
    NearDuplicateIndex.create_tables(db.conn)
    ensure_search_index(db)
    create_run_tables(db)
    _add_missing_columns(db, "crawl_run_sources", RUN_SOURCE_COLUMNS)
    create_attachment_table(db)
    create_source_summaries(db)
    create_article_tags(db)
    create_policy_links_table(db)
    create_table_rows(db)
    if schema_version(db) < SCHEMA_VERSION:
        db.execute("PRAGMA user_version = %d" % SCHEMA_VERSION)
    db.conn.commit()


def schema_version(db: sqlite_utils.Database) -> int:
    """Return the schema version the archive file records (0 before versions were kept)."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])
