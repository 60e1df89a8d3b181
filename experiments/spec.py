"""Experiment files: scenarios × lever values × uncertain parameters × seeds, validated.

File layout (``experiments/<name>.toml``)::

    name = "levers_vs_baseline"          # results go to results/<name>/
    description = "..."
    scenarios = ["baseline"]             # names in experiments/scenarios or TOML paths
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
    group = "household"                  # optional: only that group's policies
    field = "level"                      # optional: the level field (default: the first)
    mode = "scale"                       # scale (multiply the level) or set (replace it)
    source = "plan"                      # optional: take this kind's policies from that scenario
    start = 2023                         # optional: year span for a policy the scenario lacks
    end = 2030
    values = [1.0]

    [uncertainty]                        # parameters nobody controls, sampled by Latin hypercube
    samples = 4                          # grid / one_at_a_time: points × samples (0 = defaults)
    [uncertainty.parameters]
    "economy.industry_growth" = [0.03, 0.07]     # [min, max] inside the parameter's range

In ``lhs``, ``sobol`` and ``morris`` designs the uncertain parameters are sampled together with
the levers (they are factors of the sensitivity analysis); ``uncertainty.samples`` is then not
used. Every value is validated on load: errors name the file, the field, the value and what is
allowed.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from abm.params import ParameterError, parameter_table
from abm.policies import POLICY_TYPES, Policy, check_overlaps, make_policy
from abm.scenario import Scenario, load_scenario

EXPERIMENT_DIR = Path(__file__).resolve().parent
METHODS = ("grid", "one_at_a_time", "lhs", "sobol", "morris")
SAMPLED = ("lhs", "sobol", "morris")
_TOP = {"name", "description", "scenarios", "seeds", "scale", "end_year", "outputs", "series",
        "design", "levers", "uncertainty"}
_LEVER_KEYS = {"name", "parameter", "policy", "group", "field", "mode", "source", "start", "end",
               "values", "min", "max", "default"}
_DESIGN_KEYS = {"method", "n", "seed", "all_levers", "num_levels"}


class ExperimentError(ParameterError):
    """An experiment file is not valid; the message names the field, the value and the rule."""


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

    @property
    def column(self) -> str:
        """Column of this lever's value in design and result tables."""
        return f"lever.{self.name}"

    def matches(self, policy: Policy) -> bool:
        """Whether a policy is one this lever acts on."""
        return policy.kind == self.policy and (self.group is None
                                               or policy.choice.get("group") == self.group)

    def bounds(self) -> tuple[float, float]:
        """Sampling range (min, max)."""
        assert self.min is not None and self.max is not None
        return self.min, self.max


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

    # ------------------------------------------------------------------ design
    def design(self) -> pd.DataFrame:
        """Every run: one row per (scenario, point, uncertainty sample, seed).

        ``point`` numbers the lever settings (in sampled designs, the sample points) and
        ``sample`` the uncertainty sample. Columns: ``run_id, point, scenario, seed, sample,
        varied``, one ``lever.<name>`` column
        per lever (NaN: lever not applied, the scenario as written) and one ``param.<key>``
        column per uncertain parameter (NaN: the scenario's value).
        """
        points = self._points()
        rows = []
        for scenario in self.scenarios:
            for point in points:
                for seed in self.seeds:
                    row = {"scenario": scenario.name, "seed": int(seed), **point}
                    row["run_id"] = run_id(row, self.scale, self.end_year)
                    rows.append(row)
        frame = pd.DataFrame(rows)
        cols = ["run_id", "point", "scenario", "seed", "sample", "varied"]
        cols += [lv.column for lv in self.levers] + [f"param.{k}" for k in self.uncertain]
        for col in cols:
            if col not in frame:
                frame[col] = np.nan
        return frame[cols]

    def _points(self) -> list[dict[str, Any]]:
        levers = self.levers
        if self.method in SAMPLED:
            names = [f[0] for f in self.factors()]
            matrix = sample_matrix(self)
            return [{"point": i, "sample": i, "varied": self.method,
                     **dict(zip(names, map(float, row), strict=True))}
                    for i, row in enumerate(matrix)]
        if self.method == "grid":
            lever_points = [{}]
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


