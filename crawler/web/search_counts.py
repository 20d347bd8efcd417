"""The articles page's count of a search matching much of the archive, read from the index.

datasette counts a page's rows with ``select count(*) from articles where …``. For a search
alone, in the form the plugin gives a word in much of the archive (``+rowid in (…)``, the
walk: ``crawler.web.plugin``), SQLite answers it by scanning a whole index of the articles
and looking each entry up in the match set: ~0.25 µs an article, ~250 ms at a million for
协同, whatever share matches. Every rowid in the search index is an article's (the archive's
triggers add and remove them with the article; the in-memory facets read their match sets
from the index on the same ground, ``crawler.web.pages``), so the count is the number of the
index's matches, which FTS5 counts from the word's list of rowids without reading an
article. Every other count (other filters, a search of few matches, which SQLite looks up
quickly) is left to datasette as it was.
"""

from __future__ import annotations

from typing import Any

from datasette.database import Database, Results

from crawler.archive.search_index import SEARCH_TABLE
from crawler.web.plugin import SEARCH_PARAMETER, WALK, search_clause

ARTICLES_TABLE = "articles"
# The count datasette asks for a page filtered by a walked search alone (its own spelling).
WALKED_SEARCH_COUNT = "select count(*) from %s where %s" % (ARTICLES_TABLE, search_clause(WALK))
# The same count, read from the index alone.
INDEX_COUNT = "select count(*) from %s where %s match :%s" % (
    SEARCH_TABLE,
    SEARCH_TABLE,
    SEARCH_PARAMETER,
)


def count_sql(sql: str) -> str:
    """Return the SQL that counts ``sql``'s rows fastest: the index's for a walked search alone."""
    return INDEX_COUNT if sql.strip() == WALKED_SEARCH_COUNT else sql


class ArchiveDatabase(Database):  # type: ignore[misc]
    """datasette's database of the archive, counting a large search's rows from the index."""

    async def execute(self, sql: str, *args: Any, **kwargs: Any) -> Results:
        """Run ``sql`` as datasette does, with a walked search's count read from the index."""
        return await super().execute(count_sql(sql), *args, **kwargs)
