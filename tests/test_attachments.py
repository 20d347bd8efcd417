"""Attachment text extraction, attachment links and pointer-only bodies (issue 12)."""

from __future__ import annotations

import io
import zipfile

import pytest
from lxml import html as lxml_html

from crawler.clean.attachment_links import (
    AttachmentLink,
    find_attachment_links,
    is_attachment_pointer,
)
from crawler.clean.attachments import (
    BrokenFileError,
    EncryptedFileError,
    FileTooLargeError,
    NoTextLayerError,
    UnsupportedTypeError,
    detect_file_type,
    extract_attachment_text,
)
from tests.attachment_files import (
    PARAGRAPHS,
    known_text,
    make_docx,
    make_locked_pdf,
    make_pdf,
    make_scanned_pdf,
    make_xlsx,
    recovered_share,
)


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return make_pdf()


@pytest.fixture(scope="module")
def docx_file() -> bytes:
    return make_docx()


@pytest.fixture(scope="module")
def xlsx_file() -> bytes:
    return make_xlsx()


# --- text ------------------------------------------------------------------------------------


def test_pdf_with_chinese_text_layer_gives_back_its_characters(pdf):
    text = extract_attachment_text(pdf, "任务清单.pdf", "application/pdf")
    assert recovered_share(known_text(), text) >= 0.99


def test_pdf_lines_wrapped_mid_sentence_are_joined_again(pdf):
    text = extract_attachment_text(pdf, "任务清单.pdf")
    # Each paragraph is longer than a line of the page, so it was wrapped when written.
    for paragraph in PARAGRAPHS:
        assert paragraph in text.split("\n")


def test_pdf_table_rows_stay_on_their_own_lines(pdf):
    lines = extract_attachment_text(pdf, "任务清单.pdf").split("\n")
    assert "2 跨省市异地就医直接结算扩面 市医保局 2024年9月" in lines


def test_pdf_that_only_restricts_printing_is_still_read():
    text = extract_attachment_text(make_pdf(owner_password="owner-only"), "清单.pdf")
    assert recovered_share(known_text(), text) >= 0.99


def test_docx_paragraphs_and_table_come_back_in_order(docx_file):
    text = extract_attachment_text(docx_file, "附件2.docx")
    assert recovered_share(known_text(), text) >= 0.99
    lines = text.split("\n")
    assert lines.index(PARAGRAPHS[-1]) < lines.index("序号\t任务名称\t牵头单位\t完成时限")
    assert "3\t雄安新区中关村科技园建设\t市科委、中关村管委会\t2024年12月" in lines


def test_xlsx_sheets_and_rows_come_back_tab_separated(xlsx_file):
    text = extract_attachment_text(xlsx_file, "项目表.xlsx")
    assert recovered_share(known_text(), text) >= 0.99
    lines = text.split("\n")
    assert lines[0] == "重点任务"
    # Whole numbers stored as numbers read as "4", not "4.0".
    assert "4\t潮白河流域水环境联合执法\t市生态环境局\t2024年10月" in lines
    assert "说明" in lines


def test_type_comes_from_the_bytes_when_the_name_says_nothing(pdf, docx_file, xlsx_file):
    assert detect_file_type(pdf, "download.jsp?id=7", "application/octet-stream") == "pdf"
    assert detect_file_type(docx_file, "getfile?id=8") == "docx"
    assert detect_file_type(xlsx_file, "") == "xlsx"
    assert extract_attachment_text(docx_file, "getfile?id=8") == extract_attachment_text(
        docx_file, "附件.docx"
    )


def test_content_type_names_the_type_when_name_and_bytes_cannot():
    assert detect_file_type(b"", "", "application/msword; charset=gbk") == "doc"
    assert detect_file_type(b"", "http://a.gov.cn/download.jsp?id=7", "application/msword") == "doc"


def test_file_name_in_a_download_url_query_names_the_type():
    assert (
        detect_file_type(b"", "http://a.gov.cn/download.do?name=%E6%B8%85%E5%8D%95.xlsx") == "xlsx"
    )


# --- errors ----------------------------------------------------------------------------------


