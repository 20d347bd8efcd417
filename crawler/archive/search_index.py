"""The archive's Chinese full-text search index: character bigrams in SQLite FTS5.

The index (``articles_search``) is a contentless FTS5 table with ``detail=none``: for every
overlapping two-character window of the simplified title and body (see
``crawler.text.search_query`` for why, and for how a query becomes its windows) it keeps
only the list of articles holding it, no positions and no copy of the text, about a third
of the size of a positional index. The title's windows are indexed a second time behind a
marker, so title hits are found in the index too. A two-character query is one window and
its match is exact; a longer one is checked against the texts of the rows it matched
(``xietong_text_matches``), which the searches here and in ``crawler.web`` do.

Triggers on ``articles`` keep the index in sync on insert, update and delete, and compute
the bigrams in plain SQL (a recursive CTE), not with a Python function: any connection
that writes the archive (the sqlite3 shell, sqlite-utils, a script without our code) keeps
the index right instead of failing with "no such function". Python computes the same text
(``bigram_text``) several times faster, so the archive's own writing connection indexes
with it (``index_in_python``: TEMP triggers on that connection, the stored ones standing
aside) and bulk rebuilds use it too; a test holds the two equal.

Ranking does not score every match: the ranked search takes the most recently archived
title hits and matches (``RANKED_CANDIDATES`` of each, read newest rowid first with an
early stop) and orders those, title hits first, then newest.

The module also adds the ``week`` column (ISO week, ``2024-W08``) that datasette facets on
and the digest selects by; see ``ensure_week_column``.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import sqlite_utils

from crawler.text.search_query import (
    TITLE_MARKER,
    bigram_text,
    needs_text_check,
    search_query_or_nothing,
    text_matches,
    title_index_text,
)

logger = logging.getLogger(__name__)

SEARCH_TABLE = "articles_search"
# detail=none: postings without positions (no phrase queries; see the module docstring).
SEARCH_TABLE_OPTIONS = "title, body, content='', tokenize='unicode61', detail=none"
# Triggers that keep the index in sync; named so bulk loads can drop and restore them.
TRIGGER_INSERT = "articles_search_after_insert"
TRIGGER_UPDATE = "articles_search_after_update"
TRIGGER_DELETE = "articles_search_after_delete"
# The TEMP twins of the three on the archive's writing connection (``index_in_python``).
PYTHON_SUFFIX = "_python"
# The ranked search orders this many of the newest title hits and of the newest matches.
RANKED_CANDIDATES = 1000

# Python functions registered on connections that read the index (datasette, benchmarks).
FUNCTION_BIGRAMS = "xietong_bigrams"
FUNCTION_TITLE_BIGRAMS = "xietong_title_bigrams"
FUNCTION_SEARCH_QUERY = "xietong_search_query"
FUNCTION_TEXT_MATCHES = "xietong_text_matches"
FUNCTION_NEEDS_TEXT_CHECK = "xietong_needs_text_check"
# Registered only where TEMP triggers index in Python; the stored triggers then stand aside.
# Any other connection (the sqlite3 shell, datasette, a script) indexes in plain SQL.
FUNCTION_PYTHON_INDEXER = "xietong_python_indexer"
_STAND_ASIDE = "when not exists (select 1 from pragma_function_list where name = '%s')" % (
    FUNCTION_PYTHON_INDEXER
)

# The text each column indexes: the simplified form, or the original when there is none.
INDEXED_TITLE = "coalesce(nullif({row}.title_simplified, ''), {row}.title, '')"
INDEXED_BODY = "coalesce(nullif({row}.body_simplified, ''), {row}.body, '')"

# Overlapping two-character windows of {text}, each behind {marker}, space-separated, in
# plain SQL. A recursive CTE is allowed inside a subquery of a trigger; ``bigram_text`` is
# its Python twin.
_BIGRAMS_SQL = """(select coalesce(group_concat('{marker}' || substr(source.text, window.i, 2), ' '), '')
      from (select {text} as text) as source
      join (with recursive windows(i) as (
              select 1 union all select i + 1 from windows where i < length({text}) - 1
            ) select i from windows) as window)"""


def _bigrams_sql(text_expression: str, marker: str = "") -> str:
    return _BIGRAMS_SQL.format(text=text_expression, marker=marker)


def _title_bigrams_sql(text_expression: str) -> str:
    """Return SQL for ``title_index_text``: the windows, then the marked windows."""
    plain = _bigrams_sql(text_expression)
    return "(case when %s = '' then '' else %s || ' ' || %s end)" % (
        plain,
        plain,
        _bigrams_sql(text_expression, TITLE_MARKER),
    )


def register_search_functions(conn: sqlite3.Connection) -> None:
    """Register the SQL functions that build bigram text and search queries on ``conn``.

    Registering twice is skipped: SQLite refuses to redefine a function while any statement
    on the connection is still open.
    """
    try:
        conn.execute("select %s('')" % FUNCTION_TITLE_BIGRAMS).fetchone()
        return
    except sqlite3.OperationalError:
        pass
    conn.create_function(FUNCTION_BIGRAMS, 1, bigram_text, deterministic=True)
    conn.create_function(FUNCTION_TITLE_BIGRAMS, 1, title_index_text, deterministic=True)
    for arguments in (1, 2):
        conn.create_function(
            FUNCTION_SEARCH_QUERY, arguments, search_query_or_nothing, deterministic=True
        )
        conn.create_function(
            FUNCTION_NEEDS_TEXT_CHECK, arguments, needs_text_check, deterministic=True
        )
    for arguments in (3, 4):
        conn.create_function(FUNCTION_TEXT_MATCHES, arguments, text_matches, deterministic=True)


def _python_bigrams(text_expression: str) -> str:
    return "%s(%s)" % (FUNCTION_BIGRAMS, text_expression)


def _python_title_bigrams(text_expression: str) -> str:
    return "%s(%s)" % (FUNCTION_TITLE_BIGRAMS, text_expression)


def _trigger_sql(in_python: bool = False) -> list[str]:
    """Return the statements creating the sync triggers.

    The stored triggers compute bigrams in SQL and stand aside on a connection that
    registered ``FUNCTION_PYTHON_INDEXER``; there, TEMP triggers (``in_python``) do the same
    with the Python function, several times faster on a long body.
    """
    bigrams = _python_bigrams if in_python else _bigrams_sql
    title_bigrams = _python_title_bigrams if in_python else _title_bigrams_sql
    index_new = (
        "insert into {table}(rowid, title, body) values (new.rowid, {title}, {body});".format(
            table=SEARCH_TABLE,
            title=title_bigrams(INDEXED_TITLE.format(row="new")),
            body=bigrams(INDEXED_BODY.format(row="new")),
        )
    )
    # A contentless FTS5 table forgets a row only when given the exact values it indexed.
    forget_old = "insert into {table}({table}, rowid, title, body) values ('delete', old.rowid, {title}, {body});".format(
        table=SEARCH_TABLE,
        title=title_bigrams(INDEXED_TITLE.format(row="old")),
        body=bigrams(INDEXED_BODY.format(row="old")),
    )
    if in_python:
        create, suffix, table, when = "create temp trigger", PYTHON_SUFFIX, "main.articles", ""
    else:
        create, suffix, table, when = "create trigger", "", "articles", _STAND_ASIDE
    return [
        "%s if not exists %s after insert on %s %s begin %s end"
        % (create, TRIGGER_INSERT + suffix, table, when, index_new),
        # Only text columns re-index: the archive updates last_seen_at and
        # appearance_count on every copy it sees, which must stay cheap.
        "%s if not exists %s after update of title, title_simplified, body, body_simplified"
        " on %s %s begin %s %s end"
        % (create, TRIGGER_UPDATE + suffix, table, when, forget_old, index_new),
        "%s if not exists %s after delete on %s %s begin %s end"
        % (create, TRIGGER_DELETE + suffix, table, when, forget_old),
    ]


def _drop_triggers(conn: sqlite3.Connection) -> None:
    for name in (TRIGGER_INSERT, TRIGGER_UPDATE, TRIGGER_DELETE):
        conn.execute("drop trigger if exists main.%s" % name)
        conn.execute("drop trigger if exists temp.%s" % (name + PYTHON_SUFFIX))


def _indexes_in_python(conn: sqlite3.Connection) -> bool:
    return (
        conn.execute(
            "select 1 from pragma_function_list where name = ?", [FUNCTION_PYTHON_INDEXER]
        ).fetchone()
        is not None
    )


def _create_triggers(conn: sqlite3.Connection) -> None:
    for statement in _trigger_sql():
        conn.execute(statement)
    if _indexes_in_python(conn):
        for statement in _trigger_sql(in_python=True):
            conn.execute(statement)


def index_in_python(conn: sqlite3.Connection) -> None:
    """Keep the index in sync from ``conn`` with Python bigrams (the archive's writer)."""
    register_search_functions(conn)
    if not _indexes_in_python(conn):
        conn.create_function(FUNCTION_PYTHON_INDEXER, 0, lambda: 1, deterministic=True)
    _create_triggers(conn)


def rebuild_search_index(db: sqlite_utils.Database) -> int:
    """Re-index every article from scratch; return how many were indexed.

    Used when the index is first created over existing articles, after bulk loads, and to
    repair an index after writes that bypassed the triggers (``INSERT OR REPLACE`` with
    recursive triggers off leaves the replaced row's postings behind).
    """
    conn = db.conn
    register_search_functions(conn)
    conn.execute("insert into %s(%s) values ('delete-all')" % (SEARCH_TABLE, SEARCH_TABLE))
    count = _index_articles(conn, "")
    optimize_search_index(db)
    logger.info("search index rebuilt: %d articles", count)
    return count


def _index_articles(conn: sqlite3.Connection, where: str, *parameters: int) -> int:
    cursor = conn.execute(
        "insert into {table}(rowid, title, body) select rowid, {title}, {body} from articles {where}".format(
            table=SEARCH_TABLE,
            title=_python_title_bigrams(INDEXED_TITLE.format(row="articles")),
            body=_python_bigrams(INDEXED_BODY.format(row="articles")),
            where=where,
        ),
        parameters,
    )
    return cursor.rowcount


def index_articles_after(db: sqlite_utils.Database, rowid: int) -> int:
    """Index the articles whose rowid is above ``rowid``; return the highest rowid there is.

    For bulk loads too large for one rebuild in one transaction: pause the triggers
    (``search_index_paused(db, rebuild=False)``), then insert and index batch by batch,
    committing each, so the write-ahead log stays the size of a batch.
    """
    register_search_functions(db.conn)
    _index_articles(db.conn, "where rowid > ?", rowid)
    (highest,) = db.execute("select coalesce(max(rowid), 0) from articles").fetchone()
    return int(highest)


def optimize_search_index(db: sqlite_utils.Database) -> None:
    """Merge the index b-trees into one: a smaller file and faster queries after a bulk load."""
    db.execute("insert into %s(%s) values ('optimize')" % (SEARCH_TABLE, SEARCH_TABLE))


@contextmanager
def search_index_paused(db: sqlite_utils.Database, rebuild: bool = True) -> Iterator[None]:
    """Drop the sync triggers for a bulk load, then restore them and rebuild the index.

    Bigrams computed in SQL cost a few milliseconds per article; a bulk load of many
    thousands is much faster indexed once, afterwards, in Python. With ``rebuild=False``
    the caller indexes what it loads itself (``index_articles_after``).
    """
    _drop_triggers(db.conn)
    try:
        yield
    finally:
        _create_triggers(db.conn)
        if rebuild:
            rebuild_search_index(db)
        db.conn.commit()


def ensure_week_column(db: sqlite_utils.Database) -> None:
    """Add ``articles.week``, the ISO week (``2024-W08``) of ``published_at``.

    A VIRTUAL generated column: it takes no space, can never disagree with
    ``published_at`` (no trigger to forget), and, unlike a view, lets the one ``articles``
    table page in datasette facet by week together with full-text search. SQLite 3.40 has
    no ``%V``, so the week is computed by the ISO rule: a week belongs to the year of its
    Thursday, and its number counts Thursdays from 1 January. Rows without a leading
    ``YYYY-MM-DD`` get NULL.
    """
    if "week" in {row[1] for row in db.execute("pragma table_xinfo(articles)")}:
        return
    thursday = "date(substr(published_at, 1, 10), '-3 days', 'weekday 4')"
    db.execute(
        "alter table articles add column week text generated always as ("
        " case when published_at glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'"
        f" then strftime('%Y', {thursday}) || '-W'"
        f" || printf('%02d', (cast(strftime('%j', {thursday}) as integer) - 1) / 7 + 1)"
        " end) virtual"
    )


# The columns the articles table page facets on (crawler/web/metadata.yml). Each has an
# index, so a facet of a search matching much of the archive scans that index (a few
# bytes an entry, in value order: no sort) instead of reading every matching row.
FACET_COLUMNS = ("kind", "week", "site", "outlet_simplified", "topics", "regions")


# Counts edits of a facet value in place (``facet_edits.version``), so a reader holding the
# values in memory (``crawler.web.facet_counts``) reads them all again only after an edit.
FACET_EDITS_TABLE = "facet_edits"
# The stored columns behind FACET_COLUMNS (week is computed from published_at).
FACET_SOURCE_COLUMNS = ("kind", "published_at", "site", "outlet_simplified", "topics", "regions")


def ensure_facet_indexes(db: sqlite_utils.Database) -> None:
    """Index every facet column of ``articles`` (``week`` is a virtual generated column).

    Also keeps ``facet_edits``: a trigger adds one to its version whenever an update changes
    a facet column's value (an update that only restates it, or touches other columns,
    as every merged copy does with ``last_seen_at``, leaves it alone).
    """
    for column in FACET_COLUMNS:
        db.execute("create index if not exists idx_articles_%s on articles(%s)" % (column, column))
    db.execute("create table if not exists %s (version integer not null)" % FACET_EDITS_TABLE)
    if db.execute("select count(*) from %s" % FACET_EDITS_TABLE).fetchone()[0] == 0:
        db.execute("insert into %s values (0)" % FACET_EDITS_TABLE)
    changed = " or ".join("old.%s is not new.%s" % (name, name) for name in FACET_SOURCE_COLUMNS)
    db.execute(
        "create trigger if not exists articles_facet_edit after update on articles"
        " when %s begin update %s set version = version + 1; end" % (changed, FACET_EDITS_TABLE)
    )


def _index_is_current(db: sqlite_utils.Database) -> bool:
    """Say whether the stored index is this module's design (not an older positional one)."""
    row = db.execute(
        "select sql from sqlite_master where type = 'table' and name = ?", [SEARCH_TABLE]
    ).fetchone()
    return row is not None and "detail=none" in row[0].replace(" ", "")


def ensure_search_index(db: sqlite_utils.Database) -> None:
    """Create the bigram index, its sync triggers, the week column and the facet indexes.

    A no-op when present. An index created over an archive that already holds articles is filled at once. An
    index of an older design (positional, no title marker) is dropped with its triggers and
    rebuilt: the upgrade of an archive written by an earlier version.
    """
    ensure_week_column(db)
    ensure_facet_indexes(db)
    exists = db[SEARCH_TABLE].exists()
    if exists and not _index_is_current(db):
        logger.info("upgrading the search index of %s: rebuilding it", SEARCH_TABLE)
        _drop_triggers(db.conn)
        db.execute("drop table %s" % SEARCH_TABLE)
        exists = False
    if not exists:
        db.execute("create virtual table %s using fts5(%s)" % (SEARCH_TABLE, SEARCH_TABLE_OPTIONS))
    stored = db.execute(
        "select sql from sqlite_master where type = 'trigger' and name = ?", [TRIGGER_INSERT]
    ).fetchone()
    if stored is not None and FUNCTION_PYTHON_INDEXER not in stored[0]:
        _drop_triggers(db.conn)  # triggers from before the Python path: make them stand aside
    _create_triggers(db.conn)
    if not exists and db.execute("select exists(select 1 from articles)").fetchone()[0]:
        rebuild_search_index(db)


def search_condition_sql(text: str, parameter: str, column: str | None = None) -> str:
    """Return a where clause on ``articles`` for rows matching the search ``text``.

    ``parameter`` names the bound query text (``:q``). The index lookup comes first; the
    text check is added only when the query needs it (``needs_text_check``), so a
    two-character search never reads a body.
    """
    clause = (
        "rowid in (select rowid from {fts} where {fts} match {query}(:{param}{column}))".format(
            fts=SEARCH_TABLE,
            query=FUNCTION_SEARCH_QUERY,
            param=parameter,
            column=", '%s'" % column if column else "",
        )
    )
    if needs_text_check(text, column):
        clause += " and " + text_check_sql(parameter, column)
    return clause


def text_check_sql(parameter: str, column: str | None = None, row: str = "articles") -> str:
    """Return SQL checking every term of ``:parameter`` is a substring of ``row``'s text."""
    return "{check}(:{param}, {title}, {body}{column})".format(
        check=FUNCTION_TEXT_MATCHES,
        param=parameter,
        title=INDEXED_TITLE.format(row=row),
        body=INDEXED_BODY.format(row=row) if column != "title" else "''",
        column=", '%s'" % column if column else "",
    )


def search_article_ids(db: sqlite_utils.Database, text: str, limit: int = 100) -> list[str]:
    """Return ids of articles matching ``text``, title hits first, then newest.

    The same ranking as the datasette canned query ``search``, for code and tests.
    """
    register_search_functions(db.conn)
    rows = db.execute(
        RANKED_SEARCH_SQL + " limit :limit",
        {"q": text, "limit": limit},
    ).fetchall()
    return [row[0] for row in rows]


# Ranked from a bounded candidate set: the newest RANKED_CANDIDATES title hits and matches
# (FTS5 walks its postings from the highest rowid, the most recently archived, and stops),
# checked against the text when the query needs it, then title hits first, newest first.
# Shared by the datasette canned query and ``search_article_ids``.
RANKED_SEARCH_SQL = """select articles.id, articles.title, articles.published_at, articles.site,
  articles.outlet, articles.kind, articles.url,
  xietong_text_matches(:q, coalesce(nullif(articles.title_simplified, ''), articles.title, ''), '', 'title') as title_hit
from articles
where articles.rowid in (
    select rowid from (select rowid from articles_search
      where articles_search match xietong_search_query(:q, 'title') order by rowid desc limit %(candidates)d)
    union all
    select rowid from (select rowid from articles_search
      where articles_search match xietong_search_query(:q) order by rowid desc limit %(candidates)d)
  )
  and (not xietong_needs_text_check(:q) or xietong_text_matches(:q,
    coalesce(nullif(articles.title_simplified, ''), articles.title, ''),
    coalesce(nullif(articles.body_simplified, ''), articles.body, '')))
order by title_hit desc, articles.published_at desc""" % {"candidates": RANKED_CANDIDATES}
