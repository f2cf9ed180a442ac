# Two commands on a fresh machine: `make demo` and `make test`. Each installs what it needs into
# local virtualenvs (.venv for the project, .venv-client13 to prove the emulator against a 13.x
# dataikuapi client, .venv-py39 for the core suite under the oldest Python the plugin accepts).
# Nothing but Python 3.9+, make and git is needed beforehand; PYTHON=python3.X picks the interpreter
# (requirements-dev.txt pins each package per Python version, 3.9 to 3.13).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
VENV13 := .venv-client13
STAMP13 := $(VENV13)/.installed
CLIENT13 := dataiku-api-client==13.5.6
VENV39 := .venv-py39
# What the 3.9 run covers: everything but the emulator's own contract tests (the emulator never
# ships in the plugin; it runs under 3.9 here all the same, as the backend of the other suites).
CORE_TESTS := tests/python --ignore=tests/python/emulator
PY39_DIRS := python-lib python-runnables python-steps webapps
# vermin takes `bytes.decode(...)` for Python 2's `str.decode` and prints "Incompatible versions"
# noise; -q keeps only violations, which still fail the build (exit 1).
VERMIN_FLAGS := -q -t=3.9- --no-tips --violations --eval-annotations --feature union-types \
	--exclude str.decode --exclude 'str.decode(errors)'
# The suite is CPU-bound: pytest-xdist spreads it over JOBS worker processes (one per core, at most 4:
# each worker starts its own emulators). JOBS=0 runs it in one process.
JOBS ?= $(shell $(PYTHON) -c 'import os; print(max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))))')
PYTEST_FLAGS ?= -q -p no:cacheprovider -n $(JOBS)

# make test-dss: the backend-neutral tests (tests/python/dss) against a real DSS, in their own
# virtualenv, with dataiku-plugin-tests-utils (not on the package index: from its repository, at
# PLUGIN_TESTS_UTILS_REF; PLUGIN_TESTS_UTILS= installs nothing, the harness does not need it).
VENVDSS := .venv-dss
STAMPDSS := $(VENVDSS)/.installed
PLUGIN_TESTS_UTILS_REF ?= master
PLUGIN_TESTS_UTILS ?= git+https://github.com/dataiku/dataiku-plugin-tests-utils.git@$(PLUGIN_TESTS_UTILS_REF)
DSS_JOBS ?= 0

# The review webapp's backend runs in the plugin's code env (code-env/python/spec: flask>=2), but an
# instance may run it where an older Flask is installed (DSS's built-in environment carries one): the
# backend uses only what Flask 1.1 to 3.x offer, and its tests run again under Flask 1.1 (with the
# Werkzeug/Jinja2/itsdangerous/MarkupSafe/click of its time) in a small virtualenv of their own, on the
# Python 3.9 the suite finds (else $(PYTHON)).
VENVFLASK11 := .venv-flask11
STAMPFLASK11 := $(VENVFLASK11)/.installed
FLASK11 := flask==1.1.4 werkzeug==1.0.1 jinja2==2.11.3 itsdangerous==1.1.0 markupsafe==2.0.1 click==7.1.2
WEBAPP_BACKEND_TESTS := tests/python/webapp/test_review_backend.py

.PHONY: demo docs test test-fast test-flask11 chromium webapp test-core test-py39 test-dss fuzz bench plugin check-py39 clean

$(STAMP): requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

$(STAMP13): requirements-dev.txt
	$(PYTHON) -m venv $(VENV13)
	grep -v '^dataiku-api-client' requirements-dev.txt > $(VENV13)/requirements.txt
	$(VENV13)/bin/python -m pip install -q --disable-pip-version-check -r $(VENV13)/requirements.txt $(CLIENT13)
	touch $(STAMP13)

$(STAMPDSS): requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENVDSS)
	$(VENVDSS)/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	$(VENVDSS)/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
	@if [ -n "$(PLUGIN_TESTS_UTILS)" ]; then \
		echo "test-dss: installing dataiku-plugin-tests-utils from $(PLUGIN_TESTS_UTILS)"; \
		$(VENVDSS)/bin/python -m pip install -q --disable-pip-version-check "$(PLUGIN_TESTS_UTILS)"; \
	fi
	touch $(STAMPDSS)

$(STAMPFLASK11): requirements-dev.txt
	@exe="$$($(PYTHON) tools/check_py39.py --which 2>/dev/null)"; $${exe:-$(PYTHON)} -m venv $(VENVFLASK11)
	grep -v -i -E '^(flask|jinja2|werkzeug|itsdangerous|markupsafe|click|blinker|selenium|mkdocs|mkdocs-material)[=;<> ]' requirements-dev.txt \
		> $(VENVFLASK11)/requirements.txt
	$(VENVFLASK11)/bin/python -m pip install -q --disable-pip-version-check -r $(VENVFLASK11)/requirements.txt $(FLASK11)
	touch $(STAMPFLASK11)

## test-flask11: the review webapp's backend tests under Flask 1.1 (part of `make test`)
test-flask11: $(STAMPFLASK11)
	EXPECT_FLASK_MAJOR=1 PYTHONPATH=python-lib $(VENVFLASK11)/bin/python -m pytest $(WEBAPP_BACKEND_TESTS) -q -p no:cacheprovider

