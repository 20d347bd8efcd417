"""Policy citations in news, and resolving them to archived policies (issue 12)."""

from __future__ import annotations

import json

import pytest

from crawler.text.citations import (
    ArchivedPolicy,
    Citation,
    PolicyLink,
    PolicyMatcher,
    doc_number_key,
    find_citations,
    is_policy_title,
)
from tests.policy_link_set import SET_DIR, load_policies, load_stories, score


@pytest.fixture(scope="module")
def matcher() -> PolicyMatcher:
    return PolicyMatcher(load_policies())


# --- the labelled set ------------------------------------------------------------------------


def test_labelled_set_has_thirds_of_archived_other_and_no_citations():
    stories = load_stories()
    groups = [story["group"] for story in stories]
    assert len(stories) >= 60
    assert min(groups.count(g) for g in ("archived", "other", "none")) >= len(stories) // 3 - 1
    assert all(not s["links"] for s in stories if s["group"] == "none")
    assert all(
        all(link["policy_id"] is None for link in s["links"])
        for s in stories
        if s["group"] == "other"
    )


@pytest.mark.parametrize("file_name", ["stories.json", "stories_check.json"])
def test_policy_links_on_the_labelled_set_reach_precision_and_recall(matcher, file_name):
    stories = json.loads((SET_DIR / file_name).read_text(encoding="utf-8"))
    result = score(stories, matcher)
    print(
        "%s: %d stories, precision %.3f, recall %.3f, via right %.3f"
        % (file_name, len(stories), result.precision, result.recall, result.via_accuracy)
    )
    assert result.precision >= 0.98, result.misses
    assert result.recall >= 0.9, result.misses
    assert result.via_accuracy >= 0.95, result.misses


# --- shapes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "关于推进京津冀产业链协同发展的实施意见",
        "北京市优化营商环境条例",
        "河北雄安新区总体规划（2018—2035年）",
        "中华人民共和国乡村振兴促进法",
        "国务院办公厅关于印发〈京津冀协同发展规划纲要〉的通知",
        "关于支持雄安新区建设的若干政策",
    ],
)
def test_policy_titles_are_told_by_their_genre_and_length(title):
    assert is_policy_title(title)


@pytest.mark.parametrize(
    "title",
    [
        "人民日报",
        "求是",
        "新闻联播",
        "千年大计",
        "京津冀发展报告（2024）",
        "京津冀文化和旅游协同发展战略合作框架协议",
        "关于京津冀协同发展的几点思考",
        "意见",
        "行动方案",
        "科学的方法",
        "这样的规划，你满意吗？",
    ],
)
def test_books_papers_programmes_and_back_references_are_not_policy_titles(title):
    assert not is_policy_title(title)


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("京政办发〔2024〕3号", "京政办发〔2024〕3号"),
        ("冀政字[2023]12号", "冀政字〔2023〕12号"),
        ("冀政字(2023)12号", "冀政字〔2023〕12号"),
        ("津政规（2022）第 01 号", "津政规〔2022〕1号"),
        ("京发改【2023】16号", "京发改〔2023〕16号"),
    ],
)
def test_doc_numbers_in_any_brackets_share_one_key(written, key):
    assert doc_number_key(written) == key


def test_text_without_a_doc_number_has_no_key():
    assert doc_number_key("（2024）京04民初123号") is None
    assert doc_number_key("京津冀协同发展指数（2023）显示") is None


# --- finding ---------------------------------------------------------------------------------


def test_citations_are_pairs_of_text_and_way():
    cited_as, via = find_citations("", "依据《关于推进京津冀产业链协同发展的实施意见》执行。")[0]
    assert (cited_as, via) == ("关于推进京津冀产业链协同发展的实施意见", "title")


def test_doc_number_after_a_cited_title_is_the_same_policy():
    text = "印发《关于推进京津冀产业链协同发展的实施意见》（京政办发〔2024〕3号）。"
    assert find_citations("", text) == [Citation("关于推进京津冀产业链协同发展的实施意见", "title")]


def test_doc_number_prefix_stops_at_the_verb_before_it():
    text = "北京市政府办公厅印发京政办发〔2024〕3号文件。"
    assert find_citations("", text) == [Citation("京政办发〔2024〕3号", "doc_number")]


def test_one_policy_cited_with_and_without_issuer_keeps_the_fuller_form():
    text = (
        "河北省人民政府办公厅印发《河北省人民政府办公厅关于加快建设京津冀协同创新共同体的若干措施》。"
        "《关于加快建设京津冀协同创新共同体的若干措施》提出，支持京津高校院所在冀设立分支机构。"
    )
    assert find_citations("", text) == [
        Citation("河北省人民政府办公厅关于加快建设京津冀协同创新共同体的若干措施", "title")
    ]


