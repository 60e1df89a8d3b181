"""The results store: one Parquet file per run, written atomically, under results/<experiment>/.

Layout::

    results/<experiment>/
        experiment.toml         the experiment file as run (copied when it came from a file)
        design.parquet          every planned run (run_id, scenario, point, seed, levers, …)
        runs/<run_id>.parquet   one row: the run's inputs, outputs, status, error, code version
        series/<run_id>.parquet the run's annual series (year, metric, value)
        report/                 report.md and PNG charts

A run counts as finished when ``runs/<run_id>.parquet`` exists. It is written last, to a
hidden temporary name first and then renamed (atomic on POSIX), so a killed experiment
leaves only whole files behind; a re-run skips those runs. ``runs/`` and ``series/`` are
Parquet datasets (``pandas.read_parquet("results/x/runs")`` reads all of it).
"""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def code_version() -> str:
    """Git commit of the model code (``-dirty`` if abm/, agents/ or data/ have changes)."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"],
                              capture_output=True, text=True, timeout=10, check=True)
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain",
                                "--untracked-files=no", "--", "abm", "agents", "data"],
                               capture_output=True, text=True, timeout=10, check=True)
        return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"jiangmen-abm {version('jiangmen-abm')}"
        except PackageNotFoundError:
            return "unknown"


def write_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write a Parquet file under a hidden temporary name, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


class Store:
    """Results of one experiment on disk."""

    def __init__(self, root: Path | str, name: str) -> None:
        self.dir = Path(root) / name
        self.runs_dir = self.dir / "runs"
        self.series_dir = self.dir / "series"
        self.report_dir = self.dir / "report"

    def prepare(self, design: pd.DataFrame, source: Path | None) -> None:
        """Create folders; save the design and the experiment file."""
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.series_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(design, self.dir / "design.parquet")
        if source is not None and source.exists():
            tmp = self.dir / ".experiment.toml.tmp"
            tmp.write_bytes(source.read_bytes())
            os.replace(tmp, self.dir / "experiment.toml")

    def finished(self) -> set[str]:
        """Run ids with a result file."""
        if not self.runs_dir.exists():
            return set()
        return {p.name.removesuffix(".parquet") for p in self.runs_dir.glob("*.parquet")
                if not p.name.startswith(".")}

    def failed(self) -> set[str]:
        """Run ids recorded as failed."""
        runs = self.read_runs()
        return set() if runs.empty else set(runs.loc[runs["status"] == "failed", "run_id"])

    def save(self, record: dict[str, Any], series: pd.DataFrame) -> None:
        """Save one run: its series first, then its record (the record marks it finished)."""
        run_id = record["run_id"]
        if len(series):
            write_atomic(series.assign(run_id=run_id), self.series_dir / f"{run_id}.parquet")
        write_atomic(pd.DataFrame([record]), self.runs_dir / f"{run_id}.parquet")

    def read_runs(self) -> pd.DataFrame:
        """All run records (one row per run)."""
        return _read_dir(self.runs_dir)

    def read_series(self, run_ids: set[str] | None = None) -> pd.DataFrame:
        """Annual series of finished runs: ``run_id, year, metric, value``."""
        frame = _read_dir(self.series_dir, run_ids)
        if frame.empty:
            return pd.DataFrame({"run_id": [], "year": [], "metric": [], "value": []})
        return frame

    def read_design(self) -> pd.DataFrame:
        """The saved design."""
        return pd.read_parquet(self.dir / "design.parquet")


def _read_dir(folder: Path, run_ids: set[str] | None = None) -> pd.DataFrame:
    if not folder.exists():
        return pd.DataFrame()
    files = sorted(p for p in folder.glob("*.parquet") if not p.name.startswith("."))
    if run_ids is not None:
        files = [p for p in files if p.name.removesuffix(".parquet") in run_ids]
    if not files:
        return pd.DataFrame()
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = [pq.read_table(p) for p in files]
    return pa.concat_tables(tables, promote_options="permissive").to_pandas()
