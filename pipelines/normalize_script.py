"""Pipeline 2: detect the script and add simplified copies; tag topics and regions."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import Article
from crawler.text.script import detect_script, detect_variant, to_simplified
from crawler.text.topics import is_cooperation_article, tag_regions, tag_topics


class NormalizeScriptPipeline:
    """Keep the original text and add its simplified form (OpenCC); tag topics and regions.

    A source with ``require_topics = true`` contributes only cooperation articles (a topic
    and a place in the region).
    Settings: none. Stats: ``xietong/script/<script>``, ``xietong/dropped/off_topic``.
    """

    def __init__(self, stats: Any = None):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalizeScriptPipeline:
        """Build the pipeline for a crawl."""
        return cls(stats=crawler.stats)

    def process_item(self, item: Article) -> Article:
        """Fill script, variant, the simplified fields, topics and regions."""
        item.script = detect_script(item.title + "\n" + item.text)
        item.variant = detect_variant(item.text) if item.script != "hans" else None

        def simplified(value: str) -> str:
            return to_simplified(value, item.script, item.variant)

        item.title_simplified = simplified(item.title)
        item.text_simplified = simplified(item.text)
        item.outlet_simplified = simplified(item.outlet) if item.outlet else None
        item.author_simplified = simplified(item.author) if item.author else None
        item.topics = tag_topics(item.text_simplified, item.title_simplified)
        item.regions = tag_regions(item.text_simplified, item.title_simplified)
        if self.stats is not None:
            self.stats.inc_value("xietong/script/%s" % item.script)
        if item.require_topics and not is_cooperation_article(item.topics, item.regions):
            if self.stats is not None:
                self.stats.inc_value("xietong/dropped/off_topic")
                self.stats.inc_value("xietong/source/%s/dropped/off_topic" % item.source)
            raise DropItem(
                "no cooperation topic (source requires one): %s" % item.url, log_level="INFO"
            )
        return item
