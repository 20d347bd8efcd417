"""Xietong's datasette plugin: Chinese full-text search for the table page and JSON API.

``?_search=…`` (and ``?_search_title=…``, ``?_search_body=…``) on a table whose metadata
names our bigram index (``plugins: xietong: search_table: articles_search``) is answered
by this plugin's ``filters_from_request`` hook, not by datasette's own FTS support: the
query is converted to simplified and each term to its bigrams in Python
(``crawler.text.search_query.search_query``), and the hook adds one where clause,
``rowid in (select rowid from articles_search where articles_search match :xietong_search)``.

It writes that clause in one of three forms, because datasette's page query orders by
``published_at`` and SQLite plans the plain form the same way whatever the query matches:
it fetches every matching row (each ~5 KB, spilling into overflow pages), then sorts, which
costs ~2 µs per match: 150–250 ms for a word in most of 100,000 articles.

* ``rowid in (…)``: SQLite looks up each match by rowid, then sorts. Best for few matches.
* ``+rowid in (…)``: the unary ``+`` stops SQLite using the rowid term to drive the loop,
  so it walks the index of the sort column newest first and keeps the rows whose rowid is
  in the match set, stopping after one page. Best for many matches: reading the match set
  costs ~60 ns a match from the position-less index (~1.4 ms for 15,000 matches).
* ``exists (… rowid = articles.rowid)``: the same walk, each walked row probed in the index
  (~0.1 ms a probe) instead of reading the match set first. Best for a rows-only page of a
  word in most articles: ~70 probes for 协同, where its match set in a million articles
  is 800,000 rowids (see ``PROBE_SHARE``).

A query of three characters or more, or a search of the body alone, also gets a text check
(``xietong_text_matches`` on the row's simplified title and body): the index keeps no
positions, so its match for those is a superset (see ``crawler.archive.search_index``).

For a rows-only request, the hook first counts matches among the newest ``PROBE_SAMPLE``
rowids (one range read of the index) and probes when they are ``PROBE_SHARE`` of them.
Otherwise it counts matches up to ``MANY_MATCHES`` in the index (a fraction of a millisecond)
and picks the index walk when there are at least that many and the sort column has an
index. A request that also counts rows and computes facets (the HTML page, the default
JSON) scans the whole match set for those anyway; there the ``+rowid`` form turns the count
and each facet into a scan of that column's index (``ensure_facet_indexes``: ~0.25 µs an
entry, in value order) instead of a read of each matching row (~1 µs, ~5 µs for the
computed week), so it is used when matches are at least ``SHARE_FOR_FACETS`` of the table.

The plugin also registers ``xietong_search_query(q[, column])``, ``xietong_text_matches``
and the other search functions for the canned queries, and replaces datasette's
``escape_fts`` on a database holding our index so a datasette-built search
(``?_fts_table=articles_search``) gets bigrams too (without the text check: a term of three
characters or more may there match a text holding its windows apart).
``xietong serve`` registers this module with datasette's plugin manager; ``datasette
--plugins-dir`` cannot load it because it imports the ``crawler`` package.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from typing import Any

from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite
from datasette.utils.asgi import BadRequest

from crawler.archive.attachment_search import ATTACHMENT_SEARCH_TABLE, attachment_text_check_sql
from crawler.archive.search_index import (
    SEARCH_TABLE,
    register_search_functions,
    text_check_sql,
)
from crawler.text.search_query import SEARCH_COLUMNS, needs_text_check, search_query_or_nothing
from crawler.web.facet_counts import MEMORY_FROM_MATCHES

logger = logging.getLogger(__name__)

PLUGIN_NAME = "xietong"
# Name of the query parameter our where clause binds (datasette's own are p0, p1, search).
SEARCH_PARAMETER = "xietong_search"
# From this many matches on, walking the sort column's index beats looking up every match:
# the walk reads about page size x table rows / matches index entries (~5,000 here at
# 100,000 articles, ~1 ms), the lookups ~2-4 µs per match.
MANY_MATCHES = 1000
# With counts and facets, the ``+rowid`` form pays off when the matches are this share of
# the table (each facet then scans its column's index instead of looking up the matches).
SHARE_FOR_FACETS = 0.2
# The bigram indexes a table's metadata may name (``plugins: xietong: search_table``), each
# with the SQL that checks a match against its row's text: the articles' index and the
# attachments' (``crawler.archive.attachment_search``), searched as a whole (no column).
TEXT_CHECKS = {SEARCH_TABLE: text_check_sql, ATTACHMENT_SEARCH_TABLE: attachment_text_check_sql}


def _has_search_index(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "select 1 from sqlite_master where type = 'table' and name = ?", [SEARCH_TABLE]
    ).fetchone()
    return row is not None


@hookimpl(trylast=True)
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    """Register the search functions; replace ``escape_fts`` where our index lives.

    ``trylast`` runs this after datasette's own ``prepare_connection``, so our definition of
    ``escape_fts`` is the one that stays.
    """
    if not _has_search_index(conn):
        return
    register_search_functions(conn)
    conn.create_function("escape_fts", 1, search_query_or_nothing, deterministic=True)
    logger.debug("bigram search enabled on database %s", database)


@dataclass(frozen=True)
class SearchRequest:
    """The search arguments of a request, as the where clause needs them."""

    query: str  # one FTS5 query: every argument's windows must match
    checks: list[tuple[str, str | None]]  # (text, column) whose matches need a text check
    shown: str  # what the user typed, for the page


def match_query(
    request_args: Any, columns: tuple[str, ...] = SEARCH_COLUMNS
) -> SearchRequest | None:
    """Return the search of a request: its FTS5 query, text checks and text shown.

    ``_search`` searches title and body, ``_search_title`` / ``_search_body`` one column;
    all given must match. Return None when the request has no search argument.
    """
    parts = []
    checks: list[tuple[str, str | None]] = []
    shown = []
    for key in request_args:
        if not key.startswith("_search") or key == "_searchmode":
            continue
        text = request_args[key]
        column: str | None
        if key == "_search":
            column = None
        else:
            column = key.removeprefix("_search_")
            if column not in columns:
                raise BadRequest("Cannot search by that column")
        parts.append("(%s)" % search_query_or_nothing(text, column))
        if needs_text_check(text, column):
            checks.append((text, column))
        shown.append(text)
    if not parts:
        return None
    return SearchRequest(" AND ".join(parts), checks, " ".join(shown))


def _sort_column(request_args: Any, table_metadata: dict[str, Any]) -> str | None:
    """Return the column the page is ordered by, or None for primary-key order."""
    sort = request_args.get("_sort") or request_args.get("_sort_desc")
    if not sort:
        sort = table_metadata.get("sort") or table_metadata.get("sort_desc")
    return sort or None


def _counts_and_facets(request_args: Any) -> bool:
    """Whether datasette will also count the matches and compute facets for this request."""
    if request_args.get("_shape") in ("array", "object"):
        return False
    return not (request_args.get("_nocount") and request_args.get("_nofacet"))


# The three forms of the search clause (``search_clause``).
LOOKUP, WALK, PROBE = "lookup", "walk", "probe"
# Rows only (no count, no facets), a query in at least this share of the newest articles is
# answered by probing the index for each row of the sort column's index walk: ~0.1 ms a probe,
# so ~page size / share probes, instead of reading the whole match set (~90 ns a match: 70 ms
# for a word in 800,000 of a million articles). Below it, reading the matches costs less.
PROBE_SHARE = 0.25
# The share is measured on this many of the newest rowids (one range read of the index).
PROBE_SAMPLE = 4000
# Arguments that leave a search the page's only filter: with counts and facets, such a page
# may probe too, since its count and facets then come from the index, not from the rows.
ARGUMENTS_BESIDE_A_SEARCH_ALONE = frozenset(
    (
        "_search",
        "_sort",
        "_sort_desc",
        "_shape",
        "_size",
        "_next",
        "_nocount",
        "_nofacet",
        "_facet_size",
        "_col",
        "_nocol",
        "_labels",
        "_nolabels",
        "_json",
    )
)


def _choose_form(
    conn: sqlite3.Connection,
    table: str,
    query: str,
    sort_column: str | None,
    counts_and_facets: bool,
    search_table: str = SEARCH_TABLE,
    search_alone: bool = False,
) -> str:
    """Decide how SQLite should apply the search (see ``search_clause``).

    ``search_alone``: the articles page is filtered by this search and nothing else (no
    other filter, no text check, no facet beyond the configured ones).
    """
    if sort_column is not None and sort_column != "rowid":
        (indexed,) = conn.execute(
            "select count(*) from pragma_index_list(:table) as list,"
            " pragma_index_info(list.name) as info where info.seqno = 0 and info.name = :column",
            {"table": table, "column": sort_column},
        ).fetchone()
        if not indexed:
            return LOOKUP
    # max(rowid) is an O(log n) stand-in for the row count.
    (rows,) = conn.execute(
        "select coalesce(max(rowid), 0) from %s" % escape_sqlite(table)
    ).fetchone()
    fts = escape_sqlite(search_table)

    def at_least(enough: int) -> bool:
        (matches,) = conn.execute(
            f"select count(*) from (select rowid from {fts} where {fts} match :query"
            " limit :enough)",
            {"query": query, "enough": enough},
        ).fetchone()
        return bool(matches >= enough)

    if (not counts_and_facets or search_alone) and sort_column is not None and rows >= PROBE_SAMPLE:
        (recent,) = conn.execute(
            f"select count(*) from {fts} where {fts} match :query and rowid > :floor",
            {"query": query, "floor": rows - PROBE_SAMPLE},
        ).fetchone()
        if recent >= PROBE_SHARE * PROBE_SAMPLE and (
            # With counts and facets, only when the count comes from the index and the
            # facets from memory (``crawler.web.row_counts``, ``crawler.web.pages``):
            # in SQL either would probe the index once for every article.
            not counts_and_facets or at_least(MEMORY_FROM_MATCHES)
        ):
            return PROBE
    enough = MANY_MATCHES
    if counts_and_facets:
        enough = max(enough, int(rows * SHARE_FOR_FACETS))
    return WALK if at_least(enough) else LOOKUP


def search_clause(form: str, search_table: str = SEARCH_TABLE, table: str = "articles") -> str:
    """Return the where clause keeping the rows the index matches (``:xietong_search``).

    ``LOOKUP``: ``rowid in (…)``, each match looked up by rowid, then sorted. ``WALK``:
    ``+rowid in (…)``, the sort column's index walked, keeping rows in the match set (see the
    module docstring). ``PROBE``: the walk again, but each walked row is looked up in the
    index (``exists (… rowid = articles.rowid)``) instead of reading the match set first:
    FTS5 sets the query up again on every probe (~0.1 ms), so this pays only when most rows
    match and the page stops early; ``_choose_form`` takes it for a rows-only request whose
    query is in ``PROBE_SHARE`` of the newest articles.
    """
    fts = escape_sqlite(search_table)
    if form == PROBE:
        return f"exists (select 1 from {fts} where {fts} match :{SEARCH_PARAMETER} and rowid = {escape_sqlite(table)}.rowid)"
    return "{plus}rowid in (select rowid from {fts} where {fts} match :{param})".format(
        plus="+" if form == WALK else "", fts=fts, param=SEARCH_PARAMETER
    )


# The rowids of a search's matches, read from the index alone (every rowid in it is an
# article's): the match set of a page filtered by a search alone, shared by its count
# (``crawler.web.row_counts``) and its facets (``crawler.web.pages``).
SEARCH_ROWIDS_SQL = "select rowid from %s where %s match :%s" % (
    escape_sqlite(SEARCH_TABLE),
    escape_sqlite(SEARCH_TABLE),
    SEARCH_PARAMETER,
)


@hookimpl(trylast=True)
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    """Answer ``?_search=`` on tables configured with our ``search_table``.

    ``trylast`` puts our ``extra_context`` (``supports_search``, which shows the search box)
    after datasette's own, which says False because the table has no ``fts_table``.
    """
    config = datasette.plugin_config(PLUGIN_NAME, database=database, table=table) or {}
    search_table = config.get("search_table")
    if search_table not in TEXT_CHECKS:
        return None
    text_check = TEXT_CHECKS[search_table]
    columns = SEARCH_COLUMNS if search_table == SEARCH_TABLE else ()

    async def inner() -> FilterArguments:
        found = match_query(request.args, columns)
        if found is None:
            return FilterArguments([], extra_context={"supports_search": True})
        sort_column = _sort_column(request.args, datasette.table_metadata(database, table))
        counts_and_facets = _counts_and_facets(request.args)
        search_alone = (
            search_table == SEARCH_TABLE
            and not found.checks
            and set(request.args) <= ARGUMENTS_BESIDE_A_SEARCH_ALONE
        )
        form = await datasette.get_database(database).execute_fn(
            lambda conn: _choose_form(
                conn,
                table,
                found.query,
                sort_column,
                counts_and_facets,
                search_table,
                search_alone,
            )
        )
        clause = search_clause(form, search_table, table)
        params = {SEARCH_PARAMETER: found.query}
        for number, (text, column) in enumerate(found.checks):
            parameter = "%s_text_%d" % (SEARCH_PARAMETER, number)
            clause += " and " + text_check(parameter, column, row=escape_sqlite(table))
            params[parameter] = text
        shown = found.shown
        return FilterArguments(
            [clause],
            params=params,
            human_descriptions=['search matches "%s"' % shown],
            extra_context={"supports_search": True, "search": shown},
        )

    return inner
