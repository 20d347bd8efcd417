"""Xietong's datasette pages: the archive read as articles, not as a wall of columns.

* The articles table lists title (linked to the article), date, site, outlet, kind, topics
  and a short lead; bodies stay in the data and the JSON, not in the page
  (``templates/_table-xietong-articles.html``).
* The article page reads as an article: title, a meta line, the policy header (发文机关,
  发文字号, 成文日期, 索引号, attachments by name), the body as paragraphs, the stories citing
  a policy or the policies a story cites, every appearance, and its revisions when the
  archive keeps an ``article_revisions`` table
  (``templates/row-xietong-articles.html``, data from ``extra_template_vars``).
* Cells: times are shown in China Standard Time (+08:00), whatever offset they were stored
  with; long URLs are shortened so they do not squeeze titles; in a query, an article's
  title and id link to its page.
* ``xietong_simplified(text)`` in SQL: canned queries accept names in either script.
* The ``by_value`` facet lists values in descending value order (newest week first), not by
  count; the ``list`` facet counts JSON list items reading that column alone; ``by_count``
  is datasette's column facet. All three count a large match set in memory
  (``crawler.web.facet_counts``): a search for 协同 in a million articles.

``xietong serve`` registers this module with datasette's plugin manager, with the template
directory beside it.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import ColumnFacet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args
from datasette.utils.asgi import Request
from jinja2 import TemplateNotFound
from markupsafe import Markup, escape

from crawler.archive.attachment_search import ATTACHMENTS_TABLE
from crawler.archive.attachment_store import attachments_of
from crawler.archive.policy_links import POLICY_LINKS_TABLE, policies_cited_by, stories_citing
from crawler.archive.search_index import FACET_COLUMNS
from crawler.text.lead import make_lead
from crawler.text.script import count_script_characters, to_simplified
from crawler.text.urls import file_name
from crawler.web.facet_counts import (
    MEMORY_FROM_MATCHES,
    list_item_counts,
    read_ahead,
    table_codes,
)
from crawler.web.plugin import (
    LOOKUP,
    PROBE,
    SEARCH_ROWIDS_SQL,
    WALK,
    search_clause,
)

logger = logging.getLogger(__name__)

PLUGIN_NAME = "xietong-pages"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DATABASE_NAME = "xietong"
ARTICLES_TABLE = "articles"
REVISIONS_TABLE = "article_revisions"
CHINA_STANDARD_TIME = timezone(timedelta(hours=8))
# The table page's lead: shorter than a digest's, one or two lines beside the title.
TABLE_LEAD_LENGTH = 80
# A URL shown in a cell: its host and the end of its path, this many characters at most.
SHORT_URL_LENGTH = 40
# Columns holding JSON lists that read better as a comma-separated list.
LIST_COLUMNS = ("topics", "regions", "keywords", "co_issuers")
# The where clause of a page filtered by a two-character search alone (either form).
SEARCH_ONLY_CLAUSES = tuple("where " + search_clause(form) for form in (WALK, LOOKUP, PROBE))


def china_time(value: str) -> str:
    """Show an ISO 8601 time with an offset in +08:00 (``2024-02-25 18:00:00 +08:00``).

    A bare date, a time without offset and anything that is not ISO 8601 come back as
    they were: only a time whose instant is known can be moved.
    """
    text = (value or "").strip()
    if "T" not in text and " " not in text:
        return value
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    local = moment.astimezone(CHINA_STANDARD_TIME)
    return local.strftime("%Y-%m-%d %H:%M:%S") + " +08:00"


def short_url(url: str, length: int = SHORT_URL_LENGTH) -> str:
    """Return ``host/…/last-part`` of a URL, at most about ``length`` characters."""
    parts = urlsplit(url)
    if not parts.netloc:
        return url[:length]
    path = parts.path.rstrip("/")
    tail = path.rsplit("/", 1)[-1] if path else ""
    shown = parts.netloc + ("/…/" + tail if tail else "/")
    if len(shown) > length:
        shown = shown[: length - 1] + "…"
    return shown


def json_list(value: Any) -> list[str]:
    """Read a JSON list column; anything else gives an empty list."""
    if not isinstance(value, str) or not value.startswith("["):
        return []
    try:
        items = json.loads(value)
    except json.JSONDecodeError:
        return []
    return [str(item) for item in items] if isinstance(items, list) else []


def first_names(names: list[str], count: int) -> str:
    """Join the first ``count`` names with 、, adding … when there are more."""
    shown = "、".join(names[:count])
    return shown + "…" if len(names) > count else shown


def paragraphs(text: str | None) -> list[str]:
    """Split a body into its paragraphs (one per line), blank lines dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _external_link(url: str) -> Markup:
    if not url.startswith(("http://", "https://")):
        return Markup(escape(url))
    # Markup's % escapes each value as .format would, without string.Formatter's Python
    # parse: a page of 1,000 rows renders thousands of these cells.
    return Markup('<a href="%s" title="%s" rel="nofollow">%s</a>') % (url, url, short_url(url))


