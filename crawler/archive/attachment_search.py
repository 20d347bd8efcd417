"""The attachments' Chinese full-text search index: character bigrams in SQLite FTS5.

The same design as the articles' index (``search_index``), kept apart so the two can change
on their own: ``attachments_search`` is a contentless FTS5 table holding every overlapping
two-character window of each attachment's file name and text, without positions
(``crawler.text.search_query`` turns a query, in either script, into its windows; a term of
three characters or more is then checked against the text, ``attachment_text_check_sql``). Stored triggers on
``attachments`` keep it in sync in plain SQL, so any connection that writes the archive
keeps it right; on the archive's own writing connection they stand aside for TEMP twins
that compute the same windows in Python (``xietong_bigrams``), several times faster on a
long PDF. Queries are converted to simplified, so the index holds the simplified name and
text: ``file_name_simplified`` and ``text_simplified`` where the file is in traditional
script (the archive fills them only then), the name and text as read otherwise.
"""

from __future__ import annotations

import sqlite3

import sqlite_utils

from crawler.archive.search_index import (
    FUNCTION_BIGRAMS,
    FUNCTION_PYTHON_INDEXER,
    FUNCTION_TEXT_MATCHES,
    register_search_functions,
)

ATTACHMENT_SEARCH_TABLE = "attachments_search"
ATTACHMENTS_TABLE = "attachments"
_TRIGGERS = ("attachments_search_insert", "attachments_search_update", "attachments_search_delete")
_PYTHON_SUFFIX = "_python"
# What the index holds of a row: the simplified name and text, or the originals when the
# file was in simplified script already (the *_simplified columns are then empty).
_INDEXED = (
    "coalesce(nullif({row}.file_name_simplified, ''), {row}.file_name, '')",
    "coalesce(nullif({row}.text_simplified, ''), {row}.text, '')",
)
# Columns whose change re-indexes a row.
_INDEXED_COLUMNS = "file_name, file_name_simplified, text, text_simplified"
_STAND_ASIDE = "when not exists (select 1 from pragma_function_list where name = '%s')" % (
    FUNCTION_PYTHON_INDEXER
)
# Overlapping two-character windows of {text}, space-separated, in plain SQL; the Python
# twin is ``crawler.text.search_query.bigram_text``, and a test holds the two equal.
_SQL_BIGRAMS = """(select coalesce(group_concat(substr(t.value, w.i, 2), ' '), '')
      from (select {text} as value) as t
      join (with recursive w(i) as (
              select 1 union all select i + 1 from w where i < length({text}) - 1
            ) select i from w) as w)"""


def _bigrams(expression: str, in_python: bool) -> str:
    if in_python:
        return "%s(%s)" % (FUNCTION_BIGRAMS, expression)
    return _SQL_BIGRAMS.format(text=expression)


def _trigger_statements(in_python: bool) -> list[str]:
    def values(row: str) -> str:
        return ", ".join(_bigrams(column.format(row=row), in_python) for column in _INDEXED)

    table = ATTACHMENT_SEARCH_TABLE
    index_new = "insert into %s(rowid, file_name, text) values (new.rowid, %s);" % (
        table,
        values("new"),
    )
    # A contentless FTS5 table forgets a row only when given the exact values it indexed.
    forget_old = "insert into %s(%s, rowid, file_name, text) values ('delete', old.rowid, %s);" % (
        table,
        table,
        values("old"),
    )
    if in_python:
        create, suffix, on, when = "create temp trigger", _PYTHON_SUFFIX, "main.attachments", ""
    else:
        create, suffix, on, when = "create trigger", "", ATTACHMENTS_TABLE, _STAND_ASIDE
    insert, update, delete = (name + suffix for name in _TRIGGERS)
    return [
        "%s if not exists %s after insert on %s %s begin %s end"
        % (create, insert, on, when, index_new),
        "%s if not exists %s after update of %s on %s %s begin %s %s end"
        % (create, update, _INDEXED_COLUMNS, on, when, forget_old, index_new),
        "%s if not exists %s after delete on %s %s begin %s end"
        % (create, delete, on, when, forget_old),
    ]


def ensure_attachment_search_index(db: sqlite_utils.Database, rebuild: bool = False) -> None:
    """Create the attachments' bigram index and its stored triggers; a no-op when present.

    ``rebuild``: what the index holds of a row changed (an upgrade): the triggers are made
    again and every attachment re-indexed.
    """
    if rebuild:
        for name in _TRIGGERS:
            db.execute("drop trigger if exists main.%s" % name)
            db.execute("drop trigger if exists temp.%s" % (name + _PYTHON_SUFFIX))
    created = not db[ATTACHMENT_SEARCH_TABLE].exists()
    if created:
        # As the articles' index: no positions (a third of the size); the text check after
        # the index lookup does what positions did.
        db.execute(
            "create virtual table %s using fts5(file_name, text, content='',"
            " tokenize='unicode61', detail=none)" % ATTACHMENT_SEARCH_TABLE
        )
    for statement in _trigger_statements(in_python=False):
        db.execute(statement)
    if (created or rebuild) and db.execute("select exists(select 1 from attachments)").fetchone()[
        0
    ]:
        rebuild_attachment_search_index(db)


def index_attachments_in_python(conn: sqlite3.Connection) -> None:
    """Index attachments from ``conn`` with Python bigrams (the archive's writer).

    Call after ``search_index.index_in_python``, which registers the functions that make
    the stored triggers stand aside.
    """
    register_search_functions(conn)
    for statement in _trigger_statements(in_python=True):
        conn.execute(statement)


def rebuild_attachment_search_index(db: sqlite_utils.Database) -> int:
    """Re-index every attachment from scratch; return how many were indexed."""
    conn = db.conn
    register_search_functions(conn)
    table = ATTACHMENT_SEARCH_TABLE
    conn.execute("insert into %s(%s) values ('delete-all')" % (table, table))
    cursor = conn.execute(
        "insert into %s(rowid, file_name, text) select rowid, %s from attachments"
        % (table, ", ".join(_bigrams(c.format(row="attachments"), True) for c in _INDEXED))
    )
    return cursor.rowcount


def attachment_text_check_sql(
    parameter: str, column: str | None = None, row: str = ATTACHMENTS_TABLE
) -> str:
    """Return SQL checking every term of ``:parameter`` is in the file's name or text."""
    del column  # attachments are searched as a whole
    name, text = (expression.format(row=row) for expression in _INDEXED)
    return "%s(:%s, %s, %s)" % (FUNCTION_TEXT_MATCHES, parameter, name, text)
