"""Fitting engines: ABC-SMC (pyabc) for a posterior, Bayesian optimisation (optuna) for a point.

Both evaluate the model through a *map function* (``map_fn(fn, items) -> list``): the
built-in ``map`` in-process, or a Dask client's ``map``/``gather`` (local cluster or a remote
scheduler), so a cluster speeds them up unchanged. ABC-SMC seeds each sampling task from the
run's seed, its generation and its number and gathers the tasks in order
(:func:`_seeded_sampler`), so a run is the same in-process and on any number of workers.

Distance between a simulation ``x`` and the observations ``y`` over the fit years:
``d = Σ_targets w_t · mean_years |x − y| / s_t`` with ``s_t = mean |y|`` for relative targets
and 1 for absolute ones. A particle is accepted if ``d < ε``, with ε shrinking each generation
(``[abc] acceptance = "tolerance"``). Under ``acceptance = "noise_model"`` the observations are
the model's values plus Gaussian errors of each target's ``noise_sd``; a particle is accepted
with probability ``(L/L_max)^(1/T)`` and the temperature ``T`` falls to 1, where the last
generation samples the exact posterior of that error model (pyabc's stochastic acceptor,
Wilkinson 2013; :func:`noise_model`): no tolerance is left to choose.

After a fit, the posterior's draws are simulated over the fit and held-out years
(:func:`simulate_draws`): their weighted quantiles are the predictive bands (:func:`bands`),
and the draw whose path lies closest to the predictive median (:func:`representative`) gives
the point values scenarios include.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from calibration.config import CalibrationConfig, CalibrationTarget

log = logging.getLogger(__name__)
MapFn = Callable[[Callable[[Any], Any], Sequence[Any]], list]


def local_map(fn: Callable[[Any], Any], items: Sequence[Any]) -> list:
    """Evaluate in this process."""
    return [fn(item) for item in items]


def dask_map(client: Any) -> MapFn:
    """A map function that runs on a Dask cluster and gathers the results in order."""

    def run(fn: Callable[[Any], Any], items: Sequence[Any]) -> list:
        futures = client.map(fn, list(items), pure=False)
        return client.gather(futures)

    return run


@dataclass(frozen=True)
class SimulationTask:
    """Everything a worker needs to run one calibration simulation (picklable)."""

    scenario: str
    scale: float
    seeds: tuple[int, ...]
    end_year: int
    targets: tuple[CalibrationTarget, ...]
    years: tuple[int, ...]
    overrides: tuple[tuple[str, float], ...] = ()

    def with_overrides(self, values: dict[str, float]) -> SimulationTask:
        """The same task with these parameter values."""
        return SimulationTask(self.scenario, self.scale, self.seeds, self.end_year, self.targets,
                              self.years, tuple(sorted(values.items())))


def simulate_targets(task: SimulationTask) -> dict[str, np.ndarray]:
    """Run the model for each seed and return each target's mean value in ``task.years``."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    from abm.simulate import simulate

    totals: dict[str, np.ndarray] = {}
    for seed in task.seeds:
        run = simulate(task.scenario, scale=task.scale, seed=seed, end_year=task.end_year,
                       overrides=dict(task.overrides))
        for target in task.targets:
            values = target.simulated(run.summary).reindex(list(task.years)).to_numpy(float)
            totals[target.name] = totals.get(target.name, 0.0) + values / len(task.seeds)
    return totals


def weighted_targets(config: CalibrationConfig) -> list[CalibrationTarget]:
    """The targets as the optuna objective and the point's choice weigh them.

    Each target's ``weight``, or ``1/noise_sd`` under the noise model (errors in units of
    each target's stated error).
    """
    if not config.noise_model:
        return list(config.targets)
    return [dataclasses.replace(t, weight=1.0 / t.noise_sd) for t in config.targets]


def distance(targets: Sequence[CalibrationTarget], simulated: dict[str, np.ndarray],
             observed: dict[str, np.ndarray]) -> float:
    """Weighted mean absolute (or relative) error over the years that have observations."""
    total = 0.0
    for target in targets:
        obs = np.asarray(observed[target.name], dtype=float)
        sim = np.asarray(simulated[target.name], dtype=float)
        mask = ~np.isnan(obs)
        if not mask.any():
            continue
        scale = np.mean(np.abs(obs[mask])) if target.distance == "rel" else 1.0
        error = np.nan_to_num(np.abs(sim[mask] - obs[mask]), nan=1e6)
        total += target.weight * float(np.mean(error)) / max(scale, 1e-12)
    return total


