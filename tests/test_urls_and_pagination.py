from __future__ import annotations

from crawler.clean.pagination import find_pagination
from crawler.text.urls import canonical_url


def test_canonical_url_drops_fragment_tracking_and_default_port():
    assert (
        canonical_url("HTTP://Example.COM:80/a.html?utm_source=x&b=2&a=1#top")
        == "http://example.com/a.html?a=1&b=2"
    )


def test_canonical_url_keeps_a_non_default_port():
    assert canonical_url("http://127.0.0.1:8123/n/a.html") == "http://127.0.0.1:8123/n/a.html"


def test_first_page_lists_the_later_pages_of_the_article():
    html = "<p>正文</p><div>【 第1頁 <a href='a_2.html'>第2頁</a> <a href='a_3.html'>第3頁</a> 】</div>"
    pagination = find_pagination(html, "http://x.example/n/a.html")
    assert pagination is not None
    assert pagination.is_first
    assert pagination.other_urls() == ["http://x.example/n/a_2.html", "http://x.example/n/a_3.html"]


def test_second_page_knows_it_is_not_the_first():
    html = "<div>【 <a href='a.html'>第1頁</a> 第2頁 】</div>"
    pagination = find_pagination(html, "http://x.example/n/a_2.html")
    assert pagination is not None
    assert pagination.current == 2
    assert not pagination.is_first


def test_numbered_listing_pages_are_not_article_pages():
    html = "<div><a href='list_2.html'>第2页</a><a href='list_3.html'>第3页</a></div>"
    assert find_pagination(html, "http://x.example/index.html") is None


def test_page_without_pagination_has_none():
    assert find_pagination("<p>京津冀协同发展</p>", "http://x.example/a.html") is None


def test_page_two_of_a_name_ending_in_a_number_is_found():
    html = "<div>【 <a href='1_1_2_1.html'>第1頁</a> <a href='1_1_2_1_2.html'>第2頁</a> 】</div>"
    pagination = find_pagination(html, "http://x.example/doc/1_1_2_1.html")
    assert pagination is not None
    assert pagination.other_urls() == ["http://x.example/doc/1_1_2_1_2.html"]
