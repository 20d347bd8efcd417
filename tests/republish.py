"""Generate ``republish``: five Chinese news sites that republish the same real articles.

The deduplication target is checked on pages Xietong has never seen: real article texts
from the dev corpora (``news-zh-dev`` and the Chinese pages of ``extraction-dev``),
republished the way portals do it. Every site has its own chrome (navigation, breadcrumb,
source and time line, share bar, related list naming other articles, footer with
copyright and ICP number) and an index page linking every article:

``jinghua``  UTF-8, simplified: the original of every base text.
``yanzhao``  GBK declared as ``gb2312``, old table layout, ``<br>``-separated lines: one
             middle paragraph dropped, another editor line, a promo line at the end.
``huaxia``   traditional script (OpenCC ``s2t``; Big5 when every page encodes, else UTF-8),
             HTML5 layout, title with a site suffix, text cut to its first ~80 %.
``haihe``    UTF-8, simplified, CMS layout: a new lead paragraph, two paragraphs swapped
             (every even-numbered base).
``baodao``   Big5, Taiwan standard with Taiwan phrasing (OpenCC ``s2twp``), characters
             Big5 lacks written as numeric character references, an editor line and a
             site suffix added (every odd-numbered base).

Each site also carries a few related-but-different articles: a later part of a long base
text (same author, same subject) with one or two sentences of the base spliced in. Those
must stay separate articles. Nothing random is left to chance: the same corpus gives the
same bytes. The sites are written into a temporary folder at test time.

Run ``python -m tests.republish FOLDER`` to write them by hand.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import opencc

if __package__ in (None, ""):  # run as a script: the repository root holds the tests package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fixtures.page_builder import escape, link_items, write_file, write_site_toml  # noqa: E402
from tests.fixtures.page_builder import paragraphs as paragraphs_html  # noqa: E402

CORPUS_NAMES = ("news-zh-dev", "extraction-dev")
# Texts kept: long enough to be an article, capped so a page is a normal news length.
MINIMUM_CHARS = 300
MAXIMUM_CHARS = 2400
# A long text's later part (after this many characters of the base) becomes a related
# article when it holds at least RELATED_MINIMUM_CHARS.
RELATED_OFFSET = 3000
RELATED_MINIMUM_CHARS = 600
# extraction-dev pages that are not news articles: a conference agenda, a policy document
# (matched by its document number, not its text) and a Wikipedia page whose "truth" keeps
# the wiki's own chrome.
NOT_ARTICLES = frozenset({"extraction-dev/013", "extraction-dev/026", "extraction-dev/028"})
SEED = 20240601
SENTENCE_END = re.compile(r"(?<=[。！？!?])")
HAS_HAN = re.compile(r"[\u4e00-\u9fff]")

# Chrome strings that must never reach a stored body, per site (spot-checked by the test).
# Some sit inside the article's own container: a follow-us line, a 原标题 note, a topic link.
CHROME_MARKERS: dict[str, tuple[str, ...]] = {
    "jinghua": (
        "京ICP备12345678号",
        "版权所有",
        "分享到",
        "当前位置",
        "热点排行",
        "网站地图",
        "公众号",
    ),
    "yanzhao": (
        "冀ICP备05012345号",
        "您现在的位置",
        "打印本页",
        "点击排行",
        "不良信息举报",
        "原标题：",
    ),
    "huaxia": ("版權所有", "延伸閱讀", "隱私權政策", "分享：", "加入書籤", "官方帳號"),
    "haihe": ("津ICP备09876543号", "上一篇", "下一篇", "我要纠错", "扫一扫", "点击进入专题"),
    "baodao": ("All Rights Reserved", "看更多新聞", "追蹤我們", "客服信箱", "相關標籤"),
}


@dataclass(frozen=True)
class Base:
    """One real article text and where it came from."""

    key: str  # e.g. news-zh-dev/001
    title: str
    paragraphs: tuple[str, ...]
    published_at: str  # "YYYY-MM-DD HH:MM"
    outlet: str
    later_part: tuple[str, ...] = ()  # a further stretch of the same text, if long enough

    @property
    def chars(self) -> int:
        """Return the text's length in characters."""
        return sum(len(p) for p in self.paragraphs)


