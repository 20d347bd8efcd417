"""Find where a comment thread or a list of other posts starts after the article text.

Comment threads, forum replies and blog post lists are made of entries that repeat one
structure (same tag, same class) and each carry a short time stamp line. Once the
article's prose has started, the first such entry of a run of at least
``_MIN_ENTRIES`` is where the article ends, whatever the entries' class names say. No dev
page changes with the cut off; issue 9 asks for it and the class-renaming test needs it.
Requiring prose in each entry (``_stamped_entries``) keeps zh.wikipedia.org's fact rows
(extraction-dev 028) in the article.
"""

from __future__ import annotations

from typing import Any

from crawler.clean import patterns as cp
from crawler.clean.layout import Block

_MIN_ENTRIES = 3  # sibling entries with a time stamp each make a thread
_MIN_PROSE_BEFORE = 200  # characters of article prose before a thread can start


def _entry_of(element: Any, container: Any) -> Any | None:
    """Return the ancestor of ``element`` (up to the container) that repeats among its siblings."""
    node = element
    while node is not None and node is not container:
        parent = node.getparent()
        if parent is None:
            return None
        tag, name = node.tag, node.get("class")
        alike = 0
        for sibling in parent:
            if sibling.tag == tag and sibling.get("class") == name:
                alike += 1
                if alike >= _MIN_ENTRIES:
                    return node
        node = parent
    return None


def _inside(element: Any, entry: Any) -> bool:
    return element is entry or any(a is entry for a in element.iterancestors())


def _stamped_entries(entry: Any, blocks: list[Block], start: int, stamps: set[int]) -> int:
    """Count the entries alike to ``entry`` that hold both a stamp line and some prose.

    Alike means the same parent, tag and class. Rows of a fact table (an infobox's
    birth date) have stamps but no prose; comments and replies have both.
    """
    parent = entry.getparent()
    alike = {s for s in parent if s.tag == entry.tag and s.get("class") == entry.get("class")}
    stamped: set[Any] = set()
    prosed: set[Any] = set()
    # element -> the entry among ``alike`` holding it (None: none below ``parent``). Many
    # blocks share an element or its ancestors: each is looked up the tree once per call.
    owners: dict[Any, Any] = {}
    for index in range(start, len(blocks)):
        block = blocks[index]
        is_stamp = index in stamps
        if not is_stamp and not (block.punct and block.chars > 10):
            continue
        node, passed, owner = block.element, [], None
        while node is not None:
            if node in owners:
                owner = owners[node]
                break
            if node in alike:
                owner = node
                break
            if node is parent:
                break
            passed.append(node)
            node = node.getparent()
        for node in passed:
            owners[node] = owner
        if owner is not None:
            (stamped if is_stamp else prosed).add(owner)
    return len(stamped & prosed)


def thread_start(blocks: list[Block], container: Any) -> int | None:
    """Return the index of the first block of a thread of entries, or None when there is none."""
    stamp_chars, stamp_line = cp.TIMESTAMP_CHARS_RE.search, cp.TIMESTAMP_LINE_RE.search
    stamps = [
        index
        for index, block in enumerate(blocks)
        if block.chars <= cp.TIMESTAMP_LINE_MAX_CHARS
        and stamp_chars(block.text)
        and stamp_line(block.text)
    ]
    if len(stamps) < _MIN_ENTRIES:
        return None
    prose_chars = 0
    tried: set[Any] = set()
    stamp_set = set(stamps)
    for index, block in enumerate(blocks):
        if block.punct and block.chars > 10 and block.link_chars * 2 < block.chars:
            prose_chars += block.chars
        if index not in stamp_set or prose_chars < _MIN_PROSE_BEFORE:
            continue
        entry = _entry_of(block.element, container)
        if entry is None or entry in tried:
            continue
        tried.add(entry)
        start = index
        while start > 0 and _inside(blocks[start - 1].element, entry):
            start -= 1
        end = index + 1
        while end < len(blocks) and _inside(blocks[end].element, entry):
            end += 1
        if end - start < 2:
            continue  # a lone dated paragraph of the article, not an entry (stamp + text)
        if sum(b.chars for b in blocks[:start] if b.punct) < _MIN_PROSE_BEFORE:
            continue  # the entry holds the article itself (a forum's first post)
        if _stamped_entries(entry, blocks, start, stamp_set) >= _MIN_ENTRIES:
            return start
    return None
