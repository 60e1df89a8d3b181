"""Data-anchored checks of the transport model against 2020-2024 (issue 10).

One ``history`` run and its counterfactual without the 2020-22 purchase subsidy
(:func:`calibration.transport_checks.transport_checks`, scale 100, two seeds) are compared
with sourced figures: the 2021 vehicle stock (Jiangmen statistical bulletin), first purchases
as the bulletin's growth, the scrappage rate of cars (China), the NEV share of new cars and of
the stock in the fitted years (2020-2022) and the held-out years (2023-2024), heavy trucks
(China's new-energy share of domestic sales), new city buses electric (provincial
guideline), and the cost per additional NEV of the 2020-22 subsidy inside the published
range. Shares of sales are the model's choice probabilities.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pytest

from abm.data import DATA_DIR, published_ranges
from calibration.transport_checks import ISSUE_TOLERANCE, transport_checks

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
    for year in (2020, 2021, 2022):
        model, observed = checks["nev_share_sales_car"][year]
        assert abs(model - observed) < 0.03, year


def test_cars_are_scrapped_as_chinas_were_in_the_fitted_years(checks):
    """The car life (19.25 years) is chosen so 2021-22 scrappage is China's 1.86 and 2.06 %."""
    for year in (2021, 2022):
        model, observed = checks["car_scrappage_rate"][year]
        assert abs(model - observed) < 0.003, year


def test_held_out_scrappage_2023_within_1_point(checks):
    """Not fitted: China's 2.37 % (registrations minus stock growth)."""
    model, observed = checks["car_scrappage_rate"][2023]
    assert abs(model - observed) < 0.01


def test_trade_in_scrappage_gives_chinas_2024_rise(checks):
    """Fitted, not held out: ``trade_in_scrappage`` (0.042 a year per 10,000 CNY) is set so
    that the 2024 trade-in subsidy raises scrappage as China's rose from 2023 (+0.55 points,
    2.37 → 2.92 %); the level stays under China's by the 2023 gap."""
    (m23, o23), (m24, o24) = (checks["car_scrappage_rate"][y] for y in (2023, 2024))
    assert (m24 - m23) == pytest.approx(o24 - o23, abs=0.001)
    assert abs(m24 - o24) < 0.01


SERIES = {"sales": "nev_share_sales_car", "stock": "nev_share_stock_car"}


SECOND_DRAW = DATA_DIR / "calibrated" / "transport" / "second_draw_abc_seed_1"
"""The same config run with ``--abc-seed 1`` before the taxi rule and early scrappage (not
shipped; its README says why)."""
BEFORE_TAXI_RULE = DATA_DIR / "calibrated" / "transport" / "before_taxi_rule_abc_seed_0"
"""The fit shipped before the taxi rule and early scrappage (the same config, seed 0)."""
SECOND_DRAW_NOW = DATA_DIR / "calibrated" / "transport" / "second_draw_current_abc_seed_1"
"""The shipped config on the shipped fit's model with ``--abc-seed 1`` (not shipped)."""
THIRD_DRAW_NOW = DATA_DIR / "calibrated" / "transport" / "third_draw_current_abc_seed_2"
"""The shipped config on today's model with ``--abc-seed 2`` (not shipped)."""
MPS_BASIS = DATA_DIR / "calibrated" / "transport" / "mps_basis_abc_seed_0"
"""The shipped config with flows on the stock's basis: all new vehicles against MPS
registrations (``calibration/configs/transport_mps_basis.toml``; not shipped)."""
WITH_STOCK = DATA_DIR / "calibrated" / "transport" / "with_stock_abc_seed_0"
"""The shipped config with the MPS stock of 2020-22 fitted too
(``calibration/configs/transport_with_stock.toml``; not shipped)."""
ALL_BASES = DATA_DIR / "calibrated" / "transport" / "all_bases_abc_seed_0"
"""The shipped config fitted to every 2020-22 observation on both bases: CPCA new cars, MPS
registrations and MPS stock (``calibration/configs/transport_all_bases.toml``; not shipped by
its pre-registered rule)."""
ALL_BASES_SEED_1 = DATA_DIR / "calibrated" / "transport" / "all_bases_abc_seed_1"
"""The same config with ``--abc-seed 1`` (the replication; not shipped by the same rule)."""


def predictive(target: str, part: str, folder: Path = DATA_DIR / "calibrated" / "transport"
               ) -> pd.DataFrame:
    """An ABC fit's posterior predictive (posterior draws × seeds 1-3) by year (default: the
    shipped fit)."""
    bands = pd.read_csv(folder / "predictive.csv")
    return bands[(bands["target"] == target) & (bands["part"] == part)].set_index("year")


@functools.cache
def fit_checks(folder: Path) -> dict:
    """The transport checks at a fit's point values (``FOLDER/calibrated.toml``; scale and
    seeds as the shipped fit's checks)."""
    return transport_checks(SCALE, SEEDS, folder / "calibrated.toml")


