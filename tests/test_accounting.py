"""Money and tonnes: charging is a stock, spending is booked once, cost per tonne is of paid levers.

Issue 8, items 1-3. Each test failed on the code before the fix:
* the charging index fell back to its 2020 value when ``charging_buildout`` ended;
* every instance of a policy kind booked the kind's whole monthly total, active or not;
* the cost per tonne divided spending by all abatement, free exogenous assumptions included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm.accounting import (
    COST_PER_TONNE,
    cost_accounting,
    exogenous_scenario,
    regulated_scenario,
    stopped_at,
)
from abm.model import JiangmenModel
from abm.policies import make_policy
from abm.results import annual_summary
from abm.scenario import Scenario, load_scenario
from abm.simulate import simulate

SCALE, SEED = 400.0, 3


def _with_policies(base: Scenario, tables: list[dict], name: str,
                   overrides: dict | None = None) -> Scenario:
    policies = base.fresh_policies() + [make_policy(t) for t in tables]
    params = base.params.with_overrides(overrides or {})
    return Scenario(name, params, policies)


def _run(scenario: Scenario, end_year: int = 2030, population=None, scale: float = SCALE
         ) -> JiangmenModel:
    return JiangmenModel(scenario=scenario, scale=scale, rng=SEED, end_year=end_year,
                         population=population).run()


def _charging(model: JiangmenModel) -> np.ndarray:
    return np.array([m.charging_index for m in model.month_log])


# ------------------------------------------------------------------ 1. chargers are a stock
def test_built_chargers_stay_built_after_the_policy_ends(baseline, small_population):
    scenario = _with_policies(baseline, [{"kind": "charging_buildout", "target": 0.9,
                                          "start": 2022, "end": 2025}], "charging")
    index = _charging(_run(scenario, population=small_population))
    assert np.all(np.diff(index) >= -1e-12), "the charging index fell"
    after_end = index[(2026 - 2020) * 12:]
    assert after_end == pytest.approx(np.full(len(after_end), 0.9))


def test_charger_retirement_decays_toward_the_2020_level(baseline, small_population):
    rate = 0.1
    scenario = _with_policies(baseline, [{"kind": "charging_buildout", "target": 0.9,
                                          "start": 2022, "end": 2025}], "retiring",
                              {"tech.charging_retirement": rate})
    index = _charging(_run(scenario, population=small_population))
    base = baseline.params["behaviour.charging_index_2020"]
    december_2025, december_2027 = index[6 * 12 - 1], index[8 * 12 - 1]
    # Hand computation: I - base shrinks by (1 - r) a year once the build-out has ended.
    assert december_2027 - base == pytest.approx((december_2025 - base) * (1 - rate) ** 2)


def test_nev_sales_do_not_collapse_when_the_buildout_ends(baseline):
    """Before the fix the car NEV share fell by 20 points the year a build-out ended."""
    scenario = _with_policies(baseline, [{"kind": "charging_buildout", "target": 0.9,
                                          "start": 2022, "end": 2025}], "charging")
    share = simulate(scenario, scale=100, seed=0, end_year=2027).series("nev_share_sales_car")
    assert share[2026] >= share[2025] - 0.03, share.to_dict()


# ------------------------------------------------------------------ 2. spending booked once
SPLITS = {
    "pv_subsidy": ({"kind": "pv_subsidy", "group": "household", "level": 0.5},),
    "feed_in_premium": ({"kind": "feed_in_premium", "level": 0.2},),
    "tax_exemption": ({"kind": "purchase_tax_exemption", "level": 1.0},),
    "green_finance": ({"kind": "green_finance", "rate_discount": 0.02,
                       "credit_expansion": 0.3},),
    "vessel": ({"kind": "vessel_replacement_subsidy", "level": 800},),
}


@pytest.mark.parametrize("kind", sorted(SPLITS))
def test_splitting_a_policy_in_two_leaves_spending_unchanged(kind, small_population):
    bare = Scenario("bare", load_scenario("baseline").params, [])
    (table,) = SPLITS[kind]
    whole = _with_policies(bare, [{**table, "start": 2021, "end": 2026}], "whole")
    halves = _with_policies(bare, [{**table, "start": 2021, "end": 2023},
                                   {**table, "start": 2024, "end": 2026}], "halves")
    population = None if kind == "vessel" else small_population  # vessels need more agents
    one = _run(whole, population=population, scale=50)
    two = _run(halves, population=population, scale=50)
    assert two.spending.sum() > 0
    np.testing.assert_allclose(two.spending.sum(axis=1), one.spending.sum(axis=1), rtol=1e-9,
                               atol=1e-6)
    if kind != "feed_in_premium":  # premiums locked in are paid after the end
        first = two.spending[:, 0]
        assert first[(2024 - 2020) * 12:].sum() == 0.0, "an ended policy kept booking"


def test_an_instance_books_nothing_before_it_starts(small_population):
    """The plan's second tax-exemption instance (2026-27) books nothing in 2020-25."""
    plan = load_scenario("plan")
    model = _run(plan, end_year=2027, population=small_population)
    later = [j for j, p in enumerate(model.policies)
             if p.kind == "purchase_tax_exemption" and p.start == 2026]
    assert len(later) == 1
    assert model.spending[:(2026 - 2020) * 12, later[0]].sum() == 0.0
    assert model.spending[(2026 - 2020) * 12:, later[0]].sum() > 0.0