def _typed(key: str, value: float) -> float | int:
    spec = parameter_table()[key]
    return round(value) if spec.type == "int" else float(value)


def run_id(row: dict[str, Any], scale: float, end_year: int) -> str:
    """A stable id from everything that defines a run (same inputs → same id)."""
    key = {"scenario": row["scenario"], "seed": int(row["seed"]), "scale": float(scale),
           "end_year": int(end_year)}
    for col, value in row.items():
        if col.startswith(("lever.", "param.")) and not (
                isinstance(value, float) and math.isnan(value)):
            key[col] = round(float(value), 12)
    text = json.dumps(key, sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def apply_policy_lever(policies: list[Policy], lever: Lever, value: float,
                       sources: dict[str, Scenario], where: str) -> list[Policy]:
    """Policies with one lever applied (scale or set the level of matching policies)."""
    import copy

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
            table["group"] = lever.group
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
    """Latin-hypercube samples of the uncertain parameters (grid / one_at_a_time designs)."""
    if not spec.uncertain or spec.uncertainty_samples == 0:
        return None
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(spec.uncertain),
                              seed=spec.design_seed + 1).random(spec.uncertainty_samples)
    lo, hi = np.array(list(spec.uncertain.values())).T
    return lo + unit * (hi - lo)


# ---------------------------------------------------------------------- loading
def _err(where: str, message: str) -> ExperimentError:
    return ExperimentError(f"{where}: {message}")


def _number(value: Any, where: str, name: str, lo: float = -math.inf, hi: float = math.inf,
            integer: bool = False) -> float:
    ok = not isinstance(value, bool) and isinstance(value, int | float)
    if integer:
        ok = ok and float(value) == int(value)
    if not ok or not lo <= value <= hi:
        kind = "an integer" if integer else "a number"
        raise _err(where, f"field {name!r} is {value!r}; allowed: {kind} in [{lo:g}, {hi:g}]")
    return int(value) if integer else float(value)


def load_experiment(path: str | Path) -> ExperimentSpec:
    """Load and validate an experiment file (a path, or a name in ``experiments/``)."""
    path = Path(path)
    if not path.exists() and path.suffix != ".toml":
        candidate = EXPERIMENT_DIR / f"{path}.toml"
        if candidate.exists():
            path = candidate
    try:
        with path.open("rb") as handle:
            tree = tomllib.load(handle)
    except FileNotFoundError:
        known = sorted(p.stem for p in EXPERIMENT_DIR.glob("*.toml"))
        raise ExperimentError(f"{path}: file not found; shipped experiments: {known}") from None
    except tomllib.TOMLDecodeError as error:
        raise ExperimentError(f"{path}: not valid TOML ({error})") from None
    spec = parse_experiment(tree, str(path), path.parent)
    spec.path = path
    return spec


