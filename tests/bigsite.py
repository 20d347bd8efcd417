"""Generate ``bigsite``: a news portal of hundreds of distinct Chinese article pages.

The distributed-crawl test and benchmark need a site large enough that two workers share
it; the bundled demo sites are a handful of pages each. The pages are built from seeded
random choices (same arguments, same bytes), so a run is repeatable, and each article's
text differs enough from every other that deduplication keeps them apart. The site is
written into a temporary folder at test time, never into the fixture sites that the demo
and the other end-to-end tests serve.

Layout: ``/index.html`` links every listing page ``/list_N.html``; each listing page links
``PER_LISTING`` articles ``/news/YYYYMM/tNNNNN.html``; article pages carry the usual chrome
(navigation, breadcrumbs, share bar, related links, footer).

Run ``python -m tests.bigsite FOLDER --pages 500`` to write one by hand.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the repository root holds the tests package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fixtures.page_builder import (  # noqa: E402
    LINK_ITEM,
    link_items,
    write_file,
    write_site_toml,
)

SITE_NAME = "京畿协同网"
PER_LISTING = 20
CITIES = (
    "北京",
    "天津",
    "石家庄",
    "雄安新区",
    "唐山",
    "保定",
    "廊坊",
    "张家口",
    "承德",
    "沧州",
    "邯郸",
    "邢台",
    "衡水",
    "秦皇岛",
)
FIELDS = (
    "交通一体化",
    "生态环境联防联治",
    "产业转移承接",
    "科技成果转化",
    "公共服务共建共享",
    "医疗协作",
    "教育合作",
    "文旅融合",
    "现代物流",
    "数字经济",
    "氢能产业",
    "现代农业",
)
ORGS = (
    "发展改革委",
    "工业和信息化局",
    "科技局",
    "生态环境局",
    "交通运输局",
    "商务局",
    "卫生健康委",
    "教育局",
    "文化和旅游局",
    "农业农村局",
)
OUTLETS = ("河北日报", "天津日报", "北京日报", "新华社", "人民网", "长城网", "经济日报")
ACTIONS = (
    "签署合作协议",
    "召开联席会议",
    "启动联合攻关",
    "发布行动方案",
    "举办推介活动",
    "开展专项督导",
    "建成示范项目",
    "设立协同基金",
)
SENTENCES = (
    "{date}，{city_a}与{city_b}两地{org}在{city_b}{action}，围绕{field}明确了{n1}项重点任务。",
    "据介绍，今年以来两地共推进{field}项目{n1}个，完成投资{n2}亿元，同比增长{pct}%。",
    "“{field}是协同发展的重要抓手，我们将进一步完善对接机制。”{city_a}{org}有关负责人表示。",
    "{city_b}方面将在{n1}个月内完成首批{n3}家企业的对接工作，并同步建立问题清单和责任清单。",
    "截至{month}底，{city_a}已有{n3}家企业在{city_b}设立分支机构，带动就业{n4}人。",
    "在{field}领域，三地已联合制定标准{n1}项，互认检测结果{n3}项，企业办事时间平均缩短{pct}%。",
    "下一步，{city_a}将加快{field}重点项目建设，力争年底前形成一批可复制、可推广的经验。",
    "会上，{city_b}介绍了{field}方面的最新进展，双方就{n1}个合作事项逐项进行了对接。",
    "{city_a}{org}相关负责人介绍，已累计协调解决企业诉求{n4}件，办结率达到{pct}%。",
    "与会代表认为，要以{field}为突破口，推动资源要素在{city_a}、{city_b}之间顺畅流动。",
    "据统计，{month}以来，{city_a}至{city_b}方向日均通行车辆{n4}辆次，较去年同期增加{pct}%。",
    "此次{action}共涉及{n3}家单位，预计带动社会投资{n2}亿元，新增产值{n4}万元。",
    "为保障项目落地，{city_b}专门组建了{n1}个工作专班，实行“一企一策”跟踪服务。",
    "{city_a}{org}表示，将把{field}纳入年度重点工作，每季度通报一次进展情况。",
    "业内人士分析，{field}的持续推进将为区域高质量发展注入新动能。",
    "记者在现场看到，{city_b}的{field}示范区内，{n1}条生产线正在满负荷运转。",
    "{person}是{project}的项目负责人，他告诉记者，项目一期已于{month}投产，二期正在加紧施工。",
    "走进{project}，{n3}台设备整齐排列，{person}正和同事调试一条新上线的{field}生产线。",
    "{project}总投资{n2}亿元，建成后年产值可达{n4}万元，可吸纳{n3}人就业。",
    "“过去跑一趟审批要{n1}天，现在{n1}个小时就能办完。”{project}负责人{person}说。",
    "{city_b}{org}将{project}列为今年的重点帮扶对象，派出{n1}名干部驻点服务。",
    "按照计划，{project}将在{n1}个月内完成主体工程，力争明年{month}前全面投用。",
    "{person}介绍，{project}的产品{pct}%销往京津两地，物流时间比过去缩短了一半。",
    "围绕{project}，{city_a}和{city_b}还将共建{n1}个实验室和{n3}个实训基地。",
    "在{project}的展厅里，一块大屏实时显示着{city_a}、{city_b}两地{n3}家企业的订单数据。",
    "{person}坦言，{field}项目起步时遇到不少困难，两地协调机制发挥了关键作用。",
    "目前，{project}已与{n3}家京津企业建立配套关系，本地配套率提高到{pct}%。",
    "{city_a}{org}把{project}作为{field}的样板，计划年内再推广{n1}个同类项目。",
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红玉兰海波宁晨晓东雪梅鹏飞新宇浩然子涵欣怡俊杰"
PROJECT_HEADS = (
    "京冀",
    "津冀",
    "京津",
    "协同",
    "雄安",
    "燕赵",
    "渤海",
    "太行",
    "永定河",
    "滨海",
    "冀中",
    "环首都",
)
PROJECT_TAILS = (
    "智能制造产业园",
    "新材料基地",
    "生物医药中试平台",
    "冷链物流中心",
    "数据中心",
    "氢能装备项目",
    "零碳园区",
    "职教集团",
    "康养小镇",
    "种业创新中心",
    "汽车零部件产业园",
    "文旅综合体",
)


@dataclass(frozen=True)
class BigSite:
    """Where the generated site lives and what it holds."""

    root: Path  # folder holding the site folder (give it to DemoSites)
    article_paths: list[str]
    listing_paths: list[str]

    @property
    def page_count(self) -> int:
        """Return every page a full crawl fetches (index, listings, articles)."""
        return 1 + len(self.listing_paths) + len(self.article_paths)


def sources_toml(base_url: str) -> str:
    """Return a sources file crawling bigsite served at ``base_url``."""
    return (
        "[[sources]]\n"
        'name = "bigsite"\n'
        'site_name = "%s"\n'
        'kind = "news"\n'
        'start_urls = ["%s/index.html"]\n'
        "follow = ['/list_\\d+\\.html$', '/news/\\d{6}/t\\d+\\.html$']\n"
        "article_urls = ['/news/\\d{6}/t\\d+\\.html$']\n"
        "max_depth = 2\n" % (SITE_NAME, base_url)
    )


def _chrome_top(title: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        "<title>%s_%s</title>\n</head>\n<body>\n"
        '<div class="top-nav"><a href="/index.html">首页</a> | <a href="/list_1.html">京津冀</a> | '
        '<a href="/list_2.html">雄安</a> | <a href="/list_3.html">政策解读</a></div>\n'
        '<div class="logo"><a href="/index.html">%s</a></div>\n' % (title, SITE_NAME, SITE_NAME)
    )


FOOTER = (
    '<div class="footer"><p>主办：%s　版权所有　未经授权禁止转载</p>'
    "<p>冀ICP备00000000号　违法和不良信息举报电话：0311-00000000</p></div>\n</body>\n</html>\n"
    % SITE_NAME
)


def _article(rng: random.Random, number: int, when: datetime) -> tuple[str, list[str]]:
    city_a, city_b = rng.sample(CITIES, 2)
    field, org, action = rng.choice(FIELDS), rng.choice(ORGS), rng.choice(ACTIONS)
    person = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.randint(1, 2)))
    project = rng.choice(PROJECT_HEADS) + rng.choice(PROJECT_TAILS)
    title = "%s%s%s%s 推动%s（第%d期）" % (city_a, city_b, org[:2], action, field, number)

    def fill(template: str) -> str:
        return template.format(
            date="%d月%d日" % (when.month, when.day),
            month="%d月" % when.month,
            city_a=city_a,
            city_b=city_b,
            org=org,
            field=field,
            action=action,
            person=person,
            project=project,
            n1=rng.randint(2, 40),
            n2=rng.randint(3, 900),
            n3=rng.randint(10, 500),
            n4=rng.randint(100, 99999),
            pct=rng.randint(3, 98),
        )

    paragraphs = [fill(SENTENCES[0])] + [
        fill(s) for s in rng.sample(SENTENCES[1:], rng.randint(8, 12))
    ]
    return title, paragraphs


def _article_page(
    title: str, paragraphs: list[str], when: datetime, outlet: str, related: list[str]
) -> str:
    body = "\n".join("<p>　　%s</p>" % p for p in paragraphs)
    links = "\n".join(LINK_ITEM % (u, "相关阅读 %d" % (i + 1)) for i, u in enumerate(related))
    return (
        _chrome_top(title)
        + '<div class="crumb"><a href="/index.html">首页</a> &gt; <a href="/list_1.html">京津冀</a> &gt; 正文</div>\n'
        '<div class="article">\n<h1>%s</h1>\n'
        '<div class="info"><span class="time">%s</span>　<span class="source">来源：%s</span></div>\n'
        '<div class="share">分享到：<a href="javascript:void(0)">微信</a><a href="javascript:void(0)">微博</a></div>\n'
        '<div class="content" id="content">\n%s\n</div>\n'
        '<div class="editor">（责任编辑：%s）</div>\n</div>\n'
        '<div class="related"><h3>相关新闻</h3><ul>\n%s\n</ul></div>\n'
        % (title, when.strftime("%Y-%m-%d %H:%M"), outlet, body, "王" + "明", links)
        + FOOTER
    )


def _listing_page(number: int, entries: list[tuple[str, str, datetime]], listings: int) -> str:
    items = "\n".join(
        '<li><a href="%s">%s</a><span>%s</span></li>' % (path, title, when.strftime("%Y-%m-%d"))
        for path, title, when in entries
    )
    pager = " ".join('<a href="/list_%d.html">%d</a>' % (n, n) for n in range(1, listings + 1))
    return (
        _chrome_top("京津冀 第%d页" % number)
        + '<div class="list"><ul>\n%s\n</ul></div>\n<div class="pager">%s</div>\n' % (items, pager)
        + FOOTER
    )


def build_bigsite(target: Path, pages: int = 500, seed: int = 2024) -> BigSite:
    """Write bigsite with ``pages`` article pages into ``target/bigsite``; return its layout."""
    rng = random.Random(seed)
    site = target / "bigsite"
    site.mkdir(parents=True, exist_ok=True)
    write_site_toml(site, "tests/bigsite.py", ['charset = "utf-8"'])
    start = datetime(2024, 1, 2, 8, 0)
    articles: list[tuple[str, str, datetime]] = []
    bodies: list[tuple[str, list[str], datetime, str]] = []
    for number in range(1, pages + 1):
        when = start + timedelta(hours=7 * number, minutes=rng.randint(0, 59))
        title, paragraphs = _article(rng, number, when)
        path = "/news/%s/t%05d.html" % (when.strftime("%Y%m"), number)
        articles.append((path, title, when))
        bodies.append((path, paragraphs, when, rng.choice(OUTLETS)))
    for index, (path, paragraphs, when, outlet) in enumerate(bodies):
        related = [articles[(index + step) % len(articles)][0] for step in (1, 2, 3)]
        page = _article_page(articles[index][1], paragraphs, when, outlet, related)
        write_file(site, path, page.encode("utf-8"))
    listings = [articles[i : i + PER_LISTING] for i in range(0, len(articles), PER_LISTING)]
    listing_paths = []
    for number, entries in enumerate(listings, start=1):
        listing_paths.append("/list_%d.html" % number)
        (site / ("list_%d.html" % number)).write_text(
            _listing_page(number, entries, len(listings)), encoding="utf-8"
        )
    index_links = link_items(
        ((p, "京津冀要闻 第%d页" % n) for n, p in enumerate(listing_paths, 1)), separator="\n"
    )
    (site / "index.html").write_text(
        _chrome_top("首页")
        + '<div class="channels"><ul>\n%s\n</ul></div>\n' % index_links
        + FOOTER,
        encoding="utf-8",
    )
    return BigSite(target, [p for p, _, _ in articles], listing_paths)


def main() -> None:
    """Write bigsite into a folder given on the command line."""
    parser = argparse.ArgumentParser(description="Generate the bigsite fixture.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--pages", type=int, default=500)
    args = parser.parse_args()
    site = build_bigsite(args.folder, args.pages)
    print("%s/bigsite: %d pages" % (site.root, site.page_count))


if __name__ == "__main__":
    main()
