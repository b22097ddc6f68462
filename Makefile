# Two entry points do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-all test-gpu lint bench bench-gpu schemas clean

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

# including slow tests (not the CUDA ones: `test-gpu`)
test-all: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	$(BIN)/python -m pytest -q -m "not gpu"

# the CUDA tests (tests/gpu, marker `gpu`), on a machine with a GPU
test-gpu: $(BIN)/python
	$(BIN)/python -m pytest -q -m gpu tests/gpu

# ruff (lint and format) on everything, mypy on both packages (pyproject's [tool.mypy]); `test` runs it first
lint:
	$(BIN)/ruff check prefdata prefdata_train tests benchmarks
	$(BIN)/ruff format --check prefdata prefdata_train tests benchmarks
	$(BIN)/mypy

bench:
	$(BIN)/python benchmarks/bench_convert.py --rows 55000 550000 --repeat 3 --out bench-out/
	$(BIN)/python benchmarks/bench_convert.py --rows 55000 550000 --repeat 3 --escapes --out bench-out/
	$(BIN)/python benchmarks/bench_train.py --repeat 2
	$(BIN)/python benchmarks/bench_eval.py --pairs 512 --repeat 2 --out bench-out/
	$(BIN)/python benchmarks/bench_validate.py
	$(BIN)/python benchmarks/bench_mix.py --pairs 100000 1000000 --out bench-out/
	$(BIN)/python benchmarks/bench_start.py
	$(BIN)/python benchmarks/bench_infer.py --out bench-out/

# on a CUDA machine (an estimated 4-6 minutes on one H200): TRL against prefdata per attention implementation
# (DATA=path/to/hh-rlhf-harmless-base-test.jsonl.gz where ../shared/data is not beside the checkout)
bench-gpu: $(BIN)/python
	$(BIN)/python benchmarks/bench_gpu.py --steps 40 --out bench-out/ $(if $(DATA),--data $(DATA))

schemas:
	$(BIN)/python -m prefdata.records.schemas schemas
	$(BIN)/python -c "from prefdata._validate.schema import write_report_schema; write_report_schema('schemas')"
	$(BIN)/python -m prefdata_train._evaluation.evaluation_schema schemas

clean:
	rm -rf $(VENV) demo-out bench-out
