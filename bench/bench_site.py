"""Benchmark: `tracker site OUTDIR` on a store of 20,000 releases (inserted directly, realistic spread).

Run: .venv/bin/python bench/bench_site.py [--releases N] [--keep DIR]   (prints numbers; it asserts nothing)
Targets (issue 19 §5): the build in under 15 s with process start at 100k releases, its peak RSS flat from 10k
to 100k; the all-releases page under 2 MB (or paged). `--keep DIR` leaves the store and the site in DIR (to
compare two builds of the same store with `diff -r`).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.facts import format_params  # noqa: E402
from tracker.store.engine import open_engine  # noqa: E402

TRACKER = str(Path(sys.executable).parent / "tracker")
LABS = (  # name, org, region, families, weight
    ("Qwen (Alibaba)", "Qwen", "China", ("Qwen2.5", "Qwen3", "Qwen3-Coder", "QwQ", "Qwen2.5-VL"), 9),
    ("DeepSeek", "deepseek-ai", "China", ("DeepSeek-V3", "DeepSeek-R1", "DeepSeek-Coder"), 3),
    ("Zhipu / Z.ai", "zai-org", "China", ("GLM-4", "GLM-4.5", "CogVLM"), 4),
    ("Moonshot AI (Kimi)", "moonshotai", "China", ("Kimi-K2", "Kimi-VL"), 2),
    ("MiniMax", "MiniMaxAI", "China", ("MiniMax-M1", "MiniMax-Text"), 1),
    ("Tencent (Hunyuan)", "tencent", "China", ("Hunyuan", "Hunyuan-A13B"), 3),
    ("Meta (Llama)", "meta-llama", "North America", ("Llama-3.1", "Llama-3.2", "Llama-4"), 5),
    ("Google (Gemma)", "google", "North America", ("gemma-2", "gemma-3"), 6),
    ("OpenAI", "openai", "North America", ("gpt-oss",), 1),
    ("NVIDIA", "nvidia", "North America", ("Nemotron", "Llama-Nemotron"), 6),
    ("Microsoft (Phi)", "microsoft", "North America", ("Phi-3", "Phi-4"), 5),
    ("Mistral AI", "mistralai", "Europe", ("Mistral", "Mixtral", "Magistral", "Devstral"), 4),
    ("IBM (Granite)", "ibm-granite", "North America", ("granite-3", "granite-4"), 4),
    ("TII (Falcon)", "tiiuae", "Middle East", ("Falcon3", "Falcon-H1"), 2),
    ("LG AI (EXAONE)", "LGAI-EXAONE", "Asia-Pacific", ("EXAONE-3.5", "EXAONE-4"), 1),
    ("AI2 (OLMo)", "allenai", "North America", ("OLMo-2", "Tulu-3"), 3),
)
LICENSES = (("apache-2.0", "permissive", 10), ("mit", "permissive", 4), ("llama3.1", "open-restricted", 3),
            ("gemma", "open-restricted", 3), ("qwen", "open-restricted", 2), ("other", "unknown", 1),
            ("cc-by-nc-4.0", "non-commercial", 2))
SIZES = (0.5e9, 1.5e9, 3e9, 7e9, 8e9, 14e9, 32e9, 70e9, 110e9, 235e9, 480e9, 671e9, 1.04e12)
VARIANTS = ("base", "instruct", "instruct", "reasoning", "quantized", "gguf", "distilled")


def fill(db_path: Path, n: int, seed: int = 7) -> None:
    """Insert `n` releases over the three years before 2026-01-01 (more each year, as in reality)."""
    open_engine(f"sqlite:///{db_path}").dispose()
    rng = random.Random(seed)
    end = datetime(2026, 1, 1, tzinfo=UTC)
    weights = [lab[4] for lab in LABS]
    lic_weights = [lic[2] for lic in LICENSES]
    rows = []
    for i in range(n):
        name, org, region, families, _ = rng.choices(LABS, weights)[0]
        family = rng.choice(families)
        size = int(rng.choice(SIZES) * rng.uniform(0.95, 1.05))
        moe = size > 100e9 or rng.random() < 0.1
        active = int(size / rng.uniform(8, 30)) if moe else size
        lic, cls, _ = rng.choices(LICENSES, lic_weights)[0]
        variant = rng.choice(VARIANTS)
        released = end - timedelta(days=1095 * (1 - rng.random() ** 0.6), seconds=rng.randrange(86400))
        stamp = released.strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append((f"{org}/{family}-{format_params(size)}-{variant}-v{i}", name, org, region, stamp, stamp, stamp,
                     stamp, size, "safetensors", active, "config" if moe else "safetensors", int(moe), lic, lic, cls,
                     family, variant, round(size * 2 / 1e9, 1), '["conversational"]'))
    with sqlite3.connect(db_path) as db:
        db.executemany(
            "INSERT INTO models (repo_id, lab, org, region, status, backfill, released_at, created_at, first_seen_at,"
            " last_modified, gated, params_total, params_total_source, params_active, params_active_source, is_moe,"
            " license, license_id, license_class, family, variant, memory_bf16_gb, tags) VALUES"
            " (?, ?, ?, ?, 'public', 0, ?, ?, ?, ?, 'no', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


# The build runs under a bare interpreter that reports the build's own figures from wait4(): a child forked
# from this bench straight away would inherit its pages (the fill makes it large) in its ru_maxrss.
LAUNCHER = """
import os, subprocess, sys, time
started = time.perf_counter()
with open(os.devnull, "w") as sink:
    proc = subprocess.Popen(sys.argv[1:], stdout=sink, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
sys.stderr.buffer.write(err[-2000:])
print(time.perf_counter() - started, usage.ru_utime, usage.ru_stime, usage.ru_maxrss / 1024,
      os.waitstatus_to_exitcode(status))
"""


def build(work: Path, env: dict[str, str]) -> tuple[float, float, float, float]:
    """Wall seconds, user and system CPU seconds and peak RSS (MB) of one `tracker site` process."""
    result = subprocess.run([sys.executable, "-c", LAUNCHER, TRACKER, "site", str(work / "site")], cwd=work,
                            env=env, capture_output=True, text=True, timeout=600)
    wall, user, system, mb, status = result.stdout.split()
    if int(status) != 0:
        raise SystemExit(f"tracker site failed:\n{result.stderr}")
    return float(wall), float(user), float(system), float(mb)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=20_000)
    parser.add_argument("--keep", type=Path, help="build in this folder and leave the store and site there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        if not (work / "tracker.db").exists():
            fill(work / "tracker.db", args.releases)
        print(f"store with {args.releases} releases: {time.perf_counter() - started:.1f} s to fill")
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG")}
        env.update(HOME=str(work), TRACKER_DATABASE_URL=f"sqlite:///{work / 'tracker.db'}")
        for run in ("first build", "rebuild"):
            wall, user, system, mb = build(work, env)
            print(f"tracker site ({run}): {wall:.1f} s wall, {user + system:.1f} s CPU ({user:.1f} user"
                  f" {system:.1f} sys), peak RSS {mb:.0f} MB (target < 15 s)")
        site = work / "site"
        files = [p for p in site.rglob("*") if p.is_file()]
        total = sum(p.stat().st_size for p in files)
        pages = sorted(site.glob("releases*.html"))
        index = site / "releases-index.js"
        print(f"all-releases table: {len(pages)} pages, first {(site / 'releases.html').stat().st_size / 1e6:.2f} MB"
              f" (target < 2 MB), largest {max(p.stat().st_size for p in pages) / 1e6:.2f} MB; search index "
              f"{index.stat().st_size / 1e6 if index.exists() else 0:.2f} MB (loaded only when searching)")
        print(f"site: {len(files)} files, {total / 1e6:.1f} MB in total; biggest chart "
              f"{max(p.stat().st_size for p in (site / 'charts').glob('*.svg')) / 1e3:.0f} KB")


if __name__ == "__main__":
    main()
