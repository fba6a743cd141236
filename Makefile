# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint format bench setup clean demo

run: setup ## set up and open the app
	$(PY) -m app $(ARGS)

test: setup lint ## set up, lint and run the whole suite headless
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check app tests bench
	$(VENV)/bin/ruff format --check app tests bench

format: setup
	$(VENV)/bin/ruff format app tests bench
	$(VENV)/bin/ruff check --fix app tests bench

bench: setup ## speed figures, as ratios to floors measured in the same run
	QT_QPA_PLATFORM=offscreen $(PY) -m bench $(BENCH_ARGS)

demo: setup ## write a demo clinic to demo-clinic.db
	$(PY) -m app demo --out demo-clinic.db

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Cofactor needs Python 3.11 or newer; $(PYTHON) is " + sys.version.split()[0])'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info