def base_task(config: CalibrationConfig, years: list[int] | None = None) -> SimulationTask:
    """The task template of a config (fit years unless ``years`` is given)."""
    return SimulationTask(config.scenario, config.scale, tuple(config.seeds),
                          config.end_year if years is None else max(years),
                          tuple(config.targets), tuple(years or config.fit_years))


# ------------------------------------------------------------------ ABC-SMC (pyabc)
def _abc_model(task: SimulationTask, keys: dict[str, str], parameter: Any) -> dict[str, Any]:
    values = {keys[name]: float(parameter[name]) for name in keys}
    return simulate_targets(task.with_overrides(values))


def _abc_distance(targets: tuple[CalibrationTarget, ...], x: dict, x0: dict) -> float:
    return distance(targets, x, x0)


def _observed_only(has_observation: dict[str, np.ndarray], task: SimulationTask,
                   keys: dict[str, str], parameter: Any) -> dict[str, np.ndarray]:
    """The simulated targets at the fit years that have an observation (noise model).

    ``has_observation``: per target, a boolean per fit year (:func:`observed_years`).
    """
    simulated = _abc_model(task, keys, parameter)
    return {name: np.asarray(simulated[name], dtype=float)[mask]
            for name, mask in has_observation.items()}


def observed_years(config: CalibrationConfig) -> dict[str, np.ndarray]:
    """Per target, whether each fit year has an observation (a series may lack a year)."""
    observations = config.observations(config.fit_years)
    return {t.name: ~np.isnan(observations[t.name]) for t in config.targets}


