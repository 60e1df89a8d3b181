"""Experiment files: scenarios × lever values × uncertain parameters × seeds, validated.

File layout (``experiments/<name>.toml``)::

    name = "levers_vs_baseline"          # results go to results/<name>/
    description = "..."
    scenarios = ["baseline"]             # names in data/scenarios or TOML paths
    seeds = [1, 2, 3]                    # a list of seeds, or a count n (seeds 0 … n-1)
    scale = 300                          # real entities per agent
    end_year = 2035
    outputs = ["peak_year", "co2_2030_mt", "nev_share_2030@2030"]   # optional
    series = ["co2_total"]               # optional annual metrics kept per run

    [design]
    method = "one_at_a_time"             # grid | one_at_a_time | lhs | sobol | morris
    n = 32                               # lhs: samples; sobol: base samples; morris: trajectories
    seed = 0                             # seed of the sampler
    all_levers = true                    # one_at_a_time: also a point with every lever applied

    [[levers]]                           # a model parameter …
    name = "grid"
    parameter = "grid.decline_after_2023"
    values = [0.035]                     # grid / one_at_a_time: the values to run
    # min = 0.02, max = 0.05             # lhs / sobol / morris: the range to sample

    [[levers]]                           # … or a policy level
    name = "pv_household"
    policy = "pv_subsidy"                # policy kind
    group = "household"                  # optional: only the policies of that group (or vehicle
                                         # type, or sector: the kind's option value)
    field = "level"                      # optional: the level field (default: the first)
    mode = "scale"                       # scale (multiply the level) or set (replace it)
    source = "plan"                      # optional: take this kind's policies from that scenario
    start = 2023                         # optional: year span for a policy the scenario lacks
    end = 2030
    values = [1.0]

    [uncertainty]                        # parameters nobody controls, sampled by Latin hypercube
    samples = 4                          # grid / one_at_a_time: points × samples (0 = defaults)
    posterior = ["transport"]            # optional: each sample also draws one particle of
                                         # these fits' posteriors (grid / one_at_a_time only)
    [uncertainty.parameters]
    "economy.industry_growth" = [0.03, 0.07]     # [min, max] inside the parameter's range
    "behaviour.vehicle_ev.beta_econ" = { range = [1.0, 3.0], outside_posterior = "why" }

In ``lhs``, ``sobol`` and ``morris`` designs the uncertain parameters are sampled together with
the levers (they are factors of the sensitivity analysis); ``uncertainty.samples`` is then not
used. The file's structure is validated by pydantic models and its content against the
parameter table, the policy registry, the scenarios and the calibration: errors name the file,
the field, the value and what is allowed. A parameter fitted by a calibration the scenarios
include may be varied only inside its posterior 5-95 % range, unless the lever or uncertain
parameter says why (``outside_posterior = "..."``); the report lists every such choice.
``uncertainty.posterior`` propagates a fit's uncertainty instead: every uncertainty sample
takes one particle of the fit's ABC posterior (``posterior.csv`` beside the calibrated file
the scenarios include, drawn with its weights), so the fitted parameters vary jointly, with
their correlations, as the data left them.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from abm.files import MAX_TOML_BYTES, MAX_TOML_DEPTH, read_user_toml, toml_depth
from abm.identity import ROOT, code_hash, data_hash, run_identity
from abm.limits import FIRST_YEAR, LAST_YEAR, POLICY_YEARS, SCALE_MAX, SCALE_MIN
from abm.params import ParameterError, parameter_table
from abm.policies import POLICY_TYPES, Policy, check_overlaps, make_policy
from abm.posterior import PosteriorError, draw_particles, read_particles
from abm.scenario import SCENARIO_DIR, Scenario, available_scenarios, load_scenario

log = logging.getLogger("experiments")
EXPERIMENT_DIR = Path(__file__).resolve().parent
METHODS = ("grid", "one_at_a_time", "lhs", "sobol", "morris")
SAMPLED = ("lhs", "sobol", "morris")
MAX_FILE_BYTES = MAX_TOML_BYTES
"""Largest experiment (or scenario) file read, bytes."""
MAX_DEPTH = MAX_TOML_DEPTH
"""Deepest nesting of tables and arrays accepted in an experiment file."""
MAX_RUNS = 20_000
"""Largest design accepted without ``allow_large`` (``--allow-large``)."""
MAX_RUNS_LARGE = 200_000
"""Largest design accepted at all (the design and run identities are built in memory)."""
MAX_SEED = 2**31 - 1
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$"
NAME_CHARS = ("letters, digits, '-' and '_', starting with a letter or digit (1-80 characters; "
              "it names a results folder or column)")
OUTSIDE_POSTERIOR_TOL = 1e-9


class ExperimentError(ParameterError):
    """An experiment file is not valid; the message names the field, the value and the rule."""


# ---------------------------------------------------------------------- validated spec
@dataclass(frozen=True)
class Lever:
    """One thing the experiment varies: a parameter or a policy level."""

    name: str
    parameter: str | None = None
    policy: str | None = None
    group: str | None = None
    field: str | None = None
    mode: str = "scale"
    source: str | None = None
    start: int | None = None
    end: int | None = None
    values: tuple[float, ...] = ()
    min: float | None = None
    max: float | None = None
    default: float | None = None
    outside_posterior: str | None = None

    @property
    def column(self) -> str:
        """Column of this lever's value in design and result tables."""
        return f"lever.{self.name}"

    def matches(self, policy: Policy) -> bool:
        """Whether a policy is one this lever acts on."""
        return policy.kind == self.policy and (self.group is None
                                               or self.group in policy.choice.values())

    def bounds(self) -> tuple[float, float]:
        """Sampling range (min, max)."""
        assert self.min is not None and self.max is not None
        return self.min, self.max

    def span(self) -> tuple[float, float]:
        """The smallest and largest value the lever takes (range or listed values)."""
        if self.min is not None and self.max is not None:
            return self.min, self.max
        return min(self.values), max(self.values)


@dataclass(frozen=True)
class PosteriorCheck:
    """A varied parameter that a calibration fitted: its range against the posterior."""

    parameter: str
    role: str
    low: float
    high: float
    p05: float
    p95: float
    source: str
    reason: str | None = None

    @property
    def inside(self) -> bool:
        """Whether the range stays inside the posterior 5-95 % range."""
        return (self.low >= self.p05 - OUTSIDE_POSTERIOR_TOL
                and self.high <= self.p95 + OUTSIDE_POSTERIOR_TOL)


@dataclass(frozen=True)
class PosteriorDraws:
    """One fit's posterior particles drawn for the uncertainty samples (one row per sample)."""

    fit: str
    source: str
    particles: int
    draws: pd.DataFrame
    """Sample × fitted parameter (columns: parameter keys), each row one particle."""


