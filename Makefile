# Two entry points do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-all lint bench schemas clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# the main job, offline: generate a raw arena-style sample, convert, validate, build a tiny model, fit, evaluate
demo: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[train]"
	$(BIN)/prefdata-train demo demo-out --overwrite

# the fast test suite (what CI runs), after ruff and mypy (`lint`)
test: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	$(MAKE) lint
	$(BIN)/python -m pytest -q

# including slow tests
test-all: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	$(BIN)/python -m pytest -q -m "slow or not slow"

# ruff (lint and format) on everything, mypy on both packages (pyproject's [tool.mypy]); `test` runs it first
lint:
	$(BIN)/ruff check prefdata prefdata_train tests benchmarks
	$(BIN)/ruff format --check prefdata prefdata_train tests benchmarks
	$(BIN)/mypy

bench:
	$(BIN)/python benchmarks/bench_convert.py --rows 55000 550000 --repeat 3 --out bench-out/
	$(BIN)/python benchmarks/bench_convert.py --rows 55000 550000 --repeat 3 --escapes --out bench-out/
	$(BIN)/python benchmarks/bench_train.py --repeat 2
	$(BIN)/python benchmarks/bench_validate.py
	$(BIN)/python benchmarks/bench_mix.py --pairs 100000 1000000 --out bench-out/
	$(BIN)/python benchmarks/bench_start.py
	$(BIN)/python benchmarks/bench_infer.py --out bench-out/

schemas:
	$(BIN)/python -m prefdata.records.schemas schemas
	$(BIN)/python -c "from prefdata._validate.schema import write_report_schema; write_report_schema('schemas')"

clean:
	rm -rf $(VENV) demo-out bench-out
