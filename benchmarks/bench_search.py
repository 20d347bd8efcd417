"""Benchmark Chinese search through datasette's JSON API, and the weekly digest build.

Usage:
    python benchmarks/bench_search.py                    # 100,000 articles, digest of 5,000
    python benchmarks/bench_search.py --articles 1000000 # or: make bench-search ARTICLES=1000000
    python benchmarks/bench_search.py --articles 10000 --digest-articles 1000 --repeat 5
    python benchmarks/bench_search.py --db /data/bench.db  # build there once, reuse in place

1. Fills a fresh archive with ``--articles`` synthetic Chinese articles (bodies drawn from
   a vocabulary of Jing-Jin-Ji news words, ~800 characters) in rows like a real crawl's
   (``CrawlShape``): 210 sources on ~200 sites and ~400 outlets, each Zipf-skewed, a tenth
   policies with their header (issuer, 文号 …) and some with attachment files, a fifth
   found again on other sites (merged copies), a few undated or with damaged text. Each
   article is fingerprinted into the near-duplicate index, the search index built in
   bulk, batch by batch, and it prints the build time, what the archive holds and the bytes
   per article of the search index and of the near-duplicate index (via dbstat).
   With ``--db``, an archive already at that path is reused (opening it upgrades it).
2. Starts ``xietong serve`` on a free loopback port (a real HTTP server in a subprocess)
   and times two-character queries of high, medium and low frequency through
   ``/xietong/articles.json?_search=…``: rows only (``_shape=array``), the full table JSON
   with count and the six facets, and the canned ranked ``search`` query. Prints the median
   per query and overall.
3. Times the insert of articles one by one through ``Archive.store`` (the archive's
   writer indexes each through its Python triggers and the near-duplicate index), to show
   the per-article cost a crawl pays.
4. Builds the digest of a week holding ``--digest-articles`` articles in all four formats
   and prints the time.
Targets (issue 11, at 1,000,000 articles): every 2-character query < 50 ms rows only; the
table page with count and facets < 500 ms; search + near-duplicate index bytes per article
half of 4.4 KB + 2 KB; saving an article <= 2 ms; digest of 5,000 < 5 s.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import selectors
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.archive import Archive, article_id_for, open_database  # noqa: E402
from crawler.archive.near_duplicates import (  # noqa: E402
    RECENT_BANDS,
    RECENT_LIMIT,
    NearDuplicateIndex,
)
from crawler.archive.search_index import (  # noqa: E402
    index_articles_after,
    optimize_search_index,
    search_index_paused,
)
from crawler.items import Article  # noqa: E402
from crawler.settings import XIETONG_STORE_BATCH_SIZE  # noqa: E402
from crawler.text.fingerprint import LSH_BANDS, fingerprint, policy_key  # noqa: E402
from exports.digest import IsoWeek, load_digest, write_digest  # noqa: E402

CST = timezone(timedelta(hours=8))
WORDS = [
    "京津冀",
    "协同",
    "发展",
    "雄安",
    "新区",
    "产业",
    "转移",
    "交通",
    "一体化",
    "生态",
    "环境",
    "保护",
    "公共",
    "服务",
    "共建",
    "共享",
    "北京",
    "天津",
    "河北",
    "非首都",
    "功能",
    "疏解",
    "城市",
    "副中心",
    "通州",
    "高质量",
    "创新",
    "科技",
    "园区",
    "企业",
    "项目",
    "投资",
    "合作",
    "协议",
    "签约",
    "推进",
    "落实",
    "政策",
    "改革",
    "开放",
    "港口",
    "物流",
    "铁路",
    "高速",
    "轨道",
    "通勤",
    "医疗",
    "教育",
    "养老",
    "就业",
    "人才",
    "数字",
    "经济",
    "制造业",
    "新能源",
    "氢能",
    "钢铁",
    "化工",
    "农业",
    "旅游",
    "文化",
    "体育",
    "冬奥",
    "张家口",
    "承德",
    "保定",
    "唐山",
    "廊坊",
    "沧州",
    "石家庄",
    "邯郸",
    "衡水",
    "邢台",
    "秦皇岛",
    "滨海",
    "自贸区",
    "营商",
    "环境",
    "审批",
    "标准",
    "互认",
    "联防",
    "联控",
    "大气",
    "治理",
    "水源",
    "涵养",
    "绿色",
    "低碳",
    "碳中和",
    "示范",
    "试点",
    "会议",
    "召开",
    "部署",
    "要求",
    "强调",
    "指出",
    "表示",
    "介绍",
    "记者",
    "了解",
    "目前",
    "今年",
    "以来",
    "同比",
    "增长",
    "亿元",
    "万人",
    "重点",
    "任务",
]
PUNCTUATION = "，。、；"
# Two-character queries from frequent to rare in the synthetic text.
QUERIES = ("协同", "發展", "雄安", "產業", "交通", "氢能", "冬奥", "邢台", "涵养", "晴天")
TOPICS = ("产业", "交通", "生态", "公共服务", "科技创新", "雄安")
REGIONS = ("北京", "天津", "河北", "雄安", "京津冀")
# The crawl's shape, as a real one spreads it: sources (one site each, a few sites with a
# news and a policy column), outlets (来源) and policy issuers, each used Zipf-skewed.
# One crawl for every article the benchmark writes (the archive, the saves, the digest's week).
SHAPE_SEED = 20240224
NEWS_SOURCES = 150
POLICY_SOURCES = 60
OUTLETS = 400
ISSUERS = 120
PLACES = (
    "北京",
    "天津",
    "河北",
    "石家庄",
    "唐山",
    "秦皇岛",
    "邯郸",
    "邢台",
    "保定",
    "张家口",
    "承德",
    "沧州",
    "廊坊",
    "衡水",
    "雄安",
    "通州",
    "滨海",
    "朝阳",
    "海淀",
    "丰台",
    "大兴",
    "顺义",
    "武清",
    "宝坻",
    "蓟州",
    "定州",
    "辛集",
    "涿州",
    "三河",
    "固安",
    "正定",
    "迁安",
    "遵化",
    "任丘",
    "黄骅",
    "霸州",
    "香河",
    "怀来",
    "丰宁",
    "滦州",
)
NEWS_SITE_KINDS = ("新闻网", "日报", "广播电视台", "在线", "新闻", "融媒")
GOVERNMENT_SITE_KINDS = ("市人民政府", "区人民政府", "发展和改革委员会", "省人民政府")
OUTLET_KINDS = (
    "日报",
    "晚报",
    "新闻网",
    "融媒体中心",
    "广播电视台",
    "商报",
    "发布",
    "在线",
    "都市报",
    "人民政府",
    "发展和改革委员会",
    "工业和信息化局",
    "生态环境局",
    "交通运输局",
)
# National outlets lead the ranking (republished most); some outlets print their name in
# traditional script, one of them in both scripts (one entry once simplified).
NATIONAL_OUTLETS = (
    "新华社",
    "人民网",
    "新华网",
    "中国新闻网",
    "经济日报",
    "光明日报",
    "央视新闻",
    "中国日报网",
    "北京日报",
    "天津日报",
    "河北日报",
    "长城网",
    "中国能源报",
    "科技日报",
    "工人日报",
)
TRADITIONAL_OUTLETS = {
    "中國能源報": "中国能源报",
    "中評網": "中评网",
    "大公報": "大公报",
    "文匯報": "文汇报",
    "香港商報": "香港商报",
    "星島日報": "星岛日报",
    "經濟日報": "经济日报",
}
AGENCIES = (
    "人民政府",
    "人民政府办公厅",
    "发展和改革委员会",
    "工业和信息化厅",
    "财政厅",
    "生态环境厅",
    "交通运输厅",
    "科学技术厅",
    "住房和城乡建设厅",
    "商务厅",
)
DOC_PREFIXES = ("冀政", "冀政办", "京政", "京政办", "津政", "津政办", "冀发改", "京发改", "津发改")
DOC_TYPES = ("发", "字", "函", "规")
VALIDITY = ("有效", "有效", "有效", "有效", "失效", "废止", None)
POLICY_TOPICS = ("综合政务", "国民经济管理", "城乡建设", "交通运输", "环境保护", "科技", "工业")
ATTACHMENT_TYPES = (
    ("pdf", "application/pdf"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
)
# Shares of the archive: policies, articles with merged copies elsewhere, policies with
# attachment files, pages without a date, damaged text, articles with no outlet.
POLICY_SHARE = 0.1
COPIED_SHARE = 0.2
ATTACHED_SHARE = 0.15
UNDATED_SHARE = 0.02
REPAIRED_SHARE = 0.01
MOJIBAKE_SHARE = 0.004
NO_OUTLET_SHARE = 0.08
STARTUP_LIMIT_SECONDS = 300
FILLER_WORDS = 20_000
DOMAIN_DRAWS = 12
# Articles inserted, indexed and committed together while the archive is built.
BATCH = 5000
# Saves made before the timed ones (see bench_saves).
WARM_UP_SAVES = 20


class TextGenerator:
    """Chinese-looking text with realistic word frequencies.

    Filler words follow Zipf's law over FILLER_WORDS pseudo-words made of common-range
    characters; each article also draws DOMAIN_DRAWS words from WORDS, Zipf-weighted by their
    position, so 京津冀/协同 are in most articles, 雄安 in many, 涵养 in few, 晴天 in none.
    Every text is drawn afresh (numpy draws the word numbers), so two articles share words,
    never passages: a new article is not a near-duplicate of an archived one.
    """

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.draws = np.random.default_rng(rng.randrange(2**32))
        characters = [chr(code) for code in range(0x4E00, 0x6FFF)]
        filler = [
            "".join(rng.choices(characters, k=rng.choice((1, 2, 2, 2, 3))))
            for _ in range(FILLER_WORDS)
        ]
        # Every eighth word carries a punctuation mark, as the text needs about that many.
        self.filler = np.array(filler, dtype=object)
        self.punctuated = np.array(
            [word + rng.choice(PUNCTUATION) for word in filler], dtype=object
        )
        weights = np.array([1 / rank for rank in range(1, FILLER_WORDS + 1)])
        self.filler_weights = weights / weights.sum()
        self.domain_weights = _cumulative([1 / rank for rank in range(1, len(WORDS) + 1)])

    def text(self, characters: int) -> str:
        count = max(characters // 2, 1)
        numbers = self.draws.choice(FILLER_WORDS, size=count, p=self.filler_weights)
        words = list(self.filler[numbers])
        words[7::8] = list(self.punctuated[numbers[7::8]])
        domain = self.rng.choices(WORDS, cum_weights=self.domain_weights, k=DOMAIN_DRAWS)
        for word in domain:
            words.insert(self.rng.randrange(len(words) + 1), word)
        return "".join(words)[:characters]


def _cumulative(weights: list[float]) -> list[float]:
    total = 0.0
    cumulative = []
    for weight in weights:
        total += weight
        cumulative.append(total)
    return cumulative


def _zipf(count: int, exponent: float = 1.0) -> list[float]:
    """Return cumulative Zipf weights of ``count`` ranks (for ``random.choices``)."""
    return _cumulative([1 / rank**exponent for rank in range(1, count + 1)])


@dataclass(frozen=True)
class Source:
    """One configured source of the synthetic crawl: its name, its site and what it posts."""

    name: str
    site: str
    host: str
    kind: str


class CrawlShape:
    """The sources, sites, outlets and issuers of a synthetic crawl, and how often each is used.

    News comes from NEWS_SOURCES sources and policies from POLICY_SOURCES government
    sources, each Zipf-skewed (a few big sites, a long tail); a tenth of the government
    sources are a news site's policy column instead (one site, two sources). Outlets are
    national ones first, then a place's paper, station or bureau, some in traditional
    script; issuers are a place's government or department.
    """

    def __init__(self, rng: random.Random):
        news_sites = rng.sample(
            sorted(place + suffix for place in PLACES for suffix in NEWS_SITE_KINDS),
            NEWS_SOURCES,
        )
        news = [
            Source("news%03d" % n, site, "n%03d.bench.example" % n, "news")
            for n, site in enumerate(news_sites)
        ]
        government_sites = rng.sample(
            sorted(place + suffix for place in PLACES for suffix in GOVERNMENT_SITE_KINDS),
            POLICY_SOURCES,
        )
        policy = [
            Source("gov%03d" % n, site, "g%03d.bench.example" % n, "policy")
            for n, site in enumerate(government_sites)
        ]
        # Every tenth government source is a news site's policy column instead.
        for n in range(9, POLICY_SOURCES, 10):
            policy[n] = Source(news[n].name + "-policy", news[n].site, news[n].host, "policy")
        self.sources = {"news": news, "policy": policy}
        self.source_weights = {kind: _zipf(len(items), 0.9) for kind, items in self.sources.items()}
        local = {place + kind for place in PLACES for kind in OUTLET_KINDS}
        local -= set(NATIONAL_OUTLETS)
        outlets = list(NATIONAL_OUTLETS) + rng.sample(
            sorted(local), OUTLETS - len(NATIONAL_OUTLETS) - len(TRADITIONAL_OUTLETS)
        )
        # The traditional names spread over the ranking, not all at its tail.
        for name in TRADITIONAL_OUTLETS:
            outlets.insert(rng.randrange(len(NATIONAL_OUTLETS), len(outlets)), name)
        self.outlets = outlets
        self.outlet_weights = _zipf(len(outlets), 1.05)
        issuers = sorted({place + agency for place in PLACES for agency in AGENCIES})
        self.issuers = rng.sample(issuers, ISSUERS)
        self.issuer_weights = _zipf(len(self.issuers), 0.9)

    def source(self, rng: random.Random, kind: str) -> Source:
        """Draw the source of a new article of ``kind``."""
        return rng.choices(self.sources[kind], cum_weights=self.source_weights[kind])[0]

    def outlet(self, rng: random.Random, kind: str, source: Source) -> str | None:
        """Draw an article's outlet: a policy's is mostly its site's government."""
        if rng.random() < NO_OUTLET_SHARE:
            return None
        if kind == "policy" and rng.random() < 0.7:
            return source.site
        return rng.choices(self.outlets, cum_weights=self.outlet_weights)[0]

    def issuer(self, rng: random.Random) -> str:
        """Draw a policy's issuer (发文机关)."""
        return rng.choices(self.issuers, cum_weights=self.issuer_weights)[0]


