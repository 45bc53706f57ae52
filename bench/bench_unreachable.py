"""Benchmark: `tracker poll` against an unreachable Hub (issue 8, §3 and §7).

Run: .venv/bin/python bench/bench_unreachable.py [--orgs 40] [--runs 3]   (prints numbers; asserts nothing)
Cases: connection refused on a closed local port, an unresolvable host (`http://nonexistent.invalid`), and a
TLS error (plain HTTP answered to an https:// endpoint). Target: gives up within 30 s, exits non-zero, and
says so in one line (not one warning per organisation).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TRACKER = str(Path(sys.executable).parent / "tracker")


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Plain(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.end_headers()

    do_HEAD = do_GET

    def log_message(self, *args: object) -> None:
        return None


def watchlist(path: Path, orgs: int) -> None:
    path.write_text("".join(f'[[lab]]\nname = "Lab {i}"\norgs = ["org-{i:02d}"]\n\n' for i in range(orgs)))


def run_poll(endpoint: str, orgs: int) -> tuple[float, int, list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        watchlist(work / "watchlist.toml", orgs)
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG")}
        env.update(HOME=str(work), HF_HOME=str(work / "hf"), HF_ENDPOINT=endpoint, HF_HUB_DISABLE_TELEMETRY="1",
                   TRACKER_WATCHLIST=str(work / "watchlist.toml"))
        start = time.perf_counter()
        result = subprocess.run([TRACKER, "poll"], cwd=work, env=env, capture_output=True, text=True, timeout=900)
        elapsed = time.perf_counter() - start
    lines = [line for line in result.stderr.splitlines() if " WARNING " in line or " ERROR " in line
             or line.startswith("error")]
    return elapsed, result.returncode, lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    plain = ThreadingHTTPServer(("127.0.0.1", 0), _Plain)
    threading.Thread(target=plain.serve_forever, daemon=True).start()
    cases = {
        "connection refused": f"http://127.0.0.1:{closed_port()}",
        "unresolvable host": "http://nonexistent.invalid",
        "TLS error": f"https://127.0.0.1:{plain.server_address[1]}",
    }
    print(f"tracker poll, {args.orgs} organisations, {args.runs} runs each")
    for name, endpoint in cases.items():
        times, codes, warnings = [], set(), []
        for _ in range(args.runs):
            elapsed, code, lines = run_poll(endpoint, args.orgs)
            times.append(elapsed)
            codes.add(code)
            warnings = lines
        print(f"  {name:20s} median {statistics.median(times):6.2f} s  max {max(times):6.2f} s  "
              f"exit {sorted(codes)}  warning/error lines {len(warnings)}")
        for line in warnings[:3]:
            print(f"      {line[:160]}")
    plain.shutdown()


if __name__ == "__main__":
    main()
