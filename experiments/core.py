"""``run_experiment(spec, runner=...)``: plan the runs, skip finished ones, run the rest, save.

Example::

    from experiments import run_experiment
    result = run_experiment("experiments/levers_vs_baseline.toml", runner="inprocess")
    result.runs          # one row per design row: inputs, outputs, status, error
    result.ensemble()    # median and P5-P95 per scenario and point
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from experiments.outputs import TARGET_KEYS
from experiments.runners import Runner, Task, failed, make_runner
from experiments.spec import ExperimentSpec, load_experiment, parse_experiment
from experiments.store import Store, code_version

log = logging.getLogger("experiments")
DESIGN_COLS = ("point", "scenario", "seed", "sample", "varied")


@dataclass
class ExperimentResult:
    """Tidy results of an experiment (finished runs only; planned runs are in ``design``)."""

    spec: ExperimentSpec
    store: Store
    design: pd.DataFrame
    runs: pd.DataFrame
    new_runs: int = 0
    skipped: int = 0
    failed: int = 0
    seconds: float = 0.0
    runner: str = ""

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

    def ensemble(self, outputs: list[str] | None = None) -> pd.DataFrame:
        """Median and P5-P95 over seeds (and uncertainty samples) per scenario and point."""
        from experiments.analysis import ensemble_summary

        return ensemble_summary(self, outputs)

    def abatement(self) -> pd.DataFrame:
        """One-at-a-time designs: what each lever buys against the reference (CNY/t)."""
        from experiments.analysis import abatement_table

        return abatement_table(self)

    def sensitivity(self) -> dict[str, pd.DataFrame]:
        """Sobol or Morris indices (and their convergence check) of a sensitivity design."""
        from experiments.sensitivity import analyse

        return analyse(self)


def _as_spec(spec: ExperimentSpec | str | Path | dict[str, Any]) -> ExperimentSpec:
    if isinstance(spec, ExperimentSpec):
        return spec
    if isinstance(spec, dict):
        return parse_experiment(spec, f"experiment {spec.get('name', '?')!r}")
    return load_experiment(spec)


def _record(spec: ExperimentSpec, row: dict[str, Any], result: dict[str, Any], version: str,
            scenario_json: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        "run_id": result["run_id"], "experiment": spec.name, "status": result["status"],
        "error": result["error"], "seconds": float(result["seconds"]),
        "worker": result["worker"], "code_version": version,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenario": row["scenario"], "seed": int(row["seed"]), "scale": float(spec.scale),
        "end_year": int(spec.end_year), "point": int(row["point"]),
        "sample": int(row["sample"]), "varied": str(row["varied"]),
    }
    for lever in spec.levers:
        record[lever.column] = float(row.get(lever.column, np.nan))
    for key in spec.uncertain:
        record[f"param.{key}"] = float(row.get(f"param.{key}", np.nan))
    values = result["values"]
    for name in spec.outputs:
        record[name] = float(values.get(name, np.nan))
    for key in TARGET_KEYS:
        record[f"target.{key}"] = float(values.get(f"target.{key}", np.nan))
    record["scenario_settings"] = scenario_json
    return record


def _settings(scenario: Any) -> str:
    """The run's full settings as JSON: parameter overrides and policies with levels."""
    policies = [{k: v for k, v in p.to_toml_table().items() if k != "why"}
                for p in scenario.policies]
    return json.dumps({"parameters": scenario.params.overrides, "policies": policies},
                      sort_keys=True)