def noise_model(config: CalibrationConfig) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The observations the noise model compares with, and the error variance of each.

    Each target's observations in the fit years (NaN years dropped) are taken to be the
    model's value plus independent Gaussian errors of standard deviation ``noise_sd``:
    ``log L = −½ Σ ((x − y)/σ)² − Σ ln(σ √(2π))``.

    Returns:
        ``observed`` (target name → observed values) and ``variance`` (σ², in the order of
        the names and then years).

    """
    observations = config.observations(config.fit_years)
    observed, variance = {}, []
    for target in config.targets:
        if target.noise_sd is None:
            raise ValueError(f"target {target.name!r} has no noise_sd")
        values = observations[target.name]
        observed[target.name] = values[~np.isnan(values)]
        variance += [target.noise_sd ** 2] * observed[target.name].size
    return observed, np.asarray(variance)


@dataclass
class GenerationClock:
    """Progress of an ABC-SMC run, logged at the start and end of each generation.

    Generations are numbered from 1 across a resumed run, as pyabc numbers them.

    Attributes:
        most: Generations asked for in all (``[abc] max_generations``).

    """

    most: int
    started: float = dataclasses.field(default_factory=time.perf_counter)
    seconds: list[float] = dataclasses.field(default_factory=list)

    def begin(self, generation: int, particles: int) -> float:
        """Log that ``generation`` (1-based) starts; return its start time."""
        log.info("ABC-SMC generation %d (at most %d): sampling %d particles", generation,
                 self.most, particles)
        return time.perf_counter()

    def end(self, generation: int, began: float, accepted: int, simulations: int) -> None:
        """Log the generation's time and acceptance, and the time the rest may take.

        The estimate is the mean time of this call's generations × the generations left;
        generations usually slow down as the tolerance (or temperature) tightens, and a run
        stops early once it reaches its minimum tolerance (a noise-model run: temperature 1).
        """
        self.seconds.append(time.perf_counter() - began)
        left = max(self.most - generation, 0)
        per = sum(self.seconds) / len(self.seconds)
        log.info("ABC-SMC generation %d of at most %d done in %.1f min: %d particles from %d "
                 "simulations (%.0f %% accepted); %.1f min so far%s", generation, self.most,
                 self.seconds[-1] / 60, accepted, simulations,
                 100 * accepted / max(simulations, 1),
                 (time.perf_counter() - self.started) / 60,
                 f"; at most {left} more, about {left * per / 60:.0f} min at this pace "
                 "(fewer if the run reaches its final tolerance or temperature first)"
                 if left else "")


def _seeded_sampler(map_fn: MapFn, seed: int, clock: GenerationClock | None = None) -> Any:
    """A pyabc sampler whose result does not depend on which worker returns first.

    pyabc's samplers for parallel runs are not reproducible: the Dask sampler keeps the
    particles accepted first, and the mapping sampler reseeds each task from the operating
    system. Here task ``i`` of generation ``t`` (each proposes and simulates until it
    accepts one particle) seeds NumPy and ``random`` with ``(seed, t, i)``, and the ``n``
    tasks are gathered in order: the same seed gives the same posterior in-process and on
    any number of workers. ``clock`` logs each generation's progress (not the calibration
    sample pyabc draws before generation 1).
    """
    import pyabc

    class SeededMappingSampler(pyabc.sampler.MappingSampler):
        def map_function(self, simulate_one: Any, task_seed: Any) -> tuple[Any, int]:
            state = np.random.SeedSequence(task_seed).generate_state(2)
            np.random.seed(int(state[0]))  # noqa: NPY002 (pyabc draws from the global one)
            random.seed(int(state[1]))
            simulate_one = self.unpickle(simulate_one)
            sample, count = self._create_empty_sample(), 0
            while True:
                particle = simulate_one()
                count += 1
                sample.append(particle)
                if particle.accepted:
                    return sample, count

        def sample_until_n_accepted(self, n: int, simulate_one: Any, t: int, **_: Any) -> Any:
            task = functools.partial(self.map_function, self.pickle(simulate_one))
            timed = clock is not None and t >= 0  # t = -1: pyabc's calibration sample
            began = clock.begin(t + 1, n) if timed else 0.0
            results = list(self.map_(task, [(seed, t + 1, i) for i in range(n)]))
            self.nr_evaluations_ = sum(count for _, count in results)
            if timed:
                clock.end(t + 1, began, n, self.nr_evaluations_)
            sample = self._create_empty_sample()
            for part, _ in results:
                sample += part
            return sample

    return SeededMappingSampler(map_=lambda f, xs: list(map_fn(f, list(xs))))


def run_abc(config: CalibrationConfig, db: Path, client: Any = None,
            map_fn: MapFn | None = None, seed: int = 0) -> pd.DataFrame:
    """ABC-SMC posterior of the free parameters, resuming a run stored in ``db``.

    pyabc stores each generation in its database once the generation is complete. If ``db``
    exists (a run of the same config that was stopped or killed), it is loaded and continued
    from its last complete generation up to ``max_generations`` in all; otherwise a new run
    starts. A noise-model run stops once its temperature reaches 1 and is not continued
    after that; one interrupted before plans its remaining temperatures from where it
    stopped, so it ends at the exact posterior too, by another path than an uninterrupted
    run. Whether ``db`` belongs to this config is the caller's check (the run folder's
    ``run.json``); nothing here deletes a database.

    Args:
        config: The calibration config (``[abc]``: population_size, max_generations,
            min_epsilon).
        db: The pyabc database file (created if missing).
        client: A Dask client to simulate on (its workers, in order).
        map_fn: Otherwise a map function; default in-process.
        seed: Seed of the run. Each sampling task is seeded from it, the generation and the
            task's number (:func:`_seeded_sampler`), so a run is reproducible in-process and
            on a cluster alike; the main process's NumPy generator (pyabc's own draws) is
            seeded with it too.

    Returns:
        Posterior particles of the last generation: one column per parameter key, plus
        ``weight``.

    """
    import pyabc

    _one_log_handler()
    settings = config.abc
    keys = {p.safe_name: p.key for p in config.parameters}
    prior = pyabc.Distribution(**{p.safe_name: pyabc.RV("uniform", p.low, p.high - p.low)
                                  for p in config.parameters})
    task = base_task(config)
    if client is not None:
        map_fn = dask_map(client)
    clock = GenerationClock(int(settings["max_generations"]))
    sampler = _seeded_sampler(map_fn or local_map, seed, clock)
    size = int(settings["population_size"])
    if config.noise_model:
        observed, variance = noise_model(config)
        model = functools.partial(_observed_only, observed_years(config), task, keys)
        kernel = pyabc.IndependentNormalKernel(var=variance, keys=list(observed))
        abc = pyabc.ABCSMC(model, prior, kernel, population_size=size, sampler=sampler,
                           acceptor=pyabc.StochasticAcceptor(), eps=pyabc.Temperature())
        minimum = 1.0  # the temperature of the exact posterior
    else:
        model = functools.partial(_abc_model, task, keys)
        dist = functools.partial(_abc_distance, tuple(config.targets))
        abc = pyabc.ABCSMC(model, prior, dist, population_size=size, sampler=sampler)
        observed = config.observations(config.fit_years)
        minimum = float(settings["min_epsilon"])
    url = f"sqlite:///{db}"
    done = stored_generations(db) or 0
    if db.exists() and not done:
        aside = db.with_name(f"{db.name}.incomplete-{time.strftime('%Y%m%dT%H%M%S')}")
        os.replace(db, aside)
        log.warning("ABC-SMC: %s holds no complete generation (a run stopped at its start); "
                    "moved it to %s and starting anew", db, aside.name)
    if done:
        history = abc.load(url, abc_id=1, observed_sum_stat=observed)
        log.info("ABC-SMC: resuming %s after %d complete generation(s)", db, done)
    else:
        db.parent.mkdir(parents=True, exist_ok=True)
        abc.new(url, observed)
    remaining = int(settings["max_generations"]) - done
    finished = (config.noise_model and done
                and history.get_all_populations()["epsilon"].iloc[-1] <= minimum)
    if finished:
        log.info("ABC-SMC: the stored run reached temperature 1 (the exact posterior) after "
                 "%d generation(s): nothing to add", done)
    elif remaining > 0:
        np.random.seed(seed + done)  # noqa: NPY002 (pyabc samples from the global generator)
        history = abc.run(minimum_epsilon=minimum, max_nr_populations=remaining)
    else:
        log.info("ABC-SMC: %d generation(s) stored, %d asked for: nothing to add", done,
                 settings["max_generations"])
    if history.max_t is None:
        raise RuntimeError(f"ABC-SMC stored no generation in {db}")
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    frame = frame.rename(columns=keys)[[p.key for p in config.parameters]]
    frame["weight"] = weights / weights.sum()
    log.info("ABC-SMC: %d generations, final %s %.4g", history.max_t + 1,
             "temperature" if config.noise_model else "epsilon",
             history.get_all_populations()["epsilon"].iloc[-1])
    return frame.reset_index(drop=True)


def _one_log_handler() -> None:
    """Print pyabc's log records once.

    pyabc attaches a stream handler of its own to the ``ABC`` logger when imported; where
    the application has configured logging (a handler on the root logger, as the command
    line does), every record was printed twice. That handler is removed then; otherwise
    (a library caller without logging set up) pyabc keeps it.
    """
    if not logging.getLogger().handlers:
        return
    abc_log = logging.getLogger("ABC")
    for handler in list(abc_log.handlers):
        if type(handler) is logging.StreamHandler:
            abc_log.removeHandler(handler)


def stored_generations(db: Path) -> int | None:
    """Complete ABC-SMC generations stored in a pyabc database; None if it is unusable.

    None means no file, or a file pyabc cannot read (e.g. a run killed while creating it).
    """
    import pyabc

    if not db.is_file():
        return None
    try:
        history = pyabc.History(f"sqlite:///{db}", _id=1, create=False)
        max_t = history.max_t
    except Exception as error:  # sqlalchemy and pyabc raise many kinds
        log.warning("ABC-SMC: cannot read %s (%s)", db, error)
        return None
    return 0 if max_t is None else int(max_t) + 1


# ------------------------------------------------------------------ optuna
def run_optuna(config: CalibrationConfig, map_fn: MapFn = local_map, batch: int = 2,
               seed: int = 0, progress: Callable[[int, int, float], None] | None = None,
               storage: Path | None = None, study_name: str = "calibration") -> pd.DataFrame:
    """Bayesian optimisation (TPE) of the distance; returns every complete trial, best first.

    Targets are weighted as :func:`weighted_targets`. Trials are asked in batches of
    ``batch`` and evaluated through ``map_fn``. With
    ``storage`` (an SQLite file), the study persists: a second call with the same
    ``study_name`` continues it until ``n_trials`` trials are complete in all (trials a killed
    run left unfinished are marked failed and not counted).
    """
    import optuna
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    n_trials = int(config.optuna["n_trials"])
    url = f"sqlite:///{storage}" if storage is not None else None
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed), storage=url,
                                study_name=study_name, load_if_exists=True)
    for stale in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        study.tell(stale.number, state=TrialState.FAIL)
    task = base_task(config)
    observed = config.observations(config.fit_years)
    targets = weighted_targets(config)
    done = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
    if done:
        log.info("optuna: resuming study %r with %d complete trial(s)", study_name, done)
    while done < n_trials:
        trials = [study.ask() for _ in range(min(batch, n_trials - done))]
        values = [{p.key: t.suggest_float(p.safe_name, p.low, p.high)
                   for p in config.parameters} for t in trials]
        results = map_fn(simulate_targets, [task.with_overrides(v) for v in values])
        for trial, result in zip(trials, results, strict=True):
            study.tell(trial, distance(targets, result, observed))
        done += len(trials)
        if progress is not None:
            progress(done, n_trials, study.best_value)
    rows = [{**{p.key: t.params[p.safe_name] for p in config.parameters},
             "distance": t.value}
            for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))]
    return pd.DataFrame(rows).sort_values("distance", kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------ predictions
def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Quantile ``q`` of a weighted sample."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    cumulative /= cumulative[-1]
    return float(np.interp(q, cumulative - weights[order] / cumulative[-1] / 2, values[order]))


def posterior_summary(posterior: pd.DataFrame, config: CalibrationConfig) -> pd.DataFrame:
    """Weighted median and 5-95 % interval of each parameter (with its prior bounds)."""
    weights = posterior["weight"].to_numpy() if "weight" in posterior else np.ones(len(posterior))
    rows = []
    for p in config.parameters:
        values = posterior[p.key].to_numpy(float)
        rows.append({"parameter": p.key, "prior_min": p.low, "prior_max": p.high,
                     "p05": weighted_quantile(values, weights, 0.05),
                     "median": weighted_quantile(values, weights, 0.5),
                     "p95": weighted_quantile(values, weights, 0.95)})
    return pd.DataFrame(rows)


def predictive_years(config: CalibrationConfig) -> list[int]:
    """The years the predictive simulates: the first fit year to the last held-out year."""
    return list(range(min(config.fit_years), config.end_year + 1))


def simulate_draws(config: CalibrationConfig, draws: pd.DataFrame, map_fn: MapFn = local_map
                   ) -> dict[str, np.ndarray]:
    """Simulate each parameter draw over :func:`predictive_years`.

    Returns:
        Per target, a ``draws × years`` array of the target's value (mean over the config's
        seeds), in the order of ``draws``' rows.

    """
    task = base_task(config, predictive_years(config))
    log.info("predictive: simulating %d draws over %d-%d", len(draws), task.years[0],
             task.years[-1])
    tasks = [task.with_overrides({p.key: float(row[p.key]) for p in config.parameters})
             for _, row in draws.iterrows()]
    results = map_fn(simulate_targets, tasks)
    return {t.name: np.array([r[t.name] for r in results], dtype=float)
            for t in config.targets}


def _n_draws(paths: dict[str, np.ndarray]) -> int:
    return len(next(iter(paths.values())))


def _weights(paths: dict[str, np.ndarray], weights: np.ndarray | None) -> np.ndarray:
    n = _n_draws(paths)
    return np.full(n, 1.0 / n) if weights is None else np.asarray(weights, float) / np.sum(weights)


def median_path(paths: dict[str, np.ndarray], weights: np.ndarray | None = None
                ) -> dict[str, np.ndarray]:
    """The weighted median of the draws' paths, year by year (NaN where no draw has a value)."""
    w = _weights(paths, weights)
    return {name: np.array([_quantile(matrix[:, j], w, 0.5) for j in range(matrix.shape[1])])
            for name, matrix in paths.items()}


