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
# on virtual clocks (tests/README.md); what waits remain (sockets, backoffs) several workers overlap on 2 cores.
# --dist worksteal: xdist's default `load` hands each worker a fixed share up front, and with the slow
# integration tests bunched in one share three workers sat idle from 41 s while the fourth ran to 81 s
# (87-89 s wall at -n 4, idle machine); stealing keeps every worker busy to the end (61 s with the same tests).
# Four workers: the tier is about 62 s of CPU now (each worker also collects for 2.5 s), so more workers add
# CPU without taking much wall time off 2 cores: on a machine shared at a load of 4-6, 50-55 s wall at -n 4
# (63-67 s CPU, three runs), 62 s at -n 5, 52 s at -n 6 (73 s CPU).
CHECK_WORKERS ?= 4
check: $(BIN)/.installed  ## the fast tier: units and in-process integration tests
	$(BIN)/pytest -q -p no:cacheprovider -n $(CHECK_WORKERS) --dist worksteal tests --ignore=tests/e2e

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
