# biorepo: the commands a developer types.
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test bench lint format clean translations

install: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,postgres]'
	touch $@

# the server with the demo data, and a worker beside it (imports, print delivery, mail, the due
# digest), stopped with it
run: install
	$(VENV)/bin/biorepo db upgrade
	$(VENV)/bin/biorepo demo
	$(VENV)/bin/biorepo worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; \
	$(VENV)/bin/biorepo serve --host $(HOST) --port $(PORT)

# one worker per CPU, a test module on one worker (its module-wide fixtures built once; under
# PostgreSQL each worker has a database of its own, tests/conftest.py); then the API fuzzer,
# whose generated cases pytest-xdist cannot spread
test: install
	$(PY) -m pytest -n auto --dist loadfile --ignore=tests/e2e/test_fuzz.py
	$(PY) -m pytest tests/e2e/test_fuzz.py

bench: install
	$(PY) -m tests.bench.core
	$(PY) -m tests.bench.search
	$(PY) -m tests.bench.api
	$(PY) -m tests.bench.write_path
	$(PY) -m tests.bench.labels
	$(PY) -m tests.bench.sharing
	$(PY) -m tests.bench.exchange
	$(PY) -m tests.bench.living
	$(PY) -m tests.bench.sequences
	$(PY) -m tests.bench.str_search
	$(PY) -m tests.bench.rack_scans
	$(PY) -m tests.bench.batch_edit
	$(PY) -m tests.bench.scale

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy repository labels api

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) instance *.egg-info .pytest_cache .ruff_cache

translations: install  # after changing a page's text: refresh the catalogue, then translate the new entries
	$(VENV)/bin/pybabel extract -F babel.cfg -k lazy_gettext -k _l --no-location -o $(VENV)/messages.pot .
	$(VENV)/bin/pybabel update -i $(VENV)/messages.pot -d api/web/translations --no-fuzzy-matching
