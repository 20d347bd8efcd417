"""Read a policy document from its text: number under the title, signature (落款), true title.

Government sites that show no header table still print the document in the national format
(GB/T 9704): the document number on its own line under the title, the title itself
(机关 + 关于 + 事由 + 文种), the text, then the signature: the issuing bodies and the date.
This module reads those parts from the lines the cleaner found, fills what a header table
left out, and says where the document ends (before the attachments list and the footer).
Pages about a policy (解读, news) get no fields from their text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler.clean import patterns as cp
from crawler.clean.policy_header import (
    POLICY_LABELS,
    attachment_urls,
    header_fields_in_lines,
    normalize_doc_number,
)
from crawler.text.dates import chinese_numeral_date, find_date

__all__ = ["PolicyReading", "Signature", "clean_title", "find_signature", "read_policy"]

_SIGNATURE_LINES = 6  # issuing bodies listed above the date, one per line at most
_HEAD_LINES = 4  # body lines searched for the document number under the title


@dataclass(frozen=True)
class Signature:
    """The 落款 closing a document: who issued it, when, and which lines it holds."""

    issuers: tuple[str, ...]
    written_at: str | None
    start: int  # index of its first line
    end: int  # one past its last line (the date, or the 此件公开发布 note after it)


@dataclass(frozen=True)
class PolicyReading:
    """The policy fields of a page, its document title and where its text ends."""

    fields: dict[str, Any]
    title: str | None
    body_end: int  # body lines from here on are attachments lists and footer


def _compact(text: str) -> str:
    return "".join(text.split())


def _signature_date(compact: str) -> str | None:
    """Return the ISO date of a line holding only a date: 2023年9月3日, 二〇二四年五月八日."""
    if not cp.SIGNATURE_DATE_RE.match(compact):
        return None
    return find_date(compact) or chinese_numeral_date(compact)


def _organizations(line: str) -> list[str] | None:
    """Return the issuing bodies a signature line names, or None when it is not one."""
    tokens = line.split()
    if not tokens or len(_compact(line)) > 60:
        return None
    if all(cp.ORGANIZATION_RE.match(token) for token in tokens):
        return tokens
    return None


def _is_prose(line: str) -> bool:
    return len(line) >= 20 and cp.PROSE_END_RE.search(line) is not None


def find_signature(lines: list[str]) -> Signature | None:
    """Find the first signature after some prose: issuing bodies above a date line.

    The first one is the document's own: a document that forwards (转发) or issues (印发)
    another prints its signature before the forwarded text.
    """
    prose_before = False
    for index, line in enumerate(lines):
        compact = _compact(line)
        issuers: list[str] = []
        written = _signature_date(compact)
        if written is None:
            prose_before = prose_before or _is_prose(line)
            continue
        first = index
        while first > 0 and index - first < _SIGNATURE_LINES:
            names = _organizations(lines[first - 1])
            if names is None:
                break
            issuers[:0] = names
            first -= 1
        end = index + 1
        while end < len(lines) and cp.CLOSING_NOTE_RE.match(_compact(lines[end])):
            end += 1
        if prose_before and issuers:
            return Signature(tuple(issuers), written, first, end)
        prose_before = prose_before or _is_prose(line)
    return None


def clean_title(title: str) -> tuple[str, str | None]:
    """Strip column tags, a glued document number and a glued date from a policy heading.

    Return the title and the document number that stood before it, if any:
    ``【贷款】武公中规〔2026〕2号武汉…的通知`` -> (``武汉…的通知``, ``武公中规〔2026〕2号``).
    """
    title = cp.TITLE_DATE_SUFFIX_RE.sub("", title).strip()
    title = cp.TITLE_TAG_PREFIX_RE.sub("", title).strip()
    match = cp.DOC_NUMBER_RE.match(title)
    if match and len(title) - match.end() >= 8:
        return title[match.end() :].strip(), normalize_doc_number(match.group(0))
    suffix = cp.TITLE_NUMBER_SUFFIX_RE.search(title)
    if suffix and suffix.start() >= 8:
        return title[: suffix.start()].strip(), normalize_doc_number(suffix.group(1))
    return title, None


def _is_document_title(text: str) -> bool:
    compact = _compact(text)
    return (
        6 <= len(compact) <= 150
        and cp.DOCUMENT_KIND_RE.search(compact) is not None
        and cp.PROSE_END_RE.search(compact) is None
        and cp.PATH_SEPARATOR_RE.search(compact) is None
    )


def _title_issuer(title: str) -> str | None:
    """Return the issuing bodies a title opens with: 财政部 税务总局关于… -> 财政部 税务总局."""
    prefix, found, _ = title.partition("关于")
    if not found:
        return None
    prefix = cp.TITLE_FORWARDING_RE.split(prefix, maxsplit=1)[0].strip()
    return prefix if prefix and _organizations(prefix) else None


def _title_candidates(lines: list[str]) -> list[tuple[str, bool]]:
    """Return each line, and each wrapped title (True): 2-3 short lines, the first with 关于.

    Long titles wrap over lines of their own at the top of the text (dg.gov.cn, gov.cn
    bodies): 东莞市人民政府办公室关于进一步规范 / 我市房地产市场发展的通知.
    """
    candidates = []
    for index, line in enumerate(lines):
        candidates.append((line.strip(), False))
        if "关于" not in line:
            continue
        for size in (2, 3):
            run = lines[index : index + size]
            if (
                len(run) == size
                and all(len(part) <= 40 for part in run)
                and not any(_is_document_title(part) for part in run[:-1])
            ):
                candidates.append(("".join(part.strip() for part in run), True))
    return candidates


def _document_title(
    title: str | None, head: list[str], first_lines: list[str]
) -> tuple[str | None, str | None]:
    """Return the document's title and a number glued to it, from the heading or the head."""
    cleaned, number = clean_title(title) if title else (None, None)
    near = list(reversed(_title_candidates(head))) + _title_candidates(first_lines)
    if cleaned and _is_document_title(cleaned):
        # The heading may be the last line of a wrapped title: take the whole title.
        whole = _compact(cleaned)
        for line, wrapped in near:
            if wrapped and _compact(line).endswith(whole) and len(line) > len(whole):
                return clean_title(line)[0], number
        return cleaned, number
    # The heading found is a column name (通知公告, 政府信息) or a widget's (用户登录): the
    # title is the last document-shaped line above the text, or the first one opening it.
    for line, _ in near:
        candidate, glued = clean_title(line)
        if _is_document_title(candidate) and not cp.DOC_NUMBER_LINE_RE.match(_compact(line)):
            return candidate, glued or number
    return cleaned, number


