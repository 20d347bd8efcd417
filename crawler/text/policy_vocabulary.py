"""The policy vocabulary, in one place: header labels, the 文号, the kinds of document (文种).

Official documents follow one national format (GB/T 9704: 发文字号, 标题 = 机关 + 关于 + 事由 +
文种, 落款 = 机关 + 成文日期), so these shapes hold on every government site. The cleaner
(``crawler.clean``), topics, citations and fingerprints all read them from here; Chinese-
numeral dates (二〇二四年五月八日) are ``crawler.text.dates.chinese_numeral_date``.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "BRACKETED_YEAR_RE",
    "DOCUMENT_KINDS",
    "DOCUMENT_KIND_RE",
    "DOC_NUMBER_PARTS_RE",
    "DOC_NUMBER_RE",
    "POLICY_LABELS",
    "normalize_doc_number",
]

# Field name -> label forms (compared with whitespace and colons removed).
POLICY_LABELS: dict[str, tuple[str, ...]] = {
    # 信息索引号: Jiangsu's xxgk tables (the 无锡 templates public crawlers parse, and
    # unseen-policy page 031).
    "index_number": ("索引号", "索引號", "索取号", "索取號", "信息索引号", "信息索引號"),
    "topic": ("主题分类", "主題分類", "主题", "分类", "主题词", "分類", "信息分类", "信息分類"),
    "issuer": (
        "发文机关",
        "發文機關",
        "发布机构",
        "發布機構",
        "发文单位",
        "發文單位",
        "发布机关",
        "制发机关",
        "製發機關",
        "发文机构",
        "发布单位",
        "發布單位",
        # 发布部门 / 发文部门: county and bureau sites' 信息公开 lists (unseen-policy 031, 032).
        "发布部门",
        "發布部門",
        "发文部门",
        "發文部門",
    ),
    "written_at": (
        "成文日期",
        "成文时间",
        "成文時間",
        "印发日期",
        "印發日期",
        "生成日期",
        "签发日期",
        "簽發日期",
        # Not 发文日期: www.anhua.gov.cn fills it with the publication day, not the
        # signature's (policy-multi-dev 008); the signature gives 成文日期 there.
    ),
    "title": ("标题", "標題", "名称", "名稱", "文件名称", "文件名稱"),
    # 文件编号 (无锡's xxgk tables, unseen-policy 031), 发布文号 (【发布文号】 lines, 032).
    "doc_number": (
        "发文字号",
        "發文字號",
        "文号",
        "文號",
        "发文文号",
        "發文文號",
        "文件编号",
        "文件編號",
        "发布文号",
        "發布文號",
    ),
    "published_at": (
        "发布日期",
        "發布日期",
        "发布时间",
        "發布時間",
        "公布日期",
        "公开日期",
        "公開日期",
        "公开时间",
    ),
    "validity": ("有效性", "时效性", "时效", "效力状态", "有效期", "文件状态", "文件狀態"),
}

# --- the 文号 -------------------------------------------------------------------------------

# A document number: 东府办〔2017〕39号 under the title (www.dg.gov.cn) or glued before it
# (gjj.wuhan.gov.cn); the 公告2025年第17号 form of ministries (fgk.chinatax.gov.cn, the
# 财政部 税务总局 example).
DOC_NUMBER_RE = re.compile(
    r"[\u4e00-\u9fff][\u4e00-\u9fff\s]{0,24}?"
    r"(?:[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*[第]?\s*\d{1,5}\s*号"
    r"|(?:公告|令|通告)\s*(?:(?:19|20)\d{2}\s*年\s*)?第\s*\d{1,5}\s*号)"
)
# The same in running text, with its parts named: issuer abbreviation, year in brackets,
# number, 号 (国办发〔2018〕128号, 京政发[2024]3号).
DOC_NUMBER_PARTS_RE = re.compile(
    r"(?P<prefix>[\u4e00-\u9fff]{1,12})\s*[〔\[［(（【]\s*(?P<year>(?:19|20)\d{2})\s*[〕\]］)）】]"
    r"\s*第?\s*(?P<number>\d{1,5})\s*号"
)
# The bracketed year of a doc number alone: a text without one holds no doc number (a scan
# far cheaper than the full patterns).
BRACKETED_YEAR_RE = re.compile(r"[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]")
_YEAR_IN_ANY_BRACKETS_RE = re.compile(r"[\[［(（【〔{｛<〈《]\s*(\d{4})\s*[\]］)）】〕}｝>〉》]")
_SPACES_RE = re.compile(r"\s+")


def normalize_doc_number(doc_number: str) -> str:
    """Write a 发文字号 one way: NFKC, no spaces, the year in 〔〕 (国发[2019] 5号 -> 国发〔2019〕5号)."""
    text = _SPACES_RE.sub("", unicodedata.normalize("NFKC", doc_number))
    return _YEAR_IN_ANY_BRACKETS_RE.sub(r"〔\1〕", text)


# --- the kinds of document (文种) -------------------------------------------------------------

# The kinds a document title ends with: GB/T 9704's fifteen, plus the regulation kinds, in
# both scripts. Not 政策, 制度, 规范: they also end a wrapped title's first line as verbs'
# objects (东莞市人民政府办公室关于进一步规范 / 我市房地产市场发展的通知, www.dg.gov.cn).
DOCUMENT_KINDS = (
    "通知书",
    "通知",
    "通告",
    "公告",
    "公报",
    "意见",
    "决定",
    "决议",
    "命令",
    "令",
    "通报",
    "报告",
    "请示",
    "批复",
    "议案",
    "复函",
    "函",
    "纪要",
    "办法",
    "规定",
    "细则",
    "条例",
    "规则",
    "规程",
    "方案",
    "规划",
    "计划",
    "纲要",
    "要点",
    "措施",
    "指引",
    "指南",
    "目录",
    "清单",
    "标准",
    "章程",
    "答复",
    "意見",
    "決定",
    "規定",
    "細則",
    "條例",
    "規則",
    "規劃",
    "計劃",
    "綱要",
)
# A title ending with a kind, maybe with a bracketed note after it (（试行）, （2024—2027年）).
DOCUMENT_KIND_RE = re.compile(r"(?:%s)(?:[(（][^()（）]{1,20}[)）])?$" % "|".join(DOCUMENT_KINDS))
