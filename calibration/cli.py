"""``python -m calibration run|validate|list``: fit a config, check it, list the shipped ones.

A run writes into ``<--out>/<config name>/`` (the name made safe for a file name):
``run.json`` (what the run belongs to: config hash, code version, method, the files it wrote),
the engine's database (``abc.db`` or ``optuna.db``, kept so a stopped or killed run resumes),
and, at the end, ``posterior.csv`` or ``trials.csv``, ``predictive.csv``, ``errors.csv``,
``parameters.csv``, ``calibrated.toml``, the fit charts and ``report.md``. Outputs are staged
in a hidden folder inside the run folder and moved in when all are written, under a lock on
the folder. A run folder that holds another run's files is refused unless ``--fresh`` is
given, which moves them aside to ``<name>.previous-<time>/``; nothing is ever deleted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from abm import data, files
from abm.files import read_user_text
from abm.params import ParameterError
from calibration import fit, report
from calibration.config import CONFIG_DIR, CalibrationConfig, load_config

log = logging.getLogger("calibration")
RUN_FILE = "run.json"
DATABASES = {"abc": "abc.db", "optuna": "optuna.db"}
MAX_WORKERS = 1024
SCHEDULER = re.compile(r"(tcp|tls|ucx|ws|wss)://[A-Za-z0-9_.\-\[\]:]+:\d{1,5}")
OVERRIDES = (("population_size", "abc.population_size", "--population-size"),
             ("generations", "abc.max_generations", "--generations"),
             ("trials", "optuna.n_trials", "--trials"),
             ("scale", "scale", "--scale"),
             ("seeds", "seeds", "--seeds"),
             ("abc_seed", "abc.seed", "--abc-seed"))
"""Command-line options that override a config field: (argument, field, flag)."""


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


@contextlib.contextmanager
def connect(args: argparse.Namespace) -> Iterator[Any]:
    """:func:`cluster` for the command line: a scheduler that cannot be reached is bad input.

    Started before the run folder is touched, so a refused scheduler leaves nothing behind.
    """
    if args.scheduler is not None and not SCHEDULER.fullmatch(args.scheduler):
        raise ParameterError(f"--scheduler: {args.scheduler!r}; allowed: an address like "
                             "tcp://host:8786")
    stack = contextlib.ExitStack()
    try:
        client = stack.enter_context(cluster(args.workers, args.scheduler, args.in_process))
    except (OSError, TimeoutError) as error:
        raise ParameterError(f"--scheduler: cannot connect to {args.scheduler!r} ({error})"
                             ) from None
    with stack:
        yield client


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    return files.write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False))


def _seeds(text: str) -> list[int]:
    """``--seeds 1,2,3``: whole numbers separated by commas."""
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of whole "
                                         "numbers, e.g. 1,2,3") from None


def _overrides(args: argparse.Namespace) -> dict[str, tuple[str, Any]]:
    return {field: (flag, getattr(args, name)) for name, field, flag in OVERRIDES
            if getattr(args, name) is not None}


def load(args: argparse.Namespace) -> CalibrationConfig:
    """The config named on the command line, with the command line's overrides applied.

    The model's data tables are read first: a malformed one is refused before a run folder
    is made.
    """
    data.check_tables()
    return load_config(args.config, args.observed, _overrides(args))


# ------------------------------------------------------------------ the run folder
def read_run_file(folder: Path) -> dict[str, Any] | None:
    """The ``run.json`` of a run folder, or None if it has none or it is unreadable."""
    path = folder / RUN_FILE
    if not path.is_file():
        return None
    try:
        content = json.loads(read_user_text(path, 1_000_000, "run record"))
    except (ParameterError, ValueError):
        return None
    return content if isinstance(content, dict) else None


def previous_run(folder: Path, identity: dict[str, str], method: str) -> str | None:
    """Why ``folder`` holds another run's files (None if it is new or this run's own)."""
    if not folder.exists():
        return None
    visible = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    if not visible:
        return None
    record = read_run_file(folder)
    if record is None:
        return (f"it holds {visible[:6]} and no readable {RUN_FILE} saying which config made "
                "them")
    if record.get("identity") != identity["identity"] or record.get("method") != method:
        return (f"it holds a {record.get('method')!r} run of identity "
                f"{record.get('identity')!r} (config hash {record.get('config_hash')!r}, code "
                f"{record.get('code_version')!r}); this is a {method!r} run of identity "
                f"{identity['identity']!r} (config hash {identity['config_hash']!r}, code "
                f"{identity['code_version']!r}). The identity covers the config except its "
                "stopping settings, the observations, the scenario, the model's code and data "
                "and the fitting code")
    return None


def move_aside(folder: Path) -> Path:
    """Move everything visible in ``folder`` into a new ``<folder>.previous-<time>`` folder."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for n in range(1000):
        aside = folder.with_name(f"{folder.name}.previous-{stamp}" + (f"-{n}" if n else ""))
        try:
            aside.mkdir()
            break
        except FileExistsError:
            continue
    else:
        raise ParameterError(f"--fresh: cannot find a free name next to {str(folder)!r}")
    for path in folder.iterdir():
        if not path.name.startswith("."):
            os.replace(path, aside / path.name)
    return aside


