"""Read a policy document from its text: number under the title, signature (落款), true title.

Government sites that show no header table still print the document in the national format
(GB/T 9704): the document number on its own line under the title, the title itself
(机关 + 关于 + 事由 + 文种), the text, then the signature: the issuing bodies and the date.
This module reads those parts from the lines the cleaner found, fills what a header table
left out, and says where the document ends (before the attachments list and the footer).
Pages about a policy (解读, news) get no fields from their text.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crawler.clean import patterns as cp
from crawler.clean.attachment_links import find_attachment_links
from crawler.clean.line_kinds import squeeze
from crawler.clean.policy_header import (
    POLICY_LABELS,
    attachment_urls,
    header_fields_in_lines,
    normalize_doc_number,
)
from crawler.text.dates import chinese_numeral_date, find_date

if TYPE_CHECKING:
    from crawler.clean.page import Page

__all__ = [
    "PolicyReading",
    "Signature",
    "clean_title",
    "co_issuers",
    "drop_policy_head",
    "find_signature",
    "heading_from_page_title",
    "read_page_policy",
    "read_policy",
]

_SIGNATURE_LINES = 6  # issuing bodies listed above the date, one per line at most
_MAX_ISSUERS = 12  # joint issuers (联合发文) one value may list
_PLACE_CHARS = 8  # characters of a full name searched for the end of its place name
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
    # Signature lines standing after the text's container (a one-paragraph 令 whose
    # container is its paragraph): the body goes on with them, up to ``body_end``.
    closing: tuple[str, ...] = ()


def _signature_date(compact: str) -> str | None:
    """Return the ISO date of a line holding only a date: 2023年9月3日, 二〇二四年五月八日."""
    if not cp.SIGNATURE_DATE_RE.match(compact):
        return None
    compact = unicodedata.normalize("NFKC", compact)
    return find_date(compact) or chinese_numeral_date(compact)


def _organizations(line: str) -> list[str] | None:
    """Return the issuing bodies a signature line names, or None when it is not one."""
    tokens = line.split()
    if not tokens or len(squeeze(line)) > 60:
        return None
    if len(tokens) >= 3 and all(len(token) == 1 for token in tokens):
        # Spaced letter by letter to fill the line, 合 肥 市 人 民 政 府 (unseen-policy 027;
        # metamorphic tests on dg.gov.cn and gjj.wuhan.gov.cn signatures).
        tokens = ["".join(tokens)]
    if all(cp.ORGANIZATION_RE.match(token) for token in tokens):
        return tokens
    return None


def _issuers_and_date(line: str) -> tuple[list[str], str] | None:
    """Return the bodies and the date of a signature printed on one line, or None."""
    match = cp.SIGNATURE_WITH_DATE_RE.match(unicodedata.normalize("NFKC", line.strip()))
    if match is None:
        return None
    issuers = _organizations(match.group("issuers"))
    written = _signature_date(squeeze(match.group("date")))
    return (issuers, written) if issuers and written else None


def _is_prose(line: str) -> bool:
    return len(line) >= 20 and cp.PROSE_END_RE.search(line) is not None


def find_signature(lines: list[str]) -> Signature | None:
    """Find the first signature after some prose: issuing bodies (or a signer) above a date.

    The first one is the document's own: a document that forwards (转发) or issues (印发)
    another prints its signature before the forwarded text. A 令 is signed by a person
    (部长 李小鹏): its issuer is the body its title names.
    """
    prose_before = False
    for index, line in enumerate(lines):
        compact = squeeze(line)
        issuers: list[str] = []
        written = _signature_date(compact)
        if written is None:
            one_line = (
                _issuers_and_date(line) if len(compact) <= 80 and compact.endswith("日") else None
            )
            if one_line is None:
                prose_before = prose_before or _is_prose(line)
                continue
            issuers, written = one_line
        first = index
        signed = False
        while first > 0 and index - first < _SIGNATURE_LINES:
            names = _organizations(lines[first - 1])
            if names is None:
                if not cp.SIGNER_RE.match(squeeze(lines[first - 1])):
                    break
                signed, names = True, []
            issuers[:0] = names
            first -= 1
        end = index + 1
        while end < len(lines) and cp.CLOSING_NOTE_RE.match(squeeze(lines[end])):
            end += 1
        if prose_before and (issuers or signed):
            return Signature(tuple(issuers), written, first, end)
        prose_before = prose_before or _is_prose(line)
    return _date_alone(lines)


def _date_alone(lines: list[str]) -> Signature | None:
    """Return a signature of the date alone: the text's last date line, right after prose.

    A 公告 or a notice whose issuer the title names may close with its date only ("特此公告。"
    then 2024年3月5日; unseen-policy 033, 034); the date is its 成文日期.
    """
    for index in range(len(lines) - 1, 0, -1):
        written = _signature_date(squeeze(lines[index]))
        if written is None:
            continue
        before = lines[index - 1].rstrip()
        if not (
            before and cp.PROSE_END_RE.match(before[-1]) and any(map(_is_prose, lines[:index]))
        ):
            return None  # "特此公告。" is short, yet ends the text
        end = index + 1
        while end < len(lines) and cp.CLOSING_NOTE_RE.match(squeeze(lines[end])):
            end += 1
        return Signature((), written, index, end)
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
    compact = squeeze(text)
    return (
        6 <= len(compact) <= 150
        and cp.DOCUMENT_KIND_RE.search(compact) is not None
        and cp.PROSE_END_RE.search(compact) is None
        and cp.PATH_SEPARATOR_RE.search(compact) is None
    )


def heading_from_page_title(heading: str | None, page_title: str | None) -> str | None:
    """Return the document title a page shows only in <title>, when its heading is no title.

    Pages whose text container holds the document without its title (a 政府文件 page that
    prints the title in <title> alone; the issue's open gap, unseen-policy pages 026, 030)
    leave the headline finder a column name, the signature's issuer or <title> whole. The
    longest part of <title> between separators shaped like a document title is the title then.
    """
    if not page_title or (
        heading
        and _is_document_title(clean_title(heading)[0])  # a number glued to it stays its own
        and not cp.PAGE_TITLE_SEPARATOR_RE.search(heading)  # <title> itself, site name and all
    ):
        return None
    parts = (clean_title(part.strip())[0] for part in cp.PAGE_TITLE_SEPARATOR_RE.split(page_title))
    shaped = [part for part in parts if _is_document_title(part)]
    return max(shaped, key=len) if shaped else None


def _title_prefix(title: str) -> str:
    """Return what a title says before 关于 or 印发/转发: its issuer, if it names one."""
    prefix, found, _ = title.partition("关于")
    if not found:
        # 机关 + 印发 / 转发 + the issued document, without 关于: 某市人民政府办公室印发《…》的通知.
        match = cp.TITLE_ISSUING_RE.search(title)
        if match is None:
            return ""
        prefix = title[: match.start()]
    return cp.TITLE_FORWARDING_RE.split(prefix, maxsplit=1)[0].strip()


def _title_issuer(title: str) -> str | None:
    """Return the issuing bodies a title opens with: 财政部 税务总局关于… -> 财政部 税务总局."""
    prefix = _title_prefix(title)
    return prefix if prefix and _organizations(prefix) else None


def _bodies(value: str | None) -> list[str]:
    """Return the issuing bodies a value lists, in order: 财政部、税务总局 -> [财政部, 税务总局].

    Every part must be shaped like a body's name, else the value lists none ([]).
    """
    parts = [part for part in cp.ISSUER_SEPARATOR_RE.split(value or "") if part]
    if parts and len(parts) <= _MAX_ISSUERS and all(map(cp.ORGANIZATION_RE.match, parts)):
        return parts
    return []


def _in_order(short: str, full: str) -> bool:
    """Say whether every character of ``short`` stands in ``full``, in order."""
    rest = iter(full)
    return all(char in rest for char in short)


def _same_body(one: str, other: str) -> bool:
    """Say whether two names are one body: the same, or one the other's abbreviation.

    Conservative: an abbreviation ends as the full name does and starts where it starts, or
    after its place name (市住建局 / 慈溪市住房和城乡建设局, 财政局 / 慈溪市财政局);
    国家发展改革委 and 国家发展和改革委员会 count as two, which only keeps co-issuers out.
    """
    one, other = squeeze(one), squeeze(other)
    if one == other:
        return True
    short, full = sorted((one, other), key=len)
    if len(short) < 3 or short[-1] != full[-1] or full.startswith(short):
        return False  # 中国人民银行 / 中国人民银行辽宁省分行: a body and its branch
    if full.endswith(short):
        return full[-len(short) - 1] in cp.PLACE_LEVEL_CHARS or short[0] in cp.PLACE_LEVEL_CHARS
    if full[:2] == short[:2] and _in_order(short[2:], full[2:]):
        return True
    # After the place name: 市 + what follows it, in order (市住建局, 市政府 for 市人民政府).
    return short[0] in cp.PLACE_LEVEL_CHARS and any(
        char == short[0] and _in_order(short[1:], full[index + 1 :])
        for index, char in enumerate(full[1:_PLACE_CHARS], start=1)
    )


def co_issuers(issuer: str | None, listings: list[list[str]]) -> list[str]:
    """Return the bodies issuing a document jointly with ``issuer``, in the order shown.

    ``issuer`` may list them itself (财政部 税务总局: its first body leads); else the first of
    ``listings`` (the signature's bodies, the title's) with two bodies or more, one of them
    the issuer, gives the others. When the issuer matches none or several, none are given.
    """
    if not issuer:
        return []
    own = _bodies(issuer) or [squeeze(issuer)]
    for bodies in (own, *listings):
        if len(bodies) < 2:
            continue
        leads = [body for body in bodies if _same_body(own[0], body)]
        if len(leads) == 1:
            return list(dict.fromkeys(body for body in bodies if body != leads[0]))
    return []


def _with_co_issuers(fields: dict[str, Any], bodies: list[str]) -> dict[str, Any]:
    """Return ``fields`` with ``co_issuers`` placed right after ``issuer``."""
    placed: dict[str, Any] = {}
    for name, value in fields.items():
        if name != "co_issuers":
            placed[name] = value
        if name == "issuer":
            placed["co_issuers"] = bodies
    return placed


def _number_issuer(number: str | None) -> str | None:
    """Return the body an order's or notice's number names: 安徽省人民政府令第318号 -> 安徽省人民政府.

    令, 公告 and 通告 are numbered under their issuer's name (GB/T 9704): the 政府令 and 部令
    signed by a person (www.ah.gov.cn-like, www.mot.gov.cn-like pages of unseen-policy).
    """
    match = cp.ISSUER_NUMBER_RE.match(number or "")
    return match.group(1) if match and _organizations(match.group(1)) else None


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
        whole = squeeze(cleaned)
        if number is None:
            # A copy of the title above the text may carry the number the heading lacks
            # (dg.gov.cn's title element glued to its number; the title read from <title>).
            number = next(
                (
                    glued
                    for glued_title, glued in map(clean_title, (line for line, _ in near))
                    if glued and squeeze(glued_title) == whole
                ),
                None,
            )
        # The heading may be the last line of a wrapped title: take the whole title.
        for line, wrapped in near:
            if wrapped and squeeze(line).endswith(whole) and len(line) > len(whole):
                return clean_title(line)[0], number
        return cleaned, number
    # The heading found is a column name (通知公告, 政府信息) or a widget's (用户登录): the
    # title is the last document-shaped line above the text, or the first one opening it.
    for line, _ in near:
        candidate, glued = clean_title(line)
        if _is_document_title(candidate) and not cp.DOC_NUMBER_LINE_RE.match(squeeze(line)):
            return candidate, glued or number
    return cleaned, number


def _cites_title(lines: list[str], title: str | None) -> bool:
    """Say whether the text cites the page's title in 《》: a story about the document.

    News about a policy (fgj.sh.gov.cn 工作动态) and 解读 pages (gov.cn, dongying) quote the
    document's full title; the document itself never does.
    """
    if not title:
        return False
    quoted = "《%s》" % squeeze(title)
    return any(quoted in squeeze(line) for line in lines)


def _number_line(lines: list[str]) -> str | None:
    for line in lines:
        match = cp.DOC_NUMBER_LINE_RE.match(squeeze(line)) if len(line) <= 40 else None
        if match:
            # Keep the space of "财政部 税务总局公告…" as shown: only brackets are normalised.
            return normalize_doc_number(line.strip().strip("()（）")) if match else None
    return None


def _lines_after(head: list[str], title: str | None) -> list[str]:
    """Return the head lines below the title's last line (none when the title is not there)."""
    title_compact = squeeze(title or "")
    after_title: list[str] = []
    for index, line in enumerate(head):
        compact = squeeze(line)
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
    after: list[str] | None = None,
) -> PolicyReading | None:
    """Return a page's policy fields, title and text end; None when it is no policy document.

    ``table`` holds what the header table shows (or None), ``head`` the lines between the
    page's heading area and the body, ``opening`` the body's first lines as the page has
    them (a wrapped title among them), ``lines`` the cleaned body lines, ``after`` the short
    lines standing right after the text's container (where a signature may stand).
    """
    signature = find_signature(lines)
    closing: tuple[str, ...] = ()
    if signature is None and after:
        # The container may end before the signature (a one-paragraph 令 is its own
        # container): a signature ending among the lines after it closes the text.
        joined = [*lines, *after]
        found = find_signature(joined)
        if found is not None and found.end > len(lines):
            signature, closing = found, tuple(joined[len(lines) : found.end])
            lines = joined[: found.end]
    if (
        table is None
        and signature is None
        and not any(cp.DOC_NUMBER_RE.search(line) for line in (*head, *opening[:_HEAD_LINES]))
        and not (title and _title_issuer(clean_title(title)[0]))
    ):
        return None  # most news pages stop here: no header, signature, number or issuing title
    document_title, glued_number = _document_title(title, head, opening)
    below_title = _lines_after(head, document_title)[:_HEAD_LINES] if document_title else []
    number = glued_number or _number_line(below_title + head[-3:] + lines[:_HEAD_LINES])
    # An order (令) quotes the regulation it issues, whose name is the page's heading; its
    # number line and its signature say it is the document (政府令 and 部令 pages).
    cites = _cites_title(lines, document_title) and not (number and signature)
    if (title and cp.INTERPRETATION_TITLE_RE.search(title)) or cites:
        # A page about a policy: its header table, if any, and nothing from its story.
        if table is None:
            return None
        shown_only = _with_co_issuers(dict.fromkeys(POLICY_LABELS) | table, [])
        return PolicyReading(shown_only, title, len(lines) - len(closing))
    labelled = header_fields_in_lines(head)
    # A document whose title names its issuer (机关 + 关于 + 事由 + 文种) is one without number
    # or signature too: its text a file (wild 045 gjj.anqing.gov.cn) or its date left blank
    # (年 月 日, wild 049 gjj.gzlps.gov.cn).
    if table is None and not (
        document_title
        and _is_document_title(document_title)
        and (signature or number or _title_issuer(document_title))
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
    issuer = (
        _title_issuer(document_title or "")
        or (signature.issuers[0] if signature and signature.issuers else None)
        or _number_issuer(number)
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
    # Joint issuers, first source that lists the issuer among others: the issuer's own value
    # (发文机关 国务院办公厅、中央军委办公厅 on www.gov.cn; a title's 国家发展改革委 财政部 …, ndrc-
    # and nanjing-like unseen-policy 020, 028), the signature (fcj.shenyang.gov.cn's five,
    # www.cixi.gov.cn), the title (www.cixi.gov.cn, tj.gov.cn-like unseen-policy 004: both
    # signed too, the title still gives them when the signature is not read).
    listings = [
        list(signature.issuers) if signature else [],
        _bodies(_title_prefix(document_title or "")),
    ]
    fields = _with_co_issuers(fields, co_issuers(fields.get("issuer"), listings))
    body_end = len(lines)
    if signature is not None and not any(
        _is_prose(line) and not cp.RECORD_LINE_RE.search(squeeze(line))
        for line in lines[signature.end :]
    ):
        body_end = signature.end
    return PolicyReading(fields, fields["title"], body_end, closing)


# --- the policy header stage ---------------------------------------------------------------

_POLICY_HEAD_WINDOW = 20  # blocks before the body searched for a policy's title and number
_POLICY_AFTER_WINDOW = 8  # blocks after the body searched for a signature (signer, bodies, date)


def read_page_policy(page: Page) -> None:
    """Read a policy's fields from its header table, printed head and signature.

    The policy's own title (with its 文号, when the heading shows one) replaces the
    headline, and the printed head (title, number, header lines) leaves the body.
    """
    blocks, start, end = page.blocks, page.start, page.end
    policy_head = [
        b.text
        for b in blocks[max(0, start - _POLICY_HEAD_WINDOW) : start]
        if b.link_chars < b.chars
    ]
    opening = [b.text for b in blocks[start:end][:4]]
    after: list[str] = []
    for block in blocks[end : end + _POLICY_AFTER_WINDOW]:
        if block.chrome or block.link_chars * 2 > block.chars or block.chars > 40:
            break  # the footer's chrome, a link list or prose: no signature
        after.append(block.text)
    reading = read_policy(
        page.header_policy,
        title=page.title,
        head=policy_head,
        opening=opening,
        lines=page.lines,
        root=page.root,
        url=page.url,
        after=after,
    )
    page.policy = reading.fields if reading else None
    if page.policy is None and page.links:
        page.links = find_attachment_links(page.root, page.url, labelled_only=True)
    if reading:
        page.title = _with_shown_number(reading.title, page.title) or page.title
        lines = [*page.lines, *reading.closing][: reading.body_end]
        page.lines = drop_policy_head(lines, reading.fields)
    elif page.title:
        page.title = cp.TITLE_DATE_SUFFIX_RE.sub("", page.title)  # "… ( 2025年08月25日 )"


def _with_shown_number(title: str | None, heading: str | None) -> str | None:
    """Return the title with the number the heading shows after it: "…的通知（国发〔2017〕28号）".

    The number is read off for 发文字号 all the same; the title keeps it as the page shows it
    (wild 122 fangchan.com; the TRS site slice's policy headings).
    """
    if not title or not heading:
        return title
    if _shows_bare_number(title, heading):
        return heading
    suffix = cp.TITLE_NUMBER_SUFFIX_RE.search(heading)
    if suffix and squeeze(heading[: suffix.start()]).endswith(squeeze(title)):
        return "%s（%s）" % (title, suffix.group(1).strip())
    return title


def _shows_bare_number(title: str, heading: str) -> bool:
    """Say whether the heading is the title with its number glued on, unbracketed.

    吉市产权公发[2019]第20号 after the TRS slice's 产权转让公告 headings, 渝电大招〔2020〕6号--
    before boda-district's 关于印发… headings: the heading is kept as the page shows it.
    """
    compact_title, compact_heading = squeeze(title), squeeze(heading)
    if compact_heading.startswith(compact_title):
        rest = compact_heading[len(compact_title) :]
    elif compact_heading.endswith(compact_title):
        rest = compact_heading[: -len(compact_title)]
    else:
        return False
    return bool(rest) and cp.DOC_NUMBER_LINE_RE.match(rest.strip("-—－_:：")) is not None


def _header_run(lines: list[str]) -> int:
    """Return how many leading lines are a header table's labelled lines (0 if none).

    A run of ``label：value`` lines counts when one of its labels is a policy field's, so a
    lone "各部委：现将…" opening the text stays.
    """
    size = 0
    while size < len(lines) and (
        cp.HEADER_LINE_RE.match(lines[size].strip())
        or header_fields_in_lines(lines[size : size + 1])
    ):
        size += 1  # "label：value", or a policy label shown empty (主题分类：)
    return size if size and header_fields_in_lines(lines[:size]) else 0


def _is_printed_head(line: str, issuer: str, after_number: bool) -> bool:
    """Say whether a line is the document's printed head: registration number, number, issuer.

    The issuing body's name counts as the policy's issuer, or as any body's name right below
    a number line (www.anhua.gov.cn shows 安化县 as 发布机构 and prints the full name).
    """
    tokens = line.split()
    return bool(tokens) and all(
        cp.REGISTRATION_NUMBER_RE.match(token)
        or cp.DOC_NUMBER_LINE_RE.match(token)
        or (issuer and token == issuer)
        or (after_number and cp.ORGANIZATION_RE.match(token))
        for token in tokens
    )


def drop_policy_head(lines: list[str], policy: dict[str, Any]) -> list[str]:
    """Drop the repeated title, header and document-number lines at the top of a policy body."""
    title = squeeze(policy.get("title") or "")
    doc_number = squeeze(policy.get("doc_number") or "")
    issuer = squeeze(policy.get("issuer") or "")
    out = list(lines)
    after_number = False
    while out:
        compact = squeeze(out[0])
        if (title and compact and compact in title) or (doc_number and compact == doc_number):
            out.pop(0)
            continue
        if cp.DOC_NUMBER_LINE_RE.match(compact) or _is_printed_head(out[0], issuer, after_number):
            after_number = True
            out.pop(0)
            continue
        header = _header_run(out)
        if header:
            del out[:header]
            continue
        break
    return out