def test_truncated_pdf_is_broken(pdf):
    with pytest.raises(BrokenFileError) as caught:
        extract_attachment_text(pdf[: len(pdf) // 2], "清单.pdf")
    assert caught.value.kind == "broken"


@pytest.mark.parametrize("maker", [make_docx, make_xlsx])
def test_truncated_office_file_is_broken(maker):
    data = maker()
    with pytest.raises(BrokenFileError):
        extract_attachment_text(data[: len(data) * 2 // 3], "附件.%s" % detect_file_type(data))


@pytest.mark.parametrize("maker", [make_docx, make_xlsx])
def test_office_file_with_corrupt_member_is_broken(maker):
    data = bytearray(maker())
    # Overwrite compressed bytes in the middle of the archive: the zip directory stays
    # readable, a member does not.
    middle = len(data) // 2
    data[middle : middle + 300] = bytes(range(256)) + bytes(44)
    with pytest.raises(BrokenFileError):
        extract_attachment_text(bytes(data), "附件.%s" % detect_file_type(bytes(maker())))


def test_file_named_pdf_that_is_an_html_error_page_is_broken():
    page = "<html><body>404 文件不存在</body></html>".encode()
    with pytest.raises(BrokenFileError):
        extract_attachment_text(page, "清单.pdf")


def test_empty_file_is_broken():
    with pytest.raises(BrokenFileError):
        extract_attachment_text(b"", "清单.pdf")


def test_pdf_needing_a_password_is_encrypted():
    with pytest.raises(EncryptedFileError) as caught:
        extract_attachment_text(make_locked_pdf(), "清单.pdf")
    assert caught.value.kind == "encrypted"


def test_office_file_in_an_ole2_container_is_encrypted():
    # Word and Excel wrap a password-protected .docx/.xlsx in an OLE2 compound file.
    ole2_header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    with pytest.raises(EncryptedFileError):
        extract_attachment_text(ole2_header, "附件1.docx")


def test_pdf_of_scanned_pages_has_no_text_layer():
    with pytest.raises(NoTextLayerError) as caught:
        extract_attachment_text(make_scanned_pdf(), "扫描件.pdf")
    assert caught.value.kind == "scanned"


def test_file_over_the_cap_is_too_large(pdf):
    with pytest.raises(FileTooLargeError) as caught:
        extract_attachment_text(pdf, "清单.pdf", max_bytes=len(pdf) - 1)
    assert caught.value.kind == "too_large"
    assert extract_attachment_text(pdf, "清单.pdf", max_bytes=len(pdf))


def test_zip_that_unpacks_past_the_cap_is_too_large():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", " " * 2_000_000)
    data = buffer.getvalue()
    with pytest.raises(FileTooLargeError):
        extract_attachment_text(data, "附件.docx", max_bytes=100_000)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("通知.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)),
        ("清单.wps", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)),
        ("项目表.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)),
        ("附件.rar", b"Rar!\x1a\x07\x00" + bytes(100)),
    ],
)
def test_types_without_a_reader_are_unsupported(name, data):
    with pytest.raises(UnsupportedTypeError) as caught:
        extract_attachment_text(data, name)
    assert caught.value.kind == "unsupported"


def test_ofd_is_recognised_inside_its_zip_and_unsupported():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>')
        archive.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    data = buffer.getvalue()
    assert detect_file_type(data, "download?id=3") == "ofd"
    with pytest.raises(UnsupportedTypeError):
        extract_attachment_text(data, "download?id=3")


# --- links -----------------------------------------------------------------------------------

POLICY_PAGE = """<html><head><title>关于印发2024年重点任务清单的通知</title></head><body>
<div class="article"><p>各区人民政府，市政府各委、办、局：现将《2024年重点任务清单》印发给你们。</p>
<p>附件：<a href="/attach/P020240301.pdf">1.2024年京津冀协同发展重点任务清单</a></p>
<p>附件2：<a href="download.jsp?fileId=88">重点项目表</a></p>
<p><a href="files/%E9%A1%B9%E7%9B%AE%E8%A1%A8.xlsx" title="项目表"></a></p>
<p><a href="/attach/P020240301.pdf">下载</a></p>
<p><span>附件3：</span><a href="getfile?id=90">资金安排表</a></p>
<p><a href="fileserver?id=91">2024年项目汇总.xlsx</a></p>
<p><a href="upload/old.DOC">责任分工.doc</a> <a href="jszl.ofd">版式文件</a></p>
<p>相关链接：<a href="/zcjd/202403/t20240305_1.html">附件解读：一图读懂重点任务</a></p>
<p><a href="/news/list.html">更多新闻</a> <a href="javascript:void(0)">附件</a></p>
</div></body></html>"""


def test_attachment_links_by_extension_and_by_label_with_names_as_shown():
    links = find_attachment_links(POLICY_PAGE, "http://www.beijing.gov.cn/zhengce/202403/t1.html")
    assert links == [
        AttachmentLink(
            "http://www.beijing.gov.cn/attach/P020240301.pdf", "1.2024年京津冀协同发展重点任务清单"
        ),
        AttachmentLink(
            "http://www.beijing.gov.cn/zhengce/202403/download.jsp?fileId=88", "重点项目表"
        ),
        AttachmentLink(
            "http://www.beijing.gov.cn/zhengce/202403/files/%E9%A1%B9%E7%9B%AE%E8%A1%A8.xlsx",
            "项目表",
        ),
        AttachmentLink("http://www.beijing.gov.cn/zhengce/202403/getfile?id=90", "资金安排表"),
        AttachmentLink(
            "http://www.beijing.gov.cn/zhengce/202403/fileserver?id=91", "2024年项目汇总.xlsx"
        ),
        AttachmentLink("http://www.beijing.gov.cn/zhengce/202403/upload/old.DOC", "责任分工.doc"),
        AttachmentLink("http://www.beijing.gov.cn/zhengce/202403/jszl.ofd", "版式文件"),
    ]


def test_attachment_links_accept_a_parsed_tree_and_its_base_href():
    tree = lxml_html.fromstring(
        '<html><head><base href="https://hbzwfw.gov.cn/fj/"></head><body>'
        '<a href="a.xlsx"></a><a href="b.html">附件3</a></body></html>'
    )
    assert find_attachment_links(tree) == [
        AttachmentLink("https://hbzwfw.gov.cn/fj/a.xlsx", "a.xlsx")
    ]


def test_page_without_attachments_has_no_links():
    assert (
        find_attachment_links("<p>京津冀协同发展取得新进展。<a href='/a.html'>详情</a></p>") == []
    )
    assert find_attachment_links("") == []


# --- pointer bodies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "详见附件。",
        "具体内容详见附件。\n附件：2024年京津冀协同发展重点任务清单.pdf",
        "请点击下载附件查看全文",
        "全文请见附件：\n1. 重点任务清单.pdf\n2. 项目表.xlsx",
        "附件下载",
        "附件：重点任务清单.pdf",
        "关于印发2024年重点任务清单的通知\n内容见附件1。",
    ],
)
def test_short_body_whose_sentences_only_point_to_the_attachment_is_a_pointer(body):
    assert is_attachment_pointer(body, title="关于印发2024年重点任务清单的通知")


@pytest.mark.parametrize(
    "body",
    [
        "",
        "本办法自2024年3月1日起施行。详见附件。",
        "现将《2024年重点任务清单》印发给你们，请结合实际认真贯彻落实。\n附件：重点任务清单.pdf",
        "各有关单位：根据工作安排，市协同办将于3月15日召开京津冀协同发展工作推进会，请各单位"
        "做好准备。会议议程详见附件。",
        "市发展改革委就《关于推进京津冀产业协同的意见》征求意见，请于3月20日前反馈。",
    ],
)
def test_body_with_content_of_its_own_is_not_a_pointer(body):
    assert not is_attachment_pointer(body, title="关于印发2024年重点任务清单的通知")


def test_attachment_label_after_a_comment_is_read_from_the_comment_tail():
    page = (
        "<html><body><p><!-- 附件开始 -->附件：<a href='/f?id=7'>资金安排表</a></p>"
        "<p><!-- x --><a href='/list.html'>更多</a></p></body></html>"
    )
    assert find_attachment_links(page, "http://gov.cn/a/b.html") == [
        AttachmentLink("http://gov.cn/f?id=7", "资金安排表")
    ]
