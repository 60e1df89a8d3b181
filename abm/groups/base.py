"""Declarations every agent group module fills in: metrics, technologies and step phases.

A group module (``abm.groups.households``, ...) holds its state schema (:class:`Column`), its
per-district metrics (:class:`Metric`), its technologies (:class:`Technology`), its monthly
rule (one ``@njit`` function of one agent) and the ``prange`` kernel that calls that rule
over fixed chunks of rows (:class:`Phase`). The model loops over :data:`abm.groups.REGISTRY`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from abm.columns import AgentTable, Column

__all__ = [
    "COMMON_BEHAVIOUR",
    "Column",
    "Group",
    "Metric",
    "Phase",
    "Technology",
    "all_rows",
    "column_is_set",
    "pv_columns",
]


@dataclass(frozen=True)
class Metric:
    """One per-district output of a group, summed over the group's agents each month.

    Attributes:
        name: Metric name (column of the group's monthly sums).
        unit: Unit of the monthly value ("kg CO2", "kWh", "count", ...).
        kind: ``"flow"`` (a monthly amount; a year sums its months) or ``"stock"`` (a level
            at the end of the month; a year takes December). Districts always add up.

    """

    name: str
    unit: str
    kind: Literal["flow", "stock"] = "flow"


def column_is_set(column: str) -> Callable[[AgentTable], np.ndarray]:
    """Adoption state ``table[column] != 0`` (bool column, or a count or type above zero)."""
    def adopted(table: AgentTable) -> np.ndarray:
        return table.arrays[column] != 0
    adopted.__doc__ = f"{column} != 0"
    return adopted


def all_rows(table: AgentTable) -> np.ndarray:
    """Every agent of the group is eligible."""
    return np.ones(table.n, bool)


@dataclass(frozen=True)
class Technology:
    """One adoptable option of a group.

    Attributes:
        name: Row of the behaviour coefficient table; parameters ``behaviour.<name>.*``.
        adopted: Boolean adoption state of every row (for peer counts and initial shares).
        peers: Column counting a row's adopted neighbours.
        event_up: Event bit set in the month a row adopts.
        event_down: Event bit set in the month a row gives up (0: adoption is permanent).
        streams: Named random streams (``abm.rng``) the decision draws from.
        share: Metric names (numerator, denominator) of the district adoption share
            (visibility), each the sum of the named metrics.
        eligible: Rows counted in the initial district share (all rows by default).

    """

    name: str
    adopted: Callable[[AgentTable], np.ndarray]
    peers: str
    event_up: int
    event_down: int
    streams: tuple[str, ...]
    share: tuple[tuple[str, ...], tuple[str, ...]]
    eligible: Callable[[AgentTable], np.ndarray] = all_rows


@dataclass(frozen=True)
class Phase:
    """One pass of a group's rule over its agents within the month.

    The kernel is ``kernel(m, c, coef, vis, keys, arrays, sums)`` and calls
    ``rule(i, m, c, coef, vis, keys, arrays, sums[chunk])`` for each row ``i`` of each chunk;
    the Mesa agent's method ``agent_method`` calls ``rule.py_func`` for its own row with the
    same arguments. ``arguments(model, m)`` builds ``arrays`` (columns and month tables).

    Attributes:
        name: Phase name within the group ("decide", "replace", "account").
        rule: The per-agent ``@njit`` rule.
        kernel: The ``prange`` kernel over chunks calling ``rule``.
        arguments: Builds the rule's ``arrays`` tuple for a month.
        streams: Named random streams the phase draws from, in ``keys`` order.
        agent_method: Name of the Mesa agent method that runs the phase for one agent.

    """

    name: str
    rule: Any
    kernel: Any
    arguments: Callable[[Any, Any], tuple]
    streams: tuple[str, ...]
    agent_method: str = "step"


@dataclass(frozen=True)
class Group:
    """An agent group: schema, metrics, technologies and phases.

    Attributes:
        name: Group key of the model's tables, networks and results.
        schema: Declared state columns.
        metrics: Per-district monthly outputs, in the column order of the rule's sums.
        technologies: Adoptable options, in the order of the group's coefficient rows.
        phases: Passes of the rule, by name.
        prepare_month: Optional hook ``(model, m) -> dict`` building the group's tables of
            the month (prices, growth factors), kept in ``model.month_inputs[name]`` for the
            phases' ``arguments``.
        static_tables: Optional hook ``(params) -> dict`` building tables fixed over a run,
            kept in ``model.group_static[name]``.
        synthesise: ``(params, scale, rng, tables) -> AgentTable``: the group's agents in
            2020 (``tables`` holds the groups synthesised before it, in registry order).

    """

    name: str
    schema: tuple[Column, ...]
    metrics: tuple[Metric, ...]
    technologies: tuple[Technology, ...]
    phases: dict[str, Phase]
    prepare_month: Callable[[Any, Any], dict[str, Any]] | None = None
    static_tables: Callable[[Any], dict[str, Any]] | None = None
    synthesise: Callable[..., AgentTable] | None = None
    metric_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "metric_names", tuple(x.name for x in self.metrics))

    def metric_index(self, name: str) -> int:
        """Column of metric ``name`` in the group's sums."""
        try:
            return self.metric_names.index(name)
        except ValueError:
            raise KeyError(f"{self.name}: unknown metric {name!r}") from None


COMMON_BEHAVIOUR = (
    Column("attitude", "float64", 0.0, "sd", "Pro-environmental attitude (standardised)"),
    Column("discount_rate", "float64", 0.1, "1/yr", "Own discount rate"),
    Column("credit_draw", "float64", 1.0, "1",
           "Fixed draw: has investment credit if below access"),
    Column("degree", "int32", 0, "links", "Number of network neighbours"),
)
"""Behaviour columns every group has."""


def pv_columns(what: str) -> tuple[Column, ...]:
    """The PV state of a group that installs PV: adopted, capacity, locked-in premium.

    Args:
        what: What the PV is, for the adoption column's label (e.g. "rooftop PV").

    """
    return (
        Column("has_pv", "bool", False, "bool", f"Has {what}"),
        Column("pv_kw", "float64", 0.0, "kWp", "PV capacity"),
        Column("pv_fit_premium", "float64", 0.0, "CNY/kWh",
               "Feed-in premium locked in at installation"),
    )
