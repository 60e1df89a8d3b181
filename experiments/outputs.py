"""Outputs an experiment keeps from each run: named scalars, ``metric@year`` and annual series.

Scalars (one number per run):

========================  ===========================================================
``peak_year``             year of the highest total CO2 (the end year if still rising)
``peaked``                1 if emissions fall after the peak inside the run, else 0
``plateau_from``          first year of the plateau ending in the peak year (within 1 %)
``peak_mt``               highest annual total CO2, Mt
``co2_2030_mt``           total CO2 in 2030, Mt
``cumulative_2020_2035_mt`` total CO2 summed over 2020-2035 (or to the end year), Mt
``nev_share_2030``        new-energy share of new vehicles in 2030
``pv_capacity_mw_2030``   agent-owned PV capacity in 2030, MW
``public_cost_mcny``      public spending and forgone revenue 2020-2035, million CNY
``co2_end_mt``            total CO2 in the end year, Mt
``targets_met``           number of the plan's trackable targets met
``<metric>@<year>``       any annual-summary metric in one year, e.g. ``ci_share@2030``
========================  ===========================================================

Each run also keeps ``target.<key>`` (1 met, 0 not) for every target in
:data:`abm.results.TARGETS`, and the annual series listed in the experiment's ``series``
(always ``co2_total`` and ``spending_total``, which give the abatement cost).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from abm.headline import HEADLINE_UNITS, headline
from abm.outputs import annual_outputs, output_label
from abm.params import ParameterError
from abm.results import TARGETS

if TYPE_CHECKING:
    from abm.simulate import Run

KEY_OUTPUTS = ("peak_year", "co2_2030_mt", "cumulative_2020_2035_mt", "nev_share_2030",
               "pv_capacity_mw_2030", "public_cost_mcny")
"""The outputs of the global sensitivity analysis (issue 4)."""

DEFAULT_OUTPUTS = (*KEY_OUTPUTS, "peaked", "peak_mt", "co2_end_mt", "targets_met")
DEFAULT_SERIES = ("co2_total", "spending_total")
TARGET_KEYS = tuple(t.key for t in TARGETS)


def _window(run: Run, metric: str, first: int = 2020, last: int = 2035) -> float:
    series = run.series(metric)
    return float(series[(series.index >= first) & (series.index <= last)].sum())


def _at(metric: str, year: int) -> Callable[[Run], float]:
    return lambda run: float(run.series(metric).get(year, np.nan))


def _headline(key: str) -> tuple[str, Callable[[Run], float]]:
    """An output that is one of the headline numbers (:mod:`abm.headline`), defined there."""
    return HEADLINE_UNITS[key], lambda run: headline(run.summary, run.targets)[key]


OUTPUTS: dict[str, tuple[str, Callable[[Run], float]]] = {
    "peak_year": _headline("peak_year"),
    "peaked": _headline("peaked"),
    "plateau_from": _headline("plateau_from"),
    "peak_mt": _headline("peak_mt"),
    "co2_2030_mt": _headline("co2_2030_mt"),
    "cumulative_2020_2035_mt": ("Mt CO2", lambda r: _window(r, "co2_total")),
    "nev_share_2030": _headline("nev_share_new_2030"),
    "pv_capacity_mw_2030": _headline("pv_mw_2030"),
    "public_cost_mcny": ("million CNY", lambda r: _window(r, "spending_total")),
    "co2_end_mt": _headline("co2_end_mt"),
    "targets_met": _headline("targets_met"),
}

LABELS = {
    "peak_year": "Peak year of CO2", "peaked": "Peaked inside the run",
    "plateau_from": "CO2 plateau from (within 1 % of the peak)",
    "peak_mt": "Peak CO2 (Mt)", "co2_2030_mt": "CO2 in 2030 (Mt)",
    "cumulative_2020_2035_mt": "Cumulative CO2 2020-2035 (Mt)",
    "nev_share_2030": "NEV share of new vehicles 2030",
    "pv_capacity_mw_2030": "PV capacity 2030 (MW)",
    "public_cost_mcny": "Public cost 2020-2035 (M CNY)", "co2_end_mt": "CO2 in end year (Mt)",
    "targets_met": "Targets met",
}


def output_title(name: str) -> str:
    """A named output's label, or ``<metric label> <year>`` for ``metric@year``."""
    if name in LABELS:
        return LABELS[name]
    metric, sep, year = name.partition("@")
    return f"{output_label(metric)} {year}" if sep else name


