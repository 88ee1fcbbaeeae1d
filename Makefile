# dlspec: `make demo` and `make test` work on a fresh machine (they create .venv and install).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# The course data and offline weights sit beside the project when this is the project's checkout.
SHARED := $(abspath ..)/shared
ifneq ($(wildcard $(SHARED)/data),)
export DLSPEC_DATA_DIR ?= $(SHARED)/data
endif
ifneq ($(wildcard $(SHARED)/weights),)
export DLSPEC_WEIGHTS_DIR ?= $(SHARED)/weights
endif
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: install demo test test-fast lint format reproduce bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[test]'
	touch $(STAMP)

# `dlspec reproduce --quick`: every lab's quick recipe, checked against its quick_targets
# (a few minutes on 2 cores). The numpy labs' matrix products run on one OpenBLAS thread: with
# two, a second busy process on a 2-core machine made them 5-10 times slower (OpenBLAS threads
# spin waiting for each other); TensorFlow's own threads are not affected.
# DEMO_OUT: the report folder (a run resumes what an earlier one left there, e.g. the style
# transfer's checkpoints; `make bench` times the demo in an empty one).
DEMO_OUT ?= reports
demo: install
	OPENBLAS_NUM_THREADS=$${OPENBLAS_NUM_THREADS:-1} $(BIN)/dlspec reproduce --quick --out $(DEMO_OUT)

# Two pytest-xdist workers, whole files per worker (a module's fixtures are built once): on a
# 2-core machine `make test-fast` took 256 s instead of 381 s (same load). PYTEST_ARGS adds
# options, e.g. `make test PYTEST_ARGS="-x -k golden"`; TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# Everything, the `slow` tests included (whole-lab quick runs, trainings, fresh processes).
test: install
	$(PYTEST) $(PYTEST_ARGS)

# While working: everything but the `slow` tests.
test-fast: install
	$(PYTEST) -m "not slow" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

reproduce: install
	$(BIN)/dlspec reproduce

# The benchmarks, then (last: the others rewrite the table) the suite's and the demo's wall
# times with the ten slowest tests (benchmarks/suite_times.py).
bench: install
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done
	$(BIN)/python benchmarks/suite_times.py
	@cat reports/bench.md

clean:
	rm -rf $(VENV) reports .pytest_cache .ruff_cache *.egg-info