@dataclass
class ExperimentSpec:
    """A validated experiment."""

    name: str
    scenarios: list[Scenario]
    seeds: list[int]
    scale: float = 300.0
    end_year: int = 2035
    method: str = "grid"
    n: int = 0
    design_seed: int = 0
    all_levers: bool = False
    num_levels: int = 4
    levers: list[Lever] = field(default_factory=list)
    uncertain: dict[str, tuple[float, float]] = field(default_factory=dict)
    uncertainty_samples: int = 0
    outputs: list[str] = field(default_factory=list)
    series: list[str] = field(default_factory=list)
    description: str = ""
    sources: dict[str, Scenario] = field(default_factory=dict)
    path: Path | None = None
    posterior: list[PosteriorCheck] = field(default_factory=list)
    uncertain_reasons: dict[str, str] = field(default_factory=dict)
    posterior_draws: list[PosteriorDraws] = field(default_factory=list)

    # ------------------------------------------------------------------ factors
    def factors(self) -> list[tuple[str, float, float]]:
        """Sampled factors (column, min, max): levers, then uncertain parameters."""
        out = []
        if self.method in SAMPLED:
            out += [(lv.column, *lv.bounds()) for lv in self.levers]
        out += [(f"param.{k}", lo, hi) for k, (lo, hi) in self.uncertain.items()]
        return out

    def salib_problem(self) -> dict[str, Any]:
        """The SALib problem of a sensitivity design (names are table columns)."""
        factors = self.factors()
        return {"num_vars": len(factors), "names": [f[0] for f in factors],
                "bounds": [[f[1], f[2]] for f in factors]}

    def points_count(self) -> int:
        """Number of design points per scenario and seed, computed without building them."""
        return design_points(self.method, self.n, [len(lv.values) for lv in self.levers],
                             len(self.factors()), self.all_levers,
                             self.uncertainty_samples if self.uncertain else 0)

    def run_count(self) -> int:
        """Number of planned runs (design rows), computed without building the design."""
        return self.points_count() * len(self.scenarios) * len(self.seeds)

    # ------------------------------------------------------------------ design
    def design(self, **extra: Any) -> pd.DataFrame:
        """Every run: one row per (scenario, point, uncertainty sample, seed).

        ``point`` numbers the lever settings (in sampled designs, the sample points) and
        ``sample`` the uncertainty sample. Columns: ``run_id, point, scenario, seed, sample,
        varied``, one ``lever.<name>`` column per lever (NaN: lever not applied, the scenario
        as written) and one ``param.<key>`` column per uncertain parameter (NaN: the
        scenario's value). ``run_id`` is the run's identity
        (:func:`abm.identity.run_identity` of the resolved scenario with the row's levers and
        parameters applied, scale, seed, end year, data and code, plus ``extra``): two rows
        share it only when they would compute the same thing.
        """
        points = self._points()
        rows = []
        for scenario in self.scenarios:
            for point in points:
                for seed in self.seeds:
                    rows.append({"scenario": scenario.name, "seed": int(seed), **point})
        frame = pd.DataFrame(rows)
        cols = ["run_id", "point", "scenario", "seed", "sample", "varied"]
        cols += [lv.column for lv in self.levers] + [f"param.{k}" for k in self.uncertain]
        for col in cols:
            if col not in frame:
                frame[col] = np.nan
        built: dict[tuple[str, int, int], Scenario | None] = {}
        ids = []
        for row in frame.to_dict("records"):
            # Rows of one scenario, point and uncertainty sample differ only by seed.
            key = (row["scenario"], int(row["point"]), int(row["sample"]))
            if key not in built:
                built[key] = self._try_build(row)
            ids.append(self.identity(row, built[key], **extra))
        frame["run_id"] = ids
        return frame[cols]

    def _try_build(self, row: dict[str, Any]) -> Scenario | None:
        try:
            return self.build_scenario(row)
        except ValueError:  # ParameterError included: the run will be recorded as failed
            return None

    def identity(self, row: dict[str, Any], scenario: Scenario | None = None,
                 **extra: Any) -> str:
        """The identity of one design row's run (see :meth:`design`).

        Args:
            row: A design row.
            scenario: The row's built scenario, if already built (else it is built here).
            **extra: Anything else that produces the result (JSON-serialisable).

        """
        scenario = scenario if scenario is not None else self._try_build(row)
        if scenario is None:
            # It cannot be built (the run will be recorded as failed): identify it by its
            # inputs, data and code instead.
            key = {k: (None if isinstance(v, float) and math.isnan(v) else v)
                   for k, v in row.items() if k.startswith(("lever.", "param."))}
            text = json.dumps({"unbuildable": row["scenario"], "inputs": key,
                               "seed": int(row["seed"]), "scale": float(self.scale),
                               "end_year": int(self.end_year), "data": data_hash(),
                               "code": code_hash(), **extra}, sort_keys=True, default=str)
            return "x" + hashlib.sha256(text.encode()).hexdigest()[:23]
        return run_identity(scenario, scale=self.scale, seed=int(row["seed"]),
                            end_year=self.end_year, **extra)

    def _points(self) -> list[dict[str, Any]]:
        levers = self.levers
        if self.method in SAMPLED:
            names = [f[0] for f in self.factors()]
            matrix = _round_integers(sample_matrix(self), names)
            return [{"point": i, "sample": i, "varied": self.method,
                     **dict(zip(names, map(float, row), strict=True))}
                    for i, row in enumerate(matrix)]
        if self.method == "grid":
            lever_points: list[dict[str, Any]] = [{}]
            for lever in levers:
                lever_points = [{**pt, lever.column: v} for pt in lever_points
                                for v in lever.values]
            lever_points = [{"varied": "grid", **pt} for pt in lever_points]
        else:  # one_at_a_time
            ref = {lv.column: (lv.default if lv.default is not None else np.nan)
                   for lv in levers}
            lever_points = [{"varied": "reference", **ref}]
            for lever in levers:
                lever_points += [{**ref, "varied": lever.name, lever.column: v}
                                 for v in lever.values]
            if self.all_levers:
                lever_points.append({"varied": "all_levers",
                                     **{lv.column: lv.values[0] for lv in levers}})
        unc = uncertainty_matrix(self)
        if unc is None:
            return [{"point": p, "sample": 0, **pt} for p, pt in enumerate(lever_points)]
        names = [f"param.{k}" for k in self.uncertain]
        unc = _round_integers(unc, names)
        return [{**pt, "point": p, "sample": s, **dict(zip(names, map(float, row), strict=True))}
                for p, pt in enumerate(lever_points) for s, row in enumerate(unc)]

    # ------------------------------------------------------------------ scenarios
    def build_scenario(self, row: pd.Series | dict[str, Any]) -> Scenario:
        """The validated scenario of one design row (levers and parameters applied)."""
        base = next(s for s in self.scenarios if s.name == row["scenario"])
        overrides: dict[str, Any] = {}
        policies = base.fresh_policies()
        for lever in self.levers:
            value = row.get(lever.column, np.nan)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            if lever.parameter:
                overrides[lever.parameter] = _typed(lever.parameter, value)
            else:
                policies = apply_policy_lever(policies, lever, float(value), self.sources,
                                              f"{self.name}, lever {lever.name!r}")
        for key in self.uncertain:
            value = row.get(f"param.{key}", np.nan)
            if not (isinstance(value, float) and math.isnan(value)):
                overrides[key] = _typed(key, value)
        check_overlaps(policies, f"{self.name}, scenario {base.name!r}")
        params = base.params.with_overrides(overrides, f"experiment {self.name!r}")
        return Scenario(base.name, params, policies, base.description)


