# Complaint Coach — the two commands of the README's quick start are `make demo` and `make test`.
SHELL := /bin/bash
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
COACH := .venv/bin/coach
EXAMPLE ?= examples/en_hotel_late_room.json

.PHONY: demo test setup setup-dev lint bench eval ui clean

$(UV):
	python3 -m venv .tools && .tools/bin/pip install -q "uv==$(UV_VERSION)"

setup: $(UV)  ## runtime install from the lock (no model downloads, no API key)
	$(UV) sync --frozen --inexact --no-dev --compile-bytecode

setup-dev: $(UV)  ## runtime + test tools + the local-model extra (builds llama-cpp-python once)
	CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(UV) sync --frozen --inexact --all-extras --group dev --compile-bytecode

demo: setup  ## build the index and coach one example conversation on the embedded default
	$(COACH) index build
	$(COACH) suggest $(EXAMPLE)

test: setup-dev  ## lint, then the whole test suite (browser tests skip without /usr/bin/chromium)
	.venv/bin/ruff check assistant ui tests evals benchmarks
	.venv/bin/pytest -q

eval: setup  ## the rules-backend regression gate over evals/datasets
	$(COACH) eval --backend rules --no-progress --out .coach-runs/latest
	$(COACH) eval real-dev --out .coach-runs/real-dev

bench: setup-dev
	.venv/bin/python benchmarks/run_all.py

ui: setup
	$(COACH) ui

clean:
	rm -rf .venv .tools .pytest_cache .ruff_cache tests/output
