"""Pipeline 3: say what an article is (news or policy, topics, regions); drop off-topic pages."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler import stats
from crawler.items import Article
from crawler.text.topics import infer_kind, is_cooperation_article, tag_regions, tag_topics


class TagTopicsPipeline:
    """Fill the article's kind (unless its source names one), topics and regions.

    Topics and regions are read from the simplified text (the script pipeline runs first).
    A source with ``require_topics = true`` contributes only cooperation articles (a topic
    and a place in the region); the others are dropped as ``off_topic``.
    Settings: none. Stats: ``xietong/dropped/off_topic`` and per source.
    """

    def __init__(self, stats: Any = None):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TagTopicsPipeline:
        """Build the pipeline for a crawl."""
        return cls(stats=crawler.stats)

    def process_item(self, item: Article) -> Article:
        """Fill kind, topics and regions; drop an off-topic page of a topic-bound source."""
        if not item.kind:
            item.kind = infer_kind(item.title, item.text, item.policy is not None)
        item.topics = tag_topics(item.text_simplified, item.title_simplified)
        item.regions = tag_regions(item.text_simplified, item.title_simplified)
        if item.require_topics and not is_cooperation_article(item.topics, item.regions):
            stats.count_reason(self.stats, stats.DROPPED, stats.OFF_TOPIC, item.source)
            raise DropItem(
                "no cooperation topic (source requires one): %s" % item.url, log_level="INFO"
            )
        return item
