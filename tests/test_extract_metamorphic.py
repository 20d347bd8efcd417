"""Metamorphic tests of the cleaner over real dev pages read from ../shared at test time.

Each test changes something that must not matter (the headline's words, the chrome around
the article, the encoding, class and id names, where the byline stands) and asserts that
the extraction follows the change and nothing else.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from crawler.clean.decode import decode_html
from crawler.clean.extract import Extraction, extract_article
from crawler.clean.layout import choose_container, clean_tree, linearize, parse_html
from tests.conftest import SHARED

CORPUS = SHARED / "corpus"

# Headlines written with everyday words that spam keyword lists also use, and plain ones.
HEADLINES = [
    "河北发布暴雨黄色预警",
    "亚洲杯中国女足逆转日韩晋级决赛",
    "欧美股市收跌 亚洲市场开盘走低",
    "成人高考报名下月开始 考生须网上确认",
    "自拍杆成旅游新宠 景区提醒注意安全",
    "京津冀三地签署交通一体化合作协议",
]


def _rows(corpus: str) -> list[dict[str, Any]]:
    index = CORPUS / corpus / "index.jsonl"
    if not index.is_file():
        pytest.fail("metamorphic tests need the shared corpus at %s (set XIETONG_SHARED)" % CORPUS)
    return [json.loads(line) for line in index.read_text(encoding="utf-8").splitlines() if line]


@cache
def _chinese_pages() -> tuple[tuple[str, str, bytes], ...]:
    """Return (page id, url, bytes) of every Chinese dev page with a text truth."""
    pages = []
    for corpus in ("news-zh-dev", "extraction-dev"):
        for row in _rows(corpus):
            if row.get("language", "zh") == "zh":
                raw = (CORPUS / corpus / row["id"] / "page.html").read_bytes()
                pages.append(("%s/%s" % (corpus, row["id"]), row.get("url") or "", raw))
    return tuple(pages)


@cache
def _original(page_id: str) -> Extraction:
    url, raw = next((u, r) for p, u, r in _chinese_pages() if p == page_id)
    return extract_article(raw, url)


def _text(raw: bytes) -> str:
    return decode_html(raw).text


def _bag_f1(predicted: str, truth: str) -> float:
    """Character-bag F1 over letters and digits, as ../shared/tools/score_extraction.py."""

    def bag(text: str) -> Counter[str]:
        text = unicodedata.normalize("NFKC", text).casefold()
        return Counter(c for c in text if unicodedata.category(c)[0] in "LMN")

    pred, true = bag(predicted), bag(truth)
    if not pred and not true:
        return 1.0
    hits = sum((pred & true).values())
    if not hits:
        return 0.0
    precision, recall = hits / sum(pred.values()), hits / sum(true.values())
    return 2 * precision * recall / (precision + recall)


def _articles() -> list[str]:
    """Ids of the Chinese dev pages the cleaner takes for articles."""
    return [page_id for page_id, _, _ in _chinese_pages() if _original(page_id).is_article]


# --- the headline's words ---------------------------------------------------------------


def _pages_with_literal_title() -> list[str]:
    """Pages whose headline stands verbatim in the decoded HTML (so it can be swapped)."""
    found = []
    for page_id, _, raw in _chinese_pages():
        title = _original(page_id).title
        if title and _original(page_id).is_article and title in _text(raw):
            found.append(page_id)
    return found


def test_most_chinese_dev_pages_take_part_in_the_headline_swap():
    assert len(_pages_with_literal_title()) >= 40


@pytest.mark.parametrize("headline", HEADLINES)
def test_swapped_headline_becomes_the_title_whatever_its_words(headline):
    wrong = []
    for page_id in _pages_with_literal_title():
        url, raw = next((u, r) for p, u, r in _chinese_pages() if p == page_id)
        before = _original(page_id)
        after = extract_article(_text(raw).replace(before.title, headline), url)
        if after.title != headline or not after.is_article:
            wrong.append((page_id, after.title))
        # A headline also written across several <br> lines in the page is swapped only
        # where it stands whole, so the body may keep a few old fragments.
        elif _bag_f1(after.body, before.body.replace(before.title, headline)) < 0.95:
            wrong.append((page_id, "body changed"))
    assert wrong == []


def test_title_and_heading_holding_warning_words_give_the_headline_not_the_site():
    page = (
        "<html><head><title>河北发布暴雨黄色预警_河北新闻网</title></head><body>"
        "<div class='nav'><a href='/'>首页</a> <a href='/a'>河北</a></div>"
        "<h1>河北发布暴雨黄色预警</h1><div class='text'>"
        "<p>河北省气象台今天上午发布暴雨黄色预警，预计今天夜间到明天白天，保定、石家庄等地"
        "将出现大到暴雨，局地大暴雨，并伴有雷电和短时大风。</p>"
        "<p>气象部门提醒，相关地区注意防范强降雨可能引发的城乡积涝、山洪和地质灾害，"
        "尽量减少外出，远离河道和低洼地带。</p>"
        "<p>省防汛抗旱指挥部已启动防汛四级应急响应，各地防汛队伍和抢险物资已提前到位，"
        "水库、河道和城市排水设施实行二十四小时值守。</p></div></body></html>"
    )
    result = extract_article(page)
    assert result.title == "河北发布暴雨黄色预警"
    assert result.is_article
    bare = extract_article(
        page.replace("_河北新闻网", "").replace("<h1>河北发布暴雨黄色预警</h1>", "")
    )
    assert bare.title == "河北发布暴雨黄色预警"
    assert bare.is_article


def test_injected_keyword_title_is_dropped_but_a_headline_of_the_same_words_is_kept():
    body = (
        "<div class='text'><p>河北省气象台今天上午发布暴雨黄色预警，预计今天夜间到明天白天，"
        "保定、石家庄等地将出现大到暴雨，局地大暴雨，并伴有雷电和短时大风。</p>"
        "<p>气象部门提醒，相关地区注意防范强降雨可能引发的城乡积涝、山洪和地质灾害。</p></div>"
    )
    spam = "<title>自拍 亚洲 欧美 卡通 另类_精品网站_人人 97 久久_欧美久久综合天天</title>"
    result = extract_article("<html><head>%s</head><body>%s</body></html>" % (spam, body))
    assert result.title is None
    assert result.site is None
    kept = extract_article(
        "<html><head><title>欧美股市收跌 亚洲市场开盘走低_财经_示例网</title></head>"
        "<body><h1>欧美股市收跌 亚洲市场开盘走低</h1>%s</body></html>" % body
    )
    assert kept.title == "欧美股市收跌 亚洲市场开盘走低"


# --- the chrome around the article -------------------------------------------------------


def _container_tree(raw: bytes) -> tuple[Any, Any]:
    """Return a page's cleaned tree and its article container."""
    root = parse_html(_text(raw))
    clean_tree(root)
    layout = linearize(root, all_ranges=False)
    return root, choose_container(layout.scores, root)