def median_error(target: str, year: int, folder: Path = DATA_DIR / "calibrated" / "transport"
                 ) -> float:
    """A fit's held-out error in ``year``: |predictive median − observed| (shares)."""
    row = predictive(target, "holdout", folder).loc[year]
    return abs(row["median"] - row["observed"])


MISSED_2024_POINT = pytest.mark.xfail(strict=True, reason=(
    "not reached at the point values: 2024 is -3.3 points (the predictive median -2.4 is "
    "inside); one particle carries the draw's noise (README, Transport)"))


@pytest.mark.parametrize("year", [2023, 2024])
def test_held_out_new_car_share_within_3_points(year):
    """Fitted on 2020-2022 only; China's passenger-car retail NEV share (CPCA) held out.

    The calibrated model's forecast is its posterior predictive median (every particle,
    weighted; what ``python -m calibration run transport`` reports): −0.7 and −2.5 points.
    The point values the scenarios include (the particle whose path is closest to that
    median) are checked below with the issue's tolerance as well.
    """
    assert median_error("nev_share_new_cars", year) < ISSUE_TOLERANCE["sales"]


@pytest.mark.parametrize("year", [2023, pytest.param(2024, marks=MISSED_2024_POINT)])
def test_held_out_new_car_share_at_the_point_values(checks, year):
    """The same at the point values (scale 100, seeds 1 and 2): −0.3 and −3.3 points."""
    model, observed = checks["nev_share_sales_car"][year]
    assert abs(model - observed) < ISSUE_TOLERANCE["sales"]


@pytest.mark.parametrize("year", [2023, 2024])
def test_stock_share_is_what_the_observed_sales_give_through_the_fleet(checks, year):
    """The car stock's NEV share within 1 point of the share the observed sales would give.

    A check of the cumulative sales (2021 to ``year``) through the model's own fleet (its
    sales volumes, first purchases and 2020 NEVs): the mapping of the stock that is
    consistent with the sales mapping (README, Transport).
    """
    model, _ = checks["nev_share_stock_car"][year]
    assert abs(model - checks["nev_share_stock_car_implied"][year]) < ISSUE_TOLERANCE["stock"]


@pytest.mark.parametrize("folder", [DATA_DIR / "calibrated" / "transport", SECOND_DRAW,
                                    SECOND_DRAW_NOW, THIRD_DRAW_NOW],
                         ids=["shipped", "second_draw", "second_draw_current",
                              "third_draw_current"])
def test_held_out_observations_inside_the_posterior_predictive_band(folder):
    """The 5-95 % predictive band (posterior draws, seeds 1-3) of the shipped ABC fit and of
    a second draw covers the held-out new-car shares (``predictive.csv``)."""
    held = predictive("nev_share_new_cars", "holdout", folder)
    assert sorted(held.index) == [2023, 2024]
    for year, row in held.iterrows():
        assert row.p05 <= row.observed <= row.p95, year


SECOND_DRAW_2024 = pytest.mark.xfail(strict=True, reason=(
    "not reached in the second draw: its predictive median is -3.7 points in 2024 (-2.5 in the "
    "draw of seed 0 of the same model, -2.4 in the shipped refit); the sampler's own "
    "randomness moves the 2024 forecast by about a point "
    "(README, Transport)"))


@pytest.mark.parametrize("year", [2023, pytest.param(2024, marks=SECOND_DRAW_2024)])
def test_a_second_draw_holds_out_within_3_points(year):
    """The same config with ``--abc-seed 1``: −1.2 points in 2023, −3.7 in 2024."""
    assert median_error("nev_share_new_cars", year, SECOND_DRAW) < ISSUE_TOLERANCE["sales"]


SECOND_DRAW_NOW_2024 = pytest.mark.xfail(strict=True, reason=(
    "not reached in the second draw of the shipped model: its predictive median is -3.9 "
    "points in 2024 (-2.4 in the shipped draw); 2024 sits on issue 10's boundary "
    "(README, Transport)"))


@pytest.mark.parametrize("year", [2023, pytest.param(2024, marks=SECOND_DRAW_NOW_2024)])
def test_a_second_draw_of_the_shipped_model_holds_out_within_3_points(year):
    """The shipped config on the shipped fit's model with ``--abc-seed 1``: −1.3 points in
    2023, −3.9 in 2024 (the shipped draw: −0.3 and −2.4)."""
    assert median_error("nev_share_new_cars", year, SECOND_DRAW_NOW) < ISSUE_TOLERANCE["sales"]


def medians_apart(first: Path, second: Path) -> pd.Series:
    """How far apart two fits' posterior medians are, as a share of each prior range."""
    a = pd.read_csv(first / "parameters.csv", index_col="parameter")
    b = pd.read_csv(second / "parameters.csv", index_col="parameter")
    assert list(a.index) == list(b.index)
    return (b["median"] - a["median"]).abs() / (a["prior_max"] - a["prior_min"])


@pytest.mark.parametrize(("first", "second"), [(BEFORE_TAXI_RULE, SECOND_DRAW),
                                               (DATA_DIR / "calibrated" / "transport",
                                                SECOND_DRAW_NOW)],
                         ids=["before_taxi_rule", "shipped_model"])
