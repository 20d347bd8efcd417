from __future__ import annotations

import json

import pytest

from crawler.text import topics
from crawler.text.script import to_simplified
from tests.conftest import SHARED

CORPUS = SHARED / "corpus"


def _seed(prefix: str) -> str:
    (path,) = (SHARED / "seeds").glob(f"{prefix}_*.txt")
    return to_simplified(path.read_text(encoding="utf-8"))


def _pages(name: str) -> list[tuple[str, str]]:
    folder = CORPUS / name
    if not folder.exists():
        return []
    return [
        (
            json.loads((page / "expected.json").read_text(encoding="utf-8"))["title"],
            (page / "expected.txt").read_text(encoding="utf-8"),
        )
        for page in sorted(folder.iterdir())
        if (page / "expected.json").exists()
    ]


def test_data_file_loads_once() -> None:
    assert topics.vocabulary() is topics.vocabulary()
    names = [topic.name for topic in topics.vocabulary().topics]
    for expected in (
        "京津冀协同发展",
        "产业协同",
        "雄安新区",
        "交通一体化",
        "生态环保",
        "公共服务",
        "科技创新",
        "营商环境",
    ):
        assert expected in names


def test_title_mention_weighs_more_than_body_mention() -> None:
    assert "雄安新区" in topics.tag_topics("", "雄安新区建设提速")
    assert "雄安新区" not in topics.tag_topics("记者昨日从雄安获悉。")


def test_unrelated_text_gets_no_topic() -> None:
    assert topics.tag_topics("苹果公司发布新款手机，售价5499元起。", "苹果发布新iPhone") == []


def test_province_and_city_are_reported_for_a_city() -> None:
    assert topics.tag_regions("保定市举行招商推介会。") == ["河北", "保定"]


def test_single_character_abbreviation_alone_is_not_a_region() -> None:
    assert topics.tag_regions("南京和东京的游客，进京赶考。") == []


def test_compound_abbreviation_names_every_region() -> None:
    assert topics.tag_regions("京津冀三地签署协议") == ["北京", "天津", "河北"]
    assert topics.tag_regions("津冀港口合作") == ["天津", "河北"]


def test_tianjin_hebei_district_is_not_hebei_province() -> None:
    assert topics.tag_regions("天津市河北区召开会议") == ["天津"]


def test_new_areas_and_districts_map_to_their_province() -> None:
    assert topics.tag_regions("城市副中心建设") == ["北京", "通州"]
    assert topics.tag_regions("滨海新区推进改革") == ["天津", "滨海新区"]
    assert topics.tag_regions("雄安新区中关村科技园") == ["河北", "雄安新区"]
    assert topics.tag_regions("燕郊的通勤族") == ["河北", "廊坊"]


def test_seed_002_is_tagged_as_industrial_cooperation_in_xiongan() -> None:
    if not (SHARED / "seeds").exists():
        pytest.fail(
            "the shared seeds are missing: the shared folder must sit beside the project (or set XIETONG_SHARED)"
        )
    text = _seed("002")
    tags = topics.tag_topics(text, "协同发展十年观察③|“链”上发力,产业联系越来越紧密")
    assert {"京津冀协同发展", "产业协同", "雄安新区"} <= set(tags)
    assert {"北京", "天津", "河北", "雄安新区"} <= set(topics.tag_regions(text))


def test_traditional_seed_is_tagged_after_simplification() -> None:
    if not (SHARED / "seeds").exists():
        pytest.fail(
            "the shared seeds are missing: the shared folder must sit beside the project (or set XIETONG_SHARED)"
        )
    assert "京津冀协同发展" in topics.tag_topics(_seed("003"))


def test_cooperation_article_needs_topic_and_region() -> None:
    assert topics.is_cooperation_article(["产业协同"], ["河北"])
    assert not topics.is_cooperation_article([], ["北京"])
    assert not topics.is_cooperation_article(["产业协同"], [])


def test_every_policy_dev_page_is_policy_without_the_table() -> None:
    pages = _pages("policy-dev")
    if not pages:
        pytest.fail(
            "the shared policy-dev corpus is missing: the shared folder must sit beside the project (or set XIETONG_SHARED)"
        )
    assert [topics.infer_kind(title, body) for title, body in pages] == ["policy"] * len(pages)


def test_every_news_dev_page_is_news() -> None:
    pages = _pages("news-zh-dev")
    if not pages:
        pytest.fail(
            "the shared news-zh-dev corpus is missing: the shared folder must sit beside the project (or set XIETONG_SHARED)"
        )
    assert [topics.infer_kind(title, body) for title, body in pages] == ["news"] * len(pages)


def test_policy_table_decides_alone() -> None:
    assert topics.infer_kind("某某新闻", "正文", has_policy_table=True) == "policy"


def test_news_about_a_document_is_news() -> None:
    assert (
        topics.infer_kind(
            "国务院印发《关于推动京津冀协同发展的若干意见》", "新华社北京电 国务院日前印发……"
        )
        == "news"
    )


def test_measures_title_with_document_number_is_policy() -> None:
    body = "冀政办字〔2024〕12号\n各市（含定州、辛集市）人民政府，各县（市、区）人民政府，省政府各部门：\n现将……印发给你们，请认真贯彻执行。"
    assert topics.infer_kind("河北省支持雄安新区产业发展若干措施_河北省人民政府", body) == "policy"
    assert (
        topics.infer_kind(
            "河北省支持雄安新区产业发展若干措施", "记者从发布会获悉，若干措施共20条。"
        )
        == "news"
    )


BEISAN_COUNTIES = (
    "中評社北京2月21日電／記者從北京市通州區獲悉，今年通州區與河北廊坊北三縣將共同推進一體化"
    "高質量發展示範區建設，重點在交通互聯、產業協同、公共服務共享等方面實施一批重大項目。\n"
    "近年來，兩地開通多條跨省公交線路，往返於北三縣和北京之間的通勤人員通行時間明顯縮短。\n"
    "產業協同方面，兩地建立了項目推介和對接機制。\n"
    "公共服務共享是北三縣居民最關心的問題。"
)


def test_short_traditional_article_naming_its_subjects_in_the_lead_gets_them() -> None:
    text = to_simplified(BEISAN_COUNTIES)
    title = to_simplified("北京城市副中心與北三縣一體化發展提速")
    assert {"产业协同", "公共服务", "交通一体化"} <= set(topics.tag_topics(text, title))


def test_lead_mention_alone_is_not_a_topic() -> None:
    assert topics.tag_topics("记者从雄安获悉，项目开工。\n其他内容。") == []


def test_salutation_does_not_count_as_the_lead() -> None:
    text = "各市人民政府，雄安新区管委会，省政府各部门：\n为加快构建区域综合交通运输体系，现提出如下意见。"
    assert topics.topic_scores(text)["雄安新区"] == 1