def _transplant(article_raw: bytes, chrome_raw: bytes) -> str:
    """Put one page's article container in place of another page's container."""
    _, article = _container_tree(article_raw)
    root, container = _container_tree(chrome_raw)
    parent = container.getparent()
    if parent is None:
        pytest.fail("a chrome page's container is its root")
    moved = etree.fromstring(etree.tostring(article, encoding="unicode"), etree.HTMLParser())
    moved = moved.find("body")[0] if moved.find("body") is not None else moved
    moved.tail = container.tail
    parent.replace(container, moved)
    return etree.tostring(root, encoding="unicode", method="html")


def _news_pages_by_site() -> list[tuple[str, str]]:
    """Pairs (article page, chrome page) of news-zh-dev pages from different sites.

    Every article takes part, briefs of two lines included: set beside another site's video
    player, a brief must still win over the player's controls.
    """
    rows = [r for r in _rows("news-zh-dev") if _original("news-zh-dev/" + r["id"]).is_article]
    pairs = []
    for first, second in zip(rows, rows[1:] + rows[:1], strict=True):
        if first["site"] != second["site"]:
            pairs.append(("news-zh-dev/" + first["id"], "news-zh-dev/" + second["id"]))
    return pairs


def test_enough_site_pairs_for_the_chrome_swap():
    assert len(_news_pages_by_site()) >= 14