## chromium: Debian's chromium and chromium-driver for the browser tests, installed with apt when
## missing and possible (root); otherwise those tests skip, saying why
chromium:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "chromium: installing chromium and chromium-driver with apt"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) \
			|| echo "chromium: could not be installed; the browser tests will skip"; \
	else echo "chromium: not installed and not root: the browser tests will skip"; fi

## webapp: serve the review webapp locally against an embedded emulator (for manual use; prints the URL)
webapp: $(STAMP)
	$(PY) tools/serve_webapp.py

## docs: regenerate the reference pages (tools/gen_docs.py) and build the site with --strict into site/
## (offline: no web fonts, no plugin that reaches the network); tests/python/docs builds it in `make test`
docs: $(STAMP)
	$(PY) tools/gen_docs.py
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict -d site

## demo: validate, apply, read back, re-plan and change one field on the embedded DSS emulator (tools/demo.py)
demo: $(STAMP)
	$(PY) tools/demo.py

## test: the whole suite (Python 3.9 checks, unit, emulator contract, integration, 13.x client,
## and the core suite again under Python 3.9 when one is installed)
test: $(STAMP) $(STAMP13) check-py39 chromium
	EXPECT_DATAIKUAPI_MAJOR=15 $(PY) -m pytest tests/python $(PYTEST_FLAGS)
	@$(MAKE) --no-print-directory test-flask11
	EXPECT_DATAIKUAPI_MAJOR=13 PYTHONPATH=python-lib $(VENV13)/bin/python -m pytest tests/python/emulator/test_client_versions.py -q -p no:cacheprovider
	@$(MAKE) --no-print-directory test-py39

test-fast: $(STAMP)
	$(PY) -m pytest tests/python $(PYTEST_FLAGS) -x

## test-core: the suite but the emulator's contract tests, in $(VENV)
test-core: $(STAMP)
	$(PY) -m pytest $(CORE_TESTS) $(PYTEST_FLAGS)

## test-py39: test-core in $(VENV39) with a Python 3.9 (found as tools/check_py39.py finds it);
## skipped, saying so, when there is none or when $(VENV) already is 3.9
test-py39: $(STAMP)
	@exe="$$($(PY) tools/check_py39.py --which)"; \
	if [ -z "$$exe" ]; then \
		echo "test-py39: no Python 3.9 interpreter here; the suite ran on $$($(PY) -V 2>&1) only"; \
	elif $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 9))'; then \
		echo "test-py39: $(VENV) is already Python 3.9; nothing more to run"; \
	else \
		echo "test-py39: the core suite under $$exe (the apply fault matrix sampled: every 6th write; 10 lock races; every 4th first-apply key)"; \
		APPLY_FAULT_STRIDE=6 APPLY_LOCK_ROUNDS=10 APPLY_FIRST_STRIDE=4 $(MAKE) --no-print-directory VENV=$(VENV39) PYTHON="$$exe" test-core; \
	fi

## test-dss: the backend-neutral tests (tests/python/dss) against a real DSS named by DKU_DSS_URL and
## DKU_API_KEY (an administrator's key), or by PLUGIN_INTEGRATION_TEST_INSTANCE (dataiku-plugin-tests-utils'
## instance file; DSS_FRAMEWORK_DSS_TARGET picks a target). Each test works in its own DSSFWTEST_*
## project and deletes it; emulator_only tests are skipped. Not part of `make test`, which runs the
## same tests on the emulator.
test-dss:
	@if [ -z "$$DKU_DSS_URL$$PLUGIN_INTEGRATION_TEST_INSTANCE" ]; then \
		echo "test-dss: set DKU_DSS_URL and DKU_API_KEY, or PLUGIN_INTEGRATION_TEST_INSTANCE (see docs/development.md, 'Testing against a real DSS')" >&2; \
		exit 2; \
	fi
	@$(MAKE) --no-print-directory $(STAMPDSS)
	DSS_FRAMEWORK_BACKEND=dss $(VENVDSS)/bin/python -m pytest tests/python/dss/test_dss_main_loop.py \
		-p no:pytest_plugin -p no:cacheprovider -q -rs -n $(DSS_JOBS) $(DSS_PYTEST_ARGS)

## fuzz: long random runs of the property-based tests (HYPOTHESIS_PROFILE=long; not part of `make test`)
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=long $(PY) -m pytest $$(grep -rlE '^(from|import) hypothesis' tests/python --include='test_*.py') $(PYTEST_FLAGS)

check-py39: $(STAMP)
	$(VENV)/bin/vermin $(VERMIN_FLAGS) $(PY39_DIRS)
	$(PY) tools/check_py39.py $(PY39_DIRS)

## bench: performance benchmarks (print a table, write JSON under bench/results/)
bench: $(STAMP)
	$(PY) bench/run.py

## plugin: the DSS plugin zip, from the files git tracks (plugin layout only: no tests, no emulator)
plugin: $(STAMP)
	$(PY) tools/build_plugin.py

clean:
	rm -rf $(VENV) $(VENV13) $(VENV39) $(VENVDSS) $(VENVFLASK11) dist bench/results site