def design_points(method: str, n: int, values_per_lever: list[int], factors: int,
                  all_levers: bool, samples: int) -> int:
    """Design points per scenario and seed, by arithmetic only (no design is built)."""
    if method == "lhs":
        return n
    if method == "sobol":
        return n * (factors + 2)
    if method == "morris":
        return n * (factors + 1)
    if method == "grid":
        points = math.prod(values_per_lever)
    else:
        points = 1 + sum(values_per_lever) + int(all_levers)
    return points * max(samples, 1)


def _round_integers(matrix: np.ndarray, names: list[str]) -> np.ndarray:
    """Round the sampled columns of integer parameters, so the design holds what runs."""
    table = parameter_table()
    matrix = np.array(matrix, dtype=float)
    for j, name in enumerate(names):
        key = name.removeprefix("param.")
        if key in table and table[key].type == "int":
            matrix[:, j] = np.round(matrix[:, j])
    return matrix


def _typed(key: str, value: float) -> float | int:
    spec = parameter_table()[key]
    if spec.type == "int":
        if float(value) != round(value):
            raise ExperimentError(f"parameter {key!r}: got {value!r}; allowed: an integer")
        return round(value)
    return float(value)


def apply_policy_lever(policies: list[Policy], lever: Lever, value: float,
                       sources: dict[str, Scenario], where: str) -> list[Policy]:
    """Policies with one lever applied (scale or set the level of matching policies)."""
    policies = copy.deepcopy(policies)
    if lever.source:
        taken = [p for p in sources[lever.source].fresh_policies() if lever.matches(p)]
        policies = [p for p in policies if not lever.matches(p)] + taken
    targets = [p for p in policies if lever.matches(p)]
    cls = POLICY_TYPES[lever.policy or ""]
    field_name = lever.field or next(iter(cls.fields))
    spec = cls.fields[field_name]
    if not targets:
        if lever.start is None or lever.end is None:
            raise ExperimentError(f"{where}: no {lever.policy!r} policy"
                                  f"{f' for group {lever.group!r}' if lever.group else ''} in "
                                  "the scenario to act on; allowed: give 'start' and 'end' so "
                                  "the lever adds one, or a 'source' scenario that has one")
        level = value if lever.mode == "set" else (spec.default or 0.0) * value
        table: dict[str, Any] = {"kind": lever.policy, "start": lever.start, "end": lever.end,
                                 field_name: level}
        if lever.group:
            table[option_values(cls)[lever.group]] = lever.group
        for other, other_spec in cls.fields.items():
            if other not in table and other_spec.default is None:
                table[other] = other_spec.min
        policies.append(make_policy(table, where))
        return policies
    for policy in targets:
        level = value if lever.mode == "set" else policy.levels[field_name] * value
        if not spec.min <= level <= spec.max:
            raise ExperimentError(f"{where}: {lever.mode} {value:g} makes {policy.name!r} "
                                  f"{field_name} = {level:g}; allowed: [{spec.min:g}, "
                                  f"{spec.max:g}] {spec.unit}")
        policy.levels[field_name] = float(level)
    return policies


# ---------------------------------------------------------------------- sampling
def sample_matrix(spec: ExperimentSpec) -> np.ndarray:
    """Sample points of an lhs / sobol / morris design (rows × factors), reproducible."""
    problem = spec.salib_problem()
    if spec.method == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=problem["num_vars"], seed=spec.design_seed).random(spec.n)
        lo, hi = np.array(problem["bounds"]).T
        return lo + unit * (hi - lo)
    if spec.method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, spec.n, calc_second_order=False, seed=spec.design_seed)
    from SALib.sample import morris

    return morris.sample(problem, spec.n, num_levels=spec.num_levels, seed=spec.design_seed)


def uncertainty_matrix(spec: ExperimentSpec) -> np.ndarray | None:
    """Samples × uncertain parameters (grid / one_at_a_time designs), columns as ``uncertain``.

    Ranged parameters: a Latin hypercube; a posterior's parameters: its drawn particles.
    """
    if not spec.uncertain or spec.uncertainty_samples == 0:
        return None
    from scipy.stats import qmc

    drawn = {key: draw.draws[key].to_numpy() for draw in spec.posterior_draws
             for key in draw.draws.columns}
    ranged = [key for key in spec.uncertain if key not in drawn]
    out = np.empty((spec.uncertainty_samples, len(spec.uncertain)))
    if ranged:
        unit = qmc.LatinHypercube(d=len(ranged),
                                  seed=spec.design_seed + 1).random(spec.uncertainty_samples)
        lo, hi = np.array([spec.uncertain[key] for key in ranged]).T
        sampled = dict(zip(ranged, (lo + unit * (hi - lo)).T, strict=True))
    else:
        sampled = {}
    for j, key in enumerate(spec.uncertain):
        out[:, j] = drawn[key] if key in drawn else sampled[key]
    return out


# ---------------------------------------------------------------------- file structure
_YEAR = f"a year (integer) in [{POLICY_YEARS[0]}, {POLICY_YEARS[1]}]"


def option_values(cls: type[Policy]) -> dict[str, str]:
    """Each value a policy kind's options allow → its option: what a lever's ``group`` may name.

    E.g. ``household`` → ``group`` (PV subsidy), ``van`` → ``vtype`` (NEV mandate),
    ``ceramics`` → ``sector`` (ETS expansion).
    """
    return {value: option for option, values in cls.options.items() for value in values}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class LeverModel(_Model):
    """One ``[[levers]]`` table as written (content is checked by :func:`parse_experiment`)."""

    name: str = Field(pattern=NAME_PATTERN, description=NAME_CHARS)
    parameter: str | None = Field(None, description="a key of data/parameters.csv (text)")
    policy: str | None = Field(None, description="a policy kind (text)")
    group: str | None = Field(None, description="a group, vehicle type or sector the policy "
                                                "kind offers (text)")
    field: str | None = Field(None, description="a level field of the policy kind (text)")
    mode: Literal["scale", "set"] = Field("scale", description="'scale' or 'set'")
    source: str | None = Field(None, description="a scenario name or TOML path")
    start: int | None = Field(None, ge=POLICY_YEARS[0], le=POLICY_YEARS[1], description=_YEAR)
    end: int | None = Field(None, ge=POLICY_YEARS[0], le=POLICY_YEARS[1], description=_YEAR)
    values: list[Annotated[float, Field(allow_inf_nan=False)]] | None = Field(
        None, min_length=1, max_length=1000,
        description="a non-empty list of finite numbers (at most 1000)")
    min: float | None = Field(None, allow_inf_nan=False, description="a finite number")
    max: float | None = Field(None, allow_inf_nan=False, description="a finite number")
    default: float | None = Field(None, allow_inf_nan=False, description="a finite number")
    outside_posterior: str | None = Field(
        None, min_length=1, max_length=2000,
        description="text (1-2000 characters) saying why the lever leaves a calibrated "
                    "parameter's posterior 5-95 % range")


