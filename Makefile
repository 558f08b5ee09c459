# The few commands people type. `make run` and `make test` set up what they need first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KEFU := $(VENV)/bin/kefu
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test test-sqlite test-postgres lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

kefu/locale/.compiled: $(VENV)/.installed $(wildcard kefu/locale/*/LC_MESSAGES/*.po)
	$(PY) -m kefu.core.i18n_compile
	touch $@

setup: $(VENV)/.installed node_modules/.installed kefu/locale/.compiled

run: setup
	$(KEFU) migrate
	$(KEFU) demo
	@echo ""
	@echo "  kefu 客服 → http://$(HOST):$(PORT)/"
	@echo "  demo sign-in (登录): admin · manager · agent · agent.en · auditor — password kefu-demo-2026"
	@echo "  API docs: http://$(HOST):$(PORT)/api/v1/docs"
	@echo ""
	$(KEFU) serve --host $(HOST) --port $(PORT)

test: setup
	$(PY) -m tests.run_all

lint: setup
	$(VENV)/bin/ruff check .

bench: setup
	$(PY) -m bench $(BENCH_ARGS)
	$(PY) -m bench.sentiment
	$(PY) -m bench.email
	$(PY) -m bench.proactive
	$(PY) -c 'import duckdb, pyarrow' 2>/dev/null || $(PY) -m pip install --quiet -e '.[bench]'; $(PY) -m bench.surveys $(SURVEY_BENCH_ARGS)
	$(PY) -m bench.search_quality && $(PY) -m bench.search $(SEARCH_BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules var
