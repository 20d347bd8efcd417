"""Pages a script builds: counted per source without a browser, read through one with `render = true`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner

from crawler.cli import cli
from crawler.discover.shells import page_wall
from tests.conftest import FAST, SHARED, run_xietong
from tests.fixtures.faulty_server import article_html
from tests.fixtures.slice_server import SliceSite

HTML = {"Content-Type": "text/html; charset=utf-8"}
TITLE = "京津冀三地联合发布生态环境保护协同方案"
SENTENCES = [
    "京津冀三地生态环境部门联合发布生态环境保护协同方案，明确大气、水和土壤污染联防联治的二十项任务。",
    "方案提出，三地将统一重污染天气预警分级标准，建立跨区域执法联动和信息共享机制。",
    "到二〇二五年，三地细颗粒物平均浓度将比二〇二〇年再下降百分之十，优良天数比例稳步提高。",
]
# The article's text, written into the page by its script after load (as script-built sites do).
SCRIPT_PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>%s</title></head><body>"
    '<div class="nav"><a href="/index.html">首页</a></div><div id="app"></div>'
    "<script>var data = %s;"
    "document.getElementById('app').innerHTML = '<div class=\"article\"><h1>' + data.title +"
    ' \'</h1><div class="info">2024-03-05 09:30 来源：河北日报</div><div class="content">\' +'
    " data.paragraphs.map(function (p) { return '<p>' + p + '</p>'; }).join('') + '</div></div>';"
    "</script></body></html>"
) % (TITLE, json.dumps({"title": TITLE, "paragraphs": SENTENCES}, ensure_ascii=False))
CAPTCHA_PAGE = (
    "<html><head><meta charset='utf-8'><title>安全验证</title></head><body>"
    "<div class='slider'>请拖动滑块完成安全验证</div><script src='/captcha.js'></script></body></html>"
)


def page(body: str) -> tuple[int, dict[str, str], bytes]:
    return 200, HTML, body.encode("utf-8")


PAGES = {
    "/index.html": page(
        '<html><body><a href="/news/script.html">a</a> <a href="/news/plain.html">b</a>'
        ' <a href="/verify.html">c</a></body></html>'
    ),
    "/news/script.html": page(SCRIPT_PAGE),
    "/news/plain.html": page(article_html("雄安新区新一批疏解项目集中开工", SENTENCES)),
    "/verify.html": page(CAPTCHA_PAGE),
}


def crawl(tmp: Path, render: bool) -> dict[str, Any]:
    with SliceSite(tmp, extra=PAGES) as site:
        sources = tmp / "sources.toml"
        sources.write_text(
            '[[sources]]\nname = "scripted"\nkind = "news"\nstart_urls = ["%s/index.html"]\n'
            "render = %s\n" % (site.base_url, str(render).lower()),
            encoding="utf-8",
        )
        db = tmp / "archive.db"
        result = run_xietong("crawl", "--sources", str(sources), "--db", str(db), *FAST)
    archive = sqlite_utils.Database(db)
    return {
        "result": result,
        "db": db,
        "sources": sources,
        "run": next(archive.query("select * from crawl_run_sources")),
        "total": next(archive.query("select js_shells, captchas from crawl_runs")),
        # Each page's own title (its appearance's): the plain page carries the same text
        # under another heading, and the merged article's row takes the earliest appearance's.
        "titles": {row["title"] for row in archive.query("select title from appearances")},
    }


def test_real_pages_are_not_walls():
    page_html = SHARED / "corpus/sites/trs-forestry/www/xxgk/bmwj/201906/t20190605_633602.html"
    assert page_wall(page_html.read_text(encoding="utf-8")) is None


def test_shell_and_captcha_pages_are_told_apart():
    assert page_wall(SCRIPT_PAGE) == "js_shell"
    assert page_wall(CAPTCHA_PAGE) == "captcha"
    assert page_wall(article_html("标题", SENTENCES)) is None


@pytest.fixture(scope="module")
def plain_crawl(tmp_path_factory) -> dict[str, Any]:
    return crawl(tmp_path_factory.mktemp("plain"), render=False)


def test_script_shells_and_captcha_walls_are_counted_per_source(plain_crawl):
    assert plain_crawl["result"].returncode in (0, 3), plain_crawl["result"].stderr[-3000:]
    assert plain_crawl["run"]["js_shells"] == 1
    assert plain_crawl["run"]["captchas"] == 1
    assert plain_crawl["total"] == {"js_shells": 1, "captchas": 1}
    assert TITLE not in plain_crawl["titles"]  # without a browser the shell holds no article


def test_sources_check_names_the_shells_and_walls(plain_crawl):
    result = CliRunner().invoke(
        cli, ["sources", "check", str(plain_crawl["sources"]), "--db", str(plain_crawl["db"])]
    )
    assert result.exit_code == 0, result.output
    assert "script shells: 1; captcha walls: 1" in result.output


def test_a_render_source_is_read_through_the_system_chromium(tmp_path):
    if shutil.which("chromium") is None:
        pytest.fail("chromium is not installed (apt-get install chromium)")
    rendered = crawl(tmp_path, render=True)
    result = rendered["result"]
    assert result.returncode in (0, 3), result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert TITLE in rendered["titles"]
    db = sqlite_utils.Database(rendered["db"])
    body = next(
        db.query(
            "select body from articles join appearances on appearances.article_id = articles.id"
            " where appearances.title = ?",
            [TITLE],
        )
    )["body"]
    assert SENTENCES[1] in body