def test_two_draws_agree_on_the_posterior(first, second):
    """The same config and model with ``--abc-seed`` 0 and 1: each posterior median within a
    tenth of its prior range of the other's (measured: at most 0.06, beta_econ 1.81 / 1.90,
    before the taxi rule; at most 0.09, beta_econ 1.70 / 1.83, on the shipped model)."""
    assert (medians_apart(first, second) < 0.1).all()


def test_the_refit_under_the_taxi_rule_and_early_scrappage_agrees_with_the_earlier_fit():
    """The shipped fit was re-run after the taxi rule (which moved the 2020 PHEV share of NEV
    sales by 0.7 points) and the trade-in's early scrappage (2024 only): its medians are
    within a tenth of the prior range of the earlier fit's of the same seed (measured: at
    most 0.07, beta_econ 1.70 against 1.81)."""
    assert (medians_apart(BEFORE_TAXI_RULE, DATA_DIR / "calibrated" / "transport") < 0.1).all()


def test_plug_in_hybrids_follow_the_fitted_years(checks):
    """China's PHEV share of NEV sales (CAAM, 17-22 % in 2020-22) pins the PHEV constant."""
    for year in (2020, 2021, 2022):
        model, observed = checks["phev_share_sales_nev"][year]
        assert abs(model - observed) < 0.08, year


@pytest.mark.xfail(strict=True, reason="not reached: the model's PHEV share falls to 14 and 13 % "
                                       "in 2023-24 while China's rose to 30 and 40 % (range "
                                       "extenders, BYD DM-i; README, Transport)")
@pytest.mark.parametrize("year", [2023, 2024])
def test_plug_in_hybrid_share_held_out(checks, year):
    model, observed = checks["phev_share_sales_nev"][year]
    assert abs(model - observed) < 0.05


@pytest.mark.parametrize("year", [2023, 2024])
def test_chinas_registrations_through_the_fleet_give_chinas_stock(checks, year):
    """China's NEV share of new registrations (MPS: 11.3, 23.1, 30.3, 41.8 % in 2021-24, the
    inflow of its own stock series) through the model's fleet (its sales volumes, growth,
    scrappage and 2020 stock) gives China's stock share within 1 point: the fleet is not
    where the stock gap comes from, the sales mapping is (the model's cars follow CPCA
    passenger retail, above the registrations of all vehicles)."""
    _, observed = checks["nev_share_stock_all"][year]
    assert abs(checks["nev_share_stock_all_registrations"][year] - observed) < \
        ISSUE_TOLERANCE["stock"]


def test_chinas_registrations_through_its_own_fleet_give_its_stock():
    """Data only (MPS): 4.92 M NEVs at end-2020 plus the NEV share of each year's new 汽车
    registrations reproduce the NEV share of the 汽车 stock within 0.2 points in 2021-24
    (2.61, 4.14, 6.15, 9.04 % vs 2.6, 4.1, 6.07, 8.9 %): the stock-flow accounting of the
    checks is right."""
    from abm.observed import load_observed
    from calibration.transport_checks import national_stock_through_fleet

    national = national_stock_through_fleet(load_observed())
    for year, observed in national["observed"].items():
        assert abs(national["registrations"][year] - observed) < 0.002, year


@pytest.mark.parametrize("year", [2023, 2024])
def test_passenger_retail_series_overshoots_chinas_stock_by_more_than_1_point(year):
    """Data only: a Chinese fleet whose new vehicles had CPCA's passenger-retail NEV share
    would hold 7.14 and 10.42 % NEVs at end-2023 and 2024, not the 6.07 and 8.9 % MPS counts.
    The two national series the issue's criteria use (new cars within 3 points under the
    CPCA mapping, the stock within 1 point of MPS) are 1.1 and 1.5 points apart before any
    model is run (part of it the commercial ~15 % of registrations, whose NEV share was
    lower; README, Transport)."""
    from abm.observed import load_observed
    from calibration.transport_checks import national_stock_through_fleet

    national = national_stock_through_fleet(load_observed())
    assert national["cpca"][year] - national["observed"][year] > 0.01


STOCK_REACHED = 0.025
"""How far the model's all-vehicle NEV stock share may be from China's (+1.0 and +0.8 points
in 2023 and 2024, +1.7 and +1.8 with the fit before 2020 had first purchases; README,
Transport); a guard against getting worse, not a claim of success."""


@pytest.mark.parametrize("year", [2023, 2024])
def test_stock_share_against_the_national_series_is_no_worse(checks, year):
    """All vehicles against all vehicles (MPS counts every 汽车, trucks and buses too)."""
    model, observed = checks["nev_share_stock_all"][year]
    assert abs(model - observed) < STOCK_REACHED


MISSED_STOCK = pytest.mark.xfail(strict=True, reason=(
    "not reached: +1.5 and +1.6 points in 2023 and 2024. China's own CPCA shares through "
    "China's fleet miss its stock by 1.1 and 1.5 points, so the stock and the new-car criteria "
    "trade off (README, Transport)"))


