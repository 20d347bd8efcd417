"""Tests of decoding: declared charsets verified, Chinese encodings detected, byte loss repaired."""

from __future__ import annotations

import pytest

from crawler.clean.decode import EncodingError, decode_html

ARTICLE = "<html><head><title>京津冀協同發展</title></head><body><p>{}</p></body></html>"
TRADITIONAL = (
    "京津冀創新型產業集群協同發展在行動。隨著規劃綱要的出爐，協同發展戰略正式進入實施階段，"
    "關於如何落實綱要，促進協同發展的問題再次成為焦點話題。"
)
SIMPLIFIED = "京津冀作为引领全国高质量发展的三大重要动力源之一，产业协同是实质性突破口。"


def test_gb2312_declaration_decodes_as_gb18030():
    data = ('<meta charset="gb2312">' + ARTICLE.format(SIMPLIFIED + "镕")).encode("gb18030")
    page = decode_html(data)
    assert page.encoding == "gb18030"
    assert "镕" in page.text
    assert page.quality == "ok"


def test_gbk_page_served_as_utf8_comes_out_right():
    data = ARTICLE.format(SIMPLIFIED).encode("gbk")
    page = decode_html(data, declared="utf-8")
    assert SIMPLIFIED in page.text
    assert page.encoding == "gb18030"


def test_undeclared_big5_is_detected():
    page = decode_html(ARTICLE.format(TRADITIONAL).encode("big5"))
    assert TRADITIONAL in page.text
    assert page.encoding.startswith("big5")


def test_undeclared_utf8_is_detected():
    page = decode_html(ARTICLE.format(SIMPLIFIED).encode("utf-8"))
    assert page.encoding == "utf-8"
    assert SIMPLIFIED in page.text


def test_wrong_meta_charset_is_not_trusted():
    data = ('<meta charset="utf-8">' + ARTICLE.format(TRADITIONAL)).encode("big5")
    assert TRADITIONAL in decode_html(data).text


def test_utf8_bom_wins():
    page = decode_html(b"\xef\xbb\xbf" + ARTICLE.format(SIMPLIFIED).encode("utf-8"), declared="gbk")
    assert SIMPLIFIED in page.text


def test_one_lost_byte_in_gbk_stream_is_repaired():
    # Seed 000: the first byte of “ was lost, so “如何實現 decoded as 叭绾螌… until the
    # stream re-synchronised.
    text = "各地发展产业集群都是各自为阵，协同发展的理念没有充分体现。“如何實現三地产业集群错位发展、融合发展"
    data = ('<meta charset="gbk">' + ARTICLE.format(text)).encode("gb18030")
    cut = data.index("“".encode("gb18030"))
    damaged = data[:cut] + data[cut + 1 :]
    assert "如何實現" not in damaged.decode("gb18030", "replace")
    page = decode_html(damaged)
    assert page.quality == "repaired"
    assert "各地发展产业集群都是各自为阵" in page.text
    assert "如何實現三地产业集群错位发展、融合发展" in page.text


def test_orphan_lead_byte_before_ascii_is_dropped():
    data = (
        '<meta charset="gb2312"><p>人们开始'.encode("gb18030")
        + b"\xb0"
        + ' "形式"'.encode("gb18030")
    )
    page = decode_html(data)
    assert '人们开始 "形式"' in page.text
    assert page.quality == "repaired"


def test_unrepairable_bytes_are_marked_mojibake():
    data = ('<meta charset="gbk">' + ARTICLE.format(SIMPLIFIED)).encode("gbk")
    damaged = data.replace(b"<p>", b"<p>" + b"\x81\x20" * 40)
    page = decode_html(damaged)
    assert page.quality in ("mojibake", "repaired")
    assert SIMPLIFIED in page.text


def test_str_input_is_rejected_with_named_error():
    with pytest.raises(EncodingError):
        decode_html("text")  # type: ignore[arg-type]
