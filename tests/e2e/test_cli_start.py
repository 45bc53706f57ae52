"""The CLI as a newcomer meets it: --version, a `run --help` that names the settings, a light start, and
readers run in the wrong folder that say where they looked instead of making an empty store there."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import subprocess
import sys
import time

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub


def test_help_and_version_load_neither_settings_nor_the_database_layer() -> None:
    probe = ("import sys\nfrom tracker.cli.main import main\n"
             "for argv in (['--version'], ['--help'], ['history', '--help']):\n"
             "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
             "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'pydantic_settings', 'huggingface_hub', 'telegram')"
             " if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_run_says_where_alerts_go_and_what_the_first_cycle_recorded(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    proc = tracker.popen("run")
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not tracker.db_path.exists():
            time.sleep(0.1)
        while time.monotonic() < deadline:  # the first cycle's backfill is stored once its org_state row is
            with contextlib.suppress(sqlite3.OperationalError), sqlite3.connect(tracker.db_path) as db:
                if db.execute("SELECT count(*) FROM org_state WHERE last_success_at IS NOT NULL").fetchone()[0]:
                    break
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    assert "alerts go to this terminal (set TELEGRAM_BOT_TOKEN and TELEGRAM_CHANNEL for Telegram)" in err
    cycle = next(line for line in err.splitlines() if "cycle done" in line)
    assert "0 new; recorded 1 existing models (backfill, no alerts)" in cycle, cycle
