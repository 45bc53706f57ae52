# The dev loop as code. `make run` and `make test` each set up everything they need on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint bench wheel clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

run: $(BIN)/.installed  ## start the tracker (alerts print to the terminal until Telegram is configured)
	$(BIN)/tracker run

# The suite includes tests/e2e/test_wheel_install.py: it builds the wheel and runs it from a fresh venv.
# Most end-to-end tests wait on clocks and sockets, not the CPU: three workers overlap the waits on 2 cores.
TEST_WORKERS ?= 3
test: $(BIN)/.installed lint  ## lint, then the whole test suite against the fake Hub and fake Telegram
	$(BIN)/pytest -q -n $(TEST_WORKERS)

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
