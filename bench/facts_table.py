"""Report: every hand-counted config (tests/data/configs/hand_counts.csv) against what the tracker computes.

Run: .venv/bin/python bench/facts_table.py   (prints a Markdown table; exits 1 when a count is off by over 1 %)
Columns: the hand count (HAND_COUNTS.md), the tracker's total and active through compute_facts as a poll
runs it, the active figure as the lab counts it, the lab's stated figures, what the config file is (verbatim,
re-saved, trimmed or written; from SOURCES.md) and the checkpoint's own tensor total where one is known.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "configs"
sys.path.insert(0, str(ROOT))

from tracker.facts import FactInputs, compute_facts  # noqa: E402


def _b(value: int | None) -> str:
    return "—" if value is None else f"{value / 1e9:.2f}B"


def _off(ours: int | None, hand: int) -> str:
    return "—" if ours is None else f"{(ours - hand) / hand * 100:+.2f} %"


def _kind(config_file: str) -> str:
    """What the file is, as SOURCES.md says first: verbatim, re-saved, trimmed or written."""
    for line in (DATA / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        if line.startswith(f"| {config_file} |"):
            notes = line.rstrip(" |").rsplit("|", 1)[-1].strip()
            return notes.split()[0].strip(";,:") if notes else "?"
    return "?"


def _checkpoint(ours: int | None, counted: str) -> str:
    """The checkpoint's own tensor total, and whether ours equals it."""
    if not counted:
        return "—"
    return f"{int(counted):,} ({'equal' if ours == int(counted) else f'ours {ours:,}'})"


def main() -> int:
    rows = list(csv.DictReader((DATA / "hand_counts.csv").open(encoding="utf-8")))
    print("| model | hand total | ours | Δ | hand active | ours | Δ | lab-style active | lab states | config "
          "| checkpoint |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    worst = 0.0
    for row in rows:
        config = json.loads((DATA / row["config_file"]).read_text(encoding="utf-8"))
        facts = compute_facts(FactInputs(repo_id=row["repo_id"], config=config))
        hand_total, hand_active = int(row["hand_total"]), int(row["hand_active"])
        for ours, hand in ((facts.params_total, hand_total), (facts.params_active, hand_active)):
            worst = max(worst, abs((ours or 0) - hand) / hand)
        print(f"| {row['repo_id']} | {_b(hand_total)} | {_b(facts.params_total)} | "
              f"{_off(facts.params_total, hand_total)} | {_b(hand_active)} | {_b(facts.params_active)} | "
              f"{_off(facts.params_active, hand_active)} | {_b(facts.params_active_lab)} | "
              f"{row['stated_total']} / {row['stated_active']} | {_kind(row['config_file'])} | "
              f"{_checkpoint(facts.params_total, row['checkpoint_total'])} |")
    print(f"\n{len(rows)} configs; largest difference from a hand count: {worst * 100:.2f} %")
    return 0 if worst <= 0.01 else 1


if __name__ == "__main__":
    sys.exit(main())
