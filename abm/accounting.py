"""Who abated what, and at what public cost: the cost-per-tonne accounting, defined once.

A scenario abates CO2 against the baseline for three reasons, which are separated by three
runs with the same seed (common random numbers), each adding one layer to the previous:

1. **exogenous**: the baseline's policies with the scenario's parameters (its assumptions
   about the grid, prices, trends). Free: no public money buys them.
2. **regulation**: plus the scenario's unpaid policies (mandates, phase-outs, the carbon
   price, ETS coverage) in place of the baseline's, keeping the baseline's paid policies.
3. **paid levers**: the scenario itself (its subsidies, tax exemptions, interest support,
   credit purchases, charge points).

``abated = exogenous + regulation + paid`` exactly (each step is the difference of two runs).
The cost per tonne divides the scenario's extra public spending over the baseline by the
abatement of the paid levers only (:data:`COST_PER_TONNE`). Interactions go to the later
layer: the paid levers are credited with what they add on top of the scenario's
assumptions and regulations.

A subsidy paid in 2027 buys savings long after the run ends, so a second figure counts
abatement over the adopted assets' remaining lifetime (:data:`LIFETIME_ABATEMENT`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from abm.identity import scenario_hash
from abm.limits import LAST_YEAR
from abm.scenario import Scenario

COST_PER_TONNE = (
    "cost per tonne (paid levers) = extra public spending over the baseline (subsidies, tax "
    "forgone, interest support, credit purchases, charge points; CNY, undiscounted) / CO2 "
    "abated by the paid levers over the same years (t); abatement from the scenario's "
    "exogenous assumptions (grid, prices, trends) and from unpaid regulations is reported "
    "separately and not counted")
LIFETIME_ABATEMENT = (
    "lifetime abatement (paid levers) = paid-lever abatement when every policy stops at the "
    "end year and the runs continue until the adopted assets' lives end (end year + PV "
    "lifetime, at most 2060); its cost per tonne adds the premiums still paid after the end "
    "year")
WINDFALL = (
    "windfall share (subsidy levers) = 1 - additional adopters / subsidised adopters, where "
    "subsidised adopters are those paid a subsidy up to the end year and additional adopters "
    "= adopters at the end year with the paid levers minus without them (same seed: common "
    "random numbers make the counterfactual agent by agent); the share of the subsidy that "
    "went to adopters who would have adopted anyway by the end year")
WINDFALL_TECHNOLOGIES = ("household_pv", "household_retrofit", "firm_pv", "fishery_pv",
                         "vessel")
"""Technologies whose subsidies :func:`windfall_shares` reports (annual outputs
``adopters_<tech>`` and ``subsidised_adopters_<tech>``)."""
MAX_YEAR = LAST_YEAR

RunSummary = Callable[[Scenario, int], pd.DataFrame]
"""``run(scenario, end_year) -> annual summary`` (``year, metric, value, unit``)."""


def _split(scenario: Scenario, pays: bool) -> list:
    return [p for p in scenario.fresh_policies() if type(p).pays == pays]


def exogenous_scenario(scenario: Scenario, baseline: Scenario) -> Scenario:
    """The baseline's policies under the scenario's parameters (step 1)."""
    return Scenario(f"{scenario.name}-exogenous", scenario.params, baseline.fresh_policies(),
                    "the scenario's assumptions with the baseline's policies")


def regulated_scenario(scenario: Scenario, baseline: Scenario) -> Scenario:
    """Step 1 plus the scenario's unpaid policies in place of the baseline's (step 2)."""
    return Scenario(f"{scenario.name}-regulation", scenario.params,
                    _split(scenario, pays=False) + _split(baseline, pays=True),
                    "the scenario's assumptions and regulations with the baseline's paid "
                    "policies")


def stopped_at(scenario: Scenario, end_year: int) -> Scenario:
    """The scenario with every policy ended by ``end_year`` (those starting later dropped)."""
    policies = [dataclasses.replace(p, end=min(p.end, end_year))
                for p in scenario.fresh_policies() if p.start <= end_year]
    return Scenario(f"{scenario.name}-to-{end_year}", scenario.params, policies,
                    scenario.description)


def lifetime_horizon(scenario: Scenario, end_year: int) -> int:
    """Last year of the lifetime count: ``end_year + tech.pv_lifetime``, at most 2060."""
    return int(min(MAX_YEAR, end_year + round(scenario.params["tech.pv_lifetime"])))


@dataclass(frozen=True)
class CostAccounting:
    """Abatement of a scenario against the baseline, by cause, and its public cost.

    Mt CO2 summed over ``first_year``–``last_year`` (lifetime figures to ``horizon``),
    million CNY, CNY/t CO2.
    """

    first_year: int
    last_year: int
    abated_mt: float
    exogenous_mt: float
    regulation_mt: float
    paid_mt: float
    extra_spending_mcny: float
    cny_per_t_paid: float
    horizon: int
    lifetime_paid_mt: float
    lifetime_extra_spending_mcny: float
    cny_per_t_paid_lifetime: float

    windfall: dict[str, float] = dataclasses.field(default_factory=dict, compare=False)
    """Windfall share of each subsidised technology (:data:`WINDFALL`), NaN if none paid."""

    def columns(self) -> dict[str, float]:
        """The figures as summary-table columns (names carry the units)."""
        return {"abated_mt": self.abated_mt, "abated_exogenous_mt": self.exogenous_mt,
                "abated_regulation_mt": self.regulation_mt, "abated_paid_mt": self.paid_mt,
                "extra_spending_mcny": self.extra_spending_mcny,
                "cny_per_t_paid": self.cny_per_t_paid,
                "abated_paid_lifetime_mt": self.lifetime_paid_mt,
                "lifetime_to_year": float(self.horizon),
                "cny_per_t_paid_lifetime": self.cny_per_t_paid_lifetime,
                **{f"windfall_share_{tech}": share for tech, share in self.windfall.items()}}


def _total(summary: pd.DataFrame, metric: str, last_year: int | None = None) -> float:
    rows = summary[summary["metric"] == metric]
    if last_year is not None:
        rows = rows[rows["year"] <= last_year]
    return float(rows["value"].sum())


def windfall_shares(final: Callable[[str], float], counterfactual: Callable[[str], float]
                    ) -> dict[str, float]:
    """Share of subsidised adopters who would have adopted anyway, by technology.

    Args:
        final: Final-year value of an annual output in the run with the subsidies.
        counterfactual: The same without them (same seed).

    Returns:
        ``1 − (adopters − adopters without) / subsidised adopters`` per technology of
        :data:`WINDFALL_TECHNOLOGIES` (NaN where no adopter was subsidised), clipped to [0, 1].

    """
    out = {}
    for tech in WINDFALL_TECHNOLOGIES:
        paid = final(f"subsidised_adopters_{tech}")
        if not paid > 0:
            out[tech] = float("nan")
            continue
        extra = final(f"adopters_{tech}") - counterfactual(f"adopters_{tech}")
        out[tech] = float(min(max(1.0 - extra / paid, 0.0), 1.0))
    return out


def final_value(summary: pd.DataFrame) -> Callable[[str], float]:
    """``metric -> value in the summary's last year`` (NaN for a metric it lacks)."""
    last = summary[summary["year"] == summary["year"].max()].set_index("metric")["value"]
    return lambda metric: float(last.get(metric, float("nan")))


