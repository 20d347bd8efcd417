"""End to end: attachments and policy links from a crawl of the demo sites on 127.0.0.1.

The demo sources are crawled into a real SQLite file; the archive is read back with
sqlite-utils, served by ``xietong serve`` and queried over HTTP, and written as a digest.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlite_utils

from crawler.demo import SITES_DIR
from tests.attachment_files import recovered_share
from tests.conftest import FAST, ROOT, resolved_sources, run_xietong
from tests.test_serve import served

EXPECTED = ROOT / "tests" / "fixtures" / "expected"


def expected(site: str) -> list[dict[str, Any]]:
    return json.loads((EXPECTED / ("%s.json" % site)).read_text(encoding="utf-8"))


def expected_attachments() -> dict[str, str | None]:
    """Return every government attachment's path and its known text (None: a broken file)."""
    texts: dict[str, str | None] = {}
    for page in expected("gov"):
        texts.update(page["attachment_texts"])
    return texts


@pytest.fixture(scope="module")
def crawl(demo_sites, tmp_path_factory) -> dict[str, Any]:
    """Crawl the demo sources once, then the government site again with refresh on."""
    tmp = tmp_path_factory.mktemp("attachments")
    sources = resolved_sources(demo_sites, tmp / "sources.toml")
    db_path = tmp / "xietong.db"
    first = run_xietong("crawl", "--sources", str(sources), "--db", str(db_path), *FAST)
    before = [dict(row) for row in sqlite_utils.Database(db_path)["attachments"].rows]
    refreshing = tmp / "refresh.toml"
    refreshing.write_text(
        sources.read_text(encoding="utf-8").replace(
            'name = "gov"\n', 'name = "gov"\nrefresh = true\n', 1
        ),
        encoding="utf-8",
    )
    demo_sites.reset_counts()
    again = run_xietong(
        "crawl", "--sources", str(refreshing), "--db", str(db_path), "--only", "gov", *FAST
    )
    return {
        "tmp": tmp,
        "db_path": db_path,
        "db": sqlite_utils.Database(db_path),
        "first": first,
        "again": again,
        "before": before,
        "base": demo_sites.base_urls,
        "requests": demo_sites.request_counts,
    }


def url_of(crawl: dict[str, Any], site: str, path: str) -> str:
    return crawl["base"][site] + path


def article_id(crawl: dict[str, Any], site: str, path: str) -> str:
    rows = list(
        crawl["db"].query(
            "select article_id from appearances where url = ?", [url_of(crawl, site, path)]
        )
    )
    assert len(rows) == 1, "%s%s was not stored" % (site, path)
    return str(rows[0]["article_id"])


def test_crawl_goes_on_past_a_broken_attachment_and_counts_attachments(crawl):
    result = crawl["first"]
    assert result.returncode == 0, result.stderr[-3000:]
    header = next(line for line in result.stdout.splitlines() if line.startswith("source"))
    assert header.split()[-1] == "attachments"
    gov = next(line for line in result.stdout.splitlines() if line.startswith("gov "))
    assert gov.endswith("8 (broken 1)")
    total = next(line for line in result.stdout.splitlines() if line.startswith("total "))
    assert total.endswith("8 (broken 1)")  # the total counts each reason, as the rows do
    assert "'xietong/attachments/fetched': 8" in result.stderr
    assert "'xietong/attachment_errors/broken': 1" in result.stderr


def test_every_attachment_is_stored_with_its_text_or_its_error(crawl):
    rows = {row["url"]: row for row in crawl["db"]["attachments"].rows}
    known = expected_attachments()
    assert len(rows) == len(known)
    for path, text in known.items():
        row = rows[url_of(crawl, "gov", path)]
        data = (SITES_DIR / "gov" / path.lstrip("/")).read_bytes()
        assert row["bytes"] == len(data)
        assert row["sha256"] == hashlib.sha256(data).hexdigest()
        assert row["fetched_at"]
        if text is None:
            assert row["error"] == "broken"
            assert row["text"] is None
        else:
            assert row["error"] is None
            assert recovered_share(text, row["text"]) >= 0.99, path