class DesignModel(_Model):
    """The ``[design]`` table."""

    method: Literal["grid", "one_at_a_time", "lhs", "sobol", "morris"] = Field(
        "grid", description=f"one of {list(METHODS)}")
    n: int | None = Field(None, ge=1, le=1_000_000,
                          description="an integer in [1, 1000000] (lhs, sobol, morris only)")
    seed: int = Field(0, ge=0, le=MAX_SEED, description=f"an integer in [0, {MAX_SEED}]")
    all_levers: bool | None = Field(None, description="true or false (one_at_a_time only)")
    num_levels: int | None = Field(None, ge=2, le=20,
                                   description="an integer in [2, 20] (morris only)")


class UncertainModel(_Model):
    """One uncertain parameter: ``[min, max]`` or ``{range = [min, max], outside_posterior}``."""

    range: list[Annotated[float, Field(allow_inf_nan=False)]] = Field(
        min_length=2, max_length=2, description="[min, max]: two finite numbers")
    outside_posterior: str | None = Field(
        None, min_length=1, max_length=2000,
        description="text (1-2000 characters) saying why the range leaves the calibrated "
                    "posterior 5-95 % range")


class UncertaintyModel(_Model):
    """The ``[uncertainty]`` table."""

    samples: int | None = Field(None, ge=0, le=100_000,
                                description="an integer in [0, 100000]")
    parameters: dict[str, UncertainModel] = Field(
        default_factory=dict, description='a table of "key" = [min, max]')
    posterior: list[Annotated[str, Field(pattern=NAME_PATTERN)]] | None = Field(
        None, min_length=1, max_length=10,
        description="a non-empty list of calibration names the scenarios include, e.g. "
                    '["transport"]')


class ExperimentModel(_Model):
    """An experiment file as written."""

    name: str = Field(pattern=NAME_PATTERN, description=NAME_CHARS)
    description: str = Field("", max_length=20_000, description="text")
    scenarios: list[str] = Field(["baseline"], min_length=1, max_length=50,
                                 description="a non-empty list (at most 50) of scenario names "
                                             "or TOML paths")
    seeds: int | list[int] = Field(
        [0], description=f"a count in [1, 10000] or a non-empty list (at most 10000) of "
                         f"distinct integers in [0, {MAX_SEED}]")
    scale: float = Field(300.0, ge=SCALE_MIN, le=SCALE_MAX, allow_inf_nan=False,
                         description=f"a number in [{SCALE_MIN:g}, {SCALE_MAX:g}] (real "
                                     "entities per agent)")
    end_year: int = Field(2035, ge=FIRST_YEAR, le=LAST_YEAR,
                          description=f"an integer in [{FIRST_YEAR}, {LAST_YEAR}]")
    outputs: list[str] | None = Field(None, min_length=1, max_length=200,
                                      description="a non-empty list of output names")
    series: list[str] | None = Field(None, max_length=200,
                                     description="a list of annual metrics")
    design: DesignModel = Field(default_factory=DesignModel, description="a table ([design])")
    levers: list[LeverModel] = Field(default_factory=list, max_length=100,
                                     description="an array of tables ([[levers]]), at most 100")
    uncertainty: UncertaintyModel = Field(default_factory=UncertaintyModel,
                                          description="a table ([uncertainty])")


_NESTED: dict[tuple[type[BaseModel], str], type[BaseModel]] = {
    (ExperimentModel, "design"): DesignModel, (ExperimentModel, "levers"): LeverModel,
    (ExperimentModel, "uncertainty"): UncertaintyModel,
    (UncertaintyModel, "parameters"): UncertainModel,
}


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _explain(error: ValidationError, where: str, tree: dict[str, Any]) -> ExperimentError:
    """Turn pydantic's errors into one message naming file, field, value and what is allowed."""
    lines = []
    for item in error.errors()[:5]:
        model: type[BaseModel] | None = ExperimentModel
        fields = sorted(ExperimentModel.model_fields)
        parts: list[str] = []
        allowed = ""
        loc = item["loc"]
        skip = -1
        for i, part in enumerate(loc):
            if i == skip:
                continue
            if isinstance(part, int):
                if parts:
                    parts[-1] += f"[{part}]"
                continue
            if model is not None and part in model.model_fields:
                allowed = model.model_fields[part].description or ""
                fields = sorted(model.model_fields)
                parts.append(part)
                nxt = _NESTED.get((model, part))
                if nxt is UncertainModel and i + 1 < len(loc):  # a dict key: the parameter
                    parts.append(f'"{loc[i + 1]}"')
                    skip = i + 1
                model = nxt
            elif model is None:
                continue
            else:
                fields = sorted(model.model_fields)
                parts.append(str(part))
                break
        path = ".".join(parts) if parts else "?"
        lever = ""
        if len(loc) > 1 and loc[0] == "levers" and isinstance(loc[1], int):
            raw = tree.get("levers", [])
            name = raw[loc[1]].get("name") if loc[1] < len(raw) and isinstance(
                raw[loc[1]], dict) else None
            lever = f"lever {name!r}: " if isinstance(name, str) else ""
        kind = item["type"]
        if kind == "extra_forbidden":
            lines.append(f"{where}: {lever}unknown field {path!r}; allowed: {fields}")
        elif kind == "missing":
            lines.append(f"{where}: {lever}field {path!r} is missing; allowed: {allowed}")
        else:
            lines.append(f"{where}: {lever}field {path!r} is {_short(item['input'])}; "
                         f"allowed: {allowed}")
    lines = list(dict.fromkeys(lines))  # a union type reports each alternative
    more = len(error.errors()) - 5
    return ExperimentError("\n".join(lines) + (f"\n({more} more errors)" if more > 0 else ""))


