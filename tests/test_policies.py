"""A policy that pays more never lowers adoption (common random numbers); spending is booked."""

import numpy as np
import pytest

from abm.model import JiangmenModel
from abm.population import synthesise
from abm.scenario import parse_scenario
from abm.simulate import simulate


def scenario_with(policy):
    return parse_scenario({"name": "test", "policies": [policy]}, "test")


def population_params():
    return scenario_with({"kind": "carbon_price", "level": 0, "start": 2020,
                          "end": 2020}).params


@pytest.fixture(scope="module")
def population():
    return synthesise(population_params(), 300, 9)


def run(policy, population, end_year=2030):
    return JiangmenModel(scenario=scenario_with(policy), rng=9, end_year=end_year,
                         population=population).run()


@pytest.mark.parametrize("group", ["household", "firm", "fisher"])
def test_higher_pv_subsidy_never_lowers_adoption(group, population):
    table = {"household": "households", "firm": "firms", "fisher": "fishers"}[group]
    if group == "fisher":  # few suitable pond farms at scale 300: use a finer city
        population = synthesise(population_params(), 20, 9)
    low = run({"kind": "pv_subsidy", "group": group, "level": 0.2, "start": 2021, "end": 2030},
              population)
    high = run({"kind": "pv_subsidy", "group": group, "level": 0.8, "start": 2021,
                "end": 2030}, population)
    a, b = low.tables[table].has_pv, high.tables[table].has_pv
    assert np.all(b >= a), "with the same draws every low-subsidy adopter also adopts"
    assert b.sum() > a.sum()


def test_higher_ev_subsidy_never_lowers_nev_sales(population):
    low = run({"kind": "ev_purchase_subsidy", "level": 5000, "start": 2020, "end": 2030},
              population)
    high = run({"kind": "ev_purchase_subsidy", "level": 30000, "start": 2020, "end": 2030},
               population)
    from abm.groups import vehicles as k

    nev = lambda m: m.history["vehicles"][:, :, k.V_NEV_SALES:k.V_NEV_SALES + 5].sum()  # noqa: E731
    assert nev(high) > nev(low)


def test_carbon_inclusive_credit_price_raises_participation(population):
    runs = [run({"kind": "carbon_inclusive", "credit_price": price, "outreach": 0.5,
                 "start": 2022, "end": 2030}, population) for price in (10, 200)]
    members = [r.tables["households"].ci_member.sum() for r in runs]
    assert members[1] > members[0]


def test_spending_is_recorded_and_stops_when_policy_ends(population):
    model = run({"kind": "pv_subsidy", "group": "household", "level": 0.5, "start": 2022,
                 "end": 2024}, population)
    monthly = model.spending[:, 0]
    years = 2020 + np.arange(monthly.size) // 12
    assert monthly[(years >= 2022) & (years <= 2024)].sum() > 0
    assert monthly[(years < 2022) | (years > 2024)].sum() == 0


def test_plan_abates_against_baseline_with_the_same_seed():
    base = simulate("baseline", scale=300, seed=1, end_year=2030)
    plan = simulate("plan", scale=300, seed=1, end_year=2030)
    assert plan.series("co2_total").loc[2030] < base.series("co2_total").loc[2030]
    assert plan.series("spending_total").sum() > base.series("spending_total").sum()


def test_ets_expansion_with_a_carbon_price_never_lowers_ceramics_retrofits(population):
    price = {"kind": "carbon_price", "level": 400, "start": 2020, "end": 2060}
    plain = JiangmenModel(scenario=parse_scenario({"name": "a", "policies": [price]}, "a"),
                          rng=9, end_year=2040, population=population).run()
    extended = JiangmenModel(scenario=parse_scenario({"name": "b", "policies": [
        price, {"kind": "ets_expansion", "sector": "ceramics", "start": 2021, "end": 2060}]},
        "b"), rng=9, end_year=2040, population=population).run()
    firms = extended.tables["firms"]
    ceramics = (firms.sector == 3) & (firms.size != 2)
    assert np.all(extended.tables["firms"].retrofits >= plain.tables["firms"].retrofits)
    assert ceramics.any()
    assert extended.history["firms"][:, :, 0].sum() <= plain.history["firms"][:, :, 0].sum()


def test_policies_declare_their_levers_and_spending_metrics(small_population):
    """The month's lever record is generated from the policy declarations."""
    from abm.groups import GROUP_METRICS
    from abm.market import Month
    from abm.model import JiangmenModel
    from abm.policies import (
        POLICY_TYPES,
        Policy,
        declared_levers,
        make_policy,
    )
    from abm.scenario import Scenario, load_scenario

    levers = declared_levers()
    assert set(levers) <= set(Month._fields)
    for cls in POLICY_TYPES.values():
        for group, metric in cls.spends_into:
            assert metric in GROUP_METRICS[group], (cls.kind, metric)
        for lever in cls.levers.values():
            assert lever.unit and lever.label
            assert not lever.field or lever.field in cls.fields
    bare = Scenario("bare", load_scenario("baseline").params, [])
    model = JiangmenModel(scenario=bare, scale=2000, rng=0, end_year=2020,
                          population=small_population)
    record = model.month_levers(2020, 0.0)
    assert record == {name: (model.charging_index if lever.stock else lever.neutral)
                      for name, lever in levers.items()}

    class Rogue(Policy):
        kind = "rogue"

        def apply(self, levers, year):
            levers["undeclared_lever"] = 1.0

    model.policies = [Rogue(start=2020, end=2020)]
    with pytest.raises(RuntimeError, match="undeclared_lever"):
        model.month_levers(2020, 0.0)
    tax = make_policy({"kind": "purchase_tax_exemption", "level": 0.5, "cap": 9000,
                       "start": 2020, "end": 2021})
    record = {}
    tax.apply(record, 2020.0)
    assert record == {"tax_exemption": 0.5, "tax_exemption_cap": 9000.0}