def _article_path(datasette: Any, article_id: str) -> str:
    path: str = datasette.urls.row(DATABASE_NAME, ARTICLES_TABLE, article_id)
    return path


def _row_keys(row: Any) -> list[str]:
    try:
        return list(row.keys())
    except AttributeError:
        return []


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Markup | None:
    """Render times in +08:00, URLs short, lists as text and, in queries, titles as links."""
    if database != DATABASE_NAME or not isinstance(value, str):
        return None
    if column.endswith("_at"):
        shown = china_time(value)
        if shown == value:
            return None
        return Markup('<time datetime="%s" title="%s">%s</time>') % (value, value, shown)
    if column == "url" or column.endswith("_url"):
        return _external_link(value)
    if column in LIST_COLUMNS and value.startswith("["):
        return Markup(escape("、".join(json_list(value))))
    if column == "attachments" and value.startswith("["):
        links = [_external_link(url) for url in json_list(value)]
        return Markup("<br>").join(links)
    # In a canned query (no table), an article's id and title open its page.
    if table is None and column in ("id", "title") and "id" in _row_keys(row):
        article_id = row["id"]
        if isinstance(article_id, str) and article_id:
            return Markup('<a href="%s">%s</a>') % (_article_path(datasette, article_id), value)
    return None


def simplified_argument(value: Any) -> Any:
    """Return a query argument in simplified script, spaces trimmed (SQL ``xietong_simplified``)."""
    if not isinstance(value, str):
        return value
    return to_simplified(value.strip())


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    """Register ``xietong_simplified(text)`` for canned queries that take names in either script."""
    conn.create_function("xietong_simplified", 1, simplified_argument, deterministic=True)


@hookimpl
def prepare_jinja2_environment(env: Any, datasette: Any) -> None:
    """Add the filters our templates use."""
    env.filters["xietong_time"] = china_time
    env.filters["xietong_lead"] = lambda text: make_lead(text or "", TABLE_LEAD_LENGTH)
    env.filters["xietong_paragraphs"] = paragraphs
    env.filters["xietong_first"] = first_names
    env.filters["xietong_list"] = json_list
    env.filters["xietong_short_url"] = short_url
    env.filters["xietong_file_name"] = file_name


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute(
        "select 1 from sqlite_master where type in ('table', 'view') and name = ?", [name]
    ).fetchone()
    return row is not None


def article_context(conn: sqlite3.Connection, article_id: str) -> dict[str, Any]:
    """Read what the article page shows beside the article's row.

    ``policy``: its policy header or None; ``appearances``: every URL it was found at, first
    copy first; ``revisions``: earlier versions, newest first, or None when the archive has
    no revisions table; ``attachments``: its files with their names and errors;
    ``cited_by``: the articles citing it (a policy), newest first; ``cites``: the policies
    it cites, archived ones first.
    """
    previous_factory = conn.row_factory
    conn.row_factory = sqlite3.Row
    try:
        policy = None
        if _has_table(conn, "policies"):
            found = conn.execute(
                "select * from policies where article_id = ?", [article_id]
            ).fetchone()
            if found is not None:
                policy = dict(found)
                policy["attachments"] = json_list(policy.get("attachments"))
                policy["co_issuers"] = json_list(policy.get("co_issuers"))
        appearances = [
            dict(found)
            for found in conn.execute(
                "select * from appearances where article_id = ?"
                " order by is_first desc, fetched_at, url",
                [article_id],
            )
        ]
        attachments = []
        if _has_table(conn, ATTACHMENTS_TABLE):
            attachments = attachments_of(conn, [article_id]).get(article_id, [])
        cited_by, cites = [], []
        if _has_table(conn, POLICY_LINKS_TABLE):
            cited_by = stories_citing(conn, [article_id]).get(article_id, [])
            cites = policies_cited_by(conn, article_id)
        revisions = None
        if _has_table(conn, REVISIONS_TABLE):
            revisions = [
                dict(found)
                for found in conn.execute(
                    "select * from %s where article_id = ? order by replaced_at desc"
                    % escape_sqlite(REVISIONS_TABLE),
                    [article_id],
                )
            ]
    finally:
        conn.row_factory = previous_factory
    return {
        "policy": policy,
        "appearances": appearances,
        "revisions": revisions,
        "attachments": attachments,
        "cited_by": cited_by,
        "cites": cites,
    }


