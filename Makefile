# The two commands: `make run` (demo on 127.0.0.1:8000) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run seed test test-fast lint format bench bench-quick lock clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

# axe-core for the browser tests' accessibility checks (package.json pins it; nothing is served).
NODE_STAMP := node_modules/.package-lock.json

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

seed: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
# An earlier breast round, screened 40 months ago: its 36-month follow-up is complete, so the
# auditor sees true negatives, interval cancers and accuracy (docs/synthetic-cohort.md). It was
# screened with breast-demo:2.0.0 (today's rounds get the latest, 2.1.0) and runs breast-demo-recal,
# 2.0.0's weights recalibrated, in shadow, so /promotion/ compares the two (docs/promotion.md).
	$(BIN)/python manage.py generate_cohort --programme breast --patients 60 --seed 37 --prevalence 0.3 \
		--model breast-demo:2.0.0 --months-ago 40 --send upload --shadow-model breast-demo-recal:2.0.0
	$(BIN)/python manage.py generate_cohort --programme breast --patients 24 --seed 1 --send upload
	$(BIN)/python manage.py generate_cohort --programme lung --patients 6 --seed 1 --send upload
	$(BIN)/python manage.py simulate_reads --seed 1
	$(BIN)/python manage.py simulate_outcomes --seed 1
# The AI monitoring's weekly summaries and alerts (docs/monitoring.md).
	$(BIN)/python manage.py monitoring_evaluate

run: seed
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not browser"

# Also the rules of the house (imports one way, no queries or audit in views, docs naming only
# code that exists) and dead code (vulture, with vulture_whitelist.py for framework-called names).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy screening inference
	$(BIN)/vulture
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_house_rules.py tests/test_docs_name_code.py

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every benchmark (bench/bench_all.py): PostgreSQL at BENCH_DATABASE_URL where one answers, else
# SQLite, and those that need PostgreSQL skipped or cut, saying so. bench-quick: small sizes.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench

bench: install
	$(BIN)/python bench/bench_all.py --database-url $(BENCH_DATABASE_URL)

bench-quick: install
	$(BIN)/python bench/bench_all.py --quick --database-url $(BENCH_DATABASE_URL)

lock: install
	echo "# Pinned versions for the application and its tests (make lock regenerates this file)." > requirements.lock
	$(BIN)/python -m pip freeze --exclude-editable | sed 's/^torch==\(.*\)+cpu$$/torch==\1/' >> requirements.lock

clean:
	rm -rf $(VENV) node_modules var/*.sqlite3* staticfiles .pytest_cache .ruff_cache .mypy_cache

# Retrain the two demo models under models/ (deterministic for the seed; times in docs/inference.md).
.PHONY: models
models: install
	nice -n 10 $(BIN)/python -m inference.train --programme breast --patients 3200 --seed 1 --out models \
		--version 2.1.0 --epochs 18 --patience 6 --learning-rate 1e-3 --workers 2 --cache var/training-cache \
		--fine-levels 3 --top-fraction 0.001
	nice -n 10 $(BIN)/python -m inference.train --programme lung --patients 600 --seed 1 --out models \
		--version 2.0.0 --rows 256 --cols 256 --half-depth 2 --widths 16,32,48 --top-fraction 0 \
		--top-slices 2 --crop 128 --negatives-per-positive 3 --epochs 14 --patience 6 --workers 2 \
		--cache var/training-cache