@pytest.mark.parametrize("year", [pytest.param(2023, marks=MISSED_STOCK),
                                  pytest.param(2024, marks=MISSED_STOCK)])
def test_stock_share_within_1_point_of_the_national_series(checks, year):
    model, observed = checks["nev_share_stock_all"][year]
    assert abs(model - observed) < ISSUE_TOLERANCE["stock"]


def test_heavy_trucks_stay_mostly_diesel_until_2022(checks):
    """China: 0.16, 0.83 and 5.2 % of new heavy trucks new-energy in 2020-22 (data/observed)."""
    for year in (2020, 2021, 2022):
        nev, observed = checks["nev_share_sales_truck"][year]
        lng = checks["lng_share_sales_truck"][year]
        assert nev < max(2.0 * observed, 0.02), year
        assert nev + lng < 0.25, year


@pytest.mark.parametrize("year", [2023, 2024])
def test_heavy_trucks_answer_the_2023_24_price_war_plausibly(checks, year):
    """Within a factor of two of China's new-energy share of domestic heavy-truck sales (5.7 %
    in mid-2023, 14.8 % in 2024), not more: the national figure is led by closed short-haul
    routes (steel, coal, ports in Hebei, Shanxi, Shanghai), and the coefficients are hand-set.
    The rise comes from the dealers' 2023-24 prices (data/vehicle_paths.csv)."""
    nev, observed = checks["nev_share_sales_truck"][year]
    assert 0.5 * observed <= nev <= 2.0 * observed
    assert nev > checks["nev_share_sales_truck"][2022][0]


VANS_FLAT_2020 = pytest.mark.xfail(strict=True, reason=(
    "not reached: the model's vans are about 10 % NEV in 2020 (hand-set constant, BEV "
    "premium falling only with the pack price), China's light commercial vehicles under 1 % "
    "(BloombergNEF); the model's van share is nearly flat 2020-23 while China's rose about "
    "tenfold (README, Transport)"))


@pytest.mark.parametrize("year", [pytest.param(2020, marks=VANS_FLAT_2020), 2022, 2023, 2024])
def test_delivery_vans_within_a_factor_of_two_of_chinas_light_commercial_vehicles(checks, year):
    """China's new-energy share of new light commercial vehicles: under 1 % about 2020 and
    about 10 % in 2022 (BloombergNEF), 14.2 and 22.2 % in 2023-24 (ICCT, Gasgoo
    registrations); the vans' hand-set coefficients are not fitted to it. Within a factor of
    two, as for heavy trucks (mapping an assumption: the model's vans are urban delivery
    vehicles, China's segment is light trucks and vans)."""
    model = checks["nev_share_sales_by_type"]["van"][year]
    observed = checks["nev_share_sales_van_china"][year]
    assert 0.5 * observed <= model <= 2.0 * observed


def test_lng_trucks_before_the_gas_boom(checks):
    """2022: China's LNG share of domestic heavy-truck sales 7.7 % (data/observed); the
    hand-set LNG constant (``asc_truck_lng``, about a tenth of new heavy trucks) within a
    factor of two."""
    model = checks["lng_share_sales_truck"][2022]
    observed = checks["lng_share_sales_truck_china"][2022]
    assert 0.5 * observed <= model <= 2.0 * observed


@pytest.mark.xfail(strict=True, reason=(
    "not reached: the model's LNG share of new heavy trucks stays at 8-9 % while China's rose "
    "from 7.7 % (2022) to 16.7 and 29.6 % (2023-24); fuel prices are constant in the model "
    "and no LNG price series is in the data (README, Transport)"))
def test_lng_trucks_follow_the_2023_24_gas_boom(checks):
    """At least half of China's rise in the LNG share from 2022 to 2024 (+21.9 points)."""
    model, china = checks["lng_share_sales_truck"], checks["lng_share_sales_truck_china"]
    assert model[2024] - model[2022] >= 0.5 * (china[2024] - china[2022])


def test_new_city_buses_are_electric(checks):
    """Guangdong guideline: PRD city buses electric by 2020 (nev_mandate in history)."""
    for year, share in checks["nev_share_sales_by_type"]["bus"].items():
        assert share != share or share == 1.0, year  # nan: no bus replaced that year


def test_new_taxis_are_new_energy(checks):
    """Guangdong 2018 rule: every new or renewed cruising taxi in the Pearl River Delta
    (Jiangmen included) is new-energy by 2020 (``nev_mandate`` for taxis in history)."""
    shares = checks["nev_share_sales_by_type"]["taxi"]
    assert any(share == share for share in shares.values())  # some taxi was replaced
    for year, share in shares.items():
        assert share != share or share == pytest.approx(1.0), year


def test_delivery_vans_follow_the_2025_provincial_rule():
    """Guangdong's 2024 air-quality action plan: at least 80 % of new urban delivery vehicles
    new-energy; in history from 2025. Before it the vans' own choice (15 % in 2024)."""
    from abm.scenario import load_scenario
    from abm.simulate import simulate

    run = simulate(load_scenario("history"), scale=300, seed=1, end_year=2026)
    share = run.summary.pivot(index="metric", columns="year", values="value").loc[
        "nev_share_sales_expected_van"]
    assert share[2024] < 0.5
    assert share[2025] >= 0.8 and share[2026] >= 0.8