def run_experiment(spec: ExperimentSpec | str | Path | dict[str, Any],
                   runner: Runner | str | None = None, *, out: str | Path = "results",
                   scheduler: str | None = None, workers: int | None = None,
                   retry_failed: bool = False, max_runs: int | None = None,
                   progress: bool = True,
                   simulate: Callable[..., Any] | None = None) -> ExperimentResult:
    """Run an experiment, resuming where an earlier attempt stopped.

    Args:
        spec: An :class:`ExperimentSpec`, a path or shipped name of an experiment file, or the
            file's content as a dict.
        runner: ``"local"`` (default: a local Dask cluster), ``"inprocess"``, a scheduler
            address, or a :class:`~experiments.runners.Runner`.
        out: Folder holding ``<experiment>/`` results.
        scheduler: Address of an existing Dask scheduler (overrides ``runner``).
        workers: Worker processes of a local Dask cluster (default: CPU count).
        retry_failed: Run again the runs recorded as failed.
        max_runs: Stop after this many new runs (the rest are left for a later call).
        progress: Show a progress bar (runs done, failures, time left).
        simulate: Replacement for :func:`abm.simulate.simulate` (same signature; must be
            importable by workers).

    Returns:
        The tidy results of every finished run of the experiment.

    """
    spec = _as_spec(spec)
    start = time.perf_counter()
    store = Store(out, spec.name)
    design = spec.design()
    store.prepare(design, spec.path)
    unique = design.drop_duplicates("run_id")
    done = store.finished()
    if retry_failed:
        done -= store.failed()
    todo = unique[~unique["run_id"].isin(done)]
    if max_runs is not None:
        todo = todo.iloc[:max_runs]
    planned = set(unique["run_id"])
    skipped = len(planned & done)
    version = code_version()
    rows = {r["run_id"]: r for r in todo.to_dict("records")}
    settings: dict[str, str] = {}

    def tasks():
        for run_id, row in rows.items():
            try:
                scenario = spec.build_scenario(row)
            except Exception as error:
                handle(failed(run_id, f"{type(error).__name__}: {error}"))
                continue
            settings[run_id] = _settings(scenario)
            yield Task(run_id=run_id, scenario=scenario, seed=int(row["seed"]),
                       scale=spec.scale, end_year=spec.end_year, outputs=spec.outputs,
                       series=spec.series, simulate=simulate)

    counts = {"failed": 0}
    bar = tqdm(total=len(planned), initial=skipped, desc=spec.name, unit="run",
               disable=not progress or not len(todo), dynamic_ncols=True, smoothing=0.1)
    bar.set_postfix(failed=0, refresh=False)

    def handle(result: dict[str, Any]) -> None:
        row = rows[result["run_id"]]
        record = _record(spec, row, result, version, settings.get(result["run_id"], ""))
        store.save(record, result["series"])
        if result["status"] != "ok":
            counts["failed"] += 1
            first = result["error"].splitlines()[0] if result["error"] else "?"
            bar.write(f"run {result['run_id']} ({row['scenario']}, seed {row['seed']}) "
                      f"failed: {first}")
        bar.update(1)
        bar.set_postfix(failed=counts["failed"], refresh=False)

    runner_obj = make_runner(runner, scheduler=scheduler, workers=workers)
    description = runner_obj.describe()
    if len(todo):
        with runner_obj as active:
            description = active.describe()
            log.info("%s: %d runs to do, %d finished before, on %s", spec.name, len(todo),
                     skipped, description)
            for result in active.run(tasks()):
                handle(result)
    bar.close()
    n_failed = counts["failed"]
    runs = load_runs(spec, store, design)
    return ExperimentResult(spec=spec, store=store, design=design, runs=runs,
                            new_runs=len(todo), skipped=skipped, failed=n_failed,
                            seconds=time.perf_counter() - start, runner=description)


def load_runs(spec: ExperimentSpec, store: Store, design: pd.DataFrame) -> pd.DataFrame:
    """Finished runs of the current design, one row per design row (design columns first)."""
    records = store.read_runs()
    if records.empty:
        return design.iloc[0:0].assign(status=pd.Series(dtype=str))
    records = records[records["run_id"].isin(set(design["run_id"]))]
    keep = [c for c in records.columns if c not in design.columns or c == "run_id"]
    runs = design.merge(records[keep], on="run_id", how="inner")
    return runs.sort_values(["scenario", "point", "seed"]).reset_index(drop=True)


def load_result(spec: ExperimentSpec | str | Path, out: str | Path = "results"
                ) -> ExperimentResult:
    """The saved results of an experiment, without running anything."""
    spec = _as_spec(spec)
    store = Store(out, spec.name)
    design = spec.design()
    runs = load_runs(spec, store, design)
    return ExperimentResult(spec=spec, store=store, design=design, runs=runs,
                            failed=int((runs.get("status") == "failed").sum())
                            if len(runs) else 0)

