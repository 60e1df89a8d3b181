"""Benchmark of batch experiments: runs per minute in-process and on 1 and 2 Dask workers.

Run with ``make bench-experiments`` or::

    python benchmarks/bench_experiments.py [--runs 16] [--scale 300] [--end-year 2035]

Each configuration runs the same experiment (baseline, ``--runs`` seeds) into a fresh
temporary results folder. Two rates are printed: ``overall`` (wall time from the call to the
last saved run, including cluster start-up and worker imports) and ``steady`` (from the first
finished run to the last). Speed is reported, never asserted: the machine may be shared.
Writes ``benchmarks/out/experiments.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import pandas as pd  # noqa: E402

from abm.files import write_text  # noqa: E402
from experiments import parse_experiment, run_experiment  # noqa: E402
from experiments.runners import DaskRunner, InProcessRunner  # noqa: E402


def measure(label: str, runner, runs: int, scale: float, end_year: int) -> dict[str, float]:
    spec = parse_experiment({"name": "bench", "scenarios": ["baseline"], "seeds": runs,
                             "scale": scale, "end_year": end_year})
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        result = run_experiment(spec, runner, out=out, progress=False)
        wall = time.perf_counter() - start
        finished = pd.to_datetime(result.runs["finished_at"])
    assert result.failed == 0 and result.new_runs == runs
    # finished_at has 1-s resolution: use the run times for the steady rate.
    span = max((finished.max() - finished.min()).total_seconds(), 1e-9)
    busy = float(result.runs["seconds"].sum())
    return {"config": label, "runs": runs, "wall_s": round(wall, 2),
            "runs_per_min_overall": round(60 * runs / wall, 1),
            "runs_per_min_steady": round(60 * (runs - 1) / span, 1) if span >= 1 else None,
            "mean_run_s": round(busy / runs, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=16)
    parser.add_argument("--scale", type=float, default=300.0)
    parser.add_argument("--end-year", type=int, default=2035)
    args = parser.parse_args()
    logging.getLogger("distributed").setLevel(logging.ERROR)
    rows = [measure("in-process", InProcessRunner(), args.runs, args.scale, args.end_year)]
    for workers in (1, 2):
        with DaskRunner(n_workers=workers) as runner:
            rows.append(measure(f"dask, {workers} worker{'s' * (workers > 1)}", runner,
                                args.runs, args.scale, args.end_year))
    # Cluster start-up is included only when the runner is created inside run_experiment:
    rows.append(measure("dask, 2 workers incl. start-up", "local", args.runs, args.scale,
                        args.end_year))
    frame = pd.DataFrame(rows)
    command = " ".join([Path(sys.executable).name, *sys.argv])
    print(f"# bench_experiments ({platform.node()}, {os.cpu_count()} CPUs; scale "
          f"{args.scale:g}, 2020-{args.end_year}, baseline)\n")
    print(frame.to_string(index=False))
    print(f"\ncommand: {command}")
    write_text(HERE / "out" / "experiments.json",
               json.dumps({"command": command, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
