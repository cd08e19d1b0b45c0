# qcli: `make demo` and `make test` are all a new machine needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
TOOLS_STAMP := $(VENV)/.shells

.PHONY: install demo test lint bench completions man clean lock specs

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[emulator,test]'
	touch $(STAMP)

# pin what the suite runs with (after changing pyproject.toml's dependencies)
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -e '.[emulator,test]'
	(sed -n '1,3p' constraints.txt; .lock-venv/bin/pip freeze --exclude-editable | grep -v '^-e') \
	  > constraints.tmp && mv constraints.tmp constraints.txt
	rm -rf .lock-venv

# @tus/server and @qlik/api for the interop tests and the upload benchmark, from the committed lockfile
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# zsh, fish and groff for the completion and man-page tests, from the OS packages when missing
# (as root with apt-get); otherwise those tests say they skipped and why.
$(TOOLS_STAMP): | $(STAMP)
	@if command -v zsh >/dev/null && command -v fish >/dev/null && command -v groff >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing zsh, fish and groff-base for the completion and man-page tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zsh fish groff-base) \
	    >/dev/null 2>&1 || echo "note: could not install zsh/fish/groff; their tests will skip"; \
	else echo "note: zsh, fish or groff missing; their tests will say they skipped"; fi
	@touch $@

install: $(STAMP) $(NODE_STAMP)

demo: $(STAMP)
	@bash scripts/demo.sh

test: $(STAMP) $(NODE_STAMP) $(TOOLS_STAMP)
	$(BIN)/python -m pytest -q tests

specs: $(STAMP)
	$(BIN)/python scripts/spec_digest.py

lint: $(STAMP)
	$(BIN)/ruff check qcli tests bench scripts
	$(BIN)/mypy

# every benchmark runs (a missed target in one does not hide the others' figures); the exit
# status is 1 if any missed its target
bench: $(STAMP) $(NODE_STAMP)
	@missed=; for b in startup list list_memory upload rate_limits sync; do \
		$(BIN)/python bench/$$b.py || missed="$$missed $$b"; done; \
	if [ -n "$$missed" ]; then echo "targets missed in:$$missed" >&2; exit 1; fi

completions: $(STAMP)  # the shell scripts and qcli/cli/completion_index.py
	$(BIN)/python scripts/gen_completions.py completions

man: $(STAMP)
	$(BIN)/python scripts/gen_man.py man

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
