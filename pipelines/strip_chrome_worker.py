"""What the strip pipeline's worker processes run: the cleaner on an article's pages, and set-up.

The strip pipeline (``pipelines.strip_chrome``) runs ``clean_pages`` in worker processes
(``XIETONG_STRIP_WORKERS``). A worker imports this module and what the cleaner needs,
nothing of Scrapy or the attachment readers: every crawl starts its workers, and what they
import is CPU the crawl pays for at its start. Process management (the parent watch) is
the pipeline's business, so it lives here and not in the pure cleaning package.
"""

from __future__ import annotations

import os
import threading
import time

from crawler.clean.extract import Extraction, extract_article, merge_pages


def clean_pages(
    raw_pages: list[bytes],
    page_urls: list[str],
    declared_encoding: str | None,
    selectors: dict[str, str] | None,
) -> Extraction:
    """Run the cleaner on every page of an article and join them (in a worker process, too)."""
    extractions = [
        extract_article(raw, page_url, declared_encoding=declared_encoding, selectors=selectors)
        for page_url, raw in zip(page_urls, raw_pages, strict=False)
    ]
    return merge_pages(extractions) if len(extractions) > 1 else extractions[0]


# A page for a worker process to clean once when it starts, so that its first real page
# does not also pay for imports and the cleaner's first-use set-up.
_WARM_UP_PAGE = (
    "<html><head><title>京津冀协同发展</title></head><body><div><p>%s</p></div></body></html>"
    % ("京津冀三地协同推进交通、生态和产业发展。" * 10)
)


def exit_with_parent(parent: int) -> None:
    """Make this worker process end when the crawl that started it is gone (even SIGKILLed).

    A worker holds both ends of its task pipe, so it would wait for work forever.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="xietong-parent-watch", daemon=True).start()


def warm_up() -> None:
    """Load the cleaner in a worker process: clean one small page and forget it."""
    clean_pages([_WARM_UP_PAGE.encode("utf-8")], ["http://warm-up.invalid/"], "utf-8", None)