@dataclass(frozen=True)
class Page:
    """One generated article page and the article it is a copy of."""

    site: str
    path: str
    group: str  # pages of one group are copies of one article; a related article is alone
    title: str
    kind: str  # original | dropped_paragraph | traditional_cut | new_lead | taiwan_big5 | related


@dataclass
class Republished:
    """Where the generated sites live and what they hold."""

    root: Path  # folder holding the site folders (give it to DemoSites)
    pages: list[Page] = field(default_factory=list)
    charsets: dict[str, str] = field(default_factory=dict)

    def sources_toml(self, base_urls: dict[str, str]) -> str:
        """Return a sources file naming only each site's index page: the spider finds the rest."""
        return "\n".join(
            '[[sources]]\nname = "%s"\nkind = "news"\nstart_urls = ["%s/index.html"]\n'
            % (site, base_urls[site])
            for site in sorted(self.charsets)
        )


# --- reading the corpus -----------------------------------------------------------------------


def _paragraphs(text: str) -> list[str]:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return [line for line in lines if line and HAS_HAN.search(line)]


def _cap(paragraphs: list[str], limit: int) -> tuple[list[str], list[str]]:
    """Split paragraphs into a head of about ``limit`` characters and the rest."""
    head: list[str] = []
    total = 0
    for index, paragraph in enumerate(paragraphs):
        if head and total + len(paragraph) > limit:
            return head, paragraphs[index:]
        head.append(paragraph)
        total += len(paragraph)
    return head, []


def _title_from(paragraphs: list[str]) -> tuple[str, list[str]]:
    """Use a short first line as the title; otherwise the first clause of the text."""
    first = paragraphs[0]
    if len(first) <= 40 and not first.endswith(("。", "；", "：")) and len(paragraphs) > 1:
        return first, paragraphs[1:]
    # A headline of the first sentence's opening words, never a bare "近日".
    sentence = re.split(r"[。！？!?]", first, maxsplit=1)[0]
    clauses = re.split(r"(?<=[，：；,])", sentence)
    title = ""
    for clause in clauses:
        if len(title) >= 10:
            break
        title += clause
    return title.rstrip("，：；,")[:24] or first[:24], paragraphs


