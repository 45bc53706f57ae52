"""Build hook: puts the top-level `templates/` into the wheel as the package data `tracker/templates/`.

The templates stay at the top of the repository (where translators and designers find them); an editable
install reads them from there, a wheel carries its own copy. Everything else is declared in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildPyWithTemplates(build_py):
    """build_py that also copies templates/ into the built `tracker` package (not in editable mode)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        source = ROOT / "templates"
        if not source.is_dir():
            raise SystemExit("templates/ is missing: build from the repository or its sdist")
        target = Path(self.build_lib) / "tracker" / "templates"
        if target.exists():  # a stale build/ from an earlier build must not keep deleted templates
            shutil.rmtree(target)
        for path in sorted(source.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                dest = target / path.relative_to(source)
                self.mkpath(str(dest.parent))
                self.copy_file(str(path), str(dest))


setup(cmdclass={"build_py": BuildPyWithTemplates})
