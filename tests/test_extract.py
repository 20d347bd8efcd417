"""Pure-function tests of the cleaner on small hand-made pages in tests/fixtures/pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.clean.extract import extract_article, extract_metadata, extraction_to_json, merge_pages

PAGES = Path(__file__).parent / "fixtures" / "pages"


def page_bytes(name: str, encoding: str) -> bytes:
    """Return a fixture page (stored as UTF-8) encoded the way a site would serve it."""
    return (PAGES / name).read_text(encoding="utf-8").encode(encoding)


@pytest.fixture(scope="module")
def hebei():
    return extract_article(
        page_bytes("news_hebei.html", "gbk"), "http://hebei.example.com/2024/02/24/a.html"
    )


def test_news_body_keeps_article_sentences_and_reporter_credit(hebei):
    assert "京津冀作为引领全国高质量发展的三大重要动力源之一" in hebei.body
    assert hebei.body.endswith("（河北日报记者 贡宪云）")


@pytest.mark.parametrize(
    "chrome",
    [
        "河北频道 >",
        "全景河北",
        "分享",
        "关键词",
        "责任编辑",
        "相关新闻",
        "雄安新区建设取得新进展",
        "ICP",
        "版权所有",
        "关于我们",
        "来源",
    ],
)
def test_news_body_drops_chrome(hebei, chrome):
    assert chrome not in hebei.body


def test_news_metadata_fields_are_separated(hebei):
    assert hebei.title == "协同发展十年观察③|“链”上发力，产业联系越来越紧密"
    assert hebei.published_at == "2024-02-24T07:53:08+08:00"
    assert hebei.outlet == "河北日报"
    assert hebei.author == "贡宪云"
    assert hebei.editor == "张晓鹏"
    assert hebei.keywords == ["京津冀协同发展", "产业"]
    assert hebei.site == "示例新闻网"
    assert hebei.is_article
    assert hebei.encoding == "gb18030"
    assert hebei.text_quality == "ok"


def test_gbk_page_served_as_utf8_decodes_right():
    result = extract_article(page_bytes("news_hebei.html", "gbk"), declared_encoding="utf-8")
    assert "产业协同是实质性突破口" in result.body
    assert result.encoding == "gb18030"


def test_traditional_big5_page_keeps_script_and_finds_page_two():
    result = extract_article(
        page_bytes("paged_crntt.html", "big5"), "http://www.crntt.com/doc/1_1_2_1.html"
    )
    assert "京津冀作為引領全國高質量發展的三大重要動力源之一" in result.body
    assert result.title == "京津冀協同發展十年：區域經濟再上台階"
    assert result.published_at == "2024-02-23T07:23:21+08:00"
    assert result.page_urls == ["http://www.crntt.com/doc/1_1_2_1_2.html"]
    for chrome in ("打 印", "第1頁", "掃描二維碼", "相關新聞", "雄安新區建設再提速"):
        assert chrome not in result.body


def test_page_without_pagination_has_no_page_urls(hebei):
    assert hebei.page_urls == []


def test_list_page_is_not_an_article():
    result = extract_article(page_bytes("list_page.html", "utf-8"), "http://gov.example.cn/news/")
    assert result.is_article is False


def test_policy_header_table_is_parsed_and_body_starts_at_addressees():
    result = extract_article(
        page_bytes("policy_page.html", "utf-8"),
        "http://www.gov.cn/zhengce/content/2024-02/24/content_1.htm",
    )
    policy = result.policy
    assert policy is not None
    assert policy["index_number"] == "000014349/2024-00012"
    assert policy["issuer"] == "国务院办公厅"
    assert policy["doc_number"] == "国办发〔2024〕7号"
    assert policy["written_at"] == "2024-02-20"
    assert policy["published_at"] == "2024-02-24"
    assert policy["topic"] == "城乡建设、环境保护\\其他"
    assert policy["attachments"] == ["http://www.gov.cn/files/fujian1.pdf"]
    assert result.body.startswith("北京市、天津市、河北省人民政府，国务院有关部门：")
    assert result.body.endswith("2024年2月20日")
    assert "打印" not in result.body
    assert extraction_to_json(result)["policy"]["doc_number"] == "国办发〔2024〕7号"


def test_news_page_has_no_policy_key_in_json(hebei):
    data = extraction_to_json(hebei)
    assert "policy" not in data
    assert set(data) >= {
        "title",
        "published_at",
        "site",
        "outlet",
        "author",
        "editor",
        "keywords",
        "body",
    }


def test_extract_metadata_uses_scorer_keys():
    meta = extract_metadata(page_bytes("news_hebei.html", "gbk"), "")
    assert meta["source"] == "河北日报"
    assert set(meta) == {"title", "published_at", "source", "author", "editor"}


def test_ruby_pinyin_is_removed_from_body():
    html = (
        "<html><body><h1>園區簡介</h1><div class='content'><p>京津冀<ruby>區<rp>(</rp><rt>qū</rt>"
        "<rp>)</rp></ruby>域協同發展戰略正式進入實施階段，關於如何落實綱要的問題再次成為焦點話題，"
        "各方都在關注三地產業如何對接。</p></div></body></html>"
    )
    body = extract_article(html).body
    assert "京津冀區域協同發展" in body
    assert "qū" not in body


def test_call_for_submissions_editor_line_and_image_fragment_are_dropped():
    html = (
        "<html><body><div class='content'><p>地源熱泵技術在北方清潔供暖中的應用越來越廣泛，"
        "多個城市已經開始規模化推廣，節能效果明顯，運行成本持續下降。</p><p>.jpg)</p>"
        "<p>責編:liu</p><p>歡迎一切與地源熱泵行業相關的新聞、評論投稿，投稿郵箱：news@example.com</p>"
        "</div></body></html>"
    )
    result = extract_article(html)
    assert "地源熱泵技術" in result.body
    assert ".jpg)" not in result.body
    assert "責編" not in result.body
    assert "投稿" not in result.body
    assert result.editor == "liu"


def test_selectors_override_heuristics():
    html = page_bytes("news_hebei.html", "gbk")
    result = extract_article(html, selectors={"title": "div.crumbs", "author": "div.info"})
    assert result.title.startswith("河北频道")


def test_merge_pages_joins_bodies_and_keeps_first_metadata(hebei):
    second = extract_article(page_bytes("paged_crntt.html", "big5"))
    merged = merge_pages([hebei, second])
    assert merged.title == hebei.title
    assert merged.body == hebei.body + "\n" + second.body
    assert merged.page_urls == []


REPRINT = """<html><head><title>京津冀港口群协同发展 - 某某网</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/news/">新闻</a></div>
<div class="article"><h1>京津冀港口群协同发展</h1>
<p>（原标题：津冀港口深化合作 环渤海航线再添新班）</p>
<p>天津港集团今天发布消息，京津冀港口群集装箱航线再添新班，海铁联运通道继续扩容，服务腹地外贸企业的能力进一步提升。</p>
<p>据介绍，新开通的航线连接天津港与河北黄骅港，每周往返三班，今年以来三地港口协同调度机制运行顺畅。</p>
<p>船舶在港停时平均缩短一成以上，港口群整体效率明显提高，记者了解到，更多航线正在筹备之中。</p>
<p>更多新闻请关注本网官方微博</p>
<p>交通部门提醒，雨雪天气出行请关注预警信息，合理安排行程，注意交通安全。</p>
</div></body></html>"""


def test_reprint_original_title_line_and_follow_prompt_are_chrome():
    result = extract_article(REPRINT.encode("utf-8"), "http://example.cn/a.html")
    assert "原标题" not in result.body
    assert "请关注本网官方微博" not in result.body
    assert "天津港集团今天发布消息" in result.body
    # An article sentence that merely asks readers to watch for warnings stays.
    assert "请关注预警信息" in result.body


UPDATED_LABEL = """<html><head><title>北捷新站啟用 | 地方 | 示例社</title></head><body>
<article><h1>北捷新站啟用</h1><div class="timeBox">最新更新：2024/03/01 10:48</div>
<div class="picinfo">捷運新站今天啟用，旅客排隊進站，站務人員在閘門旁協助引導。（示例社記者王小明攝）</div>
<div class="paragraph"><p>（示例社記者王小明台北1日電）捷運新站今天啟用，首日進出站人次超過兩萬，站內動線大致順暢。</p>
<p>捷運公司表示，新站周邊的公車接駁路線將同步調整，提醒旅客出發前查詢最新班次資訊。</p></div>
</article></body></html>"""


def test_a_date_after_any_short_label_is_a_date_line_not_body():
    result = extract_article(UPDATED_LABEL.encode("utf-8"), "http://example.tw/a.html")
    assert "最新更新" not in result.body
    assert "（示例社記者王小明台北1日電）" in result.body
    assert result.published_at.startswith("2024-03-01")