def article_row(
    rng: random.Random,
    texts: TextGenerator,
    crawl: CrawlShape,
    number: int,
    published: datetime,
    kind: str | None = None,
) -> dict[str, Any]:
    kind = kind or ("policy" if rng.random() < POLICY_SHARE else "news")
    source = crawl.source(rng, kind)
    body = texts.text(max(int(rng.gauss(800, 200)), 100))
    title = texts.text(rng.randint(10, 24))
    url = "https://%s/a/%d.html" % (source.host, number)
    fetched = (published + timedelta(minutes=rng.randrange(1, 6 * 60))).isoformat()
    outlet = crawl.outlet(rng, kind, source)
    draw = rng.random()
    quality = (
        "mojibake"
        if draw < MOJIBAKE_SHARE
        else "repaired"
        if draw < MOJIBAKE_SHARE + REPAIRED_SHARE
        else "ok"
    )
    return {
        "id": article_id_for(url),
        "title": title,
        "title_simplified": title,
        "body": body,
        "body_simplified": body,
        "published_at": None
        if rng.random() < UNDATED_SHARE
        else published.isoformat(timespec="seconds"),
        "site": source.site,
        "outlet": outlet,
        "outlet_simplified": TRADITIONAL_OUTLETS.get(outlet, outlet) if outlet else None,
        "kind": kind,
        "script": "hans",
        "text_quality": quality,
        "topics": json.dumps(rng.sample(TOPICS, rng.randint(0, 2)), ensure_ascii=False),
        "regions": json.dumps(rng.sample(REGIONS, rng.randint(0, 2)), ensure_ascii=False),
        "url": url,
        "source": source.name,
        "first_seen_at": fetched,
        "last_seen_at": fetched,
        "text_hash": url,
        "body_length": len(body),
        "appearance_count": 1,
    }