# ---------------------------------------------------------------------- reading files
def read_toml_file(path: Path, what: str = "experiment file") -> dict[str, Any]:
    """Read a TOML file safely: a regular file, at most ``MAX_FILE_BYTES``, UTF-8, not too deep.

    Raises:
        ExperimentError: Naming the file and what is wrong with it.

    """
    try:
        return read_user_toml(path, what, MAX_FILE_BYTES, MAX_DEPTH)
    except ExperimentError:
        raise
    except ParameterError as error:
        raise ExperimentError(str(error)) from None


def experiment_path(path: str | Path) -> Path:
    """A path given on the command line, or the name of a shipped experiment."""
    path = Path(path)
    if not path.exists() and path.suffix != ".toml" and path.name == str(path):
        candidate = EXPERIMENT_DIR / f"{path}.toml"
        if candidate.is_file():
            return candidate
        if not str(path).strip():
            raise ExperimentError("experiment file: empty name; allowed: a TOML path or one of "
                                  f"{sorted(p.stem for p in EXPERIMENT_DIR.glob('*.toml'))}")
        known = sorted(p.stem for p in EXPERIMENT_DIR.glob("*.toml"))
        raise ExperimentError(f"experiment file {str(path)!r}: not found; allowed: a TOML path "
                              f"or a shipped experiment: {known}")
    return path


def load_experiment(path: str | Path, *, allow_large: bool = False) -> ExperimentSpec:
    """Load and validate an experiment file (a path, or a name in ``experiments/``)."""
    path = experiment_path(path)
    tree = read_toml_file(path)
    spec = parse_experiment(tree, str(path), path.parent, allow_large=allow_large)
    spec.path = path
    return spec


# ---------------------------------------------------------------------- validation
def _flatten_uncertain(table: Any, prefix: str = "") -> Any:
    """``{"tech": {"x": [..]}}`` → ``{"tech.x": [..]}``; a leaf is a list or a range table."""
    if not isinstance(table, dict):
        return table
    out: dict[str, Any] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict) and "range" not in value and "outside_posterior" not in value:
            out.update(_flatten_uncertain(value, f"{full}."))
        else:
            out[full] = {"range": value} if isinstance(value, list) else value
    return out


def parse_experiment(tree: dict[str, Any], where: str = "experiment",
                     base_dir: Path | None = None, *, allow_large: bool = False
                     ) -> ExperimentSpec:
    """Validate an experiment given as a parsed TOML tree (or an equivalent dict).

    Args:
        tree: The file's content.
        where: How errors name the file.
        base_dir: Folder that relative scenario paths start from.
        allow_large: Accept designs of up to ``MAX_RUNS_LARGE`` runs (else ``MAX_RUNS``).

    Raises:
        ExperimentError: Naming the file, the field, the value and what is allowed.

    """
    from experiments.outputs import DEFAULT_OUTPUTS, DEFAULT_SERIES, check_output, check_series

    if not isinstance(tree, dict):
        raise ExperimentError(f"{where}: not a table of fields")
    if toml_depth(tree, MAX_DEPTH) > MAX_DEPTH:
        raise ExperimentError(f"{where}: nested too deeply; allowed: at most {MAX_DEPTH} levels")
    tree = dict(tree)
    unc = tree.get("uncertainty")
    if isinstance(unc, dict) and isinstance(unc.get("parameters"), dict):
        tree["uncertainty"] = {**unc, "parameters": _flatten_uncertain(unc["parameters"])}
    try:
        model = ExperimentModel.model_validate(tree)
    except ValidationError as error:
        raise _explain(error, where, tree) from None

    design = model.design
    method = design.method
    if method in SAMPLED and design.n is None:
        raise _err(where, f"field 'design.n' is missing; allowed for {method}: an integer in "
                          "[1, 1000000] (lhs: samples; sobol: base samples, a power of 2; "
                          "morris: trajectories)")
    if method not in SAMPLED and design.n is not None:
        raise _err(where, f"field 'design.n' is {design.n!r}; allowed: only with design.method "
                          f"'lhs', 'sobol' or 'morris' ({method!r} runs the listed values)")
    n = design.n or 0
    if method == "sobol" and n & (n - 1):
        raise _err(where, f"field 'design.n' is {n}; allowed for sobol: a power of 2 "
                          "(e.g. 32, 64, 512); runs = n × (factors + 2) × seeds")
    if design.num_levels is not None and method != "morris":
        raise _err(where, f"field 'design.num_levels' is {design.num_levels!r}; allowed: only "
                          "with design.method 'morris'")
    if design.all_levers is not None and method != "one_at_a_time":
        raise _err(where, f"field 'design.all_levers' is {design.all_levers!r}; allowed: only "
                          "with design.method 'one_at_a_time'")

    if isinstance(model.seeds, int):
        if not 1 <= model.seeds <= 10_000:
            raise _err(where, f"field 'seeds' is {model.seeds!r}; allowed: a count in "
                              "[1, 10000] or a non-empty list of seeds")
        seeds = list(range(model.seeds))
    else:
        seeds = list(model.seeds)
        bad = [s for s in seeds if not 0 <= s <= MAX_SEED]
        if not seeds or len(seeds) > 10_000 or bad:
            raise _err(where, f"field 'seeds' is {_short(bad[0] if bad else seeds)}; allowed: a "
                              f"non-empty list (at most 10000) of integers in [0, {MAX_SEED}]")
        if len(set(seeds)) != len(seeds):
            raise _err(where, f"field 'seeds' repeats a seed: {_short(seeds)}")

    if len(set(model.scenarios)) != len(model.scenarios):
        raise _err(where, f"field 'scenarios' repeats a scenario: {model.scenarios!r}")
    scenarios = [_load_scenario(s, base_dir, where, "scenarios") for s in model.scenarios]
    if len({s.name for s in scenarios}) != len(scenarios):
        raise _err(where, f"field 'scenarios' repeats a scenario name: "
                          f"{[s.name for s in scenarios]}")

    sources: dict[str, Scenario] = {}
    levers = [_parse_lever(lv, method, where, base_dir, sources) for lv in model.levers]
    _check_lever_roles(levers, where)

    uncertain, reasons, samples = _parse_uncertainty(model.uncertainty, where, method)
    posterior_draws = _draw_posteriors(model.uncertainty.posterior or [], model.scenarios,
                                       base_dir, where, method, samples, design.seed)
    for draw in posterior_draws:
        both = sorted(set(draw.draws.columns) & set(uncertain))
        if both:
            raise _err(where, f"field 'uncertainty.posterior': {draw.fit!r} draws {both}, "
                              "which are also ranged in uncertainty.parameters; allowed: one "
                              "role per parameter (remove them there)")
        uncertain.update({key: (float(draw.draws[key].min()), float(draw.draws[key].max()))
                          for key in draw.draws.columns})
    overlap = {lv.parameter for lv in levers} & set(uncertain)
    if overlap:
        raise _err(where, f"parameters {sorted(overlap)} are both levers and uncertain; "
                          "allowed: one role per parameter")
    if method in ("sobol", "morris") and len(levers) + len(uncertain) < 2:
        raise _err(where, f"design.method {method!r} needs at least 2 factors (levers with "
                          "min/max plus uncertain parameters)")
    if method == "one_at_a_time" and not levers:
        raise _err(where, "design.method 'one_at_a_time' needs at least one lever")

    end_year = model.end_year
    outputs = model.outputs
    if outputs is None:
        outputs = [o for o in DEFAULT_OUTPUTS if _output_ok(o, end_year)]
    for what, names in (("outputs", outputs), ("series", model.series or [])):
        if len(set(names)) != len(names):
            raise _err(where, f"field {what!r} repeats a name: {_short(names)}")
    try:
        for out in outputs:
            check_output(out, f"{where}: field 'outputs'", end_year)
        for metric in model.series or []:
            check_series(metric, f"{where}: field 'series'")
    except ParameterError as error:
        raise ExperimentError(str(error)) from None
    series = list(dict.fromkeys([*DEFAULT_SERIES, *(model.series or [])]))

    spec = ExperimentSpec(
        name=model.name, scenarios=scenarios, seeds=seeds, scale=float(model.scale),
        end_year=end_year, method=method, n=n, design_seed=design.seed,
        all_levers=bool(design.all_levers), num_levels=design.num_levels or 4, levers=levers,
        uncertain=uncertain, uncertainty_samples=samples,
        outputs=list(dict.fromkeys(outputs)), series=series,
        description=model.description, sources=sources, uncertain_reasons=reasons,
        posterior_draws=posterior_draws)
    _check_size(spec, where, allow_large)
    spec.posterior = _check_posterior(spec, model.scenarios, base_dir, where)
    _check_lever_ranges(spec, where)
    return spec


