"""The staged cleaner: named stages, guarded in one place, never raising on real pages."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import replace

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.clean import extract as extract_module
from crawler.clean.extract import STAGES, Stage, extract_article, extraction_to_json, run_stages
from crawler.clean.page import Page
from crawler.clean.page_type import PAGE_TYPES
from crawler.cli import cli
from tests.conftest import ROOT, SHARED

CLEAN = ROOT / "crawler" / "clean"
WILD = SHARED / "corpus" / "wild"


def wild_rows() -> list[dict]:
    with open(WILD / "index.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def wild_page(page_id: str) -> bytes:
    return (WILD / page_id / "page.html").read_bytes()


# --- structure -------------------------------------------------------------------------------


def test_no_cleaner_module_imports_another_modules_private_names():
    offenders = []
    for path in sorted(CLEAN.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("crawler."):
                offenders += [
                    "%s: %s.%s" % (path.name, node.module, alias.name)
                    for alias in node.names
                    if alias.name.startswith("_")
                ]
    assert offenders == []


def test_every_stage_is_a_public_function_of_its_own_module_with_a_unique_name():
    names = [stage.name for stage in STAGES]
    assert len(names) == len(set(names))
    assert names[:2] == ["decode", "parse"]
    for stage in STAGES:
        assert not stage.run.__name__.startswith("_")
        assert stage.run.__module__.startswith("crawler.clean.")
        assert stage.run.__module__ != "crawler.clean.extract"


# --- guarding --------------------------------------------------------------------------------


def _failing(page: Page) -> None:
    raise ValueError("a reader met something new")


def _with_failing(name: str) -> tuple[Stage, ...]:
    return tuple(replace(s, run=_failing) if s.name == name else s for s in STAGES)


def test_a_failing_reader_empties_only_its_fields_and_is_named_in_warnings():
    html = wild_page("106")  # a policy page with a header table
    whole = run_stages(Page(raw=html, url="https://example.gov.cn/a.html"))
    assert whole.header_policy
    assert whole.warnings == []
    broken = run_stages(
        Page(raw=html, url="https://example.gov.cn/a.html"), _with_failing("header_table")
    )
    assert broken.header_policy is None
    assert broken.error is None
    assert broken.warnings == ["header_table: ValueError: a reader met something new"]
    assert broken.title
    assert broken.lines
    assert len("".join(broken.lines)) > 200


def test_a_failing_essential_stage_makes_the_page_unreadable_with_its_reason():
    page = run_stages(Page(raw=wild_page("106")), _with_failing("container"))
    assert page.error == "container failed: ValueError: a reader met something new"
    assert page.lines == []


def test_extract_json_names_the_failed_stage_and_keeps_the_other_fields(tmp_path, monkeypatch):
    monkeypatch.setattr(extract_module, "STAGES", _with_failing("byline"))
    path = tmp_path / "page.html"
    path.write_bytes(wild_page("106"))
    result = CliRunner().invoke(cli, ["extract", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["warnings"] == ["byline: ValueError: a reader met something new"]
    assert data["title"]
    assert data["body"]
    assert data["page_type"] in PAGE_TYPES


# --- what is not a page ----------------------------------------------------------------------

NOT_PAGES = {
    "feed.xml": (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>京津冀</title>'
        "<item><title>协同发展</title><link>http://a.cn/1.html</link></item></channel></rss>",
        "RSS or Atom feed",
    ),
    "atom.xml": (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>协同</title></feed>',
        "RSS or Atom feed",
    ),
    "sitemap.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
        'schemas/sitemap/0.9"><url><loc>http://a.cn/1.html</loc></url></urlset>',
        "a sitemap",
    ),
    "data.xml": ('<?xml version="1.0"?><records><record>京津冀</record></records>', "XML"),
    "api.json": ('{"title": "京津冀协同发展", "items": [1, 2, 3]}', "JSON"),
}


@pytest.mark.parametrize("name", sorted(NOT_PAGES))
def test_extract_refuses_feeds_sitemaps_xml_and_json_in_one_line(tmp_path, name):
    text, said = NOT_PAGES[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(path)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert said in lines[0]
    assert "not an HTML page" in lines[0]
    assert "Traceback" not in result.output


def test_a_page_that_mentions_rss_or_starts_with_xhtml_stays_a_page():
    xhtml = (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0'
        ' Strict//EN" "x"><html><head><title>订阅RSS</title></head><body><div><p>'
        + "京津冀三地协同推进交通、生态和产业发展，<rss>标签只是正文的一部分。" * 6
        + "</p></div></body></html>"
    )
    result = extract_article(xhtml.encode("utf-8"))
    assert result.document_kind == "html"
    assert result.error is None
    assert "协同推进" in result.body


# --- fuzzing with real pages -------------------------------------------------------------------

# Real pages of several kinds: policy with a header table (and a comment in it), news,
# flash news, a listing, an error page, a script shell, GBK and UTF-8.
FUZZ_PAGES = ["001", "011", "024", "050", "075", "090", "106", "120", "131"]


def _mutate(data: bytes, kind: str, at: float, rng_bytes: bytes) -> bytes:
    cut = int(len(data) * at)
    inserts = {
        "comment": b"<!-- \xe5\x8f\x91\xe6\x96\x87 -- > <td> -->",
        "pi": b"<?php echo 1; ?><?xml-stylesheet href='a'?>",
        "cdata": b"<![CDATA[ <td>\xe5\x8f\x91\xe6\x96\x87\xe6\x9c\xba\xe5\x85\xb3</td> ]]>",
        "entities": b"&#0; &#x110000; &#xD800; &nbsp &amp;amp; &bogus; &#12345678901234567890;",
        "stray": b"</table></tr></td></div></body></html><td><tr><table><p><li>",
        "unclosed": b"<div><table><tr><td>\xe7\xb4\xa2\xe5\xbc\x95\xe5\x8f\xb7\xef\xbc\x9a<span><b>",
        "deep": b"<div>" * 5000 + "深".encode() + b"</div>" * 10,
        "nul": b"\x00" * 7 + rng_bytes + b"\x00",
        "random": rng_bytes,
    }
    if kind == "truncate":
        return data[:cut]
    if kind == "charset":
        return re.sub(rb"charset=[\"']?[\w-]+", b"charset=big5", data, count=1) or data
    return data[:cut] + inserts[kind] + data[cut:]


MUTATIONS = [
    "comment",
    "pi",
    "cdata",
    "entities",
    "stray",
    "unclosed",
    "deep",
    "nul",
    "random",
    "truncate",
    "charset",
]


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    page_id=st.sampled_from(FUZZ_PAGES),
    kinds=st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3),
    at=st.floats(min_value=0.0, max_value=1.0),
    rng_bytes=st.binary(min_size=0, max_size=64),
)
def test_extract_article_never_raises_on_mutated_real_pages(page_id, kinds, at, rng_bytes):
    data = wild_page(page_id)
    for kind in kinds:
        data = _mutate(data, kind, at, rng_bytes)
    result = extract_article(data, "https://example.gov.cn/a/b.html", declared_encoding="utf-8")
    # Either text, or a clear reason (unreadable, or a type that is no article); and the
    # JSON form always serialises.
    assert result.body.strip() or result.error or not result.is_article
    assert result.page_type in PAGE_TYPES
    assert not result.is_article or result.body.strip()
    json.dumps(extraction_to_json(result), ensure_ascii=False)


@pytest.mark.parametrize("kind", MUTATIONS)
def test_every_mutation_of_a_header_table_page_keeps_a_result(kind):
    data = _mutate(wild_page("011"), kind, 0.5, bytes(range(40)))
    result = extract_article(data, "https://example.gov.cn/a.html")
    assert result.body.strip() or result.error or not result.is_article
    assert result.warnings == []


def test_no_wild_page_crashes_the_cleaner_or_leaves_a_warning():
    warned = {}
    for row in wild_rows():
        content_type = row.get("content_type") or ""
        declared = content_type.split("charset=")[1] if "charset=" in content_type else None
        result = extract_article(wild_page(row["id"]), row["url"], declared_encoding=declared)
        assert result.page_type in PAGE_TYPES
        if result.warnings or result.error:
            warned[row["id"]] = (result.warnings, result.error)
    assert warned == {}


def test_the_site_slices_pages_never_crash_the_cleaner():
    pages = sorted((SHARED / "corpus" / "sites").glob("*/www/**/*.htm*"))
    assert len(pages) > 500
    for path in pages:
        result = extract_article(path.read_bytes(), "http://127.0.0.1/%s" % path.name)
        assert result.page_type in PAGE_TYPES
        assert result.warnings == [], path


# --- one policy vocabulary ---------------------------------------------------------------------


def test_the_policy_vocabulary_is_defined_once_and_shared():
    from crawler.clean import patterns, policy_header
    from crawler.text import citations, fingerprint, policy_vocabulary, topics

    assert patterns.DOC_NUMBER_RE is policy_vocabulary.DOC_NUMBER_RE
    assert patterns.DOCUMENT_KIND_RE is policy_vocabulary.DOCUMENT_KIND_RE
    assert policy_header.POLICY_LABELS is policy_vocabulary.POLICY_LABELS
    assert policy_header.normalize_doc_number is policy_vocabulary.normalize_doc_number
    assert fingerprint.normalize_doc_number is policy_vocabulary.normalize_doc_number
    assert topics.DOC_NUMBER is policy_vocabulary.DOC_NUMBER_PARTS_RE
    assert citations._DOC_NUMBER_RE is policy_vocabulary.DOC_NUMBER_PARTS_RE
    # No other module spells the bracketed year of a 文号 again.
    year_in_brackets = re.compile(r"〔[^\n]{0,20}\(\?:19\|20\)\\d\{2\}")
    spelled = [
        path.name
        for path in sorted((ROOT / "crawler").rglob("*.py"))
        if path.name != "policy_vocabulary.py" and year_in_brackets.search(path.read_text())
    ]
    assert spelled == []
