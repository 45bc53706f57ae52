"""The `tracker` CLI called in-process: `main(argv)` with the test's environment, working directory and
captured output, returning what a subprocess would (exit status, stdout, stderr) without starting Python.

Use it where a test only checks a command's output and effects; tests that need a process (signals,
replicas, the installed wheel) start the real `tracker` from `tests/e2e/`.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import Tracker
from tracker.cli.main import main


@contextlib.contextmanager
def _isolated(cwd: Path, env: dict[str, str]) -> Iterator[None]:
    """Run with exactly `env` as the environment, in `cwd`, with a fresh root logging setup; undo it all after."""
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    # So the CLI's logging.basicConfig writes to this call's captured stderr; an in-process `tracker run`
    # (tests/integration/daemon_harness.py) keeps its own log.
    root.handlers = [h for h in saved_handlers if getattr(h, "keep", False)]
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        for handler in root.handlers:
            if handler not in saved_handlers:
                handler.close()
        root.handlers, root.level = saved_handlers, saved_level


@dataclass
class InProcessTracker(Tracker):
    """A `Tracker` whose `run()` calls the CLI's `main()` in this process (`popen` is refused)."""

    def run(self, *args: str, timeout: float = 60, check: bool = False) -> subprocess.CompletedProcess[str]:
        out, err = io.StringIO(), io.StringIO()
        with _isolated(self.cwd, self.env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's --help and the like
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:  # noqa: BLE001  (what an uncaught exception does to a process)
                traceback.print_exc()
                code = 1
        result = subprocess.CompletedProcess(["tracker", *args], code, out.getvalue(), err.getvalue())
        if check and result.returncode != 0:
            raise AssertionError(f"tracker {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
        return result

    def popen(self, *args: str) -> subprocess.Popen[str]:
        raise AssertionError("in-process tests start no process: move this test to tests/e2e/")