def parse_experiment(tree: dict[str, Any], where: str = "experiment",
                     base_dir: Path | None = None) -> ExperimentSpec:
    """Validate an experiment given as a parsed TOML tree (or an equivalent dict)."""
    from experiments.outputs import DEFAULT_OUTPUTS, DEFAULT_SERIES, check_output, check_series

    for key in tree:
        if key not in _TOP:
            raise _err(where, f"unknown top-level field {key!r}; allowed: {sorted(_TOP)}")
    name = tree.get("name")
    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_" for c in name):
        raise _err(where, f"field 'name' is {name!r}; allowed: non-empty text of letters, "
                          "digits, '-' and '_' (it names the results folder)")
    scen_names = tree.get("scenarios", ["baseline"])
    if not isinstance(scen_names, list) or not scen_names or not all(
            isinstance(s, str) for s in scen_names):
        raise _err(where, f"field 'scenarios' is {scen_names!r}; allowed: a non-empty list of "
                          "scenario names or TOML paths")
    scenarios = [_load_scenario(s, base_dir, where, "scenarios") for s in scen_names]
    if len({s.name for s in scenarios}) != len(scenarios):
        raise _err(where, f"field 'scenarios' repeats a scenario name: "
                          f"{[s.name for s in scenarios]}")
    seeds_raw = tree.get("seeds", [0])
    if isinstance(seeds_raw, int) and not isinstance(seeds_raw, bool):
        if not 1 <= seeds_raw <= 10_000:
            raise _err(where, f"field 'seeds' is {seeds_raw!r}; allowed: a count in [1, 10000] "
                              "or a list of non-negative integers")
        seeds = list(range(seeds_raw))
    elif isinstance(seeds_raw, list) and seeds_raw and all(
            isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds_raw):
        if len(set(seeds_raw)) != len(seeds_raw):
            raise _err(where, f"field 'seeds' repeats a seed: {seeds_raw!r}")
        seeds = list(seeds_raw)
    else:
        raise _err(where, f"field 'seeds' is {seeds_raw!r}; allowed: a count in [1, 10000] "
                          "or a non-empty list of non-negative integers")
    scale = _number(tree.get("scale", 300.0), where, "scale", 1, 100_000)
    end_year = int(_number(tree.get("end_year", 2035), where, "end_year", 2020, 2060, True))

    design = tree.get("design", {})
    if not isinstance(design, dict):
        raise _err(where, "field 'design' must be a table ([design])")
    for key in design:
        if key not in _DESIGN_KEYS:
            raise _err(where, f"unknown field 'design.{key}'; allowed: {sorted(_DESIGN_KEYS)}")
    method = design.get("method", "grid")
    if method not in METHODS:
        raise _err(where, f"field 'design.method' is {method!r}; allowed: {list(METHODS)}")
    n = int(_number(design.get("n", 0 if method not in SAMPLED else -1), where, "design.n",
                    0 if method not in SAMPLED else 1, 1_000_000, True))
    if method == "sobol" and n & (n - 1):
        raise _err(where, f"field 'design.n' is {n}; allowed for sobol: a power of 2 "
                          "(e.g. 32, 64, 512); runs = n × (factors + 2) × seeds")
    design_seed = int(_number(design.get("seed", 0), where, "design.seed", 0, 2**31, True))
    num_levels = int(_number(design.get("num_levels", 4), where, "design.num_levels", 2, 20,
                             True))
    all_levers = design.get("all_levers", False)
    if not isinstance(all_levers, bool):
        raise _err(where, f"field 'design.all_levers' is {all_levers!r}; allowed: true, false")

    sources: dict[str, Scenario] = {}
    raw_levers = tree.get("levers", [])
    if not isinstance(raw_levers, list):
        raise _err(where, "field 'levers' must be an array of tables ([[levers]])")
    levers = [_parse_lever(t, i, method, where, base_dir, sources)
              for i, t in enumerate(raw_levers)]
    if len({lv.name for lv in levers}) != len(levers):
        raise _err(where, f"lever names repeat: {[lv.name for lv in levers]}")

    uncertain, samples = _parse_uncertainty(tree.get("uncertainty", {}), where, method)
    overlap = {lv.parameter for lv in levers} & set(uncertain)
    if overlap:
        raise _err(where, f"parameters {sorted(overlap)} are both levers and uncertain; "
                          "allowed: one role per parameter")
    if method in ("sobol", "morris") and len(levers) + len(uncertain) < 2:
        raise _err(where, f"design.method {method!r} needs at least 2 factors (levers with "
                          "min/max plus uncertain parameters)")
    if method == "one_at_a_time" and not levers:
        raise _err(where, "design.method 'one_at_a_time' needs at least one lever")

    outputs = tree.get("outputs", list(DEFAULT_OUTPUTS))
    if not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs):
        raise _err(where, f"field 'outputs' is {outputs!r}; allowed: a list of output names")
    try:
        for out in outputs:
            check_output(out, f"{where}: field 'outputs'")
        for metric in tree.get("series", []) if isinstance(tree.get("series"), list) else []:
            check_series(metric, f"{where}: field 'series'")
    except ParameterError as error:
        raise ExperimentError(str(error)) from None
    series = tree.get("series", list(DEFAULT_SERIES))
    if not isinstance(series, list) or not all(isinstance(o, str) for o in series):
        raise _err(where, f"field 'series' is {series!r}; allowed: a list of annual metrics")
    series = list(dict.fromkeys([*DEFAULT_SERIES, *series]))

    spec = ExperimentSpec(
        name=name, scenarios=scenarios, seeds=seeds, scale=scale, end_year=end_year,
        method=method, n=n, design_seed=design_seed, all_levers=all_levers,
        num_levels=num_levels, levers=levers, uncertain=uncertain,
        uncertainty_samples=samples, outputs=list(dict.fromkeys(outputs)), series=series,
        description=str(tree.get("description", "")), sources=sources)
    _check_lever_ranges(spec, where)
    return spec


