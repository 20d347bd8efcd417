"""Where an article's own words begin, and a short lead taken from there.

Government documents open with an addressee line (各市人民政府，雄安新区管委会，省政府各部门：),
forwarding notices with a formula (现印发给你们，请认真贯彻落实), a signature and a date;
news opens with a dateline (新华社石家庄2月20日电（记者 …）) or a 导语 label. A reader's
lead, and the lead that topic scoring weighs, skip all of them. Every pattern holds the
simplified and the traditional form, so the original text can be read as published.
"""

from __future__ import annotations

import re

# A line that ends with a colon and names its addressees: the salutation of a document.
SALUTATION_LINE = re.compile(r"^[^。！？\n]{2,200}[：:]$")
ADDRESSEE_WORDS = re.compile(r"各|人民政府|管委[会會]|部[门門]|[单單]位|同志")
# News datelines and labels: 中评社北京2月21日电／, 新华社石家庄2月20日电（记者 王明）, 本报讯, 导语：
DATELINE = re.compile(
    r"^(?:[\u4e00-\u9fff]{2,14}?\d{1,2}月\d{1,2}日[电電]|本[报報][讯訊]|[导導][语語]\s*[:：])"
    r"\s*(?:[（(][^）)\n]{0,40}[）)])?\s*[／/:：—\-]*\s*"
)
# Forwarding formulas and release notes: the paragraph carries no news of its own.
FORWARDING = re.compile(
    r"印[发發][给給]你[们們]|[请請][认認][真]?[贯貫][彻徹]|[请請][遵][照][执執]行|此件公[开開][发發]布"
)
DATE_LINE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
# A line this short with no sentence punctuation is a heading, a signature or a title.
HEADING_LENGTH = 40
SENTENCE_PUNCTUATION = re.compile(r"[。！？；，：,!?;:]")
FORWARDING_LENGTH = 160

LEAD_LENGTH = 120
LEAD_MINIMUM_AT_SENTENCE_END = 60
SENTENCE_END = re.compile(r"[。！？；!?]")
WHITESPACE = re.compile(r"\s+")


def _is_opening_chrome(line: str) -> bool:
    """Say whether a line is a salutation, forwarding formula, date, signature or heading."""
    if SALUTATION_LINE.match(line) and ADDRESSEE_WORDS.search(line):
        return True
    if len(line) <= FORWARDING_LENGTH and FORWARDING.search(line):
        return True
    if DATE_LINE.match(line):
        return True
    return len(line) <= HEADING_LENGTH and not SENTENCE_PUNCTUATION.search(line)


def article_opening(text: str) -> str:
    """Return ``text`` from where the article's own words begin, one paragraph a line.

    Salutations, forwarding formulas, dates and heading-like lines before the first real
    paragraph are skipped, and a dateline is cut from that paragraph. Text that is all
    such lines is returned whole (stripped), so nothing short is lost.
    """
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    for index, line in enumerate(lines):
        if _is_opening_chrome(line):
            continue
        first = DATELINE.sub("", line, count=1) or line
        return "\n".join([first, *lines[index + 1 :]])
    return "\n".join(lines)


def make_lead(text: str, length: int = LEAD_LENGTH) -> str:
    """Return about ``length`` characters from where the article begins, whitespace collapsed.

    Cut after the last sentence end that leaves at least LEAD_MINIMUM_AT_SENTENCE_END
    characters, else at ``length`` with an ellipsis.
    """
    flat = WHITESPACE.sub(" ", article_opening(text)).strip()
    if len(flat) <= length:
        return flat
    head = flat[:length]
    ends = [match.end() for match in SENTENCE_END.finditer(head)]
    if ends and ends[-1] >= LEAD_MINIMUM_AT_SENTENCE_END:
        return head[: ends[-1]]
    return head.rstrip() + "…"
