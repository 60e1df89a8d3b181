"""The hostile-input harness: every case must be refused cleanly and leave no trace.

A case calls an interface (a CLI's ``main(argv)`` in-process, or the app's validation) with
bad input and asserts, through :func:`assert_refused`:

* exit code 2 (argparse's usage errors exit 2 too);
* a message on stderr that names the offending field (and, where given, the value);
* no traceback: an uncaught exception propagates and fails the test by itself, and stderr
  must not contain ``Traceback``;
* no file created, changed or deleted, in the working folder (a fresh temporary folder) or
  in the repository outside caches.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IGNORED = {".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", "screenshots",
           ".numba_cache", "dask-worker-space"}


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file under ``root`` (caches left out)."""
    files: dict[str, tuple[int, int]] = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in IGNORED]
        for name in names:
            path = Path(folder) / name
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            files[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return files


@dataclass
class Outcome:
    """What a CLI call did."""

    code: int
    stdout: str
    stderr: str


def call(main: Callable[[Sequence[str]], int], argv: Sequence[str]) -> Outcome:
    """Run ``main(argv)`` in-process, capturing its output and exit code."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
    return Outcome(int(code or 0), out.getvalue(), err.getvalue())


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A fresh working folder (the current directory during the case)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def unchanged(workdir):
    """Assert, after the case, that no file changed in the working folder or the repository."""
    before_work, before_repo = snapshot(workdir), snapshot(ROOT)
    yield workdir
    after_work, after_repo = snapshot(workdir), snapshot(ROOT)
    changed = {p for p in before_work.keys() | after_work.keys()
               if before_work.get(p) != after_work.get(p)}
    changed |= {p for p in before_repo.keys() | after_repo.keys()
                if before_repo.get(p) != after_repo.get(p)}
    assert not changed, f"files created, changed or deleted: {sorted(changed)[:10]}"


def assert_refused(outcome: Outcome, *names: str) -> None:
    """Exit code 2, no traceback, and a message naming each of ``names`` (case-insensitive)."""
    assert "Traceback" not in outcome.stderr, outcome.stderr
    assert outcome.code == 2, (outcome.code, outcome.stderr, outcome.stdout)
    message = outcome.stderr.lower()
    for name in names:
        assert name.lower() in message, f"{name!r} not named in: {outcome.stderr}"
