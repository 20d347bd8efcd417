# One task runner for people and CI alike (.ci/run calls the same targets).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo serve digest test test-tools lint bench bench-extract bench-dedup bench-search bench-crawl bench-resume bench-distributed clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: install
	$(BIN)/xietong demo

# After `make demo`: datasette over the archive, and a digest (WEEK=2024-W08; empty = default week).
# The archive is DB=PATH when given, else what xietong reads: $XIETONG_DB, else data/xietong.db.
DB ?=
PORT ?= 8001
WEEK ?=

serve: install
	$(BIN)/xietong serve $(if $(DB),--db $(DB)) --port $(PORT)

digest: install
	$(BIN)/xietong digest $(if $(DB),--db $(DB)) $(if $(WEEK),--week $(WEEK))

test: install test-tools
	$(BIN)/pytest -q

# What the tests need beyond PyPI, from Debian: redis-server (distributed crawls), Chromium
# (pages and digests as a reader sees them) and a font with Chinese characters (test PDFs).
# Installed with apt-get when missing: as root, or through sudo when it asks no password.
CJK_FONTS := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc /usr/share/fonts/truetype/wqy/wqy-microhei.ttc /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
TEST_TOOLS_MISSING := $(strip \
	$(if $(shell command -v redis-server),,redis-server) \
	$(if $(shell command -v chromium),,chromium) \
	$(if $(wildcard $(CJK_FONTS)),,fonts-wqy-zenhei))
APT_GET := DEBIAN_FRONTEND=noninteractive apt-get

test-tools:
ifneq ($(TEST_TOOLS_MISSING),)
	@if [ "$$(id -u)" = 0 ]; then sudo=; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else echo "make test needs $(TEST_TOOLS_MISSING): run sudo make test-tools" >&2; exit 2; fi; \
	echo "installing $(TEST_TOOLS_MISSING) (apt-get)"; \
	$$sudo env $(APT_GET) update -qq && \
	$$sudo env $(APT_GET) install -y -qq --no-install-recommends $(TEST_TOOLS_MISSING) >/dev/null
endif

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: bench-extract bench-dedup bench-search bench-crawl

bench-extract: install
	$(BIN)/python benchmarks/bench_extract.py

bench-dedup: install
	$(BIN)/python benchmarks/bench_dedup.py

# The archive size bench-search builds: make bench-search ARTICLES=1000000
ARTICLES ?= 100000

bench-search: install
	$(BIN)/python benchmarks/bench_search.py --articles $(ARTICLES)

# The crawl with attachments on, then attachment extraction on its own (ms per PDF page).
bench-crawl: install
	$(BIN)/python benchmarks/bench_crawl.py
	$(BIN)/python benchmarks/bench_attachments.py

bench-resume: install
	$(BIN)/python benchmarks/bench_resume.py

bench-distributed: install
	$(BIN)/python benchmarks/bench_distributed.py

clean:
	rm -rf $(VENV) data/xietong.db data/xietong.db-wal data/xietong.db-shm
