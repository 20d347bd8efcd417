"""Dated pages whose content is a file, not text: kept as the document's page."""

from __future__ import annotations

import pytest

from crawler.clean.extract import extract_article

# A CMS article template: menu, heading, info line with the date, content, footer.
TEMPLATE = """<html><head><title>{heading}-某某学院</title></head><body>
<div class="menu"><a href="/index.html">网站首页</a> <a href="/xxgk.html">信息公开</a>
<a href="/gzdt.html">工作动态</a> <a href="/tzgg.html">通知公告</a></div>
<table><tr><td class="title">{heading}</td></tr>
<tr><td>文章来源：办公室　　发布时间：2020-12-14 09:11:55　　阅读次数：</td></tr></table>
<div class="content">{content}</div>
<div class="footer"><p>版权所有：某某学院 地址：某某市某某区某某路1号 电话：023-12345678</p></div>
</body></html>"""

HEADING = "关于三校区充电桩建设项目结果的公示"


def page(content: str, heading: str = HEADING) -> bytes:
    return TEMPLATE.format(heading=heading, content=content).encode("utf-8")


@pytest.mark.parametrize(
    ("content", "file_line"),
    [
        (
            '<p><script>showVsbpdfIframe("/__local/8/52/79/7E63.pdf","100%","600");</script></p>',
            "http://example.org/__local/8/52/79/7E63.pdf",
        ),
        (
            '<p><script>wzfj="清单.docx"; document.write("可下载附件");</script></p>',
            "清单.docx",
        ),
        (
            '<p><img src="/upload/W0201909.jpg" width="500"></p>',
            "http://example.org/upload/W0201909.jpg",
        ),
        ('<p><a href="javascript:;">%s</a></p>' % HEADING, HEADING),
        (
            '<p><embed type="application/x-shockwave-flash" src="/swf/Viewer.swf"'
            ' flashvars="SwfFile=/__local/9/01/doc.swf&amp;Scale=0.6"></p>',
            "http://example.org/__local/9/01/doc.swf",
        ),
    ],
)
def test_dated_page_showing_a_file_is_the_documents_page(content, file_line):
    result = extract_article(page(content), "http://example.org/info/1004/12839.htm")
    assert result.is_article
    assert result.title == HEADING
    assert result.body == file_line


def test_bare_flash_movie_under_a_menu_entrys_name_is_no_document():
    content = '<p><embed type="application/x-shockwave-flash" src="/__local/1/9F/x.swf"></p>'
    result = extract_article(page(content), "http://example.org/xxgk/jszg.html")
    assert not result.is_article


def test_picture_in_a_link_to_another_page_is_a_button_not_the_content():
    content = '<p><a href="/zt/index.html"><img src="/images/banner.jpg"></a></p>'
    result = extract_article(page(content), "http://example.org/info/1004/12840.htm")
    assert not result.is_article