@pytest.mark.parametrize("pair", range(14))
def test_article_moved_into_another_sites_chrome_keeps_its_text(pair):
    pairs = _news_pages_by_site()
    article_id, chrome_id = pairs[pair % len(pairs)]
    raw = {p: r for p, _, r in _chinese_pages()}
    moved = extract_article(_transplant(raw[article_id], raw[chrome_id]))
    original = _original(article_id).body
    assert _bag_f1(moved.body, original) >= 0.95, (article_id, chrome_id)
    assert _bag_f1(moved.body, _original(chrome_id).body) < 0.5


# --- the encoding ------------------------------------------------------------------------

_CHARSET_RE = re.compile(r"""(charset\s*=\s*["']?|encoding\s*=\s*["'])[\w-]+""", re.IGNORECASE)


@pytest.mark.parametrize("target", ["utf-8", "gbk"])
def test_page_in_another_encoding_gives_the_same_extraction(target):
    changed = []
    for page_id, url, raw in _chinese_pages():
        decoded = decode_html(raw)
        text = _CHARSET_RE.sub(lambda m: m.group(1) + target, decoded.text)
        if not _CHARSET_RE.search(decoded.text):
            text = text.replace("<head>", '<head><meta charset="%s">' % target, 1)
        before = _original(page_id)
        after = extract_article(text.encode(target, "xmlcharrefreplace"), url)
        if (after.title, after.body, after.author, after.published_at) != (
            before.title,
            before.body,
            before.author,
            before.published_at,
        ):
            changed.append(page_id)
    assert changed == []


# --- class and id names -----------------------------------------------------------------