def copies_of(rng: random.Random) -> int:
    """Draw how many pages an article was found on: mostly one, a fifth two to six."""
    if rng.random() >= COPIED_SHARE:
        return 1
    copies = 2
    while copies < 6 and rng.random() < 0.35:
        copies += 1
    return copies


def appearance_rows(
    rng: random.Random, crawl: CrawlShape, row: dict[str, Any], copies: int
) -> list[dict[str, Any]]:
    """Return the article's pages: its first, then merged copies on other sources' sites."""
    rows = []
    first = datetime.fromisoformat(row["first_seen_at"])
    reasons = ("same_text", "same_text", "near_duplicate") + (
        ("same_policy",) * 3 if row["kind"] == "policy" else ()
    )
    for copy in range(copies):
        if copy == 0:
            source, url, fetched = None, row["url"], row["first_seen_at"]
        else:
            # Republished by news sites, policies also by other governments' sites.
            source = crawl.source(rng, rng.choice(("news", row["kind"])))
            url = "https://%s/c/%s-%d.html" % (source.host, row["id"][:12], copy)
            fetched = (first + timedelta(minutes=rng.randrange(10, 3 * 24 * 60))).isoformat()
        rows.append(
            {
                "url": url,
                "article_id": row["id"],
                "site": row["site"] if source is None else source.site,
                "source": row["source"] if source is None else source.name,
                "title": row["title"],
                "published_at": row["published_at"],
                "script": "hans",
                "fetched_at": fetched,
                "is_first": 1 if copy == 0 else 0,
                "match_reason": None if copy == 0 else rng.choice(reasons),
                "text_hash": row["text_hash"],
            }
        )
    return rows


