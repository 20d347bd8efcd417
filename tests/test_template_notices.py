"""Template notices: pages of one site sharing wording but not facts stay different articles."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from crawler.text.template_text import (
    Page,
    different_facts,
    headings_differ,
    same_document,
    template_lines,
    text_lines,
)
from tests.test_pipelines import Chain, make_item

INTRO = (
    "根据《农药管理条例》《农药登记管理办法》规定，农药登记证有效期届满，登记证持有人需要继续"
    "生产农药或者向中国出口农药的，应当在有效期届满九十日前申请延续。\n"
    "现将本月登记证有效期届满的产品名单公布如下，请有关企业及时办理延续手续。\n"
)
CLOSING = "逾期未申请延续的，应当重新申请登记。\n联系电话：010-59194011\n"
PRODUCTS = [
    "河北威远生物化工有限公司 阿维菌素乳油 PD20095001",
    "江苏扬农化工股份有限公司 氯氰菊酯原药 PD20095002",
    "山东潍坊润丰化工股份有限公司 草甘膦水剂 PD20095003",
    "浙江新安化工集团股份有限公司 草甘膦原药 PD20095004",
    "安徽华星化工有限公司 吡虫啉可湿性粉剂 PD20095005",
    "四川利尔化学股份有限公司 草铵膦水剂 PD20095006",
    "湖南海利化工股份有限公司 克百威颗粒剂 PD20095007",
    "南通江山农药化工股份有限公司 敌敌畏乳油 PD20095008",
    "广西田园生化股份有限公司 噻虫嗪悬浮剂 PD20095009",
    "上海悦联化工有限公司 戊唑醇水乳剂 PD20095010",
    "北京燕化永乐生物科技股份有限公司 毒死蜱乳油 PD20095011",
    "重庆农药化工集团有限公司 杀虫双水剂 PD20095012",
]
ENTRUSTED = (
    "委托机关：吉林市林业局（以下简称委托机关）\n"
    "受委托组织：{office}（以下简称受委托组织）\n"
    "法定代表人：{name}\n"
    "地址：{address}\n"
    "根据《中华人民共和国行政处罚法》第十八条的规定，委托机关将下列行政处罚事项委托受委托组织"
    "实施：对违反《中华人民共和国森林法》《中华人民共和国野生动物保护法》的行为实施行政处罚。\n"
    "受委托组织在委托范围内，以委托机关名义实施行政处罚，不得再委托其他任何组织或者个人。\n"
    "委托期限自本委托书签订之日起至{until}止。\n"
)


def monthly_notice(month: int) -> str:
    """One month's notice: the template's words around that month's list of products."""
    listed = [PRODUCTS[(month * 5 + offset) % len(PRODUCTS)] for offset in range(4)]
    return INTRO + "\n".join(listed) + "\n" + CLOSING


def store_all(db_path: Path, items: list) -> dict[str, str]:
    """Store items through the pipelines; return article id by URL."""
    with Chain(db_path) as chain:
        for item in items:
            chain.feed(item)
    db = sqlite_utils.Database(db_path)
    return {row["url"]: row["article_id"] for row in db.query("select * from appearances")}


def test_headings_numbering_different_documents_differ() -> None:
    assert headings_differ(
        "2020年第3批拟批准登记农药产品公示", "2020年第13批拟批准登记农药产品公示"
    )
    assert headings_differ("登记延续友情提示（2020年1月）", "登记延续友情提示（2020年2月）")
    assert headings_differ("本局行政执法事项清单", "本局音像记录事项清单")


def test_a_heading_with_a_subtitle_or_site_name_added_does_not_differ() -> None:
    assert not headings_differ(
        "检定所举行消防演练", "检定所举行消防演练 ——人人关注消防 生命安全至上"
    )
    assert not headings_differ("检定所举行消防演练", "检定所举行消防演练_河北新闻网")


def test_lines_shared_with_two_other_texts_of_the_site_are_template() -> None:
    lines = text_lines(monthly_notice(1))
    others = [text_lines(monthly_notice(2)), text_lines(monthly_notice(3))]
    template = template_lines(lines, others)
    assert text_lines(INTRO)[0] in template
    assert not any("PD2009" in line for line in template)


def test_names_swapped_in_the_same_wording_are_different_facts() -> None:
    one = ENTRUSTED.format(
        office="市林业稽查支队", name="王建华", address="丰满区吉林大街78号", until="2021年3月13日"
    )
    two = ENTRUSTED.format(
        office="上营森林公安局", name="李树波", address="舒兰市上营镇", until="2022年3月13日"
    )
    assert different_facts("".join(text_lines(one)), "".join(text_lines(two))) >= 3
    assert not same_document(
        Page("行政执法委托书", "gov.example", one), Page("行政执法委托书", "gov.example", two)
    )


def test_one_text_on_another_site_is_left_to_the_similarity() -> None:
    one = monthly_notice(1)
    assert same_document(
        Page("登记延续友情提示（2020年1月）", "a.example", one), Page("延续提示", "b.example", one)
    )


def test_monthly_notices_of_one_template_are_stored_apart(tmp_path: Path) -> None:
    items = [
        make_item(
            "http://notices.example/%d.html" % month,
            monthly_notice(month),
            title="登记延续友情提示（2020年%d月）" % month,
        )
        for month in range(1, 6)
    ]
    ids = store_all(tmp_path / "notices.db", items)
    assert len(set(ids.values())) == 5


def test_attachment_only_pages_under_different_headings_are_stored_apart(tmp_path: Path) -> None:
    items = [
        make_item("http://gov.example/list-%d.html" % number, "详见附件\n", title=title)
        for number, title in enumerate(
            ("行政执法事项清单", "音像记录事项清单", "重大执法决定法制审核清单")
        )
    ]
    ids = store_all(tmp_path / "lists.db", items)
    assert len(set(ids.values())) == 3


def test_one_notice_posted_twice_on_its_site_is_one_article(tmp_path: Path) -> None:
    text = monthly_notice(1)
    items = [
        make_item("http://notices.example/a.html", text, title="登记延续友情提示（2020年1月）"),
        make_item(
            "http://notices.example/b.html",
            text + "（来源：药政处）\n",
            title="登记延续友情提示（2020年1月）",
        ),
    ]
    ids = store_all(tmp_path / "twice.db", items)
    assert len(set(ids.values())) == 1
