"""The catalogue of annual outputs: every metric :func:`abm.results.annual_summary` makes.

The catalogue is read from ``annual_summary`` itself, not kept by hand, so it cannot drift
from what the model produces: the summary is applied to a stand-in model whose monthly
history is synthetic (nothing is simulated). A metric's *kind* follows from how the summary
aggregates a year: one that changes when only January–November change is a ``flow`` (summed
or averaged over the year); one that changes only with December is a ``stock`` (the level at
year end); one that depends on neither (e.g. a mandate read from the policy schedule) is
``either``. Experiments validate ``metric@year`` outputs and calibration validates targets
against it.
"""

from __future__ import annotations

import functools
import itertools
import types
from dataclasses import dataclass

import numpy as np
import pandas as pd

from abm.data import DISTRICTS
from abm.groups import REGISTRY
from abm.policies import POLICY_TYPES, Policy
from abm.results import annual_summary
from abm.scenario import load_scenario

YEARS = 3
"""Years of the stand-in model's history."""


@dataclass(frozen=True)
class OutputInfo:
    """An annual output: its unit and whether it is a ``stock``, a ``flow`` or ``either``."""

    unit: str
    kind: str


def every_policy() -> list[Policy]:
    """One instance of every policy kind and option value (for the spending outputs)."""
    out = []
    for cls in POLICY_TYPES.values():
        options = list(cls.options.items())
        for values in itertools.product(*(v for _, v in options)):
            levels = {name: field.min for name, field in cls.fields.items()}
            choice = {name: value for (name, _), value in zip(options, values, strict=True)}
            out.append(cls(start=2020, end=2020, levels=levels, choice=choice))
    return out


def _stand_in_summary(scenario: str | None, months: slice | None) -> pd.DataFrame:
    """The annual summary of a stand-in model; ``months`` of each year are changed if given."""
    loaded = load_scenario(scenario or "baseline")
    policies = loaded.policies if scenario is not None else every_policy()
    rng = np.random.default_rng(0)
    n = YEARS * 12
    history = {name: rng.uniform(1.0, 2.0, (n, len(DISTRICTS), len(group.metric_names)))
               for name, group in REGISTRY.items()}
    spending = rng.uniform(1.0, 2.0, (n, len(policies)))
    if months is not None:
        change = np.random.default_rng(1)
        for values in (*history.values(), spending):
            view = values.reshape(YEARS, 12, *values.shape[1:])[:, months]
            view *= change.uniform(1.5, 3.0, view.shape)
    model = types.SimpleNamespace(
        start_year=int(loaded.params["run.start_year"]), month=n, history=history,
        params=loaded.params, policies=policies, spending=spending,
        month_log=[types.SimpleNamespace(green_mandate=0.0) for _ in range(n)])
    return annual_summary(model)  # type: ignore[arg-type]


@functools.cache
def annual_outputs(scenario: str | None = None) -> dict[str, OutputInfo]:
    """Every annual output with its unit and kind (nothing simulated).

    Args:
        scenario: Only the spending outputs of this scenario's policies; None: of every
            policy kind and option (what any experiment could produce).

    """
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
        info[str(metric)] = OutputInfo(str(base.loc[metric, "unit"].iloc[0]), kind)
    return info
