# make setup: create or refresh .venv with exactly the versions in requirements.lock
# (uv, with hashes); a no-op when neither pyproject.toml nor the lock changed.
# make setup RESOLVE=latest: the newest releases the ranges in pyproject.toml allow instead
# (the weekly workflow .github/workflows/latest.yml); make lock refreshes the lock.
# make serve / build / test / bench: setup first, then the job.
PYTHON  ?= python3
RESOLVE ?= locked
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-$(RESOLVE)
NPM_STAMP := web/node_modules/.package-lock.json
export NO_MKDOCS_2_WARNING := 1

.PHONY: setup serve build test lint lock bench screenshots clean

setup: $(STAMP) $(NPM_STAMP)

# Re-install when pyproject.toml or the lock changes, or the venv is missing or broken.
# uv itself comes from PyPI into the venv, then installs everything else (it is in the lock).
$(STAMP): pyproject.toml requirements.lock | $(BIN)/uv
	@rm -f $(VENV)/.installed*
ifeq ($(RESOLVE),latest)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --upgrade --compile-bytecode --editable '.[docs,test]'
else
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --require-hashes --compile-bytecode requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --editable .
endif
	@touch $@

# From npm, exactly as web/package-lock.json pins them (versions, hashes): onnxruntime-web,
# which the build copies into the site for chapter 5's demo, and axe-core for the
# accessibility tests. npm writes the stamp itself. Without npm the site builds, the demo
# says its runtime is missing, and those tests skip and say why.
$(NPM_STAMP): web/package-lock.json
	@command -v npm >/dev/null && npm ci --silent --ignore-scripts --prefix web \
		|| echo "npm not found: no in-browser demo runtime, and the browser accessibility tests will skip (install Node.js/npm)"

# Every package version for Python 3.11+ on every platform, with hashes. torch stays at
# the release the pages' printed numbers were made with until raised on purpose here.
$(BIN)/uv:
	@$(BIN)/python -c "" 2>/dev/null || $(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet "uv>=0.13"

lock: | $(BIN)/uv
	$(BIN)/uv pip compile pyproject.toml --extra docs --extra test --universal \
		--python-version 3.11 --generate-hashes --upgrade --quiet \
		--constraint lock-constraints.txt --output-file requirements.lock

serve: setup
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

build: setup
	$(BIN)/mkdocs build --strict

# Run every missing or stale example into the cache the build uses (runner/, no MkDocs).
# Options through ARGS: make examples ARGS=--list, ARGS="--only ch3/conv_image",
# ARGS="pack results.tar.gz", ARGS="unpack results.tar.gz" (README, "Examples").
.PHONY: examples
examples: setup
	$(BIN)/python -m runner $(ARGS)

lint: setup
	$(BIN)/ruff check src tests hooks examples bench runner tools
	@# the GitHub workflows: valid against GitHub's schema, and no unsafe pattern
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/zizmor --offline --quiet .github/workflows/

# One pytest worker per core (pytest-xdist); --dist loadfile keeps each page's blocks and each
# test module together, in order, on one worker. The browser tests' site is built once, before
# the workers start (conftest.py).
test: lint
	$(BIN)/pytest -n auto --dist loadfile

# The PDF edition (tools/pdf.py): a strict build, then Chromium prints the whole course,
# one PDF per language, into site/downloads/ (needs poppler-utils and qpdf; README,
# "PDF and offline editions").
.PHONY: pdf
pdf: build
	$(BIN)/python tools/pdf.py --site site --out site/downloads

bench: setup
	$(BIN)/python bench/build_times.py
	$(BIN)/python bench/page_weight.py
	$(BIN)/python bench/inference.py

screenshots: setup
	$(BIN)/python tests/browser/screenshots.py

clean:
	rm -rf site .cache
