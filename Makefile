# webstack — quickstart: `make preview` (offline preview of the prod stack), `make test` (everything).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STACK ?= prod
OUT ?= build/$(STACK)
APT_PACKAGES := nginx libnginx-mod-http-brotli-static wrk postgresql-15 chromium nodejs docker.io ca-certificates

.PHONY: help preview preview-all test test-fast lint typecheck bench schema docs system-deps clean policy-corpus bytecode

help:
	@echo "make preview      install the project into $(VENV) (stackcheck command) and preview STACK=$(STACK) (artifacts + reports in $(OUT))"
	@echo "make preview-all  preview prod, selfhosted, netlify, free and pro"
	@echo "make test         install everything the tests need, lint, run the whole suite"
	@echo "make bench        benchmarks (ratios measured side by side)"
	@echo "make policy-corpus  run the foreign-stack corpus through the pack, with and without its SDK speed-ups (tests/foreign; ARGS=-v lists every case)"
	@echo "make schema       regenerate package/schema.json, docs/reference/ and examples/yaml (component package)"

$(VENV)/.runtime: requirements.txt policy/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt -r policy/requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The project itself, installed editable: `stackcheck`, `webstack-audit-db`, `webstack-restore-drill` become commands of the venv, and
# `stackcheck preview` judges any Pulumi Python project with this checkout's pack (run it from that project).
$(VENV)/.installed: $(VENV)/.runtime pyproject.toml
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

# Bytecode for the checkout's modules, refreshed when sources changed (compileall skips the rest): under
# PYTHONDONTWRITEBYTECODE=1 (set in many CI and container images) Python never writes it, and every stackcheck, policy
# proxy and pack process compiled ~9,000 lines of source at start.
bytecode: $(VENV)/.runtime
	$(PY) -m compileall -q stackcheck components policy/webstack_policy

preview: $(VENV)/.installed bytecode
	$(VENV)/bin/stackcheck preview --stack $(STACK) --out $(OUT)

preview-all: $(VENV)/.installed bytecode
	for s in prod selfhosted netlify free pro; do $(VENV)/bin/stackcheck preview --stack $$s --out build/$$s >/dev/null || exit $$?; echo "$$s: ok"; done

# Real servers used by the tests (nginx, PostgreSQL, Chromium, wrk) come from Debian; installed when missing.
system-deps:
	@missing=""; \
	command -v nginx >/dev/null || missing="$$missing nginx"; \
	test -e /usr/lib/nginx/modules/ngx_http_brotli_static_module.so || missing="$$missing libnginx-mod-http-brotli-static"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	test -x /usr/lib/postgresql/15/bin/postgres || missing="$$missing postgresql-15"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	test -x /usr/sbin/dockerd || missing="$$missing docker.io"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(APT_PACKAGES); \
	fi

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	PYTHONPATH=policy $(VENV)/bin/lint-imports --no-cache  # layer contracts in pyproject.toml

typecheck: $(VENV)/.dev
	$(VENV)/bin/mypy components stackcheck tools policy/webstack_policy

# 2 workers: the machine has 2 cores. tests/run_budget.py stops a run over WEBSTACK_TEST_BUDGET (1500 s) with every
# process's stacks; `timeout` is the last resort should the interpreter itself be wedged (--foreground: Ctrl-C still
# reaches pytest; SIGTERM first, which tears the servers down, SIGKILL a minute later).
test: system-deps $(VENV)/.dev $(VENV)/.installed lint typecheck bytecode
	timeout --foreground -k 60 2400 $(PY) -m pytest -q -p no:cacheprovider -n 2 --durations=10

test-fast: $(VENV)/.dev
	$(PY) -m pytest -q -m "not real_server and not slow"

policy-corpus: $(VENV)/.runtime
	$(PY) tests/foreign/corpus.py --compare-unpatched $(ARGS)

bench: system-deps $(VENV)/.dev bytecode
	for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit $$?; done

docs: $(VENV)/.dev
	$(PY) -m tools.configdoc --write

schema: $(VENV)/.dev
	$(PY) -m tools.schema --write

clean:
	rm -rf build .pytest_cache .hypothesis
