"""Hand-computed single-agent golden cases for every decision, and mutation checks.

Each case sets one kind of agent with round numbers, computes the README's equations by
hand here (annuity, profitability index, utility, logistic or logit probability, emissions)
and runs the group's rule on ``N`` identical rows. Row ``i`` adopts iff its uniform draw
``u_i`` (the counter-based stream, :func:`abm.rng.draw_py`) is below the hand probability, so
the adoption pattern over 2,000 rows pins the probability to about ±1/2,000; sums and
emissions are compared to the hand values. Every case runs the compiled rule (the kernels'
code) and its plain-Python ``py_func`` (the Mesa agents' code). The mutation checks flip a
coefficient's sign and show that the golden comparison then fails.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from abm.columns import AgentTable
from abm.groups import firms, fishers, households, vehicles
from abm.groups.decision import WILLINGNESS_MONTH
from abm.market import Constants, Month
from abm.rng import draw_py

N = 2000
T = 5  # month index
KEYS = np.array([1001, 1002, 1003, 1004, 1005], dtype=np.uint64)
PATHS = ("njit", "py_func")


def month(**values: float) -> Month:
    """A month with every field 0 except ``values``."""
    return Month(**{f: 0.0 for f in Month._fields})._replace(index=float(T), **values)


def const(**values: float) -> Constants:
    """Constants with every field 0 except ``values`` (no credit access, no loans)."""
    return Constants(**{f: 0.0 for f in Constants._fields})._replace(**values)


def draws(stream: int) -> np.ndarray:
    """The uniform numbers of rows 0..N-1 in month T of stream ``KEYS[stream]``."""
    return np.array([draw_py(int(KEYS[stream]), T, i) for i in range(N)])


def sigma(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def in_market(stream: int, share: float) -> np.ndarray:
    """Rows whose fixed willingness draw is below the market share (dGen's potential)."""
    v = np.array([draw_py(int(KEYS[stream]), WILLINGNESS_MONTH, i) for i in range(N)])
    return v < share


def dgen_share(payback: float) -> float:
    """dGen's residential max market share (DATA_NOTES), linear between its points."""
    return float(np.interp(payback, [1, 3, 5, 7, 10, 15, 20, 25],
                           [0.93, 0.78, 0.64, 0.41, 0.26, 0.12, 0.045, 0.018]))


def table(schema, **columns) -> AgentTable:
    t = AgentTable(schema, N)
    for name, value in columns.items():
        t.set(name, np.full(N, value))
    return t


def run(rule, path: str, m, c, coef, vis, arrays, n_metrics: int) -> np.ndarray:
    sums = np.zeros((1, n_metrics))
    fn = rule if path == "njit" else rule.py_func
    if path == "njit":
        fn(0, N, m, c, coef, vis, KEYS, arrays, sums)
    else:
        for i in range(N):  # as the Mesa agents do: one row each
            fn(i, i + 1, m, c, coef, vis, KEYS, arrays, sums)
    return sums[0]


def coefficients(rows: int, **by_row: tuple[float, ...]) -> np.ndarray:
    """Coefficient table (β0, β_econ, β_peer, β_vis, β_att, rate_max); rows default to 0."""
    coef = np.zeros((rows, 6))
    for row, values in by_row.items():
        coef[int(row[1:])] = values
    return coef


def assert_adopts_iff_draw_below(adopted: np.ndarray, u: np.ndarray, p: float,
                                 market: np.ndarray | bool = True) -> None:
    """Row i adopted ⇔ u_i < p (and i is in the market), and some adopt, some do not."""
    assert 0 < adopted.sum() < N
    expected = (u < p) & market
    assert np.array_equal(adopted, expected), (
        f"p = {p:.6f}: {int(adopted.sum())} adopted, {int(expected.sum())} expected")


# ---------------------------------------------------------------- households
def household_arrays(t: AgentTable) -> tuple:
    km = np.array([10_000.0])
    vtype = np.zeros(1, np.int8)
    powertrain = np.zeros(1, np.int8)
    energy = np.array([[0.08, 0.15, 0.0, 0.0]])  # L/km petrol car
    unit_co2 = np.array([[2.3, 0.5, 0.0, 0.0]])  # kg/L
    return (*(t.arrays[n] for n in households.RULE_COLUMNS), km, vtype, powertrain, energy,
            unit_co2)


HH_CONST = dict(pv_payback_factor_household=1.0, pv_kw_per_m2=0.1, pv_household_max_kw=10.0,
                pv_yield=1000.0,
                pv_self_use_household=0.5, pv_lifetime=20.0, retrofit_cost_m2=200.0,
                retrofit_saving=0.2, retrofit_lifetime=30.0, ci_electricity_saving=0.1,
                ci_km_reduction=0.1, ci_dropout_base=0.3, ci_dropout_scale=20.0, ef_lpg=3.0)
HH_MONTH = dict(grid_factor=0.5, tariff_residential=0.6, export_price=0.4, fit_premium=0.05,
                pv_cost_household=4.0, pv_subsidy_household=0.5, household_growth=1.0,
                km_growth=1.0, retrofit_subsidy=50.0)
HH_AGENT = dict(weight=2.0, electricity_base=300.0, lpg=10.0, attitude=0.5, discount_rate=0.08,
                credit_draw=1.0, degree=8)
PV_COEF = (-2.0, 1.5, 1.0, 0.5, 0.3, 1.0)


def household_pv_case(path: str, coef_pv=PV_COEF):
    t = table(households.SCHEMA, owns_roof=True, roof_area=50.0, peers_pv=2, **HH_AGENT)
    coef = coefficients(3, r0=coef_pv)
    vis = np.array([[0.1], [0.0], [0.0]])
    sums = run(households.household_rule, path, month(**HH_MONTH), const(**HH_CONST), coef, vis,
               household_arrays(t), len(households.METRICS))
    return t, sums


def household_pv_expected() -> tuple[float, float]:
    """By hand: 5 kW on 50 m²; self use min(2500, 3600) kWh; value 2500·0.6 + 2500·0.45."""
    annuity = (1 - 1.08 ** -20) / 0.08
    econ = (2625.0 * annuity - 17_500.0) / 20_000.0
    u = -2.0 + 1.5 * econ + 1.0 * (2 / 8) + 0.5 * 0.1 + 0.3 * 0.5
    return sigma(u), econ


HH_PV_MARKET = 0.64 - 0.23 * (17_500.0 / 2625.0 - 5.0) / 2.0
"""dGen's share at the payback 17,500 / 2,625 = 6.67 years: between 5 y (0.64) and 7 y (0.41)."""


@pytest.mark.parametrize("path", PATHS)
def test_household_pv(path):
    t, sums = household_pv_case(path)
    p, econ = household_pv_expected()
    assert econ == pytest.approx(0.413632, abs=1e-6)  # 2625 · 9.818147 − 17,500, ÷ 20,000
    assert HH_PV_MARKET == pytest.approx(dgen_share(17_500.0 / 2625.0)) == pytest.approx(
        0.448333, abs=1e-6)
    assert_adopts_iff_draw_below(t.has_pv, draws(0), p, in_market(0, HH_PV_MARKET))
    n = t.has_pv.sum()
    assert np.all(t.pv_kw[t.has_pv] == 5.0) and np.all(t.pv_fit_premium[t.has_pv] == 0.05)
    assert sums[households.H_NEW_PV_KW] == pytest.approx(2.0 * 5.0 * n)
    assert sums[households.H_PV_SUB] == pytest.approx(2.0 * 2500.0 * n)  # 5 kW · 0.5 CNY/W
    # CO2 (kg/month) = (300 − PV 5·1000/12) · 0.5 + 10 kg LPG · 3.0
    co2 = np.where(t.has_pv, (300.0 - 5000.0 / 12.0) * 0.5 + 30.0, 300.0 * 0.5 + 30.0)
    np.testing.assert_allclose(t.co2_kg, co2, rtol=1e-12)
    assert sums[households.H_CO2] == pytest.approx(2.0 * co2.sum())
    assert np.all(t.events[t.has_pv] == households.EV_PV)


@pytest.mark.parametrize("path", PATHS)
def test_household_retrofit(path):
    t = table(households.SCHEMA, floor_area=100.0, peers_green=4, **HH_AGENT)
    coef = coefficients(3, r1=(-1.0, 2.0, 1.0, 1.0, 0.5, 1.0))
    vis = np.array([[0.0], [0.2], [0.0]])
    sums = run(households.household_rule, path, month(**HH_MONTH), const(**HH_CONST), coef, vis,
               household_arrays(t), len(households.METRICS))
    # gross 100 m² · 200 = 20,000; net 20,000 − 100 · 50 = 15,000;
    # value 3,600 kWh · 0.2 · 0.6 = 432 CNY/yr over 30 years at 8 %.
    econ = (432.0 * (1 - 1.08 ** -30) / 0.08 - 15_000.0) / 20_000.0
    p = sigma(-1.0 + 2.0 * econ + 1.0 * 0.5 + 1.0 * 0.2 + 0.5 * 0.5)
    assert_adopts_iff_draw_below(t.green_home, draws(1), p)
    assert sums[households.H_RETRO_SUB] == pytest.approx(2.0 * 5000.0 * t.green_home.sum())
    elec = np.where(t.green_home, 300.0 * 0.8, 300.0)
    np.testing.assert_allclose(t.co2_kg, elec * 0.5 + 30.0, rtol=1e-12)


@pytest.mark.parametrize("path", PATHS)
def test_household_green_new_build(path):
    t = table(households.SCHEMA, floor_area=100.0, **HH_AGENT)
    c = const(**{**HH_CONST, "new_dwelling_rate_month": 0.5, "green_share_new": 0.3})
    run(households.household_rule, path, month(**HH_MONTH, green_mandate=0.6), c,
        coefficients(3), np.zeros((3, 1)), household_arrays(t), len(households.METRICS))
    # Moves (u < 0.5) into a green new build with max(0.3, mandate 0.6): u/0.5 < 0.6.
    assert_adopts_iff_draw_below(t.green_home, draws(2), 0.3)


@pytest.mark.parametrize("path", PATHS)
def test_household_ci_join(path):
    t = table(households.SCHEMA, peers_ci=2, **HH_AGENT)
    coef = coefficients(3, r2=(-1.5, 1.0, 2.0, 1.0, 0.4, 0.5))
    vis = np.array([[0.0], [0.0], [0.3]])
    sums = run(households.household_rule, path,
               month(**HH_MONTH, ci_credit_price=50.0, ci_outreach=0.2), const(**HH_CONST),
               coef, vis, household_arrays(t), len(households.METRICS))
    # Saving 300 · 12 · 0.1 · 0.5 = 180 kg/yr → reward 50 · 0.18 = 9 CNY/yr; econ = 9/100.
    p = 0.5 * sigma(-1.5 + 1.0 * 0.09 + 2.0 * 0.25 + 1.0 * 0.3 + 0.4 * 0.5 + 0.2)
    assert_adopts_iff_draw_below(t.ci_member, draws(3), p)
    n = t.ci_member.sum()
    assert sums[households.H_CI_JOIN] == pytest.approx(2.0 * n)
    # Members save 10 % of 300 kWh this month: 30 kWh · 0.5 kg/kWh.
    assert sums[households.H_CI_SAVING] == pytest.approx(2.0 * 15.0 * n)
    assert sums[households.H_CI_CREDIT] == pytest.approx(2.0 * 15.0 / 1000.0 * 50.0 * n)


@pytest.mark.parametrize("path", PATHS)
def test_household_ci_drop_with_car(path):
    t = table(households.SCHEMA, ci_member=True, car=0, **HH_AGENT)
    sums = run(households.household_rule, path, month(**HH_MONTH, ci_credit_price=50.0),
               const(**HH_CONST), coefficients(3), np.zeros((3, 1)), household_arrays(t),
               len(households.METRICS))
    # Saving 180 kg (electricity) + 10,000 km · 0.1 · 0.08 L/km · 2.3 kg/L = 184 kg → 364 kg;
    # reward 50 · 0.364 = 18.2 CNY/yr; p_drop = 0.3 · exp(−18.2 / 20).
    p_drop = 0.3 * math.exp(-18.2 / 20.0)
    assert_adopts_iff_draw_below(~t.ci_member, draws(4), p_drop)
    assert sums[households.H_CI_DROP] == pytest.approx(2.0 * (~t.ci_member).sum())


# ---------------------------------------------------------------- vehicles
VEH_CONST = dict(purchase_tax_rate=0.1, beta_charging=0.8, charging_weight_phev=0.5,
                 ci_km_reduction=0.1, familiarity_2020=1.0)
VEH_MONTH = dict(ev_subsidy=5000.0, tax_exemption=1.0, tax_exemption_cap=10_000.0,
                 km_growth=1.0, charging_index=0.5, grid_factor=0.5, ci_credit_price=50.0)
EV_COEF = (0.0, 3.0, 1.0, 2.0, 0.5, 0.0)
ICE, BEV, PHEV, LNG, H2 = (vehicles.PT_ICE, vehicles.PT_BEV, vehicles.PT_PHEV, vehicles.PT_LNG,
                           vehicles.PT_H2)


def vehicle_inputs(**over):
    """One vehicle type (row 0 of every by-type table) offering ICE, BEV and PHEV."""
    x = dict(
        asc=np.array([[0.0, -1.0, -1.5, -1e9, -1e9]]),
        price=np.array([[100_000.0, 120_000.0, 110_000.0, 0.0, 0.0]]),
        energy=np.array([[0.07, 0.15, 1.0, 0.0, 0.0]]),  # L/km, kWh/km, PHEV: one km unit
        unit_cost=np.array([[8.0, 0.7, 0.3, 0.0, 0.0]]),  # CNY/L, CNY/kWh, PHEV CNY/km
        subsidy=np.array([[0.0, 5000.0, 2000.0, 0.0, 0.0]]),
        trade=np.zeros((1, 5)),
        life_type=np.array([10.0]), horizon=np.array([10.0]), beta_tco=np.array([0.0]),
        private=np.array([1.0]), mandate=np.array([0.0]),
        exempt=np.array([0.0, 1.0, 1.0, 0.0, 1.0]),
        maintenance=np.array([0.0, 0.05, 0.0, 0.0, 0.0]), vis0=np.array([0.1]))
    x.update(over)
    return x


def vehicle_case(path: str, coef_ev=EV_COEF, vis=0.25, inputs=None, constants=None,
                 month_values=None, **columns):
    cols = dict(weight=3.0, age=119, life=120, km_year=15_000.0, attitude=0.4,
                discount_rate=0.08, credit_draw=1.0, degree=5, peers_nev=1)
    cols.update(columns)
    t = table(vehicles.SCHEMA, **cols)
    x = inputs or vehicle_inputs()
    arrays = (x["asc"], x["price"], x["energy"], x["unit_cost"], x["subsidy"], x["trade"],
              x["life_type"], x["horizon"], x["beta_tco"], x["private"], x["mandate"],
              x["exempt"], x["maintenance"], x["vis0"],
              *(t.arrays[n] for n in vehicles.REPLACEMENT_COLUMNS), np.zeros(1, bool))
    sums = run(vehicles.replacement_rule, path, month(**{**VEH_MONTH, **(month_values or {})}),
               const(**{**VEH_CONST, **(constants or {})}), np.array([coef_ev]),
               np.array([[vis]]), arrays, len(vehicles.METRICS))
    return t, sums


def vehicle_probabilities(beta=3.0, social=True, trade=(0.0, 0.0, 0.0), mandate=0.0,
                          considering=1.0):
    """By hand: TCO_j = price − subsidy − exemption − trade-in + A(8 %, 10 yr)·km·cost/km;
    charging index 0.5 at weight 0.8, PHEVs half of it."""
    a = (1 - 1.08 ** -10) / 0.08
    km = 15_000.0
    tco_ice = 100_000.0 - trade[0] + a * km * 0.07 * 8.0
    exempt_bev = min(0.1 * 120_000.0 / 1.13, 10_000.0)  # capped at 10,000
    tco_bev = 120_000.0 - 5000.0 - exempt_bev - trade[1] + a * km * (0.15 * 0.7 - 0.05)
    exempt_phev = min(0.1 * 110_000.0 / 1.13, 10_000.0)
    tco_phev = 110_000.0 - 2000.0 - exempt_phev - trade[2] + a * km * 0.3
    s = (1.0 * (1 / 5) + 2.0 * math.log(0.25 / 0.1) + 0.5 * 0.4) if social else 0.0
    v = np.array([0.0,
                  -1.0 + beta * (tco_ice - tco_bev) / tco_ice + s + 0.8 * 0.5,
                  -1.5 + beta * (tco_ice - tco_phev) / tco_ice + s + 0.5 * 0.8 * 0.5])
    p = np.exp(v) / np.exp(v).sum()
    p[0] += (1.0 - considering) * p[1:].sum()
    p[1:] *= considering
    p[1:] += mandate * p[0] * p[1:] / p[1:].sum()
    p[0] *= 1.0 - mandate
    return p


def assert_three_way_choice(t, p):
    """ICE iff u < P_ice; BEV iff P_ice ≤ u < P_ice + P_bev; PHEV otherwise."""
    u = draws(0)
    expected = np.where(u < p[0], ICE, np.where(u < p[0] + p[1], BEV, PHEV))
    assert len(set(expected.tolist())) == 3, "the case should be informative"
    assert np.array_equal(t.powertrain, expected), (
        f"{np.bincount(t.powertrain, minlength=3)} vs {np.bincount(expected, minlength=3)}")


@pytest.mark.parametrize("path", PATHS)
def test_vehicle_choice(path):
    t, sums = vehicle_case(path)
    p = vehicle_probabilities()
    assert_three_way_choice(t, p)
    assert np.all(t.age == 0)
    expected_life = np.array([int(10.0 * 12.0 * (0.6 + 0.8 * x)) for x in draws(1)])
    assert np.array_equal(t.life, expected_life)
    n_bev = (t.powertrain == BEV).sum()
    n_phev = (t.powertrain == PHEV).sum()
    assert sums[vehicles.V_SALES] == pytest.approx(3.0 * N)
    assert sums[vehicles.V_NEV_SALES] == pytest.approx(3.0 * (n_bev + n_phev))
    assert sums[vehicles.V_PHEV_SALES] == pytest.approx(3.0 * n_phev)
    # The expected NEV purchases are the probabilities, not the draws: Σ w·(P_bev + P_phev).
    assert sums[vehicles.V_NEV_EXPECTED] == pytest.approx(3.0 * N * (p[1] + p[2]))
    assert sums[vehicles.V_LNG_EXPECTED] == 0.0
    assert sums[vehicles.V_PHEV_EXPECTED] == pytest.approx(3.0 * N * p[2])
    # Each vehicle keeps its NEV chance (the share its district's drivers see is Σ w·chance).
    np.testing.assert_allclose(t.nev_chance, p[1] + p[2], rtol=1e-12)
    assert sums[vehicles.V_FIRST] == 0.0
    assert sums[vehicles.V_EV_SUB] == pytest.approx(3.0 * (5000.0 * n_bev + 2000.0 * n_phev))
    exempt_phev = 0.1 * 110_000.0 / 1.13
    assert sums[vehicles.V_TAX] == pytest.approx(3.0 * (10_000.0 * n_bev + exempt_phev * n_phev))
    assert np.all(t.events[t.powertrain != ICE] == vehicles.EV_NEV_UP)


@pytest.mark.parametrize("path", PATHS)
def test_fleet_type_uses_its_own_tco_weight_and_no_social_terms(path):
    """A taxi (type 1): its own beta_tco, no neighbours, visibility or attitude."""
    x = vehicle_inputs()
    by_type = {k: np.repeat(x[k], 2, axis=0) for k in ("asc", "price", "energy", "unit_cost",
                                                        "subsidy", "trade")}
    x.update(by_type, life_type=np.array([10.0, 10.0]), horizon=np.array([10.0, 10.0]),
             beta_tco=np.array([0.0, 6.0]), private=np.array([1.0, 0.0]),
             mandate=np.zeros(2))
    t, sums = vehicle_case(path, inputs=x, vtype=1)
    p = vehicle_probabilities(beta=6.0, social=False)
    assert_three_way_choice(t, p)
    assert sums[vehicles.V_NEV_EXPECTED + 1] == pytest.approx(3.0 * N * (p[1] + p[2]))
    assert sums[vehicles.V_NEV_EXPECTED] == 0.0  # no private car bought


@pytest.mark.parametrize("path", PATHS)
def test_only_the_considering_share_of_car_buyers_weighs_an_nev(path):
    """By hand: F = 1 − (1 − 0.3)·exp(−10·(0.25 − 0.1)) = 0.8438; P_nev ← F·P_nev."""
    considering = 1.0 - 0.7 * math.exp(-10.0 * (0.25 - 0.1))
    assert considering == pytest.approx(0.8438, abs=1e-4)
    t, _ = vehicle_case(path, constants=dict(familiarity_2020=0.3, familiarity_rate=10.0))
    assert_three_way_choice(t, vehicle_probabilities(considering=considering))
    # Nobody considers an NEV when F_2020 = 0 and it does not grow.
    t, _ = vehicle_case(path, constants=dict(familiarity_2020=0.0, familiarity_rate=0.0))
    assert np.all(t.powertrain == ICE)


@pytest.mark.parametrize("path", PATHS)
def test_consideration_does_not_apply_to_fleet_operators(path):
    x = vehicle_inputs(private=np.array([0.0]), beta_tco=np.array([3.0]))
    t, _ = vehicle_case(path, inputs=x, constants=dict(familiarity_2020=0.0))
    assert_three_way_choice(t, vehicle_probabilities(social=False))


@pytest.mark.parametrize("path", PATHS)
def test_nev_mandate_moves_that_share_of_combustion_choices(path):
    t, _ = vehicle_case(path, inputs=vehicle_inputs(mandate=np.array([0.5])))
    assert_three_way_choice(t, vehicle_probabilities(mandate=0.5))
    t, _ = vehicle_case(path, inputs=vehicle_inputs(mandate=np.array([1.0])))
    assert not np.any(t.powertrain == ICE)


@pytest.mark.parametrize("path", PATHS)
def test_trade_in_subsidy_counts_for_replacements_only(path):
    trade = np.array([[4000.0, 9000.0, 9000.0, 0.0, 0.0]])  # eligible share × amount
    t, sums = vehicle_case(path, inputs=vehicle_inputs(trade=trade))
    assert_three_way_choice(t, vehicle_probabilities(trade=(4000.0, 9000.0, 9000.0)))
    paid = np.where(t.powertrain == ICE, 4000.0, 9000.0).sum() * 3.0
    assert sums[vehicles.V_TRADE] == pytest.approx(paid)
    # A first-time buyer (dormant row reaching age 0) gets no trade-in and is counted apart.
    t, sums = vehicle_case(path, inputs=vehicle_inputs(trade=trade), age=-1, life=0)
    assert_three_way_choice(t, vehicle_probabilities())
    assert sums[vehicles.V_TRADE] == 0.0
    assert sums[vehicles.V_FIRST] == pytest.approx(3.0 * N)
    assert sums[vehicles.V_SALES] == pytest.approx(3.0 * N)


TRADE_IN = dict(trade_in_nev=10_000.0, trade_in_ice=7500.0, trade_in_eligible=0.5)


@pytest.mark.parametrize("path", PATHS)
def test_trade_in_subsidy_scraps_old_cars_early(path):
    """By hand: 0.12 a year per 10,000 CNY at the larger amount, 10,000 CNY → 0.12 a year,
    h = 1 − 0.88^(1/12) = 0.010597 a month. A car of 200 months (over the 156-month limit)
    and 300 months of life is scrapped iff its third-stream draw is below h, then chooses as
    at the end of life with the whole amount (not the eligible share's expectation)."""
    h = 1.0 - 0.88 ** (1.0 / 12.0)
    assert h == pytest.approx(0.010597, abs=1e-6)
    trade = np.array([[0.5 * 7500.0, 0.5 * 10_000.0, 0.5 * 10_000.0, 0.0, 0.0]])
    rule = dict(trade_in_scrappage=0.12, trade_in_scrappage_age_months=156.0)
    t, sums = vehicle_case(path, inputs=vehicle_inputs(trade=trade), constants=rule,
                           month_values=TRADE_IN, age=199, life=300)
    early = draws(2) < h
    assert 0 < early.sum() < N
    assert np.array_equal(t.age == 0, early)
    assert np.all(t.age[~early] == 200)
    assert sums[vehicles.V_SALES] == pytest.approx(3.0 * early.sum())
    p = vehicle_probabilities(trade=(7500.0, 10_000.0, 10_000.0))
    u = draws(0)[early]
    expected = np.where(u < p[0], ICE, np.where(u < p[0] + p[1], BEV, PHEV))
    assert np.array_equal(t.powertrain[early], expected)
    paid = np.where(expected == ICE, 7500.0, 10_000.0).sum() * 3.0
    assert sums[vehicles.V_TRADE] == pytest.approx(paid)
    # Younger than the limit, no eligible cars, or no subsidy: nobody is scrapped early.
    for over, cols in ((TRADE_IN, dict(age=150)),
                       ({**TRADE_IN, "trade_in_eligible": 0.0}, {}),
                       ({}, {})):
        t, sums = vehicle_case(path, inputs=vehicle_inputs(trade=trade), constants=rule,
                               month_values=over, life=300, **{"age": 199, **cols})
        assert sums[vehicles.V_SALES] == 0.0 and not np.any(t.age == 0)


@pytest.mark.parametrize("path", PATHS)
def test_dormant_rows_wait_and_are_not_in_the_stock(path):
    t, sums = vehicle_case(path, age=-5, life=0)
    assert np.all(t.age == -4)
    assert np.all(t.powertrain == ICE)
    assert sums.sum() == 0.0
    t = table(vehicles.SCHEMA, weight=3.0, km_year=12_000.0, age=-3)
    z = np.zeros((1, 5))
    sums = run(vehicles.emissions_rule, path, month(**VEH_MONTH), const(**VEH_CONST),
               np.zeros((1, 6)), np.zeros((1, 1)),
               (z + 1, z + 1, z + 1, z, z, z, *(t.arrays[n] for n in vehicles.EMISSIONS_COLUMNS),
                np.zeros(1, bool)), len(vehicles.METRICS))
    assert sums.sum() == 0.0


def emissions_case(path, powertrain, energy, unit_co2, oil, kwh, member=False, km_growth=1.1):
    t = table(vehicles.SCHEMA, weight=3.0, km_year=12_000.0, household=0,
              powertrain=powertrain)
    z = np.zeros((1, 5))
    arrays = (energy, unit_co2, oil, kwh, z, z,
              *(t.arrays[n] for n in vehicles.EMISSIONS_COLUMNS), np.full(1, member))
    sums = run(vehicles.emissions_rule, path, month(**{**VEH_MONTH, "km_growth": km_growth}),
               const(**VEH_CONST), np.zeros((1, 6)), np.zeros((1, 1)), arrays,
               len(vehicles.METRICS))
    return t, sums


@pytest.mark.parametrize("path", PATHS)
def test_vehicle_emissions_of_a_member_car(path):
    energy = np.array([[0.07, 0.15, 0.0, 0.0, 0.0]])
    unit_co2 = np.array([[2.3, 0.5, 0.0, 0.0, 0.0]])
    oil = np.array([[0.07, 0.0, 0.0, 0.0, 0.0]])
    kwh = np.array([[0.0, 0.15, 0.0, 0.0, 0.0]])
    t, sums = emissions_case(path, ICE, energy, unit_co2, oil, kwh, member=True)
    # km = 12,000 · 1.1 / 12 · (1 − 0.1) = 990; fuel 990 · 0.07 L; CO2 = fuel · 2.3 kg/L.
    co2 = 990.0 * 0.07 * 2.3
    np.testing.assert_allclose(t.co2_kg, co2, rtol=1e-12)
    assert sums[vehicles.V_CO2] == pytest.approx(3.0 * N * co2)
    assert sums[vehicles.V_OIL] == pytest.approx(3.0 * N * 990.0 * 0.07)
    assert sums[vehicles.V_CAR_KM_BASE] == pytest.approx(3.0 * N * 1100.0)
    assert sums[vehicles.V_NEV_STOCK_EXPECTED_CAR] == 0.0  # nev_chance 0: a petrol car
    saved = 110.0 * 0.07 * 2.3
    assert sums[vehicles.V_CI_CREDIT] == pytest.approx(3.0 * N * saved / 1000.0 * 50.0)


@pytest.mark.parametrize("path", PATHS)
def test_plug_in_hybrid_emissions_split_by_utility_factor(path):
    """A PHEV with UF 0.5: 0.05 L/km petrol on half its km, 0.16 kWh/km on the other half."""
    uf, litres, kwh_km = 0.5, 0.05, 0.16
    per_km_co2 = (1 - uf) * litres * 2.3 + uf * kwh_km * 0.5
    energy = np.array([[0.0, 0.0, 1.0, 0.0, 0.0]])
    unit_co2 = np.array([[0.0, 0.0, per_km_co2, 0.0, 0.0]])
    oil = np.array([[0.0, 0.0, (1 - uf) * litres, 0.0, 0.0]])
    kwh = np.array([[0.0, 0.0, uf * kwh_km, 0.0, 0.0]])
    t, sums = emissions_case(path, PHEV, energy, unit_co2, oil, kwh, km_growth=1.0)
    km = 1000.0
    np.testing.assert_allclose(t.co2_kg, km * per_km_co2, rtol=1e-12)
    assert sums[vehicles.V_OIL] == pytest.approx(3.0 * N * km * 0.025)
    assert sums[vehicles.V_EV_KWH] == pytest.approx(3.0 * N * km * 0.08)
    assert sums[vehicles.V_NEV_STOCK] == pytest.approx(3.0 * N)
    assert sums[vehicles.V_PHEV_STOCK] == pytest.approx(3.0 * N)


def test_plug_in_hybrid_month_inputs_mix_fuel_and_electricity():
    """prepare_month's PHEV cost and CO2 per km: UF·kWh·(price, grid) + (1−UF)·L·(price, EF)."""
    from abm import data
    from abm.model import JiangmenModel

    model = JiangmenModel(scenario="history", scale=5000, rng=1, end_year=2021)
    m = model.build_month(0)
    x = vehicles.prepare_month(model, m)
    tech = data.vehicles()
    p = model.params
    uf = tech[("car", "phev", "utility_factor")]
    litres = (1 - uf) * tech[("car", "phev", "fuel_per_100km")] / 100
    kwh = uf * tech[("car", "phev", "electricity_per_100km")] / 100
    car = vehicles.VT_CAR
    assert x["unit_co2"][car, PHEV] == pytest.approx(
        litres * data.emission_factors()["petrol"] + kwh * m.grid_factor)
    assert x["unit_cost"][car, PHEV] == pytest.approx(
        litres * p["prices.petrol"] + kwh * p["prices.ev_electricity"])
    assert x["subsidy"][car, PHEV] == pytest.approx(
        18_000.0 * tech[("all", "phev", "subsidy_ratio")])
    assert x["mandate"][vehicles.VT_BUS] == 1.0
    # The 2024 price path is data (data/vehicle_paths.csv): the cheapest BYD PHEV (Qin PLUS
    # DM-i Honor, 79,800 CNY) and BEV (Dolphin Honor, 98,800) against ~94,000 CNY for the
    # cheapest petrol cars (Yicai, 2024-02), rounded to 5,000 CNY.
    premium = vehicles.premiums(p, model.group_static["vehicles"], 2024.5)
    assert premium[car, PHEV] == pytest.approx(round((79_800 - 94_000) / 5000) * 5000)
    assert premium[car, BEV] == pytest.approx(round((98_800 - 94_000) / 5000) * 5000)


def test_stock_growth_path_follows_the_bulletin():
    """Multiples of the January-2020 stock: +8.1 % by end-2020 (China's 2020 growth; the
    synthesised end-2020 stock is 1.081 times January's), then +8.7 % in 2021 (bulletin):
    1.081 · 1.087 − 1 = 0.175047 by end-2021, half of 2021's by June."""
    from abm.params import Parameters

    path = vehicles.stock_growth_path(Parameters({}))
    assert path[0] == pytest.approx(0.081 / 12)
    assert path[11] == pytest.approx(0.081)
    assert path[23] == pytest.approx(1.081 * 1.087 - 1.0)
    assert path[17] == pytest.approx(0.081 + 1.081 * 0.087 / 2)
    assert np.all(np.diff(path) >= 0)


def test_the_synthesised_stock_is_end_2020_and_january_starts_lower():
    """data/districts.csv counts 959,601 vehicles at end-2020; January 2020 holds
    959,601 / 1.081 = 887,698 (private cars fewer), and 2020's first purchases bring it back."""
    from abm import data
    from abm.model import JiangmenModel

    model = JiangmenModel(scenario="history", scale=50, rng=3, end_year=2020,
                          agent_views=False)
    table = model.tables["vehicles"]
    live = table.age >= 0
    assert (table.weight * live).sum() == pytest.approx(959_601 / 1.081, rel=1e-3)
    entering_2020 = (table.age < 0) & (table.age >= -12)
    assert (table.weight * (live | entering_2020)).sum() == pytest.approx(959_601, rel=1e-3)
    others = live & (table.vtype != vehicles.VT_CAR)
    assert (table.weight * others).sum() == pytest.approx(
        959_601 - data.districts()["private_cars"].sum(), rel=1e-3)


# ---------------------------------------------------------------- firms
KGCE = 0.1229
FIRM_CONST = dict(pv_kw_per_m2=0.1, pv_yield=1000.0, pv_self_use_business=0.8, pv_lifetime=25.0,
                  firm_retrofit_saving=0.1, firm_retrofit_cost=3000.0, firm_cycle_months=12.0,
                  firm_retrofit_lifetime=15.0, fuel_switch_cost=500.0, electric_heat_gain=2.5,
                  green_power_share=0.3, green_power_premium=0.05, ef_coal=2660.0,
                  ef_gas=1650.0, ef_oil=2100.0, kgce_per_kwh=KGCE, ef_clinker=500.0,
                  pv_payback_factor_firm=1.5)
FIRM_MONTH = dict(grid_factor=0.5, tariff_business=0.7, export_price=0.4, pv_cost_business=3.5,
                  pv_subsidy_firm=0.2, price_coal=1000.0, price_gas=1200.0, price_oil=6000.0,
                  clinker_growth=1.0)
FIRM_AGENT = dict(sector=0, size=2, weight=1.5, energy_base=1000.0, electricity_share=0.5,
                  attitude=0.2, discount_rate=0.1, credit_draw=1.0, degree=4)


def run_firm(path: str, t: AgentTable, coef: np.ndarray, vis: np.ndarray, **month_values):
    arrays = (np.ones(firms.N_SECTORS),
              *(t.arrays[n] for n in firms.RULE_COLUMNS))
    return run(firms.firm_rule, path, month(**{**FIRM_MONTH, **month_values}),
               const(**FIRM_CONST), coef, vis, arrays, len(firms.METRICS))


@pytest.mark.parametrize("path", PATHS)
def test_firm_pv(path):
    # Not at its investment cycle ((5 + 0) % 12 ≠ 0), no coal: only PV can happen.
    t = table(firms.SCHEMA, roof_area=1000.0, gas_share=0.5, peers_pv=1, **FIRM_AGENT)
    coef = coefficients(4, r0=(-1.0, 2.0, 1.0, 1.0, 0.5, 1.0))
    vis = np.array([[0.2], [0.0], [0.0], [0.0]])
    sums = run_firm(path, t, coef, vis)
    # 100 kW; use 1000 tce · 0.5 / 0.0001229 kWh; self use min(80,000, use) = 80,000 kWh;
    # value 80,000 · 0.7 + 20,000 · 0.4 = 64,000 CNY/yr; gross 350,000, net 330,000.
    econ = (64_000.0 * (1 - 1.1 ** -25) / 0.1 - 330_000.0) / 350_000.0
    p = sigma(-1.0 + 2.0 * econ + 1.0 * 0.25 + 1.0 * 0.2 + 0.5 * 0.2)
    # Payback 330,000 / 64,000 = 5.156 y, × 1.5 = 7.73 y: dGen's 0.41 at 7 y to 0.26 at 10 y.
    share = 0.41 - 0.15 * (330_000.0 / 64_000.0 * 1.5 - 7.0) / 3.0
    assert share == pytest.approx(0.373281, abs=1e-6)
    assert_adopts_iff_draw_below(t.has_pv, draws(0), p, in_market(0, share))
    assert sums[firms.F_PV_SUB] == pytest.approx(1.5 * 20_000.0 * t.has_pv.sum())
    # CO2/month = gas 1000/12 tce · 0.5 · 1650 + (grid kWh − PV kWh) · 0.5.
    elec = 1000.0 * 0.5 / (KGCE / 1000.0) / 12.0
    pv = np.where(t.has_pv, 100.0 * 1000.0 / 12.0, 0.0)
    co2 = 1000.0 / 12.0 * 0.5 * 1650.0 + (elec - pv) * 0.5
    np.testing.assert_allclose(t.co2_kg, co2, rtol=1e-12)


@pytest.mark.parametrize("path", PATHS)
def test_firm_retrofit(path):
    # At its investment cycle ((5 + 7) % 12 = 0); the switch and PV rows have rate 0.
    t = table(firms.SCHEMA, coal_share=0.2, gas_share=0.1, oil_share=0.2, cycle_phase=7,
              peers_retrofit=2, **FIRM_AGENT)
    coef = coefficients(4, r1=(0.5, 1.0, 1.0, 1.0, 0.5, 0.6))
    vis = np.array([[0.0], [0.1], [0.0], [0.0]])
    run_firm(path, t, coef, vis)
    tce_price_elec = 0.7 / (KGCE / 1000.0)  # CNY/tce of electricity
    price_mix = 0.2 * 1000.0 + 0.1 * 1200.0 + 0.2 * 6000.0 + 0.5 * tce_price_elec
    saved = 1000.0 * 0.1  # tce/yr; not covered by a carbon price
    capex = saved * 3000.0
    econ = (saved * price_mix * (1 - 1.1 ** -15) / 0.1 - capex) / capex
    p = 0.6 * sigma(0.5 + 1.0 * econ + 1.0 * 0.5 + 1.0 * 0.1 + 0.5 * 0.2)
    assert_adopts_iff_draw_below(t.retrofits > 0, draws(1), p)
    assert not t.switched.any()


@pytest.mark.parametrize("path", PATHS)
def test_firm_coal_switch(path):
    # ETS firm at its cycle, carbon price 60 CNY/t; retrofits used up; coal to gas.
    t = table(firms.SCHEMA, coal_share=0.4, gas_share=0.1, ets=True, cycle_phase=7,
              retrofits=2, peers_switch=1, **{**FIRM_AGENT, "size": 0})
    coef = coefficients(4, r2=(0.0, 2.0, 1.0, 1.0, 0.5, 0.8))
    vis = np.array([[0.0], [0.0], [0.3], [0.0]])
    c_saving = FIRM_CONST["firm_retrofit_saving"]
    run_firm(path, t, coef, vis, carbon_price=60.0, coal_phaseout=6.0)
    energy = 1000.0 * (1 - c_saving) ** 2
    coal_tce = energy * 0.4
    old = coal_tce * (1000.0 + 60.0 * 2660.0 / 1000.0)
    new = coal_tce * (1200.0 + 60.0 * 1650.0 / 1000.0)
    capex = coal_tce * 500.0
    econ = ((old - new) * (1 - 1.1 ** -15) / 0.1 - capex) / capex
    p = 0.8 * sigma(2.0 * econ + 1.0 * 0.25 + 1.0 * 0.3 + 0.5 * 0.2)  # ETS: no phase-out rule
    assert_adopts_iff_draw_below(t.switched, draws(2), p)
    # After a switch the coal share burns as gas: CO2 = E/12 · (0.5 · 1650) + grid.
    elec = energy * 0.5 / (KGCE / 1000.0) / 12.0
    fuel = np.where(t.switched, 0.5 * 1650.0, 0.4 * 2660.0 + 0.1 * 1650.0)
    np.testing.assert_allclose(t.co2_kg, energy / 12.0 * fuel + elec * 0.5, rtol=1e-12)


@pytest.mark.parametrize("path", PATHS)
def test_firm_green_power(path):
    t = table(firms.SCHEMA, gas_share=0.5, peers_green_power=3, **FIRM_AGENT)
    coef = coefficients(4, r3=(0.0, 5.0, 1.0, 1.0, 0.5, 0.4))
    vis = np.array([[0.0], [0.0], [0.0], [0.5]])
    run_firm(path, t, coef, vis)
    econ = -(0.3 * 0.05) / 0.7  # − green share · premium / tariff
    p = 0.4 * sigma(5.0 * econ + 1.0 * 0.75 + 1.0 * 0.5 + 0.5 * 0.2)
    assert_adopts_iff_draw_below(t.green_power, draws(3), p)
    elec = 1000.0 * 0.5 / (KGCE / 1000.0) / 12.0
    grid = np.where(t.green_power, elec * 0.7, elec)
    np.testing.assert_allclose(t.co2_kg, 1000.0 / 12.0 * 0.5 * 1650.0 + grid * 0.5,
                               rtol=1e-12)


@pytest.mark.parametrize("path", PATHS)
def test_firm_green_power_with_support(path):
    """Support of 0.02 CNY/kWh lowers the premium weighed (0.05 → 0.03) and is paid per kWh."""
    t = table(firms.SCHEMA, gas_share=0.5, peers_green_power=3, **FIRM_AGENT)
    coef = coefficients(4, r3=(0.0, 5.0, 1.0, 1.0, 0.5, 0.4))
    vis = np.array([[0.0], [0.0], [0.0], [0.5]])
    sums = run_firm(path, t, coef, vis, green_power_subsidy=0.02)
    econ = -(0.3 * 0.03) / 0.7
    p = 0.4 * sigma(5.0 * econ + 1.0 * 0.75 + 1.0 * 0.5 + 0.5 * 0.2)
    assert_adopts_iff_draw_below(t.green_power, draws(3), p)
    elec = 1000.0 * 0.5 / (KGCE / 1000.0) / 12.0
    assert sums[firms.F_GP_SUB] == pytest.approx(1.5 * t.green_power.sum() * elec * 0.3 * 0.02)


@pytest.mark.parametrize("path", PATHS)
def test_firm_operational_carbon_price_response(path):
    """An ETS firm (2020 price 30) at 90 CNY/t uses ((P + 90 k) / (P + 30 k))^−0.3 of its energy."""
    t = table(firms.SCHEMA, coal_share=0.5, ets=True, **{**FIRM_AGENT, "size": 0})
    c = {**FIRM_CONST, "energy_price_elasticity": 0.3, "ets_reference_price": 30.0}
    arrays = (np.ones(firms.N_SECTORS), *(t.arrays[n] for n in firms.RULE_COLUMNS))
    run(firms.firm_rule, path, month(**FIRM_MONTH, carbon_price=90.0), const(**c),
        coefficients(4), np.zeros((4, 1)), arrays, len(firms.METRICS))
    k = 0.5 * 2.660 + 0.5 / (KGCE / 1000.0) * 0.5 / 1000.0  # t CO2 per tce
    price = 0.5 * 1000.0 + 0.5 * 0.7 / (KGCE / 1000.0)  # CNY per tce
    energy = 1000.0 * ((price + 90.0 * k) / (price + 30.0 * k)) ** -0.3
    assert energy == pytest.approx(983.081, rel=1e-6)  # k = 3.364 t/tce, P = 3,348 CNY/tce
    elec = energy * 0.5 / (KGCE / 1000.0) / 12.0
    np.testing.assert_allclose(t.co2_kg, energy / 12.0 * 0.5 * 2660.0 + elec * 0.5, rtol=1e-12)


@pytest.mark.parametrize("path", PATHS)
def test_cement_clinker_ratio_carbon_price_response(path):
    """A cement kiln newly covered (reference 0) at 100 CNY/t: clinker × ((C + 100 e)/C)^−0.15."""
    t = table(firms.SCHEMA, coal_share=1.0, clinker_base=12_000.0,
              **{**FIRM_AGENT, "sector": firms.SECTOR_CEMENT, "size": 0, "electricity_share": 0.0})
    c = {**FIRM_CONST, "clinker_price_elasticity": 0.15, "clinker_cost": 250.0,
         "ets_reference_price": 30.0}
    arrays = (np.ones(firms.N_SECTORS), *(t.arrays[n] for n in firms.RULE_COLUMNS))
    sums = run(firms.firm_rule, path,
               month(**FIRM_MONTH, carbon_price=100.0,
                     ets_sector_mask=float(1 << firms.SECTOR_CEMENT)),
               const(**c), coefficients(4), np.zeros((4, 1)), arrays, len(firms.METRICS))
    factor = ((250.0 + 100.0 * 0.5) / 250.0) ** -0.15
    assert sums[firms.F_CLINKER] == pytest.approx(1.5 * N * 1000.0 * factor)
    np.testing.assert_allclose(t.co2_kg, factor * (1000.0 / 12.0 * 2660.0 + 1000.0 * 500.0),
                               rtol=1e-12)


# ---------------------------------------------------------------- fishers
FISH_CONST = dict(pv_payback_factor_fisher=1.0, fishery_pv_kw_per_ha=500.0, pv_yield=1000.0,
                  pv_lifetime=25.0,
                  vessel_efficient_saving=0.2, vessel_efficient_premium=500.0,
                  vessel_electric_premium=2000.0, vessel_electric_max_kw=200.0,
                  vessel_kwh_per_litre=3.0, vessel_life_months=240.0, asc_vessel_electric=-1.0,
                  ef_diesel=2.6)
FISH_MONTH = dict(grid_factor=0.5, tariff_business=0.7, export_price=0.4, pv_cost_fishery=3.0,
                  pv_subsidy_fisher=0.3, price_diesel=7.0, vessel_subsidy=100.0)
FISH_AGENT = dict(weight=1.0, attitude=0.3, discount_rate=0.08, credit_draw=1.0, degree=5)


def run_fishers(path: str, t: AgentTable, coef: np.ndarray, vis: np.ndarray):
    arrays = tuple(t.arrays[n] for n in fishers.RULE_COLUMNS)
    return run(fishers.fisher_rule, path, month(**FISH_MONTH), const(**FISH_CONST), coef, vis,
               arrays, len(fishers.METRICS))


@pytest.mark.parametrize("path", PATHS)
def test_fisher_pv(path):
    t = table(fishers.SCHEMA, kind=fishers.KIND_POND, suitable_pv=True, pond_area=2.0,
              electricity_base=20_000.0, peers_pv=1, **FISH_AGENT)
    coef = coefficients(2, r0=(-1.0, 3.0, 1.0, 1.0, 0.5, 1.0))
    run_fishers(path, t, coef, np.array([[0.1], [0.0]]))
    # 1,000 kW; self use min(5 % of 1 GWh, 20,000 kWh) = 20,000 kWh;
    # value 20,000 · 0.7 + 980,000 · 0.4 = 406,000 CNY/yr; gross 3e6, net 2.7e6.
    econ = (406_000.0 * (1 - 1.08 ** -25) / 0.08 - 2.7e6) / 3e6
    p = sigma(-1.0 + 3.0 * econ + 1.0 * 0.2 + 1.0 * 0.1 + 0.5 * 0.3)
    share = 0.64 - 0.23 * (2.7e6 / 406_000.0 - 5.0) / 2.0  # payback 6.65 y, factor 1
    assert_adopts_iff_draw_below(t.has_pv, draws(0), p, in_market(0, share))
    pv = np.where(t.has_pv, 1e6 / 12.0, 0.0)
    np.testing.assert_allclose(t.co2_kg, (20_000.0 / 12.0 - pv) * 0.5, rtol=1e-12)


def fisher_vessel_case(path: str, coef_vessel=(-0.5, 2.0, 1.0, 1.0, 0.5, 0.0)):
    t = table(fishers.SCHEMA, kind=fishers.KIND_VESSEL, engine_kw=100.0,
              diesel_base=20_000.0, vessel_age=239, vessel_life=240, peers_vessel=2,
              **FISH_AGENT)
    coef = coefficients(2, r1=coef_vessel)
    run_fishers(path, t, coef, np.array([[0.0], [0.2]]))
    return t


def fisher_vessel_probabilities() -> tuple[float, float, float]:
    """By hand: TCO over A(8 %, 20 yr), logit with the conventional vessel at V = 0."""
    a = (1 - 1.08 ** -20) / 0.08
    tco_conv = a * 20_000.0 * 7.0
    tco_eff = 100.0 * (500.0 - 100.0) + a * 20_000.0 * 7.0 * 0.8
    tco_elec = 100.0 * (2000.0 - 100.0) + a * 20_000.0 * 3.0 * 0.7
    social = 1.0 * (2 / 5) + 1.0 * 0.2 + 0.5 * 0.3
    e_eff = math.exp(-0.5 + social + 2.0 * (tco_conv - tco_eff) / tco_conv)
    e_elec = math.exp(-0.5 - 1.0 + social + 2.0 * (tco_conv - tco_elec) / tco_conv)
    total = 1.0 + e_eff + e_elec
    return 1.0 / total, e_eff / total, e_elec / total


@pytest.mark.parametrize("path", PATHS)
def test_fisher_vessel(path):
    t = fisher_vessel_case(path)
    p_conv, p_eff, _ = fisher_vessel_probabilities()
    u = draws(1)
    assert_adopts_iff_draw_below(t.vessel_type == fishers.VESSEL_CONVENTIONAL, u, p_conv)
    assert_adopts_iff_draw_below(t.vessel_type != fishers.VESSEL_ELECTRIC, u, p_conv + p_eff)
    expected_life = np.array([int(240.0 * (0.6 + 0.8 * x)) for x in draws(2)])
    assert np.array_equal(t.vessel_life, expected_life)
    diesel = 20_000.0 / 12.0
    co2 = np.select([t.vessel_type == 0, t.vessel_type == 1],
                    [diesel * 2.6, diesel * 0.8 * 2.6], diesel * 3.0 * 0.5)
    np.testing.assert_allclose(t.co2_kg, co2, rtol=1e-12)


# ---------------------------------------------------------------- mutation checks
def household_pv_matches_hand(coef_pv) -> bool:
    t, _ = household_pv_case("njit", coef_pv)
    p, _ = household_pv_expected()
    return bool(np.array_equal(t.has_pv, (draws(0) < p) & in_market(0, HH_PV_MARKET)))


@pytest.mark.parametrize("column", [0, 1, 2, 3, 4], ids=["beta0", "beta_econ", "beta_peer",
                                                         "beta_visibility", "beta_attitude"])
def test_a_flipped_coefficient_fails_the_golden_case(column):
    """Flipping the sign of any coefficient changes the outcome the hand case expects."""
    assert household_pv_matches_hand(PV_COEF)
    mutated = list(PV_COEF)
    mutated[column] = -mutated[column]
    assert not household_pv_matches_hand(tuple(mutated))


def test_a_flipped_peer_weight_fails_the_vehicle_case():
    flipped = (EV_COEF[0], EV_COEF[1], -EV_COEF[2], *EV_COEF[3:])
    p = vehicle_probabilities()
    u = draws(0)
    expected = np.where(u < p[0], ICE, np.where(u < p[0] + p[1], BEV, PHEV))
    t, _ = vehicle_case("njit", flipped)
    assert not np.array_equal(t.powertrain, expected)
    t, _ = vehicle_case("njit")
    assert np.array_equal(t.powertrain, expected)


def test_a_changed_payback_factor_fails_the_firm_pv_case():
    """The market potential matters: reading the payback as the households do (factor 1)
    admits other firms than the hand case's factor 1.5."""
    t = table(firms.SCHEMA, roof_area=1000.0, gas_share=0.5, peers_pv=1, **FIRM_AGENT)
    coef = coefficients(4, r0=(-1.0, 2.0, 1.0, 1.0, 0.5, 1.0))
    arrays = (np.ones(firms.N_SECTORS), *(t.arrays[n] for n in firms.RULE_COLUMNS))
    run(firms.firm_rule, "njit", month(**FIRM_MONTH),
        const(**{**FIRM_CONST, "pv_payback_factor_firm": 1.0}), coef,
        np.array([[0.2], [0.0], [0.0], [0.0]]), arrays, len(firms.METRICS))
    share = 0.41 - 0.15 * (330_000.0 / 64_000.0 * 1.5 - 7.0) / 3.0
    econ = (64_000.0 * (1 - 1.1 ** -25) / 0.1 - 330_000.0) / 350_000.0
    p = sigma(-1.0 + 2.0 * econ + 1.0 * 0.25 + 1.0 * 0.2 + 0.5 * 0.2)
    assert not np.array_equal(t.has_pv, (draws(0) < p) & in_market(0, share))


def test_a_flipped_economics_weight_fails_the_vessel_case():
    p_conv, _, _ = fisher_vessel_probabilities()
    t = fisher_vessel_case("njit", (-0.5, -2.0, 1.0, 1.0, 0.5, 0.0))
    assert not np.array_equal(t.vessel_type == 0, draws(1) < p_conv)


@pytest.mark.parametrize("path", PATHS)
def test_the_expected_nev_car_stock_counts_each_car_by_its_nev_chance(path):
    """Σ weight · nev_chance over cars in the stock: 3 · 0.35 per row, whatever was drawn."""
    t = table(vehicles.SCHEMA, weight=3.0, km_year=12_000.0, household=-1, powertrain=ICE,
              nev_chance=0.35)
    z = np.zeros((1, 5))
    sums = run(vehicles.emissions_rule, path, month(**VEH_MONTH), const(**VEH_CONST),
               np.zeros((1, 6)), np.zeros((1, 1)),
               (z + 1, z + 1, z + 1, z, z, z,
                *(t.arrays[n] for n in vehicles.EMISSIONS_COLUMNS), np.zeros(1, bool)),
               len(vehicles.METRICS))
    assert sums[vehicles.V_NEV_STOCK_EXPECTED_CAR] == pytest.approx(3.0 * 0.35 * N)
    assert sums[vehicles.V_NEV_STOCK] == 0.0
