# Two commands on a fresh machine: `make demo` and `make test`. Each installs what it needs into
# local virtualenvs (.venv for the project, .venv-client13 to prove the emulator against a 13.x
# dataikuapi client). Nothing but Python 3.9+, make and git is needed beforehand.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
VENV13 := .venv-client13
STAMP13 := $(VENV13)/.installed
CLIENT13 := dataiku-api-client==13.5.6
PY39_DIRS := python-lib python-runnables python-steps webapps
PYTEST_FLAGS ?= -q -p no:cacheprovider

.PHONY: demo test test-fast bench plugin check-py39 clean

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

## demo: run the main job on the embedded DSS emulator
demo: $(STAMP)
	$(PY) tools/demo.py

## test: the whole suite (Python 3.9 syntax check, unit, emulator contract, integration, 13.x client)
test: $(STAMP) $(STAMP13) check-py39
	EXPECT_DATAIKUAPI_MAJOR=15 $(PY) -m pytest tests/python $(PYTEST_FLAGS)
	EXPECT_DATAIKUAPI_MAJOR=13 PYTHONPATH=python-lib $(VENV13)/bin/python -m pytest tests/python/emulator/test_client_versions.py $(PYTEST_FLAGS)

test-fast: $(STAMP)
	$(PY) -m pytest tests/python $(PYTEST_FLAGS) -x

check-py39: $(STAMP)
	$(VENV)/bin/vermin -t=3.9- --no-tips --violations --eval-annotations $(PY39_DIRS)
	$(PY) tools/check_py39.py $(PY39_DIRS)

## bench: performance benchmarks (print a table, write JSON under bench/results/)
bench: $(STAMP)
	$(PY) bench/run.py

## plugin: the DSS plugin zip (plugin layout only: no tests, no emulator, no virtualenv)
plugin: $(STAMP)
	$(PY) tools/build_plugin.py

clean:
	rm -rf $(VENV) $(VENV13) dist .demo bench/results
