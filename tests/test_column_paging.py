"""Every page of a column: CMS families recognised and their paging walked, with no configuration.

The end-to-end tests crawl the real TRS slice (``SHARED/corpus/sites/trs-forestry``)
served on 127.0.0.1 with its column lists paged as the site pages them: the first page
holds the newest items, ``index_1.html`` the others, named only by the list's script.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import sqlite_utils
from click.testing import CliRunner

from crawler.cli import cli
from crawler.discover.families import recognise_family
from crawler.discover.paging import column_paging, listed_items
from tests.conftest import FAST, SHARED, run_xietong
from tests.fixtures.slice_server import SliceSite, split_column

SITES = SHARED / "corpus" / "sites"
TRS = SITES / "trs-forestry" / "www"
ARTICLE = re.compile(r"/t\d{8}_\d+\.html$")


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


# --- families and paging, page by page ----------------------------------------------------------
def test_real_trs_column_list_names_its_other_pages_by_script():
    paging = column_paging(read(TRS / "xxgk/bmwj/index.html"), "http://h/xxgk/bmwj/index.html")
    assert paging is not None
    assert paging.family == "trs"
    assert paging.how == "pager_script"
    assert paging.pages == ("http://h/xxgk/bmwj/index_1.html", "http://h/xxgk/bmwj/index_2.html")


def test_real_pages_of_three_families_are_recognised_by_their_structure():
    assert recognise_family(read(TRS / "index.html")) == "trs"
    assert recognise_family(read(SITES / "association/www/dfdt/index.html")) == "jeecms"
    assert recognise_family(read(SITES / "boda-district/www/zcwj.html")) == "vsb"


def test_real_onclick_paging_of_a_jeecms_list_gives_every_page():
    url = "http://h/dfdt/index.jhtml"
    paging = column_paging(read(SITES / "association/www/dfdt/index.html"), url)
    assert paging is not None
    assert paging.how == "numbered_links"
    assert paging.pages[0] == "http://h/dfdt/index_2.jhtml"
    assert paging.pages[-1] == "http://h/dfdt/index_28.jhtml"
    assert len(paging.pages) == 27


def test_create_page_html_with_named_variables_gives_name_1_to_count_minus_1():
    html = (
        "<script>function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}\n"
        'var countPage = 7;var currentPage = 0;var prefixName = "index";var suffixName = "shtml";\n'
        "createPageHTML(countPage, currentPage, prefixName, suffixName);</script>"
    )
    paging = column_paging(html, "http://h/col/")
    assert paging is not None
    assert paging.how == "create_page_html"
    assert paging.pages == tuple("http://h/col/index_%d.shtml" % n for n in range(1, 7))


def test_create_page_html_with_an_element_id_first():
    html = "<script>createPageHTML('page_div', 3, 0, 'list', 'htm', 55);</script>"
    paging = column_paging(html, "http://h/a/b/list.htm")
    assert paging is not None
    assert paging.pages == ("http://h/a/b/list_1.htm", "http://h/a/b/list_2.htm")


def test_vsb_column_pages_count_down_in_a_folder_named_after_the_list():
    html = '<a href="zcwj/5.htm">下页</a> <a href="zcwj/1.htm">尾页</a>'
    paging = column_paging(html, "http://h/zcwj.htm")
    assert paging is not None
    assert paging.pages == tuple("http://h/zcwj/%d.htm" % n for n in (5, 4, 3, 2, 1))


def test_page_parameter_links_give_every_page_up_to_the_last():
    html = '<a href="/news?page=2">2</a> <a href="/news?page=9">末页</a> <a href="/other?page=40">x</a>'
    paging = column_paging(html, "http://h/news")
    assert paging is not None
    assert paging.how == "page_parameter"
    assert paging.pages[0] == "http://h/news?page=2"
    assert paging.pages[-1] == "http://h/news?page=9"


def test_a_list_api_named_in_the_page_script_is_walked_open_ended():
    html = '<div id="list"></div><script>$.getJSON("/api/column/list.do?columnId=12&pageNo=1", f)</script>'
    paging = column_paging(html, "http://h/col/index.html")
    assert paging is not None
    assert paging.how == "list_api"
    assert paging.open_ended
    assert paging.pages[0] == "http://h/api/column/list.do?columnId=12&pageNo=1"
    assert paging.pages[1] == "http://h/api/column/list.do?columnId=12&pageNo=2"


def test_listed_items_read_the_date_beside_each_entry_and_leave_navigation_out():
    items = listed_items(read(TRS / "xxgk/bmwj/index.html"), "http://h/xxgk/bmwj/index.html")
    assert len(items) == 13
    first = items[0]
    assert first.url == "http://h/xxgk/bmwj/202001/t20200102_724010.html"
    assert first.published_on == "2019-05-22"
    assert all(ARTICLE.search(item.url) for item in items)


def test_a_page_without_paging_has_none():
    assert column_paging(read(TRS / "index.html"), "http://h/index.html") is None


# --- the crawl ------------------------------------------------------------------------------
def served_links(site: SliceSite, path: str) -> list[str]:
    status, _, body = site.page(path)
    if status != 200:
        return []
    found = []
    for href in re.findall(r"""href=["']([^"'#]+)""", body.decode("utf-8", "replace")):
        parts = urlsplit(urljoin("http://x" + path, href))
        if parts.netloc == "x":
            found.append(parts.path + ("index.html" if parts.path.endswith("/") else ""))
    return found


def reachable_by_links(site: SliceSite, start: str) -> set[str]:
    seen, stack = {start}, [start]
    while stack:
        for target in served_links(site, stack.pop()):
            if target not in seen and (site.root / target.lstrip("/")).is_file():
                seen.add(target)
                stack.append(target)
    return seen


def paged_only_articles(site: SliceSite) -> set[str]:
    """Return the article paths that only a column's second page links."""
    on_second_pages = set()
    for index in site.root.rglob("index.html"):
        if split_column(read(index)) is not None:
            path = "/" + str(index.relative_to(site.root)).replace("index.html", "index_1.html")
            on_second_pages |= {p for p in served_links(site, path) if ARTICLE.search(p)}
    return on_second_pages - reachable_by_links(site, "/index.html")


def sources_file(tmp: Path, base_url: str) -> Path:
    path = tmp / "sources.toml"
    path.write_text(
        '[[sources]]\nname = "forestry"\nkind = "auto"\nstart_urls = ["%s/index.html"]\n'
        "max_depth = 3\n" % base_url,
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def paged_crawl(tmp_path_factory) -> Any:
    """Crawl the paged TRS slice twice into one archive (the second run is a scheduled one)."""
    tmp = tmp_path_factory.mktemp("paging")
    with SliceSite(TRS, split_columns=True) as site:
        sources = sources_file(tmp, site.base_url)
        db = tmp / "archive.db"
        first = run_xietong("crawl", "--sources", str(sources), "--db", str(db), *FAST)
        first_counts = dict(site.counts)
        site.counts.clear()
        second = run_xietong("crawl", "--sources", str(sources), "--db", str(db), *FAST)
        second_counts = dict(site.counts)
        paged_only = paged_only_articles(site)
    archive = sqlite_utils.Database(db)
    runs = list(archive.query("select * from crawl_run_sources order by rowid"))
    yield {
        "first": first,
        "second": second,
        "first_counts": first_counts,
        "second_counts": second_counts,
        "paged_only": paged_only,
        "db": archive,
        "path": db,
        "sources": sources,
        "runs": runs,
    }
    archive.close()


def test_the_crawl_of_the_paged_slice_finishes_without_a_traceback(paged_crawl):
    for run in ("first", "second"):
        result = paged_crawl[run]
        assert result.returncode in (0, 3), result.stderr[-3000:]
        assert "Traceback" not in result.stderr


def test_articles_reachable_only_through_column_paging_are_fetched(paged_crawl):
    paged_only = paged_crawl["paged_only"]
    assert len(paged_only) >= 20  # the slice's columns hold that many beyond their first page
    fetched = {path for path in paged_only if paged_crawl["first_counts"].get(path)}
    assert len(fetched) / len(paged_only) >= 0.95, sorted(paged_only - fetched)


def test_pages_the_script_names_beyond_what_was_saved_are_requested_and_counted_as_404(
    paged_crawl,
):
    counts = paged_crawl["first_counts"]
    # xxgk/bmwj says Pager({size:3 …}): index_1 (served) and index_2 (404) are both read.
    assert counts.get("/xxgk/bmwj/index_1.html") == 1
    assert counts.get("/xxgk/bmwj/index_2.html") == 1
    run = paged_crawl["runs"][0]
    assert json.loads(run["errors_by_kind"]).get("http_404", 0) >= 1


def test_the_run_records_the_family_and_how_columns_were_paged(paged_crawl):
    run = paged_crawl["runs"][0]
    assert run["family"] == "trs"
    assert json.loads(run["paging"]).get("pager_script", 0) >= 10


def test_a_scheduled_crawl_stops_paging_at_known_items(paged_crawl):
    second = paged_crawl["runs"][-1]
    assert json.loads(second["paging"]).get("stopped_known", 0) >= 1
    requested_again = sum(
        n for path, n in paged_crawl["second_counts"].items() if path.endswith("index_2.html")
    )
    requested_first = sum(
        n for path, n in paged_crawl["first_counts"].items() if path.endswith("index_2.html")
    )
    assert requested_again < requested_first


def test_sources_check_names_the_family_recognised(paged_crawl):
    result = CliRunner().invoke(
        cli, ["sources", "check", str(paged_crawl["sources"]), "--db", str(paged_crawl["path"])]
    )
    assert result.exit_code == 0, result.output
    assert "family: trs" in result.output
    assert "pager_script" in result.output


def test_paging_stops_at_items_older_than_since(tmp_path):
    with SliceSite(TRS, split_columns=True) as site:
        sources = tmp_path / "sources.toml"
        sources.write_text(
            '[[sources]]\nname = "forestry"\nkind = "auto"\nstart_urls = ["%s/xxgk/bmwj/index.html"]\n'
            "max_depth = 1\nsince = 2030-01-01\n" % site.base_url,
            encoding="utf-8",
        )
        result = run_xietong(
            "crawl", "--sources", str(sources), "--db", str(tmp_path / "a.db"), *FAST
        )
        counts = dict(site.counts)
    assert result.returncode in (0, 3), result.stderr[-3000:]
    assert counts.get("/xxgk/bmwj/index.html") == 1
    assert "/xxgk/bmwj/index_1.html" not in counts
    row = next(
        sqlite_utils.Database(tmp_path / "a.db").query("select paging from crawl_run_sources")
    )
    assert json.loads(row["paging"]) == {"stopped_since": 1}


def test_a_column_filled_from_a_list_api_is_read_page_by_page(tmp_path):
    api = "/api/column/list.do?columnId=12&pageNo=%d"
    article = (TRS / "xxgk/bmwj/201906/t20190605_633602.html").read_bytes()
    json_type = {"Content-Type": "application/json"}
    html_type = {"Content-Type": "text/html; charset=utf-8"}
    pages = {
        "/col/index.html": (
            200,
            html_type,
            (
                '<html><body><ul id="list"></ul><script>$.getJSON("%s", show);</script>'
                "</body></html>" % (api % 1)
            ).encode(),
        ),
        api % 1: (200, json_type, json.dumps({"data": [{"url": "/news/1.html"}]}).encode()),
        api % 2: (200, json_type, json.dumps({"data": [{"linkUrl": "/news/2.html"}]}).encode()),
        api % 3: (200, json_type, b'{"data": []}'),
    }
    for n in (1, 2):
        pages["/news/%d.html" % n] = (200, html_type, article)
    with SliceSite(tmp_path, extra=pages) as site:
        sources = tmp_path / "sources.toml"
        sources.write_text(
            '[[sources]]\nname = "api"\nkind = "auto"\nstart_urls = ["%s/col/index.html"]\n'
            % site.base_url,
            encoding="utf-8",
        )
        result = run_xietong(
            "crawl", "--sources", str(sources), "--db", str(tmp_path / "a.db"), *FAST
        )
        counts = dict(site.counts)
    assert result.returncode in (0, 3), result.stderr[-3000:]
    assert counts.get("/news/1.html") == 1
    assert counts.get("/news/2.html") == 1
    assert counts.get(api % 3) == 1
    assert (api % 4) not in counts  # the empty page ended the walk


def test_links_no_url_can_be_made_of_are_skipped():
    html = (
        '<a href="http://[::1/index_2.html">x</a> <a href="index_2.html">2</a>'
        '<ul><li><span>2024-01-02</span><a href="http://h:99999/a.html">bad</a></li>'
        '<li><span>2024-01-03</span><a href="b.html">good</a></li></ul>'
    )
    paging = column_paging(html, "http://h/col/index.html")
    assert paging is not None
    assert paging.pages == ("http://h/col/index_2.html",)
    assert [item.url for item in listed_items(html, "http://h/col/index.html")] == [
        "http://h/col/b.html"
    ]


@pytest.mark.parametrize(("site", "family"), [("association", "jeecms"), ("boda-district", "vsb")])
def test_other_real_slices_are_crawled_with_their_family_and_column_paging(tmp_path, site, family):
    with SliceSite(SITES / site / "www") as served:
        sources = sources_file(tmp_path, served.base_url)
        db = tmp_path / "archive.db"
        result = run_xietong("crawl", "--sources", str(sources), "--db", str(db), *FAST)
    assert result.returncode in (0, 3), result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    run = next(sqlite_utils.Database(db).query("select family, paging from crawl_run_sources"))
    assert run["family"] == family
    assert json.loads(run["paging"]).get("numbered_links", 0) >= 1


def test_a_home_page_linking_every_channel_list_is_not_a_column():
    html = " ".join('<a href="/list_%d.html">%d</a>' % (n, n) for n in range(1, 40))
    assert column_paging(html, "http://h/index.html") is None
    assert column_paging(html, "http://h/") is None
    paging = column_paging(html, "http://h/list_3.html")
    assert paging is not None
    assert paging.pages[0] == "http://h/list_1.html"