def _quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    finite = np.isfinite(values)
    if not finite.any():
        return math.nan
    return weighted_quantile(values[finite], weights[finite], q)


def bands(config: CalibrationConfig, paths: dict[str, np.ndarray],
          weights: np.ndarray | None = None, point: int | None = None) -> pd.DataFrame:
    """Predictive bands: weighted 5/50/95 % quantiles of the draws' paths per target and year.

    Args:
        config: The calibration config (targets, fit and held-out years, observations).
        paths: :func:`simulate_draws` output.
        weights: The draws' weights (ABC importance weights); None for equal weights.
        point: If given, the draw whose path is reported as ``point`` (the point values'
            own path).

    Returns:
        A tidy frame: ``target, year, observed, p05, median, p95, part`` (part: fit, holdout
        or other), plus ``point`` if asked for. Under the noise model also ``obs_p05`` and
        ``obs_p95``: the 5/95 % quantiles of what the *observation* would be, the draws plus
        the target's Gaussian error (:func:`mixture_quantile`), the band an observation
        should fall in if model and error model are right.

    """
    years = predictive_years(config)
    w = _weights(paths, weights)
    middle = median_path(paths, w)
    rows = []
    for target in config.targets:
        matrix = paths[target.name]
        observed = target.observed(config.observed).reindex(years)
        for j, year in enumerate(years):
            part = ("fit" if year in config.fit_years else
                    "holdout" if year in config.holdout_years else "other")
            row = {"target": target.name, "year": year, "observed": observed.iloc[j],
                   "p05": _quantile(matrix[:, j], w, 0.05),
                   "median": float(middle[target.name][j]),
                   "p95": _quantile(matrix[:, j], w, 0.95), "part": part}
            if config.noise_model:
                row["obs_p05"] = mixture_quantile(matrix[:, j], w, target.noise_sd, 0.05)
                row["obs_p95"] = mixture_quantile(matrix[:, j], w, target.noise_sd, 0.95)
            if point is not None:
                row["point"] = float(matrix[point, j])
            rows.append(row)
    return pd.DataFrame(rows)