def test_installed_base_multiplier_by_hand():
    """One year by hand: F_2020 0.2, k 50, s_2020 0.01, stock share 0.01 → 0.03 (s = 0.02),
    NEV share of sales 0.2, 400 sales a year on 1,000 cars (q = 0.1 a quarter), β_peer 1:
    F = 1 − 0.8·e^−0.5 = 0.51478, P_c = 0.2/F = 0.38852,
    consideration = 0.1·0.38852·50·(1 − F) = 0.94259, peer = 0.1·F·P_c·(1 − P_c) = 0.012230."""
    from calibration.transport_checks import installed_base_multiplier

    years = range(2020, 2025)
    wide = pd.DataFrame({y: {"nev_share_stock_car": 0.03 if y == 2020 else 0.05,
                             "nev_share_sales_expected_car": 0.2, "sales_car": 400.0,
                             "stock_car": 1000.0} for y in years})
    params = {"behaviour.vehicle_ev.familiarity_2020": 0.2,
              "behaviour.vehicle_ev.familiarity_rate": 50.0,
              "behaviour.vehicle_ev.beta_peer": 1.0, "init.ev_share_car": 0.01}
    consideration, peer = installed_base_multiplier(wide, params)[2020]
    assert consideration == pytest.approx(0.94259, rel=1e-4)
    assert peer == pytest.approx(0.012230, rel=1e-3)


def test_fitted_social_influence_is_of_the_published_size(checks):
    """Not fitted to it: the fitted consideration and the neighbour term together cause
    0.05, 0.19 and 0.05 more NEV purchases per extra NEV car in a quarter in 2020-22 (mean
    0.10), between half the neighbours' effect (0.111) and twice all peer groups' (0.202) that
    Tebbe measures for Sweden; it then fades (0.02, 0.01 in 2023-24) as nearly every buyer
    considers an NEV, which the Swedish estimate, from lower EV shares, cannot confirm."""
    fitted = [sum(checks["installed_base_multiplier"][y]) for y in (2020, 2021, 2022)]
    mean = sum(fitted) / len(fitted)
    figure = published_ranges()["peer_effect_per_quarter"]
    neighbours, all_peers = figure.low, figure.high
    assert 0.5 * neighbours <= mean <= 2.0 * all_peers
    later = [sum(checks["installed_base_multiplier"][y]) for y in (2023, 2024)]
    assert max(later) < mean


def test_cost_per_additional_nev_in_the_published_range(checks):
    figure = published_ranges()["cost_per_additional_nev"]
    low, high = figure.low, figure.high
    assert low <= checks["cost_per_additional_nev"] <= high


@pytest.mark.parametrize("chart", ["/no/such/folder/fit.png", "fit.txt"])
def test_a_bad_chart_path_is_refused_before_running(chart, capsys):
    from calibration.transport_checks import main

    assert main(["--scale", "2000", "--seeds", "1", "--chart", chart]) == 2
    err = capsys.readouterr().err
    assert "--chart" in err and repr(chart) in err and "allowed" in err


def test_one_seed_does_not_move_the_city_share_of_new_nev_cars():
    """At scale 100 a year of 2020 car sales is ~180 agents. Drivers see the *expected* NEV
    car share of their district (Σ weight · NEV chance at purchase) measured from the
    district's own 2020 share, so the sampling noise of a few agents is not fed back through
    consideration: the 2022 NEV share of new cars differs by less than 1.5 points between
    seeds 1, 2 and 3. Before (the drawn share, against the city's 2020 share), one fit gave
    21.0, 26.1 and 33.8 % for the three seeds."""
    from abm.files import read_user_toml
    from abm.scenario import load_scenario
    from abm.simulate import simulate
    from calibration.transport_checks import SHIPPED_FIT

    fitted = read_user_toml(SHIPPED_FIT, "calibrated file")["parameters"]
    history = load_scenario("history").with_parameters(fitted)
    shares = [simulate(history, scale=SCALE, seed=seed, end_year=2022).series(
        "nev_share_sales_expected_car")[2022] for seed in (1, 2, 3)]
    assert max(shares) - min(shares) < 0.015, shares