def _cites_title(lines: list[str], title: str | None) -> bool:
    """Say whether the text cites the page's title in 《》: a story about the document.

    News about a policy (fgj.sh.gov.cn 工作动态) and 解读 pages (gov.cn, dongying) quote the
    document's full title; the document itself never does.
    """
    if not title:
        return False
    quoted = "《%s》" % _compact(title)
    return any(quoted in _compact(line) for line in lines)


def _number_line(lines: list[str]) -> str | None:
    for line in lines:
        match = cp.DOC_NUMBER_LINE_RE.match(_compact(line)) if len(line) <= 40 else None
        if match:
            # Keep the space of "财政部 税务总局公告…" as shown: only brackets are normalised.
            return normalize_doc_number(line.strip().strip("()（）")) if match else None
    return None


def _lines_after(head: list[str], title: str | None) -> list[str]:
    """Return the head lines below the title's last line (none when the title is not there)."""
    title_compact = _compact(title or "")
    after_title: list[str] = []
    for index, line in enumerate(head):
        compact = _compact(line)
        if len(compact) >= 4 and (compact in title_compact or title_compact in compact):
            after_title = head[index + 1 :]
    return after_title


def _posted_date(head: list[str], title: str | None) -> str | None:
    """Return the date of an unlabelled byline below the title (dg.gov.cn: 2017-03-21 15:25:53)."""
    for line in _lines_after(head, title):
        # A labelled line (成文日期：… on chinatax, 发布时间：… on shenyang) was read already.
        if len(line) <= 80 and not header_fields_in_lines([line]):
            value = find_date(line)
            if value:
                return value
    return None


def read_policy(
    table: dict[str, Any] | None,
    *,
    title: str | None,
    head: list[str],
    opening: list[str],
    lines: list[str],
    root: Any,
    url: str = "",
) -> PolicyReading | None:
    """Return a page's policy fields, title and text end; None when it is no policy document.

    ``table`` holds what the header table shows (or None), ``head`` the lines between the
    page's heading area and the body, ``opening`` the body's first lines as the page has
    them (a wrapped title among them), ``lines`` the cleaned body lines.
    """
    signature = find_signature(lines)
    if (
        table is None
        and signature is None
        and not any(cp.DOC_NUMBER_RE.search(line) for line in (*head, *opening[:_HEAD_LINES]))
    ):
        return None  # most news pages stop here: no header, signature or document number
    document_title, glued_number = _document_title(title, head, opening)
    if (title and cp.INTERPRETATION_TITLE_RE.search(title)) or _cites_title(lines, document_title):
        # A page about a policy: its header table, if any, and nothing from its story.
        if table is None:
            return None
        return PolicyReading(dict.fromkeys(POLICY_LABELS) | table, title, len(lines))
    labelled = header_fields_in_lines(head)
    below_title = _lines_after(head, document_title)[:_HEAD_LINES] if document_title else []
    number = glued_number or _number_line(below_title + head[-3:] + lines[:_HEAD_LINES])
    if table is None and not (
        document_title and _is_document_title(document_title) and (signature or number)
    ):
        return None
    # What a header table shows wins; labelled lines, then the text, fill what it leaves out.
    shown = set(table or ())
    fields: dict[str, Any] = dict.fromkeys(POLICY_LABELS) | (table or {})
    for name, value in labelled.items():
        if name not in shown:
            fields[name] = value
    if fields.get("published_at") is None and table is None:
        fields["published_at"] = _posted_date(head, document_title) or _posted_date(head, title)
    if "attachments" not in fields:
        fields["attachments"] = attachment_urls(root, url)
    issuer = _title_issuer(document_title or "") or (
        signature.issuers[0] if signature and signature.issuers else None
    )
    derived = {
        "title": document_title,
        "doc_number": number,
        "issuer": issuer,
        "written_at": signature.written_at if signature else None,
    }
    for name, value in derived.items():
        if fields.get(name) is None and name not in shown:
            fields[name] = value
    body_end = len(lines)
    if signature is not None and not any(
        _is_prose(line) and not cp.RECORD_LINE_RE.search(_compact(line))
        for line in lines[signature.end :]
    ):
        body_end = signature.end
    return PolicyReading(fields, fields["title"], body_end)