def mixture_quantile(values: np.ndarray, weights: np.ndarray, sd: float, q: float) -> float:
    """Quantile ``q`` of the weighted mixture of Gaussians ``N(values_i, sd²)``.

    Solves ``Σ_i w_i Φ((y − x_i)/sd) = q`` (weights normalised) with Brent's method,
    bracketed 10 sd beyond the extreme draws.
    """
    from scipy.optimize import brentq
    from scipy.special import ndtr

    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    return float(brentq(lambda y: float(np.sum(w * ndtr((y - x) / sd))) - q,
                        float(x.min()) - 10.0 * sd, float(x.max()) + 10.0 * sd, xtol=1e-12))


def representative(config: CalibrationConfig, paths: dict[str, np.ndarray],
                   weights: np.ndarray | None = None) -> int:
    """The draw whose path is closest to the predictive median: the point scenarios take.

    ``argmin_i d(x_i, m)``, with ``d`` the fit's distance (:func:`distance`: target weights,
    or ``1/noise_sd`` under the noise model; all of :func:`predictive_years`) and ``m`` the
    weighted median path (:func:`median_path`).
    It uses no observation, so held-out years stay held out. Marginal posterior medians are
    not used as the point because the model at the median parameters is not the median of
    the model: with correlated parameters (the constant and the price weight) their path can
    sit several points from the predictive median (README, Calibration).

    Returns:
        The row number of that draw.

    """
    middle = median_path(paths, weights)
    targets = weighted_targets(config)
    gaps = [distance(targets, {name: matrix[i] for name, matrix in paths.items()}, middle)
            for i in range(_n_draws(paths))]
    return int(np.argmin(gaps))


