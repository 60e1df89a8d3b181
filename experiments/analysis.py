"""Summaries of finished runs: ensembles (median, P5-P95) and what each lever buys (CNY/t)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from abm.accounting import windfall_shares
from abm.policies import POLICY_TYPES
from abm.simulate import abatement_cost
from experiments.outputs import StoredRun

if TYPE_CHECKING:
    from experiments.result import ExperimentResult
    from experiments.spec import Lever


def _quantiles(frame: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    grouped = frame.groupby(keys, dropna=False)[value]
    out = grouped.agg(n="count", mean="mean", median="median",
                      p5=lambda s: s.quantile(0.05), p95=lambda s: s.quantile(0.95))
    return out.reset_index()


def ensemble_summary(result: ExperimentResult, outputs: list[str] | None = None
                     ) -> pd.DataFrame:
    """Median and P5-P95 of each output over seeds and uncertainty samples.

    Returns:
        Tidy frame ``scenario, point, varied, <levers>, output, n, mean, median, p5, p95``.

    """
    runs = result.runs
    if runs.empty:
        return pd.DataFrame()
    ok = runs[runs["status"] == "ok"]
    outputs = outputs or result.spec.outputs
    levers = [lv.column for lv in result.spec.levers]
    keys = ["scenario", "point", "varied"]
    long = ok.melt(id_vars=keys, value_vars=outputs, var_name="output")
    summary = _quantiles(long, [*keys, "output"], "value")
    firsts = ok.drop_duplicates(["scenario", "point"])[["scenario", "point", *levers]]
    return summary.merge(firsts, on=["scenario", "point"], how="left")


def series_bands(result: ExperimentResult, metric: str = "co2_total",
                 by: tuple[str, ...] = ("scenario",)) -> pd.DataFrame:
    """Median and P5-P95 of an annual series by year, over all runs in each group."""
    series = result.series
    series = series[series["metric"] == metric]
    if series.empty:
        return pd.DataFrame(columns=[*by, "year", "n", "mean", "median", "p5", "p95"])
    return _quantiles(series, [*by, "year"], "value")


PAID, REGULATION, ASSUMPTION, COMBINED = "paid lever", "regulation", "assumption", "combined"


def lever_kind(lever: Lever | None) -> str:
    """A lever as :mod:`abm.accounting` counts it: paid policy, unpaid regulation, assumption.

    Only a paid lever has a cost per tonne; abatement from a regulation or an assumption
    (a parameter such as the grid's decline) costs no public money and is reported apart.
    """
    if lever is None:
        return COMBINED
    if lever.policy is None:
        return ASSUMPTION
    return PAID if POLICY_TYPES[lever.policy].pays else REGULATION


def _final(run: StoredRun):
    """``metric -> last stored value`` (NaN if the series was not kept)."""
    def value(metric: str) -> float:
        try:
            return float(run.series(metric).iloc[-1])
        except KeyError:
            return float("nan")
    return value


def _windfall(run: StoredRun, base: StoredRun) -> float:
    """Windfall share of the one subsidised technology of a lever (NaN if none or several)."""
    shares = [v for v in windfall_shares(_final(run), _final(base)).values() if v == v]
    return shares[0] if len(shares) == 1 else float("nan")


def abatement_table(result: ExperimentResult) -> pd.DataFrame:
    """What each lever buys against the reference run of the same scenario, seed and sample.

    Uses :func:`abm.simulate.abatement_cost` (cumulative abatement over the run, Mt, and the
    extra public cost per tonne, CNY/t) on each pair of runs, then the median and P5-P95
    over seeds and samples.

    Returns:
        One row per scenario, lever and value: abatement (Mt), extra public cost (million
        CNY) and CNY per tonne, as medians with P5-P95.

    """
    runs = result.runs
    if runs.empty or "varied" not in runs or not (runs["varied"] == "reference").any():
        return pd.DataFrame()
    ok = runs[runs["status"] == "ok"]
    series = result.series
    by_run = {rid: StoredRun(frame) for rid, frame in series.groupby("run_id")}
    ref = ok[ok["varied"] == "reference"].set_index(["scenario", "seed", "sample"])["run_id"]
    rows = []
    levers = {lv.name: lv for lv in result.spec.levers}
    for row in ok[ok["varied"] != "reference"].to_dict("records"):
        key = (row["scenario"], row["seed"], row["sample"])
        if key not in ref.index or row["run_id"] not in by_run:
            continue
        base = by_run[ref.loc[key]]
        run = by_run[row["run_id"]]
        cost = abatement_cost(run, base)  # type: ignore[arg-type]
        extra = float(run.series("spending_total").sum() - base.series("spending_total").sum())
        lever = levers.get(row["varied"])
        kind = lever_kind(lever)
        rows.append({"scenario": row["scenario"], "lever": row["varied"], "lever_kind": kind,
                     "lever_value": float(row[lever.column]) if lever else np.nan,
                     "seed": row["seed"], "sample": row["sample"],
                     "abated_mt": cost["abated_mt"], "extra_cost_mcny": extra,
                     "cny_per_t": cost["cny_per_t"] if kind == PAID else np.nan,
                     "windfall_share": _windfall(run, base) if kind == PAID else np.nan})
    if not rows:
        return pd.DataFrame()
    pairs = pd.DataFrame(rows)
    long = pairs.melt(id_vars=["scenario", "lever", "lever_kind", "lever_value"],
                      value_vars=["abated_mt", "extra_cost_mcny", "cny_per_t",
                                  "windfall_share"],
                      var_name="output")
    summary = _quantiles(long, ["scenario", "lever", "lever_kind", "lever_value", "output"],
                         "value")
    wide = summary.set_index(["scenario", "lever", "lever_kind", "lever_value", "output"])[
        ["median", "p5", "p95"]].unstack("output")
    wide.columns = [f"{out}_{stat}" for stat, out in wide.columns]
    wide = wide.reset_index()
    # Cost per tonne of the medians (robust where a seed's abatement is near zero).
    wide["cny_per_t_of_medians"] = np.where(
        (wide["abated_mt_median"] > 0) & (wide["lever_kind"] == PAID),
        wide["extra_cost_mcny_median"] / wide["abated_mt_median"], np.nan)
    order = ["scenario", "lever", "lever_kind", "lever_value", "abated_mt_median", "abated_mt_p5",
             "abated_mt_p95", "extra_cost_mcny_median", "cny_per_t_of_medians", "cny_per_t_median",
             "cny_per_t_p5", "cny_per_t_p95", "windfall_share_median", "windfall_share_p5",
             "windfall_share_p95"]
    return wide[[c for c in order if c in wide]].sort_values(
        "abated_mt_median", ascending=False).reset_index(drop=True)
