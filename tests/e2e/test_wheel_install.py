"""The built wheel, installed into a fresh virtualenv outside the checkout, works on its own.

This is how users install it (`pip install .`, `pipx install .`, the Docker image): nothing may be read
from the source tree. The fresh venv gets the package only from the wheel; its dependencies come from the
test venv's site-packages through a `.pth` line (a plain path entry, so the editable install's finder hook
there is not run and the checkout stays unimportable), which keeps the test fast and offline.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import sysconfig
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import base_env
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub

ROOT = Path(__file__).resolve().parents[2]
CHECKOUT_PREFIX = str(ROOT)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, text=True, timeout=300)
    (built,) = out.glob("release_tracker-*.whl")
    return built


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    purelib = Path(subprocess.run([str(venv / "bin" / "python"), "-c",
                                   "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  check=True, capture_output=True, text=True).stdout.strip())
    deps = [p for p in {*site.getsitepackages(), sysconfig.get_paths()["purelib"]} if Path(p).is_dir()]
    (purelib / "test-deps.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True, text=True, timeout=300)
    return venv


def test_wheel_carries_templates_data_and_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("tracker/templates/en/console_release.txt", "tracker/templates/it/card_release.html",
                   "tracker/templates/site/index.html", "tracker/templates/site/static/site.css",
                   "tracker/templates/feed/atom.xml", "tracker/data/watchlist.toml", "tracker/data/licenses.toml",
                   "tracker/store/migrations/env.py", "tracker/store/migrations/script.py.mako",
                   "tracker/store/migrations/versions/0001_initial_schema.py", "tracker/__main__.py"):
        assert needed in names, needed
    templates = {p.relative_to(ROOT / "templates").as_posix() for p in (ROOT / "templates").rglob("*") if p.is_file()}
    assert {n.removeprefix("tracker/templates/") for n in names if n.startswith("tracker/templates/")} == templates


def test_installed_wheel_polls_alerts_and_builds_the_site_from_anywhere(
    fresh_venv: Path, tmp_path: Path, fake_hub: FakeHub
) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    hub_catalog.qwen3_30b_a3b(fake_hub, created_at=datetime.now(UTC) - timedelta(hours=2))
    work = tmp_path / "anywhere"
    work.mkdir()
    env = base_env(tmp_path)
    env["PATH"] = f"{fresh_venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["HF_ENDPOINT"] = fake_hub.url
    env.pop("PYTHONPATH", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), cwd=work, env=env, capture_output=True, text=True, timeout=120)

    where = run(str(fresh_venv / "bin" / "python"), "-c",
                "import tracker, tracker.render.templates as t; print(tracker.__file__); print(t.templates_dir())")
    assert where.returncode == 0, where.stderr
    module_file, templates = where.stdout.split()
    assert module_file.startswith(str(fresh_venv)) and not module_file.startswith(CHECKOUT_PREFIX + os.sep + "tracker")
    assert templates == str(Path(module_file).parent / "templates")

    # The default watchlist (package data) knows Qwen; the fresh store is created by the packaged migrations.
    poll = run(str(fresh_venv / "bin" / "tracker"), "poll")
    assert poll.returncode == 0, poll.stderr
    assert "Qwen/Qwen3-30B-A3B" in poll.stdout and "30.5B total" in poll.stdout  # the console alert, rendered
    assert "Traceback" not in poll.stderr

    site_out = work / "site"
    built = run(str(fresh_venv / "bin" / "python"), "-m", "tracker", "site", str(site_out))
    assert built.returncode == 0, built.stderr
    index = (site_out / "index.html").read_text(encoding="utf-8")
    assert "Qwen3-30B-A3B" in index
    assert (site_out / "static" / "site.css").is_file() or any(site_out.rglob("site.css"))

    usage = run(str(fresh_venv / "bin" / "python"), "-m", "tracker", "--help")
    assert usage.returncode == 0 and "usage: tracker" in usage.stdout