def test_the_expected_nev_share_of_all_new_vehicles_weighs_each_type_by_its_sales():
    """``nev_share_sales_expected_all`` = Σ_v sales_v · P_v(NEV) / Σ_v sales_v (choice
    probabilities), between the types' own shares, and within sampling error of the sampled
    share (scale 500: about 500 vehicles per agent)."""
    from abm.data import VEHICLE_TYPES
    from abm.scenario import load_scenario
    from abm.simulate import simulate

    wide = simulate(load_scenario("history"), scale=500, seed=0, end_year=2022).summary.pivot(
        index="metric", columns="year", values="value")
    sales = sum(wide.loc[f"sales_{v}"] for v in VEHICLE_TYPES)
    weighed = sum(wide.loc[f"sales_{v}"] * wide.loc[f"nev_share_sales_expected_{v}"].fillna(0)
                  for v in VEHICLE_TYPES) / sales
    pd.testing.assert_series_equal(wide.loc["nev_share_sales_expected_all"], weighed,
                                   check_names=False, rtol=1e-12)
    shares = pd.concat([wide.loc[f"nev_share_sales_expected_{v}"] for v in VEHICLE_TYPES],
                       axis=1)
    assert (wide.loc["nev_share_sales_expected_all"] <= shares.max(axis=1)).all()
    assert (wide.loc["nev_share_sales_expected_all"] >= shares.min(axis=1)).all()
    # the sampled share scatters around it by the binomial error of the agents' purchases
    expected = wide.loc["nev_share_sales_expected_all"]
    standard_error = (expected * (1 - expected) / (sales / 500.0)) ** 0.5
    assert ((expected - wide.loc["nev_share_sales_all"]).abs() < 4 * standard_error).all()


# ------------------------------------------------------------------ flows and stock on one basis
MPS_BASIS_2024 = pytest.mark.xfail(strict=True, reason=(
    "not reached on the MPS basis: the predictive median of all new vehicles is -4.2 points "
    "in 2024 (the stock holds there); with today's model neither mapping meets both of issue "
    "10's criteria (README, Transport)"))


@pytest.mark.parametrize("year", [2023, pytest.param(2024, marks=MPS_BASIS_2024)])
def test_on_the_mps_basis_all_new_vehicles_hold_out_within_3_points(year):
    """Fitted on 2021-22 MPS registrations (all 汽车), held out 2023-24: −2.0 and −4.2 points
    (predictive median)."""
    observed = predictive("nev_share_new_vehicles", "holdout", MPS_BASIS).loc[year, "observed"]
    assert observed == pytest.approx({2023: 0.3025, 2024: 0.4183}[year])  # MPS registrations
    assert median_error("nev_share_new_vehicles", year, MPS_BASIS) < ISSUE_TOLERANCE["sales"]


@pytest.mark.parametrize("year", [2023, 2024])
def test_on_the_mps_basis_the_stock_holds_within_1_point(year):
    """The same fit's point values: the NEV share of all vehicles on the road is +0.6 and
    +0.4 points from China's MPS stock share (the shipped CPCA fit: +1.5 and +1.6), while
    its new private cars fall 6-9 points under CPCA: the criteria trade off through the
    mapping."""
    model, observed = fit_checks(MPS_BASIS)["nev_share_stock_all"][year]
    assert abs(model - observed) < ISSUE_TOLERANCE["stock"]
    car, cpca = fit_checks(MPS_BASIS)["nev_share_sales_car"][year]
    assert car < cpca - ISSUE_TOLERANCE["sales"]


@pytest.mark.parametrize("year", [2023, 2024])
def test_a_third_draw_of_the_shipped_model_holds_out_within_3_points(year):
    """``--abc-seed 2``: −1.0 and −2.5 points (predictive median), so 2024 holds in two draws
    of three of today's model (the second: −3.9)."""
    assert median_error("nev_share_new_cars", year, THIRD_DRAW_NOW) < ISSUE_TOLERANCE["sales"]


# ------------------------------------------------------- the stock of 2020-22 fitted as well
WITH_STOCK_2024_MEDIAN = pytest.mark.xfail(strict=True, reason=(
    "not reached with the stock fitted too: the predictive median of the stock is +1.2 points "
    "in 2024 (+1.0, 0.998, at the point values) (README, Transport)"))
WITH_STOCK_COST = pytest.mark.xfail(strict=True, reason=(
    "not reached with the stock fitted too: at its point values (beta_econ 2.23) the 2020-22 "
    "subsidy costs about 58,000 CNY per additional NEV, under the published 63,000-170,000 "
    "(README, Transport)"))


@pytest.mark.parametrize("year", [2023, 2024])
def test_with_the_stock_fitted_new_cars_hold_out_within_3_points(year):
    """Fitted on CPCA new cars and the MPS stock of 2020-22, held out 2023-24: +0.1 and -1.6
    points (predictive median), closer than the shipped fit's -0.3 and -2.4."""
    assert median_error("nev_share_new_cars", year, WITH_STOCK) < ISSUE_TOLERANCE["sales"]


@pytest.mark.parametrize("year", [2023, pytest.param(2024, marks=WITH_STOCK_2024_MEDIAN)])
def test_with_the_stock_fitted_the_stock_holds_out_within_1_point(year):
    """The held-out stock at the predictive median: +0.9 and +1.2 points (the shipped fit's
    point values: +1.5 and +1.6)."""
    observed = predictive("nev_share_stock", "holdout", WITH_STOCK).loc[year, "observed"]
    assert observed == pytest.approx({2023: 0.0607, 2024: 0.089}[year])  # MPS stock share
    assert median_error("nev_share_stock", year, WITH_STOCK) < ISSUE_TOLERANCE["stock"]