def _err(where: str, message: str) -> ExperimentError:
    return ExperimentError(f"{where}: {message}")


def _output_ok(name: str, end_year: int) -> bool:
    from experiments.outputs import output_year

    return output_year(name) <= end_year


def _check_size(spec: ExperimentSpec, where: str, allow_large: bool) -> None:
    """Refuse a design too large to build, by arithmetic (before anything is built)."""
    limit = MAX_RUNS_LARGE if allow_large else MAX_RUNS
    runs = spec.run_count()
    if runs > limit:
        hint = ("; pass --allow-large (allow_large=True) for up to "
                f"{MAX_RUNS_LARGE:,} runs" if not allow_large else
                "; split the experiment into several files")
        raise _err(where, f"the design has {runs:,} runs ({spec.points_count():,} points × "
                          f"{len(spec.scenarios)} scenarios × {len(spec.seeds)} seeds; fields "
                          f"'design.n', 'levers', 'uncertainty.samples', 'seeds'); allowed: at "
                          f"most {limit:,}{hint}")


def _scenario_file(name: str, base_dir: Path | None, where: str, what: str) -> Path | str:
    """Check a scenario entry: a shipped name, or a path to a readable TOML file."""
    if not name.endswith(".toml"):
        known = available_scenarios()
        if name not in known:
            raise _err(where, f"field {what!r}: scenario {name!r} not found; allowed: {known} "
                              "or a path to a .toml file")
        return name
    path = Path(name)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    read_toml_file(path, f"{where}: field {what!r}: scenario file")
    return path


def _load_scenario(name: str, base_dir: Path | None, where: str, what: str) -> Scenario:
    target = _scenario_file(name, base_dir, where, what)
    try:
        return load_scenario(target)
    except ParameterError as error:
        raise _err(where, f"field {what!r}: {error}") from None
    except (OSError, UnicodeDecodeError, RecursionError, ValueError) as error:
        raise _err(where, f"field {what!r}: scenario {name!r} cannot be read "
                          f"({type(error).__name__}: {error})") from None


def _parse_lever(model: LeverModel, method: str, where: str, base_dir: Path | None,
                 sources: dict[str, Scenario]) -> Lever:
    name = model.name
    place = f"{where}: lever {name!r}"
    parameter, policy = model.parameter, model.policy
    given = model.model_fields_set
    if (parameter is None) == (policy is None):
        raise ExperimentError(f"{place}: give exactly one of 'parameter' (a dotted key of the "
                              "parameter table) or 'policy' (a policy kind)")
    kw: dict[str, Any] = {"name": name, "outside_posterior": model.outside_posterior}
    if parameter is not None:
        table_specs = parameter_table()
        if parameter not in table_specs:
            close = [k for k in table_specs if k.rsplit(".", 1)[-1] == parameter
                     .rsplit(".", 1)[-1]]
            hint = f" (did you mean {close[:3]}?)" if close else ""
            raise ExperimentError(f"{place}: field 'parameter' is {parameter!r}; allowed: a key "
                                  f"of data/parameters.csv{hint}")
        for key in ("group", "field", "mode", "source", "start", "end"):
            if key in given:
                raise ExperimentError(f"{place}: field {key!r} applies to policy levers only")
        pspec = table_specs[parameter]

        def check(value: float, what: str) -> float:
            if pspec.type == "int" and value != int(value):
                raise ExperimentError(f"{place}: field {what!r} is {value!r}; allowed: an "
                                      f"integer in [{pspec.min:g}, {pspec.max:g}] (parameter "
                                      f"{parameter!r} is an integer; values are not rounded)")
            if not pspec.min <= value <= pspec.max:
                raise ExperimentError(f"{place}: field {what!r} is {value!r}; allowed: a number "
                                      f"in [{pspec.min:g}, {pspec.max:g}] {pspec.unit}")
            return float(value)

        kw["parameter"] = parameter
    else:
        if policy not in POLICY_TYPES:
            raise ExperimentError(f"{place}: field 'policy' is {policy!r}; allowed: "
                                  f"{sorted(POLICY_TYPES)}")
        cls = POLICY_TYPES[policy]
        group = model.group
        offered = option_values(cls)
        if group is not None and group not in offered:
            allowed = list(offered) or "none (this kind has no group)"
            raise ExperimentError(f"{place}: field 'group' is {group!r}; allowed: {allowed}")
        fld = model.field if model.field is not None else next(iter(cls.fields))
        if fld not in cls.fields:
            raise ExperimentError(f"{place}: field 'field' is {fld!r}; allowed: "
                                  f"{sorted(cls.fields)}")
        source = model.source
        if source is not None:
            if source not in sources:
                sources[source] = _load_scenario(source, base_dir, place, "source")
            if not any(p.kind == policy and (group is None or group in p.choice.values())
                       for p in sources[source].policies):
                raise ExperimentError(f"{place}: source scenario {source!r} has no {policy!r} "
                                      f"policy{f' for group {group!r}' if group else ''}")
        if (model.start is None) != (model.end is None):
            raise ExperimentError(f"{place}: give both 'start' and 'end' or neither")
        if model.start is not None and model.end is not None and model.end < model.start:
            raise ExperimentError(f"{place}: field 'end' is {model.end}; allowed: a year from "
                                  f"'start' ({model.start}) to 2100")
        fspec = cls.fields[fld]
        lo_allowed, hi_allowed = (fspec.min, fspec.max) if model.mode == "set" else (
            0.0, math.inf)

        def check(value: float, what: str) -> float:
            if not lo_allowed <= value <= hi_allowed:
                raise ExperimentError(f"{place}: field {what!r} is {value!r}; allowed: a number "
                                      f"in [{lo_allowed:g}, {hi_allowed:g}]")
            return float(value)

        if model.outside_posterior is not None:
            raise ExperimentError(f"{place}: field 'outside_posterior' applies to parameter "
                                  "levers only (a policy level has no calibrated posterior)")
        kw.update(policy=policy, group=group, field=fld, mode=model.mode, source=source,
                  start=model.start, end=model.end)
    if method in SAMPLED:
        if model.values is not None or model.min is None or model.max is None:
            raise ExperimentError(f"{place}: design.method {method!r} samples each lever over "
                                  "a range; allowed: 'min' and 'max' (not 'values')")
        kw["min"] = check(model.min, "min")
        kw["max"] = check(model.max, "max")
        if kw["max"] <= kw["min"]:
            raise ExperimentError(f"{place}: field 'max' is {kw['max']:g}; allowed: a number "
                                  f"above 'min' ({kw['min']:g})")
    else:
        if model.min is not None or model.max is not None:
            raise ExperimentError(f"{place}: design.method {method!r} runs listed values; "
                                  "allowed: 'values = [...]' (not 'min'/'max')")
        if model.values is None:
            raise ExperimentError(f"{place}: field 'values' is missing; allowed: a non-empty "
                                  "list of numbers")
        values = tuple(check(v, "values") for v in model.values)
        if len(set(values)) != len(values):
            raise ExperimentError(f"{place}: field 'values' repeats a value: {list(values)}")
        kw["values"] = values
    if model.default is not None:
        if method != "one_at_a_time":
            raise ExperimentError(f"{place}: field 'default' is {model.default!r}; allowed: "
                                  "only with design.method 'one_at_a_time'")
        kw["default"] = check(model.default, "default")
    return Lever(**kw)


