"""``run_experiment(spec, runner=...)``: plan the runs, skip finished ones, run the rest, save.

Example::

    from experiments import run_experiment
    result = run_experiment("experiments/levers_vs_baseline.toml", runner="inprocess")
    result.runs          # one row per design row: inputs, outputs, status, error
    ensemble_summary(result)   # (experiments.analysis) median and P5-P95 per scenario, point
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from abm.files import folder_lock, output_folder
from abm.identity import scenario_content
from abm.params import ParameterError
from experiments.outputs import TARGET_KEYS, StoredRun, from_series
from experiments.result import ExperimentResult
from experiments.runners import Runner, Task, failed, make_runner
from experiments.spec import ExperimentSpec, load_experiment, parse_experiment
from experiments.store import Store, code_version

log = logging.getLogger("experiments")


def _as_spec(spec: ExperimentSpec | str | Path | dict[str, Any], allow_large: bool = False
             ) -> ExperimentSpec:
    if isinstance(spec, ExperimentSpec):
        return spec
    if isinstance(spec, dict):
        return parse_experiment(spec, f"experiment {spec.get('name', '?')!r}",
                                allow_large=allow_large)
    return load_experiment(spec, allow_large=allow_large)


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
    record["outputs_kept"] = json.dumps(list(spec.outputs))
    record["series_kept"] = json.dumps(list(spec.series))
    return record


def _settings(scenario: Any) -> str:
    """The run's full settings as JSON: parameter overrides and policies with levels."""
    return json.dumps(scenario_content(scenario), sort_keys=True, default=float)


def _identity_extra(simulate: Callable[..., Any] | None) -> dict[str, Any]:
    """What else produces a run's result: a replacement ``simulate`` function, by name."""
    if simulate is None:
        return {}
    return {"simulate": f"{getattr(simulate, '__module__', '?')}."
                        f"{getattr(simulate, '__qualname__', repr(simulate))}"}


def run_experiment(spec: ExperimentSpec | str | Path | dict[str, Any],
                   runner: Runner | str | None = None, *, out: str | Path = "results",
                   scheduler: str | None = None, workers: int | None = None,
                   retry_failed: bool = False, max_runs: int | None = None,
                   progress: bool = True, allow_large: bool = False,
                   simulate: Callable[..., Any] | None = None) -> ExperimentResult:
    """Run an experiment, reusing the stored runs of identical inputs and code.

    Everything is checked before anything is written: the experiment, ``out`` (an existing
    writable folder or one that can be created), the runner and its arguments. The store
    folder is then locked (:func:`abm.files.folder_lock`): a second ``run_experiment`` on
    the same store refuses with :class:`abm.files.FolderBusyError` instead of computing
    every run twice.

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
        allow_large: Accept designs above :data:`experiments.spec.MAX_RUNS` runs.
        simulate: Replacement for :func:`abm.simulate.simulate` (same signature; must be
            importable by workers); its name is part of each run's identity.

    Returns:
        The tidy results of every finished run of the experiment.

    Raises:
        ParameterError: If any input is refused (nothing is written then).

    """
    if max_runs is not None and (isinstance(max_runs, bool) or not isinstance(max_runs, int)
                                 or max_runs < 1):
        raise ParameterError(f"--max-runs: got {max_runs!r}; allowed: a positive integer")
    spec = _as_spec(spec, allow_large)
    output_folder(out, "--out")
    runner_obj = make_runner(runner, scheduler=scheduler, workers=workers)
    runner_obj.check()
    start = time.perf_counter()
    store = Store(out, spec.name)
    design = spec.design(**_identity_extra(simulate))
    try:
        store.dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ParameterError(f"--out: {str(out)!r}: the folder {str(store.dir)!r} cannot be "
                             f"created ({error.strerror or error})") from None
    with folder_lock(store.dir, "another 'python -m experiments run' of this experiment"):
        store.prepare(design, spec.path)
        return _run_locked(spec, store, design, runner_obj, retry_failed, max_runs, progress,
                           simulate, start)


