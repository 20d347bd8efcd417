"""Pipeline 2: detect the script and add simplified copies beside the original text."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from crawler import stats
from crawler.items import Article
from crawler.text.script import detect_script, detect_variant, to_simplified


class NormalizeScriptPipeline:
    """Keep the original text and add its simplified form (OpenCC).

    Settings: none. Stats: ``xietong/script/<script>``.
    """

    def __init__(self, stats: Any = None):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalizeScriptPipeline:
        """Build the pipeline for a crawl."""
        return cls(stats=crawler.stats)

    def open_spider(self) -> None:
        """Build the script detector's character table now (OpenCC, about half a second).

        Built at the first page otherwise, where it holds up the whole crawl's thread.
        """
        detect_script("")

    def process_item(self, item: Article) -> Article:
        """Fill script, variant and the simplified fields."""
        item.script = detect_script(item.title + "\n" + item.text)
        item.variant = detect_variant(item.text) if item.script != "hans" else None

        def simplified(value: str) -> str:
            return to_simplified(value, item.script, item.variant)

        item.title_simplified = simplified(item.title)
        item.text_simplified = simplified(item.text)
        item.outlet_simplified = simplified(item.outlet) if item.outlet else None
        item.author_simplified = simplified(item.author) if item.author else None
        if self.stats is not None:
            self.stats.inc_value(stats.reason_key(stats.SCRIPT, item.script))
        return item