def _load_scenario(name: str, base_dir: Path | None, where: str, what: str) -> Scenario:
    path = Path(name)
    if path.suffix == ".toml" and not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        return load_scenario(path if path.suffix == ".toml" else name)
    except ParameterError as error:
        raise _err(where, f"field {what!r}: {error}") from None


def _parse_lever(table: Any, i: int, method: str, where: str, base_dir: Path | None,
                 sources: dict[str, Scenario]) -> Lever:
    place = f"{where}: lever {i + 1}"
    if not isinstance(table, dict):
        raise ExperimentError(f"{place}: must be a table ([[levers]])")
    for key in table:
        if key not in _LEVER_KEYS:
            raise ExperimentError(f"{place}: unknown field {key!r}; allowed: "
                                  f"{sorted(_LEVER_KEYS)}")
    name = table.get("name")
    if not isinstance(name, str) or not name:
        raise ExperimentError(f"{place}: field 'name' is {name!r}; allowed: non-empty text")
    place = f"{where}: lever {name!r}"
    parameter, policy = table.get("parameter"), table.get("policy")
    if (parameter is None) == (policy is None):
        raise ExperimentError(f"{place}: give exactly one of 'parameter' (a dotted key of the "
                              "parameter table) or 'policy' (a policy kind)")
    lo_allowed, hi_allowed = -math.inf, math.inf
    kw: dict[str, Any] = {"name": name}
    if parameter is not None:
        table_specs = parameter_table()
        if parameter not in table_specs:
            close = [k for k in table_specs if k.rsplit(".", 1)[-1] == str(parameter)
                     .rsplit(".", 1)[-1]]
            hint = f" (did you mean {close[:3]}?)" if close else ""
            raise ExperimentError(f"{place}: field 'parameter' is {parameter!r}; allowed: a key "
                                  f"of data/parameters.csv{hint}")
        for key in ("group", "field", "mode", "source", "start", "end"):
            if key in table:
                raise ExperimentError(f"{place}: field {key!r} applies to policy levers only")
        pspec = table_specs[parameter]
        lo_allowed, hi_allowed = pspec.min, pspec.max
        kw["parameter"] = parameter
    else:
        if policy not in POLICY_TYPES:
            raise ExperimentError(f"{place}: field 'policy' is {policy!r}; allowed: "
                                  f"{sorted(POLICY_TYPES)}")
        cls = POLICY_TYPES[policy]
        group = table.get("group")
        if group is not None and group not in cls.options.get("group", ()):
            allowed = list(cls.options.get("group", ())) or "none (this kind has no group)"
            raise ExperimentError(f"{place}: field 'group' is {group!r}; allowed: {allowed}")
        fld = table.get("field", next(iter(cls.fields)))
        if fld not in cls.fields:
            raise ExperimentError(f"{place}: field 'field' is {fld!r}; allowed: "
                                  f"{sorted(cls.fields)}")
        mode = table.get("mode", "scale")
        if mode not in ("scale", "set"):
            raise ExperimentError(f"{place}: field 'mode' is {mode!r}; allowed: 'scale', 'set'")
        source = table.get("source")
        if source is not None:
            if not isinstance(source, str):
                raise ExperimentError(f"{place}: field 'source' must be a scenario name")
            if source not in sources:
                sources[source] = _load_scenario(source, base_dir, place, "source")
            if not any(p.kind == policy and (group is None or p.choice.get("group") == group)
                       for p in sources[source].policies):
                raise ExperimentError(f"{place}: source scenario {source!r} has no {policy!r} "
                                      f"policy{f' for group {group!r}' if group else ''}")
        for key in ("start", "end"):
            if key in table:
                _number(table[key], place, key, 2000, 2100, True)
        if ("start" in table) != ("end" in table):
            raise ExperimentError(f"{place}: give both 'start' and 'end' or neither")
        spec = cls.fields[fld]
        if mode == "set":
            lo_allowed, hi_allowed = spec.min, spec.max
        else:
            lo_allowed = 0.0
        kw.update(policy=policy, group=group, field=fld, mode=mode, source=source,
                  start=table.get("start"), end=table.get("end"))
    values = table.get("values")
    lo, hi = table.get("min"), table.get("max")
    if method in SAMPLED:
        if values is not None or lo is None or hi is None:
            raise ExperimentError(f"{place}: design.method {method!r} samples each lever over "
                                  "a range; allowed: 'min' and 'max' (not 'values')")
        kw["min"] = _number(lo, place, "min", lo_allowed, hi_allowed)
        kw["max"] = _number(hi, place, "max", lo_allowed, hi_allowed)
        if kw["max"] <= kw["min"]:
            raise ExperimentError(f"{place}: max {kw['max']:g} is not above min {kw['min']:g}")
    else:
        if lo is not None or hi is not None:
            raise ExperimentError(f"{place}: design.method {method!r} runs listed values; "
                                  "allowed: 'values = [...]' (not 'min'/'max')")
        if not isinstance(values, list) or not values:
            raise ExperimentError(f"{place}: field 'values' is {values!r}; allowed: a non-empty "
                                  "list of numbers")
        kw["values"] = tuple(_number(v, place, "values", lo_allowed, hi_allowed)
                             for v in values)
    if "default" in table:
        kw["default"] = _number(table["default"], place, "default", lo_allowed, hi_allowed)
    return Lever(**kw)


