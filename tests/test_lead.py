from __future__ import annotations

from crawler.text.lead import article_opening, make_lead

SALUTATION = "各市（含定州、辛集市）人民政府，雄安新区管委会，省政府各部门：\n"


def test_lead_skips_a_document_salutation() -> None:
    lead = make_lead(SALUTATION + "交通一体化是京津冀协同发展的骨骼系统和先行领域。")
    assert lead == "交通一体化是京津冀协同发展的骨骼系统和先行领域。"


def test_lead_skips_a_forwarding_formula_signature_and_date() -> None:
    body = (
        SALUTATION
        + "《河北省工作方案》已经省政府同意，现印发给你们，请认真贯彻落实。\n"
        + "河北省人民政府办公厅\n2024年1月26日\n（此件公开发布）\n河北省工作方案\n"
        + "为深入推进京津冀生态环境协同保护，制定本方案。"
    )
    assert make_lead(body) == "为深入推进京津冀生态环境协同保护，制定本方案。"


def test_lead_cuts_a_dateline_in_either_script() -> None:
    assert (
        make_lead("中評社北京2月21日電／記者從通州區獲悉，項目開工。")
        == "記者從通州區獲悉，項目開工。"
    )
    assert make_lead("新华社石家庄2月20日电（记者 王明）雄安新区开工。") == "雄安新区开工。"
    assert make_lead("導語:隨著綱要出爐，戰略進入實施階段。") == "隨著綱要出爐，戰略進入實施階段。"


def test_text_that_is_only_opening_lines_is_kept() -> None:
    assert article_opening("各有关单位：") == "各有关单位："


def test_a_speaker_line_ending_with_a_colon_is_not_a_salutation() -> None:
    assert (
        make_lead("张先生说：\n以前开车进京要一个多小时。")
        == "张先生说： 以前开车进京要一个多小时。"
    )
