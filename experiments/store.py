"""The results store: one Parquet file per run, written atomically, under results/<experiment>/.

Layout::

    results/<experiment>/
        .lock                   held by the `experiments run` writing here (fcntl lock)
        experiment.toml         the experiment file as run (copied when it came from a file)
        design.parquet          every planned run (run_id, scenario, point, seed, levers, …)
        runs/<run_id>.parquet   one row: the run's inputs, outputs, status, error, code version
        series/<run_id>.parquet the run's annual series (year, metric, value)
        report/                 report.md and PNG charts

``run_id`` is the run's identity (:func:`abm.identity.run_identity`): a hash of the resolved
scenario with the run's levers and parameters applied, the run settings, the data tables and
the model code. A stored run is reused only by a run with the same identity. A run counts as
finished when ``runs/<run_id>.parquet`` exists; it is written last, through
:func:`abm.files.write_atomic`, so a killed experiment leaves only whole files behind.
``runs/`` and ``series/`` are Parquet datasets (``pandas.read_parquet("results/x/runs")``
reads all of it).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from abm.files import inside, safe_name, write_atomic, write_bytes
from abm.identity import code_version

__all__ = ["Store", "code_version"]
log = logging.getLogger("experiments")


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    """Write a Parquet file atomically (see :func:`abm.files.write_atomic`)."""
    return write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False))


class Store:
    """Results of one experiment on disk, in ``<root>/<name>/`` (never outside ``root``)."""

    def __init__(self, root: Path | str, name: str) -> None:
        self.root = Path(root)
        self.dir = inside(self.root, safe_name(name, "experiment name"))
        self.runs_dir = self.dir / "runs"
        self.series_dir = self.dir / "series"
        self.report_dir = self.dir / "report"

    def prepare(self, design: pd.DataFrame, source: Path | None) -> None:
        """Create folders; save the design and the experiment file."""
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.series_dir.mkdir(parents=True, exist_ok=True)
        write_parquet(design, self.dir / "design.parquet")
        if source is not None and source.is_file():
            write_bytes(self.dir / "experiment.toml", source.read_bytes())

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
            write_parquet(series.assign(run_id=run_id), self.series_dir / f"{run_id}.parquet")
        write_parquet(pd.DataFrame([record]), self.runs_dir / f"{run_id}.parquet")

    def read_runs(self, run_ids: set[str] | None = None) -> pd.DataFrame:
        """Run records (one row per run; only ``run_ids`` if given)."""
        return _read_dir(self.runs_dir, run_ids)

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

    tables = []
    for path in files:
        try:
            tables.append(pq.read_table(path))
        except (OSError, pa.ArrowException) as error:
            # Not a whole Parquet file (written by something else): its run counts as not
            # finished, so `run` computes it again and replaces the file.
            log.warning("%s cannot be read (%s); its run counts as not finished", path, error)
    if not tables:
        return pd.DataFrame()
    return pa.concat_tables(tables, promote_options="permissive").to_pandas()
