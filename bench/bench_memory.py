"""Benchmark: peak memory (RSS) of each reading command on a store of 50,000 releases (issue 8 §6).

Run: .venv/bin/python bench/bench_memory.py [--releases N] [--max-mb 200]   (prints numbers)
Target: every command under 200 MB peak RSS on 50,000 releases; exits 1 when one is over --max-mb.
The rows are filled like bench_site.py's, plus the per-model JSON a real poll stores (Hub metadata kept
for recomputing facts, tags, dtype breakdown, notes), so the store is as heavy per row as a real one.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_site import TRACKER, fill  # noqa: E402

COMMANDS = (
    ("stats",),
    ("stats", "--by", "month", "--format", "json"),
    ("history", "--limit", "100000"),
    ("history", "--format", "json", "--limit", "100000"),
    ("history", "--format", "csv", "--limit", "100000"),
    ("export", "-o", "out/all.csv"),
    ("export", "--format", "json", "-o", "out/all.json"),
    ("export", "--events", "-o", "out/events.csv"),
    ("feed", "-o", "out/feed.xml"),
    ("site", "out/site"),
)


def weigh_rows(db_path: Path) -> None:
    """Give every row the JSON columns a real poll writes (a few KB per model)."""
    meta = {
        "card_data": {"license": "apache-2.0", "license_name": None, "license_link": "LICENSE",
                      "base_model": ["Qwen/Qwen3-8B-Base"], "tags": ["text-generation", "conversational"]},
        "safetensors": {"parameters": {"BF16": 8190735360, "F32": 1024}, "total": 8190736384},
        "gguf": None,
        "config_subset": {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_size": 4096,
                          "intermediate_size": 12288, "num_hidden_layers": 36, "num_attention_heads": 32,
                          "num_key_value_heads": 8, "vocab_size": 151936, "max_position_embeddings": 40960,
                          "tie_word_embeddings": False, "torch_dtype": "bfloat16", "rope_theta": 1000000,
                          "rope_scaling": None, "head_dim": 128},
    }
    tags = ["transformers", "safetensors", "qwen3", "text-generation", "conversational", "en", "zh",
            "arxiv:2505.09388", "base_model:Qwen/Qwen3-8B-Base", "license:apache-2.0", "endpoints_compatible",
            "region:us", "deploy:azure"]
    notes = ["total from the Hub's safetensors metadata", "active parameters: dense model, active = total"]
    with sqlite3.connect(db_path) as db:
        db.execute("UPDATE models SET hub_meta = ?, tags = ?, params_notes = ?, dtype_breakdown = ?, "
                   "base_models = ?, sha = lower(hex(randomblob(20))), license_link = 'LICENSE', "
                   "pipeline_tag = 'text-generation', library_name = 'transformers'",
                   (json.dumps(meta), json.dumps(tags), json.dumps(notes), json.dumps({"BF16": 8190735360}),
                    json.dumps(["Qwen/Qwen3-8B-Base"])))
        db.execute("INSERT INTO events (model_id, repo_id, kind, at) SELECT id, repo_id, 'new', released_at "
                   "FROM models")


# Each command is measured as its own process. A child forked from this bench inherits its pages (the
# 50,000-row fill makes it large) and Linux keeps that pre-exec peak in the child's ru_maxrss, which put
# "tracker config" at 93 MB where /usr/bin/time -v says 55 MB. So a bare interpreter (about 10 MB) starts
# each command and reports the command's own peak from wait4(); it is printed for scale.
LAUNCHER = """
import os, subprocess, sys, time
started = time.perf_counter()
with open(os.devnull, "w") as sink:
    proc = subprocess.Popen(sys.argv[1:], stdout=sink, stderr=sink)
    _pid, status, usage = os.wait4(proc.pid, 0)
kb = usage.ru_maxrss / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, KB on Linux
print(kb, time.perf_counter() - started, os.waitstatus_to_exitcode(status))
"""


def peak_rss_mb(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """Peak RSS (MB), wall time (s) and exit status of one command run as its own process (output discarded)."""
    result = subprocess.run([sys.executable, "-c", LAUNCHER, *command], cwd=cwd, env=env, capture_output=True,
                            text=True, check=True)
    kb, seconds, status = result.stdout.split()
    return float(kb) / 1024, float(seconds), int(status)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=50_000)
    parser.add_argument("--max-mb", type=float, default=200)
    parser.add_argument("--only", metavar="WORD", help="run only the commands that start with WORD")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = work / "state" / "tracker.db"
        db.parent.mkdir()
        started = time.perf_counter()
        fill(db, opts.releases)
        weigh_rows(db)
        size = db.stat().st_size / 1e6
        print(f"store: {opts.releases:,} releases, {size:.0f} MB, filled in {time.perf_counter() - started:.1f} s")
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
        floor, _, _ = peak_rss_mb([sys.executable, "-c", "pass"], work, env)
        baseline, _, _ = peak_rss_mb([TRACKER, "config"], work, env)
        print(f"{'command':58} {'peak RSS':>9} {'time':>7}")
        print(f"{'a bare Python interpreter (the launcher; the floor)':58} {floor:7.0f} MB")
        print(f"{'tracker config (interpreter + imports, for scale)':58} {baseline:7.0f} MB")
        worst = 0.0
        for args in COMMANDS:
            if opts.only and args[0] != opts.only:
                continue
            mb, seconds, status = peak_rss_mb([TRACKER, *args], work, env)
            worst = max(worst, mb)
            flag = "" if status == 0 else f"  (exit {status})"
            print(f"{'tracker ' + ' '.join(args):58} {mb:7.0f} MB {seconds:6.1f} s{flag}")
        print(f"worst: {worst:.0f} MB (target < {opts.max_mb:.0f} MB)")
        return 0 if worst < opts.max_mb else 1


if __name__ == "__main__":
    sys.exit(main())