def policy_row(rng: random.Random, crawl: CrawlShape, row: dict[str, Any]) -> dict[str, Any]:
    """Return the policy header of a policy article: issuer, 文号, 索引号, dates, 有效性."""
    issuer = crawl.issuer(rng)
    published = row["published_at"] or row["first_seen_at"]
    year = published[:4]
    doc_number = "%s%s〔%s〕%d号" % (
        rng.choice(DOC_PREFIXES),
        rng.choice(DOC_TYPES),
        year,
        rng.randint(1, 160),
    )
    written = datetime.fromisoformat(published) - timedelta(days=rng.randint(0, 20))
    co_issuers = (
        [crawl.issuer(rng) for _ in range(rng.randint(1, 3))] if rng.random() < 0.05 else []
    )
    return {
        "article_id": row["id"],
        "index_number": "%09d/%s-%05d" % (rng.randrange(10**9), year, rng.randrange(1, 20000)),
        "issuer": issuer,
        "co_issuers": json.dumps(
            [name for name in co_issuers if name != issuer], ensure_ascii=False
        )
        if co_issuers
        else None,
        "doc_number": doc_number,
        "written_at": written.date().isoformat(),
        "published_at": published[:10],
        "topic": rng.choice(POLICY_TOPICS),
        "validity": rng.choice(VALIDITY),
        "attachments": None,
        "policy_key": policy_key(issuer, doc_number),
    }


