"""The demo server: serves each fixture site's bytes on its own loopback port."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.demo import SITES_DIR
from crawler.demo.server import DemoSites

ROOT = Path(__file__).resolve().parent.parent
SITES = SITES_DIR
EXPECTED = ROOT / "tests" / "fixtures" / "expected"

INDEX_CONTENT_TYPES = {
    "hdgk": "text/html; charset=gb2312",
    "dyrbw": "text/html; charset=utf-8",
    "hebnews": "text/html; charset=utf-8",
    "crntt": "text/html",
    "paoku": "text/html; charset=utf-8",
    "gov": "text/html; charset=utf-8",
}


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    """GET a URL; return status, headers and body, 4xx included."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def raw_get(base_url: str, path: str) -> int:
    """GET a path exactly as written (no client-side normalization); return the status."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def expected(site: str) -> list[dict]:
    return json.loads((EXPECTED / f"{site}.json").read_text(encoding="utf-8"))


def test_every_site_folder_is_served(demo_sites):
    assert set(demo_sites.base_urls) == set(INDEX_CONTENT_TYPES)
    for base in demo_sites.base_urls.values():
        assert base.startswith("http://127.0.0.1:")
    assert len(set(demo_sites.base_urls.values())) == len(INDEX_CONTENT_TYPES)


@pytest.mark.parametrize("site", sorted(INDEX_CONTENT_TYPES))
def test_index_is_served_with_the_site_content_type(demo_sites, site):
    status, headers, body = fetch(demo_sites.url(site, "/index.html"))
    assert status == 200
    assert headers["Content-Type"] == INDEX_CONTENT_TYPES[site]
    assert body == (SITES / site / "index.html").read_bytes()


def test_directory_root_serves_its_index(demo_sites):
    status, _, body = fetch(demo_sites.base_urls["paoku"] + "/")
    assert status == 200
    assert body == (SITES / "paoku" / "index.html").read_bytes()


@pytest.mark.parametrize(
    ("site", "path", "content_type"),
    [
        ("hebnews", "/rss.xml", "application/rss+xml"),
        ("paoku", "/sitemap.xml", "application/xml"),
    ],
)
def test_feed_and_sitemap_have_xml_content_types(demo_sites, site, path, content_type):
    status, headers, body = fetch(demo_sites.url(site, path))
    assert status == 200
    assert headers["Content-Type"] == content_type
    assert body.startswith(b"<?xml")


def test_policy_attachments_are_served_as_pdf_docx_and_xlsx(demo_sites):
    attachments = [path for page in expected("gov") for path in page["attachments"]]
    types = set()
    for path in attachments:
        status, headers, body = fetch(demo_sites.url("gov", path))
        assert status == 200
        types.add(headers["Content-Type"])
        assert body.startswith(b"%PDF-" if path.endswith(".pdf") else b"PK")
    assert types == {
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }


@pytest.mark.parametrize(
    "path", ["/no/such/page.html", "/_site.toml", "/build_sites.py", "/index.html/"]
)
def test_missing_and_private_paths_are_404(demo_sites, path):
    status, _, _ = fetch(demo_sites.url("hebnews", path))
    assert status == 404


def test_paths_escaping_the_site_folder_are_404(demo_sites):
    base = demo_sites.base_urls["hebnews"]
    assert raw_get(base, "/../build_sites.py") == 404
    assert raw_get(base, "/../paoku/index.html") == 404
    assert raw_get(base, "/%2e%2e/paoku/index.html") == 404


def strip_ruby(markup: str) -> str:
    """Drop pinyin readings (<rt>, <rp>) and <ruby> tags, keeping the base characters."""
    markup = re.sub(r"<rp>.*?</rp>|<rt>.*?</rt>", "", markup)
    return markup.replace("<ruby>", "").replace("</ruby>", "")


def test_gbk_page_decodes_as_gb18030_and_holds_its_sentences(demo_sites):
    page = next(p for p in expected("hdgk") if p.get("damaged_sentence"))
    _, headers, body = fetch(demo_sites.url("hdgk", page["path"]))
    assert "gb2312" in headers["Content-Type"]
    assert b'<meta charset="gb2312">' in body
    text = strip_ruby(body.decode("gb18030", errors="replace"))
    for sentence in page["must_contain"]:
        assert sentence in text
    assert page["damaged_text_gb18030"] in text
    assert page["damaged_sentence"] not in text


def test_gbk_page_lost_exactly_one_byte():
    page = next(p for p in expected("hdgk") if p.get("damaged_sentence"))
    body = (SITES / "hdgk" / page["path"].lstrip("/")).read_bytes()
    # The shifted bytes happen to be valid GBK: the damage is silent mojibake, not an error.
    assert page["damaged_sentence"] not in strip_ruby(body.decode("gbk"))
    offset = page["damaged_byte_offset"]
    lead = page["damaged_char"].encode("gbk")[0]
    repaired = body[:offset] + bytes([lead]) + body[offset:]
    assert page["damaged_sentence"] in strip_ruby(repaired.decode("gbk"))


def test_big5_page_decodes_strictly(demo_sites):
    page = next(p for p in expected("crntt") if len(p["pages"]) > 1)
    _, headers, body = fetch(demo_sites.url("crntt", page["path"]))
    assert headers["Content-Type"] == "text/html"
    assert b'<meta charset="big5">' in body
    text = body.decode("big5")
    assert text == body.decode("cp950") == body.decode("big5hkscs")
    assert page["must_contain"][0] in text
    assert "第1頁" in text


def test_requests_are_counted_per_site_and_path(demo_sites):
    before = demo_sites.request_counts.get("gov", {}).get("/about.html", 0)
    missing_before = demo_sites.request_counts.get("gov", {}).get("/nope.html", 0)
    fetch(demo_sites.url("gov", "/about.html"))
    fetch(demo_sites.url("gov", "/about.html?from=test"))
    fetch(demo_sites.url("gov", "/nope.html"))
    counts = demo_sites.request_counts["gov"]
    assert counts["/about.html"] == before + 2
    assert counts["/nope.html"] == missing_before + 1


def test_unchanged_page_answers_304_to_its_etag(demo_sites):
    url = demo_sites.url("paoku", "/index.html")
    _, headers, _ = fetch(url)
    request = urllib.request.Request(url, headers={"If-None-Match": headers["ETag"]})
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    assert raised.value.code == 304


def via_proxy(sites: DemoSites, url: str) -> tuple[int, bytes]:
    """GET an absolute URL through the demo proxy, as Scrapy's proxy support sends it."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": sites.proxy_url}))
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_stable_host_names_serve_the_same_files_through_the_proxy(demo_sites):
    assert demo_sites.stable_urls["hebnews"] == "http://hebnews.xietong-demo.invalid"
    direct = fetch(demo_sites.url("hebnews", "/rss.xml"))[2]
    status, body = via_proxy(demo_sites, demo_sites.stable_urls["hebnews"] + "/rss.xml")
    assert (status, body) == (200, direct)


