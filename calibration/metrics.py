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
import pandas as pd

from abm.data import DISTRICTS
from abm.groups import REGISTRY
from abm.results import annual_summary
from abm.scenario import load_scenario

YEARS = 3
"""Years of the stand-in model's history."""
GROUPS = {name: group.metric_names for name, group in REGISTRY.items()}


@dataclass(frozen=True)
class MetricInfo:
    """An annual-summary metric: its unit and whether it is a stock, a flow or either."""

    unit: str
    kind: str


def _stand_in_summary(scenario: str, months: slice | None) -> pd.DataFrame:
    """The annual summary of a stand-in model; ``months`` of each year are changed if given."""
    loaded = load_scenario(scenario)
    rng = np.random.default_rng(0)
    n = YEARS * 12
    history = {g: rng.uniform(1.0, 2.0, (n, len(DISTRICTS), len(m))) for g, m in GROUPS.items()}
    spending = rng.uniform(1.0, 2.0, (n, len(loaded.policies)))
    if months is not None:
        change = np.random.default_rng(1)
        for values in (*history.values(), spending):
            view = values.reshape(YEARS, 12, *values.shape[1:])[:, months]
            view *= change.uniform(1.5, 3.0, view.shape)
    model = types.SimpleNamespace(
        start_year=int(loaded.params["run.start_year"]), month=n, history=history,
        params=loaded.params, policies=loaded.policies, spending=spending,
        month_log=[types.SimpleNamespace(green_mandate=0.0) for _ in range(n)])
    return annual_summary(model)  # type: ignore[arg-type]


@functools.cache
def summary_metrics(scenario: str) -> dict[str, MetricInfo]:
    """Every annual-summary metric of ``scenario`` with its unit and kind (nothing simulated)."""
    base, early, december = (
        _stand_in_summary(scenario, months).set_index(["metric", "year"])
        for months in (None, slice(0, 11), slice(11, 12)))

    def differs(other: pd.DataFrame, metric: str) -> bool:
        return not np.allclose(base.loc[metric, "value"], other.loc[metric, "value"],
                               rtol=1e-9, atol=0.0, equal_nan=True)

    info = {}
    for metric in base.index.get_level_values("metric").unique():
        kind = ("flow" if differs(early, metric) else
                "stock" if differs(december, metric) else "either")
        info[str(metric)] = MetricInfo(str(base.loc[metric, "unit"].iloc[0]), kind)
    return info
