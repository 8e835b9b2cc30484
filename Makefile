# outdial — one Makefile for a fresh machine: `make demo` and `make test` set everything up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.outdial-installed
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help setup system-deps test-deps models demo serve test lint typecheck unit bench clean

help:
	@echo "make demo   - set up, build the models if missing, run the simulated campaigns"
	@echo "make test   - set up, build the models if missing, lint, type-check, run all tests"
	@echo "make models - build the INT8 ONNX models (cached by content hash)"
	@echo "make bench  - print the model and layer-size benchmarks"

# The virtualenv, reinstalled when the dependency lists change.
$(STAMP): pyproject.toml infra/models/requirements-build.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet -r infra/models/requirements-build.txt
	@touch $@

setup: $(STAMP)

# espeak-ng voices the simulated callees (committed fixture clips are used without it).
system-deps:
	@if ! command -v espeak-ng >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing espeak-ng (Debian package)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng >/dev/null; \
	  else echo "note: espeak-ng not installed (sudo apt-get install espeak-ng); using fixture clips"; fi; \
	fi

# Headless Chromium renders the campaign report in its test.
test-deps: system-deps
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium (Debian package) for the report render test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: chromium missing (sudo apt-get install chromium); the report render test skips"; fi; \
	fi

models: setup
	$(BIN)/python infra/models/build_asr.py --out build/models/asr
	$(BIN)/python infra/models/build_nlu.py --out build/models/nlu

demo: setup system-deps models
	$(BIN)/outdial demo

serve: setup models
	$(BIN)/outdial serve

lint: setup
	$(BIN)/ruff check .

typecheck: setup
	$(BIN)/mypy layers/outdial/outdial functions infra/models bench

unit: setup
	$(BIN)/python -m pytest tests/unit -q

test: setup test-deps models lint typecheck
	$(BIN)/python -m pytest

bench: setup models
	$(BIN)/python bench/models.py

clean:
	rm -rf build .aws-sam .pytest_cache .mypy_cache .ruff_cache

-include infra/sam.mk
