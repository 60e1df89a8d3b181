"""Calibration configuration: free parameters, targets and engine settings, from TOML.

A config names the scenario the history ran under, the model resolution (scale, seeds), the
free parameters (keys of ``data/parameters.csv`` with bounds inside the table's range; uniform
priors), the targets (observed series and how a model output maps onto them), the fit and
held-out years, and engine settings (``[abc]``, ``[optuna]``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from abm.params import ParameterError, parameter_table
from abm.scenario import load_scenario
from calibration.observed import load_observed, observed_series

CONFIG_DIR = Path(__file__).resolve().parent / "configs"


@dataclass(frozen=True)
class FreeParameter:
    """A parameter to fit, with a uniform prior on [low, high] (its unit is the table's)."""

    key: str
    low: float
    high: float

    @property
    def safe_name(self) -> str:
        """The key with dots replaced, for engines that dislike dots."""
        return self.key.replace(".", "__")


@dataclass(frozen=True)
class CalibrationTarget:
    """An observed series and how the model's output is mapped onto it.

    The model value for a year is ``Σ metrics`` from the annual summary; the observation is
    multiplied by ``factor`` first (e.g. a national series scaled to Jiangmen). ``kind`` says
    whether the series is a stock (level at year end) or a flow (over the year); ``distance``
    is ``"abs"`` (absolute error) or ``"rel"`` (error relative to the mean observation).
    """

    name: str
    series: str
    region: str
    metrics: tuple[str, ...]
    kind: str
    factor: float
    weight: float
    distance: str
    mapping: str

    def observed(self, observed: pd.DataFrame) -> pd.Series:
        """The observation mapped to model units, by year."""
        return observed_series(observed, self.series, self.region) * self.factor

    def simulated(self, summary: pd.DataFrame) -> pd.Series:
        """The model's value by year."""
        wide = summary.pivot(index="year", columns="metric", values="value")
        return wide[list(self.metrics)].sum(axis=1)


@dataclass
class CalibrationConfig:
    """A validated calibration configuration."""

    name: str
    scenario: str
    scale: float
    seeds: list[int]
    fit_years: list[int]
    holdout_years: list[int]
    parameters: list[FreeParameter]
    targets: list[CalibrationTarget]
    observed: pd.DataFrame
    abc: dict[str, Any] = field(default_factory=dict)
    optuna: dict[str, Any] = field(default_factory=dict)
    predictive_samples: int = 20
    description: str = ""

    @property
    def end_year(self) -> int:
        """Last year simulated: the last fit or held-out year."""
        return max(self.fit_years + self.holdout_years)

    def observations(self, years: list[int]) -> dict[str, np.ndarray]:
        """Observed values of every target in ``years`` (NaN where there is none)."""
        return {t.name: t.observed(self.observed).reindex(years).to_numpy(dtype=float)
                for t in self.targets}


def _need(table: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in table:
        raise ParameterError(f"{where}: field {key!r} is required")
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ParameterError(f"{where}: field {key!r} is {value!r}; allowed: "
                             f"{getattr(kind, '__name__', kind)}")
    return value


def parse_config(tree: dict[str, Any], where: str, observed_path: Path | None = None
                 ) -> CalibrationConfig:
    """Validate a parsed calibration config."""
    allowed = {"name", "description", "scenario", "scale", "seeds", "fit_years",
               "holdout_years", "parameters", "targets", "abc", "optuna", "observed",
               "predictive_samples"}
    for key in tree:
        if key not in allowed:
            raise ParameterError(f"{where}: unknown key {key!r}; allowed: {sorted(allowed)}")
    name = _need(tree, "name", str, where)
    scenario = tree.get("scenario", "history")
    load_scenario(scenario)  # must exist and be valid
    scale = float(_need(tree, "scale", (int, float), where))
    if not 1 <= scale <= 100_000:
        raise ParameterError(f"{where}: field 'scale' is {scale}; allowed: 1 to 100000")
    seeds = tree.get("seeds", [0])
    if not (isinstance(seeds, list) and seeds and all(isinstance(s, int) and s >= 0
                                                      for s in seeds)):
        raise ParameterError(f"{where}: field 'seeds' is {seeds!r}; allowed: a non-empty list "
                             "of non-negative integers")
    years = {}
    for key in ("fit_years", "holdout_years"):
        value = tree.get(key, [])
        if not isinstance(value, list) or not all(isinstance(y, int) and 2020 <= y <= 2060
                                                  for y in value):
            raise ParameterError(f"{where}: field {key!r} is {value!r}; allowed: a list of "
                                 "years 2020-2060")
        years[key] = sorted(value)
    if not years["fit_years"]:
        raise ParameterError(f"{where}: field 'fit_years' is empty; give at least one year")
    if set(years["fit_years"]) & set(years["holdout_years"]):
        raise ParameterError(f"{where}: fit_years and holdout_years overlap; a held-out year "
                             "must not be fitted")
    table = parameter_table()
    parameters = []
    for i, item in enumerate(tree.get("parameters", [])):
        here = f"{where}, parameters[{i}]"
        key = _need(item, "key", str, here)
        if key not in table:
            raise ParameterError(f"{here}: unknown parameter {key!r}")
        spec = table[key]
        low = float(item.get("min", spec.min))
        high = float(item.get("max", spec.max))
        if not spec.min <= low < high <= spec.max:
            raise ParameterError(f"{here}: bounds [{low:g}, {high:g}] for {key!r} must satisfy "
                                 f"{spec.min:g} <= min < max <= {spec.max:g} {spec.unit}")
        parameters.append(FreeParameter(key, low, high))
    if not parameters:
        raise ParameterError(f"{where}: no [[parameters]] to fit")
    observed = load_observed(observed_path or tree.get("observed"))
    targets = []
    for i, item in enumerate(tree.get("targets", [])):
        here = f"{where}, targets[{i}]"
        metrics = item.get("metric")
        metrics = (metrics,) if isinstance(metrics, str) else tuple(metrics or ())
        kind = item.get("kind", "flow")
        distance = item.get("distance", "rel")
        if kind not in ("stock", "flow"):
            raise ParameterError(f"{here}: field 'kind' is {kind!r}; allowed: 'stock', 'flow'")
        if distance not in ("abs", "rel"):
            raise ParameterError(f"{here}: field 'distance' is {distance!r}; allowed: 'abs', "
                                 "'rel'")
        target = CalibrationTarget(
            name=_need(item, "name", str, here), series=_need(item, "series", str, here),
            region=_need(item, "region", str, here), metrics=metrics, kind=kind,
            factor=float(item.get("factor", 1.0)), weight=float(item.get("weight", 1.0)),
            distance=distance, mapping=str(item.get("mapping", "")))
        if not metrics:
            raise ParameterError(f"{here}: field 'metric' is required (an annual summary metric "
                                 "or a list of them, summed)")
        target.observed(observed)  # the series must exist
        targets.append(target)
    if not targets:
        raise ParameterError(f"{where}: no [[targets]]")
    return CalibrationConfig(
        name=name, scenario=scenario, scale=scale, seeds=seeds, fit_years=years["fit_years"],
        holdout_years=years["holdout_years"], parameters=parameters, targets=targets,
        observed=observed, abc=dict(tree.get("abc", {})), optuna=dict(tree.get("optuna", {})),
        predictive_samples=int(tree.get("predictive_samples", 20)),
        description=str(tree.get("description", "")))


def load_config(name_or_path: str | Path, observed_path: Path | None = None
                ) -> CalibrationConfig:
    """Load a config by name (``calibration/configs/<name>.toml``) or path."""
    path = Path(name_or_path)
    if not path.exists():
        path = CONFIG_DIR / f"{name_or_path}.toml"
    if not path.exists():
        known = sorted(p.stem for p in CONFIG_DIR.glob("*.toml"))
        raise ParameterError(f"calibration config {str(name_or_path)!r} not found; known: "
                             f"{known}")
    try:
        tree = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ParameterError(f"{path}: not valid TOML ({error})") from None
    return parse_config(tree, str(path), observed_path)