_NAME_ATTR_RE = re.compile(r"""(\s(?:class|id)\s*=\s*)(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.I)


def _rename_classes(text: str) -> str:
    """Give every class and id a meaningless name (the same name keeps the same new one)."""
    names: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        value = match.group(0)[len(match.group(1)) :].strip("\"'")
        new = " ".join(names.setdefault(v, "k%d" % len(names)) for v in value.split())
        return '%s"%s"' % (match.group(1), new)

    return _NAME_ATTR_RE.sub(rename, text)


def test_renaming_every_class_and_id_keeps_the_article():
    worse = []
    scores = []
    for page_id, url, raw in _chinese_pages():
        before = _original(page_id)
        after = extract_article(_rename_classes(_text(raw)), url)
        score = _bag_f1(after.body, before.body)
        scores.append(score)
        if score < 0.8:
            worse.append((page_id, round(score, 3)))
    assert sum(scores) / len(scores) >= 0.95
    assert worse == []


# --- the byline's position ----------------------------------------------------------------

BYLINES = [
    ("记者 段彦超 廖艳", "段彦超、廖艳"),
    ("作者：陈智、整合", "陈智"),
    ("文/王晓东", "王晓东"),
    ("通讯员 刘洋", "刘洋"),
    ("本报记者 张华", "张华"),
    ("（记者 李明 通讯员 赵刚）", "李明、赵刚"),
]


def _pages_without_byline() -> list[str]:
    return [
        "news-zh-dev/" + r["id"]
        for r in _rows("news-zh-dev")
        if _original("news-zh-dev/" + r["id"]).is_article
        and _original("news-zh-dev/" + r["id"]).author is None
    ]


def _with_byline(raw: bytes, byline: str, at_end: bool) -> str:
    root, container = _container_tree(raw)
    paragraph = etree.Element("p")
    paragraph.text = byline
    if at_end:
        container.append(paragraph)
    else:
        container.insert(0, paragraph)
    return etree.tostring(root, encoding="unicode", method="html")


@pytest.mark.parametrize("at_end", [False, True], ids=["before-body", "after-body"])
@pytest.mark.parametrize(("byline", "names"), BYLINES)
def test_byline_names_the_author_before_or_after_the_body(byline, names, at_end):
    pages = _pages_without_byline()
    assert len(pages) >= 5
    raw = {p: r for p, _, r in _chinese_pages()}
    wrong = []
    for page_id in pages:
        result = extract_article(_with_byline(raw[page_id], byline, at_end))
        if result.author != names:
            wrong.append((page_id, result.author))
    assert wrong == []


# --- the form of a metadata label -------------------------------------------------------

LABEL_FORMS = {
    "space": lambda label, value: "%s %s" % (label, value),
    "bracket": lambda label, value: "[%s %s]" % (label, value),
    "next-line": lambda label, value: "%s：</p><p>%s" % (label, value),
}


def _relabelled_pages(field: str, labels: str) -> list[tuple[str, re.Pattern[str], str]]:
    """News pages whose truth ``field`` stands after one of ``labels`` and a colon."""
    found = []
    for row in _rows("news-zh-dev"):
        page_id = "news-zh-dev/" + row["id"]
        truth = json.loads((CORPUS / page_id / "expected.json").read_text(encoding="utf-8"))
        value = truth[field]
        got = _original(page_id).editor if field == "editor" else _original(page_id).outlet
        if not value or got != value:
            continue
        label = re.compile(r"(%s)\s*[:：]\s*((?:<[^>]+>\s*)*)%s" % (labels, re.escape(value)))
        raw = (CORPUS / page_id / "page.html").read_bytes()
        if label.search(_text(raw)):
            found.append((page_id, label, value))
    return found


def _relabelled_wrong(field: str, labels: str, form: str, minimum: int) -> list[str]:
    """Rewrite each page's label in ``form``; return the pages whose ``field`` changed."""
    pages = _relabelled_pages(field, labels)
    assert len(pages) >= minimum
    wrong = []
    for page_id, label, value in pages:
        raw = (CORPUS / page_id / "page.html").read_bytes()
        text = label.sub(
            lambda m, value=value: LABEL_FORMS[form](m.group(1), m.group(2) + value), _text(raw)
        )
        result = extract_article(text)
        if (result.editor if field == "editor" else result.outlet) != value:
            wrong.append(page_id)
    return wrong


@pytest.mark.parametrize("form", sorted(LABEL_FORMS))
def test_editor_label_with_a_space_bracket_or_line_break_for_its_colon(form):
    assert _relabelled_wrong("editor", "责任编辑|责编", form, 4) == []


@pytest.mark.parametrize("form", ["space", "bracket"])
def test_outlet_label_with_a_space_or_bracket_for_its_colon(form):
    assert _relabelled_wrong("source", "来源", form, 6) == []


# --- pages of sites the dev corpora do not hold ---------------------------------------------

UNSEEN = Path(__file__).resolve().parent / "fixtures" / "unseen_news"


def test_unseen_site_pages_keep_their_article_when_every_class_is_renamed():
    """Lists of other posts ("小编最近文章") and bylines must go by shape, not by class name."""
    worse = []
    for folder in sorted(p for p in UNSEEN.iterdir() if (p / "expected.txt").is_file()):
        truth = (folder / "expected.txt").read_text(encoding="utf-8")
        renamed = _rename_classes(_text((folder / "page.html").read_bytes()))
        score = _bag_f1(extract_article(renamed).body, truth)
        if score < 0.97:
            worse.append((folder.name, round(score, 3)))
    assert worse == []