def test_attachments_keep_the_names_the_page_shows_and_their_types(crawl):
    rows = {row["file_name"]: row for row in crawl["db"]["attachments"].rows}
    assert rows["1.京津冀重点产业链协同清单.pdf"]["content_type"] == "application/pdf"
    assert rows["2.承接平台奖励申报表.docx"]["content_type"].endswith("wordprocessingml.document")
    xlsx = rows["1.2024年河北省推进京津冀协同发展重点任务清单.xlsx"]
    assert xlsx["content_type"].endswith("spreadsheetml.sheet")
    policy = article_id(crawl, "gov", "/zwgk/zcwj/szfbgtwj/202402/t20240222_1049321.html")
    assert rows["1.京津冀重点产业链协同清单.pdf"]["article_id"] == policy


def test_a_page_pointing_to_its_attachment_gets_the_attachment_text_as_body(crawl):
    page = next(p for p in expected("gov") if p.get("body_from_attachment"))
    article = crawl["db"]["articles"].get(article_id(crawl, "gov", page["path"]))
    for sentence in page["must_contain"]:
        assert sentence in article["body"]
    assert "点击下方附件" not in article["body"]
    assert "'xietong/attachments/bodies': 1" in crawl["first"].stderr


def test_attachment_archived_with_the_same_size_is_not_fetched_again(crawl):
    again = crawl["again"]
    assert again.returncode == 0, again.stderr[-3000:]
    assert "'xietong/attachments/unchanged': 8" in again.stderr
    assert "xietong/attachments/fetched" not in again.stderr
    after = [dict(row) for row in crawl["db"]["attachments"].rows]
    assert after == crawl["before"]
    # The policy pages were fetched again (refresh), their attachments only asked for a size.
    policy = expected("gov")[0]["path"]
    assert crawl["requests"]["gov"].get(policy) == 1


def test_policy_links_name_the_policy_cited_by_title_number_and_interpretation(crawl):
    links = {
        (row["article_id"], row["policy_id"], row["via"])
        for row in crawl["db"]["policy_links"].rows
    }
    industry = article_id(crawl, "gov", "/zwgk/zcwj/szfbgtwj/202402/t20240222_1049321.html")
    transport = article_id(crawl, "gov", "/zwgk/zcwj/szfwj/202402/t20240219_1048870.html")
    tasks = article_id(crawl, "gov", "/zwgk/zcwj/szfbgtwj/202402/t20240223_1049577.html")
    reading = article_id(crawl, "hebnews", "/news/2024-02/23/content_9142406.html")
    by_number = article_id(crawl, "paoku", "/zixun/2024-02-21/98027.html")
    by_title = article_id(crawl, "paoku", "/zixun/2024-02-24/98215.html")
    assert (reading, industry, "interpretation") in links
    assert (by_number, transport, "doc_number") in links
    assert (by_title, tasks, "title") in links
    linked = {row[1] for row in links if row[1] is not None}
    assert linked == {industry, transport, tasks}


def test_citations_of_policies_not_archived_are_kept_and_a_story_citing_nothing_has_no_link(
    crawl,
):
    db = crawl["db"]
    unresolved = {
        row["cited_as"]
        for row in db.query("select cited_as from policy_links where policy_id is null")
    }
    assert "京津冀协同发展规划纲要" in unresolved
    silent = article_id(crawl, "hebnews", "/news/2024-02/18/content_9139012.html")
    assert not list(db.query("select 1 from policy_links where article_id = ?", [silent]))