def test_proxy_answers_404_for_hosts_that_are_not_demo_sites(demo_sites):
    assert via_proxy(demo_sites, "http://nosuchsite.xietong-demo.invalid/index.html")[0] == 404
    assert via_proxy(demo_sites, "http://hebnews.example.org/rss.xml")[0] == 404


def test_custom_root_serves_only_folders_with_a_site_toml(tmp_path):
    site = tmp_path / "mini"
    (site / "news").mkdir(parents=True)
    (site / "_site.toml").write_text('charset = "utf-8"\n', encoding="utf-8")
    (site / "index.html").write_bytes("<p>首页</p>".encode())
    (site / "news" / "a.html").write_bytes(b"<p>a</p>")
    (site / "helper.py").write_bytes(b"print()")
    (tmp_path / "_sources").mkdir()
    (tmp_path / "not-a-site").mkdir()
    with DemoSites(tmp_path) as sites:
        assert list(sites.base_urls) == ["mini"]
        assert fetch(sites.url("mini", "/news/a.html"))[0] == 200
        assert fetch(sites.url("mini", "/news/"))[0] == 404
        assert fetch(sites.url("mini", "/helper.py"))[0] == 404
        assert sites.request_counts == {"mini": {"/news/a.html": 1, "/news/": 1, "/helper.py": 1}}


def test_module_prints_base_urls_as_one_json_line_and_serves():
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler.demo.server"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        base_urls = json.loads(line)
        assert set(base_urls) == set(INDEX_CONTENT_TYPES)
        status, headers, _ = fetch(base_urls["hebnews"] + "/rss.xml")
        assert status == 200
        assert headers["Content-Type"] == "application/rss+xml"
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0
    assert process.stdout.read() == ""
