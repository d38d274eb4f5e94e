# tracker — `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app tracker
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test serve migrate seed bench lint clean bytecode

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall whenever the package metadata changes.
$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# tracker's own modules compiled ahead, as pip does for an installed package: an editable install
# (and PYTHONDONTWRITEBYTECODE, set on some machines) would compile them again at every start, which
# is a fifth of a command's time (`flask --app tracker import-xlsx`). Only changed files are redone.
bytecode: $(VENV)/.installed
	$(BIN)/python -m compileall -q tracker

run: bytecode
	TRACKER_ENV=development $(FLASK) db upgrade
	TRACKER_ENV=development $(FLASK) seed --demo --if-empty
	@echo "tracker: http://$(HOST):$(PORT)/"
	TRACKER_ENV=development $(FLASK) run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: bytecode
	@for script in bench/*.py; do [ -e "$$script" ] && $(BIN)/python "$$script"; done; true

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
