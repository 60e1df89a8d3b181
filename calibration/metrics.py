"""The model's annual-summary metrics a calibration target may use: names, units, kinds.

The catalogue is read from :func:`abm.results.annual_summary` itself (not a hand-kept
list), by applying it to a stand-in model whose monthly history is synthetic, so nothing is
simulated. A metric's *kind* follows from how the summary aggregates a year: a metric that
changes when only January-November change is a ``flow`` (summed or averaged over the year); one
that changes only with December is a ``stock`` (the level at year end); one that depends on
neither (e.g. a mandate read from the policy schedule) is ``either``.
"""

from __future__ import annotations

import functools
import types
from dataclasses import dataclass

import numpy as np

from abm import kernels as k
from abm.data import DISTRICTS
from abm.results import annual_summary
from abm.scenario import load_scenario

YEARS = 3
"""Years of the stand-in model's history."""


@dataclass(frozen=True)
class MetricInfo:
    """An annual-summary metric: its unit and whether it is a stock, a flow or either."""

    unit: str
    kind: str


def _stand_in(scenario: str, history: dict[str, np.ndarray], spending: np.ndarray
              ) -> types.SimpleNamespace:
    loaded = load_scenario(scenario)
    months = YEARS * 12
    month_log = [types.SimpleNamespace(green_mandate=0.0) for _ in range(months)]
    return types.SimpleNamespace(start_year=int(loaded.params["run.start_year"]), month=months,
                                 history=history, params=loaded.params, month_log=month_log,
                                 policies=loaded.policies, spending=spending)


def _summary(scenario: str, seed: int, perturb: slice | None) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    groups = {"households": k.HOUSEHOLD_METRICS, "vehicles": k.VEHICLE_METRICS,
              "firms": k.FIRM_METRICS, "fishers": k.FISHER_METRICS}
    months = YEARS * 12
    history = {g: rng.uniform(1.0, 2.0, (months, len(DISTRICTS), len(m)))
               for g, m in groups.items()}
    n_policies = len(load_scenario(scenario).policies)
    spending = rng.uniform(1.0, 2.0, (months, n_policies))
    if perturb is not None:
        change = np.random.default_rng(seed + 1)
        for values in (*history.values(), spending):
            view = values.reshape(YEARS, 12, *values.shape[1:])[:, perturb]
            view *= change.uniform(1.5, 3.0, view.shape)
    frame = annual_summary(_stand_in(scenario, history, spending))  # type: ignore[arg-type]
    return {metric: rows["value"].to_numpy(float) for metric, rows in frame.groupby("metric")}


@functools.cache
def summary_metrics(scenario: str) -> dict[str, MetricInfo]:
    """Every annual-summary metric of ``scenario`` with its unit and kind (nothing simulated)."""
    rng = np.random.default_rng(0)
    history = {g: rng.uniform(1.0, 2.0, (YEARS * 12, len(DISTRICTS), len(m)))
               for g, m in (("households", k.HOUSEHOLD_METRICS),
                            ("vehicles", k.VEHICLE_METRICS), ("firms", k.FIRM_METRICS),
                            ("fishers", k.FISHER_METRICS))}
    spending = np.ones((YEARS * 12, len(load_scenario(scenario).policies)))
    units = annual_summary(_stand_in(scenario, history, spending)  # type: ignore[arg-type]
                           ).groupby("metric")["unit"].first().to_dict()
    base = _summary(scenario, 0, None)
    early = _summary(scenario, 0, slice(0, 11))
    december = _summary(scenario, 0, slice(11, 12))

    def differs(a: np.ndarray, b: np.ndarray) -> bool:
        return not np.allclose(a, b, rtol=1e-9, atol=0.0, equal_nan=True)

    info = {}
    for metric, unit in units.items():
        kind = ("flow" if differs(base[metric], early[metric]) else
                "stock" if differs(base[metric], december[metric]) else "either")
        info[metric] = MetricInfo(str(unit), kind)
    return info