def _run_locked(spec: ExperimentSpec, store: Store, design: pd.DataFrame, runner_obj: Runner,
                retry_failed: bool, max_runs: int | None, progress: bool,
                simulate: Callable[..., Any] | None, start: float) -> ExperimentResult:
    unique = design.drop_duplicates("run_id")
    planned = set(unique["run_id"])
    stored = store.finished()
    records = store.read_runs(planned & stored)
    incomplete = _incomplete(spec, store, records)
    done = (set(records["run_id"]) if len(records) else set()) - incomplete
    if retry_failed and len(records):
        done -= set(records.loc[records["status"] == "failed", "run_id"])
    reused = planned & done
    versions = sorted(records.loc[records["run_id"].isin(reused), "code_version"].dropna()
                      .unique()) if len(records) else []
    todo = unique[~unique["run_id"].isin(done)]
    if max_runs is not None:
        todo = todo.iloc[:max_runs]
    version = code_version()
    rows = {r["run_id"]: r for r in todo.to_dict("records")}
    settings: dict[str, str] = {}
    if incomplete:
        log.info("%s: %d stored runs lack outputs or series now asked for; run again",
                 spec.name, len(incomplete & set(rows)))

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
    bar = tqdm(total=len(planned), initial=len(reused), desc=spec.name, unit="run",
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

    description = runner_obj.describe()
    if len(todo):
        with runner_obj as active:
            description = active.describe()
            log.info("%s: %d runs to do, %d reused, on %s", spec.name, len(todo),
                     len(reused), description)
            for result in active.run(tasks()):
                handle(result)
    bar.close()
    result = load_result(spec, store.root, design=design)
    result.new_runs, result.reused, result.failed = len(todo), len(reused), counts["failed"]
    result.reused_versions = versions
    result.seconds = time.perf_counter() - start
    result.runner = description
    return result


def _incomplete(spec: ExperimentSpec, store: Store, records: pd.DataFrame) -> set[str]:
    """Stored ok runs that lack an output or series the spec asks for (not derivable)."""
    if records.empty:
        return set()
    ok = records[records["status"] == "ok"]
    if ok.empty:
        return set()
    kept = ok["series_kept"] if "series_kept" in ok else pd.Series("[]", index=ok.index)
    missing_series = {rid for rid, text in zip(ok["run_id"], kept.fillna("[]"), strict=True)
                      if not set(spec.series) <= set(json.loads(text))}
    _, unfilled, _ = _fill_outputs(spec, store, ok)
    return missing_series | unfilled


def _fill_outputs(spec: ExperimentSpec, store: Store, runs: pd.DataFrame
                  ) -> tuple[pd.DataFrame, set[str], list[str]]:
    """Outputs the stored records lack, computed from their stored series.

    Returns:
        The runs with every output column, the ok run ids still lacking one, and notes
        for the report.

    """
    runs = runs.copy()
    notes: list[str] = []
    unfilled: set[str] = set()
    kept_col = runs["outputs_kept"] if "outputs_kept" in runs else pd.Series(
        "[]", index=runs.index)
    kept = [set(json.loads(t)) for t in kept_col.fillna("[]")]
    ok = (runs["status"] == "ok").to_numpy() if "status" in runs else np.zeros(len(runs), bool)
    series_cache: dict[str, StoredRun] | None = None
    for name in spec.outputs:
        if name not in runs:
            runs[name] = np.nan
        need = [i for i in range(len(runs)) if ok[i] and name not in kept[i]]
        if not need:
            continue
        if series_cache is None:
            ids = set(runs["run_id"].iloc[[i for i in range(len(runs)) if ok[i]]])
            frame = store.read_series(ids)
            series_cache = {rid: StoredRun(f) for rid, f in frame.groupby("run_id")}
        values = [from_series(name, series_cache[runs["run_id"].iloc[i]])
                  if runs["run_id"].iloc[i] in series_cache else np.nan for i in need]
        runs.loc[runs.index[need], name] = values
        lacking = [runs["run_id"].iloc[i] for i, v in zip(need, values, strict=True)
                   if np.isnan(v)]
        unfilled |= set(lacking)
        notes.append(f"output `{name}` was not stored by {len(need)} run(s); computed from "
                     f"their stored series" + (f" ({len(lacking)} could not be: run "
                                               "`python -m experiments run` again to compute "
                                               "them)" if lacking else ""))
    return runs, unfilled, notes


def load_runs(spec: ExperimentSpec, store: Store, design: pd.DataFrame
              ) -> tuple[pd.DataFrame, list[str]]:
    """Finished runs of the current design, one row per design row (design columns first).

    Outputs the stored records lack are computed from their stored series where possible.

    Returns:
        The runs and notes for the report.

    """
    records = store.read_runs(set(design["run_id"]))
    if records.empty:
        empty = design.iloc[0:0].assign(status=pd.Series(dtype=str))
        for name in spec.outputs:
            empty[name] = pd.Series(dtype=float)
        return empty, []
    records, _, notes = _fill_outputs(spec, store, records)
    keep = [c for c in records.columns if c not in design.columns or c == "run_id"]
    runs = design.merge(records[keep], on="run_id", how="inner")
    return runs.sort_values(["scenario", "point", "seed"]).reset_index(drop=True), notes


def load_result(spec: ExperimentSpec | str | Path, out: str | Path = "results", *,
                design: pd.DataFrame | None = None, allow_large: bool = False
                ) -> ExperimentResult:
    """The saved results of an experiment, without running anything."""
    spec = _as_spec(spec, allow_large)
    store = Store(out, spec.name)
    design = spec.design() if design is None else design
    runs, notes = load_runs(spec, store, design)
    planned = set(design["run_id"])
    stale = len(store.finished() - planned)
    versions = sorted(runs["code_version"].dropna().unique()) if len(runs) else []
    return ExperimentResult(spec=spec, store=store, design=design, runs=runs,
                            reused=runs["run_id"].nunique() if len(runs) else 0,
                            reused_versions=versions, stale=stale, notes=notes,
                            failed=int(runs.loc[runs["status"] == "failed", "run_id"].nunique())
                            if len(runs) else 0)