def test_with_the_stock_fitted_the_point_values_meet_both_held_out_criteria():
    """At its point values (seeds 1-2, as the shipped fit's checks): new cars -0.9 / -2.0
    points, the stock +0.7 / +1.0 (0.998: on the line)."""
    for year in (2023, 2024):
        car, cpca = fit_checks(WITH_STOCK)["nev_share_sales_car"][year]
        assert abs(car - cpca) < ISSUE_TOLERANCE["sales"], year
        model, observed = fit_checks(WITH_STOCK)["nev_share_stock_all"][year]
        assert abs(model - observed) < ISSUE_TOLERANCE["stock"], year


@WITH_STOCK_COST
def test_with_the_stock_fitted_the_cost_per_additional_nev_stays_in_the_published_range():
    figure = published_ranges()["cost_per_additional_nev"]
    assert figure.low <= fit_checks(WITH_STOCK)["cost_per_additional_nev"] <= figure.high


# ------------------------------------------------------------- the criteria at posterior draws
def test_posterior_draws_are_checked_against_every_criterion(tmp_path):
    """``--posterior``: each draw's held-out errors and cost, and ``all_met`` only when all
    four errors are inside issue 10's tolerances and the cost inside the published range."""
    from abm.params import parameter_table
    from abm.posterior import draw_particles, read_particles
    from calibration.transport_checks import posterior_draw_checks

    table = posterior_draw_checks(WITH_STOCK, draws=2, scale=SCALE, seeds=SEEDS)
    drawn = draw_particles(read_particles(WITH_STOCK / "posterior.csv", parameter_table()),
                           2, 0, 0)
    assert table["beta_econ"].tolist() == drawn["behaviour.vehicle_ev.beta_econ"].tolist()
    figure = published_ranges()["cost_per_additional_nev"]
    for _, row in table.iterrows():
        expected = (all(abs(row[f"cars_{y}"]) < 100 * ISSUE_TOLERANCE["sales"]
                        and abs(row[f"stock_{y}"]) < 100 * ISSUE_TOLERANCE["stock"]
                        for y in (2023, 2024))
                    and figure.low <= row["cost_per_additional_nev"] <= figure.high)
        assert row["all_met"] == expected
        assert -15 < row["cars_2024"] < 15 and 0 <= row["stock_2024"] < 3
    from calibration.transport_checks import draws_chart

    chart = draws_chart({"with the stock": table}, tmp_path / "draws.png")
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_draws_chart_keeps_every_fit_past_its_colours(tmp_path, monkeypatch):
    """Nine fits (one more than the colours): each still gets its markers and its line."""
    import abm.charts
    from calibration.transport_checks import DRAW_COLOURS, draws_chart

    drawn = {}
    monkeypatch.setattr(abm.charts, "save_figure",
                        lambda fig, path: drawn.setdefault("figure", fig) and path)
    table = pd.DataFrame({"cars_2024": [-2.0, 1.0, 4.0], "stock_2024": [0.5, 1.2, 1.9],
                          "cost_per_additional_nev": [60_000.0, 90_000.0, 120_000.0]})
    fits = {f"fit {n}": table for n in range(len(DRAW_COLOURS) + 1)}
    draws_chart(fits, tmp_path / "draws.png")
    labels = [text.get_text() for text in drawn["figure"].axes[0].get_legend().get_texts()]
    assert all(any(label.startswith(f"{fit}:") for label in labels) for fit in fits)
    assert len(drawn["figure"].axes[0].get_lines()) == 2 + len(fits)  # the axes, one line each


@pytest.mark.parametrize("args, field", [
    (["--posterior", "/no/such/fit"], "posterior.csv"),
    (["--posterior", str(WITH_STOCK), "--draws", "0"], "--draws"),
    (["--posterior", str(WITH_STOCK), "--draws", "lots"], "--draws"),
    (["--posterior", str(WITH_STOCK), "--chart", "draws.txt"], "--chart"),
])
def test_bad_posterior_options_are_refused(args, field, capsys):
    from calibration.transport_checks import main

    try:
        code = main(args)
    except SystemExit as stop:  # argparse refuses a malformed --draws itself
        code = stop.code
    assert code == 2
    err = capsys.readouterr().err
    assert field in err and "allowed" in err


@pytest.mark.parametrize("fit, row, beta_econ", [("mps_basis", 53, 1.3387),
                                                  ("all_bases", 29, 1.6248)])
