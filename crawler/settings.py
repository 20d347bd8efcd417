"""How Xietong crawls: Scrapy settings plus our own ``XIETONG_*`` settings.

This is the one module that reads the environment. Each ``XIETONG_*`` setting may be
given as an environment variable of the same name; ``-s NAME=VALUE`` on the command
line beats both. Every setting is documented in the README's settings table (a test
checks that).
"""

from __future__ import annotations

import os


def environment_flag(name: str, default: bool) -> bool:
    """Read an on/off (``XIETONG_*_ENABLED``) setting from the environment: 0 or false is off."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value not in ("0", "false", "False")


BOT_NAME = "xietong"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- Xietong's own settings -------------------------------------------------------------
# Path of the SQLite archive.
XIETONG_DB = os.environ.get("XIETONG_DB", "data/xietong.db")
# Sources file the `sources` spider reads when no -a sources=... is given.
XIETONG_SOURCES = os.environ.get("XIETONG_SOURCES", "sources/jingjinji.toml")
# Items written per SQLite transaction by the store pipeline: a commit costs about as much as
# storing an item, and merges do not depend on the batch (the archive decides inside it).
XIETONG_STORE_BATCH_SIZE = int(os.environ.get("XIETONG_STORE_BATCH_SIZE", "100"))
# A batch is committed at the latest this many seconds after its first item, full or not.
XIETONG_STORE_BATCH_SECONDS = float(os.environ.get("XIETONG_STORE_BATCH_SECONDS", "2"))
# Processes that run the cleaner beside the crawl (0: in the crawl's own thread). One fewer
# than the machine's CPUs, at most 4: the crawl itself keeps one busy.
XIETONG_STRIP_WORKERS = int(
    os.environ.get("XIETONG_STRIP_WORKERS", str(max(0, min(4, (os.cpu_count() or 1) - 1))))
)
# Near-duplicate detection (MinHash-LSH over character shingles of the simplified text).
XIETONG_DEDUP_NEAR_ENABLED = environment_flag("XIETONG_DEDUP_NEAR_ENABLED", True)
# Skip article pages already in the archive on a re-crawl (listing pages, feeds and sitemaps are always fetched).
XIETONG_INCREMENTAL_ENABLED = environment_flag("XIETONG_INCREMENTAL_ENABLED", True)
# The function an incremental crawl reads the archived URLs with: (settings, spider name) ->
# canonical URLs. The archive's by default; distributed mode (crawler/distributed/workers.py)
# swaps in the Redis set's, so a worker needs no SQLite file.
XIETONG_INCREMENTAL_KNOWN_URLS = "crawler.archive.articles.archived_urls"
# Run monitoring: a crawl_runs row per crawl, source health judged at the end (exit status 3).
XIETONG_MONITOR_ENABLED = environment_flag("XIETONG_MONITOR_ENABLED", True)
# A source's date share is compared with its recent runs only when it stored this many items.
XIETONG_MONITOR_MIN_ARTICLES = int(os.environ.get("XIETONG_MONITOR_MIN_ARTICLES", "5"))
# Requests per source per crawl before the spider stops following its links (0 = no cap).
XIETONG_SPIDER_MAX_PAGES_PER_SOURCE = int(
    os.environ.get("XIETONG_SPIDER_MAX_PAGES_PER_SOURCE", "5000")
)

# Keep every response of a crawl in a WARC file (gzip, one per run), so `xietong reclean`
# can clean the pages again with a later cleaner without fetching them.
XIETONG_WARC_ENABLED = os.environ.get("XIETONG_WARC_ENABLED", "1") not in ("0", "false", "False")
# Folder of the WARC files; empty: `warc/` beside the archive (XIETONG_DB).
XIETONG_WARC_DIR = os.environ.get("XIETONG_WARC_DIR", "")

# The browser that fetches the pages of `render = true` sources (scrapy-playwright, the
# `render` extra): a Chromium or Chrome executable; empty: Playwright's own download.
XIETONG_RENDER_BROWSER = os.environ.get("XIETONG_RENDER_BROWSER", "/usr/bin/chromium")

# Attachments (附件): fetch each policy's attachment files, and files labelled 附件 on other
# pages, in the same crawl (same politeness, robots.txt and DOWNLOAD_MAXSIZE); store their text.
XIETONG_ATTACHMENTS_ENABLED = environment_flag("XIETONG_ATTACHMENTS_ENABLED", True)
# Attachments fetched per article at most (the rest of a long list are left alone).
XIETONG_ATTACHMENTS_MAX_PER_ARTICLE = int(
    os.environ.get("XIETONG_ATTACHMENTS_MAX_PER_ARTICLE", "20")
)

# --- Extensions ---------------------------------------------------------------------------
EXTENSIONS = {
    "crawler.ops.monitor.RunMonitor": 500,  # crawl_runs / crawl_run_sources rows, source health
    "crawler.ops.warc.WarcRecorder": 600,  # every response into <run id>.warc.gz (after the run id)
}

# --- Item pipelines: one job each, in this order ----------------------------------------
ITEM_PIPELINES = {
    "pipelines.strip_chrome.StripChromePipeline": 100,  # HTML -> clean text + metadata; drops non-articles
    "pipelines.fetch_attachments.AttachmentsPipeline": 200,  # fetch attachments, read their text
    "pipelines.normalize_script.NormalizeScriptPipeline": 300,  # script detection, simplified copies
    "pipelines.tag_topics.TagTopicsPipeline": 400,  # kind, topics, regions; drops off-topic pages
    "pipelines.deduplicate.DeduplicatePipeline": 500,  # canonical URL + text fingerprint for matching
    "pipelines.store.StorePipeline": 600,  # the archive merges copies and writes (crawler/archive/)
}

# --- Distributed mode: N workers share one crawl through Redis (crawler/distributed/workers.py) -----
# Redis URL (redis://HOST:PORT/DB); set (or `xietong crawl --redis URL`) to run as a worker.
XIETONG_REDIS_URL = os.environ.get("XIETONG_REDIS_URL", "")
# Seconds a worker waits on an empty shared queue (others may still add work) before stopping.
XIETONG_REDIS_MAX_IDLE = float(os.environ.get("XIETONG_REDIS_MAX_IDLE", "10"))
# Worker pipelines: clean on the workers; `xietong ingest`, the one writer, deduplicates and stores.
XIETONG_REDIS_ITEM_PIPELINES = {
    "pipelines.strip_chrome.StripChromePipeline": 100,  # as above
    "pipelines.fetch_attachments.AttachmentsPipeline": 200,  # as above (every attachment fetched)
    "pipelines.normalize_script.NormalizeScriptPipeline": 300,  # as above
    "pipelines.tag_topics.TagTopicsPipeline": 400,  # as above
    "pipelines.redis_queue.RedisQueuePipeline": 500,  # JSON onto the Redis item list
}
ADDONS = {
    "crawler.distributed.workers.DistributedAddon": 100,  # swaps scheduler and pipelines when XIETONG_REDIS_URL is set
}

# --- Politeness for real sites (the demo and tests override these with -s) ------------------
ROBOTSTXT_OBEY = True
USER_AGENT = "Xietong/0.1 (cooperation news archive; +https://example.invalid/xietong)"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Outputs of one response handled at once. Scrapy starts this many tasks for every
# response, whatever it yields; ours yield one article and a few links, and 100 tasks per
# page (Scrapy's default) cost the crawl's thread about 1 ms a page.
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
# 429 and 503 are retried after the wait their Retry-After header asks for, up to this
# many seconds; a longer wait gives the page up for this crawl.
XIETONG_RETRY_AFTER_MAX = float(os.environ.get("XIETONG_RETRY_AFTER_MAX", "60"))
SPIDER_MIDDLEWARES = {
    # The spider's output passes the higher numbers first: known URLs are skipped before
    # the cap counts a source's requests.
    "crawler.middlewares.KnownUrlsMiddleware": 960,  # skip archived article links (incremental)
    "crawler.middlewares.SourcePageCapMiddleware": 950,  # XIETONG_SPIDER_MAX_PAGES_PER_SOURCE
}
DOWNLOADER_MIDDLEWARES = {
    # Before robots.txt (100): a redirect off its source is dropped before the other host
    # is asked for robots.txt or looked up in DNS.
    "crawler.middlewares.SourceHostsMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,  # the next line
    "crawler.middlewares.OneLineRobotsTxtMiddleware": 100,  # no traceback for a dead host
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,  # replaced by the next line
    "crawler.middlewares.RetryAfterMiddleware": 550,  # Scrapy's retry, honouring Retry-After
    "crawler.demo.proxy.DemoProxyMiddleware": 740,  # demo host names -> the demo proxy (before 750)
}
# The demo's proxy server (`xietong demo` sets it): the bundled sites keep their host names
# <site>.xietong-demo.invalid from run to run, whatever port serves them.
XIETONG_DEMO_PROXY_URL = os.environ.get("XIETONG_DEMO_PROXY_URL", "")
# News pages are rarely above 2 MB; a 60 MB page or a gzip bomb is cut off, not stored.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
# Links followed from a start page: the spider applies each source's own max_depth; this
# is the ceiling for all of them (a calendar trap cannot run forever).
DEPTH_LIMIT = 8

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = os.environ.get("XIETONG_LOG_LEVEL", "INFO")
FEED_EXPORT_ENCODING = "utf-8"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
