"""Calibration configuration: free parameters, targets and engine settings, from TOML.

A config names the scenario the history ran under, the model resolution (scale, seeds), the
free parameters (keys of ``data/parameters.csv`` with bounds inside the table's range; uniform
priors), the targets (observed series and how a model output maps onto them), the fit and
held-out years, and engine settings (``[abc]``, ``[optuna]``).

The file's shape (keys, types, ranges) is checked by a pydantic schema (:class:`ConfigFile`);
what needs the model and the data (parameter bounds, metrics and their units and kinds,
observations in the fit and held-out years) is checked next. Every refusal is a
:class:`~abm.params.ParameterError` naming the file, the field, the value and what is allowed,
raised before anything is simulated or written.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from abm.files import read_user_toml, safe_name
from abm.identity import code_hash, code_version, data_hash, scenario_hash
from abm.limits import FIRST_YEAR, LAST_YEAR
from abm.observed import (
    SHARE_UNIT,
    ObservedDataError,
    load_observed,
    observed_series,
    observed_unit,
)
from abm.params import ParameterError, parameter_table
from abm.scenario import load_scenario
from calibration.metrics import summary_metrics

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
MAX_CONFIG_BYTES = 1_000_000
"""Largest calibration config accepted, bytes."""
STOPPING = (("abc", "max_generations"), ("abc", "min_epsilon"), ("optuna", "n_trials"),
            ("predictive_samples",))
"""Settings that say when to stop, not what is fitted: a run may be resumed with new ones."""

FIT_CODE = ("calibration/config.py", "calibration/fit.py", "calibration/metrics.py",
            "abm/observed.py")
"""Modules whose content shapes a fit beyond the model's code (part of a run's identity),
relative to the project folder."""

# ------------------------------------------------------------------ the file's schema
Text = Annotated[str, Field(max_length=10_000)]
Label = Annotated[str, Field(min_length=1, max_length=200)]
Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)]
Seed = Annotated[int, Field(ge=0, le=2**32 - 1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class ParameterEntry(_Strict):
    """``[[parameters]]``: a free parameter and its prior bounds (the table's unit)."""

    key: Label
    min: float | None = None
    max: float | None = None


class TargetEntry(_Strict):
    """``[[targets]]``: an observed series and the model metric(s) it is compared with."""

    name: Label
    series: Label
    region: Label
    metric: Label | Annotated[list[Label], Field(min_length=1, max_length=20)]
    kind: Literal["stock", "flow"] = "flow"
    factor: Annotated[float, Field(gt=0, le=1e12)] = 1.0
    weight: Annotated[float, Field(gt=0, le=1e6)] = 1.0
    distance: Literal["abs", "rel"] = "rel"
    mapping: Text = ""
    noise_sd: Annotated[float, Field(gt=0, le=1e12)] | None = None
    """Standard deviation of the observation-and-mapping error, in the model's unit (after
    ``factor``): how far the observed series may lie from the model's quantity when the
    model is right. Needed by ``[abc] acceptance = "noise_model"``."""
    noise_source: Text = ""


class AbcSettings(_Strict):
    """``[abc]``: ABC-SMC acceptance, population size, generations, final tolerance, seed."""

    acceptance: Literal["tolerance", "noise_model"] = "tolerance"
    """``"tolerance"``: accept a particle whose distance is below the generation's ε
    (ε shrinks until ``min_epsilon`` or ``max_generations``). ``"noise_model"``: accept it
    with its probability under each target's Gaussian error ``noise_sd``, tempered so that
    the last generation (at the latest ``max_generations``) samples the exact posterior
    (pyabc's stochastic acceptor, Wilkinson 2013)."""
    population_size: Annotated[int, Field(ge=2, le=100_000)] = 40
    max_generations: Annotated[int, Field(ge=1, le=1000)] = 4
    min_epsilon: Annotated[float, Field(ge=0)] = 0.0
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0
    """Seed of the ABC-SMC draw (:func:`calibration.fit.run_abc`); another seed is another
    draw of the same posterior, to see how much a draw moves the fit."""


class OptunaSettings(_Strict):
    """``[optuna]``: number of trials."""

    n_trials: Annotated[int, Field(ge=1, le=100_000)] = 40


class ConfigFile(_Strict):
    """A calibration config file as written (before the model and data are consulted)."""

    name: Label
    description: Text = ""
    scenario: Label = "history"
    scale: Annotated[float, Field(ge=1, le=100_000)]
    seeds: Annotated[list[Seed], Field(min_length=1, max_length=100)] = [0]
    fit_years: Annotated[list[Year], Field(min_length=1, max_length=41)]
    holdout_years: Annotated[list[Year], Field(max_length=41)] = []
    parameters: Annotated[list[ParameterEntry], Field(min_length=1, max_length=50)]
    targets: Annotated[list[TargetEntry], Field(min_length=1, max_length=50)]
    abc: AbcSettings = AbcSettings()
    optuna: OptunaSettings = OptunaSettings()
    observed: Label | None = None
    predictive_samples: Annotated[int, Field(ge=1, le=10_000)] = 20
    """Posterior draws simulated for the predictive bands and the point: every ABC particle,
    weighted, if at least the population; otherwise that many resampled draws."""


SECTIONS: dict[str, type[BaseModel]] = {"abc": AbcSettings, "optuna": OptunaSettings,
                                        "parameters": ParameterEntry, "targets": TargetEntry}


def _field_name(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _clean(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """A pydantic location without its union-member tags (``str``, ``list[...]``)."""
    return tuple(part for part in loc if not (isinstance(part, str) and (
        part in ("str", "list[str]") or part.startswith(("constrained-", "list[")))))


def _allowed(message: str) -> str:
    text = message.removeprefix("Input should be ").removeprefix("Value should be ")
    return (text[:1].lower() + text[1:]).replace(" after validation", "")


def _schema_error(error: ValidationError, where: str, flags: dict[str, str]) -> ParameterError:
    """The first schema error as a message naming file (or flag), field, value, allowed.

    A field that may take several shapes (e.g. a metric or a list of metrics) lists what each
    shape allows.
    """
    errors = error.errors(include_url=False)
    first = errors[0]
    loc = _clean(first["loc"])
    name = _field_name(loc)
    flag = next((f for field, f in flags.items()
                 if name == field or name.startswith((f"{field}[", f"{field}."))), None)
    source = f"{flag} (field {name!r})" if flag else f"field {name!r}"
    if first["type"] == "extra_forbidden":
        strings = [p for p in loc[:-1] if isinstance(p, str)]
        model = SECTIONS.get(strings[0], ConfigFile) if strings else ConfigFile
        return ParameterError(f"{where}: unknown key {name!r}; allowed: "
                              f"{sorted(model.model_fields)}")
    if first["type"] == "missing":
        return ParameterError(f"{where}: {source} is required")
    shapes = list(dict.fromkeys(
        _allowed(e["msg"]) + (f" (item {e['loc'][-1]} is {_short(e['input'])})"
                              if len(_clean(e["loc"])) > len(loc) else "")
        for e in errors if _clean(e["loc"])[:len(loc)] == loc))
    return ParameterError(f"{where}: {source} is {_short(first['input'])}; allowed: "
                          f"{'; or '.join(shapes)}")


# ------------------------------------------------------------------ the validated config
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
    ``noise_sd`` is the standard deviation of the observation-and-mapping error in the
    model's unit (None if the config gives none). ``file_name`` is the name made safe for
    file names (charts).
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
    noise_sd: float | None = None
    file_name: str = ""

    def observed(self, observed: pd.DataFrame) -> pd.Series:
        """The observation mapped to model units, by year."""
        return observed_series(observed, self.series, self.region) * self.factor

    def simulated(self, summary: pd.DataFrame) -> pd.Series:
        """The model's value by year."""
        wide = summary.pivot(index="year", columns="metric", values="value")
        return wide[list(self.metrics)].sum(axis=1)


@dataclass
class CalibrationConfig:
    """A validated calibration configuration (``name`` is safe as a folder name)."""

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
    content: dict[str, Any] = field(default_factory=dict)

    @property
    def noise_model(self) -> bool:
        """Whether ABC accepts by the targets' stated errors (``[abc] acceptance``)."""
        return self.abc.get("acceptance") == "noise_model"

    @property
    def end_year(self) -> int:
        """Last year simulated: the last fit or held-out year."""
        return max(self.fit_years + self.holdout_years)

    def observations(self, years: list[int]) -> dict[str, np.ndarray]:
        """Observed values of every target in ``years`` (NaN where there is none)."""
        return {t.name: t.observed(self.observed).reindex(years).to_numpy(dtype=float)
                for t in self.targets}

    def identity(self, method: str) -> dict[str, str]:
        """What a run's database belongs to: hashes of everything that shapes the fit.

        Covers the config's content except its stopping settings (:data:`STOPPING`), so a
        run can be resumed with more generations or trials; the observations of its targets;
        the resolved scenario; the model's data and code; the fitting code (:data:`FIT_CODE`);
        the method.

        Returns:
            ``identity`` (24 hex digits) and, for people, ``config_hash`` and ``code_version``.

        """
        content = json.loads(json.dumps(self.content))
        for path in STOPPING:
            holder = content
            for part in path[:-1]:
                holder = holder.get(part, {})
            holder.pop(path[-1], None)
        for key in ("name", "description"):
            content.pop(key, None)
        for target in content.get("targets", []):
            target.pop("mapping", None)
            target.pop("noise_source", None)
        used = pd.concat([self.observed[(self.observed["series"] == t.series)
                                        & (self.observed["region"] == t.region)]
                          for t in self.targets])
        config_hash = _digest({"config": content,
                               "observed": used[["series", "region", "year", "value",
                                                 "unit"]].to_csv(index=False)})
        project = Path(__file__).resolve().parents[1]
        engine = hashlib.sha256(b"".join((project / name).read_bytes()
                                         for name in FIT_CODE)).hexdigest()[:16]
        identity = _digest({"config": config_hash, "method": method,
                            "scenario": scenario_hash(load_scenario(self.scenario)),
                            "data": data_hash(), "code": code_hash(), "calibration": engine})
        return {"identity": identity[:24], "config_hash": config_hash[:16],
                "code_version": code_version()}


def _digest(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# ------------------------------------------------------------------ checks beyond the schema
def _unique(values: list[Any], where: str, name: str) -> None:
    seen = set()
    for value in values:
        if value in seen:
            raise ParameterError(f"{where}: field {name!r} lists {value!r} twice; allowed: "
                                 "each once")
        seen.add(value)


def _parameters(entries: tuple[ParameterEntry, ...] | list[ParameterEntry], where: str
                ) -> list[FreeParameter]:
    table = parameter_table()
    _unique([p.key for p in entries], where, "parameters.key")
    parameters = []
    for i, item in enumerate(entries):
        here = f"{where}, parameters[{i}]"
        if item.key not in table:
            raise ParameterError(f"{here}: field 'key' is {item.key!r}, not a parameter of "
                                 "data/parameters.csv")
        spec = table[item.key]
        low = spec.min if item.min is None else item.min
        high = spec.max if item.max is None else item.max
        if not spec.min <= low < high <= spec.max:
            raise ParameterError(f"{here}: bounds [{low:g}, {high:g}] for {item.key!r} (fields "
                                 f"'min', 'max') must lie in {spec.range_text} with min < "
                                 "max")
        parameters.append(FreeParameter(item.key, float(low), float(high)))
    return parameters


def _target(item: TargetEntry, here: str, observed: pd.DataFrame, scenario: str,
            fit_years: list[int]) -> CalibrationTarget:
    metrics = (item.metric,) if isinstance(item.metric, str) else tuple(item.metric)
    _unique(list(metrics), here, "metric")
    catalogue = summary_metrics(scenario)
    for metric in metrics:
        if metric not in catalogue:
            raise ParameterError(f"{here}: field 'metric' is {metric!r}, not an annual-summary "
                                 f"metric of scenario {scenario!r}; allowed: {sorted(catalogue)}")
    units = {catalogue[m].unit for m in metrics}
    if len(units) > 1:
        raise ParameterError(f"{here}: field 'metric' sums {list(metrics)} in different units "
                             f"{sorted(units)}; allowed: metrics of one unit")
    unit = units.pop()
    kinds = {catalogue[m].kind for m in metrics} - {"either"}
    if kinds and kinds != {item.kind}:
        raise ParameterError(f"{here}: field 'kind' is {item.kind!r} but the model metric(s) "
                             f"{list(metrics)} are a {'/'.join(sorted(kinds))}; allowed: "
                             f"{'/'.join(sorted(kinds))!r}")
    try:
        series = observed_series(observed, item.series, item.region)
    except ObservedDataError as error:
        raise ObservedDataError(f"{here}: fields 'series', 'region': {error}") from None
    obs_unit = observed_unit(observed, item.series, item.region)
    share = unit == SHARE_UNIT and any("share" in m for m in metrics)
    if share and obs_unit != SHARE_UNIT:
        raise ParameterError(f"{here}: observed series {item.series!r} ({item.region}) has "
                             f"unit {obs_unit!r} but metric {list(metrics)} is a share; allowed: "
                             f"unit {SHARE_UNIT!r} (a fraction 0-1)")
    if not share and obs_unit == SHARE_UNIT and unit != SHARE_UNIT:
        raise ParameterError(f"{here}: observed series {item.series!r} ({item.region}) is a "
                             f"share (unit 1) but metric {list(metrics)} is in {unit!r}; allowed: "
                             "a share metric")
    if obs_unit != unit and obs_unit != SHARE_UNIT and item.factor == 1.0:
        raise ParameterError(f"{here}: observed series {item.series!r} is in {obs_unit!r} and "
                             f"the model metric in {unit!r}, but field 'factor' is 1; allowed: "
                             "a factor converting the observation to the model's unit")
    mapped = series * item.factor
    if share and not ((mapped >= 0) & (mapped <= 1)).all():
        bad = mapped[(mapped < 0) | (mapped > 1)]
        raise ParameterError(f"{here}: observed share {item.series!r} ({item.region}) in "
                             f"{int(bad.index[0])} is {float(bad.iloc[0]):g} after factor "
                             f"{item.factor:g}; allowed: 0 to 1")
    in_fit = [y for y in fit_years if y in series.index]
    if not in_fit:
        raise ParameterError(f"{here}: observed series {item.series!r} ({item.region}) has no "
                             f"observation in the fit years {fit_years} (field 'fit_years'); "
                             f"it has {list(map(int, series.index))}. Nothing would be fitted")
    if item.distance == "rel" and not (mapped.loc[in_fit].abs() > 0).any():
        raise ParameterError(f"{here}: field 'distance' is 'rel' but the observations of "
                             f"{item.series!r} in the fit years are all 0; allowed: 'abs' (a "
                             "relative error needs a non-zero scale)")
    return CalibrationTarget(name=item.name, series=item.series, region=item.region,
                             metrics=metrics, kind=item.kind, factor=item.factor,
                             weight=item.weight, distance=item.distance, mapping=item.mapping,
                             noise_sd=item.noise_sd,
                             file_name=safe_name(item.name, f"{here}: field 'name'"))


def parse_config(tree: dict[str, Any], where: str, observed_path: Path | None = None,
                 flags: dict[str, str] | None = None) -> CalibrationConfig:
    """Validate a parsed calibration config.

    Args:
        tree: The parsed TOML (with any command-line overrides applied).
        where: The file (or other origin) named in messages.
        observed_path: An observed-data CSV replacing the config's ``observed``.
        flags: Command-line flags by the field they set (named in messages).

    Raises:
        ParameterError: Naming the file or flag, the field, the value and what is allowed.

    """
    flags = flags or {}
    try:
        spec = ConfigFile.model_validate(tree)
    except ValidationError as error:
        raise _schema_error(error, where, flags) from None
    name = safe_name(spec.name, f"{where}: field 'name'")
    for key in ("seeds", "fit_years", "holdout_years"):
        _unique(list(getattr(spec, key)), flags.get(key, where), key)
    fit_years, holdout_years = sorted(spec.fit_years), sorted(spec.holdout_years)
    overlap = sorted(set(fit_years) & set(holdout_years))
    if overlap:
        raise ParameterError(f"{where}: fields 'fit_years' and 'holdout_years' share {overlap}; "
                             "allowed: a held-out year is never fitted")
    try:
        scenario = load_scenario(spec.scenario)
    except ParameterError as error:
        raise ParameterError(f"{where}: field 'scenario' is {spec.scenario!r}: {error}") from None
    start = int(scenario.params["run.start_year"])
    if fit_years[0] < start or (holdout_years and holdout_years[0] < start):
        raise ParameterError(f"{where}: fields 'fit_years'/'holdout_years' start before the "
                             f"scenario's first year {start}; allowed: {start}-{LAST_YEAR}")
    parameters = _parameters(spec.parameters, where)
    try:
        observed = load_observed(observed_path or spec.observed)
    except ObservedDataError as error:
        source = ("--observed" if observed_path else
                  f"{where}: field 'observed'" if spec.observed else "shipped observed data")
        raise ObservedDataError(f"{source}: {error}") from None
    targets = []
    _unique([t.name for t in spec.targets], where, "targets.name")
    for i, item in enumerate(spec.targets):
        targets.append(_target(item, f"{where}, targets[{i}]", observed, spec.scenario,
                               fit_years))
    _unique([t.file_name for t in targets], where, "targets.name (as a file name)")
    if spec.abc.acceptance == "noise_model":
        if "min_epsilon" in spec.abc.model_fields_set:
            raise ParameterError(f"{where}: field "
                                 f"'abc.min_epsilon' is {spec.abc.min_epsilon!r} but [abc] "
                                 "acceptance is 'noise_model', which has no tolerance (it stops "
                                 "at temperature 1); allowed: leave it out")
        for i, item in enumerate(spec.targets):
            if "weight" in item.model_fields_set:
                raise ParameterError(f"{where}, targets[{i}]: field 'weight' is {item.weight!r} "
                                     "but [abc] acceptance is 'noise_model', where noise_sd "
                                     "weighs the targets; allowed: leave it out")
            for key in ("noise_sd", "noise_source"):
                if not getattr(item, key):
                    raise ParameterError(
                        f"{where}, targets[{i}]: field {key!r} is {getattr(item, key)!r} but "
                        "[abc] acceptance is 'noise_model'; allowed: "
                        + ("a standard deviation > 0 in the model's unit" if key == "noise_sd"
                           else "the source or reasoning of noise_sd"))
    if holdout_years and not any(t.observed(observed).index.isin(holdout_years).any()
                                 for t in targets):
        raise ParameterError(f"{where}: field 'holdout_years' is {holdout_years} but no target "
                             "has an observation in those years; allowed: years with "
                             "observations (or no held-out years)")
    return CalibrationConfig(
        name=name, scenario=spec.scenario, scale=spec.scale, seeds=list(spec.seeds),
        fit_years=fit_years, holdout_years=holdout_years, parameters=parameters,
        targets=targets, observed=observed, abc=spec.abc.model_dump(),
        optuna=spec.optuna.model_dump(), predictive_samples=spec.predictive_samples,
        description=spec.description, content=spec.model_dump(mode="json"))


def config_path(name_or_path: str | Path) -> Path:
    """The file of a config given by name (``calibration/configs/<name>.toml``) or path."""
    path = Path(name_or_path)
    text = str(name_or_path)
    if path.is_file():
        return path
    shipped = CONFIG_DIR / f"{text}.toml"
    if text and "/" not in text and not text.startswith(".") and shipped.is_file():
        return shipped  # a shipped name, even if a folder of that name is here
    if path.exists() or path.is_symlink():
        return path  # read_config names what is wrong with it
    known = sorted(p.stem for p in CONFIG_DIR.glob("*.toml"))
    raise ParameterError(f"calibration config {text!r} not found; allowed: a file or one of "
                         f"{known}")


def read_config(path: Path) -> dict[str, Any]:
    """The parsed TOML of a config file (bounded size, UTF-8, no runaway nesting)."""
    return read_user_toml(path, "calibration config", MAX_CONFIG_BYTES)


def load_config(name_or_path: str | Path, observed_path: Path | None = None,
                overrides: dict[str, tuple[str, Any]] | None = None) -> CalibrationConfig:
    """Load a config by name or path, with optional command-line overrides.

    Args:
        name_or_path: A shipped config's name or a file.
        observed_path: An observed-data CSV replacing the config's.
        overrides: ``{dotted field: (flag, value)}``, e.g.
            ``{"abc.population_size": ("--population-size", 20)}``.

    """
    path = config_path(name_or_path)
    tree = read_config(path)
    flags = {}
    for dotted, (flag, value) in (overrides or {}).items():
        holder = tree
        *parents, last = dotted.split(".")
        for part in parents:
            holder = holder.setdefault(part, {})
            if not isinstance(holder, dict):
                raise ParameterError(f"{path}: field {part!r} is not a table")
        holder[last] = value
        flags[dotted] = flag
    return parse_config(tree, str(path), observed_path, flags)
