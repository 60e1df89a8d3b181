"""The results of an experiment: tidy tables of its planned and finished runs.

Summaries of them live one floor up, in :mod:`experiments.analysis` (ensembles, what each
lever buys) and :mod:`experiments.sensitivity` (Sobol and Morris indices)::

    from experiments import run_experiment
    from experiments.analysis import abatement_table, ensemble_summary
    result = run_experiment("levers_vs_baseline", runner="inprocess")
    ensemble_summary(result)   # median and P5-P95 per scenario, point and output
    abatement_table(result)    # one-at-a-time designs: what each lever buys
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from experiments.spec import ExperimentSpec
from experiments.store import Store

DESIGN_COLS = ("point", "scenario", "seed", "sample", "varied")
"""Columns that place a run in the design."""


@dataclass
class ExperimentResult:
    """Tidy results of an experiment (finished runs only; planned runs are in ``design``).

    ``reused`` counts the planned runs found finished in the store with the same identity
    (same resolved scenario, settings, data and code), ``reused_versions`` their code versions;
    ``stale`` counts stored runs of other inputs or code, which are not used.
    """

    spec: ExperimentSpec
    store: Store
    design: pd.DataFrame
    runs: pd.DataFrame
    new_runs: int = 0
    reused: int = 0
    failed: int = 0
    seconds: float = 0.0
    runner: str = ""
    reused_versions: list[str] = field(default_factory=list)
    stale: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        """Alias of ``reused`` (runs finished before and not run again)."""
        return self.reused

    @property
    def series(self) -> pd.DataFrame:
        """Annual series of the finished runs, joined to their design rows (tidy)."""
        ok = set(self.runs.loc[self.runs["status"] == "ok", "run_id"])
        series = self.store.read_series(ok)
        keys = self.design[["run_id", *DESIGN_COLS]].drop_duplicates("run_id")
        return series.merge(keys, on="run_id", how="left")

    @property
    def missing(self) -> int:
        """Planned runs without a result."""
        return int(self.design["run_id"].nunique() - self.runs["run_id"].nunique())