def errors(bands: pd.DataFrame) -> pd.DataFrame:
    """Mean absolute error per target on fit and held-out years.

    Of the predictive median (``mae``, ``relative_mae``) and, if the bands have it, of the
    point values' path (``mae_point``).
    """
    rows = []
    for (target, part), group in bands.dropna(subset=["observed"]).groupby(["target", "part"]):
        error = (group["median"] - group["observed"]).abs()
        row = {"target": target, "part": part, "years": ", ".join(map(str, group["year"])),
               "mae": float(error.mean()),
               "relative_mae": float(error.mean() / group["observed"].abs().mean())}
        if "point" in group:
            row["mae_point"] = float((group["point"] - group["observed"]).abs().mean())
        rows.append(row)
    return pd.DataFrame(rows)


def resample(posterior: pd.DataFrame, n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` equally weighted draws from a weighted posterior (reproducible); no ``weight``."""
    weights = posterior["weight"].to_numpy(float) if "weight" in posterior else None
    rng = np.random.default_rng(seed)
    index = rng.choice(len(posterior), size=n, replace=True, p=weights)
    return posterior.iloc[index].drop(columns="weight", errors="ignore").reset_index(drop=True)


def finite(value: float) -> bool:
    """Whether a number is finite (helper for reports)."""
    return isinstance(value, float | int) and math.isfinite(value)