def _parse_uncertainty(table: Any, where: str, method: str
                       ) -> tuple[dict[str, tuple[float, float]], int]:
    if not isinstance(table, dict):
        raise _err(where, "field 'uncertainty' must be a table ([uncertainty])")
    for key in table:
        if key not in ("samples", "parameters"):
            raise _err(where, f"unknown field 'uncertainty.{key}'; allowed: ['parameters', "
                              "'samples']")
    params = table.get("parameters", {})
    if not isinstance(params, dict):
        raise _err(where, "field 'uncertainty.parameters' must be a table of "
                          "\"key\" = [min, max]")
    specs = parameter_table()
    out: dict[str, tuple[float, float]] = {}
    from abm.params import flatten

    for key, bounds in flatten(params).items():
        place = f"{where}: uncertain parameter {key!r}"
        if key not in specs:
            raise ExperimentError(f"{place}: not in data/parameters.csv; allowed: its keys "
                                  "(see `python -m abm params`)")
        spec = specs[key]
        if not isinstance(bounds, list) or len(bounds) != 2:
            raise ExperimentError(f"{place}: got {bounds!r}; allowed: [min, max] inside "
                                  f"[{spec.min:g}, {spec.max:g}] {spec.unit}")
        lo = _number(bounds[0], place, "min", spec.min, spec.max)
        hi = _number(bounds[1], place, "max", spec.min, spec.max)
        if hi <= lo:
            raise ExperimentError(f"{place}: max {hi:g} is not above min {lo:g}")
        out[key] = (lo, hi)
    samples = table.get("samples", 0)
    samples = int(_number(samples, where, "uncertainty.samples", 0, 100_000, True))
    if method in SAMPLED and "samples" in table:
        raise _err(where, f"field 'uncertainty.samples': with design.method {method!r} the "
                          "uncertain parameters are sampled with the levers; remove 'samples'")
    if method not in SAMPLED and out and samples == 0:
        raise _err(where, "uncertain parameters are given but 'uncertainty.samples' is 0; "
                          "allowed: a count ≥ 1 of Latin-hypercube samples")
    return out, samples


def _check_lever_ranges(spec: ExperimentSpec, where: str) -> None:
    """Apply each policy lever's extreme values to every scenario, so errors come early."""
    for lever in spec.levers:
        if lever.parameter:
            continue
        extremes = (lever.min, lever.max) if spec.method in SAMPLED else (
            min(lever.values), max(lever.values))
        for scenario in spec.scenarios:
            for value in {v for v in (*extremes, lever.default) if v is not None}:
                apply_policy_lever(scenario.policies, lever, float(value), spec.sources,
                                   f"{where}: lever {lever.name!r}, scenario "
                                   f"{scenario.name!r}")
