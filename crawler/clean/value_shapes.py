"""Check a field's value by its shape: no markup, script, label, boilerplate or broken brackets.

Every reader's value passes ``fits`` before it is kept; one that fails goes to the next
reader, else the field stays empty. ``check_shapes`` is the cleaner's last net: whatever a
reader let through that has the wrong shape is emptied there.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from crawler.clean import patterns as cp
from crawler.clean.line_kinds import squeeze
from crawler.clean.policy_header import POLICY_LABELS

if TYPE_CHECKING:
    from crawler.clean.page import Page

__all__ = ["balance_brackets", "check_shapes", "fits"]

# Markup and script text: a tag, an entity left over, a script call or assignment
# (wild pages writing 发文机关 with document.write; a field ending in "| 查看更多属性").
_MARKUP_RE = re.compile(
    r"</?[A-Za-z][^<>]*>|document\.write|function\s*\(|\bvar\s+\w+\s*=|javascript:|"
    r"[{};]\s*$|^\s*[{}]|\$\(|&[a-z]+;|\+\s*['\"]|['\"]\s*\+",
    re.IGNORECASE,
)
# A sentence of site boilerplate, never a name: statements, copyright, "see more", prompts.
_BOILERPLATE_RE = re.compile(
    r"声明[:：]|聲明[:：]|版权所有|版權所有|免责声明|免責聲明|观点仅代表|觀點僅代表|仅代表作者|"
    r"僅代表作者|转载请|轉載請|本网站|本網站|查看更多|更多属性|更多>>|点击(?:查看|进入|下载)|"
    r"打印本页|关闭窗口|關閉窗口|分享到|扫一扫|掃一掃|二维码|二維碼|Copyright|All Rights",
    re.IGNORECASE,
)
# Label words of every field a page labels: a value that is one of them is the next label.
_LABEL_WORDS = frozenset(
    {label for labels in POLICY_LABELS.values() for label in labels}
    | {
        "来源",
        "來源",
        "作者",
        "记者",
        "記者",
        "编辑",
        "編輯",
        "责任编辑",
        "責任編輯",
        "责编",
        "發布",
        "发布",
        "发文日期",
        "发布日期",
        "时间",
        "時間",
        "日期",
        "浏览",
        "瀏覽",
        "点击",
        "阅读",
        "閱讀",
        "字号",
        "字號",
        "附件",
        "关键词",
        "關鍵詞",
        "效力级别",
        "实施日期",
        "生效日期",
        "废止日期",
        "有效期",
        "时效",
        "状态",
        "狀態",
        "类别",
        "類別",
        "分类",
        "主题",
    }
)
_LABEL_TAIL_RE = re.compile(r"[:：]$")
# The longest value each field plausibly holds (characters, whitespace removed).
_MAX_CHARS = {
    "outlet": 30,
    "author": 40,
    "editor": 30,
    "site": 40,
    "issuer": 120,
    "topic": 40,
    "index_number": 60,
    "doc_number": 40,
    "title": 250,
}
_PAIRS = (
    (("(", "（"), (")", "）")),
    (("《",), ("》",)),
    (("【", "[", "［"), ("】", "]", "］")),
    (("〔",), ("〕",)),
    (("「",), ("」",)),
)
# A 文号 holds a number: 国发〔2019〕5号, 穗府办规〔2023〕3号, 第12号.
_DOC_NUMBER_SHAPE_RE = re.compile(r"\d")


def balance_brackets(value: str) -> str:
    """Cut a value at a bracket it opens and never closes: "中国经营报(北京" -> "中国经营报".

    Half- and full-width forms count as one bracket: "细则(正式）" is balanced.
    """
    for openings, closings in _PAIRS:
        while _count(value, openings) > _count(value, closings):
            value = value[: max(value.rfind(mark) for mark in openings)].rstrip()
        while _count(value, closings) > _count(value, openings) and value.endswith(closings):
            value = value[:-1].rstrip()
    return value


def _count(value: str, marks: tuple[str, ...]) -> int:
    return sum(value.count(mark) for mark in marks)


def fits(field: str, value: str | None) -> bool:
    """Say whether a value has the shape of the field's values."""
    if value is None:
        return True
    compact = squeeze(value)
    if not compact:
        return False
    if _MARKUP_RE.search(value) or _BOILERPLATE_RE.search(value):
        return False
    if compact.rstrip(":：") in _LABEL_WORDS or (
        field != "title" and _LABEL_TAIL_RE.search(compact)
    ):
        return False
    if len(compact) > _MAX_CHARS.get(field, 400):
        return False
    if balance_brackets(value) != value:
        return False
    if field == "doc_number":
        return _DOC_NUMBER_SHAPE_RE.search(compact) is not None
    # Not another credit's label inside a name ("平台声明：…", "来源：…").
    return field not in ("author", "editor") or cp.META_LABEL_RE.search(value) is None


_CREDIT_FIELDS = ("outlet", "author", "editor", "site")
_POLICY_TEXT_FIELDS = ("issuer", "doc_number", "index_number", "topic", "title")


def check_shapes(page: Page) -> None:
    """Empty every field whose value has the wrong shape (the last net behind the readers)."""
    if page.outlet:
        page.outlet = balance_brackets(page.outlet) or None
    for name in _CREDIT_FIELDS:
        if not fits(name, getattr(page, name)):
            setattr(page, name, None)
    if page.title and not fits("title", page.title):
        page.title = None
    if page.policy:
        for name in _POLICY_TEXT_FIELDS:
            if not fits(name, page.policy.get(name)):
                page.policy[name] = None
        page.policy["co_issuers"] = [
            body for body in page.policy.get("co_issuers") or [] if fits("issuer", body)
        ]
