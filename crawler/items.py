"""Items that travel from the spider through the pipelines into the archive."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PolicyDocument:
    """Header fields of a government policy document (发文机关, 发文字号, 成文日期 …)."""

    index_number: str | None = None
    issuer: str | None = None
    co_issuers: list[str] = field(default_factory=list)  # joint issuers (联合发文) after it
    doc_number: str | None = None
    written_at: str | None = None
    published_at: str | None = None
    topic: str | None = None
    validity: str | None = None
    attachments: list[str] = field(default_factory=list)


@dataclass
class AttachmentFile:
    """One attachment (附件) of an article as fetched: its text, or why it has none.

    ``error`` is one of broken, encrypted, scanned, too_large, unsupported (the file gave
    no text) or a fetch failure (http_404, timeout …); ``unchanged`` marks a file already
    archived with the same URL and size, not fetched again (the archive keeps its row).
    """

    url: str
    file_name: str
    content_type: str | None = None
    size: int | None = None  # the `bytes` column
    sha256: str | None = None
    text: str | None = None
    fetched_at: str | None = None
    error: str | None = None
    unchanged: bool = False


@dataclass
class Article:
    """One article page (all pages of a multi-page article) as fetched, then cleaned.

    The spider fills the fetch fields; each pipeline fills its own group. Original text
    stays beside its simplified form; times are ISO 8601 with offset.
    """

    # Filled by the spider.
    url: str
    source: str
    fetched_at: str
    kind: str = ""  # "news" | "policy"; "" lets the cleaner infer it
    site: str | None = None  # display name of the site that served the page
    page_urls: list[str] = field(default_factory=list)  # every page fetched, in order
    # Dropped by the cleaner; never in the item's repr, so no log line carries a page's bytes.
    raw_pages: list[bytes] = field(default_factory=list, repr=False)
    declared_encoding: str | None = None
    selectors: dict[str, str] = field(default_factory=dict)
    feed_published_at: str | None = None  # a feed's or sitemap's date for the page
    require_topics: bool = False
    # Filled by the chrome-stripping pipeline.
    title: str = ""
    text: str = ""
    published_at: str | None = None
    outlet: str | None = None
    author: str | None = None
    editor: str | None = None
    keywords: list[str] = field(default_factory=list)
    text_quality: str = "ok"  # "ok" | "repaired" | "mojibake"
    encoding: str | None = None
    policy: PolicyDocument | None = None
    attachment_links: list[tuple[str, str]] = field(default_factory=list)  # (URL, name shown)
    attachment_pointer: bool = False  # the body only points to the attachment (详见附件)
    # Filled by the attachments pipeline.
    attachments: list[AttachmentFile] = field(default_factory=list)
    # Filled by the script-normalizing pipeline.
    script: str = ""  # "hans" | "hant" | "mixed"
    variant: str | None = None  # "tw" | "hk" where the phrasing shows it
    title_simplified: str = ""
    text_simplified: str = ""
    outlet_simplified: str | None = None
    author_simplified: str | None = None
    topics: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    # Filled by the deduplicating pipeline: what the archive matches copies on.
    canonical_url: str = ""
    text_hash: str = ""
    signature: bytes | None = None
    signature_length: int = 0
    # Filled by the store pipeline from the archive's merge decision.
    article_id: str = ""
    is_new_article: bool = True
    match_reason: str | None = None  # "same_text" | "near_duplicate" | "same_policy" | "same_url"
