"""Headings printed in two lines: a subtitle, or a 文号 glued to the title, stay in the title."""

from __future__ import annotations

from crawler.clean.extract import extract_article

PROSE = "".join(
    "今年是重要的一年，学校组织全体教师开展第%d次专题学习，大家深受教育。" % n for n in range(1, 8)
)


def page(
    heading_html: str,
    info: str = "文章来源：宣传部　发布时间：2020-12-24 21:07:39",
    head: str = "<title>学院新闻-某某学院</title>",
) -> bytes:
    return (
        "<html><head>%s</head><body>"
        '<div class="menu"><a href="/">首页</a> <a href="/xw.html">学院新闻</a></div>'
        "%s<div>%s</div><div class='content'><p>%s</p><p>%s</p></div>"
        "<div class='footer'><p>版权所有：某某学院</p></div></body></html>"
        % (head, heading_html, info, PROSE, PROSE)
    ).encode("utf-8")


def test_subtitle_styled_as_the_headline_joins_it():
    heading = (
        '<p style="text-align:center">回望抗美援朝历史 激发保家卫国情怀</p>'
        '<p style="text-align:center">我校组织全体教师观看大型纪录片《为了和平》</p>'
    )
    head = "<title>回望抗美援朝历史 激发保家卫国情怀 我校组织全体教师观看大型纪录片《为了和平》-某某学院</title>"
    result = extract_article(page(heading, head=head), "http://example.org/info/1002/12868.htm")
    assert (
        result.title
        == "回望抗美援朝历史 激发保家卫国情怀 我校组织全体教师观看大型纪录片《为了和平》"
    )


def test_channel_line_under_the_headline_stays_out():
    heading = '<h1>厦门限购4天内两度升级</h1><p class="channel">新浪综合频道</p>'
    result = extract_article(page(heading), "http://example.org/news/2022/1001.htm")
    assert result.title == "厦门限购4天内两度升级"


def test_document_number_glued_to_a_heading_is_kept_as_shown():
    heading = '<div class="z1">吉林市产权交易中心产权转让公告吉市产权公发[2019]第20号</div>'
    info = "来源：吉林市产权交易中心 时间：2019-03-18 09:49"
    head = '<title>某某林业局</title><meta name="ArticleTitle" content="吉林市产权交易中心产权转让公告">'
    result = extract_article(
        page(heading, info, head), "http://example.org/ghjh/t20191216_708027.html"
    )
    assert result.title == "吉林市产权交易中心产权转让公告吉市产权公发[2019]第20号"
