"""Command line: ``python -m experiments {run,report,validate,list} ...``."""

from __future__ import annotations

import argparse
import logging
import sys

from abm import data
from abm.params import ParameterError


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m experiments",
        description="Batch experiments of the Jiangmen model: sweeps, ensembles and global "
                    "sensitivity from a TOML file, on a local Dask cluster (default), "
                    "in-process, or an existing Dask scheduler; resumable; with reports.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run (or resume) an experiment, then write its report")
    run.add_argument("file", help="experiment TOML file, or the name of one in experiments/")
    run.add_argument("--runner", default="local", choices=("local", "inprocess"),
                     help="local: a local Dask cluster (default); inprocess: no workers")
    run.add_argument("--scheduler", metavar="ADDRESS",
                     help="use an existing Dask scheduler, e.g. tcp://host:8786")
    run.add_argument("--workers", type=int, default=None,
                     help="worker processes of the local cluster (default: CPU count; more "
                          "than the CPUs is allowed with a warning)")
    run.add_argument("--out", default="results", help="results folder (default: results)")
    run.add_argument("--retry-failed", action="store_true",
                     help="run again the runs recorded as failed")
    run.add_argument("--max-runs", type=int, default=None,
                     help="stop after this many new runs (a positive integer; resume later)")
    run.add_argument("--allow-large", action="store_true",
                     help="accept designs of more than 20,000 runs (up to 200,000)")
    run.add_argument("--no-report", action="store_true", help="do not write the report")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    report = sub.add_parser("report", help="write the report of an experiment's results")
    report.add_argument("file", help="experiment TOML file or name")
    report.add_argument("--out", default="results", help="results folder (default: results)")
    report.add_argument("--allow-large", action="store_true",
                        help="accept designs of more than 20,000 runs (up to 200,000)")
    validate = sub.add_parser("validate", help="check an experiment file; print its size")
    validate.add_argument("file", nargs="+")
    validate.add_argument("--allow-large", action="store_true",
                          help="accept designs of more than 20,000 runs (up to 200,000)")
    sub.add_parser("list", help="list the experiment files shipped in experiments/")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("distributed").setLevel(logging.ERROR)
    from abm.files import output_folder
    from experiments.core import load_result, run_experiment
    from experiments.runners import make_runner
    from experiments.spec import EXPERIMENT_DIR, SAMPLED, load_experiment
    from experiments.store import Store

    try:
        if args.command == "list":
            for path in sorted(EXPERIMENT_DIR.glob("*.toml")):
                spec = load_experiment(path)
                first = spec.description.strip().splitlines()[0][:70] if spec.description else ""
                print(f"{path.stem:28s} {spec.method:14s} {spec.run_count():6d} runs  {first}")
            return 0
        if args.command == "validate":
            for file in args.file:
                spec = load_experiment(file, allow_large=args.allow_large)
                design = spec.design()
                samples = (max(spec.uncertainty_samples, 1) if spec.method not in SAMPLED
                           else 1)
                print(f"{file}: valid; {len(design)} runs, {design['run_id'].nunique()} "
                      f"distinct ({len(spec.scenarios)} scenarios × "
                      f"{design['point'].nunique()} points × {samples} uncertainty samples × "
                      f"{len(spec.seeds)} seeds), method {spec.method}")
                for draw in spec.posterior_draws:
                    print(f"  posterior of {draw.fit!r}: {len(draw.draws)} draws of "
                          f"{draw.particles} particles ({draw.source}): "
                          f"{', '.join(draw.draws.columns)}")
                for check in spec.posterior:
                    state = "inside" if check.inside else f"OUTSIDE ({check.reason})"
                    print(f"  {check.parameter}: [{check.low:g}, {check.high:g}] {state} the "
                          f"calibrated posterior 5-95 % [{check.p05:.4g}, {check.p95:.4g}]")
            return 0
        if args.command == "run":
            from experiments.report import make_report

            # Every argument is checked before the experiment file is read or anything runs.
            if args.max_runs is not None and args.max_runs < 1:
                raise ParameterError(f"--max-runs: got {args.max_runs}; allowed: a positive "
                                     "integer")
            if args.scheduler and args.runner == "inprocess":
                raise ParameterError(f"--scheduler: got {args.scheduler!r} with --runner "
                                     "inprocess; allowed: one of them")
            if args.workers is not None and args.scheduler:
                raise ParameterError(f"--workers: got {args.workers} with --scheduler; allowed: "
                                     "only with --runner local (a scheduler's workers are "
                                     "started with it)")
            output_folder(args.out, "--out")
            data.check_tables()  # a malformed data table is refused before any folder is made
            make_runner(args.runner, scheduler=args.scheduler, workers=args.workers)
            result = run_experiment(args.file, runner=args.runner, out=args.out,
                                    scheduler=args.scheduler, workers=args.workers,
                                    retry_failed=args.retry_failed, max_runs=args.max_runs,
                                    progress=not args.no_progress,
                                    allow_large=args.allow_large)
            versions = ", ".join(result.reused_versions) or "–"
            print(f"{result.spec.name}: {result.new_runs} runs done now ({result.failed} "
                  f"failed), {result.reused} reused (identical inputs and code; code "
                  f"version(s): {versions}), {result.missing} still to run; "
                  f"{result.seconds:.1f} s on {result.runner}")
            if result.stale:
                print(f"{result.stale} stored runs of other inputs or code are not used")
            print(f"results: {result.store.dir}")
            if not args.no_report:
                print(f"report: {make_report(result)}")
            return 0
        if args.command == "report":
            from experiments.report import make_report

            output_folder(args.out, "--out")
            spec = load_experiment(args.file, allow_large=args.allow_large)
            store_dir = Store(args.out, spec.name).dir
            if not store_dir.is_dir():
                print(f"{spec.name}: no results under {store_dir}; run it first",
                      file=sys.stderr)
                return 1
            result = load_result(spec, out=args.out)
            if result.runs.empty:
                print(f"{spec.name}: no results of these inputs and code under {store_dir} "
                      f"({result.stale} stored runs of other inputs or code); run it first",
                      file=sys.stderr)
                return 1
            print(f"report: {make_report(result)}")
            return 0
    except (ParameterError, data.DataError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 1


if __name__ == "__main__":
    sys.exit(main())
