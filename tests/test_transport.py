"""Data-anchored checks of the transport model against 2020-2024 (issue 10).

One ``history`` run and its counterfactual without the 2020-22 purchase subsidy
(:func:`calibration.transport_checks.transport_checks`, scale 100, two seeds) are compared
with sourced figures: the 2021 vehicle stock (Jiangmen statistical bulletin), first purchases
as the bulletin's growth, the NEV share of new cars and of the stock in the fitted years
(2020-2022) and the held-out years (2023-2024), heavy trucks mostly diesel in 2020-2022, new
city buses electric (provincial guideline), and the cost per additional NEV of the 2020-22
subsidy inside the published range.
"""

from __future__ import annotations

import pytest

from calibration.transport_checks import PUBLISHED_COST_PER_NEV, transport_checks

SCALE, SEEDS = 100.0, (1, 2)


@pytest.fixture(scope="module")
def checks():
    return transport_checks(SCALE, SEEDS)


def test_stock_2021_within_5_percent_of_the_bulletin(checks):
    stock, bulletin = checks["stock_2021"]
    assert abs(stock / bulletin - 1.0) < 0.05


def test_first_purchases_are_the_bulletins_growth(checks):
    """Sales = replacements + growth: 2021's first purchases are the +8.7 % of 959,601."""
    assert checks["first_purchases_2021"] == pytest.approx(0.087 * 959_601, rel=0.02)


def test_fitted_years_follow_the_passenger_car_series(checks):
    for year in (2021, 2022):
        model, observed = checks["nev_share_sales_car"][year]
        assert abs(model - observed) < 0.04, year


ISSUE_TOLERANCE = {"sales": 0.03, "stock": 0.01}
"""Issue 10's held-out targets: 3 points (new cars), 1 point (stock) in 2023 and 2024."""
REACHED = {("sales", 2023): 0.13, ("sales", 2024): 0.25, ("stock", 2023): 0.045,
           ("stock", 2024): 0.075}
"""What the shipped fit reaches (README "Transport": it overshoots after 2022); a guard
against getting worse, not a claim of success."""
SERIES = {"sales": "nev_share_sales_car", "stock": "nev_share_stock_car"}


@pytest.mark.parametrize("year", [2023, 2024])
@pytest.mark.parametrize("kind", ["sales", "stock"])
def test_held_out_error_is_no_worse_than_the_shipped_fit(checks, kind, year):
    model, observed = checks[SERIES[kind]][year]
    assert abs(model - observed) < REACHED[(kind, year)]


@pytest.mark.xfail(strict=True, reason="not reached: the model overshoots the held-out years "
                                       "(README, Transport; issue 10 stays open on this)")
@pytest.mark.parametrize("year", [2023, 2024])
@pytest.mark.parametrize("kind", ["sales", "stock"])
def test_held_out_error_within_the_issues_tolerance(checks, kind, year):
    model, observed = checks[SERIES[kind]][year]
    assert abs(model - observed) < ISSUE_TOLERANCE[kind]


def test_heavy_trucks_stay_mostly_diesel_until_2022(checks):
    """China: ~0.2 % of new heavy trucks new-energy in 2020 (data/observed); LNG a minority."""
    for year in (2020, 2021, 2022):
        nev = checks["nev_share_sales_by_type"]["truck"][year]
        lng = checks["lng_share_sales_truck"][year]
        assert nev < 0.05, year
        assert nev + lng < 0.25, year


def test_new_city_buses_are_electric(checks):
    """Guangdong guideline: PRD city buses electric by 2020 (nev_mandate in history)."""
    for year, share in checks["nev_share_sales_by_type"]["bus"].items():
        assert share != share or share == 1.0, year  # nan: no bus replaced that year


def test_cost_per_additional_nev_in_the_published_range(checks):
    low, high = PUBLISHED_COST_PER_NEV
    assert low <= checks["cost_per_additional_nev"] <= high
