# DigitSight: `make app` runs the dashboard, `make test` runs the whole test suite.
# Both set up everything first (a virtual environment in .venv, pinned packages,
# espeak-ng and chromium where root or sudo allows), so a fresh clone needs nothing else.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501
# The dashboard has no login: it listens on this machine only. To let others reach it, say so:
# `ADDRESS=0.0.0.0 make app` (every interface; see the README, "Exposing the dashboard").
ADDRESS ?= 127.0.0.1

.PHONY: setup app test test-fast lint train benchmarks clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml scripts/install_system_packages.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	bash scripts/install_system_packages.sh
	@touch $(STAMP)

# MALLOC_ARENA_MAX=2: glibc keeps what a thread frees in that thread's arena; with a reading
# thread per session, ten large uploads at once left the server 300-600 MB larger for good.
app: setup
	MALLOC_ARENA_MAX=2 $(BIN)/streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT) --server.headless true

# Browser tests run as their own step, so a run says plainly which part failed.
test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -m "not browser"
	$(BIN)/python -m pytest -m browser

# A quick loop: leaves out the slow and the browser tests.
test-fast: setup
	$(BIN)/python -m pytest -m "not slow and not browser"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

train: setup
	$(BIN)/python -m training.train

benchmarks: setup
	$(BIN)/python benchmarks/bench_classifier.py
	$(BIN)/python benchmarks/bench_reading.py
	$(BIN)/python benchmarks/bench_speech.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache artifacts
