"""Datasette as an analyst reads it, over the demo crawl: in headless Chromium at 1280 px.

Each page's screenshot is written into the test's temporary folder (``tmp_path``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import sqlite_utils

from crawler.web.serve import DATABASE_NAME, SETTINGS, load_metadata
from tests.chromium import Chromium
from tests.conftest import run_xietong
from tests.test_serve import served

WIDTH = 1280
HEIGHT = 1000
TALLEST_ROW = 400
QUERIES = load_metadata()["databases"][DATABASE_NAME]["queries"]
# What each canned query is opened with: a word most demo articles hold, else its defaults.
QUERY_ARGUMENTS = {"search": "?q=" + quote("协同")}
PAGES = {
    "articles": "/xietong/articles",
    "attachments": "/xietong/attachments",
    "policies": "/xietong/policies",
    **{name: "/xietong/%s%s" % (name, QUERY_ARGUMENTS.get(name, "")) for name in QUERIES},
}
# Tables that are the archive's bookkeeping, not something to read.
INTERNAL_TABLES = {
    "facet_edits",
    "source_summaries",
    "article_tags",
    "table_rows",
    "fingerprints",
    "fingerprint_bands",
    "fingerprint_bands_recent",
    "fingerprint_bands_merged",
    "fingerprint_bands_filter",
}

MEASURES = """(() => {
  const tables = [...document.querySelectorAll('table')];
  const rows = [...document.querySelectorAll('table tbody tr')];
  const results = document.querySelector('table.rows-and-columns, table.xietong-articles');
  const sql = document.querySelector('#sql-query, #sql-editor, .CodeMirror');
  return {
    pageWidth: document.documentElement.scrollWidth,
    windowWidth: document.documentElement.clientWidth,
    tableRight: Math.max(0, ...tables.map(t => t.getBoundingClientRect().right)),
    wrapperOverflow: Math.max(0, ...[...document.querySelectorAll('.table-wrapper')]
      .map(w => w.scrollWidth - w.clientWidth)),
    rows: rows.length,
    tallestRow: Math.max(0, ...rows.map(r => r.getBoundingClientRect().height)),
    resultsTop: results ? results.getBoundingClientRect().top : null,
    sqlShown: sql !== null && sql.getBoundingClientRect().height > 0,
  };
})()"""


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Crawl the bundled demo sites into a fresh archive, as `make demo` does."""
    path = tmp_path_factory.mktemp("demo") / "xietong.db"
    result = run_xietong("demo", "--db", str(path))
    assert result.returncode == 0, result.stderr[-3000:]
    return path


@pytest.fixture(scope="module")
def server(archive: Path) -> Iterator[str]:
    with served(archive) as url:
        yield url.rsplit("/xietong", 1)[0]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    chromium = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield chromium
    finally:
        chromium.close()


def open_page(browser: Chromium, url: str, name: str, folder: Path) -> dict[str, Any]:
    page = browser.load(url, MEASURES, name + ".png", width=WIDTH, height=HEIGHT, folder=folder)
    assert page.screenshot.stat().st_size > 0
    values: dict[str, Any] = page.values
    return values


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_fits_the_window_and_no_row_is_taller_than_400_px(
    server: str, browser: Chromium, tmp_path: Path, name: str
):
    seen = open_page(browser, server + PAGES[name], name, tmp_path)
    assert seen["rows"] > 0, seen
    assert seen["pageWidth"] <= WIDTH, seen
    assert seen["tableRight"] <= seen["windowWidth"], seen
    assert seen["wrapperOverflow"] == 0, seen
    assert seen["tallestRow"] <= TALLEST_ROW, seen


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_canned_query_shows_results_on_the_first_screen_and_sql_on_request(
    server: str, browser: Chromium, tmp_path: Path, name: str
):
    seen = open_page(browser, server + PAGES[name], name, tmp_path)
    assert not seen["sqlShown"]
    assert seen["resultsTop"] is not None
    # The results start on the first screen, with room for rows under their header.
    assert seen["resultsTop"] < HEIGHT * 3 / 4, seen
    separator = "&" if "?" in PAGES[name] else "?"
    shown = httpx.get(server + PAGES[name] + separator + "_show_sql=1", timeout=30)
    assert 'id="sql-query"' in shown.text or 'id="sql-editor"' in shown.text


def test_long_text_is_cut_in_the_table_and_whole_on_the_row_page(server: str, archive: Path):
    db = sqlite_utils.Database(archive)
    row = next(db.query("select * from attachments order by length(text) desc limit 1"))
    db.close()
    limit = SETTINGS["truncate_cells_html"]
    assert len(row["text"]) > 2 * limit
    table = httpx.get(server + "/xietong/attachments", timeout=30).text
    assert row["text"][: limit // 2] in table
    assert row["text"][-limit:] not in table
    links = re.findall(r'href="(/xietong/attachments/[^"?#]+)"', table)
    assert links
    pages = [httpx.get(server + link, timeout=30).text for link in dict.fromkeys(links)]
    assert any(row["text"][-limit:] in page for page in pages)


def test_attachment_row_page_lists_fields_one_below_the_other(
    server: str, browser: Chromium, tmp_path: Path
):
    table = httpx.get(server + "/xietong/attachments", timeout=30).text
    link = re.search(r'href="(/xietong/attachments/[^"?#]+)"', table)
    assert link is not None
    seen = open_page(browser, server + link.group(1), "attachment-row", tmp_path)
    assert seen["pageWidth"] <= WIDTH, seen
    assert seen["tableRight"] <= seen["windowWidth"], seen


def test_internal_tables_and_the_memory_database_are_hidden(server: str):
    databases = httpx.get(server + "/.json", timeout=30).json()
    assert list(databases) == [DATABASE_NAME]
    tables = httpx.get(server + "/xietong.json", timeout=30).json()["tables"]
    shown = {table["name"] for table in tables if not table["hidden"]}
    assert shown
    assert not shown & INTERNAL_TABLES
    assert not [name for name in shown if "_search" in name]


def test_every_table_and_canned_query_has_a_one_line_description(server: str):
    metadata = load_metadata()["databases"][DATABASE_NAME]
    tables = httpx.get(server + "/xietong.json", timeout=30).json()["tables"]
    shown = [table["name"] for table in tables if not table["hidden"]]
    described = {
        name: options.get("description", "") for name, options in metadata["tables"].items()
    }
    described.update({name: query.get("description", "") for name, query in QUERIES.items()})
    for name in [*shown, *QUERIES]:
        assert described.get(name), name
        assert "\n" not in described[name].strip(), name


def test_this_week_falls_back_to_the_latest_week_with_policies(server: str, archive: Path):
    db = sqlite_utils.Database(archive)
    latest = db.execute("select max(week) from articles where kind = 'policy'").fetchone()[0]
    expected = db.execute(
        "select count(*) from articles where kind = 'policy' and week = ?", [latest]
    ).fetchone()[0]
    db.close()
    rows = httpx.get(
        server + "/xietong/policy_announcements_this_week.json",
        params={"_shape": "array", "week": ""},
        timeout=30,
    ).json()
    assert len(rows) == expected > 0
    assert {row["week"] for row in rows} == {latest}
    given = httpx.get(
        server + "/xietong/policy_announcements_this_week.json",
        params={"_shape": "array", "week": "2015-W28"},
        timeout=30,
    ).json()
    assert all(row["week"] == "2015-W28" for row in given)
