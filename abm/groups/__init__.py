"""The registry of agent groups (core floor: state, metrics, technologies, rules).

Each group module (:mod:`~abm.groups.households`, :mod:`~abm.groups.vehicles`,
:mod:`~abm.groups.firms`, :mod:`~abm.groups.fishers`) declares a :class:`~abm.groups.base.Group`:
its state schema, per-district metrics, technologies and the phases of its monthly rule.
The model loops over :data:`REGISTRY` and :data:`STEP_ORDER`; results, policies and
synthesis look metrics and columns up here by name.
"""

from __future__ import annotations

from abm.groups import firms, fishers, households, vehicles
from abm.groups.base import Group, Metric, Phase, Technology
from abm.groups.decision import COEFFICIENTS

__all__ = ["COEFFICIENTS", "GROUP_METRICS", "REGISTRY", "STEP_ORDER", "TECHNOLOGIES",
           "TECHNOLOGY_ROWS", "Group", "Metric", "Phase", "Technology", "metric_index",
           "metric_units", "stock_metrics"]

REGISTRY: dict[str, Group] = {
    group.name: group for group in (households.GROUP, vehicles.GROUP, firms.GROUP, fishers.GROUP)
}
"""The agent groups, by name, in the order of tables, history and results."""

STEP_ORDER: tuple[tuple[str, str], ...] = (
    ("vehicles", "replace"),
    ("households", "decide"),
    ("vehicles", "account"),
    ("firms", "decide"),
    ("fishers", "decide"),
)
"""(group, phase) in the order they run within a month: vehicles at the end of life choose
first; households decide (their scheme membership shortens car trips); then vehicles account
their kilometres; firms; fishers."""

TECHNOLOGIES: tuple[str, ...] = tuple(
    t.name for group in REGISTRY.values() for t in group.technologies)
"""Rows of the behaviour coefficient table and of the district-share table, group by group."""

TECHNOLOGY_ROWS: dict[str, slice] = {}
"""Each group's block of rows in :data:`TECHNOLOGIES` (its rules see only that block)."""
_row = 0
for _group in REGISTRY.values():
    TECHNOLOGY_ROWS[_group.name] = slice(_row, _row + len(_group.technologies))
    _row += len(_group.technologies)
del _row, _group


GROUP_METRICS: dict[str, tuple[str, ...]] = {
    name: group.metric_names for name, group in REGISTRY.items()}
"""Each group's per-district metrics, in the column order of its rule's sums."""


def metric_index(group: str, metric: str) -> int:
    """Column of ``metric`` in group ``group``'s per-district sums."""
    return REGISTRY[group].metric_index(metric)


def metric_units() -> dict[str, str]:
    """Metric name → unit, over all groups (a name means the same in every group)."""
    return {x.name: x.unit for group in REGISTRY.values() for x in group.metrics}


def stock_metrics() -> set[str]:
    """Names of the metrics that are stocks (a level at the end of a month)."""
    return {x.name for group in REGISTRY.values() for x in group.metrics if x.kind == "stock"}