@hookimpl
def extra_template_vars(
    template: str,
    database: str | None,
    table: str | None,
    columns: Any,
    view_name: str,
    request: Request | None,
    datasette: Any,
) -> Any:
    """Give the article page its policy header, appearances and revisions."""
    if view_name != "row" or database != DATABASE_NAME or table != ARTICLES_TABLE:
        return None
    if request is None:
        return None
    article_id = request.url_vars.get("pks", "")

    async def inner() -> dict[str, Any]:
        found = await datasette.get_database(database).execute_fn(
            lambda conn: article_context(conn, article_id)
        )
        return {"article": found}

    return inner


class _NarrowFacet(ColumnFacet):  # type: ignore[misc]
    """A facet whose SQL reads only its own column of the matching rows.

    Subclasses give ``type``, the facet SQL (``facet_sql``) and the filter a value's toggle
    adds (``filter_key``).
    """

    async def suggest(self) -> list[Any]:
        """Suggest nothing: ordinary column facets already do."""
        return []

    def facet_sql(self, column: str, limit: int) -> str:
        """Return SQL giving (value, count) rows for ``column``, at most ``limit``."""
        raise NotImplementedError

    def filter_key(self, column: str) -> str:
        """Return the query-string key that selects one value of ``column``."""
        return column

    def order(self, counts: list[tuple[Any, int]]) -> list[tuple[Any, int]]:
        """Order (value, count) pairs counted in memory as ``facet_sql`` orders its rows."""
        return sorted(counts, key=lambda pair: (-pair[1], str(pair[0])))

    def memory_counts(self, counts: list[tuple[Any, int]]) -> list[tuple[Any, int]]:
        """Turn in-memory counts of the column's values into this facet's (value, count)."""
        return counts

    def _rowid_sql(self) -> str | None:
        """Return SQL selecting the rowids of the page's rows, or None if unsure how."""
        marker = " from %s " % escape_sqlite(self.table)
        if marker not in self.sql:
            return None
        where = self.sql[self.sql.index(marker) + len(marker) :].strip()
        if where in SEARCH_ONLY_CLAUSES:
            # The search alone: its rowids straight from the index, no articles row read.
            return SEARCH_ROWIDS_SQL
        return "select rowid from %s %s" % (escape_sqlite(self.table), where)

    async def _rows(self, column: str, size: int) -> list[tuple[Any, int]]:
        """Return up to ``size + 1`` (value, count) rows of ``column``, in memory or in SQL."""
        database = self.ds.get_database(self.database)
        rowid_sql = self._rowid_sql()
        if (
            self.table == ARTICLES_TABLE
            and column in FACET_COLUMNS
            and database.path
            and rowid_sql is not None
            and (self.row_count or 0) >= MEMORY_FROM_MATCHES
        ):
            codes = table_codes(database.path, self.table, FACET_COLUMNS)
            params = dict(self.params)
            counts = await database.execute_fn(
                lambda conn: codes.counts(conn, column, rowid_sql, params)
            )
            return self.order(self.memory_counts(counts))[: size + 1]
        rows = await self.ds.execute(
            self.database,
            self.facet_sql(escape_sqlite(column), size + 1),
            self.params,
            truncate=False,
            custom_time_limit=self.ds.setting("facet_time_limit_ms"),
        )
        return [(row["value"], row["count"]) for row in rows.rows]

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        """Count the values of each configured column."""
        results = []
        timed_out = []
        pairs = self.get_querystring_pairs()
        size = self.get_facet_size()
        for config in self.get_configs():
            column = config["config"].get("column") or config["config"]["simple"]
            try:
                rows = await self._rows(column, size)
            except QueryInterrupted:
                timed_out.append(column)
                continue
            key = self.filter_key(column)
            values = []
            for value, count in rows[:size]:
                selected = (key, str(value)) in pairs
                if selected:
                    toggle = path_with_removed_args(self.request, {key: str(value)})
                else:
                    toggle = path_with_added_args(self.request, {key: value})
                values.append(
                    {
                        "value": value,
                        "label": value,
                        "count": count,
                        "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle)),
                        "selected": selected,
                    }
                )
            results.append(
                {
                    "name": column,
                    "type": self.type,
                    "hideable": config["source"] != "metadata",
                    "toggle_url": self.ds.urls.path(
                        path_with_removed_args(self.request, {"_facet_%s" % self.type: column})
                    ),
                    "results": values,
                    "truncated": len(rows) > size,
                }
            )
        return results, timed_out


