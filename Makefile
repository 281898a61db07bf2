# The two commands: `make run` (demo on 127.0.0.1:8000) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run seed test test-fast lint format bench lock clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

seed: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py generate_cohort --programme breast --patients 24 --seed 1 --send upload
	$(BIN)/python manage.py generate_cohort --programme lung --patients 6 --seed 1 --send upload

run: seed
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not browser"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy screening inference

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/bench_patient_import.py

lock: install
	echo "# Pinned versions for the application and its tests (make lock regenerates this file)." > requirements.lock
	$(BIN)/python -m pip freeze --exclude-editable | sed 's/^torch==\(.*\)+cpu$$/torch==\1/' >> requirements.lock

clean:
	rm -rf $(VENV) var/*.sqlite3* staticfiles .pytest_cache .ruff_cache .mypy_cache

# Retrain the two demo models under models/ (deterministic for the seed; times in docs/inference.md).
.PHONY: models
models: install
	nice -n 10 $(BIN)/python -m inference.train --programme breast --patients 3200 --seed 1 --out models \
		--version 2.0.0 --epochs 24 --patience 6 --learning-rate 1e-3 --workers 2 --cache var/training-cache
	nice -n 10 $(BIN)/python -m inference.train --programme lung --patients 600 --seed 1 --out models \
		--version 2.0.0 --rows 256 --cols 256 --half-depth 2 --widths 16,32,48 --top-fraction 0 \
		--top-slices 2 --crop 128 --negatives-per-positive 3 --epochs 14 --patience 6 --workers 2 \
		--cache var/training-cache
