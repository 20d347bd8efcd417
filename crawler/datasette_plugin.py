"""Xietong's datasette plugin: Chinese full-text search for the table page and JSON API.

datasette (0.65) answers ``?_search=…`` with
``rowid in (select rowid from <fts_table> where <fts_table> match escape_fts(:search))``,
taking ``fts_table`` from our metadata (``articles_search``). ``escape_fts`` is a SQL
function datasette registers itself through ``prepare_connection``; on a database that
holds our bigram index this plugin registers its own ``escape_fts`` after datasette's
(``trylast``), which converts the query to simplified and turns each term into its bigram
phrase (``crawler.search.search_query``). The search box, the JSON API and facets then work
unchanged, and other databases keep datasette's own escaping.

The plugin also registers ``xietong_search_query(q[, column])`` and ``xietong_bigrams(text)``
for the canned queries. ``xietong serve`` registers this module with datasette's plugin
manager; ``datasette --plugins-dir`` cannot load it because it imports the ``crawler``
package.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from datasette import hookimpl

from crawler.search import SEARCH_TABLE, register_search_functions, search_query_or_nothing

logger = logging.getLogger(__name__)

PLUGIN_NAME = "xietong"


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