def _check_lever_roles(levers: list[Lever], where: str) -> None:
    """Refuse repeated lever names and two levers acting on the same thing."""
    names = [lv.name for lv in levers]
    if len(set(names)) != len(names):
        raise _err(where, f"field 'levers': lever names repeat: {names}")
    for i, a in enumerate(levers):
        for b in levers[:i]:
            same = (a.parameter is not None and a.parameter == b.parameter) or (
                a.policy is not None and (a.policy, a.field) == (b.policy, b.field)
                and (a.group is None or b.group is None or a.group == b.group))
            if same:
                target = a.parameter or f"{a.policy} {a.field}"
                raise _err(where, f"field 'levers': levers {b.name!r} and {a.name!r} both act "
                                  f"on {target}; allowed: one lever per parameter or policy "
                                  "field")


def _parse_uncertainty(model: UncertaintyModel, where: str, method: str
                       ) -> tuple[dict[str, tuple[float, float]], dict[str, str], int]:
    specs = parameter_table()
    out: dict[str, tuple[float, float]] = {}
    reasons: dict[str, str] = {}
    for key, entry in model.parameters.items():
        place = f"{where}: uncertain parameter {key!r}"
        if key not in specs:
            raise ExperimentError(f"{place}: not in data/parameters.csv; allowed: its keys "
                                  "(see `python -m abm params`)")
        spec = specs[key]
        lo, hi = entry.range
        for what, value in (("min", lo), ("max", hi)):
            if spec.type == "int" and value != int(value):
                raise ExperimentError(f"{place}: {what} is {value!r}; allowed: an integer in "
                                      f"[{spec.min:g}, {spec.max:g}] (samples are rounded)")
            if not spec.min <= value <= spec.max:
                raise ExperimentError(f"{place}: {what} is {value!r}; allowed: [min, max] inside "
                                      f"[{spec.min:g}, {spec.max:g}] {spec.unit}")
        if hi <= lo:
            raise ExperimentError(f"{place}: max {hi:g} is not above min {lo:g}; allowed: "
                                  "[min, max] with min < max")
        out[key] = (float(lo), float(hi))
        if entry.outside_posterior:
            reasons[key] = entry.outside_posterior
    samples = model.samples
    if method in SAMPLED and samples is not None:
        raise _err(where, f"field 'uncertainty.samples' is {samples!r}: with design.method "
                          f"{method!r} the uncertain parameters are sampled with the levers; "
                          "allowed: no 'samples'")
    samples = samples or 0
    if method not in SAMPLED and out and samples == 0:
        raise _err(where, "field 'uncertainty.samples' is 0 but uncertain parameters are "
                          "given; allowed: a count ≥ 1 of Latin-hypercube samples")
    if method not in SAMPLED and not out and not model.posterior and samples:
        raise _err(where, f"field 'uncertainty.samples' is {samples!r} but no uncertain "
                          "parameters are given; allowed: 0, or add [uncertainty.parameters] "
                          "or uncertainty.posterior")
    return out, reasons, samples


# ---------------------------------------------------------------------- calibration
def _included_files(entry: str, base_dir: Path | None) -> list[Path]:
    """Parameter files a scenario includes (read from its TOML, one level as written)."""
    try:
        if entry.endswith(".toml"):
            path = Path(entry)
            path = base_dir / path if not path.is_absolute() and base_dir is not None else path
        else:
            path = SCENARIO_DIR / f"{entry}.toml"
        tree = read_toml_file(path, "scenario file")
    except ExperimentError:
        return []
    includes = tree.get("include", [])
    if not isinstance(includes, list):
        return []
    return [(path.parent / i).resolve() for i in includes if isinstance(i, str)]


def _read_posterior(path: Path) -> dict[str, tuple[float, float]]:
    """``parameter → (p05, p95)`` from a calibration's ``parameters.csv``."""
    out: dict[str, tuple[float, float]] = {}
    try:
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                p05, p95 = float(row["p05"]), float(row["p95"])
                if math.isfinite(p05) and math.isfinite(p95):
                    out[row["parameter"]] = (p05, p95)
    except (OSError, KeyError, ValueError, UnicodeDecodeError, csv.Error) as error:
        log.warning("posterior summary %s cannot be read (%s); not used", path, error)
    return out