# ------------------------------------------------------------------ 3. cost per tonne
def _fake_summary(co2: float, spend: float, years=range(2020, 2031)) -> pd.DataFrame:
    rows = [(y, "co2_total", co2, "Mt CO2") for y in years]
    rows += [(y, "spending_total", spend, "million CNY") for y in years]
    return pd.DataFrame(rows, columns=["year", "metric", "value", "unit"])


def test_cost_per_tonne_counts_only_the_paid_levers_hand_computed(baseline, plan):
    """Hand-made summaries: 11 years; baseline 30 Mt/yr, exogenous 29, regulated 28.5,
    scenario 28 (so 11 + 5.5 + 5.5 Mt abated); extra spending 11 × 100 M CNY."""
    values = {"baseline": (30.0, 10.0), "exogenous": (29.0, 10.0), "regulation": (28.5, 10.0),
              "plan": (28.0, 110.0)}

    def run(scenario: Scenario, end_year: int) -> pd.DataFrame:
        parts = scenario.name.split("-")
        key = "regulation" if "regulation" in parts else "exogenous" if "exogenous" in parts \
            else parts[0]
        if end_year > 2030:  # lifetime runs: 2 Mt/yr more saving per year for 30 years
            co2 = {"plan": 28.0, "regulation": 30.0}[key]
            return _fake_summary(co2, values[key][1], range(2020, end_year + 1))
        return _fake_summary(*values[key])

    acc = cost_accounting(plan, baseline, run, end_year=2030)
    assert acc.abated_mt == pytest.approx(22.0)
    assert acc.exogenous_mt == pytest.approx(11.0)
    assert acc.regulation_mt == pytest.approx(5.5)
    assert acc.paid_mt == pytest.approx(5.5)
    assert acc.extra_spending_mcny == pytest.approx(1100.0)
    assert acc.cny_per_t_paid == pytest.approx(1100.0 / 5.5)  # 200 CNY/t, not 1100/22 = 50
    assert acc.horizon == 2030 + 25
    assert acc.lifetime_paid_mt == pytest.approx(2.0 * (2055 - 2020 + 1))
    assert "paid levers" in COST_PER_TONNE and "exogenous" in COST_PER_TONNE


def test_layers_are_what_the_scenario_changes(baseline, plan):
    exo = exogenous_scenario(plan, baseline)
    assert exo.params.overrides == plan.params.overrides
    assert [p.name for p in exo.policies] == [p.name for p in baseline.policies]
    reg = regulated_scenario(plan, baseline)
    assert {type(p).pays for p in reg.policies if p.kind != "ev_purchase_subsidy"} <= {
        False, True}
    assert all(not type(p).pays for p in reg.policies
               if p.name not in {q.name for q in baseline.policies})
    assert [p.kind for p in reg.policies if type(p).pays] == [
        p.kind for p in baseline.policies if type(p).pays]
    stopped = stopped_at(plan, 2025)
    assert max(p.end for p in stopped.policies) <= 2025
    assert min(p.start for p in stopped.policies) <= 2025


def test_a_pure_subsidy_has_no_free_abatement(baseline):
    """Baseline plus one household PV subsidy: every tonne is the subsidy's."""
    scenario = _with_policies(baseline, [{"kind": "pv_subsidy", "group": "household",
                                          "level": 1.0, "start": 2022, "end": 2026}], "pv")

    def run(sc: Scenario, end_year: int) -> pd.DataFrame:
        return annual_summary(JiangmenModel(scenario=sc, scale=SCALE, rng=SEED,
                                            end_year=end_year).run())

    acc = cost_accounting(scenario, baseline, run, end_year=2030)
    assert acc.exogenous_mt == 0.0
    assert acc.regulation_mt == 0.0
    assert acc.paid_mt == pytest.approx(acc.abated_mt)
    assert acc.extra_spending_mcny > 0
    assert acc.lifetime_paid_mt > acc.paid_mt > 0, "PV keeps saving after the subsidy ends"


def test_the_plan_separates_the_grid_assumption_from_its_levers(baseline, plan):
    """The plan's faster grid decline is free: it must not lower the cost per tonne."""
    def run(sc: Scenario, end_year: int) -> pd.DataFrame:
        return simulate(sc, scale=200, seed=0, end_year=end_year).summary

    acc = cost_accounting(plan, baseline, run, end_year=2035)
    assert acc.abated_mt == pytest.approx(acc.exogenous_mt + acc.regulation_mt + acc.paid_mt)
    assert acc.exogenous_mt > 0.3 * acc.abated_mt
    naive = acc.extra_spending_mcny / acc.abated_mt
    assert acc.cny_per_t_paid > 1.5 * naive