def attachment_rows(
    rng: random.Random, texts: TextGenerator, row: dict[str, Any], policy: dict[str, Any]
) -> list[dict[str, Any]]:
    """Return one to three attachment files of a policy (a tenth unreadable), and list them."""
    rows = []
    for number in range(1, rng.choice((1, 1, 2, 3)) + 1):
        extension, content_type = rng.choice(ATTACHMENT_TYPES)
        url = "%s.files/%d.%s" % (row["url"].rsplit(".", 1)[0], number, extension)
        failed = rng.random() < 0.1
        text = None if failed else texts.text(max(int(rng.gauss(600, 200)), 80))
        rows.append(
            {
                "article_id": row["id"],
                "url": url,
                "file_name": "附件%d：%s.%s" % (number, texts.text(rng.randint(6, 14)), extension),
                "content_type": content_type,
                "bytes": rng.randint(20_000, 2_000_000),
                "sha256": "%064x" % rng.getrandbits(256),
                "fetched_at": row["first_seen_at"],
                "error": "unreadable" if failed else None,
                "text": text,
            }
        )
    policy["attachments"] = json.dumps([file["url"] for file in rows])
    return rows


def fill_archive(path: Path, count: int, seed: int) -> float:
    rng = random.Random(seed)
    texts = TextGenerator(rng)
    crawl = CrawlShape(random.Random(SHAPE_SEED))
    start = datetime(2023, 1, 1, tzinfo=CST)
    db = open_database(path)
    near_duplicates = NearDuplicateIndex(db.conn)
    began = time.perf_counter()
    # Indexed batch by batch, each committed: one rebuild of a million articles in one
    # transaction grows the write-ahead log to many gigabytes.
    indexed = 0
    with search_index_paused(db, rebuild=False):
        batch: list[dict[str, Any]] = []
        appearances: list[dict[str, Any]] = []
        policies: list[dict[str, Any]] = []
        attachments: list[dict[str, Any]] = []
        for number in range(count):
            published = start + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
            row = article_row(rng, texts, crawl, number, published)
            pages = appearance_rows(rng, crawl, row, copies_of(rng))
            row["appearance_count"] = len(pages)
            row["last_seen_at"] = max(page["fetched_at"] for page in pages)
            batch.append(row)
            appearances.extend(pages)
            if row["kind"] == "policy":
                policy = policy_row(rng, crawl, row)
                if rng.random() < ATTACHED_SHARE:
                    attachments.extend(attachment_rows(rng, texts, row, policy))
                policies.append(policy)
            found = fingerprint(row["body_simplified"])
            near_duplicates.add(row["id"], found.signature, found.length)
            if len(batch) == BATCH or number == count - 1:
                db.table("articles").insert_all(batch, pk="id")
                db.table("appearances").insert_all(appearances, pk="url")
                db.table("policies").insert_all(policies, pk="article_id")
                db.table("attachments").insert_all(attachments, pk=("article_id", "url"))
                indexed = index_articles_after(db, indexed)
                db.conn.commit()
                batch, appearances, policies, attachments = [], [], [], []
                if (number + 1) % (20 * BATCH) == 0:
                    print("  %d articles in %.0f s" % (number + 1, time.perf_counter() - began))
    optimize_search_index(db)
    db.conn.commit()
    db.execute("analyze")
    db.conn.commit()
    elapsed = time.perf_counter() - began
    db.close()
    return elapsed


