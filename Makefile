# qcli: `make demo` and `make test` are all a new machine needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: install demo test lint bench completions man clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[emulator,test]'
	touch $(STAMP)

# @tus/server for the interop tests and the upload benchmark, from the committed lockfile
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

demo: $(STAMP)
	@bash scripts/demo.sh

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -q tests

lint: $(STAMP)
	$(BIN)/ruff check qcli tests bench scripts
	$(BIN)/mypy

bench: $(STAMP) $(NODE_STAMP)
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/list.py
	$(BIN)/python bench/upload.py

completions: $(STAMP)
	$(BIN)/python scripts/gen_completions.py completions

man: $(STAMP)
	$(BIN)/python scripts/gen_man.py man

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
