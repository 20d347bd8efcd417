"""Row counts of the archive's pages read from what the archive keeps, not by scanning.

datasette counts rows with ``count(*)``: every table on the database and home pages, the
table on an unfiltered table page, the matches on a search page. At a million articles
each such count walks a whole index, and a count is one SQLite instruction, which
datasette's time limit cannot cut short. ``ArchiveDatabase`` answers them instead from:

* ``table_rows`` (``crawler.archive.table_rows``): the rows of the large tables, kept by
  the archive's triggers as it writes: the database page, the home page and an unfiltered
  table page;
* the search index, for a search alone. In the form the plugin gives a word in much of the
  archive (``+rowid in (…)``, the walk: ``crawler.web.plugin``) SQLite would scan an index
  of every article and look each entry up in the match set (~0.25 µs an article, ~250 ms
  for 协同 at a million); in the other (``rowid in (…)``) it looks each match up in the
  articles (~2 µs a match, ~80 ms for 氢能's 48,000); in the third (``exists (…)``, the
  probe, a search alone in most of the archive) it would probe the index once an article.
  Every rowid in the index is an article's (the archive's triggers add and remove them
  with the article; the in-memory facets read their match sets from the index on the same
  ground, ``crawler.web.pages``), so the count is the number of the index's matches, which
  FTS5 counts from the word's list of rowids. Once the in-memory facet codes are read
  (``crawler.web.facet_counts``, read ahead as the server starts), the count is the length
  of the match set the page's facets read from that list anyway, kept until the archive
  changes: one read of the list instead of two, none for a search asked again.

Hidden tables (the search and near-duplicate indexes' own tables, bookkeeping) are counted
only in an archive smaller than ``HIDDEN_COUNTED_BELOW_BYTES`` (datasette's own limit for
counting tables on its home page): the database page does not show them, and at a million
articles the near-duplicate bands alone are tens of millions of rows. Every other count is
datasette's.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from datasette.database import Database, QueryInterrupted, Results
from datasette.utils import escape_sqlite
from datasette.views.index import COUNT_DB_SIZE_LIMIT

from crawler.archive.search_index import FACET_COLUMNS, SEARCH_TABLE
from crawler.archive.table_rows import COUNTED_TABLES, kept_count_sql, kept_row_counts
from crawler.web.facet_counts import table_codes
from crawler.web.plugin import (
    LOOKUP,
    PROBE,
    SEARCH_PARAMETER,
    SEARCH_ROWIDS_SQL,
    WALK,
    search_clause,
)

ARTICLES_TABLE = "articles"
# Hidden tables are counted in archives smaller than this (datasette's home page's limit).
HIDDEN_COUNTED_BELOW_BYTES = COUNT_DB_SIZE_LIMIT
# The counts datasette asks for a page filtered by a search alone (its own spelling), in
# either form the plugin gives it.
WALKED_SEARCH_COUNT = "select count(*) from %s where %s" % (ARTICLES_TABLE, search_clause(WALK))
LOOKUP_SEARCH_COUNT = "select count(*) from %s where %s" % (
    ARTICLES_TABLE,
    search_clause(LOOKUP),
)
PROBED_SEARCH_COUNT = "select count(*) from %s where %s" % (ARTICLES_TABLE, search_clause(PROBE))
# The same count, read from the index alone.
INDEX_COUNT = "select count(*) from %s where %s match :%s" % (
    SEARCH_TABLE,
    SEARCH_TABLE,
    SEARCH_PARAMETER,
)
# datasette's count of an unfiltered table page, for each table the archive counts.
KEPT_COUNTS = {
    "select count(*) from %s" % escape_sqlite(table): kept_count_sql(table)
    for table in COUNTED_TABLES
}


def count_sql(sql: str) -> str:
    """Return SQL giving ``sql``'s result from what the archive keeps, or ``sql`` itself."""
    text = sql.strip()
    if text in (WALKED_SEARCH_COUNT, LOOKUP_SEARCH_COUNT, PROBED_SEARCH_COUNT):
        return INDEX_COUNT
    return KEPT_COUNTS.get(text, sql)


class ArchiveDatabase(Database):  # type: ignore[misc]
    """datasette's database of the archive, with its row counts read from what it keeps."""

    async def execute(self, sql: str, *args: Any, **kwargs: Any) -> Results:
        """Run ``sql`` as datasette does, a count it can read from what is kept read there."""
        counted = count_sql(sql)
        if counted == INDEX_COUNT and self.path:
            params = dict((args[0] if args else kwargs.get("params")) or {})
            codes = table_codes(self.path, ARTICLES_TABLE, FACET_COLUMNS)
            matches = await self.execute_fn(
                lambda conn: codes.match_count(conn, SEARCH_ROWIDS_SQL, params)
            )
            if matches is not None:
                return Results([(matches,)], False, [("count(*)", None)])
        return await super().execute(counted, *args, **kwargs)

    async def table_counts(self, limit: int = 10) -> dict[str, int | None]:
        """Count every table as datasette does, the large ones from ``table_rows``.

        Hidden tables are left uncounted (None) in a large archive.
        """
        kept = await self.execute_fn(kept_row_counts)
        hidden = set()
        if self.size >= HIDDEN_COUNTED_BELOW_BYTES:
            hidden = set(await self.hidden_table_names())
        counts: dict[str, int | None] = {}
        for table in await self.table_names():
            if table in kept:
                counts[table] = kept[table]
                continue
            counts[table] = None
            if table in hidden:
                continue
            try:
                results = await super().execute(
                    "select count(*) from %s" % escape_sqlite(table), custom_time_limit=limit
                )
                counts[table] = results.rows[0][0]
            except (QueryInterrupted, sqlite3.OperationalError, sqlite3.DatabaseError):
                pass  # as datasette: "Many rows"
        return counts