def load_bases(shared: Path) -> list[Base]:
    """Read the Chinese article texts of the dev corpora, skipping short and non-article ones."""
    rng = random.Random(SEED)
    bases: list[Base] = []
    news = shared / "corpus" / "news-zh-dev"
    for folder in sorted(p for p in news.iterdir() if p.is_dir()):
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        paragraphs = _paragraphs((folder / "expected.txt").read_text(encoding="utf-8"))
        published = (expected.get("published_at") or "2021-05-06T08:00")[:16].replace("T", " ")
        bases.append(
            _base(
                "news-zh-dev/" + folder.name,
                expected.get("title") or _title_from(paragraphs)[0],
                paragraphs,
                published,
                expected.get("source") or "新华社",
            )
        )
    extraction = shared / "corpus" / "extraction-dev"
    for line in (extraction / "index.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        key = "extraction-dev/" + entry["id"]
        if entry.get("language") != "zh" or key in NOT_ARTICLES:
            continue
        text = (extraction / entry["id"] / "expected.txt").read_text(encoding="utf-8")
        title, paragraphs = _title_from(_paragraphs(text) or ["-"])
        published = "20%02d-%02d-%02d %02d:%02d" % (
            rng.randint(18, 24),
            rng.randint(1, 12),
            rng.randint(1, 28),
            rng.randint(7, 22),
            rng.randint(0, 59),
        )
        bases.append(_base(key, title, paragraphs, published, rng.choice(OUTLETS)))
    return [base for base in bases if base.chars >= MINIMUM_CHARS]


def _base(key: str, title: str, paragraphs: list[str], published: str, outlet: str) -> Base:
    head, rest = _cap(paragraphs, MAXIMUM_CHARS)
    skipped = RELATED_OFFSET - sum(len(p) for p in head)
    while rest and skipped > 0:
        skipped -= len(rest[0])
        rest = rest[1:]
    later, _ = _cap(rest, MAXIMUM_CHARS)
    if sum(len(p) for p in later) < RELATED_MINIMUM_CHARS:
        later = []
    return Base(key, title, tuple(head), published, outlet, tuple(later))


# --- how each site changes a text -------------------------------------------------------------

OUTLETS = ("新华社", "人民网", "中国新闻网", "经济日报", "光明日报", "北京青年报", "新京报")
EDITORS = ("王晓东", "李静", "张磊", "刘芳", "陈超", "杨洋", "赵敏", "黄涛")


def _sentences(paragraph: str) -> list[str]:
    return [s for s in SENTENCE_END.split(paragraph) if s.strip()]


def _drop_middle(paragraphs: list[str]) -> list[str]:
    """Drop one middle paragraph (or, in a one-paragraph text, its middle sentence)."""
    if len(paragraphs) >= 3:
        middle = len(paragraphs) // 2
        return paragraphs[:middle] + paragraphs[middle + 1 :]
    sentences = _sentences(paragraphs[-1])
    if len(sentences) >= 3:
        del sentences[len(sentences) // 2]
    return paragraphs[:-1] + ["".join(sentences)]


def _cut(paragraphs: list[str], share: float = 0.8) -> list[str]:
    """Keep the first ``share`` of the text, at a sentence end."""
    limit = share * sum(len(p) for p in paragraphs)
    kept: list[str] = []
    total = 0
    for paragraph in paragraphs:
        if total + len(paragraph) <= limit:
            kept.append(paragraph)
            total += len(paragraph)
            continue
        part = ""
        for sentence in _sentences(paragraph):
            if total + len(part) + len(sentence) > limit:
                break
            part += sentence
        if part:
            kept.append(part)
        break
    return kept or paragraphs[:1]


def _new_lead(paragraphs: list[str], base: Base, rng: random.Random) -> list[str]:
    """Add a lead paragraph of the republisher's own and swap two middle paragraphs."""
    reporter = rng.choice(EDITORS)
    lead = (
        "海河新闻网讯（记者%s）%s，记者从有关方面获悉“%s”一事的最新情况，现将相关报道转载如下。"
        % (
            reporter,
            base.published_at[:10].replace("-", "年", 1).replace("-", "月", 1) + "日",
            base.title[:20],
        )
    )
    changed = list(paragraphs)
    if len(changed) >= 4:
        middle = len(changed) // 2
        changed[middle - 1], changed[middle] = changed[middle], changed[middle - 1]
    return [lead] + changed


def _related(base: Base, donor: Base, rng: random.Random) -> list[str]:
    """Build a different article on the same subject sharing two sentences with ``donor``."""
    shared = [s for p in donor.paragraphs for s in _sentences(p) if 15 <= len(s) <= 80]
    picked = shared[:1] + (rng.sample(shared[1:], 1) if len(shared) > 1 else [])
    paragraphs = list(base.later_part)
    # The first shared sentence opens the article, the second sits in its middle.
    paragraphs[len(paragraphs) // 2 : len(paragraphs) // 2] = picked[1:]
    return picked[:1] + paragraphs


# --- chrome -----------------------------------------------------------------------------------


def _links(entries: list[tuple[str, str]], template: str) -> str:
    return link_items(entries, template, "\n")


def _jinghua(
    title: str,
    paragraphs: list[str],
    when: str,
    outlet: str,
    editor: str,
    related: list[tuple[str, str]],
) -> str:
    body = paragraphs_html(paragraphs, separator="\n")
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        "<title>%s_京华时讯网</title>\n"
        '<meta name="description" content="%s">\n</head>\n<body>\n'
        '<div id="header"><div class="logo"><a href="/index.html">京华时讯网</a></div>\n'
        '<ul class="menu"><li><a href="/index.html">首页</a></li><li><a href="/index.html">国内</a></li>'
        '<li><a href="/index.html">国际</a></li><li><a href="/index.html">财经</a></li>'
        '<li><a href="/index.html">娱乐</a></li><li><a href="/index.html">京津冀</a></li></ul>\n'
        '<div class="search">站内搜索 <a href="/index.html">高级搜索</a></div></div>\n'
        '<div class="position">当前位置：<a href="/index.html">首页</a> &gt; '
        '<a href="/index.html">新闻中心</a> &gt; 正文</div>\n'
        '<div class="main"><div class="left">\n'
        '<h1 class="article-title">%s</h1>\n'
        '<div class="article-info">%s　来源：%s　<span class="fontsize">字号：大 中 小</span></div>\n'
        '<div class="share-bar">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>\n'
        '<div class="article-body" id="artibody">\n%s\n'
        '<p class="follow">扫描二维码，关注京华时讯网微信公众号，获取更多精彩内容</p>\n</div>\n'
        '<div class="editor">责任编辑：%s</div>\n'
        '<div class="related"><h3>相关阅读</h3><ul>\n%s\n</ul></div>\n'
        '</div>\n<div class="right"><div class="hot"><h3>热点排行</h3><ol>\n%s\n</ol></div></div></div>\n'
        '<div id="footer"><p><a href="/index.html">关于我们</a> | <a href="/index.html">联系我们</a> | '
        '<a href="/index.html">广告服务</a> | <a href="/index.html">网站地图</a></p>\n'
        "<p>Copyright © 2003-2024 京华时讯网 版权所有 未经授权不得转载</p>\n"
        "<p>京ICP备12345678号-1　京公网安备11010502030000号</p></div>\n</body>\n</html>\n"
    ) % (
        escape(title),
        escape(title),
        escape(title),
        when,
        escape(outlet),
        body,
        editor,
        _links(related[:4], '<li><a href="%s">%s</a></li>'),
        _links(related[4:], '<li><a href="%s">%s</a></li>'),
    )


def _yanzhao(
    title: str,
    paragraphs: list[str],
    when: str,
    outlet: str,
    editor: str,
    related: list[tuple[str, str]],
) -> str:
    body = "<br>\n".join("　　%s" % escape(p) for p in paragraphs)
    return (
        "<html>\n<head>\n"
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">\n'
        "<title>%s--燕赵在线</title>\n</head>\n<body>\n"
        '<table width="960" align="center"><tr><td class="topnav"><a href="/index.html">首页</a> | '
        '<a href="/index.html">要闻</a> | <a href="/index.html">时政</a> | <a href="/index.html">社会</a> | '
        '<a href="/index.html">图片</a> | <a href="/index.html">论坛</a></td></tr></table>\n'
        '<table width="960" align="center"><tr><td width="680" valign="top">\n'
        '<div class="dqwz">您现在的位置：<a href="/index.html">燕赵在线</a> &gt;&gt; '
        '<a href="/index.html">新闻频道</a> &gt;&gt; 正文</div>\n'
        '<table width="100%%"><tr><td class="bt" align="center"><b>%s</b></td></tr>\n'
        '<tr><td class="sj" align="center">%s　　稿源：%s　　【字体：大 中 小】'
        '【<a href="#">打印本页</a>】【<a href="#">关闭窗口</a>】</td></tr>\n'
        '<tr><td class="zw">\n　　原标题：%s<br>\n%s\n</td></tr>\n'
        '<tr><td align="right">（编辑：%s　审核：%s）</td></tr></table>\n'
        '<div class="xgxw">相关新闻：<br>\n%s\n</div>\n'
        '</td><td width="260" valign="top"><div class="phb">点击排行</div>\n%s\n</td></tr></table>\n'
        '<table width="960" align="center"><tr><td class="foot" align="center">'
        "燕赵在线 版权所有 未经书面授权禁止转载或镜像<br>\n"
        "冀ICP备05012345号　冀公网安备13010202000123号<br>\n"
        "违法和不良信息举报电话：0311-12345678</td></tr></table>\n</body>\n</html>\n"
    ) % (
        escape(title),
        escape(title),
        when,
        escape(outlet),
        escape(title),
        body,
        editor,
        EDITORS[0],
        _links(related[:4], '·<a href="%s">%s</a><br>'),
        _links(related[4:], '<a href="%s">%s</a><br>'),
    )


def _huaxia(
    title: str,
    paragraphs: list[str],
    when: str,
    outlet: str,
    editor: str,
    related: list[tuple[str, str]],
) -> str:
    body = paragraphs_html(paragraphs, separator="\n")
    return (
        '<!DOCTYPE html>\n<html lang="zh-Hant">\n<head>\n<meta charset="{charset}">\n'
        "<title>%s</title>\n</head>\n<body>\n"
        '<header class="site-header"><a class="brand" href="/index.html">華夏新聞網</a>\n'
        '<nav><a href="/index.html">首頁</a> <a href="/index.html">兩岸</a> <a href="/index.html">國際</a> '
        '<a href="/index.html">財經</a> <a href="/index.html">生活</a> <a href="/index.html">評論</a></nav>'
        "</header>\n<main>\n<article>\n"
        '<div class="crumbs"><a href="/index.html">首頁</a> › <a href="/index.html">兩岸</a></div>\n'
        "<h1>%s</h1>\n"
        '<p class="byline"><time>%s</time>　來源：%s</p>\n'
        '<div class="tools">分享：<a href="#">Facebook</a> <a href="#">LINE</a> <a href="#">微信</a> '
        '<a href="#">加入書籤</a> <a href="#">列印</a></div>\n'
        '<section class="story">\n%s\n<div class="ad-slot">廣告</div>\n'
        "<p>更多新聞請關注華夏新聞網官方帳號，第一時間掌握兩岸動態。</p>\n</section>\n"
        "</article>\n"
        "<aside><h2>延伸閱讀</h2><ul>\n%s\n</ul></aside>\n</main>\n"
        '<footer><a href="/index.html">關於我們</a> · <a href="/index.html">隱私權政策</a> · '
        '<a href="/index.html">廣告刊登</a><br>© 2024 華夏新聞網 版權所有，轉載請聯繫授權</footer>\n'
        "</body>\n</html>\n"
    ) % (
        escape(title),
        escape(title),
        when,
        escape(outlet),
        body,
        _links(related, '<li><a href="%s">%s</a></li>'),
    )


def _haihe(
    title: str,
    paragraphs: list[str],
    when: str,
    outlet: str,
    editor: str,
    related: list[tuple[str, str]],
) -> str:
    body = paragraphs_html(paragraphs, ' style="text-indent:2em;"', "\n")
    previous, following = (related + related)[:2] if related else (("/index.html", "无"),) * 2
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        "<title>%s - 海河新闻网</title>\n</head>\n<body>\n"
        '<div class="topbar"><div class="wrap"><a href="/index.html">海河新闻网</a> | '
        '<a href="/index.html">天津</a> | <a href="/index.html">滨海</a> | <a href="/index.html">民生</a> | '
        '<a href="/index.html">专题</a><span class="app">扫一扫 下载客户端</span></div></div>\n'
        '<div class="wrap"><div class="detail">\n'
        '<div class="detail-hd"><h2>%s</h2>\n'
        '<p class="info"><span>%s</span> <span>来源：%s</span> <a href="#">【我要纠错】</a></p></div>\n'
        '<div class="bdsharebuttonbox"><a href="#">微信</a><a href="#">微博</a></div>\n'
        '<div class="TRS_Editor"><div class="Custom_UnionStyle">\n%s\n'
        '<p><a href="/index.html">点击进入专题：京津冀协同发展</a></p>\n</div></div>\n'
        '<div class="detail-ft">【责任编辑：%s】</div>\n'
        '<div class="prev-next"><p>上一篇：<a href="%s">%s</a></p><p>下一篇：<a href="%s">%s</a></p></div>\n'
        "</div></div>\n"
        '<div class="footer"><p>海河新闻网 版权所有　津ICP备09876543号　津公网安备12010102000456号</p>'
        "<p>本网站所刊登的各种新闻﹑信息和各种专题专栏资料，均为海河新闻网版权所有</p></div>\n"
        "</body>\n</html>\n"
    ) % (
        escape(title),
        escape(title),
        when,
        escape(outlet),
        body,
        editor,
        previous[0],
        escape(previous[1]),
        following[0],
        escape(following[1]),
    )


def _baodao(
    title: str,
    paragraphs: list[str],
    when: str,
    outlet: str,
    editor: str,
    related: list[tuple[str, str]],
) -> str:
    body = paragraphs_html(paragraphs, separator="\n")
    return (
        '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=big5">\n'
        "<title>%s｜寶島日報</title>\n</head>\n<body>\n"
        '<div id="top"><a href="/index.html">即時</a> <a href="/index.html">政治</a> '
        '<a href="/index.html">兩岸</a> <a href="/index.html">財經</a> <a href="/index.html">娛樂</a> '
        '<a href="/index.html">訂閱</a> <a href="/index.html">登入</a></div>\n'
        '<div id="container"><div class="breadcrumb"><a href="/index.html">首頁</a> / '
        '<a href="/index.html">兩岸</a> / 新聞內文</div>\n'
        '<div id="story"><h1 class="story_title">%s｜寶島日報</h1>\n'
        '<div class="story_info">%s　寶島日報／綜合報導（來源：%s）</div>\n'
        '<div class="fb-like"><a href="#">讚</a> <a href="#">分享</a> <span>追蹤我們</span></div>\n'
        '<div id="story_body_content">\n%s\n<p>（編輯：%s）</p>\n</div>\n'
        '<div class="story_tags">相關標籤：<a href="/index.html">兩岸</a> <a href="/index.html">焦點</a></div>'
        "</div>\n"
        '<div class="more_news"><h3>看更多新聞</h3><ul>\n%s\n</ul></div></div>\n'
        '<div id="footer">寶島日報 © All Rights Reserved. 本網站內容未經授權請勿轉載　'
        "客服信箱：service@baodao.example.com.tw</div>\n</body>\n</html>\n"
    ) % (
        escape(title),
        escape(title),
        when,
        escape(outlet),
        body,
        editor,
        _links(related, '<li><a href="%s">%s</a></li>'),
    )


Layout = Callable[[str, list[str], str, str, str, list[tuple[str, str]]], str]
LAYOUTS: dict[str, Layout] = {
    "jinghua": _jinghua,
    "yanzhao": _yanzhao,
    "huaxia": _huaxia,
    "haihe": _haihe,
    "baodao": _baodao,
}
SITE_TITLES = {
    "jinghua": "京华时讯网",
    "yanzhao": "燕赵在线",
    "huaxia": "華夏新聞網",
    "haihe": "海河新闻网",
    "baodao": "寶島日報",
}


def _index_page(site: str, entries: list[tuple[str, str, str]]) -> str:
    items = "\n".join(
        '<li><a href="%s">%s</a> <span>%s</span></li>' % (path, escape(title), when[:10])
        for path, title, when in entries
    )
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="{charset}">\n<title>%s - 首页</title>\n'
        '</head>\n<body>\n<div class="nav"><a href="/index.html">首页</a></div>\n'
        '<div class="newslist"><h2>最新文章</h2><ul>\n%s\n</ul></div>\n'
        '<div class="footer">%s</div>\n</body>\n</html>\n'
        % (SITE_TITLES[site], items, SITE_TITLES[site])
    )


