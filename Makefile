# make setup: create or refresh .venv; a no-op (seconds) when pyproject.toml is unchanged.
# make serve / build / test / bench: setup first, then the job.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: setup serve build test lint bench screenshots clean

setup: $(STAMP)

# Re-install when pyproject.toml changes or the venv is missing or broken.
$(STAMP): pyproject.toml
	@$(BIN)/python -c "" 2>/dev/null || $(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[docs,test]'
	@# axe-core for the accessibility tests; without npm those tests skip and say why.
	@command -v npm >/dev/null && npm install --silent --no-save --prefix .cache/npm axe-core@4 \
		|| echo "npm not found: browser accessibility tests will skip (install Node.js/npm)"
	@touch $@

serve: setup
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

build: setup
	$(BIN)/mkdocs build --strict

lint: setup
	$(BIN)/ruff check src tests hooks examples bench

test: lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/build_times.py
	$(BIN)/python bench/page_weight.py

screenshots: setup
	$(BIN)/python tests/browser/screenshots.py

clean:
	rm -rf site .cache