def _record(path: Path, identity: dict[str, str], args: argparse.Namespace,
            config: CalibrationConfig, status: str, written: list[str]) -> None:
    content = {**identity, "method": args.method, "config": config.name,
               "config_source": str(args.config), "status": status, "files": written,
               "updated": datetime.now(UTC).isoformat(timespec="seconds")}
    files.write_text(path, json.dumps(content, indent=2) + "\n")


# ------------------------------------------------------------------ run
def fit_and_write(config: CalibrationConfig, args: argparse.Namespace, client: Any,
                  folder: Path, staging: Path) -> tuple[list[Path], pd.DataFrame, pd.DataFrame]:
    """Fit, predict, and write every output into ``staging``; returns (files, summary, errors).

    ``client`` is a Dask client, or None to simulate in this process.
    """
    start = time.perf_counter()
    written: list[Path] = []
    map_fn = fit.dask_map(client) if client is not None else fit.local_map
    if args.method == "abc":
        logging.getLogger("ABC").setLevel(logging.INFO)
        posterior = fit.run_abc(config, folder / DATABASES["abc"], client=client,
                                map_fn=map_fn, seed=int(config.abc["seed"]))
        written.append(_write_csv(posterior, staging / "posterior.csv"))
        summary = fit.posterior_summary(posterior, config)
        if config.predictive_samples >= len(posterior):
            draws, weights = posterior, posterior["weight"].to_numpy(float)
        else:
            draws, weights = fit.resample(posterior, config.predictive_samples), None
        paths = fit.simulate_draws(config, draws, map_fn)
        chosen = fit.representative(config, paths, weights)
        point = {p.key: float(draws.iloc[chosen][p.key]) for p in config.parameters}
        summary["point"] = [point[p.key] for p in config.parameters]
        extra = (f"Bands: weighted quantiles of {len(draws)} posterior draws"
                 f"{' (every particle)' if weights is not None else ' (resampled)'}. Point "
                 "values written to calibrated.toml (column `point`) are those of the draw "
                 "whose simulated path is closest to the predictive median over all simulated "
                 "years (`calibration.fit.representative`; no observation is used), not the "
                 "marginal medians.")
    else:
        bar = tqdm(total=int(config.optuna["n_trials"]), desc="optuna", unit="trial")

        def progress(done: int, total: int, best: float) -> None:
            bar.n = done
            bar.set_postfix(best=f"{best:.4g}")
            bar.refresh()

        trials = fit.run_optuna(config, map_fn=map_fn, batch=max(args.workers, 1),
                                progress=progress, storage=folder / DATABASES["optuna"],
                                study_name=f"calibration-{args.identity['identity']}")
        bar.close()
        written.append(_write_csv(trials, staging / "trials.csv"))
        best = trials.iloc[0]
        point = {p.key: float(best[p.key]) for p in config.parameters}
        top = trials.head(max(5, len(trials) // 10))
        summary = pd.DataFrame([{"parameter": p.key, "prior_min": p.low, "prior_max": p.high,
                                 "best": point[p.key], "top_min": top[p.key].min(),
                                 "top_max": top[p.key].max()} for p in config.parameters])
        paths, weights, chosen = fit.simulate_draws(config, top, map_fn), None, 0
        extra = (f"Best distance {best['distance']:.4g} after {len(trials)} trials; bands "
                 f"come from the best {len(top)} trials; `point` is the best trial.")
    bands = fit.bands(config, paths, weights, point=chosen)
    error_table = fit.errors(bands)
    written.append(_write_csv(bands, staging / "predictive.csv"))
    written.append(_write_csv(error_table, staging / "errors.csv"))
    written.append(_write_csv(summary, staging / "parameters.csv"))
    written.append(files.write_text(staging / "calibrated.toml",
                                    report.calibrated_toml(config, point, args.method)))
    charts = report.fit_charts(bands, config, staging)
    written += charts
    written.append(report.write_report(config, args.method, summary, error_table, charts,
                                       staging, time.perf_counter() - start, extra))
    return written, summary, error_table


def run(args: argparse.Namespace) -> int:
    """Check everything, then fit a config and write its outputs into the run folder."""
    root = files.output_folder(args.out, "--out")  # a str: "" is refused, not "."
    config = load(args)
    folder = files.inside(root, config.name)
    files.output_folder(folder, "--out")
    identity = config.identity(args.method)
    args.identity = identity
    reason = previous_run(folder, identity, args.method)
    if reason and not args.fresh:
        raise ParameterError(f"--out: run folder {str(folder)!r} belongs to another run: "
                             f"{reason}. Choose another --out, or give --fresh to move its "
                             "files aside (nothing is deleted)")
    with connect(args) as client, files.folder_lock(folder, "another calibration"):
        reason = previous_run(folder, identity, args.method)
        if args.fresh and any(not p.name.startswith(".") for p in folder.iterdir()):
            aside = move_aside(folder)
            print(f"Moved the previous run's files to {aside}", file=sys.stderr)
        elif reason:
            raise ParameterError(f"--out: run folder {str(folder)!r} changed: {reason}")
        record = folder / RUN_FILE
        database = DATABASES[args.method]
        _record(record, identity, args, config, "running", [RUN_FILE, database])
        staging = files.temporary_folder(folder, "staging")
        try:
            written, summary, error_table = fit_and_write(config, args, client, folder,
                                                          staging)
            names = [p.name for p in written]
            for name in names:
                os.replace(staging / name, folder / name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        _record(record, identity, args, config, "finished", [RUN_FILE, database, *names])
    print(summary.to_string(index=False))
    print()
    print(error_table.to_string(index=False))
    print(f"\nWrote {folder / 'calibrated.toml'} (include it from a scenario) and "
          f"{folder / 'report.md'}")
    return 0


def validate(args: argparse.Namespace) -> int:
    """Check a config (and the observed data and overrides) without simulating anything."""
    config = load(args)
    identity = config.identity(args.method)
    abc = {key: value for key, value in config.abc.items()  # no tolerance under a noise model
           if not (key == "min_epsilon" and config.noise_model)}
    print(f"{args.config}: valid. {len(config.parameters)} free parameter(s), "
          f"{len(config.targets)} target(s); fit years {config.fit_years}, held-out years "
          f"{config.holdout_years}; scale {config.scale:g}, seeds {config.seeds}; "
          f"[abc] {abc}; [optuna] {config.optuna}; config hash "
          f"{identity['config_hash']}")
    return 0


def _config_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", help="config name (calibration/configs/*.toml) or path")
    parser.add_argument("--method", choices=("abc", "optuna"), default="abc",
                        help="ABC-SMC posterior (default) or optuna point estimate")
    parser.add_argument("--observed", type=Path, help="your own observed-data CSV")
    parser.add_argument("--population-size", type=int, metavar="N",
                        help="ABC-SMC particles per generation (overrides [abc])")
    parser.add_argument("--generations", type=int, metavar="N",
                        help="ABC-SMC generations in all (overrides [abc] max_generations)")
    parser.add_argument("--trials", type=int, metavar="N",
                        help="optuna trials in all (overrides [optuna] n_trials)")
    parser.add_argument("--scale", type=float, help="people per agent (overrides scale)")
    parser.add_argument("--seeds", type=_seeds, help="model seeds, e.g. 1,2 (overrides seeds)")
    parser.add_argument("--abc-seed", type=int, metavar="N",
                        help="seed of the ABC-SMC draw (overrides [abc] seed; default 0)")


def parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    main_parser = argparse.ArgumentParser(prog="python -m calibration",
                                          description="Calibrate the model against observed "
                                                      "data.")
    sub = main_parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="fit a calibration config (resumes a stopped run)")
    _config_arguments(run_parser)
    run_parser.add_argument("--workers", type=int, default=2,
                            help="local Dask workers (default 2)")
    run_parser.add_argument("--scheduler", help="address of an existing Dask scheduler, e.g. "
                                                "tcp://host:8786")
    run_parser.add_argument("--in-process", action="store_true", help="no Dask at all")
    run_parser.add_argument("--out", default="results/calibration",
                            help="output folder (a run writes into <out>/<config name>/)")
    run_parser.add_argument("--fresh", action="store_true",
                            help="move another run's files in the run folder aside and start "
                                 "anew (instead of refusing)")
    validate_parser = sub.add_parser("validate", help="check a config without running it")
    _config_arguments(validate_parser)
    sub.add_parser("list", help="list the shipped configs")
    return main_parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (2 for bad input, with a message on stderr)."""
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("MESA", "abm", "distributed", "ABC.Sampler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.command == "list":
        for path in sorted(CONFIG_DIR.glob("*.toml")):
            print(path.stem)
        return 0
    try:
        if args.command == "validate":
            return validate(args)
        if not 1 <= args.workers <= MAX_WORKERS:
            raise ParameterError(f"--workers: {args.workers}; allowed: 1 to {MAX_WORKERS}")
        return run(args)
    except (ParameterError, data.DataError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