# Site -> (charset declared, codec written, what happens to characters it lacks). GBK pages
# lose them as a careless converter would; Big5 pages carry them as &#NNNNN; references,
# as Taiwanese CMSes do. Other sites are UTF-8.
CHARSETS: dict[str, tuple[str, str, str]] = {
    "yanzhao": ("gb2312", "gbk", "ignore"),
    "baodao": ("big5", "big5", "xmlcharrefreplace"),
}

# --- writing the sites ------------------------------------------------------------------------


def build_republished(target: Path, shared: Path) -> Republished:
    """Write the four sites into ``target``; return what each page is a copy of."""
    rng = random.Random(SEED)
    to_traditional = opencc.OpenCC("s2t")
    to_taiwan = opencc.OpenCC("s2twp")
    bases = load_bases(shared)
    # Site name -> list of (path, title, paragraphs, when, outlet, editor, group, kind).
    plans: dict[str, list[tuple[str, str, list[str], str, str, str, str, str]]] = {
        site: [] for site in LAYOUTS
    }
    for number, base in enumerate(bases, start=1):
        group = "base:" + base.key
        paragraphs = list(base.paragraphs)
        when = base.published_at
        day = when[:10].replace("-", "")
        plans["jinghua"].append(
            (
                "/news/%s/content_%04d.html" % (day[:6], number),
                base.title,
                paragraphs,
                when,
                base.outlet,
                rng.choice(EDITORS),
                group,
                "original",
            )
        )
        promo = "（本文来源：%s，燕赵在线转载请注明出处）" % base.outlet
        plans["yanzhao"].append(
            (
                "/system/%s/%06d.shtml" % (day, 5000 + number),
                base.title,
                _drop_middle(paragraphs) + [promo],
                when,
                base.outlet,
                rng.choice(EDITORS),
                group,
                "dropped_paragraph",
            )
        )
        plans["huaxia"].append(
            (
                "/doc/%d/%d.html" % (1000 + number, 70000 + 37 * number),
                to_traditional.convert(base.title) + " - 華夏新聞網",
                [to_traditional.convert(p) for p in _cut(paragraphs)],
                when,
                to_traditional.convert(base.outlet),
                to_traditional.convert(rng.choice(EDITORS)),
                group,
                "traditional_cut",
            )
        )
        if number % 2 == 0:
            plans["haihe"].append(
                (
                    "/%s/%s/t%s_%d.htm" % (day[:4], day[4:], day, 600 + number),
                    base.title,
                    _new_lead(paragraphs, base, rng),
                    when,
                    base.outlet,
                    rng.choice(EDITORS),
                    group,
                    "new_lead",
                )
            )
        else:
            plans["baodao"].append(
                (
                    "/news/story/%d/%d" % (7000 + number, 3300000 + 7 * number) + ".html",
                    to_taiwan.convert(base.title),
                    [to_taiwan.convert(p) for p in paragraphs],
                    when,
                    to_taiwan.convert(base.outlet),
                    to_taiwan.convert(rng.choice(EDITORS)),
                    group,
                    "taiwan_big5",
                )
            )
    # Related-but-different articles: a later part of a long text, with sentences spliced in.
    carriers = [base for base in bases if base.later_part]
    sites = list(LAYOUTS)
    for number, carrier in enumerate(carriers, start=1):
        site = sites[number % len(sites)]
        # Half share sentences with their own base text, half with the next base's.
        donor = carrier if number % 2 else bases[(bases.index(carrier) + 1) % len(bases)]
        paragraphs = _related(carrier, donor, rng)
        title = "%s（续）" % carrier.title[:20]
        if site in ("huaxia", "baodao"):
            convert = to_traditional if site == "huaxia" else to_taiwan
            paragraphs = [convert.convert(p) for p in paragraphs]
            title = convert.convert(title)
        plans[site].append(
            (
                "/news/related/r%03d.html" % number,
                title,
                paragraphs,
                carrier.published_at,
                carrier.outlet,
                rng.choice(EDITORS),
                "related:" + carrier.key,
                "related",
            )
        )

    result = Republished(target)
    for site, plan in plans.items():
        folder = target / site
        folder.mkdir(parents=True, exist_ok=True)
        layout = LAYOUTS[site]
        titles = [(path, title) for path, title, *_ in plan]
        pages: dict[str, str] = {}
        for index, (path, title, paragraphs, when, outlet, editor, group, kind) in enumerate(plan):
            related = [titles[(index + step) % len(titles)] for step in (1, 2, 3, 5, 8, 13)]
            pages[path] = layout(title, paragraphs, when, outlet, editor, related)
            result.pages.append(Page(site, path, group, title, kind))
        pages["/index.html"] = _index_page(site, [(p, t, w) for p, t, _, w, *_ in plan])
        charset, codec, errors = CHARSETS.get(site, ("utf-8", "utf-8", "strict"))
        if site == "huaxia" and all(_encodes(text, "big5") for text in pages.values()):
            charset, codec = "big5", "big5"
        for path, text in pages.items():
            text = text.replace("{charset}", charset)
            write_file(folder, path, text.encode(codec, errors=errors))
        write_site_toml(folder, "tests/republish.py", ['charset = "%s"' % charset])
        result.charsets[site] = charset
    return result


def _encodes(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def main() -> None:
    """Write the republishing sites into a folder given on the command line."""
    parser = argparse.ArgumentParser(description="Generate the republishing fixture sites.")
    parser.add_argument("folder", type=Path)
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared"
    )
    args = parser.parse_args()
    result = build_republished(args.folder, args.shared)
    for site, charset in result.charsets.items():
        count = sum(1 for page in result.pages if page.site == site)
        print("%s/%s: %d article pages, %s" % (args.folder, site, count, charset))


if __name__ == "__main__":
    main()
