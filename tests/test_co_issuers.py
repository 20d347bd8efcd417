"""Joint issuers (联合发文): read from the signature, the title or the 发文机关 field, then archived.

Pages are built in the shape government sites print documents (header table or not, the
number under the title, the text, the signature, the record) and extracted whole; real dev
pages from ../shared check the readings on sites' own markup.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner

from crawler.archive import open_database
from crawler.archive.articles import Archive
from crawler.clean.extract import extract_article
from crawler.clean.policy_document import co_issuers
from crawler.cli import cli
from crawler.items import PolicyDocument
from tests.test_search import build_archive, ids_for, make_article
from tests.test_web_pages import in_process_page

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("XIETONG_SHARED") or ROOT.parent / "shared")
URL = "https://www.hebei.gov.cn/columns/bmwj/202403/11/a31f9e27.html"
HOUSING = "省住房和城乡建设厅"
REFORM = "河北省发展和改革委员会"
FINANCE = "河北省财政厅"
FULL_HOUSING = "河北" + HOUSING
TEXT = [
    "为深入贯彻落实党中央、国务院决策部署，加快推进城镇老旧小区改造，"
    "更好满足居民美好生活需要，现就做好2024年城镇老旧小区改造工作通知如下。",
    "一、明确改造任务。各地要合理确定改造计划，重点改造2000年底前建成的住宅小区，"
    "优先实施群众改造意愿强烈的项目。",
    "二、完善改造内容。重点实施水电气热、消防等基础类改造，因地制宜实施加装电梯等完善类改造。",
]


def page(
    title: str,
    *,
    signature: Sequence[str] = (),
    text: Sequence[str] = tuple(TEXT),
    number: str | None = "冀建房市〔2024〕6号",
    header: Sequence[tuple[str, str]] = (),
    record: Sequence[str] = (),
    date: str = "2024年3月5日",
) -> bytes:
    """Return a policy page: header table, title, number, salutation, text, signature, record."""
    rows = "".join(
        "<tr><td class='label'>%s：</td><td>%s</td></tr>" % (label, value)
        for label, value in header
    )
    table = "<table class='xxgk'>%s</table>" % rows if header else ""
    lines = ["各市（含定州、辛集市）住房和城乡建设局、发展改革委、财政局："]
    lines += list(text)
    lines += [*signature, date] if date else list(signature)
    paragraphs = "".join("<p>%s</p>" % html.escape(line) for line in lines)
    closing = "".join("<p>%s</p>" % html.escape(line) for line in record)
    number_line = "<p class='wh'>%s</p>" % number if number else ""
    return (
        "<html><head><meta charset='utf-8'><title>%s_河北省人民政府网</title></head><body>"
        "<div class='nav'><a href='/'>首页</a> &gt; <a href='/zwgk/'>政务公开</a></div>"
        "<div class='detail'>%s<h1>%s</h1>%s<div class='zw' id='zoom'>%s%s</div></div>"
        "<div class='footer'>主办：河北省人民政府办公厅 版权所有</div></body></html>"
        % (title, table, html.escape(title), number_line, paragraphs, closing)
    ).encode("utf-8")


def policy_of(data: bytes, url: str = URL) -> dict[str, Any]:
    result = extract_article(data, url)
    assert result.policy is not None
    return result.policy


def issuers_of(policy: dict[str, Any]) -> tuple[str, list[str]]:
    return policy["issuer"], policy["co_issuers"]


def shared_page(name: str) -> tuple[bytes, str]:
    folder = SHARED / "corpus" / name
    if not (folder / "page.html").is_file():
        pytest.fail("joint-issuer tests need the shared corpus at %s" % folder)
    rows = (folder.parent / "index.jsonl").read_text(encoding="utf-8").splitlines()
    found = [json.loads(row) for row in rows if row.strip()]
    url = next(row.get("url") or "" for row in found if row["id"] == folder.name)
    return (folder / "page.html").read_bytes(), url


# --- the signature (落款) -----------------------------------------------------------------


def test_signature_of_two_bodies_gives_the_second_as_co_issuer():
    policy = policy_of(
        page("关于做好城镇老旧小区改造工作的通知", signature=[FULL_HOUSING, FINANCE])
    )
    assert issuers_of(policy) == (FULL_HOUSING, [FINANCE])


def test_signature_of_three_bodies_gives_the_other_two_in_order():
    policy = policy_of(
        page("关于做好城镇老旧小区改造工作的通知", signature=[FULL_HOUSING, REFORM, FINANCE])
    )
    assert issuers_of(policy) == (FULL_HOUSING, [REFORM, FINANCE])


def test_signature_of_two_bodies_on_one_spaced_line_reads_as_two():
    policy = policy_of(
        page("关于做好城镇老旧小区改造工作的通知", signature=["%s　%s" % (FULL_HOUSING, FINANCE)])
    )
    assert issuers_of(policy) == (FULL_HOUSING, [FINANCE])


@pytest.mark.parametrize("order", list(itertools.permutations([FULL_HOUSING, REFORM, FINANCE])))
def test_order_of_the_signature_changes_only_the_order(order: tuple[str, ...]):
    issuer, others = issuers_of(
        policy_of(page("关于做好城镇老旧小区改造工作的通知", signature=list(order)))
    )
    assert [issuer, *others] == list(order)


def test_five_signatories_of_a_real_joint_notice_follow_the_bylines_issuer():
    # fcj.shenyang.gov.cn: the byline names the lead, the signature all five, two on one line.
    data, url = shared_page("policy-multi-dev/012")
    assert issuers_of(policy_of(data, url)) == (
        "沈阳市房产局",
        [
            "沈阳市自然资源局",
            "国家税务总局沈阳市税务局",
            "中国人民银行辽宁省分行营业管理部",
            "沈阳住房公积金管理中心",
        ],
    )


def test_abbreviated_field_issuer_is_the_same_body_as_the_full_name_signed():
    # www.cixi.gov.cn: 发布机构 市住建局, the title and signature 慈溪市住房和城乡建设局 慈溪市财政局.
    data, url = shared_page("policy-multi-dev/007")
    assert issuers_of(policy_of(data, url)) == ("市住建局", ["慈溪市财政局"])


# --- the title --------------------------------------------------------------------------


def test_title_opening_with_two_bodies_gives_the_second():
    title = "%s %s关于做好2024年城镇老旧小区改造工作的通知" % (FULL_HOUSING, FINANCE)
    policy = policy_of(page(title, signature=[]))
    assert issuers_of(policy) == ("%s %s" % (FULL_HOUSING, FINANCE), [FINANCE])


def test_title_opening_with_two_bodies_before_yinfa_gives_the_second():
    title = "%s %s印发《城镇老旧小区改造资金管理办法》的通知" % (FULL_HOUSING, FINANCE)
    assert policy_of(page(title, signature=[]))["co_issuers"] == [FINANCE]


def test_forwarded_bodies_in_a_title_are_not_issuers():
    title = "%s转发%s %s关于做好城镇老旧小区改造工作的通知" % (FULL_HOUSING, REFORM, FINANCE)
    policy = policy_of(page(title, signature=[FULL_HOUSING]))
    assert issuers_of(policy) == (FULL_HOUSING, [])


# --- the 发文机关 field --------------------------------------------------------------------

HEADER = [
    ("索引号", "000013338/2024-00123"),
    ("发文字号", "冀建房市〔2024〕6号"),
    ("成文日期", "2024-03-05"),
]


def header_page(issuer_cell: str) -> bytes:
    return page(
        "关于做好2024年城镇老旧小区改造工作的通知",
        header=[*HEADER, ("发文机关", issuer_cell)],
        signature=[],
    )


@pytest.mark.parametrize("separator", [" ", "　", "、", "，", "<br>", "<br/>\n"])
def test_field_listing_bodies_gives_the_others_whatever_separates_them(separator: str):
    cell = separator.join([FULL_HOUSING, REFORM, FINANCE])
    policy = policy_of(header_page(cell))
    assert policy["co_issuers"] == [REFORM, FINANCE]
    assert policy["issuer"].startswith(FULL_HOUSING)


@pytest.mark.parametrize("separator", [" ", "、", "<br>"])
def test_order_of_the_field_changes_only_the_order(separator: str):
    seen = set()
    for order in itertools.permutations([FULL_HOUSING, REFORM, FINANCE]):
        policy = policy_of(header_page(separator.join(order)))
        assert policy["co_issuers"] == list(order[1:])
        seen.add(frozenset(policy["co_issuers"]) | {order[0]})
    assert seen == {frozenset([FULL_HOUSING, REFORM, FINANCE])}


def test_field_of_a_real_gov_cn_joint_document_lists_the_second_office():
    data, url = shared_page("policy-dev/007")
    assert issuers_of(policy_of(data, url)) == (
        "国务院办公厅、中央军委办公厅",
        ["中央军委办公厅"],
    )


# --- what is not a co-issuer -------------------------------------------------------------


@pytest.mark.parametrize("name", ["policy-multi-dev/001", "policy-multi-dev/005", "policy-dev/002"])
def test_single_issuer_page_has_an_empty_list(name: str):
    data, url = shared_page(name)
    policy = policy_of(data, url)
    assert policy["issuer"]
    assert policy["co_issuers"] == []


def test_bodies_the_text_names_are_not_issuers():
    text = [
        *TEXT,
        "三、加强组织领导。%s、%s、省自然资源厅要按照职责分工，加强协调配合，确保各项政策落地见效。"
        % (REFORM, FINANCE),
        "（责任单位：%s、%s）" % (REFORM, FINANCE),
        REFORM,  # a body's name alone on a line of the text, far above the signature
        "四、强化监督检查。各地要加强督促检查，定期调度工作进展，执行中遇到的重要问题请及时报告。",
    ]
    policy = policy_of(
        page("关于做好城镇老旧小区改造工作的通知", signature=[FULL_HOUSING], text=text)
    )
    assert issuers_of(policy) == (FULL_HOUSING, [])


def test_copy_recipients_and_printing_office_are_not_issuers():
    record = [
        "抄送：%s，%s，省自然资源厅。" % (REFORM, FINANCE),
        "抄送：%s %s" % (REFORM, FINANCE),
        "河北省住房和城乡建设厅办公室　　2024年3月6日印发",
    ]
    policy = policy_of(
        page("关于做好城镇老旧小区改造工作的通知", signature=[FULL_HOUSING], record=record)
    )
    assert issuers_of(policy) == (FULL_HOUSING, [])


def test_field_issuer_that_the_signature_does_not_list_gives_none():
    # The field names a body the signature lacks: which list is the document's is in doubt.
    policy = policy_of(
        page(
            "关于做好2024年城镇老旧小区改造工作的通知",
            header=[*HEADER, ("发文机关", "河北省人民政府办公厅")],
            signature=[REFORM, FINANCE],
        )
    )
    assert issuers_of(policy) == ("河北省人民政府办公厅", [])


# --- one body, written in full or abbreviated ----------------------------------------------


@pytest.mark.parametrize(
    ("issuer", "listed", "expected"),
    [
        # An abbreviation keeps its place level and the full name's last character.
        ("市住建局", ["慈溪市住房和城乡建设局", "慈溪市财政局"], ["慈溪市财政局"]),
        ("财政局", ["慈溪市住房和城乡建设局", "慈溪市财政局"], ["慈溪市住房和城乡建设局"]),
        ("市政府", ["慈溪市人民政府", "慈溪市财政局"], ["慈溪市财政局"]),
        # An issuer matching two listed bodies, or none, is in doubt: nothing is given.
        ("市财政局", ["宁波市财政局", "慈溪市财政局"], []),
        ("税务总局", ["国家税务总局沈阳市税务局", "沈阳市房产局"], []),
        ("国家发展改革委", ["国家发展和改革委员会", "财政部"], []),
        # A body and its branch are two.
        ("中国人民银行", ["中国人民银行辽宁省分行", "沈阳市房产局"], []),
        ("国家税务总局", ["国家税务总局沈阳市税务局", "沈阳市房产局"], []),
        ("市住建局", ["慈溪市自然资源和规划局", "慈溪市财政局"], []),
    ],
)
def test_issuer_matches_one_listed_body_conservatively(
    issuer: str, listed: list[str], expected: list[str]
):
    assert co_issuers(issuer, [listed]) == expected


def test_issuer_listing_bodies_itself_leads_with_its_first():
    assert co_issuers("财政部 税务总局", []) == ["税务总局"]
    assert co_issuers("财政部 税务总局", [["财政部", "税务总局", "海关总署"]]) == ["税务总局"]
    assert co_issuers("财政部", [["海关总署"], ["财政部", "税务总局"]]) == ["税务总局"]
    assert co_issuers(None, [["财政部", "税务总局"]]) == []


# --- xietong extract --json ---------------------------------------------------------------


def test_extract_json_prints_co_issuers_next_to_issuer(tmp_path: Path):
    path = tmp_path / "joint.html"
    path.write_bytes(page("关于做好城镇老旧小区改造工作的通知", signature=[FULL_HOUSING, FINANCE]))
    single = tmp_path / "single.html"
    single.write_bytes(page("关于做好城镇老旧小区改造工作的通知", signature=[FULL_HOUSING]))
    runner = CliRunner()
    joint_result = runner.invoke(cli, ["extract", str(path), "--url", URL, "--json"])
    single_result = runner.invoke(cli, ["extract", str(single), "--url", URL, "--json"])
    assert joint_result.exit_code == 0, joint_result.output
    policy = json.loads(joint_result.output)["policy"]
    keys = list(policy)
    assert keys[keys.index("issuer") + 1] == "co_issuers"
    assert policy["co_issuers"] == [FINANCE]
    assert json.loads(single_result.output)["policy"]["co_issuers"] == []


# --- the archive and the article page ----------------------------------------------------

JOINT_URL = "https://www.hebei.gov.cn/columns/bmwj/202403/11/joint.html"
SINGLE_URL = "https://www.hebei.gov.cn/columns/bmwj/202403/12/single.html"


def policy_article(url: str, title: str, policy: PolicyDocument) -> Any:
    return make_article(
        url,
        title,
        "各市住房和城乡建设局：\n" + "".join(TEXT),
        "2024-03-11",
        kind="policy",
        site="河北省人民政府",
        source="gov",
        outlet="",
        policy=policy,
    )


def joint_article() -> Any:
    return policy_article(
        JOINT_URL,
        "关于做好2024年城镇老旧小区改造工作的通知",
        PolicyDocument(
            issuer=FULL_HOUSING,
            co_issuers=[REFORM, FINANCE],
            doc_number="冀建房市〔2024〕6号",
            written_at="2024-03-05",
        ),
    )


def single_article() -> Any:
    return policy_article(
        SINGLE_URL,
        "关于进一步规范物业服务收费管理的通知",
        PolicyDocument(issuer=FULL_HOUSING, doc_number="冀建房市〔2024〕7号"),
    )


def test_archive_stores_co_issuers_as_a_json_list(tmp_path: Path):
    path = build_archive(tmp_path / "xietong.db", [joint_article(), single_article()])
    db = sqlite_utils.Database(path)
    joint_id, single_id = ids_for(JOINT_URL, SINGLE_URL)
    assert json.loads(db.table("policies").get(joint_id)["co_issuers"]) == [REFORM, FINANCE]
    assert db.table("policies").get(single_id)["co_issuers"] == "[]"


def test_article_page_shows_co_issuers_after_the_issuer_only_when_there_are_some(tmp_path: Path):
    path = build_archive(tmp_path / "xietong.db", [joint_article(), single_article()])
    joint_id, single_id = ids_for(JOINT_URL, SINGLE_URL)
    joint = in_process_page(path, "/xietong/articles/%s" % joint_id)
    header = joint[joint.index('<table class="policy-header">') :]
    header = header[: header.index("</table>")]
    assert "<th>联合发文</th><td>%s、%s</td>" % (REFORM, FINANCE) in header
    assert header.index("发文机关") < header.index("联合发文") < header.index("发文字号")
    single = in_process_page(path, "/xietong/articles/%s" % single_id)
    assert FULL_HOUSING in single
    assert "联合发文" not in single


def test_policies_table_shows_co_issuers_as_a_list(tmp_path: Path):
    path = build_archive(tmp_path / "xietong.db", [joint_article()])
    table = in_process_page(path, "/xietong/policies")
    assert "%s、%s" % (REFORM, FINANCE) in table
    assert '["%s"' % REFORM not in table


def test_older_archive_without_the_column_is_upgraded_when_opened(tmp_path: Path):
    path = tmp_path / "old.db"
    build_archive(path, [single_article()])
    conn = sqlite3.connect(path)
    conn.execute("alter table policies drop column co_issuers")
    conn.commit()
    conn.close()
    assert "co_issuers" not in sqlite_utils.Database(path).table("policies").columns_dict

    archive = Archive(open_database(path))
    archive.store(joint_article())
    archive.close()

    db = sqlite_utils.Database(path)
    assert "co_issuers" in db.table("policies").columns_dict
    joint_id, single_id = ids_for(JOINT_URL, SINGLE_URL)
    assert json.loads(db.table("policies").get(joint_id)["co_issuers"]) == [REFORM, FINANCE]
    assert db.table("policies").get(single_id)["co_issuers"] is None  # written before the column
    older = in_process_page(path, "/xietong/articles/%s" % single_id)
    assert "联合发文" not in older
    assert "发文机关" in older