def test_one_particle_of_a_fit_meets_every_criterion(fit, row, beta_econ):
    """Row 53 of the MPS-basis fit's posterior (drawn twice in its ``draws.md``): new cars
    −1.8 / −2.6 points (CPCA), stock +0.5 / +0.7 (MPS), 97,342 CNY per additional NEV; row 29
    of the all-bases fit's (a neighbour of it: ``asc_car`` −1.96, ``familiarity_2020`` 0.103,
    ``familiarity_rate`` 45.4): −1.4 / −1.4, +0.55 / +0.84, 82,559 CNY. So the criteria can all
    hold in this model with coefficients a 2020-22 fit accepts (found by looking at held-out
    outcomes: feasibility, not validation; README, Transport). Their price: new cars about 5
    points under CPCA in the fitted 2022."""
    folder = {"mps_basis": MPS_BASIS, "all_bases": ALL_BASES}[fit]
    particles = pd.read_csv(folder / "posterior.csv")
    params = {k: float(v) for k, v in particles.drop(columns="weight").iloc[row].items()}
    assert params["behaviour.vehicle_ev.beta_econ"] == pytest.approx(beta_econ, abs=1e-4)
    result = transport_checks(SCALE, SEEDS, parameters=params)
    for year in (2023, 2024):
        car, cpca = result["nev_share_sales_car"][year]
        assert abs(car - cpca) < ISSUE_TOLERANCE["sales"], year
        model, observed = result["nev_share_stock_all"][year]
        assert abs(model - observed) < ISSUE_TOLERANCE["stock"], year
    figure = published_ranges()["cost_per_additional_nev"]
    assert figure.low <= result["cost_per_additional_nev"] <= figure.high
    car_2022, cpca_2022 = result["nev_share_sales_car"][2022]
    assert cpca_2022 - car_2022 > ISSUE_TOLERANCE["sales"]  # 2022: 4.8-5 points under CPCA


# ------------------------------------------- every 2020-22 observation on both bases fitted
ALL_BASES_POINT_2024 = pytest.mark.xfail(strict=True, reason=(
    "not reached at the point values of the all-bases fit: new cars -3.9 points in 2024 (the "
    "predictive median -2.9 is inside), so by its pre-registered rule it is not shipped "
    "(README, Transport)"))
ALL_BASES_SEED_1_2024 = pytest.mark.xfail(strict=True, reason=(
    "not reached by the second draw of the all-bases fit (--abc-seed 1): new cars -3.9 points "
    "in 2024 at the predictive median, -3.6 at the point values; not shipped (README, "
    "Transport)"))
ALL_BASES_DRAWS = {"seed_0": ALL_BASES, "seed_1": ALL_BASES_SEED_1}


@pytest.mark.parametrize("draw, year", [
    ("seed_0", 2023), ("seed_0", 2024), ("seed_1", 2023),
    pytest.param("seed_1", 2024, marks=ALL_BASES_SEED_1_2024)])
def test_with_every_basis_fitted_the_predictive_median_meets_both_held_out_criteria(draw, year):
    """Fitted on CPCA new cars, MPS registrations, the MPS stock and the PHEV share of
    2020-22, held out 2023-24 (predictive median): new cars -1.3 / -2.9 points, the stock
    +0.7 / +0.95 in the first draw, the first fit whose median meets both; -1.8 / -3.9 and
    +0.7 / +0.9 in the second (``--abc-seed 1``)."""
    folder = ALL_BASES_DRAWS[draw]
    observed = predictive("nev_share_stock", "holdout", folder).loc[year, "observed"]
    assert observed == pytest.approx({2023: 0.0607, 2024: 0.089}[year])  # MPS stock share
    assert median_error("nev_share_stock", year, folder) < ISSUE_TOLERANCE["stock"]
    assert median_error("nev_share_new_cars", year, folder) < ISSUE_TOLERANCE["sales"]


@pytest.mark.parametrize("draw, year", [
    ("seed_0", 2023), pytest.param("seed_0", 2024, marks=ALL_BASES_POINT_2024),
    ("seed_1", 2023), pytest.param("seed_1", 2024, marks=ALL_BASES_SEED_1_2024)])
def test_with_every_basis_fitted_the_point_values_hold_new_cars_within_3_points(draw, year):
    """At its point values (seeds 1-2): new cars -1.2 / -3.9 points against CPCA (first
    draw), -0.9 / -3.6 (second)."""
    car, cpca = fit_checks(ALL_BASES_DRAWS[draw])["nev_share_sales_car"][year]
    assert abs(car - cpca) < ISSUE_TOLERANCE["sales"]


@pytest.mark.parametrize("draw", ALL_BASES_DRAWS)
@pytest.mark.parametrize("year", [2023, 2024])
def test_with_every_basis_fitted_the_point_values_hold_the_stock_within_1_point(draw, year):
    """At its point values (seeds 1-2): the stock +0.8 / +0.98 points against MPS (first
    draw), +0.67 / +0.82 (second)."""
    model, observed = fit_checks(ALL_BASES_DRAWS[draw])["nev_share_stock_all"][year]
    assert abs(model - observed) < ISSUE_TOLERANCE["stock"]


@pytest.mark.parametrize("draw", ALL_BASES_DRAWS)
def test_with_every_basis_fitted_the_point_values_price_the_subsidy_in_range(draw):
    """At its point values the 2020-22 subsidy costs 76,515 CNY per additional NEV
    (``beta_econ`` 1.66, first draw) and 100,737 (1.19, second), inside the published
    63,000-170,000 (with the stock alone fitted: 57,979)."""
    figure = published_ranges()["cost_per_additional_nev"]
    assert figure.low <= fit_checks(ALL_BASES_DRAWS[draw])["cost_per_additional_nev"] <= figure.high
