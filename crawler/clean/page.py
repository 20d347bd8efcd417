"""The one page object the cleaner's stages read and fill, from raw bytes to fields.

Each stage (``crawler.clean.extract.STAGES``) reads what earlier stages left on the page
and sets its own attributes; a stage that fails leaves its attributes at these defaults,
so every later stage can rely on their types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.clean.attachment_links import AttachmentLink
    from crawler.clean.layout import Block, Layout


@dataclass(eq=False)
class Page:
    """One page on its way through the cleaner's stages."""

    # Given by the caller.
    raw: bytes | str
    url: str = ""
    declared_encoding: str | None = None
    selectors: dict[str, str] = field(default_factory=dict)
    # decode
    text: str = ""
    encoding: str = "utf-8"
    quality: str = "ok"
    document_kind: str = "html"  # html, feed, sitemap, xml, json
    utf8: bytes | None = None  # the raw bytes, when they are the text in UTF-8 exactly
    # parse
    root: Any = None
    # signals, read from the tree before it is cleaned
    signal_elements: dict[str, list[Any]] | None = None  # meta, script, a, base: one pass
    meta: dict[str, str] = field(default_factory=dict)
    jsonld_date: str | None = None
    header_policy: dict[str, Any] | None = None  # a policy header table's fields
    links: list[AttachmentLink] = field(default_factory=list)
    page_urls: list[str] = field(default_factory=list)
    script_chars: int = 0  # characters of inline script: a script-built page has many
    # container
    layout: Layout | None = None
    blocks: list[Block] = field(default_factory=list)
    container: Any = None
    start: int = 0
    end: int = 0
    selected: dict[str, str | None] = field(default_factory=dict)
    # title and body
    page_title: str = ""
    spam: Any = None  # the title stage's SpamCheck, for the stages after it
    title: str | None = None
    title_index: int = -1
    lines: list[str] = field(default_factory=list)
    # policy header
    policy: dict[str, Any] | None = None
    # credits
    published_at: str | None = None
    site: str | None = None
    outlet: str | None = None
    author: str | None = None
    editor: str | None = None
    keywords: list[str] = field(default_factory=list)
    # page type
    page_type: str = "other"
    is_article: bool = False
    body_override: str | None = None  # the pointing line of a 详见附件 page
    # what went wrong: named warnings of stages that failed, and why the page is unreadable
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def body_blocks(self) -> list[Block]:
        """Return the blocks of the article container."""
        return self.blocks[self.start : self.end]
