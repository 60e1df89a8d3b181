"""The parameter table and validated parameter sets.

Every model number that is not a data-table figure lives in ``data/parameters.csv`` with
its type, default, allowed range, unit, labels and source (PyPSA-style attribute table).
:class:`Parameters` is a validated, immutable set of values: an unknown key, a wrong type or
an out-of-range value raises :class:`ParameterError` naming the key, the value and what is
allowed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from abm.data import read_table

SEED_MAX = 2**63 - 1
"""Largest run seed: results store the seed as a 64-bit signed integer (Parquet ``int64``)."""


class ParameterError(ValueError):
    """A parameter or scenario value is not allowed; the message says which and why."""


@dataclass(frozen=True)
class ParamSpec:
    """Declaration of one parameter (a row of ``data/parameters.csv``)."""

    key: str
    type: str
    default: float
    min: float
    max: float
    unit: str
    label_en: str
    label_zh: str
    source: str

    @property
    def section(self) -> str:
        """The part of the key before the last dot (e.g. ``behaviour.household_pv``)."""
        return self.key.rsplit(".", 1)[0]

    @property
    def range_text(self) -> str:
        """``[min, max]`` and the unit, e.g. ``[0, 5] CNY/W`` (a share's unit ``1`` left out)."""
        unit = "" if self.unit == "1" else f" {self.unit}"
        return f"[{self.min:g}, {self.max:g}]{unit}"

    def check(self, value: Any, where: str = "") -> float | int:
        """Return ``value`` converted to the declared type, or raise ParameterError.

        Refused: anything but a number (``bool`` and text included), ``inf`` and ``nan``, a
        value outside ``[min, max]`` and, for an ``int`` parameter, a fraction.
        """
        place = f"{where}: " if where else ""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParameterError(
                f"{place}parameter {self.key!r}: got {value!r} ({type(value).__name__}); "
                f"allowed: a {self.type} in {self.range_text}"
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise ParameterError(f"{place}parameter {self.key!r}: got {value!r}; allowed: a "
                                 f"finite {self.type} in {self.range_text}")
        if not (self.min <= value <= self.max):
            raise ParameterError(
                f"{place}parameter {self.key!r}: got {value!r}; allowed range "
                f"{self.range_text}"
            )
        if self.type == "int" and float(value) != int(value):
            raise ParameterError(f"{place}parameter {self.key!r}: got {value!r}; allowed: an "
                                 f"integer in {self.range_text}")
        return int(value) if self.type == "int" else float(value)


@cache
def parameter_table() -> dict[str, ParamSpec]:
    """All declared parameters, keyed by dotted name."""
    frame = read_table("parameters.csv", ["key", "type", "default", "min", "max", "unit",
                                          "label_en", "label_zh"],
                       numeric=["default", "min", "max"])
    specs: dict[str, ParamSpec] = {}
    for row in frame.itertuples():
        if row.type not in ("int", "float"):
            raise ParameterError(f"parameters.csv, key {row.key!r}: type {row.type!r}; "
                                 "allowed: int, float")
        spec = ParamSpec(row.key, row.type, float(row.default), float(row.min), float(row.max),
                         row.unit, row.label_en, row.label_zh, row.source)
        spec.check(int(spec.default) if spec.type == "int" else spec.default, "parameters.csv")
        if spec.key in specs:
            raise ParameterError(f"parameters.csv: key {spec.key!r} declared twice")
        specs[spec.key] = spec
    return specs


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested TOML tables into dotted keys: {"a": {"b": 1}} → {"a.b": 1}."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


class Parameters(Mapping[str, float]):
    """An immutable, validated set of parameter values (defaults plus overrides).

    Args:
        overrides: Dotted keys (or nested tables) to change from the defaults.
        where: Where the overrides come from, for error messages (e.g. a file name).

    """

    def __init__(self, overrides: Mapping[str, Any] | None = None, where: str = "") -> None:
        if overrides is not None and not isinstance(overrides, Mapping):
            place = f"{where}: " if where else ""
            raise ParameterError(f"{place}parameters: got {overrides!r}; allowed: a table of "
                                 "parameter keys and numbers")
        table = parameter_table()
        values = {k: (int(s.default) if s.type == "int" else s.default) for k, s in table.items()}
        for key, value in flatten(overrides or {}).items():
            if key not in table:
                close = [k for k in table if k.rsplit(".", 1)[-1] == key.rsplit(".", 1)[-1]]
                hint = f"; did you mean {close[:3]}?" if close else ""
                place = f"{where}: " if where else ""
                raise ParameterError(f"{place}unknown parameter {key!r}{hint}")
            values[key] = table[key].check(value, where)
        self._values = values
        self.overrides = {k: values[k] for k in flatten(overrides or {})}

    def __getitem__(self, key: str) -> float:
        try:
            return self._values[key]
        except KeyError:
            raise KeyError(f"unknown parameter {key!r}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def section(self, prefix: str) -> dict[str, float]:
        """Values under ``prefix.`` with the prefix stripped."""
        start = prefix + "."
        return {k[len(start):]: v for k, v in self._values.items() if k.startswith(start)}

    def with_overrides(self, overrides: Mapping[str, Any], where: str = "") -> Parameters:
        """A new set: these overrides on top of this set's own."""
        return Parameters({**self.overrides, **flatten(overrides)}, where)
