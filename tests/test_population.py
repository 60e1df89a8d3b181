"""The synthetic city: totals independent of scale, sound networks, linked cars."""

import numpy as np
import pytest

from abm import data
from abm.model import JiangmenModel
from abm.params import Parameters
from abm.population import recount_peers, small_world, synthesise

P = Parameters()


def totals(pop):
    h, v, f, x = (pop.tables[g] for g in ("households", "vehicles", "firms", "fishers"))
    return {
        "households": h.weight.sum(),
        "cars": v.weight[(v.vtype == 0) & (v.age >= 0)].sum(),  # the 2020 stock
        "trucks": v.weight[v.vtype == 4].sum(),
        "firms": f.weight.sum(),
        "vessels": x.weight[x.kind == 1].sum(),
        "pond_ha": (x.weight * x.pond_area).sum(),
        "industry_tce": (f.weight * f.energy_base).sum(),
        "household_kwh": (h.weight * h.electricity_base).sum(),
        "roof_owners": (h.weight * h.owns_roof).sum(),
        "car_km": (v.weight * v.km_year)[(v.vtype == 0) & (v.age >= 0)].sum(),
    }


def test_city_totals_do_not_depend_on_scale():
    coarse, fine = totals(synthesise(P, 400, 1)), totals(synthesise(P, 40, 2))
    districts = data.districts()
    expected_households = (districts["population"] / districts["persons_per_household"]).sum()
    assert coarse["households"] == pytest.approx(expected_households, rel=1e-9)
    assert fine["households"] == pytest.approx(expected_households, rel=1e-9)
    for key in ("cars", "trucks", "firms", "vessels", "industry_tce", "household_kwh"):
        assert coarse[key] == pytest.approx(fine[key], rel=1e-9), key  # exact by stratum
    for key in ("pond_ha", "roof_owners", "car_km"):
        assert coarse[key] == pytest.approx(fine[key], rel=0.05), key  # sampling error


def test_first_year_emissions_agree_across_scales():
    def co2_2020(scale, seed):
        model = JiangmenModel(scenario="baseline", scale=scale, rng=seed, end_year=2020).run()
        return sum(h[:12].sum(axis=(0, 1))[0] for h in model.history.values())

    assert co2_2020(400, 1) == pytest.approx(co2_2020(40, 2), rel=0.03)


def test_whole_city_size_at_scale_one_is_about_1_5_million_households():
    districts = data.districts()
    households = (districts["population"] / districts["persons_per_household"]).sum()
    assert 1.4e6 < households < 1.7e6


def test_small_world_network_is_symmetric_and_mostly_local():
    rng = np.random.default_rng(0)
    district = np.repeat(np.arange(7), 2000)
    net = small_world(district, 8, 0.1, 0.1, rng)
    n = district.size
    src = np.repeat(np.arange(n), np.diff(net.indptr))
    dst = net.indices
    assert not np.any(src == dst)
    pairs = set(zip(src.tolist(), dst.tolist(), strict=True))
    assert all((b, a) in pairs for a, b in pairs)
    assert 7.0 < net.degree.mean() < 8.5
    assert (district[src] == district[dst]).mean() > 0.95


def test_cars_are_linked_to_households_both_ways():
    pop = synthesise(P, 200, 5)
    h, v = pop.tables["households"], pop.tables["vehicles"]
    cars = np.flatnonzero(v.household >= 0)
    assert cars.size > 0 and np.all(v.vtype[cars] == 0)
    assert np.array_equal(h.car[v.household[cars]], cars)
    assert np.all(h.district[v.household[cars]] == v.district[cars])


def test_incremental_peer_counts_equal_a_recount():
    model = JiangmenModel(scenario="plan", scale=500, rng=2, end_year=2028).run()
    counted = {g: {c: t.arrays[c].copy() for c in t.arrays if c.startswith("peers_")}
               for g, t in model.tables.items()}
    assert counted["households"]["peers_pv"].sum() > 0
    recount_peers(model.population)
    for group, columns in counted.items():
        for column, values in columns.items():
            assert np.array_equal(values, model.tables[group].arrays[column]), (group, column)