def _beside(included: Path, name: str) -> list[Path]:
    """Where a calibration's ``name`` file sits for an included calibrated file.

    ``<file stem>/<name>`` as shipped in ``data/calibrated/``, or ``<dir>/<name>`` beside the
    ``calibrated.toml`` that ``python -m calibration run`` writes.
    """
    return [included.with_suffix("") / name, included.parent / name]


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def posterior_ranges(scenario_entries: list[str], base_dir: Path | None = None
                     ) -> dict[str, tuple[float, float, str]]:
    """Calibrated posterior 5-95 % ranges: ``parameter → (p05, p95, source file)``.

    Found beside the calibrated files the scenarios include (see :func:`_beside`): the fits
    in force. A fit no scenario includes (an older one kept in ``data/calibrated/``) does
    not bind.
    """
    summaries: list[Path] = []
    for entry in scenario_entries:
        for included in _included_files(entry, base_dir):
            summaries += _beside(included, "parameters.csv")
    out: dict[str, tuple[float, float, str]] = {}
    for path in dict.fromkeys(summaries):
        if not path.is_file():
            continue
        for key, (p05, p95) in _read_posterior(path).items():
            out.setdefault(key, (p05, p95, _shown(path)))
    return out


def _draw_posteriors(fits: list[str], scenario_entries: list[str], base_dir: Path | None,
                     where: str, method: str, samples: int, seed: int) -> list[PosteriorDraws]:
    """Draw ``samples`` particles of each named fit's posterior, with its weights.

    A fit is named by the stem of a calibrated file every scenario includes
    (``"transport"`` for ``include = ["../calibrated/transport.toml"]``); its particles are
    ``posterior.csv`` beside it (parameter columns and ``weight``). Draws are reproducible:
    the generator is seeded by the design seed and the fit's position in the list.

    Raises:
        ExperimentError: Naming the field, the value and what is allowed.

    """
    if not fits:
        return []
    place = f"{where}: field 'uncertainty.posterior'"
    if method in SAMPLED:
        raise ExperimentError(f"{place} is {fits!r}: with design.method {method!r} every factor "
                              "is sampled on its own within a range, a posterior is drawn "
                              "jointly; allowed: design.method 'grid' or 'one_at_a_time'")
    if samples == 0:
        raise ExperimentError(f"{place} is {fits!r} but uncertainty.samples is 0; allowed: a "
                              "count ≥ 1 of draws")
    if len(set(fits)) != len(fits):
        raise ExperimentError(f"{place} repeats a fit: {fits!r}")
    per_scenario = [{p.stem: p for p in _included_files(e, base_dir)} for e in scenario_entries]
    common = [stem for stem in per_scenario[0] if all(stem in inc for inc in per_scenario)]
    specs = parameter_table()
    out: list[PosteriorDraws] = []
    seen: dict[str, str] = {}
    for index, fit in enumerate(fits):
        if fit not in common:
            raise ExperimentError(f"{place}: {fit!r} is not a calibration every scenario "
                                  f"includes; allowed: {common or 'none (no shared include)'}")
        # Each scenario may include its own copy; the first scenario's is drawn from, and
        # every other scenario must include the same file.
        first = per_scenario[0][fit]
        other = [str(inc[fit]) for inc in per_scenario if inc[fit] != first]
        if other:
            raise ExperimentError(f"{place}: {fit!r} is {_shown(first)} in one scenario and "
                                  f"{other[0]} in another; allowed: one fit for all scenarios")
        files = [p for p in _beside(first, "posterior.csv") if p.is_file()]
        if not files:
            raise ExperimentError(f"{place}: {fit!r} has no posterior.csv beside "
                                  f"{_shown(first)}; allowed: an ABC fit's folder "
                                  "(python -m calibration run ... --method abc)")
        particles = _read_particles(files[0], specs, place)
        for key in particles.columns.drop("weight"):
            if key in seen:
                raise ExperimentError(f"{place}: {key!r} is fitted by both {seen[key]!r} and "
                                      f"{fit!r}; allowed: fits that share no parameter")
            seen[key] = fit
        # a stream of its own (abm.posterior): the Latin hypercube uses design seed + 1
        draws = draw_particles(particles, samples, seed, index)
        out.append(PosteriorDraws(fit, _shown(files[0]), len(particles), draws))
    return out


def _read_particles(path: Path, specs: dict[str, Any], place: str) -> pd.DataFrame:
    """A fit's particles (:func:`abm.posterior.read_particles`), errors as experiment errors."""
    try:
        return read_particles(path, specs, _shown(path))
    except PosteriorError as error:
        raise ExperimentError(f"{place}: {error}") from None


def _inward(p05: float, p95: float) -> str:
    """The posterior range rounded inwards to 4 significant digits (safe to copy)."""
    def rounded(value: float, up: bool) -> float:
        if value == 0:
            return 0.0
        step = 10 ** (math.floor(math.log10(abs(value))) - 3)
        return (math.ceil if up else math.floor)(value / step) * step

    return f"[{rounded(p05, True):.4g}, {rounded(p95, False):.4g}]"


def _check_posterior(spec: ExperimentSpec, entries: list[str], base_dir: Path | None,
                     where: str) -> list[PosteriorCheck]:
    """Refuse ranges outside a calibrated posterior unless the file says why."""
    ranges = posterior_ranges(entries, base_dir)
    checks = []
    varied = [(lv.parameter, f"lever {lv.name!r}", *lv.span(), lv.outside_posterior)
              for lv in spec.levers if lv.parameter]
    drawn = {key for draw in spec.posterior_draws for key in draw.draws.columns}
    varied += [(key, "uncertain parameter", lo, hi, spec.uncertain_reasons.get(key))
               for key, (lo, hi) in spec.uncertain.items() if key not in drawn]
    for key, role, lo, hi, reason in varied:
        if key not in ranges:
            if reason:
                raise _err(where, f"{role} {key!r}: field 'outside_posterior' is given but "
                                  f"{key!r} has no calibrated posterior; allowed: remove it")
            continue
        p05, p95, source = ranges[key]
        check = PosteriorCheck(key, role, lo, hi, p05, p95, source, reason)
        if not check.inside and not reason:
            field_hint = ("= { range = [min, max], outside_posterior = \"why\" }"
                          if role == "uncertain parameter" else 'outside_posterior = "why"')
            raise _err(where, f"{role} {key!r}: range [{lo:g}, {hi:g}] leaves the calibrated "
                              f"posterior 5-95 % range [{p05:.4g}, {p95:.4g}] ({source}); "
                              f"allowed: a range inside {_inward(p05, p95)}, or state the "
                              f"reason ({field_hint})")
        checks.append(check)
    return checks


def _check_lever_ranges(spec: ExperimentSpec, where: str) -> None:
    """Apply each policy lever's extreme values to every scenario, so errors come early."""
    for lever in spec.levers:
        if lever.parameter:
            continue
        extremes = lever.span()
        for scenario in spec.scenarios:
            for value in {v for v in (*extremes, lever.default) if v is not None}:
                apply_policy_lever(scenario.policies, lever, float(value), spec.sources,
                                   f"{where}: lever {lever.name!r}, scenario "
                                   f"{scenario.name!r}")