def _known_metrics() -> set[str]:
    """Every annual-summary metric any experiment could produce (:mod:`abm.outputs`)."""
    return set(annual_outputs())


def check_series(metric: str, where: str) -> None:
    """Raise if ``metric`` is not an annual-summary metric."""
    known = _known_metrics()
    if metric not in known:
        raise ParameterError(f"{where}: metric {metric!r} is unknown; allowed: "
                             f"{sorted(known)}")


OUTPUT_YEARS = {"co2_2030_mt": 2030, "nev_share_2030": 2030, "pv_capacity_mw_2030": 2030}
"""Named outputs read in a fixed year: the run must reach it."""
FIRST_YEAR = 2020


def output_year(name: str) -> int:
    """The last year an output reads (the run's first year if it reads none in particular)."""
    if name in OUTPUT_YEARS:
        return OUTPUT_YEARS[name]
    _, sep, year = name.partition("@")
    return int(year) if sep and year.isdigit() else FIRST_YEAR


def check_output(name: str, where: str, end_year: int = 2060) -> None:
    """Raise if ``name`` is neither a named output nor ``metric@year`` inside the run."""
    if name in OUTPUTS:
        if output_year(name) > end_year:
            raise ParameterError(f"{where}: output {name!r} reads the year "
                                 f"{output_year(name)}, after end_year {end_year}; allowed: "
                                 "outputs of years up to end_year")
        return
    metric, sep, year = name.partition("@")
    if not sep:
        raise ParameterError(f"{where}: output {name!r} is unknown; allowed: "
                             f"{sorted(OUTPUTS)} or '<metric>@<year>'")
    check_series(metric, where)
    if not (year.isascii() and year.isdigit()) or not FIRST_YEAR <= int(year) <= end_year:
        raise ParameterError(f"{where}: output {name!r}: year {year!r}; allowed: a year in "
                             f"[{FIRST_YEAR}, {end_year}] (end_year {end_year})")


class StoredRun:
    """The ``series()`` face of :class:`abm.simulate.Run` over a run's stored annual series."""

    targets = None
    """Stored runs keep no targets table (their ``target.*`` flags are in the run record)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    @property
    def summary(self) -> pd.DataFrame:
        """The stored series as an annual summary (``year, metric, value``)."""
        return self.frame[["year", "metric", "value"]].sort_values(["metric", "year"])

    def series(self, metric: str) -> pd.Series:
        """One metric's annual values (indexed by year); KeyError if it was not stored."""
        rows = self.frame[self.frame["metric"] == metric]
        if rows.empty:
            raise KeyError(metric)
        return rows.set_index("year")["value"].sort_index()


def from_series(name: str, run: StoredRun) -> float:
    """An output computed from a run's stored series; NaN if they do not hold what it needs."""
    try:
        if name in OUTPUTS:
            return float(OUTPUTS[name][1](run))  # type: ignore[arg-type]
        metric, _, year = name.partition("@")
        return float(run.series(metric).get(int(year), np.nan))
    except (KeyError, AttributeError, IndexError, ValueError):
        return float("nan")


def extract(run: Run, outputs: list[str]) -> dict[str, float]:
    """Scalar outputs and per-target flags of a finished run."""
    values: dict[str, float] = {}
    for name in outputs:
        if name in OUTPUTS:
            values[name] = float(OUTPUTS[name][1](run))
        else:
            metric, _, year = name.partition("@")
            values[name] = float(run.series(metric).get(int(year), np.nan)) if (
                run.summary["metric"] == metric).any() else np.nan
    met = dict(zip(run.targets["target"], run.targets["met"], strict=True))
    for key in TARGET_KEYS:
        values[f"target.{key}"] = float(bool(met.get(key, False)))
    return values
