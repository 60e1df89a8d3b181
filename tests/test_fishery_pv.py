"""Developers' fishery-PV pipeline (abm/fishery_pv.py): fit, hand-computed economics, levers.

Tolerances: the fitted year (2021, Haiyan phase 1's 200 MW connected on 2021-12-28) within 5 %;
the held-out years 2022-2024 (the other listed projects at their announced online years, which
are themselves uncertain) within 25 %.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from abm import fishery_pv as fpv
from abm.params import Parameters
from abm.supply import capacity_mw


def test_the_grid_parameter_is_the_fit():
    """``supply.fishery_pv_grid_mw_per_year`` is what fit_grid_mw returns (to 0.1 MW)."""
    p = Parameters()
    assert p["supply.fishery_pv_grid_mw_per_year"] == pytest.approx(fpv.fit_grid_mw(p), abs=0.05)


@pytest.mark.parametrize(("years", "tolerance"), [(fpv.FITTED_YEARS, 0.05),
                                                  (fpv.HELD_OUT_YEARS, 0.25)])
def test_capacity_against_the_connected_projects(years, tolerance):
    p = Parameters()
    years = np.array(years)
    model = fpv.developer_capacity_mw(p, years)
    observed = fpv.connected_projects_mw(years)
    np.testing.assert_allclose(model, observed, rtol=tolerance)


def test_capacity_is_zero_before_the_first_connection_and_feeds_supply():
    p = Parameters()
    years = np.array([2020, 2021, 2030])
    cap = capacity_mw(p, years)["fishery_pv"]
    assert cap[0] == 0.0
    np.testing.assert_allclose(cap, fpv.developer_capacity_mw(p, years))


def test_a_single_project_by_hand():
    """3.8 CNY/W, 0.453 CNY/kWh, 1,086 kWh/kWp, O&M 0.04 CNY/W, 1,000 CNY/mu, 0.6 MW/ha, 25 yr.

    A = 1.086 · 0.453 − 0.04 − 1000 · 15 / 600,000 = 0.426958 CNY/W/yr;
    NPV(8 %) = 0.426958 · 10.674776 − 3.8 = 0.757681 CNY/W; IRR = 10.2576 % (the rate at which
    the 25 discounted cash flows sum to the capex, checked by summing them).
    """
    cash = fpv.annual_cash_per_w(0.453, 1086.0, 0.04, 1000.0, 0.6)
    assert cash == pytest.approx(0.426958, abs=1e-9)
    assert fpv.npv_per_w(3.8, cash, 0.08, 25.0) == pytest.approx(0.757681, abs=1e-6)
    rate = fpv.irr(3.8, cash, 25.0)
    assert rate == pytest.approx(0.102576, abs=1e-6)
    assert sum(cash / (1 + rate) ** t for t in range(1, 26)) == pytest.approx(3.8, abs=1e-9)


def test_a_project_that_never_pays_back_has_the_lowest_irr():
    assert fpv.irr(3.8, -0.01, 25.0) == fpv.IRR_BRACKET[0]


@pytest.mark.parametrize(("key", "values"), [
    ("prices.export_price", [0.30, 0.35, 0.40, 0.453, 0.50, 0.60]),
    ("tech.pv_cost_fishery_2020", [6.0, 5.0, 4.5, 3.8, 3.0]),
    ("supply.fishery_pv_lease", [4000.0, 3000.0, 2000.0, 1000.0, 0.0]),
    ("supply.fishery_pv_green_discount", [0.0, 0.01, 0.02, 0.03]),
    ("supply.fishery_pv_grid_mw_per_year", [50.0, 100.0, 244.4, 400.0]),
])
def test_levers_raise_capacity_monotonically(key, values):
    """A better tariff, cheaper capex, a lower lease, green finance or more grid: more MW."""
    years = np.array([2025])
    mw = [fpv.developer_capacity_mw(Parameters({key: v}), years)[0] for v in values]
    assert all(b >= a for a, b in itertools.pairwise(mw)), mw
    assert mw[-1] > mw[0] * 1.05, mw


def test_pond_farmers_take_sites_first():
    """The pool (pond area × suitable share × MW/ha) holds developers and farmers together."""
    p = Parameters({"supply.fishery_pv_grid_mw_per_year": 2000.0})
    years = np.arange(2020, 2036)
    farms = np.full(len(years), 1000.0)
    alone = fpv.developer_capacity_mw(p, years)
    shared = fpv.developer_capacity_mw(p, years, farms)
    assert alone[-1] == pytest.approx(fpv.pool_mw(p))
    assert shared[-1] == pytest.approx(fpv.pool_mw(p) - 1000.0)
    assert (shared <= alone).all()


def test_bad_layout_density_names_the_field():
    with pytest.raises(ValueError, match=r"tech\.fishery_pv_mw_per_ha"):
        fpv.annual_cash_per_w(0.453, 1086.0, 0.04, 1000.0, 0.0)
