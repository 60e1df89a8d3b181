"""Command-line interface: run scenarios, list them, show the parameter table, validate."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import pandas as pd

from abm import charts
from abm.accounting import (
    COST_PER_TONNE,
    LIFETIME_ABATEMENT,
    CostAccounting,
    accounting_frame,
    cost_accounting,
)
from abm.identity import scenario_hash
from abm.params import ParameterError, parameter_table
from abm.policies import POLICY_TYPES
from abm.results import write_results
from abm.scenario import Scenario, available_scenarios, load_scenario
from abm.simulate import Run, district_emissions, simulate

log = logging.getLogger("abm")


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--scale: {text!r} is not a number") from None
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError(f"--scale: {value:g} is out of range; allowed: 1 to "
                                         "100000 real entities per agent")
    return value


def _year(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--end-year: {text!r} is not a whole year") from None
    if not 2020 <= value <= 2060:
        raise argparse.ArgumentTypeError(f"--end-year: {value} is out of range; allowed: "
                                         "2020 to 2060")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed: {text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"--seed: {value} is negative; allowed: 0 or more")
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
    run.add_argument("--out", type=Path, default=Path("results"), help="output folder")
    run.add_argument("--no-charts", action="store_true", help="skip the PNG charts")
    sub.add_parser("scenarios", help="list the shipped scenarios and their policies")
    params = sub.add_parser("params", help="print the parameter table (units, ranges, sources)")
    params.add_argument("--grep", default="", help="only keys containing this text")
    sub.add_parser("policies", help="list policy kinds and their fields")
    check = sub.add_parser("validate", help="validate scenario files")
    check.add_argument("paths", nargs="+", type=Path)
    return parser


def compare_with_baseline(runs: dict[str, Run], scenarios: list[Scenario], args: argparse.Namespace
                          ) -> dict[str, CostAccounting]:
    """Cost accounting of every scenario against the baseline (extra runs, same seed)."""
    by_name = {s.name: s for s in scenarios}
    baseline = by_name["baseline"]
    overrides = dict(args.set)
    known = {(scenario_hash(by_name[n]), args.end_year): r.summary for n, r in runs.items()}

    def summary(scenario: Scenario, end_year: int) -> pd.DataFrame:
        return simulate(scenario, scale=args.scale, seed=args.seed, end_year=end_year,
                        engine=args.engine, overrides=overrides).summary

    return {name: cost_accounting(by_name[name], baseline, summary, args.end_year, known)
            for name in runs if name != "baseline"}


def _run(args: argparse.Namespace) -> int:
    names = args.scenario or ["baseline", "plan"]
    scenarios = [load_scenario(n) for n in names]  # validate all before running any
    overrides = dict(args.set)
    runs = {}
    for scenario in scenarios:
        run = simulate(scenario, scale=args.scale, seed=args.seed, end_year=args.end_year,
                       engine=args.engine, progress=True, overrides=overrides)
        runs[scenario.name] = run
        paths = write_results(run.model, args.out)
        log.info("%s: %.1f s; wrote %s", scenario.name, run.seconds,
                 ", ".join(str(p) for p in paths.values()))
    table = pd.DataFrame({name: run.headline() for name, run in runs.items()}).T
    if "baseline" in runs:
        costs = compare_with_baseline(runs, scenarios, args)
        table = table.join(accounting_frame(costs)) if costs else table
    if not args.no_charts:
        summaries = {n: r.summary for n, r in runs.items()}
        years = next(iter(runs.values())).series("co2_total").index.to_numpy()
        made = [charts.emissions_chart(summaries, args.out / "emissions_by_sector.png"),
                charts.adoption_chart(summaries, args.out / "adoption.png"),
                charts.targets_chart({n: r.targets for n, r in runs.items()},
                                     args.out / "targets.png"),
                charts.districts_chart({n: district_emissions(r) for n, r in runs.items()},
                                       years, args.out / "districts.png")]
        log.info("charts: %s", ", ".join(str(p) for p in made))
    for column in ("peak_year", "targets_met"):
        table[column] = table[column].astype("Int64")
    summary_path = args.out / "summary.csv"
    table.rename_axis("scenario").to_csv(summary_path.with_suffix(".tmp"))
    summary_path.with_suffix(".tmp").replace(summary_path)
    with pd.option_context("display.width", 200, "display.max_columns", 20,
                           "display.float_format", "{:,.2f}".format):
        print(f"\nSummary (2020-{args.end_year}, scale {args.scale:g}, seed {args.seed}; "
              "Mt CO2, MW, million CNY, CNY/t):")
        print(table.drop(columns=["cost_per_tonne_definition", "lifetime_definition"],
                         errors="ignore").to_string())
        if "cny_per_t_paid" in table:
            print(f"\nDefinitions: {COST_PER_TONNE}.\n{LIFETIME_ABATEMENT}.")
        scoreboard = pd.DataFrame({n: r.targets.set_index("target")["met"]
                                   for n, r in runs.items()})
        print("\nPlan targets met (in the target year):")
        print(scoreboard.to_string())
    print(f"\nResults in {args.out}/")
    return 0


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
    return 1