def archive_shape(path: Path) -> str:
    """Return a line on what the archive holds: pages, policies, attachments, sites, outlets."""
    db = open_database(path)
    counts = [
        db.execute(sql).fetchone()[0]
        for sql in (
            "select count(*) from appearances",
            "select count(*) from policies",
            "select count(*) from attachments",
            "select count(*) from source_summaries where pages > 0",
            "select count(distinct site) from appearances",
            "select count(distinct outlet_simplified) from articles",
        )
    ]
    db.close()
    return (
        "%d pages (appearances), %d policies, %d attachments, %d sources, %d sites,"
        " %d outlets" % tuple(counts)
    )


def index_bytes(path: Path) -> tuple[int, int, int]:
    """Return (articles, search index bytes, near-duplicate index bytes) of the archive."""
    db = open_database(path)
    (articles,) = db.execute("select count(*) from articles").fetchone()
    (search,) = db.execute(
        "select sum(pgsize) from dbstat where name like 'articles_search%'"
    ).fetchone()
    (near,) = db.execute(
        "select sum(pgsize) from dbstat where name in (select name from sqlite_master"
        " where tbl_name in ('fingerprints', 'fingerprint_bands', 'fingerprint_bands_recent',"
        " 'fingerprint_bands_merged', 'fingerprint_bands_filter'))"
    ).fetchone()
    db.close()
    return int(articles), int(search or 0), int(near or 0)


def start_server(path: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler", "serve", "--db", str(path), "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
    while time.monotonic() < deadline and selector.select(timeout=deadline - time.monotonic()):
        line = process.stdout.readline()
        if not line:
            break
        match = re.search(r"serving .* at (http://\S+)", line)
        if match:
            return process, match.group(1)
    process.kill()
    raise SystemExit("xietong serve did not start")


def time_queries(
    client: httpx.Client, url: str, extra: dict[str, str], repeat: int, parameter: str
) -> dict[str, tuple[float, int]]:
    results = {}
    for query in QUERIES:
        params = {parameter: query, **extra}
        client.get(url, params=params).raise_for_status()  # warm the page cache for this query
        timings = []
        matches = 0
        for _ in range(repeat):
            began = time.perf_counter()
            response = client.get(url, params=params)
            timings.append((time.perf_counter() - began) * 1000)
            response.raise_for_status()
            if "json" not in response.headers.get("content-type", ""):
                found = re.search(r"([\d,]+) rows? where", response.text)
                matches = int(found.group(1).replace(",", "")) if found else 0
                continue
            body = response.json()
            matches = (
                len(body) if isinstance(body, list) else body.get("filtered_table_rows_count", 0)
            )
        results[query] = (statistics.median(timings), matches)
    return results


# The pages an analyst opens most, as a browser asks for them; timed with curl.
COMMON_WORDS = ("协同", "發展", "京津")
CANNED_PAGES: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("canned source_health (HTML)", "/source_health", {}),
    ("canned source_health (JSON)", "/source_health.json", {"_shape": "array"}),
    ("canned policy_announcements_this_week", "/policy_announcements_this_week", {}),
    (
        "canned articles_by_topic_and_region, 产业 + 北京",
        "/articles_by_topic_and_region",
        {"topic": "产业", "region": "北京"},
    ),
    (
        "canned articles_by_topic_and_region, 营商环境 + 衡水 (rare)",
        "/articles_by_topic_and_region",
        {"topic": "营商环境", "region": "衡水"},
    ),
    ("canned search, 雄安 (HTML)", "/search", {"q": "雄安"}),
    ("the database page", "", {}),
    ("the articles table page, no search", "/articles", {}),
    ("the policies table page", "/policies", {}),
    ("the attachments table page", "/attachments", {}),
)


def curl_milliseconds(url: str, params: dict[str, str]) -> float:
    """Fetch ``url`` once with curl, as a browser would, and return curl's total time in ms."""
    command = ["curl", "-sS", "-G", "-o", "/dev/null", "-w", "%{http_code} %{time_total}"]
    for name, value in params.items():
        command += ["--data-urlencode", "%s=%s" % (name, value)]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    status, seconds = done.stdout.split()
    if status != "200":
        raise SystemExit("curl %s %s: HTTP %s" % (url, params, status))
    return float(seconds) * 1000


