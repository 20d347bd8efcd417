"""The archive: the only code that opens the SQLite file and the only place with schema.

``open_database`` opens the file with its schema; ``Archive`` decides and writes each
item (merge, revisions) on one connection. The modules, one idea each:
``database`` (opening), ``schema`` (tables, indexes), ``articles`` (the write path),
``merge`` (which article a copy belongs to), ``revisions``, ``near_duplicates``,
``search_index`` and ``runs`` (crawl run records), ``attachment_store`` and
``attachment_search`` (attachment files, their text and its search index),
``policy_links`` (which policy each article cites), ``facet_columns`` (the reads of
``xietong serve``'s in-memory facet counts).
"""

from __future__ import annotations

from crawler.archive.articles import (
    MERGED,
    NEW,
    REVISED,
    UNCHANGED,
    Archive,
    Stored,
    article_id_for,
)
from crawler.archive.database import open_database
from crawler.archive.schema import SCHEMA_VERSION, ensure_schema

__all__ = [
    "MERGED",
    "NEW",
    "REVISED",
    "SCHEMA_VERSION",
    "UNCHANGED",
    "Archive",
    "Stored",
    "article_id_for",
    "ensure_schema",
    "open_database",
]
