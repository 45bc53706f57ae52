# The dev loop as code. `make run` and `make test` each set up everything they need on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Some shells set PYTHONDONTWRITEBYTECODE: every test process then recompiles the package and pytest re-rewrites
# every test module's asserts (5 s of CPU per worker); the suite wants its bytecode caches.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run check test e2e lint bench wheel clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

run: $(BIN)/.installed  ## start the tracker (alerts print to the terminal until Telegram is configured)
	$(BIN)/tracker run

# Two tiers: `make check` is every unit and in-process integration test (the fakes as
# threads, no `tracker` process), under a minute: run it after every change. `make e2e` starts processes
# for what needs one (signals, replicas, the installed wheel, CLI smoke tests); `make test` is lint, then
# both tiers: the one command of the README and CI. The in-process tracker runs paced (0.2 s polls) and waits
# on virtual clocks (tests/README.md); what waits remain (sockets, backoffs) four workers overlap on 2 cores:
# 101 s against 133 s with two on a quiet machine (two only tie on a loaded one, with less CPU).
CHECK_WORKERS ?= 4
check: $(BIN)/.installed  ## the fast tier: units and in-process integration tests
	$(BIN)/pytest -q -p no:cacheprovider -n $(CHECK_WORKERS) tests --ignore=tests/e2e

# Most end-to-end tests wait on clocks and sockets, not the CPU: three workers overlap the waits on 2 cores.
E2E_WORKERS ?= 3
e2e: $(BIN)/.installed  ## the end-to-end tier: real `tracker` processes against the fake Hub and Telegram
	$(BIN)/pytest -q -p no:cacheprovider -n $(E2E_WORKERS) tests/e2e

test: lint check e2e  ## lint, then both tiers of the test suite

lint: $(BIN)/.installed  ## ruff, and the import contract: stages import down the flow (pyproject.toml)
	$(BIN)/ruff check tracker tests bench
	$(BIN)/lint-imports

bench: $(BIN)/.installed  ## the performance benchmarks (numbers, not pass/fail)
	$(BIN)/python bench/run_all.py

wheel: $(BIN)/.installed  ## build dist/release_tracker-*.whl (templates, data and migrations inside)
	rm -rf build
	$(BIN)/python -m pip wheel --quiet --no-deps -w dist .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist
