"""The archive: the one module that owns the SQLite schema and writes to it.

Tables
  articles     one row per distinct article (the most complete copy's text)
  appearances  every URL where an article was found, with site, fetch time and script
  policies     policy-document header fields, linked to their article
  fingerprints, fingerprint_bands  the near-duplicate index (see crawler.fingerprint)
  crawl_runs, crawl_run_sources  one row per crawl and per source (see crawler.ops.monitor)

Writes go through sqlite-utils upserts with explicit primary keys, inside
``Database.atomic()`` transactions, so re-running a crawl changes nothing and a crash
leaves either a whole item or none of it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from crawler.items import Article

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1

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
    "last_seen_at": str,
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
    "script": str,
    "fetched_at": str,
    "is_first": int,
    "match_reason": str,  # null for the first sighting; same_text | near_duplicate | same_policy
}

POLICY_COLUMNS: dict[str, Any] = {
    "article_id": str,
    "index_number": str,
    "issuer": str,
    "doc_number": str,
    "written_at": str,
    "published_at": str,
    "topic": str,
    "validity": str,
    "attachments": str,  # JSON list of URLs
    "policy_key": str,  # issuer + normalized doc number: one document, wherever posted
}

# Hooks other modules register to add their own tables/indexes when a database opens
# (full-text search, run monitoring); called with the Database after the core tables.
SCHEMA_EXTENSIONS: list[Callable[[sqlite_utils.Database], None]] = []


def article_id_for(canonical_url: str) -> str:
    """Return the stable id of an article first seen at ``canonical_url``."""
    return hashlib.sha1(canonical_url.encode("utf-8")).hexdigest()[:16]


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create every table and index the archive needs; a no-op when they exist."""
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
    db.table("articles").create_index(["text_hash"], if_not_exists=True)
    db.table("articles").create_index(["published_at"], if_not_exists=True)
    db.table("appearances").create_index(["article_id"], if_not_exists=True)
    db.table("policies").create_index(["policy_key"], if_not_exists=True)
    from crawler.fingerprint import NearDuplicateIndex

    NearDuplicateIndex.create_tables(db.conn)
    from crawler.search import ensure_search_index

    ensure_search_index(db)
    from crawler.ops.monitor import create_tables as create_monitor_tables

    create_monitor_tables(db)  # crawl_runs, crawl_run_sources
    for extension in SCHEMA_EXTENSIONS:
        extension(db)
    db.conn.commit()


def open_database(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) the archive at ``path`` in WAL mode with its schema."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30)
    db = sqlite_utils.Database(conn)
    db.enable_wal()
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    ensure_schema(db)
    return db


def _json_list(values: list[str] | None) -> str:
    return json.dumps(list(values or []), ensure_ascii=False)


class Archive:
    """Read and write articles; one instance per connection."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    @classmethod
    def open(cls, path: str | Path) -> Archive:
        """Open the archive file at ``path``."""
        return cls(open_database(path))

    def close(self) -> None:
        """Commit what is pending and close the connection."""
        self.db.commit()
        self.db.close()

    # --- look-ups used by the deduplicating pipeline ---------------------------------------
    def article_id_for_url(self, canonical_url: str) -> str | None:
        """Return the article already archived at this URL, if any."""
        row = self.db.execute(
            "select article_id from appearances where url = ?", [canonical_url]
        ).fetchone()
        return row[0] if row else None

    def article_id_for_text_hash(self, text_hash: str) -> str | None:
        """Return the article whose normalized text has this hash, if any."""
        row = self.db.execute(
            "select id from articles where text_hash = ? limit 1", [text_hash]
        ).fetchone()
        return row[0] if row else None

    def article_id_for_policy(self, policy_key: str) -> str | None:
        """Return the article holding the policy document with this key, if any."""
        row = self.db.execute(
            "select article_id from policies where policy_key = ? limit 1", [policy_key]
        ).fetchone()
        return row[0] if row else None

    def known_urls(self) -> set[str]:
        """Return every canonical URL in the archive (for incremental crawls)."""
        return {row[0] for row in self.db.execute("select url from appearances")}

    # --- writes ----------------------------------------------------------------------------
    def save(self, item: Article, policy_key: str | None = None) -> bool:
        """Write one article appearance (and the article when new or more complete).

        Return True when the item created a new article. Runs in a savepoint, so it lands
        whole or not at all; the caller decides when to commit.
        """
        with self.db.atomic():
            existing = self.db.execute(
                "select body_length, first_seen_at, url, source, text_quality from articles where id = ?",
                [item.article_id],
            ).fetchone()
            created = existing is None
            row = self._article_row(item)
            if created:
                self.db.table("articles").insert(row, pk="id")
            else:
                body_length, first_seen_at, first_url, first_source, quality = existing
                update: dict[str, Any] = {"last_seen_at": item.fetched_at}
                more_complete = row["body_length"] > body_length and item.text_quality != "mojibake"
                if more_complete or (quality == "mojibake" and item.text_quality != "mojibake"):
                    # Keep the most complete clean copy's text; the first sighting stays first.
                    update.update({k: v for k, v in row.items() if v is not None})
                    update.update(
                        {
                            "id": item.article_id,
                            "first_seen_at": first_seen_at,
                            "url": first_url,
                            "source": first_source,
                        }
                    )
                    update.pop("appearance_count", None)
                self.db.table("articles").update(item.article_id, update)
            if item.policy is not None:
                self._save_policy(item, policy_key)
            appearance = {
                "url": item.canonical_url,
                "article_id": item.article_id,
                "site": item.site,
                "source": item.source,
                "title": item.title,
                "script": item.script,
                "fetched_at": item.fetched_at,
                "is_first": 1 if created else 0,
                "match_reason": None if created else item.match_reason,
            }
            self.db.table("appearances").upsert(appearance, pk="url")
            self.db.execute(
                "update articles set appearance_count = (select count(*) from appearances where article_id = ?)"
                " where id = ?",
                [item.article_id, item.article_id],
            )
            if created and item.signature is not None:
                from crawler.fingerprint import NearDuplicateIndex

                NearDuplicateIndex(self.db.conn).add(
                    item.article_id, item.signature, item.signature_length
                )
        return created

    def _article_row(self, item: Article) -> dict[str, Any]:
        return {
            "id": item.article_id,
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

    def _save_policy(self, item: Article, policy_key: str | None) -> None:
        policy = item.policy
        assert policy is not None
        if self.db.execute(
            "select 1 from policies where article_id = ?", [item.article_id]
        ).fetchone():
            return  # the first posting's header stays; later copies are appearances
        self.db.table("policies").upsert(
            {
                "article_id": item.article_id,
                "index_number": policy.index_number,
                "issuer": policy.issuer,
                "doc_number": policy.doc_number,
                "written_at": policy.written_at,
                "published_at": policy.published_at,
                "topic": policy.topic,
                "validity": policy.validity,
                "attachments": _json_list(policy.attachments),
                "policy_key": policy_key,
            },
            pk="article_id",
        )

    def commit(self) -> None:
        """Commit the open transaction, if any."""
        self.db.commit()
