"""Find every page of a column list: the paging that CMS families write in script or links.

Column lists of Chinese government sites show their first page only; the others are
named by a script (TRS ``createPageHTML(7, 0, "index", "html")`` or ``Pager({size: 7,
prefix: 'index', suffix: 'html'})`` → ``index_1.html`` … ``index_6.html`` in the same
folder), by numbered links (``index_2.htm``, ``list_3.html``, VSB ``column/5.htm``,
``?page=3``), or by a list API the page's script calls (``…/list.do?pageNo=1``).
:func:`column_paging` returns those pages in reading order; :func:`listed_items` reads the
items of a list page with the dates shown beside them, so a scheduled crawl can stop
paging at known or old items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html

from crawler.discover.families import recognise_family

# How many pages of an open-ended list (an API whose page count the page does not state)
# are named at most; the source's max_pages bounds the walk well before.
OPEN_ENDED_PAGES = 500

# --- Paging written by script ----------------------------------------------------------------
# TRS: createPageHTML(count, index, name, ext), arguments literal or named variables; some
# templates put the paging bar's element id first.
CREATE_PAGE_CALL = re.compile(r"\bcreatePageHTML\s*\(([^()]*)\)")
# TRS and look-alikes: Pager({size: 7, current: 0, prefix: 'index', suffix: 'html', …}).
PAGER_CALL = re.compile(r"\bPager\s*\(\s*\{([^{}]*)\}\s*\)", re.S)
PAGER_FIELD = re.compile(r"""(\w+)\s*:\s*(?:(\d+)|["']([^"']*)["'])""")
# `var countPage = 7;` and the like, which a paging call may name instead of literals.
SCRIPT_VARIABLE = re.compile(r"""\bvar\s+(\w+)\s*=\s*(?:(\d+)|["']([^"']*)["'])\s*[;,\n]""")
PAGE_EXTENSIONS = ("html", "htm", "shtml", "jhtml", "jsp", "php", "aspx")

# --- Paging written as links (href or onclick strings) ----------------------------------------
# index_2.htm, list_3.html, default_4.shtml, index_2.jhtml, in the page's own folder.
NUMBERED_NAMES = ("index", "list", "default", "more")
# Searched in the lower-cased page; the link is then read back to its opening quote.
NUMBERED_PAGE = re.compile(
    r"""(?<![\w-])(%s)_(\d{1,4})\.(s?html?|jhtml|jsp)(?=["')])""" % "|".join(NUMBERED_NAMES)
)
LINK_START = re.compile(r"""["'(][^"'()\s<>]*$""")
# VSB: a column page `zcwj.htm` numbers its other pages `zcwj/5.htm` … `zcwj/1.htm`.
FOLDER_NUMBERED_PAGE = re.compile(r"""["']([^"'()\s<>]*?/(\d{1,4})\.s?html?)["']""", re.I)
# ?page=3, ?pageNo=3, ?pageIndex=3, ?pn=3, ?p=3, ?curPage=3, ?currentPage=3
PAGE_PARAMETERS = ("page", "pageno", "pageindex", "pagenum", "pn", "p", "curpage", "currentpage")
HREF = re.compile(r"""\bhref\s*=\s*["']([^"'#]+)["']""", re.I)
# A list API named in a script: a URL string with a page parameter whose path reads as data.
SCRIPT_BLOCK = re.compile(r"<script\b[^>]*>(.*?)</script>", re.S | re.I)
SCRIPT_URL = re.compile(r"""["']((?:https?://|/|\.\.?/)?[\w./-]+\?[^"'\s<>]+)["']""")
API_PATH = re.compile(r"api|\.do\b|json|list|query|search|data", re.I)

# --- List items ----------------------------------------------------------------------------
# The elements one list item sits in, nearest first: the date is read from there.
ITEM_CONTAINERS = ("li", "tr", "dd", "dt", "p")
ITEM_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


@dataclass(frozen=True)
class ColumnPaging:
    """The pages of a column after the one read, in order, and how they were found.

    ``how`` is ``create_page_html``, ``pager_script``, ``numbered_links``,
    ``page_parameter`` or ``list_api``; ``open_ended`` when the page count is not stated
    (an API walked until a page lists nothing new).
    """

    family: str | None
    how: str
    pages: tuple[str, ...]
    open_ended: bool = False


@dataclass(frozen=True)
class ListedItem:
    """A link of a list page and the date shown beside it (ISO date, or None)."""

    url: str
    published_on: str | None


def _script_values(html: str) -> dict[str, int | str]:
    values: dict[str, int | str] = {}
    for name, number, text in SCRIPT_VARIABLE.findall(html):
        values.setdefault(name, int(number) if number else text)
    return values


def _arguments(text: str, variables: dict[str, int | str]) -> list[int | str]:
    found: list[int | str] = []
    for raw in text.split(","):
        raw = raw.strip()
        if re.fullmatch(r"\d+", raw):
            found.append(int(raw))
        elif len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
            found.append(raw[1:-1])
        elif raw in variables:
            found.append(variables[raw])
        else:
            return []  # a name we cannot read: the function's own definition, or a computed value
    return found


def _absolute(url: str, href: str) -> str | None:
    """Return ``href`` made absolute against ``url``; None for one no URL can be made of."""
    try:
        target = urljoin(url, href)
        urlsplit(target).port  # noqa: B018 - a bad port or IPv6 host raises only when read
    except ValueError:
        return None
    return target


def _named_pages(url: str, name: str, extension: str, numbers: range) -> tuple[str, ...]:
    return tuple(urljoin(url, "%s_%d.%s" % (name, n, extension)) for n in numbers)


def _create_page_html(html: str, url: str) -> tuple[str, ...] | None:
    if "createPageHTML" not in html:
        return None
    variables: dict[str, int | str] | None = None
    for match in CREATE_PAGE_CALL.finditer(html):
        if variables is None:
            variables = _script_values(html)
        args = _arguments(match.group(1), variables)
        numbers = [a for a in args if isinstance(a, int)]
        texts = [a for a in args if isinstance(a, str)]
        if len(numbers) < 2 or len(texts) < 2 or texts[-1].lower() not in PAGE_EXTENSIONS:
            continue
        count, name, extension = numbers[0], texts[-2], texts[-1]
        if not re.fullmatch(r"[\w.-]+", name):
            continue
        return _named_pages(url, name, extension, range(1, count))
    return None


def _pager_script(html: str, url: str) -> tuple[str, ...] | None:
    if "Pager" not in html:
        return None
    for match in PAGER_CALL.finditer(html):
        fields = {
            key.lower(): int(number) if number else text
            for key, number, text in PAGER_FIELD.findall(match.group(1))
        }
        size, prefix, suffix = fields.get("size"), fields.get("prefix"), fields.get("suffix")
        if not isinstance(size, int) or not isinstance(prefix, str) or not isinstance(suffix, str):
            continue
        if suffix.lower() not in PAGE_EXTENSIONS or not re.fullmatch(r"[\w.-]+", prefix):
            continue
        return _named_pages(url, prefix, suffix, range(1, size))
    return None


def _same_folder(url: str, other: str) -> bool:
    a, b = urlsplit(url), urlsplit(other)
    return a.netloc == b.netloc and a.path.rpartition("/")[0] == b.path.rpartition("/")[0]


def _page_name(url: str) -> str:
    """Return the name a page's numbered siblings share: ``index`` of ``index_3.html`` or ``/``."""
    file = urlsplit(url).path.rpartition("/")[2]
    stem = file.rpartition(".")[0] if "." in file else file
    return re.sub(r"_\d+$", "", stem).lower() or "index"


def _numbered_links(html: str, url: str) -> tuple[str, ...] | None:
    groups: dict[tuple[str, str], set[int]] = {}
    lowered = html.lower()
    if len(lowered) != len(html):  # a character whose lower case is longer: keep positions
        lowered = html
    # Only the page's own numbered siblings (index.html -> index_2.html): a home page
    # linking every channel list_N.html is not a column of its own.
    own = _page_name(url)
    named = own in NUMBERED_NAMES and own + "_" in lowered
    for match in NUMBERED_PAGE.finditer(lowered) if named else ():
        opening = LINK_START.search(html, max(0, match.start() - 300), match.start())
        if opening is None:
            continue
        target = _absolute(url, html[opening.start() + 1 : match.end()])
        if target is None or not _same_folder(url, target):
            continue
        if match.group(1) != own:
            continue
        key = (html[match.start(1) : match.end(1)], match.group(3))
        groups.setdefault(key, set()).add(int(match.group(2)))
    if groups:
        (name, extension), numbers = max(groups.items(), key=lambda kv: max(kv[1]))
        start = 1 if 1 in numbers else 2
        return _named_pages(url, name, extension, range(start, max(numbers) + 1))
    # VSB: page.htm -> page/N.htm, numbered downwards from the newest page after this one.
    path = urlsplit(url).path
    stem = path.rpartition("/")[2].rpartition(".")[0]
    if not stem or stem + "/" not in html:
        return None
    numbers = set()
    extension = "htm"
    for match in FOLDER_NUMBERED_PAGE.finditer(html):
        joined = _absolute(url, match.group(1))
        if joined is None:
            continue
        parts = urlsplit(joined)
        folder, _, file = parts.path.rpartition("/")
        if parts.netloc == urlsplit(url).netloc and folder == path.rpartition(".")[0]:
            numbers.add(int(match.group(2)))
            extension = file.rpartition(".")[2]
    if not numbers:
        return None
    return tuple(
        urljoin(url, "%s/%d.%s" % (stem, n, extension)) for n in range(max(numbers), 0, -1)
    )


def _with_parameter(url: str, name: str, value: int) -> str:
    parts = urlsplit(url)
    query = [(k, str(value) if k == name else v) for k, v in parse_qsl(parts.query, True)]
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


def _page_parameter_of(url: str) -> tuple[str, int] | None:
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key.lower() in PAGE_PARAMETERS and value.isdigit():
            return key, int(value)
    return None


def _names_a_page_parameter(html: str) -> bool:
    lowered = html.lower()
    return any(name + "=" in lowered for name in PAGE_PARAMETERS if len(name) > 1) or any(
        mark in lowered for mark in ("?p=", "&p=", "&amp;p=")
    )


def _page_parameter_links(html: str, url: str) -> tuple[str, ...] | None:
    if not _names_a_page_parameter(html):
        return None
    path = urlsplit(url).path
    best: dict[str, tuple[str, int]] = {}
    for href in HREF.findall(html):
        target = _absolute(url, href.replace("&amp;", "&"))
        if target is None:
            continue
        parts = urlsplit(target)
        if parts.netloc != urlsplit(url).netloc or parts.path != path:
            continue
        found = _page_parameter_of(target)
        if found and found[1] > best.get(found[0], ("", 0))[1]:
            best[found[0]] = (target, found[1])
    if not best:
        return None
    name, (target, last) = max(best.items(), key=lambda kv: kv[1][1])
    if last < 2:
        return None
    return tuple(_with_parameter(target, name, n) for n in range(2, last + 1))


def _list_api(html: str, url: str) -> tuple[str, ...] | None:
    if not _names_a_page_parameter(html):
        return None
    for block in SCRIPT_BLOCK.findall(html):
        for candidate in SCRIPT_URL.findall(block):
            target = _absolute(url, candidate.replace("&amp;", "&"))
            if target is None:
                continue
            parts = urlsplit(target)
            if parts.netloc != urlsplit(url).netloc or not API_PATH.search(parts.path):
                continue
            found = _page_parameter_of(target)
            if found is None:
                continue
            name, first = found
            return tuple(
                _with_parameter(target, name, n) for n in range(first, first + OPEN_ENDED_PAGES)
            )
    return None


def column_paging(html: str, url: str, family: str | None = None) -> ColumnPaging | None:
    """Return the other pages of the column list ``html`` (served at ``url``), or None.

    Pages come in reading order (newest items first, as the site pages them), the page
    read excluded. Script-written paging wins over links, links over a list API.
    ``family`` is the page's CMS family when the caller has recognised it already.
    """
    family = family or recognise_family(html)
    for how, finder in (
        ("create_page_html", _create_page_html),
        ("pager_script", _pager_script),
        ("numbered_links", _numbered_links),
        ("page_parameter", _page_parameter_links),
    ):
        pages = finder(html, url)
        if pages is not None:
            pages = tuple(page for page in pages if page != url)
            return ColumnPaging(family, how, pages) if pages else None
    pages = _list_api(html, url)
    if pages:
        return ColumnPaging(family, "list_api", pages, open_ended=True)
    return None


def _item_date(element: lxml.html.HtmlElement) -> str | None:
    node: lxml.html.HtmlElement | None = element
    for _ in range(3):
        node = node.getparent() if node is not None else None
        if node is None:
            return None
        if node.tag in ITEM_CONTAINERS:
            match = ITEM_DATE.search(node.text_content())
            if match is None:
                return None
            try:
                return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
            except ValueError:
                return None
    return None


def listed_items(html: str, url: str) -> list[ListedItem]:
    """Return the dated items of a list page: links in a list entry that shows a date.

    Navigation links carry no date beside them, so they are left out; an undated list
    gives an empty list (and a scheduled crawl then pages on to ``max_pages``).
    """
    try:
        tree = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return []
    items: dict[str, str | None] = {}
    for link in tree.iter("a"):
        href = (link.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        published_on = _item_date(link)
        target = _absolute(url, href) if published_on is not None else None
        if target is not None:
            items.setdefault(target, published_on)
    return [ListedItem(u, d) for u, d in items.items()]
