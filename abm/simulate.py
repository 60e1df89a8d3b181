"""Run a scenario end to end: ``simulate(scenario, scale=..., seed=...) -> Run``."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from tqdm import tqdm

from abm.headline import headline, series
from abm.model import JiangmenModel
from abm.population import Population
from abm.results import annual_summary, sector_emissions, targets_table
from abm.scenario import Scenario, load_scenario

log = logging.getLogger(__name__)


@dataclass
class Run:
    """A finished run: the model and its derived tables."""

    model: JiangmenModel
    summary: pd.DataFrame
    targets: pd.DataFrame
    seconds: float
    extras: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        """Scenario name."""
        return self.model.scenario.name

    def series(self, metric: str) -> pd.Series:
        """One annual metric indexed by year."""
        return series(self.summary, metric)

    def headline(self) -> dict[str, float]:
        """Key numbers for a summary table (:func:`abm.headline.headline`)."""
        return headline(self.summary, self.targets)


def simulate(scenario: Scenario | str, *, scale: float = 50.0, seed: int = 0,
             end_year: int = 2035, engine: str = "numba", progress: bool = False,
             overrides: dict | None = None,
             on_month: Callable[[int, int], None] | None = None,
             agent_views: bool | None = None, population: Population | None = None) -> Run:
    """Build and run a model; return its summary and targets.

    The one way to run the model: the CLI, the app, experiments and calibration call it.

    Args:
        scenario: Scenario object, name or TOML path.
        scale: Real entities per agent.
        seed: Random seed (the same seed gives identical results).
        end_year: Last simulated year.
        engine: ``"numba"`` or ``"reference"``.
        progress: Show a progress bar (months) on stderr.
        overrides: Extra parameter overrides (dotted keys), validated.
        on_month: Called after every month with ``(months done, months in all)``; an
            exception it raises stops the run (how the app cancels one).
        agent_views: Create the Mesa agent objects (:class:`JiangmenModel`'s default if
            None). Results never depend on it; without them a run starts faster.
        population: A synthesised population for this scenario's parameters, scale and seed
            (copied, never changed), to skip synthesising it again; see
            :class:`JiangmenModel`.

    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if overrides:
        scenario = scenario.with_parameters(overrides)
    start = time.perf_counter()
    model = JiangmenModel(scenario=scenario, scale=scale, rng=seed, end_year=end_year,
                          engine=engine, agent_views=agent_views,  # type: ignore[arg-type]
                          population=population)
    bar = tqdm(total=model.n_months, desc=f"{scenario.name}", unit="month", disable=not progress,
               leave=False)
    def month_done(done: int, total: int) -> None:
        bar.update(1)
        if on_month is not None:
            on_month(done, total)

    try:
        model.run(progress=month_done)
    finally:
        bar.close()
    summary = annual_summary(model)
    run = Run(model, summary, targets_table(summary), time.perf_counter() - start)
    log.info("%s: %d months at scale %g in %.1f s", scenario.name, model.n_months, scale,
             run.seconds)
    return run


def abatement_cost(run: Run, baseline: Run) -> dict[str, float]:
    """Cumulative abatement against a baseline (Mt) and public cost per tonne (CNY/t)."""
    abated = float((baseline.series("co2_total") - run.series("co2_total")).sum())
    extra_spend = (run.series("spending_total").sum()
                   - baseline.series("spending_total").sum()) * 1e6
    return {"abated_mt": abated,
            "cny_per_t": extra_spend / (abated * 1e6) if abated > 0 else float("nan")}


def district_emissions(run: Run) -> dict[str, np.ndarray]:
    """Annual CO2 by sector and district, t (year × district)."""
    return sector_emissions(run.model, by_district=True)
