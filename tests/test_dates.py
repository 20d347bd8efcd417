"""Tests of Chinese date parsing."""

from __future__ import annotations

import pytest

from crawler.text.dates import (
    DateParseError,
    chinese_numeral_date,
    date_from_url,
    find_date,
    parse_date,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024年2月24日", "2024-02-24"),
        ("来源: 河北日报 2024-02-24 07:53:08", "2024-02-24T07:53:08+08:00"),
        ("时间: 2021-08-26 16:57:28 来源: 中国商报", "2021-08-26T16:57:28+08:00"),
        ("發布日期:2015-07-06發布:中國高新技術產業導報瀏覽:1043", "2015-07-06"),
        ("发布日期：2019/9/7 13:43", "2019-09-07T13:43:00+08:00"),
        ("2019年09月07日 13:43:45", "2019-09-07T13:43:45+08:00"),
        ("2019-11-25T03:01:53Z", "2019-11-25T11:01:53+08:00"),
        ("2019-11-25T11:01:53+08:00", "2019-11-25T11:01:53+08:00"),
        ("2019年9月7日 下午3:05", "2019-09-07T15:05:00+08:00"),
    ],
)
def test_chinese_date_forms_become_iso_in_china_time(text, expected):
    assert parse_date(text) == expected


def test_text_without_date_raises_named_error():
    with pytest.raises(DateParseError):
        parse_date("浏览:1043")


def test_impossible_date_is_skipped():
    assert find_date("2019-02-30 出版") is None


def test_date_in_url_path():
    assert date_from_url("http://news.example.com/2019/09/07/123.html") == "2019-09-07"
    assert date_from_url("http://www.gov.cn/xinwen/2019-02/15/content_1.htm") == "2019-02-15"
    assert date_from_url("http://example.com/a/t20190907_1.html") == "2019-09-07"


def test_meta_tag_date_wins_over_body_date():
    from crawler.clean.extract import extract_article

    html = (
        '<html><head><meta property="article:published_time" content="2024-02-24T07:53:08+08:00">'
        '</head><body><h1>标题示例新闻</h1><div class="content"><p>2009年5月14日，一位作曲家在南京逝世，'
        "享年七十七岁，他创作了一千多首儿歌，被人们誉为儿歌大王，作品传唱至今。</p></div></body></html>"
    )
    assert extract_article(html).published_at == "2024-02-24T07:53:08+08:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("二〇二四年五月八日", "2024-05-08"),
        ("二○一二年十二月二十日", "2012-12-20"),
        ("落款 二〇二三年十月三十一日（此件公开发布）", "2023-10-31"),
        ("二〇二三年二月三十日", None),  # no such day
        ("二〇二三年", None),
    ],
)
def test_chinese_numeral_dates_of_signatures(text, expected):
    assert chinese_numeral_date(text) == expected
