# Two entry points for a newcomer: `make run` (set up, run the main job) and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | md5sum | cut -c1-12)
ARGS ?=

.PHONY: setup run test lint bench app clean

setup: $(STAMP) .numba_cache/.warm-$(shell cat abm/*.py agents/*.py 2>/dev/null | md5sum | cut -c1-12)

# Compile the model's Numba kernels into .numba_cache once per code change, so that the first
# run (and the app's first click) loads them instead of compiling for ~30-50 s.
.numba_cache/.warm-%: $(STAMP)
	$(PY) -m webapp.warm
	rm -f .numba_cache/.warm-*; touch $@

$(STAMP): requirements.lock pyproject.toml
	@PYTHON=$$(bash .ci/find-python) || exit 1; \
	if [ ! -x $(PY) ]; then echo "creating $(VENV) with $$PYTHON"; $$PYTHON -m venv $(VENV); fi
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-*; touch $(STAMP)

run: setup
	$(PY) -m abm run --scenario baseline --scenario plan --end-year 2035 --out results $(ARGS)

test: setup
	$(PY) -m ruff check .
	$(PY) -m pytest -n 2 $(ARGS)

lint: setup
	$(PY) -m ruff check .

bench: setup
	$(PY) benchmarks/bench_step.py $(ARGS)

clean:
	rm -rf $(VENV) results .pytest_cache

app: setup
	SOLARA_TELEMETRY_MIXPANEL_ENABLE=False OMP_WAIT_POLICY=PASSIVE \
	  $(VENV)/bin/solara run app.py --host 127.0.0.1 --port 8765 --no-open --production


.PHONY: test-app
test-app: setup  ## the app's tests only (browser tests need /usr/bin/chromium)
	$(PY) -m pytest -n 2 tests/test_app.py tests/browser $(ARGS)

# Batch experiments (docs/experiments.md): make experiment EXP=levers_vs_baseline [ARGS=...]
EXP ?= levers_vs_baseline
.PHONY: experiment experiment-report bench-experiments
experiment: setup
	$(PY) -m experiments run $(EXP) $(ARGS)

experiment-report: setup
	$(PY) -m experiments report $(EXP) $(ARGS)

bench-experiments: setup
	$(PY) benchmarks/bench_experiments.py $(ARGS)

# The golden baseline (tests/golden/annual.csv): update only when a change of results is intended.
.PHONY: golden
golden: setup
	$(PY) tests/golden/golden.py
