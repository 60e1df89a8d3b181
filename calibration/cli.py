"""``python -m calibration run <config>``: fit, predict, and write the calibrated file."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from abm.params import ParameterError
from calibration import fit, report
from calibration.config import CONFIG_DIR, load_config
from calibration.observed import ObservedDataError

log = logging.getLogger("calibration")


@contextlib.contextmanager
def cluster(workers: int, scheduler: str | None, in_process: bool) -> Iterator[Any]:
    """Yield a Dask client from the experiment runners (local cluster or a scheduler), or None.

    Calibration runs its simulations through the same runners as batch experiments
    (:mod:`experiments.runners`), so a cluster speeds both up unchanged.
    """
    if in_process:
        yield None
        return
    from experiments.runners import make_runner

    with make_runner("local", scheduler=scheduler, workers=workers) as runner:
        yield runner.client


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    frame.to_csv(tmp, index=False)
    tmp.replace(path)


def run(args: argparse.Namespace) -> int:
    """Fit a config and write posterior/trials, predictions, charts, report, calibrated.toml."""
    config = load_config(args.config, args.observed)
    out = args.out / config.name
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with cluster(args.workers, args.scheduler, args.in_process) as client:
        map_fn = fit.dask_map(client) if client is not None else fit.local_map
        if args.method == "abc":
            logging.getLogger("ABC").setLevel(logging.INFO)
            posterior = fit.run_abc(config, out, client=client, map_fn=map_fn)
            _write_csv(posterior, out / "posterior.csv")
            summary = fit.posterior_summary(posterior, config)
            point = dict(zip(summary["parameter"], summary["median"], strict=True))
            draws = fit.resample(posterior, config.predictive_samples)
            extra = "Point values written to calibrated.toml are posterior medians."
        else:
            bar = tqdm(total=int(config.optuna.get("n_trials", 40)), desc="optuna",
                       unit="trial")

            def progress(done: int, total: int, best: float) -> None:
                bar.n = done
                bar.set_postfix(best=f"{best:.4g}")
                bar.refresh()

            trials = fit.run_optuna(config, map_fn=map_fn, batch=max(args.workers, 1),
                                    progress=progress)
            bar.close()
            _write_csv(trials, out / "trials.csv")
            best = trials.iloc[0]
            point = {p.key: float(best[p.key]) for p in config.parameters}
            top = trials.head(max(5, len(trials) // 10))
            summary = pd.DataFrame([{"parameter": p.key, "prior_min": p.low, "prior_max": p.high,
                                     "best": point[p.key], "top_min": top[p.key].min(),
                                     "top_max": top[p.key].max()} for p in config.parameters])
            draws = top
            extra = (f"Best distance {best['distance']:.4g} after {len(trials)} trials; bands "
                     f"come from the best {len(top)} trials.")
        bands = fit.predictive(config, draws, map_fn=map_fn)
    error_table = fit.errors(bands)
    _write_csv(bands, out / "predictive.csv")
    _write_csv(error_table, out / "errors.csv")
    _write_csv(summary, out / "parameters.csv")
    toml_path = out / "calibrated.toml"
    tmp = toml_path.with_name("calibrated.toml.tmp")
    tmp.write_text(report.calibrated_toml(config, point, args.method))
    tmp.replace(toml_path)
    charts = report.fit_charts(bands, config, out)
    seconds = time.perf_counter() - start
    path = report.write_report(config, args.method, summary, error_table, charts, out, seconds,
                               extra)
    print(summary.to_string(index=False))
    print()
    print(error_table.to_string(index=False))
    print(f"\nWrote {toml_path} (include it from a scenario) and {path} in {seconds:.0f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m calibration",
                                     description="Calibrate the model against observed data.")
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="fit a calibration config")
    run_parser.add_argument("config", help="config name (calibration/configs/*.toml) or path")
    run_parser.add_argument("--method", choices=("abc", "optuna"), default="abc",
                            help="ABC-SMC posterior (default) or optuna point estimate")
    run_parser.add_argument("--workers", type=int, default=2,
                            help="local Dask workers (default 2)")
    run_parser.add_argument("--scheduler", help="address of an existing Dask scheduler, e.g. "
                                                "tcp://host:8786")
    run_parser.add_argument("--in-process", action="store_true", help="no Dask at all")
    run_parser.add_argument("--observed", type=Path, help="your own observed-data CSV")
    run_parser.add_argument("--out", type=Path, default=Path("results/calibration"))
    sub.add_parser("list", help="list the shipped configs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("MESA", "abm", "distributed", "ABC.Sampler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.command == "list":
        for path in sorted(CONFIG_DIR.glob("*.toml")):
            print(path.stem)
        return 0
    if args.workers < 1:
        print(f"error: --workers: {args.workers}; allowed: 1 or more", file=sys.stderr)
        return 2
    try:
        return run(args)
    except (ParameterError, ObservedDataError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