class ByCountFacet(_NarrowFacet):
    """A column facet, most common value first, as datasette's own.

    Counted in memory for a large match set (``crawler.web.facet_counts``). Configured as ``{by_count: site}`` in the metadata's facets. Blank values are left out,
    as datasette's column facet leaves them out.
    """

    type = "by_count"

    def facet_sql(self, column: str, limit: int) -> str:
        """Count each non-blank value of the column, most common first."""
        return (
            f"select {column} as value, count(*) as count from ({self.sql})"
            f" where {column} is not null and {column} != ''"
            f" group by {column} order by count desc, value limit {limit}"
        )

    def memory_counts(self, counts: list[tuple[Any, int]]) -> list[tuple[Any, int]]:
        """Leave out the blank value, as ``facet_sql`` does."""
        return [(value, count) for value, count in counts if value != ""]


class ByValueFacet(_NarrowFacet):
    """A column facet listing values in descending value order: newest week first.

    Configured as ``{by_value: week}`` in the metadata's facets.
    """

    type = "by_value"

    def facet_sql(self, column: str, limit: int) -> str:
        """Count each value of the column, listed from the highest value down."""
        return (
            f"select {column} as value, count(*) as count from ({self.sql}) where {column} is not null"
            f" group by {column} order by {column} desc limit {limit}"
        )

    def order(self, counts: list[tuple[Any, int]]) -> list[tuple[Any, int]]:
        """Highest value first, as ``facet_sql`` orders them."""
        return sorted(counts, key=lambda pair: pair[0], reverse=True)


class ListFacet(_NarrowFacet):
    """Count the items of a JSON list column, each once per row, most common first.

    Configured as ``{list: topics}``. datasette's own ``array`` facet counts the same, but
    its SQL keeps every column of each matching row (``distinct j.value, inner.*``), so it
    reads whole articles, bodies included; this one reads the list column alone, which an
    index holds (``crawler.archive.search_index.FACET_COLUMNS``). Selecting a value filters
    with ``column__arraycontains``, as the ``array`` facet does.
    """

    type = "list"

    def facet_sql(self, column: str, limit: int) -> str:
        """Count each item once per row: its first position in that row's list."""
        return (
            "select item.value as value, count(*) as count"
            f" from (select {column} as items from ({self.sql})) as row"
            " join json_each(row.items) as item"
            " where json_valid(row.items) and item.key ="
            " (select min(first.key) from json_each(row.items) as first"
            " where first.value = item.value)"
            f" group by item.value order by count desc, value limit {limit}"
        )

    def memory_counts(self, counts: list[tuple[Any, int]]) -> list[tuple[Any, int]]:
        """Count the items of the lists, each once per row."""
        return list_item_counts(counts)

    def filter_key(self, column: str) -> str:
        """Select rows whose list holds the value, as the ``array`` facet does."""
        return "%s__arraycontains" % column


# The templates an analyst's first pages render, compiled as the server starts.
WARMED_TEMPLATES = ("table.html", "query.html", "row.html", "database.html", "index.html")


def warm_up(datasette: Any) -> None:
    """Do what the first search would do once for every later one (~0.9 s measured).

    OpenCC's converters and the one-script character table (``crawler.text.script``, built
    on first use: ~0.6 s) and the page templates (~0.15 s to compile).
    """
    count_script_characters(to_simplified("協同发展"))
    for name in WARMED_TEMPLATES:
        try:
            datasette.jinja_env.get_template(name)
        except TemplateNotFound:
            continue


@hookimpl
def startup(datasette: Any) -> None:
    """Read the articles' facet codes ahead and warm up, in the background."""
    threading.Thread(target=warm_up, args=(datasette,), name="xietong-warm-up", daemon=True).start()
    try:
        database = datasette.get_database(DATABASE_NAME)
    except KeyError:
        return
    if database.path:
        read_ahead(database.path, ARTICLES_TABLE, FACET_COLUMNS)


@hookimpl
def register_facet_classes() -> list[type]:
    """Add the ``by_count``, ``by_value`` and ``list`` facets."""
    return [ByCountFacet, ByValueFacet, ListFacet]