def per_tonne(extra_mcny: float, abated_mt: float) -> float:
    """CNY per tonne: extra spending (million CNY) / abatement (Mt); NaN unless abatement > 0."""
    return extra_mcny / abated_mt if abated_mt > 0 else float("nan")


def cost_accounting(scenario: Scenario, baseline: Scenario, run: RunSummary, end_year: int,
                    known: dict[tuple[str, int], pd.DataFrame] | None = None) -> CostAccounting:
    """Split a scenario's abatement into exogenous, regulation and paid levers; cost them.

    Args:
        scenario: The scenario assessed.
        baseline: The reference scenario.
        run: Runs a scenario to an end year and returns its annual summary; called with the
            same seed and scale for every run (common random numbers).
        end_year: Last year of the comparison.
        known: Summaries already computed, keyed by ``(scenario_hash, end_year)``; runs
            found here are not repeated, and new ones are added.

    """
    cache = known if known is not None else {}

    def summary(sc: Scenario, year: int) -> pd.DataFrame:
        key = (scenario_hash(sc), year)
        if key not in cache:
            cache[key] = run(sc, year)
        return cache[key]

    regulated = regulated_scenario(scenario, baseline)
    co2 = {name: _total(summary(sc, end_year), "co2_total")
           for name, sc in (("baseline", baseline), ("scenario", scenario),
                            ("exogenous", exogenous_scenario(scenario, baseline)),
                            ("regulated", regulated))}
    spend = {name: _total(summary(sc, end_year), "spending_total")
             for name, sc in (("baseline", baseline), ("scenario", scenario))}
    paid = co2["regulated"] - co2["scenario"]
    extra = spend["scenario"] - spend["baseline"]
    horizon = lifetime_horizon(scenario, end_year)
    long_scenario = summary(stopped_at(scenario, end_year), horizon)
    long_regulated = summary(stopped_at(regulated, end_year), horizon)
    lifetime = _total(long_regulated, "co2_total") - _total(long_scenario, "co2_total")
    lifetime_extra = (_total(long_scenario, "spending_total")
                      - _total(long_regulated, "spending_total"))
    years = summary(scenario, end_year)["year"]
    return CostAccounting(
        first_year=int(years.min()), last_year=int(years.max()),
        abated_mt=co2["baseline"] - co2["scenario"],
        exogenous_mt=co2["baseline"] - co2["exogenous"],
        regulation_mt=co2["exogenous"] - co2["regulated"], paid_mt=paid,
        extra_spending_mcny=extra, cny_per_t_paid=per_tonne(extra, paid), horizon=horizon,
        lifetime_paid_mt=lifetime, lifetime_extra_spending_mcny=lifetime_extra,
        cny_per_t_paid_lifetime=per_tonne(lifetime_extra, lifetime),
        windfall=windfall_shares(final_value(summary(scenario, end_year)),
                                 final_value(summary(regulated, end_year))))


def accounting_frame(results: dict[str, CostAccounting]) -> pd.DataFrame:
    """One row per scenario with the accounting columns and the definitions."""
    frame = pd.DataFrame({name: acc.columns() for name, acc in results.items()}).T
    frame["cost_per_tonne_definition"] = COST_PER_TONNE
    frame["lifetime_definition"] = LIFETIME_ABATEMENT
    frame["windfall_definition"] = WINDFALL
    return frame.astype({"lifetime_to_year": "Int64"}) if len(frame) else frame