def time_pages(url: str, repeat: int) -> list[tuple[str, float, float]]:
    """Return (page, median ms, worst ms) of ``repeat`` curl requests per page, after one."""
    pages: list[tuple[str, str, dict[str, str]]] = []
    for query in QUERIES:
        pages.append(
            ("rows only, %s" % query, "/articles.json", {"_search": query, "_shape": "array"})
        )
    for word in COMMON_WORDS:
        pages.append(
            ("table JSON, count + 6 facets, %s" % word, "/articles.json", {"_search": word})
        )
        pages.append(("table page as HTML, %s" % word, "/articles", {"_search": word}))
    pages.extend(CANNED_PAGES)
    results = []
    for label, page, params in pages:
        curl_milliseconds(url + page, params)  # the first request reads the pages into the cache
        timings = [curl_milliseconds(url + page, params) for _ in range(repeat)]
        results.append((label, statistics.median(timings), max(timings)))
    return results


def bench_saves(
    path: Path, count: int, seed: int, near_duplicates: bool, batch_size: int = 1
) -> float:
    """Return ms per article stored through ``Archive.store``, ``batch_size`` a commit."""
    archive = Archive(open_database(path), batch_size=batch_size)
    # New numbers (so new URLs) on every run: each save adds one appearance, merged or not.
    (first,) = archive.db.execute("select count(*) from appearances").fetchone()
    # Texts drawn from a seed the archive's size changes too: a run on a reused archive
    # saves new articles, not copies of the ones the last run saved (which would merge).
    rng = random.Random(seed * 1_000_003 + first)
    texts = TextGenerator(rng)
    crawl = CrawlShape(random.Random(SHAPE_SEED))
    rows = [
        article_row(
            rng, texts, crawl, 10_000_000 + first + number, datetime(2024, 3, 1, tzinfo=CST)
        )
        for number in range(count + WARM_UP_SAVES)
    ]
    count += WARM_UP_SAVES
    prints = [fingerprint(row["body"]) if near_duplicates else None for row in rows]
    articles = [
        Article(
            url=row["url"],
            source=row["source"],
            fetched_at=row["first_seen_at"],
            kind=row["kind"],
            site=row["site"],
            outlet=row["outlet"],
            outlet_simplified=row["outlet_simplified"],
            title=row["title"],
            text=row["body"],
            title_simplified=row["title"],
            text_simplified=row["body"],
            published_at=row["published_at"],
            text_quality=row["text_quality"],
            script="hans",
            canonical_url=row["url"],
            text_hash=row["text_hash"],
            signature=found.signature if found else None,
            signature_length=found.length if found else 0,
        )
        for row, found in zip(rows, prints, strict=True)
    ]
    # The first saves of a crawl read what stays in memory for the rest of it (the archived
    # policies the citation matcher knows): paid once a crawl, not timed here.
    for article in articles[:WARM_UP_SAVES]:
        archive.store(article)
    archive.commit()
    began = time.perf_counter()
    for article in articles[WARM_UP_SAVES:]:
        archive.store(article)
    archive.commit()
    elapsed = time.perf_counter() - began
    archive.close()
    return elapsed / (count - WARM_UP_SAVES) * 1000


def bench_move(path: Path) -> tuple[int, float]:
    """Move the waiting near-duplicate band rows into the big table; return (articles, s)."""
    db = open_database(path)
    (rows,) = db.execute("select count(*) from %s" % RECENT_BANDS).fetchone()
    began = time.perf_counter()
    NearDuplicateIndex(db.conn).move_recent()
    db.conn.commit()
    elapsed = time.perf_counter() - began
    db.close()
    return rows // LSH_BANDS, elapsed


