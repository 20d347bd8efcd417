"""A crawl never leaves its source, and spends its page budget on pages it downloads.

Redirects (HTTP, meta refresh, a meta refresh a script writes) are followed within the
source's hosts only; a host that does not resolve or refuses connections is one log line
and a counted reason, never a traceback.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from tests.attachment_files import make_xlsx
from tests.conftest import FAST, run_xietong
from tests.fixtures.faulty_server import article_html
from tests.fixtures.slice_server import SliceSite

HTML = {"Content-Type": "text/html; charset=utf-8"}
DEAD_HOST = "dead-host.xietong-test.invalid"
SENTENCES = [
    "三地交通部门在天津签署交通一体化合作协议，明确了十二项重点任务，覆盖轨道交通与公路。",
    "根据协议，三地将加快推进轨道交通互联互通，力争年内新开通两条跨省市公交线路，方便通勤。",
    "三地还将建立交通运输执法协作机制，实现执法信息共享和处罚结果互认，提升治理水平。",
]


def page(body: str, status: int = 200, headers: dict[str, str] | None = None) -> tuple:
    return status, headers or HTML, body.encode("utf-8")


def article(title: str) -> tuple:
    return page(article_html(title, SENTENCES))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def crawl(
    tmp: Path, site: SliceSite, *extra: str, allowed: list[str] | None = None
) -> dict[str, Any]:
    sources = tmp / "sources.toml"
    sources.write_text(
        '[[sources]]\nname = "site"\nkind = "news"\nstart_urls = ["%s/index.html"]\n'
        "max_depth = 3\nallowed_domains = %s\n" % (site.base_url, json.dumps(allowed or [])),
        encoding="utf-8",
    )
    db = tmp / "archive.db"
    result = run_xietong("crawl", "--sources", str(sources), "--db", str(db), *FAST, *extra)
    run = next(sqlite_utils.Database(db).query("select * from crawl_run_sources"))
    return {"result": result, "run": run, "counts": dict(site.counts)}


@pytest.fixture(scope="module")
def boundary_crawl(tmp_path_factory) -> Any:
    tmp = tmp_path_factory.mktemp("boundaries")
    refused = "127.0.0.1:%d" % closed_port()
    pages = {
        "/index.html": page(
            "<html><body><h1>首页</h1>"
            '<a href="/news/a.html">a</a> <a href="/away.html">away</a>'
            ' <a href="/script-refresh.html">s</a> <a href="/refresh.html">r</a>'
            ' <a href="/moved.html">m</a>'
            ' <a href="http://%s/news/x.html">dns</a> <a href="http://%s/news/y.html">refused</a>'
            "</body></html>" % (DEAD_HOST, refused)
        ),
        "/news/a.html": article("京津冀交通一体化合作协议签署"),
        "/news/b.html": article("雄安新区新一批疏解项目集中开工"),
        "/news/c.html": article("三地生态环境联建联防联治推进会召开"),
        "/away.html": page("", 302, {"Location": "http://offsite.xietong-test.invalid/news.html"}),
        "/moved.html": page("", 301, {"Location": "/news/c.html"}),
        "/script-refresh.html": page(
            '<html><head><script>document.write(\'<meta http-equiv="refresh" '
            'content="0;url=http://elsewhere.xietong-test.invalid/">\');</script></head>'
            "<body>跳转中</body></html>"
        ),
        "/refresh.html": page(
            '<html><head><meta http-equiv="refresh" content="0;url=/news/b.html"></head>'
            "<body>跳转中</body></html>"
        ),
    }
    with SliceSite(tmp, extra=pages) as site:
        yield crawl(tmp, site, allowed=[DEAD_HOST, refused])


def test_redirects_within_the_source_are_followed(boundary_crawl):
    counts = boundary_crawl["counts"]
    assert counts.get("/news/b.html") == 1  # meta refresh
    assert counts.get("/news/c.html") == 1  # HTTP 301


def test_redirects_off_the_source_are_dropped_with_a_counted_reason(boundary_crawl):
    run = boundary_crawl["run"]
    # The HTTP redirect and the meta refresh a script writes.
    assert json.loads(run["dropped"]).get("offsite_redirect") == 2
    log = boundary_crawl["result"].stderr
    assert log.count("redirect off the source site, not followed") == 2
    assert "offsite.xietong-test.invalid" in log


def test_dns_failure_and_refused_connection_are_one_line_each_never_a_traceback(boundary_crawl):
    result = boundary_crawl["result"]
    assert result.returncode in (0, 3), result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    errors = json.loads(boundary_crawl["run"]["errors_by_kind"])
    assert errors.get("dns") == 1
    assert errors.get("connection_refused") == 1
    lines = [line for line in result.stderr.splitlines() if DEAD_HOST in line]
    assert len([line for line in lines if "WARNING" in line or "ERROR" in line]) == 1
    assert "fetch failed (dns)" in lines[-1]


@pytest.fixture(scope="module")
def budget_crawl(tmp_path_factory) -> Any:
    """A site whose every column page repeats the navigation to all five columns."""
    tmp = tmp_path_factory.mktemp("budget")
    nav = " ".join('<a href="/col%d/index.html">栏目%d</a>' % (c, c) for c in range(5))
    pages: dict[str, tuple] = {"/index.html": page("<html><body>%s</body></html>" % nav)}
    titles = iter("京津冀协同发展第%d项重点任务推进会召开" % n for n in range(1, 100))
    for c in range(5):
        links = " ".join('<a href="/col%d/%d.html">文章</a>' % (c, n) for n in range(3))
        pages["/col%d/index.html" % c] = page("<html><body>%s %s</body></html>" % (nav, links))
        for n in range(3):
            pages["/col%d/%d.html" % (c, n)] = article(next(titles))
    with SliceSite(tmp, extra=pages) as site:
        # 21 pages to download; the five columns' links alone number 5 + 5 × 8 = 45.
        yield crawl(tmp, site, "-s", "XIETONG_SPIDER_MAX_PAGES_PER_SOURCE=25")


def test_repeated_navigation_does_not_spend_the_page_budget(budget_crawl):
    counts = budget_crawl["counts"]
    articles = [path for path in counts if path.endswith(("/0.html", "/1.html", "/2.html"))]
    assert len(articles) == 15
    assert json.loads(budget_crawl["run"]["dropped"]).get("max_pages") is None


def test_an_attachment_redirected_to_another_host_is_still_fetched(tmp_path):
    files = tmp_path / "files"
    files.mkdir()
    xlsx = {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    with SliceSite(files, extra={"/list.xlsx": (200, xlsx, make_xlsx())}) as file_host:
        sentences = [*SENTENCES, '附件：<a href="/files/list.xlsx">第一批名单.xlsx</a>']
        pages = {
            "/index.html": page('<html><body><a href="/news/a.html">a</a></body></html>'),
            "/news/a.html": page(
                article_html("关于公布第一批协同发展示范项目名单的通知", sentences)
            ),
            "/files/list.xlsx": page("", 302, {"Location": file_host.base_url + "/list.xlsx"}),
        }
        site_root = tmp_path / "site"
        site_root.mkdir()
        with SliceSite(site_root, extra=pages) as site:
            crawled = crawl(site_root, site)
        served = dict(file_host.counts)
    assert crawled["result"].returncode in (0, 3), crawled["result"].stderr[-3000:]
    assert served.get("/list.xlsx") == 1
    assert json.loads(crawled["run"]["dropped"]).get("offsite_redirect") is None
