"""Report: every hand-counted config (tests/data/configs/hand_counts.csv) against what the tracker computes.

Run: .venv/bin/python bench/facts_table.py   (prints two Markdown tables; exits 1 when a count is off by over 1 %
     or disagrees with a checkpoint)
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

from tests.test_facts_flagships import FLAGSHIPS  # noqa: E402
from tests.test_facts_hand_counts import DENSE_VL, MTP_CHECKPOINTS  # noqa: E402
from tracker.facts import FactInputs, compute_facts  # noqa: E402
from tracker.facts.params_config import estimate_from_config  # noqa: E402


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
    print(f"\n{len(rows)} configs; largest difference from a hand count: {worst * 100:.2f} %\n")
    return 0 if worst <= 0.01 and _checkpoints() else 1


def _checkpoints() -> bool:
    """The second table: headline and stored counts against the checkpoints (tests/test_facts_flagships.py &c.)."""
    checks = [(repo, name, total, active, stored) for repo, name, total, active, stored in FLAGSHIPS]
    checks += [(repo, name, named, None, listed) for repo, name, named, listed in MTP_CHECKPOINTS]
    checks += [(repo, name, "—", None, hub) for repo, name, hub, _tower in DENSE_VL]
    print("| model | lab states | headline | active | stored (with MTP) | the checkpoint holds | agrees |")
    print("|---|---|---|---|---|---|---|")
    agree, wrong = 0, 0
    for repo, name, lab_total, lab_active, stored in checks:
        est = estimate_from_config(json.loads((DATA / name).read_text(encoding="utf-8")))
        ours = est.total + est.mtp
        ok = ours == stored if isinstance(stored, int) else None
        if isinstance(stored, str):
            ok = round(ours / (1e12 if stored.endswith("T") else 1e9), len(stored.split(".")[-1]) - 1
                       if "." in stored else 0) == float(stored[:-1])
        agree, wrong = agree + bool(ok), wrong + (ok is False)
        active = _b(est.active) if est.is_moe else "dense"
        held = f"{stored:,}" if isinstance(stored, int) else (stored or "see the FP4 listing test")
        print(f"| {repo} | {lab_total} / {lab_active or '—'} | {_b(est.total)} | {active} | {ours:,} | "
              f"{held} | {'yes' if ok else ('—' if ok is None else 'NO')} |")
    print(f"\n{len(checks)} checkpoints; {agree} agree exactly or within the listed rounding")
    return not wrong


if __name__ == "__main__":
    sys.exit(main())
