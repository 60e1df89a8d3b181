"""The headline numbers of a run, defined once for the CLI, the app and experiments.

The peak: ``peak_year`` is the year of the highest total CO2 (:func:`abm.results.peak`;
the end year if emissions still rise) and ``peaked`` says whether emissions fall after it
inside the run (1) or not (0). Where a table shows a peak year, it shows "not peaked" when
``peaked`` is 0. ``plateau_from`` is the first year of the plateau that ends in the peak year
(every year since within 1 % of the peak, :func:`abm.results.plateau_start`): a peak year
that one run cannot tell from earlier years reads "plateau from <year>". Cost per tonne is not
a headline of one run: it compares two (:mod:`abm.accounting`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from abm.results import peak, plateau_start

HEADLINE_UNITS = {
    "peak_year": "year", "peaked": "1", "plateau_from": "year", "peak_mt": "Mt CO2",
    "co2_2030_mt": "Mt CO2",
    "co2_end_mt": "Mt CO2", "cumulative_mt": "Mt CO2", "nev_share_new_2030": "1",
    "pv_mw_2030": "MW", "ci_share_2030": "1", "spending_mcny": "million CNY",
    "targets_met": "count",
}
"""Each headline number and its unit."""


def series(summary: pd.DataFrame, metric: str) -> pd.Series:
    """One annual metric of a summary, indexed by year."""
    rows = summary[summary["metric"] == metric]
    return rows.set_index("year")["value"]


def headline(summary: pd.DataFrame, targets: pd.DataFrame | None) -> dict[str, float]:
    """The headline numbers (:data:`HEADLINE_UNITS`) of one run's annual summary and targets.

    Sums (cumulative CO2, spending) run over every simulated year; a metric the summary does
    not hold gives NaN, and so does ``targets_met`` without a targets table.
    """
    total = series(summary, "co2_total")
    peak_year, peak_value, peaked = peak(total.index.to_numpy(), total.to_numpy())

    def at(metric: str, year: int) -> float:
        return float(series(summary, metric).get(year, np.nan))

    return {
        "peak_year": float(peak_year), "peaked": float(peaked),
        "plateau_from": float(plateau_start(total.index.to_numpy(), total.to_numpy())),
        "peak_mt": peak_value,
        "co2_2030_mt": at("co2_total", 2030), "co2_end_mt": float(total.iloc[-1]),
        "cumulative_mt": float(total.sum()),
        "nev_share_new_2030": at("nev_share_sales_all", 2030),
        "pv_mw_2030": at("pv_capacity_mw_total", 2030), "ci_share_2030": at("ci_share", 2030),
        "spending_mcny": float(series(summary, "spending_total").sum()),
        "targets_met": float(targets["met"].sum()) if targets is not None else np.nan,
    }
