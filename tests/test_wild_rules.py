"""Regression tests for the rules of issue 17 (real pages of unseen hosts), on small pages.

The pages here are written by hand in the shape of the wild pages each rule was made for;
they keep a rule from breaking, they are not its evidence (tests/labels/wild.jsonl is).
"""

from __future__ import annotations

from crawler.clean.extract import extract_article
from crawler.clean.metadata import outlet_line

_CHROME = "<div class='nav'><a href='/'>首页</a> <a href='/a'>通知公告</a> <a href='/b'>政策法规</a></div>"


def _page(head: str, body: str, title: str = "") -> bytes:
    return (
        "<html><head><meta charset='utf-8'><title>%s</title></head><body>%s"
        "<div class='main'>%s<div class='content'>%s</div></div>"
        "<div class='footer'>版权所有 某某中心 备案号 皖ICP备00000000号</div></body></html>"
        % (title, _CHROME, head, body)
    ).encode("utf-8")


def test_document_titled_by_its_issuer_without_number_or_signature_is_that_issuers_policy() -> None:
    title = "某某市住房公积金管理中心关于调整住房公积金缴存基数有关事项的通知"
    body = "".join(
        "<p>%s</p>" % line
        for line in (
            "各缴存单位：为进一步规范住房公积金缴存管理，保障缴存职工合法权益，现就有关事项通知如下。",
            "一、缴存基数按照职工本人上一年度月平均工资确定，每年调整一次，具体以核定结果为准。",
            "二、本通知自印发之日起执行，以前规定与本通知不一致的，以本通知为准，特此通知。",
            "年 月 日",
        )
    )
    head = (
        "<h1>%s</h1><div class='info'>发布时间：2023-08-08 17:11 来源：某某市住房公积金管理中心</div>"
        % title
    )
    result = extract_article(_page(head, body, title), "http://gjj.example.gov.cn/tzgg/1.html")
    assert result.policy is not None
    assert result.policy["issuer"] == "某某市住房公积金管理中心"
    # The date shown by the heading is the policy's 发布日期 too.
    assert (result.policy["published_at"] or "")[:10] == "2023-08-08"
    assert (result.published_at or "")[:10] == "2023-08-08"


def test_news_titled_without_an_issuing_body_gets_no_policy_fields() -> None:
    title = "我市召开住房公积金工作会议"
    body = "".join(
        "<p>%s</p>" % line
        for line in (
            "8月8日，我市召开住房公积金工作会议，总结上半年工作，部署下半年重点任务。",
            "会议指出，要持续优化服务，推动住房公积金制度惠及更多新市民、青年人，效果明显。",
        )
    )
    head = "<h1>%s</h1><div class='info'>发布时间：2023-08-08 17:11</div>" % title
    result = extract_article(_page(head, body, title), "http://gjj.example.gov.cn/gzdt/2.html")
    assert result.policy is None


def test_lone_name_after_the_date_is_the_outlet_in_plain_text_only() -> None:
    line = "2023年11月30日 22:47 市场资讯"
    assert outlet_line(["某银行加强银企对接", line], plain={line}) == ("市场资讯", None)
    # Linked, the name may be the reprinted medium's: no outlet from its place alone.
    assert outlet_line(["某银行加强银企对接", line]) == (None, None)
    # 资讯 is a word, not an outlet's 讯 (财联社讯): the name keeps its last letter.
    other = "2024年01月31日 11:04 金台资讯"
    assert outlet_line([other], plain={other}) == ("金台资讯", None)


def test_dated_page_showing_its_story_as_a_picture_under_the_heading_is_an_article() -> None:
    head = (
        "<h1>2020年工作要点</h1><div class='info'>发布时间：2020-03-10 19:55</div>"
        "<div class='share'><a href='#'><img src='/img/weibo.png' width='16'></a></div>"
    )
    body = "<p><img src='/upload/2020/gzyd.jpg' width='600'></p><p></p>"
    result = extract_article(
        _page(head, body, "2020年工作要点"), "http://www.example.edu.cn/1.html"
    )
    assert result.is_article
    assert result.page_type == "news"


def test_dated_page_with_only_icons_after_its_heading_stays_no_article() -> None:
    head = "<h1>学校简介</h1><div class='info'>发布时间：2020-03-10 19:55</div>"
    body = "<p><img src='/images/ico_004.gif'> <img src='/images/line.png' width='20'></p>"
    result = extract_article(_page(head, body, "学校简介"), "http://www.example.edu.cn/2.html")
    assert not result.is_article


def test_picture_under_a_heading_named_by_meta_only_makes_an_article() -> None:
    # <title> is the site's name; the ArticleTitle meta tag names the page (TRS templates).
    html = (
        "<html><head><meta charset='utf-8'><title>某县林业局-某县林业局</title>"
        "<meta name='SiteName' content='某县林业局-某县林业局'>"
        "<meta name='ArticleTitle' content='清收还林现场'>"
        "<meta name='PubDate' content='2017-05-08 17:18'></head><body>%s"
        "<div class='path'>当前位置：首页&gt;林业风采</div>"
        "<div class='z1'><font style='FONT-SIZE: 22pt'>清收还林现场</font></div>"
        "<div class='z2'>来源：某县林业局-某县林业局 时间：2017-05-08 17:18</div>"
        "<div class='TRS_Editor'><p><img src='W020190924350114992389.jpg' alt=''></p>"
        "<p>清收还林</p></div><div class='footer'>版权所有 某县林业局</div></body></html>" % _CHROME
    ).encode("utf-8")
    result = extract_article(html, "http://www.example.gov.cn/lyfc/t1.html")
    assert result.is_article
