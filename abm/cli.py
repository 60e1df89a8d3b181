"""Command-line interface: run scenarios, list them, show the parameter table, validate.

``run`` checks every input before it simulates anything (scenario files, ``--set``
overrides, ``--seed``, ``--out``), then holds the output folder's lock for the whole run
(:func:`abm.files.folder_lock`; a second run into the same folder is refused at once). Its
files are written into a hidden staging folder inside ``--out`` and moved in at the end,
with a manifest ``run.json`` listing them: a folder holds the files of exactly one run, and
an interrupted run leaves the previous complete set.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from abm import charts, data
from abm.accounting import (
    COST_PER_TONNE,
    LIFETIME_ABATEMENT,
    WINDFALL,
    CostAccounting,
    accounting_frame,
    cost_accounting,
)
from abm.files import (
    LOCK_NAME,
    folder_lock,
    inside,
    output_folder,
    safe_name,
    temporary_folder,
    write_atomic,
    write_text,
)
from abm.identity import code_version, run_identity, scenario_hash
from abm.limits import FIRST_YEAR, LAST_YEAR, SCALE_MAX, SCALE_MIN
from abm.params import SEED_MAX, ParameterError, Parameters, parameter_table
from abm.policies import POLICY_TYPES
from abm.results import write_results
from abm.scenario import Scenario, available_scenarios, load_scenario
from abm.simulate import Run, district_emissions, simulate

log = logging.getLogger("abm")

MANIFEST = "run.json"
"""The manifest of the run whose files a folder holds."""
MAX_MANIFEST_BYTES = 1_000_000
"""Largest manifest read back, bytes."""
STAGING = "run"
"""Prefix of the hidden staging folder (``.run.<random>``) inside ``--out``."""


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--scale: {text!r} is not a number") from None
    if not SCALE_MIN <= value <= SCALE_MAX:
        raise argparse.ArgumentTypeError(f"--scale: {value:g} is out of range; allowed: "
                                         f"{SCALE_MIN:g} to {SCALE_MAX:g} real entities per "
                                         "agent")
    return value


def _year(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--end-year: {text!r} is not a whole year") from None
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise argparse.ArgumentTypeError(f"--end-year: {value} is out of range; allowed: "
                                         f"{FIRST_YEAR} to {LAST_YEAR}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed: {text!r} is not an integer") from None
    if not 0 <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"--seed: {value} is out of range; allowed: 0 to "
                                         f"{SEED_MAX} (stored as a 64-bit integer)")
    return value


def _override(text: str) -> tuple[str, float]:
    key, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"--set: {text!r} is not KEY=VALUE")
    try:
        return key.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--set {key}: {value!r} is not a number") from None


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m abm",
        description="Jiangmen carbon-peaking agent-based model: run scenarios and write "
                    "results (Parquet/CSV) and charts (PNG).")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one or more scenarios",
                         description="Run scenarios from the same seed (common random numbers) "
                                     "and write results/<scenario>_{monthly,annual,targets}.* "
                                     "and charts.")
    run.add_argument("--scenario", action="append", metavar="NAME|PATH",
                     help=f"scenario name ({', '.join(available_scenarios())}) or TOML path; "
                          "repeat for several (default: baseline and plan)")
    run.add_argument("--scale", type=_scale, default=50.0,
                     help="real households/vehicles/firms per agent (1 = whole city; default 50)")
    run.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    run.add_argument("--end-year", type=_year, default=2035, help="last year (default 2035)")
    run.add_argument("--engine", choices=("numba", "reference"), default="numba",
                     help="numba kernels (default) or the agents' plain step() (slow)")
    run.add_argument("--set", type=_override, action="append", default=[], metavar="KEY=VALUE",
                     help="override a parameter for every scenario, e.g. "
                          "--set economy.industry_growth=0.04")
    run.add_argument("--out", default="results",
                     help="output folder (default results); it holds the files of one run, "
                          "listed in its run.json")
    run.add_argument("--no-charts", action="store_true", help="skip the PNG charts")
    run.add_argument("--baseline", metavar="NAME", default=None,
                     help="the scenario the others are costed against (abatement, spending, "
                          "CNY per tonne), by its name; one of the scenarios run (default: "
                          "baseline, when it is run). E.g. --scenario history --scenario plan "
                          "--baseline history costs the plan against the policies in force")
    sub.add_parser("scenarios", help="list the shipped scenarios and their policies")
    params = sub.add_parser("params", help="print the parameter table (units, ranges, sources)")
    params.add_argument("--grep", default="", help="only keys containing this text")
    sub.add_parser("policies", help="list policy kinds and their fields")
    check = sub.add_parser("validate", help="validate scenario files")
    check.add_argument("paths", nargs="+", type=Path)
    return parser


def compare_with_baseline(runs: dict[str, Run], scenarios: list[Scenario], args: argparse.Namespace,
                          against: str = "baseline") -> dict[str, CostAccounting]:
    """Cost accounting of every scenario against ``against`` (extra runs, same seed).

    The scenarios already carry ``--set`` overrides (see :func:`check_run`).
    """
    by_name = {s.name: s for s in scenarios}
    baseline = by_name[against]
    known = {(scenario_hash(by_name[n]), args.end_year): r.summary for n, r in runs.items()}

    def summary(scenario: Scenario, end_year: int) -> pd.DataFrame:
        return simulate(scenario, scale=args.scale, seed=args.seed, end_year=end_year,
                        engine=args.engine).summary

    return {name: cost_accounting(by_name[name], baseline, summary, args.end_year, known)
            for name in runs if name != against}


@dataclass
class RunPlan:
    """A checked ``run`` request: where to write, what to run, under which file names."""

    out: Path
    scenarios: list[Scenario]
    stems: list[str]
    sources: list[str]
    overrides: dict[str, float]
    baseline: str | None = None
    """The scenario the others are costed against (None: no cost accounting)."""


def check_run(args: argparse.Namespace) -> RunPlan:
    """Check every input of ``run`` without simulating or creating anything.

    Raises:
        ParameterError: The first problem, naming the option or file, the value and what
            is allowed.

    """
    out = output_folder(args.out, "--out")
    data.check_tables()
    overrides = dict(args.set)
    if overrides:
        Parameters(overrides, "--set")
    sources = args.scenario or ["baseline", "plan"]
    scenarios, stems, given = [], [], {}
    for source in sources:
        scenario = load_scenario(source)
        if overrides:
            scenario = scenario.with_parameters(overrides)
        stem = safe_name(scenario.name, f"--scenario {source}: name")
        if stem in given:
            raise ParameterError(
                f"--scenario: {given[stem]!r} and {source!r} are both named "
                f"{scenario.name!r} (files {stem}_*); allowed: scenarios with different names, "
                "since each writes <name>_monthly.parquet etc.")
        start = int(scenario.params["run.start_year"])
        if args.end_year < start:
            raise ParameterError(f"--end-year: {args.end_year} is before the first year "
                                 f"{start} of scenario {scenario.name!r} (run.start_year); "
                                 f"allowed: {start} to {LAST_YEAR}")
        given[stem] = source
        scenarios.append(scenario)
        stems.append(stem)
    names = [s.name for s in scenarios]
    against = args.baseline if args.baseline is not None else "baseline"
    if args.baseline is not None and against not in names:
        raise ParameterError(f"--baseline: {against!r} is not one of the scenarios run "
                             f"{names}; allowed: one of them (the others are costed against it)")
    if args.baseline is not None and len(names) < 2:
        raise ParameterError(f"--baseline: {against!r} is the only scenario run; allowed: "
                             "with at least one other --scenario to cost against it")
    return RunPlan(out, scenarios, stems, [str(s) for s in sources], overrides,
                   against if against in names else None)


def previous_files(out: Path) -> set[str]:
    """Names of the files listed by the manifest in ``out`` (only plain files of ``out``).

    A missing, unreadable or odd manifest lists nothing, so nothing is removed.
    """
    path = out / MANIFEST
    if not path.is_file():
        return set()
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise ValueError(f"more than {MAX_MANIFEST_BYTES} bytes")
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
        if not isinstance(files, list):
            raise ValueError("'files' is not a list")
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("%s: not a readable manifest (%s); no earlier file is removed", path, error)
        return set()
    listed = set()
    for name in files:
        if _plain_file_name(name):
            listed.add(name)
        else:
            log.warning("%s: ignoring the entry %r (not a file of this folder)", path, name)
    return listed


def _plain_file_name(name: Any) -> bool:
    """Whether ``name`` is a visible file name a run could have written (no path, no lock)."""
    if not isinstance(name, str) or name in (MANIFEST, LOCK_NAME):
        return False
    try:
        return safe_name(name) == name
    except ParameterError:
        return False


def publish(stage: Path, out: Path, files: list[str], manifest: dict[str, Any]) -> None:
    """Move a run's files from ``stage`` into ``out``, replacing the previous run's files.

    The old manifest goes first and the new one comes last, so ``run.json`` exists only
    next to a complete set. Of the previous run, exactly the files its manifest lists are
    removed; nothing else in ``out`` is touched.
    """
    old = previous_files(out)
    with contextlib.suppress(FileNotFoundError):
        (out / MANIFEST).unlink()
    for name in sorted(old - set(files)):
        path = inside(out, name)
        if path.is_file() or path.is_symlink():
            path.unlink()
    for name in files:
        os.replace(stage / name, inside(out, name))
    write_text(out / MANIFEST, json.dumps({**manifest, "files": files}, indent=2) + "\n")


@contextlib.contextmanager
def staging(out: Path) -> Iterator[Path]:
    """A hidden staging folder inside ``out``, removed afterwards (with stale ones).

    Call with the folder's lock held: any other staging folder is then a killed run's.
    """
    for stale in out.glob(f".{STAGING}.*"):
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
    stage = temporary_folder(out, STAGING)
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _run(args: argparse.Namespace) -> int:
    plan = check_run(args)  # everything is checked before the lock and the first run
    with folder_lock(plan.out, "another 'python -m abm run'"), staging(plan.out) as stage:
        return _run_into(args, plan, stage)


def _run_into(args: argparse.Namespace, plan: RunPlan, stage: Path) -> int:
    runs = {}
    files: list[str] = []
    identities = {}
    for scenario, stem in zip(plan.scenarios, plan.stems, strict=True):
        run = simulate(scenario, scale=args.scale, seed=args.seed, end_year=args.end_year,
                       engine=args.engine, progress=True)
        runs[scenario.name] = run
        paths = write_results(run.model, stage, stem)
        files += [p.name for p in paths.values()]
        identities[scenario.name] = run_identity(scenario, scale=args.scale, seed=args.seed,
                                                 end_year=args.end_year, engine=args.engine)
        log.info("%s: %.1f s; results %s", scenario.name, run.seconds,
                 ", ".join(p.name for p in paths.values()))
    table = pd.DataFrame({name: run.headline() for name, run in runs.items()}).T
    if plan.baseline is not None:
        costs = compare_with_baseline(runs, plan.scenarios, args, plan.baseline)
        if costs:
            table = table.join(accounting_frame(costs))
            table.loc[list(costs), "costed_against"] = plan.baseline
    if not args.no_charts:
        summaries = {n: r.summary for n, r in runs.items()}
        years = next(iter(runs.values())).series("co2_total").index.to_numpy()
        made = [charts.emissions_chart(summaries, stage / "emissions_by_sector.png"),
                charts.adoption_chart(summaries, stage / "adoption.png"),
                charts.targets_chart({n: r.targets for n, r in runs.items()},
                                     stage / "targets.png"),
                charts.districts_chart({n: district_emissions(r) for n, r in runs.items()},
                                       years, stage / "districts.png")]
        files += [p.name for p in made]
        log.info("charts: %s", ", ".join(p.name for p in made))
    for column in ("peak_year", "peaked", "plateau_from", "targets_met"):
        table[column] = table[column].astype("Int64")
    write_atomic(stage / "summary.csv",
                 lambda tmp: table.rename_axis("scenario").to_csv(tmp))
    files.append("summary.csv")
    publish(stage, plan.out, files, {
        "command": "python -m abm run",
        "scenarios": [{"name": s.name, "from": source, "files": f"{stem}_*",
                       "run_identity": identities[s.name]}
                      for s, source, stem in zip(plan.scenarios, plan.sources, plan.stems,
                                                 strict=True)],
        "seed": args.seed, "scale": args.scale, "end_year": args.end_year,
        "engine": args.engine, "overrides": plan.overrides, "code_version": code_version(),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    with pd.option_context("display.width", 200, "display.max_columns", 20,
                           "display.float_format", "{:,.2f}".format):
        print(f"\nSummary (2020-{args.end_year}, scale {args.scale:g}, seed {args.seed}; "
              "Mt CO2, MW, million CNY, CNY/t):")
        print(table.drop(columns=["cost_per_tonne_definition", "lifetime_definition",
                                  "windfall_definition"], errors="ignore").T.to_string())
        if "cny_per_t_paid" in table:
            print(f"\nDefinitions: {COST_PER_TONNE}.\n{LIFETIME_ABATEMENT}.\n{WINDFALL}.")
        print("\nPlan targets (value in the target year; met = yes/no):")
        print(scoreboard(runs).to_string())
    print(f"\nResults in {plan.out}/ (files listed in {plan.out / MANIFEST})")
    return 0


def scoreboard(runs: dict) -> pd.DataFrame:
    """The targets of several runs side by side: year, threshold, unit, each run's value/met."""
    first = next(iter(runs.values())).targets.set_index("target")
    table = first[["section", "year", "threshold", "unit"]].copy()
    for name, run in runs.items():
        targets = run.targets.set_index("target")
        table[name] = [
            f"{_target_value(v, u)} {'yes' if met else 'no'}"
            for v, u, met in zip(targets["value"], targets["unit"], targets["met"], strict=True)]
    table["threshold"] = [_target_value(v, u) for v, u in zip(table["threshold"], table["unit"],
                                                              strict=True)]
    return table.drop(columns="unit")


