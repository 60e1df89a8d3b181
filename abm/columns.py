"""Declared agent state: one NumPy array per attribute, the single source of truth.

Each agent group has a schema, a tuple of :class:`Column` (name, dtype, default, unit,
label). An :class:`AgentTable` holds one array per column, all of the same length (one row
per agent). Kernels take these arrays; Mesa agents in :mod:`agents` are views onto rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Column:
    """One declared attribute of an agent group.

    Attributes:
        name: Attribute name, also the Mesa agent's attribute.
        dtype: NumPy dtype string.
        default: Value of a new row.
        unit: Physical unit ("1" for dimensionless, "bool", "CNY", "kWh/month", ...).
        label: One-line human description.

    """

    name: str
    dtype: str
    default: float | int | bool
    unit: str
    label: str


class AgentTable:
    """Column arrays for one agent group.

    Args:
        schema: The group's declared columns.
        n: Number of rows (agents).

    """

    def __init__(self, schema: tuple[Column, ...], n: int) -> None:
        self.schema = schema
        self.n = int(n)
        self._columns = {c.name: c for c in schema}
        self.arrays: dict[str, np.ndarray] = {
            c.name: np.full(self.n, c.default, dtype=c.dtype) for c in schema
        }

    def __getattr__(self, name: str) -> np.ndarray:
        arrays = self.__dict__.get("arrays")
        if arrays is not None and name in arrays:
            return arrays[name]
        raise AttributeError(name)

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[str]:
        return iter(self.arrays)

    def column(self, name: str) -> Column:
        """Return the declaration of column ``name``."""
        return self._columns[name]

    def set(self, name: str, values: np.ndarray) -> None:
        """Replace a column's values, cast to its declared dtype, checking the length."""
        if name not in self._columns:
            raise KeyError(f"unknown column {name!r}; declared: {sorted(self._columns)}")
        values = np.asarray(values)
        if values.shape != (self.n,):
            raise ValueError(f"column {name!r}: shape {values.shape}, expected ({self.n},)")
        self.arrays[name] = values.astype(self._columns[name].dtype, copy=True)

    def copy(self) -> AgentTable:
        """A deep copy (used to run two engines on the same start state)."""
        other = AgentTable.__new__(AgentTable)  # no default-filled columns to throw away
        other.schema, other.n, other._columns = self.schema, self.n, self._columns
        other.arrays = {k: v.copy() for k, v in self.arrays.items()}
        return other

    def to_frame(self, rows: np.ndarray | None = None) -> pd.DataFrame:
        """Rows as a DataFrame (all rows if ``rows`` is None)."""
        sel = slice(None) if rows is None else rows
        return pd.DataFrame({k: v[sel] for k, v in self.arrays.items()})

    def units(self) -> dict[str, str]:
        """Column name → unit."""
        return {c.name: c.unit for c in self.schema}
