"""The archive's Chinese full-text search index: character bigrams in SQLite FTS5.

The index (``articles_search``) is a contentless FTS5 table holding every overlapping
two-character window of the simplified title and body (see ``crawler.text.search_query``
for why, and for how a query becomes the phrase of its windows). It stores postings only,
not a second copy of the text. Triggers on ``articles`` keep it in sync on insert, update
and delete, and compute the bigrams in plain SQL (a recursive CTE), not with a Python
function: any connection that writes the archive (the sqlite3 shell, sqlite-utils, a
script without our code) keeps the index right instead of failing with "no such
function". Python computes the same text (``bigram_text``) several times faster, so the
archive's own writing connection indexes with it (``index_in_python``: TEMP triggers on
that connection, the stored ones standing aside) and bulk rebuilds use it too; a test
holds the two equal.

The module also adds the ``week`` column (ISO week, ``2024-W08``) that datasette facets on
and the digest selects by; see ``ensure_week_column``.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import sqlite_utils

from crawler.text.search_query import bigram_text, search_query_or_nothing

logger = logging.getLogger(__name__)

SEARCH_TABLE = "articles_search"
# Triggers that keep the index in sync; named so bulk loads can drop and restore them.
TRIGGER_INSERT = "articles_search_after_insert"
TRIGGER_UPDATE = "articles_search_after_update"
TRIGGER_DELETE = "articles_search_after_delete"
# The TEMP twins of the three on the archive's writing connection (``index_in_python``).
PYTHON_SUFFIX = "_python"

# Python functions registered on connections that read the index (datasette, benchmarks).
FUNCTION_BIGRAMS = "xietong_bigrams"
FUNCTION_SEARCH_QUERY = "xietong_search_query"
# Registered only where TEMP triggers index in Python; the stored triggers then stand aside.
# Any other connection (the sqlite3 shell, datasette, a script) indexes in plain SQL.
FUNCTION_PYTHON_INDEXER = "xietong_python_indexer"
_STAND_ASIDE = "when not exists (select 1 from pragma_function_list where name = '%s')" % (
    FUNCTION_PYTHON_INDEXER
)

# The text each column indexes: the simplified form, or the original when there is none.
_INDEXED_TITLE = "coalesce(nullif({row}.title_simplified, ''), {row}.title, '')"
_INDEXED_BODY = "coalesce(nullif({row}.body_simplified, ''), {row}.body, '')"

# Overlapping two-character windows of {text}, space-separated, in plain SQL. A recursive
# CTE is allowed inside a subquery of a trigger; ``bigram_text`` is its Python twin.
_BIGRAMS_SQL = """(select coalesce(group_concat(substr(source.text, window.i, 2), ' '), '')
      from (select {text} as text) as source
      join (with recursive windows(i) as (
              select 1 union all select i + 1 from windows where i < length({text}) - 1
            ) select i from windows) as window)"""


def _bigrams_sql(text_expression: str) -> str:
    return _BIGRAMS_SQL.format(text=text_expression)


def register_search_functions(conn: sqlite3.Connection) -> None:
    """Register the SQL functions that build bigram text and search queries on ``conn``.

    Registering twice is skipped: SQLite refuses to redefine a function while any statement
    on the connection is still open.
    """
    try:
        conn.execute("select %s('')" % FUNCTION_BIGRAMS).fetchone()
        return
    except sqlite3.OperationalError:
        pass
    conn.create_function(FUNCTION_BIGRAMS, 1, bigram_text, deterministic=True)
    conn.create_function(FUNCTION_SEARCH_QUERY, 1, search_query_or_nothing, deterministic=True)
    conn.create_function(FUNCTION_SEARCH_QUERY, 2, search_query_or_nothing, deterministic=True)


def _python_bigrams(text_expression: str) -> str:
    return "%s(%s)" % (FUNCTION_BIGRAMS, text_expression)


def _trigger_sql(in_python: bool = False) -> list[str]:
    """Return the statements creating the sync triggers.

    The stored triggers compute bigrams in SQL and stand aside on a connection that
    registered ``FUNCTION_PYTHON_INDEXER``; there, TEMP triggers (``in_python``) do the same
    with the Python function, several times faster on a long body.
    """
    bigrams = _python_bigrams if in_python else _bigrams_sql
    index_new = (
        "insert into {table}(rowid, title, body) values (new.rowid, {title}, {body});".format(
            table=SEARCH_TABLE,
            title=bigrams(_INDEXED_TITLE.format(row="new")),
            body=bigrams(_INDEXED_BODY.format(row="new")),
        )
    )
    # A contentless FTS5 table forgets a row only when given the exact values it indexed.
    forget_old = "insert into {table}({table}, rowid, title, body) values ('delete', old.rowid, {title}, {body});".format(
        table=SEARCH_TABLE,
        title=bigrams(_INDEXED_TITLE.format(row="old")),
        body=bigrams(_INDEXED_BODY.format(row="old")),
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
    cursor = conn.execute(
        "insert into {table}(rowid, title, body) select rowid, {fn}({title}), {fn}({body}) from articles".format(
            table=SEARCH_TABLE,
            fn=FUNCTION_BIGRAMS,
            title=_INDEXED_TITLE.format(row="articles"),
            body=_INDEXED_BODY.format(row="articles"),
        )
    )
    # 'optimize' merges the index b-trees into one: smaller file, faster queries.
    conn.execute("insert into %s(%s) values ('optimize')" % (SEARCH_TABLE, SEARCH_TABLE))
    logger.info("search index rebuilt: %d articles", cursor.rowcount)
    return cursor.rowcount


@contextmanager
def search_index_paused(db: sqlite_utils.Database) -> Iterator[None]:
    """Drop the sync triggers for a bulk load, then restore them and rebuild the index.

    Bigrams computed in SQL cost a few milliseconds per article; a bulk load of many
    thousands is much faster indexed once, afterwards, in Python.
    """
    _drop_triggers(db.conn)
    try:
        yield
    finally:
        _create_triggers(db.conn)
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


def ensure_search_index(db: sqlite_utils.Database) -> None:
    """Create the bigram index, its sync triggers and the week column; a no-op when present.

    An index created over an archive that already holds articles is filled at once.
    """
    ensure_week_column(db)
    created = not db[SEARCH_TABLE].exists()
    if created:
        # detail=full keeps token positions, which phrase (bigram-sequence) queries need.
        db.execute(
            "create virtual table %s using fts5(title, body, content='', tokenize='unicode61', detail=full)"
            % SEARCH_TABLE
        )
    stored = db.execute(
        "select sql from sqlite_master where type = 'trigger' and name = ?", [TRIGGER_INSERT]
    ).fetchone()
    if stored is not None and FUNCTION_PYTHON_INDEXER not in stored[0]:
        _drop_triggers(db.conn)  # triggers from before the Python path: make them stand aside
    _create_triggers(db.conn)
    if created and db.execute("select exists(select 1 from articles)").fetchone()[0]:
        rebuild_search_index(db)


def search_article_ids(db: sqlite_utils.Database, text: str, limit: int = 100) -> list[str]:
    """Return ids of articles matching ``text``, title hits first, then by relevance.

    The same ranking as the datasette canned query ``search``, for code and tests.
    """
    register_search_functions(db.conn)
    rows = db.execute(
        RANKED_SEARCH_SQL + " limit :limit",
        {"q": text, "limit": limit},
    ).fetchall()
    return [row[0] for row in rows]


# Title hits first (a second MATCH restricted to the title column), then FTS5's bm25 rank,
# then newest first. Shared by the datasette canned query and ``search_article_ids``.
RANKED_SEARCH_SQL = """select articles.id, articles.title, articles.published_at, articles.site,
  articles.outlet, articles.kind, articles.url,
  articles.rowid in (
    select rowid from articles_search where articles_search match xietong_search_query(:q, 'title')
  ) as title_hit
from articles_search join articles on articles.rowid = articles_search.rowid
where articles_search match xietong_search_query(:q)
order by title_hit desc, articles_search.rank, articles.published_at desc"""