def test_short_form_of_a_title_cited_in_full_is_the_same_citation():
    text = (
        "《河北省推进京津冀协同发展三年行动计划（2023—2025年）》确定了76项任务。"
        "记者了解到，《三年行动计划》实施以来进展顺利。"
    )
    assert find_citations("", text) == [
        Citation("河北省推进京津冀协同发展三年行动计划（2023—2025年）", "title")
    ]


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("《北京市优化营商环境条例》解读", ""),
        ("解读《北京市优化营商环境条例》", ""),
        ("政策解读丨北京市优化营商环境条例", ""),
        ("", "市司法局负责人就《北京市优化营商环境条例》有关问题答记者问。"),
        ("", "市发展改革委对《北京市优化营商环境条例》进行了解读。"),
        ("营商环境新规答记者问", "《北京市优化营商环境条例》明确了市场主体保护措施。"),
    ],
)
def test_interpretations_are_told_by_title_and_by_words_around_the_quote(title, text):
    assert find_citations(title, text) == [Citation("北京市优化营商环境条例", "interpretation")]


def test_a_policy_reported_but_not_interpreted_is_cited_by_title():
    text = "市发展改革委对《北京市优化营商环境条例》提出修改建议。"
    assert find_citations("", text) == [Citation("北京市优化营商环境条例", "title")]


def test_story_quoting_only_newspapers_and_books_cites_nothing():
    text = (
        "《人民日报》《求是》先后刊文，纪录片《千年大计》同步播出，《京津冀发展报告（2024）》发布。"
    )
    assert find_citations("三地媒体聚焦协同发展", text) == []


# --- resolving -------------------------------------------------------------------------------


def test_title_with_issuer_left_out_resolves_to_the_archived_policy(matcher):
    links = matcher.link("", "河北出台《关于加快建设京津冀协同创新共同体的若干措施》。")
    assert links == [PolicyLink("p03", "关于加快建设京津冀协同创新共同体的若干措施", "title")]


def test_title_inside_an_issuing_notice_resolves_without_its_year_range(matcher):
    links = matcher.link("", "天津印发《天津市推动京津冀协同发展走深走实行动方案》。")
    assert [link.policy_id for link in links] == ["p02"]


def test_doc_number_resolves_when_its_prefix_is_cut_short(matcher):
    assert matcher.resolve(Citation("政办发〔2024〕3号", "doc_number")) == "p01"
    assert matcher.resolve(Citation("京政发〔2024〕3号", "doc_number")) is None


def test_same_title_from_two_issuers_is_told_apart_by_the_issuer_named(matcher):
    cited = "关于推进京津冀交通一体化高质量发展的实施意见"
    beijing = matcher.link("", "北京市人民政府办公厅印发《%s》。" % cited)
    tianjin = matcher.link("", "天津市政府办公厅印发《%s》。" % cited)
    neither = matcher.link("", "三地交通部门学习《%s》。" % cited)
    assert [link.policy_id for link in beijing + tianjin + neither] == ["p08", "p07", None]


def test_title_naming_another_issuer_stays_unarchived(matcher):
    cited = "河北省人民政府办公厅关于推进京津冀交通一体化高质量发展的实施意见"
    links = matcher.link("", "河北印发《%s》，北京市、天津市此前已出台类似文件。" % cited)
    assert links == [PolicyLink(None, cited, "title")]


def test_place_left_out_of_a_title_resolves_only_when_the_sentence_names_it(matcher):
    national = matcher.link("", "北京市认真落实国务院《优化营商环境条例》。")
    local = matcher.link("", "北京市认真落实《优化营商环境条例》。")
    elsewhere = matcher.link("", "《优化营商环境条例》实施五周年。")
    assert [link.policy_id for link in national + local + elsewhere] == [None, "p04", None]


def test_policy_archived_after_the_story_links_once_added():
    text = "《京津冀协同发展规划纲要》实施十年来成效显著。"
    late = PolicyMatcher()
    assert late.link("", text) == [PolicyLink(None, "京津冀协同发展规划纲要", "title")]
    late.add(ArchivedPolicy("p99", "京津冀协同发展规划纲要", "中共中央 国务院", None))
    assert late.link("", text) == [PolicyLink("p99", "京津冀协同发展规划纲要", "title")]


def test_policy_page_does_not_link_to_itself(matcher):
    text = "北京市人民政府办公厅关于推进京津冀产业链协同发展的实施意见（京政办发〔2024〕3号）"
    assert matcher.link("", text, article_id="p01") == []
    assert [link.policy_id for link in matcher.link("", text)] == ["p01"]


def test_one_policy_cited_by_title_and_by_number_apart_is_one_link(matcher):
    text = (
        "《关于推进京津冀产业链协同发展的实施意见》明确了链长制。"
        "记者注意到，京政办发〔2024〕3号文件还提出建立三地联席会议。"
    )
    assert matcher.link("", text) == [
        PolicyLink("p01", "关于推进京津冀产业链协同发展的实施意见", "title")
    ]


def test_archived_title_without_a_policy_shape_still_links_word_for_word():
    matcher = PolicyMatcher([ArchivedPolicy("p50", "北京市2024年政府工作报告", "北京市人民政府")])
    assert not is_policy_title("北京市2024年政府工作报告")
    links = matcher.link("", "《北京市2024年政府工作报告》提出深化京津冀协同。")
    assert links == [PolicyLink("p50", "北京市2024年政府工作报告", "title")]