def bench_digest(path: Path, count: int, seed: int, out_dir: Path) -> tuple[float, int]:
    rng = random.Random(seed)
    texts = TextGenerator(rng)
    crawl = CrawlShape(random.Random(SHAPE_SEED))
    week = IsoWeek.parse("2024-W08")
    monday = datetime.combine(week.monday, datetime.min.time(), CST)
    db = open_database(path)
    with search_index_paused(db):
        rows = []
        appearances = []
        for number in range(count):
            row = article_row(
                rng, texts, crawl, number, monday + timedelta(minutes=rng.randrange(7 * 24 * 60))
            )
            pages = appearance_rows(rng, crawl, row, rng.choice((1, 1, 2, 3)))
            row["appearance_count"] = len(pages)
            rows.append(row)
            appearances.extend(pages)
        db.table("articles").insert_all(rows, pk="id")
        db.table("appearances").insert_all(appearances, pk="url")
    db.conn.commit()
    began = time.perf_counter()
    digest = load_digest(db, week)
    write_digest(digest, out_dir)
    elapsed = time.perf_counter() - began
    db.close()
    return elapsed, len(digest.entries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="archive size to build")
    parser.add_argument("--digest-articles", type=int, default=5_000)
    parser.add_argument(
        "--saves", type=int, default=1000, help="articles saved one by one through the triggers"
    )
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per query")
    parser.add_argument(
        "--curl-repeat", type=int, default=10, help="timed curl requests per analyst page"
    )
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="time the pages only: no saves, band move or digest (the archive is not written)",
    )
    parser.add_argument("--seed", type=int, default=20240224)
    parser.add_argument(
        "--db",
        type=Path,
        help="build the archive at this path, or reuse the one already there (in place)",
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows when piped

    with tempfile.TemporaryDirectory(prefix="xietong-bench-search-") as temporary:
        directory = Path(temporary)
        path = args.db or directory / "xietong.db"
        if path.exists():
            print("archive: reusing %s" % path)
        else:
            build_seconds = fill_archive(path, args.articles, args.seed)
            print(
                "archive: %d synthetic articles built and indexed in %.1f s"
                % (args.articles, build_seconds)
            )
        print("archive: %s" % archive_shape(path))
        articles, search, near = index_bytes(path)
        print(
            "index bytes per article over %d articles: search %.0f, near-duplicate %.0f,"
            " total %.0f; archive file %.1f MB"
            % (
                articles,
                search / max(articles, 1),
                near / max(articles, 1),
                (search + near) / max(articles, 1),
                path.stat().st_size / 1e6,
            )
        )

        process, url = start_server(path)
        try:
            with httpx.Client(timeout=60) as client:
                for label, page, parameter, extra, target in (
                    (
                        "rows only (_shape=array, a page of 50 rows)",
                        "/articles.json",
                        "_search",
                        {"_shape": "array"},
                        " (target < 50 ms)",
                    ),
                    (
                        "full table JSON (count + 6 facets)",
                        "/articles.json",
                        "_search",
                        {},
                        " (target < 500 ms)",
                    ),
                    (
                        "the table page in a browser (HTML: count, 6 facets, leads)",
                        "/articles",
                        "_search",
                        {},
                        " (target < 500 ms)",
                    ),
                    (
                        "canned ranked search (title hits first, then newest; 100 rows)",
                        "/search.json",
                        "q",
                        {"_shape": "array"},
                        "",
                    ),
                ):
                    results = time_queries(client, url + page, extra, args.repeat, parameter)
                    print("\n2-character queries, %s:" % label)
                    for query, (median, matches) in results.items():
                        print("  %s  median %7.1f ms  (%s matches)" % (query, median, matches))
                    overall = statistics.median(median for median, _ in results.values())
                    print("  median over queries: %.1f ms%s" % (overall, target))
            print(
                "\npages as a browser gets them (curl, %d requests each after one;"
                " target < 300 ms median, < 500 ms worst):" % args.curl_repeat
            )
            for label, median, worst in time_pages(url, args.curl_repeat):
                flag = "" if median < 300 and worst < 500 else "  <- over target"
                print("  %-58s median %7.1f ms  worst %7.1f ms%s" % (label, median, worst, flag))
        finally:
            process.terminate()
            process.wait(timeout=30)

        if args.pages_only:
            return
        # A crawl commits XIETONG_STORE_BATCH_SIZE articles at a time; one commit an article
        # is the worst case (a trickle of single pages).
        for offset, (near_duplicates, batch_size) in enumerate(
            ((True, XIETONG_STORE_BATCH_SIZE), (True, 1), (False, XIETONG_STORE_BATCH_SIZE))
        ):
            per_save = bench_saves(
                path, args.saves, args.seed + 10 + offset, near_duplicates, batch_size
            )
            print(
                "Archive.store, %s, %s: %.2f ms per article (~800 characters; target <= 2 ms)"
                % (
                    "near-duplicates on" if near_duplicates else "near-duplicates off",
                    "a commit every %d articles (the crawl's batch)" % batch_size
                    if batch_size > 1
                    else "a commit every article",
                    per_save,
                )
            )

        moved, move_seconds = bench_move(path)
        print(
            "moving the waiting near-duplicate bands of %d articles into the big table: %.1f s"
            " (one move every %d articles; most of its cost is rewriting the big table's"
            " pages, whatever the articles moved)" % (moved, move_seconds, RECENT_LIMIT)
        )

        digest_seconds, entries = bench_digest(
            directory / "digest.db", args.digest_articles, args.seed + 2, directory / "digests"
        )
        print(
            "digest of a week with %d articles, all four formats: %.2f s (target < 5 s)"
            % (entries, digest_seconds)
        )


if __name__ == "__main__":
    main()
