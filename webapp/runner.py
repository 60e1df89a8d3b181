"""Runs for the page: the levers' scenario and its reference, for one or more seeds.

The reference (:attr:`RunConfig.against`, one of :data:`REFERENCES`) is what abatement,
extra spending and the cost per tonne are measured against, as ``python -m abm run
--baseline NAME`` does on the command line.

A run here is :func:`abm.simulate.simulate` (which the CLI, experiments and calibration use),
with a month callback that reports progress and can also stop the run. What the page keeps of
a run is a :class:`RunResult`: tables and a small sample of agents, not the model (so a
session's memory stays small however many runs it pins).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from abm import data
from abm.accounting import (
    WINDFALL_TECHNOLOGIES,
    CostAccounting,
    cost_accounting,
    final_value,
    windfall_shares,
)
from abm.groups import REGISTRY
from abm.headline import headline as run_headline
from abm.headline import series
from abm.identity import population_identity, run_identity, scenario_hash
from abm.limits import FIRST_YEAR, LAST_YEAR, SCALE_MAX, SCALE_MIN
from abm.model import JiangmenModel
from abm.params import SEED_MAX, ParameterError, parameter_table
from abm.population import Population, synthesise
from abm.posterior import shipped_draw
from abm.results import _annual as annual_values
from abm.results import sector_emissions, spending_by_policy
from abm.scenario import Scenario, load_scenario
from abm.simulate import simulate

MAX_SEEDS = 10
INSTANT_SCALE = 200.0
"""The coarsest-but-still-useful scale of the page's instant preview (real entities per
agent; ~18,000 agents, a run in about 0.25 s on one core)."""
PROGRESS_EVERY = 1.0
"""Seconds between progress reports (none in a run's first second): each one re-renders the
page, which costs more than a short run."""
HEAVY_SCALE = 10.0
"""Below this scale a run has more than ~250,000 agents (tens of seconds)."""
AGENT_SAMPLE = 400
"""Households sampled per district for the agent view."""
REFERENCES = ("baseline", "history")
"""The scenarios a run can be compared against (:attr:`RunConfig.against`): ``baseline``, no
new policy after 2020 (the default), and ``history``, the policies in force (2020–2024 as
they happened, nothing new after)."""
BANDS = ("seeds", "calibration")
"""What the charts' bands across seeds hold (:attr:`RunConfig.bands`): ``seeds``, the model's
randomness only (every seed runs the fit's point values), or ``calibration``, also what the
calibration leaves open: every seed after the first runs one particle drawn from the
posterior of each shipped fit (:func:`seed_overrides`)."""


class RunCancelled(Exception):  # noqa: N818 (a signal, not an error)
    """The page asked the run to stop."""


@dataclass(frozen=True)
class RunConfig:
    """What to run: scale, seeds, years and the reference (the scenario comes separately)."""

    scale: float = 50.0
    seed: int = 0
    n_seeds: int = 1
    start_year: int = 2020
    end_year: int = 2035
    against: str = REFERENCES[0]
    """The scenario the run is compared against (one of :data:`REFERENCES`)."""
    bands: str = BANDS[0]
    """What the bands across seeds hold (one of :data:`BANDS`)."""

    @property
    def seeds(self) -> list[int]:
        """The seeds run: ``seed``, ``seed + 1``, ..."""
        return list(range(self.seed, self.seed + self.n_seeds))

    def problems(self, lang: str = "en") -> list[str]:
        """Readable messages for values the model cannot run (empty if all is well)."""
        from webapp.i18n import band_choices, message, reference_choices

        out = []
        if not SCALE_MIN <= self.scale <= SCALE_MAX:
            out.append(message("scale_range", lang, scale=self.scale, lo=SCALE_MIN,
                               hi=SCALE_MAX))
        if self.seed < 0:
            out.append(message("seed_negative", lang, seed=self.seed))
        elif self.seed + self.n_seeds - 1 > SEED_MAX:
            out.append(message("seed_large", lang, seed=self.seed,
                               hi=SEED_MAX - self.n_seeds + 1, n=self.n_seeds))
        if not 1 <= self.n_seeds <= MAX_SEEDS:
            out.append(message("n_seeds", lang, n=self.n_seeds, hi=MAX_SEEDS))
        if not 2020 <= self.start_year <= 2030:
            out.append(message("first_year", lang, year=self.start_year))
        if not FIRST_YEAR <= self.end_year <= LAST_YEAR:
            out.append(message("last_year", lang, year=self.end_year, lo=FIRST_YEAR,
                               hi=LAST_YEAR))
        if self.end_year < self.start_year:
            out.append(message("run_span", lang, start=self.start_year, end=self.end_year))
        if self.against not in REFERENCES:
            out.append(message("against_unknown", lang, value=self.against,
                               allowed=reference_choices(REFERENCES, lang)))
        if self.bands not in BANDS:
            out.append(message("bands_unknown", lang, value=self.bands,
                               allowed=band_choices(BANDS, lang)))
        return out

    def reference(self) -> Scenario:
        """The scenario compared against, starting in ``start_year``."""
        return with_start_year(load_scenario(self.against), self.start_year)


def seed_overrides(scenario: Scenario, config: RunConfig, seed: int) -> dict[str, float]:
    """The parameters the run of ``seed`` sets on top of the scenario and its reference alike.

    With ``calibration`` bands every seed after the first (``config.seed``) runs one particle
    of each shipped fit's ABC posterior that the scenario uses (:func:`abm.posterior.
    shipped_draw`: drawn by weight, reproducibly from the seed, the fit's coefficients
    jointly); the first seed runs the point values, as every command does, so its cost
    accounting and agents are those of the fit. Otherwise nothing (``{}``).
    """
    if config.bands != "calibration" or seed == config.seed:
        return {}
    return shipped_draw(scenario.params, parameter_table(), seed)[0]


def _with(scenario: Scenario, overrides: dict[str, float]) -> Scenario:
    return scenario.with_parameters(overrides) if overrides else scenario


def instant_config(config: RunConfig) -> RunConfig:
    """The instant preview of a config: scale at least :data:`INSTANT_SCALE`, first seed only.

    Coarser agents (bigger weights) give the same city totals up to sampling noise
    (:mod:`abm.population`) in a fraction of the time.
    """
    return dataclasses.replace(config, scale=max(config.scale, INSTANT_SCALE), n_seeds=1)


@dataclass
class RunResult:
    """What the page keeps of one model run."""

    scenario: str
    seed: int
    scale: float
    summary: pd.DataFrame
    targets: pd.DataFrame
    districts: dict[str, np.ndarray]
    spending: dict[str, np.ndarray]
    agents: pd.DataFrame | None
    seconds: float
    adoption: dict[str, np.ndarray] = field(default_factory=dict)
    """Year-end adoption share of each technology by district (year × district, 0–1):
    :func:`district_adoption`."""

    memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    """Series and headline numbers of this run, computed once (:meth:`series`,
    :meth:`headline_numbers`)."""

    def _plain_summary(self) -> pd.DataFrame:
        """``summary`` with its metric names as plain Python strings (a NumPy object column).

        Selecting a metric's rows then compares and takes with NumPy: pandas' Arrow-backed
        string column takes ~100× longer, and in the page's server each of those calls gives
        up the interpreter lock to threads that may keep it.
        """
        if "plain" not in self.memo:
            self.memo["plain"] = self.summary.astype({"metric": object})
        return self.memo["plain"]

    def series(self, metric: str) -> pd.Series:
        """One annual metric indexed by year (:func:`abm.headline.series`)."""
        known = self.memo.setdefault("series", {})
        if metric not in known:
            known[metric] = series(self._plain_summary(), metric)
        return known[metric].copy()

    def headline_numbers(self) -> dict[str, float]:
        """:func:`abm.headline.headline` of this run (computed once)."""
        if "headline" not in self.memo:
            self.memo["headline"] = run_headline(self._plain_summary(), self.targets)
        return dict(self.memo["headline"])

    def annual_csv_frame(self) -> pd.DataFrame:
        """The annual table exactly as ``python -m abm run`` writes ``<name>_annual.csv``."""
        return self.summary.assign(scenario=self.scenario, seed=self.seed, scale=self.scale)


@dataclass(eq=False)
class RunSet:
    """The levers' scenario and its reference, each run for every seed of a config.

    ``baselines`` are the runs of the reference (:attr:`RunConfig.against`), whichever it is.

    Two sets are equal only if they are the same object: the page compares the run on screen
    with the last one on every render, and comparing their tables would cost more than
    drawing them.
    """

    config: RunConfig
    scenario: Scenario
    runs: list[RunResult]
    baselines: list[RunResult]
    seconds: float
    label: str = ""
    extras: dict = field(default_factory=dict)
    accounting: CostAccounting | None = None
    """Abatement by cause and cost per tonne of the first seed (:mod:`abm.accounting`)."""
    number: int = 0
    """The run's number in its page session (1, 2, ...)."""
    draft: dict | None = None
    """The levers this run was made from (the page's draft at Run): exports use these."""
    inputs: dict | None = None
    """The run inputs (scale, seeds, years as typed) at Run."""
    key: str = ""
    """:func:`webapp.state.request_key` of ``draft`` and ``inputs``: the page marks results
    stale when its levers' key differs."""
    pending: bool = False
    """The cost accounting is still being computed (the charts are already final)."""
    preview: bool = False
    """An instant preview (:func:`instant_config`: coarser scale, first seed), not the run of
    the page's run settings."""

    @property
    def years(self) -> np.ndarray:
        """Simulated years."""
        return self.runs[0].series("co2_total").index.to_numpy()

    def metric(self, metric: str, baseline: bool = False) -> pd.DataFrame:
        """Year × seed table of one metric."""
        runs = self.baselines if baseline else self.runs
        return pd.DataFrame({r.seed: r.series(metric) for r in runs})

    def headline(self) -> dict[str, float]:
        """Key numbers, averaged over seeds (peak year and plateau start: the median)."""
        rows = [headline(r, b) for r, b in zip(self.runs, self.baselines, strict=True)]
        frame = pd.DataFrame(rows)
        out = frame.mean(numeric_only=True).to_dict()
        out["peak_year"] = float(frame["peak_year"].median())
        out["plateau_from"] = float(frame["plateau_from"].median())
        acc = self.accounting
        # no accounting: the scenario is the reference itself, so nothing abated or spent extra
        out["abated_paid_mt"] = acc.paid_mt if acc else 0.0
        out["extra_spending_mcny"] = acc.extra_spending_mcny if acc else 0.0
        out["cny_per_t"] = acc.cny_per_t_paid if acc else float("nan")
        out["cny_per_t_lifetime"] = acc.cny_per_t_paid_lifetime if acc else float("nan")
        return out

    def annual_csv(self) -> str:
        """CSV of the annual results of every seed (one seed: identical to the CLI's file)."""
        frame = pd.concat([r.annual_csv_frame() for r in self.runs], ignore_index=True)
        return frame.to_csv(index=False)

    def targets_csv(self) -> str:
        """CSV of the targets of every seed."""
        frame = pd.concat([r.targets.assign(scenario=r.scenario, seed=r.seed, scale=r.scale)
                           for r in self.runs], ignore_index=True)
        return frame.to_csv(index=False)


def headline(run: RunResult, baseline: RunResult | None) -> dict[str, float]:
    """The run's headline numbers (:func:`abm.headline.headline`) and abatement.

    ``abated_mt``: cumulative abatement against the reference run of the same seed (the
    baseline or another scenario: :attr:`RunConfig.against`). The cost per
    tonne of the paid levers comes from :attr:`RunSet.accounting` (:mod:`abm.accounting`).
    """
    out = run.headline_numbers()
    out["abated_mt"] = float("nan")
    if baseline is not None:
        out["abated_mt"] = float((baseline.series("co2_total")
                                  - run.series("co2_total")).sum())
    return out


def agent_sample(model: JiangmenModel, per_district: int = AGENT_SAMPLE) -> pd.DataFrame:
    """A sample of each district's households (Mesa agents) and what they adopted.

    The sampled households are Mesa :class:`agents.Household` views onto their rows of the
    finished model (created here if the model was run without agent objects); ``agent`` is
    the household's row in the model's tables.
    """
    from agents import Household

    vehicles = model.tables["vehicles"]
    district_of = model.tables["households"].district
    rng = np.random.default_rng(model.seed)
    rows = []
    for d, code in enumerate(data.DISTRICTS):
        chosen = np.flatnonzero(district_of == d)
        if len(chosen) > per_district:
            chosen = chosen[np.sort(rng.choice(len(chosen), per_district, replace=False))]
        for row in chosen:
            agent = Household(model, int(row))
            car = agent.car
            rows.append({"district": code, "agent": int(row), "urban": agent.urban,
                         "income": agent.income, "owns_roof": agent.owns_roof,
                         "has_pv": agent.has_pv, "pv_kw": agent.pv_kw,
                         "green_home": agent.green_home, "ci_member": agent.ci_member,
                         "has_car": car >= 0,
                         "car_powertrain": (data.POWERTRAINS[int(vehicles.powertrain[car])]
                                            if car >= 0 else "")})
            agent.remove()
    return pd.DataFrame(rows)


def district_adoption(model: JiangmenModel) -> dict[str, np.ndarray]:
    """Each technology's adoption share by district at each year's end (year × district).

    The share is the one the model's agents see (:attr:`abm.groups.base.Technology.share`:
    the sum of the numerator metrics over the sum of the denominator metrics, e.g. rooftop-PV
    households over households, NEVs over cars on the road); 0 where the denominator is 0.
    """
    out = {}
    for name, group in REGISTRY.items():
        for tech in group.technologies:
            numerator, denominator = (
                sum(annual_values(model, name, metric, by_district=True) for metric in side)
                for side in tech.share)
            out[tech.name] = np.divide(numerator, denominator,
                                       out=np.zeros_like(numerator, dtype=float),
                                       where=denominator > 0)
    return out


RESULT_CACHE_SIZE = 64
"""Finished runs kept by the server process (a run at the default scale: ~1 MB)."""
POPULATION_CACHE_SIZE = 4
"""Synthesised populations kept by the server process (scale 50: ~10 MB each)."""
_RESULTS: OrderedDict[tuple[str, bool], RunResult] = OrderedDict()
_POPULATIONS: OrderedDict[str, Population] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_RUNNING: dict[str, threading.Lock] = {}
"""One lock per run identity being computed: a second request for it (two sessions, or a
click during the server's prefill) waits for the first instead of running it again."""


def _remember(store: OrderedDict, key: Any, value: Any, size: int) -> None:
    with _CACHE_LOCK:
        store[key] = value
        store.move_to_end(key)
        while len(store) > size:
            store.popitem(last=False)


def _recall(store: OrderedDict, key: Any) -> Any:
    with _CACHE_LOCK:
        value = store.get(key)
        if value is not None:
            store.move_to_end(key)
        return value


def population_for(scenario: Scenario, scale: float, seed: int) -> Population:
    """The synthesised population of the scenario's parameters, scale and seed (cached).

    Synthesis is deterministic in these (:func:`abm.identity.population_identity`), so the
    server keeps the last few; a model copies the tables it is given, never changing these.
    """
    key = population_identity(scenario.params, scale=scale, seed=seed)
    population = _recall(_POPULATIONS, key)
    if population is None:
        population = synthesise(scenario.params, scale, seed)
        _remember(_POPULATIONS, key, population, POPULATION_CACHE_SIZE)
    return population


def clear_caches() -> None:
    """Forget the server's cached runs and populations (tests, benchmarks)."""
    with _CACHE_LOCK:
        _RESULTS.clear()
        _POPULATIONS.clear()


def run_one(scenario: Scenario, config: RunConfig, seed: int,
            progress: Callable[[int, int], None] | None = None, keep_agents: bool = True
            ) -> RunResult:
    """Run one scenario for one seed through :func:`abm.simulate.simulate`.

    A run is kept by the server process under its :func:`abm.identity.run_identity`
    (scenario content, scale, seed, years, data and code), so asking again for the same run
    (the baseline, a lever put back) returns the stored result, never a stale one.
    """
    ident = run_identity(scenario, scale=config.scale, seed=seed, end_year=config.end_year)
    with _CACHE_LOCK:
        running = _RUNNING.setdefault(ident, threading.Lock())
    try:
        with running:
            stored = _recall(_RESULTS, (ident, True)) or (
                None if keep_agents else _recall(_RESULTS, (ident, False)))
            if stored is None:
                return _run_and_keep(scenario, config, seed, progress, keep_agents, ident)
    finally:
        with _CACHE_LOCK:
            if _RUNNING.get(ident) is running and not running.locked():
                del _RUNNING[ident]
    if stored.scenario == scenario.name and (stored.agents is None) == (not keep_agents):
        return stored
    return dataclasses.replace(stored, scenario=scenario.name,
                               agents=stored.agents if keep_agents else None)


def _run_and_keep(scenario: Scenario, config: RunConfig, seed: int,
                  progress: Callable[[int, int], None] | None, keep_agents: bool, ident: str
                  ) -> RunResult:
    start = time.perf_counter()
    run = simulate(scenario, scale=config.scale, seed=seed, end_year=config.end_year,
                   on_month=progress, agent_views=False,
                   population=population_for(scenario, config.scale, seed))
    model, summary = run.model, run.summary
    result = RunResult(
        scenario=scenario.name, seed=seed, scale=float(model.scale), summary=summary,
        targets=run.targets, districts=sector_emissions(model, by_district=True),
        spending=spending_by_policy(model),
        agents=agent_sample(model) if keep_agents else None,
        seconds=time.perf_counter() - start, adoption=district_adoption(model))
    _remember(_RESULTS, (ident, keep_agents), result, RESULT_CACHE_SIZE)
    return result


def with_start_year(scenario: Scenario, start_year: int) -> Scenario:
    """The scenario with ``run.start_year`` set (unchanged if it already has that year)."""
    if int(scenario.params["run.start_year"]) == start_year:
        return scenario
    return scenario.with_parameters({"run.start_year": start_year})


def run_set(scenario: Scenario, config: RunConfig,
            progress: Callable[[float], None] | None = None,
            should_stop: Callable[[], bool] | None = None,
            baseline_cache: dict | None = None,
            on_ready: Callable[[RunSet], None] | None = None,
            with_accounting: bool = True, with_agents: bool = True) -> RunSet:
    """Run the scenario and its reference (``config.against``) for every seed of ``config``.

    Args:
        scenario: The levers' scenario.
        config: Scale, seeds and years.
        progress: Called with the share done (0 to 1) now and then.
        should_stop: Checked every month; when it returns True the run stops with
            :class:`RunCancelled`.
        baseline_cache: A dict kept by the caller (one page session) to reuse reference runs
            of the same reference (keyed by its TOML), scale, seed and years.
        on_ready: Called with the runs before the cost accounting's extra runs (a
            :class:`RunSet` with ``pending=True``, no accounting), so that a page can show the
            charts at once; the returned set shares its ``extras`` (cached figures).
        with_accounting: Run the cost accounting's extra runs now; if False, the set is
            returned ``pending`` (no accounting) and :func:`add_accounting` completes it.
        with_agents: Sample the first seed's households (:func:`agent_sample`); if False,
            :func:`agents_of` samples them when they are asked for.

    Raises:
        ParameterError: If ``config`` has problems (their messages joined), e.g. an unknown
            reference.
        RunCancelled: If ``should_stop`` asked to stop.

    """
    problems = config.problems()
    if problems:
        raise ParameterError(" ".join(problems))
    begin = time.perf_counter()
    scenario = with_start_year(scenario, config.start_year)
    baseline = config.reference()
    drawn = {s: seed_overrides(scenario, config, s) for s in config.seeds}
    scenarios = {s: _with(scenario, drawn[s]) for s in config.seeds}
    references = {s: _with(baseline, drawn[s]) for s in config.seeds}
    keys = {s: (references[s].to_toml(), config.scale, s, config.end_year)
            for s in config.seeds}
    cache = baseline_cache if baseline_cache is not None else {}
    todo: list[tuple[str, int]] = [("scenario", s) for s in config.seeds]
    todo += [("baseline", s) for s in config.seeds if keys[s] not in cache]
    months = (config.end_year - config.start_year + 1) * 12
    total = months * len(todo)
    compare = scenario.to_toml() != baseline.to_toml()
    # the rest: the cost accounting's extra runs
    main_share = 0.75 if compare and with_accounting else 1.0
    done_runs = 0
    last = [-1.0, time.perf_counter()]

    def tick(done: int, n: int) -> None:
        if should_stop is not None and should_stop():
            raise RunCancelled
        share = (done_runs * months + done) / total
        now = time.perf_counter()
        if progress is not None and share - last[0] >= 0.02 and now - last[1] >= PROGRESS_EVERY:
            last[0], last[1] = share, now
            progress(share * main_share)

    runs: list[RunResult] = []
    for kind, seed in todo:
        if kind == "scenario":
            runs.append(run_one(scenarios[seed], config, seed, tick,
                                keep_agents=with_agents and seed == config.seed))
        else:
            cache[keys[seed]] = run_one(references[seed], config, seed, tick, keep_agents=False)
        done_runs += 1
    baselines = [cache[keys[s]] for s in config.seeds]
    partial = RunSet(config, scenario, runs, baselines, time.perf_counter() - begin,
                     pending=compare)
    if not compare or not with_accounting:
        if progress is not None:
            progress(1.0)
        return partial
    if on_ready is not None:
        on_ready(partial)

    def step(k: int) -> None:
        if progress is not None:
            progress(main_share + (1 - main_share) * min(k / 4, 1.0))

    done = add_accounting(partial, cache, should_stop, step)
    done.seconds = time.perf_counter() - begin
    if progress is not None:
        progress(1.0)
    return done


def agents_of(runs: RunSet) -> pd.DataFrame | None:
    """The households sampled from the set's first seed (:func:`agent_sample`).

    A set run without them (``run_set(..., with_agents=False)``, what the page does: the
    sample costs a tenth of a run and only the agent view shows it) gets them from the run
    kept with its agents, or by running that seed again (the same run: same identity).
    """
    first = runs.runs[0]
    if first.agents is None:
        first = run_one(runs.scenario, runs.config, runs.config.seed, keep_agents=True)
    return first.agents


def add_accounting(runs: RunSet, baseline_cache: dict | None = None,
                   should_stop: Callable[[], bool] | None = None,
                   runs_done: Callable[[int], None] | None = None) -> RunSet:
    """The set with its cost accounting (the extra runs of :func:`account`).

    Returns a copy of ``runs`` (same runs, labels and ``extras``) with ``accounting`` set and
    ``pending`` False; ``runs`` itself is unchanged. A set that is not pending is returned
    as it is.
    """
    if not runs.pending:
        return runs
    config = runs.config
    cache = baseline_cache if baseline_cache is not None else {}
    baseline = config.reference()
    known = cache.setdefault(("accounting", config.scale, config.seed, config.start_year), {})
    known[(scenario_hash(runs.scenario), config.end_year)] = runs.runs[0].summary
    known[(scenario_hash(baseline), config.end_year)] = runs.baselines[0].summary
    accounting = account(runs.scenario, baseline, config, cache, should_stop, runs_done)
    return dataclasses.replace(runs, accounting=accounting, pending=False)




def account(scenario: Scenario, baseline: Scenario, config: RunConfig, cache: dict,
            should_stop: Callable[[], bool] | None = None,
            runs_done: Callable[[int], None] | None = None) -> CostAccounting:
    """Cost accounting of the first seed; its extra runs are kept in the session's cache.

    ``runs_done(k)`` is called after each of the (up to four) extra runs.
    """
    known = cache.setdefault(("accounting", config.scale, config.seed, config.start_year), {})
    done = [0]

    def summary(sc: Scenario, end_year: int) -> pd.DataFrame:
        def stop(done: int, n: int) -> None:
            if should_stop is not None and should_stop():
                raise RunCancelled

        years = RunConfig(config.scale, config.seed, 1, config.start_year, end_year)
        result = run_one(sc, years, config.seed, stop, keep_agents=False).summary
        done[0] += 1
        if runs_done is not None:
            runs_done(done[0])
        return result

    return cost_accounting(scenario, baseline, summary, config.end_year, known)


@dataclass
class LeverContribution:
    """What one lever adds to a scenario: the scenario against the scenario without it."""

    key: str
    """``kind`` or ``kind_option`` (the spending line's name, :func:`spending_by_policy`)."""
    kind: str
    choice: dict
    pays: bool
    abated_mt: float
    """CO2 the lever abates over the run (Mt): emissions without it minus with it."""
    spending_mcny: float
    """Public spending it adds over the run (million CNY)."""
    windfall_share: float = float("nan")
    """Of the adopters it subsidised, the share who would have adopted anyway by the last
    year (:func:`lever_windfall`; NaN for a lever that subsidises no adopter)."""

    @property
    def windfall_mcny(self) -> float:
        """Its spending on adopters who would have adopted anyway (million CNY; 0 if none)."""
        share = self.windfall_share
        return self.spending_mcny * share if self.pays and share == share else 0.0

    @property
    def cny_per_t(self) -> float:
        """Its spending per tonne it abates (NaN unless it abates and pays)."""
        return (self.spending_mcny / self.abated_mt if self.pays and self.abated_mt > 0
                else float("nan"))


def lever_windfall(with_lever: pd.DataFrame, without: pd.DataFrame) -> float:
    """Windfall share of one lever, from the runs with and without it.

    The definition is :data:`abm.accounting.WINDFALL` (computed by
    :func:`abm.accounting.windfall_shares`). The technology is the one whose subsidised
    adopters the lever adds; a lever that adds none (a regulation) or several has NaN.
    """
    final, counterfactual = final_value(with_lever), final_value(without)
    paid = [tech for tech in WINDFALL_TECHNOLOGIES
            if final(f"subsidised_adopters_{tech}")
            > counterfactual(f"subsidised_adopters_{tech}")]
    if len(paid) != 1:
        return float("nan")
    return windfall_shares(final, counterfactual)[paid[0]]


def lever_contributions(runs: RunSet, cache: dict | None = None,
                        progress: Callable[[float], None] | None = None,
                        should_stop: Callable[[], bool] | None = None
                        ) -> list[LeverContribution]:
    """Each lever's contribution, from one-at-a-time runs with common random numbers.

    A lever is every policy of one kind and option (all its periods). For each, the scenario
    is run again without it, with the first seed, scale and years of ``runs`` (the same random
    draws: common random numbers), and its contribution is the difference in cumulative CO2 and
    in public spending. Contributions do not add up to the abatement against the reference: the
    rest is the scenario's own assumptions (grid, trends) and the levers' interactions.
    """
    config = runs.config
    scenario = runs.scenario
    base_summary = runs.runs[0].summary
    groups: dict[str, list] = {}
    for policy in scenario.policies:
        key = policy.kind + (f"_{'_'.join(policy.choice.values())}" if policy.choice else "")
        groups.setdefault(key, []).append(policy)
    store = cache if cache is not None else {}
    out = []
    for k, (key, policies) in enumerate(groups.items()):
        if should_stop is not None and should_stop():
            raise RunCancelled
        without = Scenario(f"{scenario.name}-without-{key}", scenario.params,
                           [p for p in scenario.fresh_policies()
                            if not (p.kind == policies[0].kind
                                    and p.choice == policies[0].choice)],
                           scenario.description)
        ident = ("contribution", scenario_hash(without), config.scale, config.seed,
                 config.end_year)
        if ident not in store:
            store[ident] = run_one(without, config, config.seed, keep_agents=False).summary
        summary = store[ident]

        def total(frame: pd.DataFrame, metric: str) -> float:
            return float(frame.loc[frame["metric"] == metric, "value"].sum())

        out.append(LeverContribution(
            key=key, kind=policies[0].kind, choice=dict(policies[0].choice),
            pays=type(policies[0]).pays,
            abated_mt=total(summary, "co2_total") - total(base_summary, "co2_total"),
            spending_mcny=total(base_summary, "spending_total")
            - total(summary, "spending_total"),
            windfall_share=lever_windfall(base_summary, summary)))
        if progress is not None:
            progress((k + 1) / len(groups))
    return sorted(out, key=lambda c: -c.abated_mt)
