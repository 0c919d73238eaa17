# Every target bootstraps .venv from python3 when it is missing or pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run run-pool test test-unit lint bench bench-province demo-data clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)  ## the whole service on embedded defaults, in the foreground
	$(PY) -m deployments.run_all

run-pool: $(STAMP)  ## the same service on a process work pool with two workers, PostgreSQL for both databases
	$(PY) -m deployments.pool

# Two workers, one test file each at a time: the flow tests mostly wait on servers (each worker
# starts its own Prefect server, PostgreSQL and portal on free ports), so two halve CI's wall time.
test: $(STAMP)  ## every test: unit, integration (SQLite + PostgreSQL), flows
	$(PY) -m pytest -q -n 2 --dist loadfile

test-unit: $(STAMP)
	$(PY) -m pytest -q tests/regulation tests/adapters

lint: $(STAMP)  ## style, and the architecture's import contracts (pyproject.toml [tool.importlinter])
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(PY) -m bench.run_all

# Not in `make bench`: a province generated, then 1,000 daily inspections through the pool stack.
# On the 2-core reference machine the stack carries 0.49 first legs/s at N=200 and 0.33 at N=1,000,
# so 1,000 with every record (3,000 legs) take about 2 1/2 hours; ARGS="--runs 200 --rate 0.2" took
# 24 minutes, ARGS="--runs 1000 --records 200 --rate 0.2" (800 left waiting) 74 minutes.
bench-province: $(STAMP)  ## a province-year, simulated and measured (issue 20)
	$(PY) -m bench.province $(ARGS)

demo-data: $(STAMP)
	$(VENV)/bin/supervise demo-data

clean:
	rm -rf $(VENV) var .pytest_cache