def test_policy_links_do_not_change_on_a_recrawl(crawl):
    rows = list(crawl["db"].query("select * from policy_links order by article_id, cited_as"))
    again = run_xietong(
        "crawl",
        "--sources",
        str(crawl["tmp"] / "refresh.toml"),
        "--db",
        str(crawl["db_path"]),
        *FAST,
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert (
        list(crawl["db"].query("select * from policy_links order by article_id, cited_as")) == rows
    )


@pytest.mark.parametrize("first", ["paoku", "gov"])
def test_links_are_made_whichever_arrives_first_the_story_or_the_policy(
    demo_sites, tmp_path, first
):
    sources = resolved_sources(demo_sites, tmp_path / "sources.toml")
    db_path = tmp_path / "xietong.db"
    for only in (first, "gov" if first == "paoku" else "paoku"):
        result = run_xietong(
            "crawl", "--sources", str(sources), "--db", str(db_path), "--only", only, *FAST
        )
        assert result.returncode == 0, result.stderr[-3000:]
    db = sqlite_utils.Database(db_path)
    rows = {
        (row["title"], row["via"])
        for row in db.query(
            "select policy.title, policy_links.via from policy_links"
            " join articles as policy on policy.id = policy_links.policy_id"
        )
    }
    assert rows == {
        ("河北省人民政府关于加快推进京津冀交通一体化高质量发展的实施意见", "doc_number"),
        (
            "河北省人民政府办公厅关于印发《2024年河北省推进京津冀协同发展重点任务清单》的通知",
            "title",
        ),
    }


@pytest.fixture(scope="module")
def server(crawl):
    with served(crawl["db_path"]) as url:
        yield url


@pytest.mark.parametrize("query", ["清单", "清單"])
def test_search_finds_a_two_character_word_in_attachments_in_either_script(server, query):
    response = httpx.get(
        server + "/attachments.json", params={"_search": query, "_shape": "array"}, timeout=30
    )
    assert response.status_code == 200, response.text[:500]
    names = {row["file_name"] for row in response.json()}
    assert "1.京津冀重点产业链协同清单.pdf" in names
    assert "1.2024年河北省推进京津冀协同发展重点任务清单.xlsx" in names
    assert "任务分工方案.docx" not in names


def test_search_of_attachments_matches_words_of_the_text_only_where_they_are(server):
    response = httpx.get(
        server + "/attachments.json", params={"_search": "生物醫藥", "_shape": "array"}, timeout=30
    )
    assert [row["file_name"] for row in response.json()] == ["1.京津冀重点产业链协同清单.pdf"]


def test_row_page_of_a_policy_lists_its_attachments_and_the_stories_citing_it(crawl, server):
    tasks = article_id(crawl, "gov", "/zwgk/zcwj/szfbgtwj/202402/t20240223_1049577.html")
    page = httpx.get(server + "/articles/" + tasks, timeout=30).text
    assert "1.2024年河北省推进京津冀协同发展重点任务清单.xlsx" in page
    assert "2.重点项目资金安排表.pdf" in page
    assert "(broken)" in page
    assert "Stories citing this policy (1)" in page
    assert "河北印发2024年推进京津冀协同发展重点任务清单" in page


def test_row_page_of_a_story_names_the_policy_it_cites(crawl, server):
    story = article_id(crawl, "paoku", "/zixun/2024-02-21/98027.html")
    transport = article_id(crawl, "gov", "/zwgk/zcwj/szfwj/202402/t20240219_1048870.html")
    page = httpx.get(server + "/articles/" + story, timeout=30).text
    assert "Policies cited" in page
    assert "/articles/%s" % transport in page
    assert "河北省人民政府关于加快推进京津冀交通一体化高质量发展的实施意见" in page


@pytest.fixture(scope="module")
def digest(crawl) -> dict[str, str]:
    out = crawl["tmp"] / "digest"
    result = run_xietong(
        "digest", "--db", str(crawl["db_path"]), "--week", "2024-W08", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return {
        path.suffix.lstrip("."): path.read_text(encoding="utf-8") for path in Path(out).iterdir()
    }


@pytest.mark.parametrize("fmt", ["md", "html", "atom", "json"])
def test_digest_lists_attachments_by_name_and_the_weeks_stories_under_each_policy(digest, fmt):
    text = digest[fmt]
    assert "1.京津冀重点产业链协同清单.pdf" in text
    assert "2.重点项目资金安排表.pdf" in text
    assert "省发展改革委解读《关于推动京津冀产业协同发展的若干措施》" in text
    assert "河北印发实施意见 加快推进京津冀交通一体化高质量发展" in text


def test_digest_json_puts_each_story_under_the_policy_it_cites(digest):
    document = json.loads(digest["json"])
    policies = {
        entry["doc_number"]: entry
        for section in document["sections"]
        for entry in section["entries"]
        if entry["kind"] == "policy"
    }
    assert [story["via"] for story in policies["冀政办字〔2024〕12号"]["stories"]] == [
        "interpretation"
    ]
    assert [story["title"] for story in policies["冀政字〔2024〕8号"]["stories"]] == [
        "河北印发实施意见 加快推进京津冀交通一体化高质量发展"
    ]
    files = policies["冀政办字〔2024〕15号"]["attachment_files"]
    assert [(f["name"], f["error"]) for f in files] == [
        ("1.2024年河北省推进京津冀协同发展重点任务清单.xlsx", ""),
        ("2.重点项目资金安排表.pdf", "broken"),
    ]


# --- files that give no text, on a site built for the test -----------------------------------
POLICY_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><div class="nav"><a href="/index.html">首页</a></div>
<table class="xxgk"><tr><th>索引号：</th><td>000014349/2024-00099</td><th>主题分类：</th><td>综合政务</td></tr>
<tr><th>发文机关：</th><td>河北省人民政府办公厅</td><th>成文日期：</th><td>2024年02月20日</td></tr>
<tr><th>发文字号：</th><td>冀政办字〔2024〕30号</td><th>发布日期：</th><td>2024年02月21日</td></tr></table>
<h1 class="title">{title}</h1>
<div id="content">{body}</div>
<div class="fujian">附件：<br>{links}</div>
</body></html>"""
NEWS_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1 class="title">{title}</h1><div id="content">{body}
<p>附件：<a href="/files/signup.xlsx">报名表.xlsx</a></p></div>
<div class="footer"><a href="/files/app.pdf">客户端下载说明.pdf</a></div></body></html>"""
SENTENCES = (
    "为推动京津冀协同发展重点任务落地见效，现就有关事项通知如下。"
    "各地要加强组织领导，细化工作措施，明确责任分工，确保各项任务按期完成。"
    "省直有关部门要加强指导服务，及时协调解决工作推进中遇到的困难和问题。"
    "各地各部门要于每季度末将工作进展情况报送省协同办，年底前报送全年工作总结。"
)
NEWS_SENTENCES = (
    "记者日前从团省委获悉，京津冀协同发展志愿服务项目今年首批志愿者招募正式启动。"
    "本次招募面向三地高校学生和社会青年，服务内容包括社区治理、生态保护和文化交流等。"
    "报名者可下载报名表填写后提交，主办方将组织面试并开展岗前培训。"
    "据介绍，项目自启动以来已累计组织志愿者三千余人次，服务时长超过五万小时。"
)


@pytest.fixture(scope="module")
def unreadable(tmp_path_factory) -> dict[str, Any]:
    """Crawl a site whose policy attaches files that give no text, and a news page."""
    from crawler.demo.server import DemoSites
    from tests.attachment_files import make_locked_pdf, make_pdf, make_scanned_pdf, make_xlsx

    root = tmp_path_factory.mktemp("unreadable")
    site = root / "site"
    files = site / "files"
    files.mkdir(parents=True)
    (site / "_site.toml").write_text('charset = "utf-8"\n', encoding="utf-8")
    (site / "robots.txt").write_text("User-agent: *\nDisallow: /files/private/\n", encoding="utf-8")
    (files / "locked.pdf").write_bytes(make_locked_pdf())
    (files / "scanned.pdf").write_bytes(make_scanned_pdf())
    (files / "big.pdf").write_bytes(make_pdf(copies=40))
    (files / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    (files / "signup.xlsx").write_bytes(make_xlsx())
    (files / "app.pdf").write_bytes(make_pdf())
    (files / "private").mkdir()
    (files / "private" / "internal.pdf").write_bytes(make_pdf())
    names = {
        "locked.pdf": "1.加密文件.pdf",
        "scanned.pdf": "2.扫描件.pdf",
        "big.pdf": "3.汇编.pdf",
        "old.doc": "4.旧格式.doc",
        "missing.pdf": "5.已删除.pdf",
        "private/internal.pdf": "6.内部.pdf",
    }
    links = "<br>".join('<a href="/files/%s">%s</a>' % item for item in names.items())
    body = "".join("<p>%s</p>" % sentence for sentence in SENTENCES.split("。") if sentence)
    (site / "policy.html").write_text(
        POLICY_PAGE.format(title="关于做好协同发展重点任务落实工作的通知", body=body, links=links),
        encoding="utf-8",
    )
    (site / "news.html").write_text(
        NEWS_PAGE.format(
            title="京津冀协同发展志愿者招募启动",
            body="".join("<p>%s。</p>" % part for part in NEWS_SENTENCES.split("。") if part),
        ),
        encoding="utf-8",
    )
    (site / "index.html").write_text(
        '<html><body><a href="/policy.html">通知</a><a href="/news.html">新闻</a></body></html>',
        encoding="utf-8",
    )
    with DemoSites(root) as sites:
        sources = root / "sources.toml"
        sources.write_text(
            '[[sources]]\nname = "site"\nkind = "auto"\nstart_urls = ["%s/index.html"]\n'
            "article_urls = ['/(policy|news)\\.html$']\n"
            'selectors = { title = "h1.title", body = "#content" }\n' % sites.base_urls["site"],
            encoding="utf-8",
        )
        db_path = root / "xietong.db"
        # A cap between the size of the readable files and that of big.pdf.
        cap = (len(make_pdf()) + (files / "big.pdf").stat().st_size) // 2
        result = run_xietong(
            "crawl",
            "--sources",
            str(sources),
            "--db",
            str(db_path),
            "-s",
            "DOWNLOAD_MAXSIZE=%d" % cap,
            *FAST,
        )
        counts = sites.request_counts["site"]
    db = sqlite_utils.Database(db_path)
    rows = {row["file_name"]: row for row in db["attachments"].rows}
    return {"result": result, "rows": rows, "db": db, "requests": counts}


def test_files_that_give_no_text_are_recorded_with_why_and_the_crawl_goes_on(unreadable):
    result = unreadable["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    rows = unreadable["rows"]
    assert rows["1.加密文件.pdf"]["error"] == "encrypted"
    assert rows["2.扫描件.pdf"]["error"] == "scanned"
    assert rows["3.汇编.pdf"]["error"] == "too_large"
    assert rows["4.旧格式.doc"]["error"] == "unsupported"
    assert rows["5.已删除.pdf"]["error"] == "http_404"
    assert rows["6.内部.pdf"]["error"] == "robots_forbidden"
    assert all(rows[name]["text"] is None for name in rows if name != "报名表.xlsx")
    titles = {row["title"] for row in unreadable["db"]["articles"].rows}
    assert "关于做好协同发展重点任务落实工作的通知" in titles


def test_robots_txt_keeps_a_forbidden_attachment_unfetched(unreadable):
    assert "/files/private/internal.pdf" not in unreadable["requests"]
    assert "/robots.txt" in unreadable["requests"]


def test_a_news_page_fetches_only_the_files_labelled_as_its_attachments(unreadable):
    rows = unreadable["rows"]
    assert rows["报名表.xlsx"]["error"] is None
    assert "重点任务" in rows["报名表.xlsx"]["text"]
    assert "客户端下载说明.pdf" not in rows
    assert "/files/app.pdf" not in unreadable["requests"]
