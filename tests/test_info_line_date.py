"""An info line touching the headline dates the page even outside the article container."""

from __future__ import annotations

from crawler.clean.extract import extract_article

PAGE = """<html><head><title>学分银行-学分银行</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/news.html">新闻中心</a></div>
<div class="now">当前位置：<a href="/">首页</a>&gt;<a href="/news.html">新闻中心</a>&gt;新闻详情</div>
<div class="head"><div class="subhead">发布时间：2020-09-16 00:00:00文章来源：公告</div>
<h1>重庆市终身学习学分银行机构分中心拟建设名单公示</h1></div>
<div class="main"><p>为深入贯彻落实《重庆市终身学习学分银行建设工作方案》相关精神，重庆市终身学习学分银行开展了首批学分银行分中心申报工作，经专家组评审，现将学分银行分中心拟建设机构名单公示（见附件）。公示5天，自9月16日起至9月20日止。</p>
<p>凡对拟建设机构名单有异议的，可与相关工作人员联系。</p></div>
<div class="footer"><p>地址：重庆市九龙坡区华龙大道1号</p></div>
</body></html>"""


def test_info_line_above_the_heading_dates_the_page():
    result = extract_article(PAGE.encode("utf-8"), "http://example.org/CBC/showNews-1.html")
    assert (result.published_at or "")[:10] == "2020-09-16"
    assert result.is_article
