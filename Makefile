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

.PHONY: install demo test lint format reproduce bench clean

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
demo: install
	OPENBLAS_NUM_THREADS=$${OPENBLAS_NUM_THREADS:-1} $(BIN)/dlspec reproduce --quick

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

reproduce: install
	$(BIN)/dlspec reproduce

bench: install
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done
	@cat reports/bench.md

clean:
	rm -rf $(VENV) reports .pytest_cache .ruff_cache *.egg-info