def _target_value(value: float, unit: str) -> str:
    """A target's value in its own unit: shares in %, years as years, MW with separators."""
    if value != value:  # NaN
        return "–"
    if unit == "1":
        return f"{value:+.1%}" if value < 0 else f"{value:.1%}"
    if unit == "year":
        return f"{value:.0f}"
    return f"{value:,.0f} {unit}"


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose or args.command == "run"
                        else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "scenarios":
            for name in available_scenarios():
                scenario = load_scenario(name)
                print(f"{name}: {scenario.description.strip()}")
                for policy in scenario.policies:
                    print(f"    {policy.name}: {policy.levels}")
            return 0
        if args.command == "params":
            rows = [vars(s) for s in parameter_table().values() if args.grep in s.key]
            if not rows:
                print(f"no parameter key contains {args.grep!r}")
                return 0
            with pd.option_context("display.max_rows", None, "display.width", 200,
                                   "display.max_colwidth", 60):
                print(pd.DataFrame(rows)[["key", "default", "min", "max", "unit", "source"]]
                      .to_string(index=False))
            return 0
        if args.command == "policies":
            for kind, cls in POLICY_TYPES.items():
                fields = ", ".join(f"{n} [{f.min:g}-{f.max:g} {f.unit}]"
                                   for n, f in cls.fields.items())
                opts = "; ".join(f"{n} in {list(v)}" for n, v in cls.options.items())
                parts = [p for p in (fields, opts, "start, end (years)") if p]
                print(f"{kind}: {cls.label}; " + "; ".join(parts))
            return 0
        if args.command == "validate":
            for path in args.paths:
                scenario = load_scenario(path)
                print(f"{path}: ok ({len(scenario.policies)} policies, "
                      f"{len(scenario.params.overrides)} parameter overrides)")
            return 0
    except (ParameterError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # e.g. the disk filled up while writing: not an input error
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the output folder keeps its previous files", file=sys.stderr)
        return 130
    return 1
