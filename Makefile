# Two entry points for a newcomer: `make run` (set up, run the main job) and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | md5sum | cut -c1-12)
ARGS ?=

.PHONY: setup run test lint bench app clean

setup: $(STAMP)

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
	$(VENV)/bin/solara run app.py --host 127.0.0.1 --port 8765 --no-open
