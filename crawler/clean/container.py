"""Clean the tree, cut it into blocks and choose the article container.

A source's body selector names the container when it matches; otherwise the element whose
blocks score highest (``crawler.clean.layout``) is the container.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.clean.layout import choose_container, clean_tree, linearize, parse_html
from crawler.clean.selectors import select_text, selected_container

if TYPE_CHECKING:
    from crawler.clean.page import Page

__all__ = ["choose_page_container", "parse_page"]


def parse_page(page: Page) -> None:
    """Parse the decoded text into a tree (ExtractionError when there is no document)."""
    page.root = parse_html(page.text)


def choose_page_container(page: Page) -> None:
    """Strip what is never text, linearise the tree and choose the article container."""
    root = page.root
    clean_tree(root)
    # Selectors run on the cleaned tree: ruby annotations and scripts are gone by now.
    selectors = dict(page.selectors)
    body_selector = selectors.pop("body", None)
    page.selected = {key: select_text(root, sel) for key, sel in selectors.items()}
    layout = linearize(root, all_ranges=body_selector is not None)
    page.layout = layout
    page.blocks = layout.blocks
    container = selected_container(root, body_selector, layout.ranges)
    if container is None:
        container = choose_container(layout.scores, root)
    page.container = container
    page.start, page.end = layout.ranges.get(container, (0, len(layout.blocks)))
