"""Vehicle owners: one vehicle each; the powertrain is chosen (logit) at each purchase.

State, metrics, technology and the two monthly rules of the group: :func:`replacement_rule`
(age; a first-time buyer's car enters the stock, a vehicle at the end of life is scrapped and
replaced; either way the new powertrain is chosen) runs before the households decide, and
:func:`emissions_rule` (energy and CO2 per powertrain, with the carbon-inclusive members'
shorter car trips) after. Each rule runs in a ``prange`` kernel over fixed chunks of rows, or
through its ``py_func`` for one Mesa ``VehicleOwner``.

Powertrains (:data:`abm.data.POWERTRAINS`): combustion, battery-electric, plug-in hybrid (a
utility factor of its km on electricity), LNG and hydrogen; new-energy vehicles (NEV) are
battery-electric, plug-in hybrid and fuel cell as the official statistics count them (LNG is a
"clean" fuel, counted apart). Each vehicle type has its own choice coefficients and cost
horizon. The fleet grows: rows of first-time buyers wait, dormant (``age < 0``), until the
month their car joins the stock (the sourced stock growth path of ``data/vehicle_paths.csv``).
"""

from __future__ import annotations

import math
from operator import itemgetter
from typing import Any

import numba as nb
import numpy as np

from abm import data
from abm.columns import AgentTable
from abm.groups.base import COMMON_BEHAVIOUR, Group, Metric, Phase, Technology
from abm.groups.base import Column as C
from abm.groups.decision import (
    B_ATT,
    B_ECON,
    B_PEER,
    B_VIS,
    N_CHUNKS,
    annuity,
    financing_rate,
    interest_support,
    share,
)
from abm.groups.synthesis import behaviour_columns, fill, mean_one_lognormal, stratum_sizes
from abm.limits import LAST_YEAR
from abm.params import Parameters
from abm.rng import draw

NAME = "vehicles"

SCHEMA = (
    C("district", "int8", 0, "index", "District"),
    C("vtype", "int8", 0, "index", "Vehicle type (abm.data.VEHICLE_TYPES)"),
    C("powertrain", "int8", 0, "index", "Powertrain (abm.data.POWERTRAINS)"),
    C("weight", "float64", 1.0, "vehicles/agent", "Real vehicles this agent stands for"),
    C("household", "int32", -1, "row", "Owning household's row for private cars (-1: none)"),
    C("age", "int32", 0, "months", "Age of the vehicle (below 0: a first-time buyer's car "
                                   "joins the stock when it reaches 0)"),
    C("life", "int32", 120, "months", "Age at which it is scrapped and replaced"),
    C("km_year", "float64", 0.0, "km/yr", "Distance driven in 2020"),
    *COMMON_BEHAVIOUR,
    C("peers_nev", "int32", 0, "links", "Neighbours driving new-energy vehicles"),
    C("nev_chance", "float64", 0.0, "probability", "Chance that the vehicle is an NEV: its "
      "NEV choice probability at purchase (1 or 0 for the 2020 stock)"),
    C("co2_kg", "float64", 0.0, "kg CO2/month", "Emissions this month"),
    C("events", "int8", 0, "bitmask", "What happened this month (EV_* bits)"),
)

N_VTYPES, N_POWERTRAINS = len(data.VEHICLE_TYPES), len(data.POWERTRAINS)
PT_ICE, PT_BEV, PT_PHEV, PT_LNG, PT_H2 = range(5)
VT_CAR, VT_TAXI, VT_VAN, VT_BUS, VT_TRUCK = range(5)
NEV_POWERTRAINS = (PT_BEV, PT_PHEV, PT_H2)
"""New-energy vehicles as China's statistics count them (LNG is not one)."""

METRICS = (
    Metric("co2_kg", "kg CO2"), Metric("oil_l", "L"), Metric("ev_kwh", "kWh"),
    Metric("lng_kg", "kg"), Metric("hydrogen_kg", "kg"), Metric("km", "km"),
    Metric("car_km_base", "km"), Metric("car_km", "km"), Metric("ev_subsidy_cny", "CNY"),
    Metric("tax_exemption_cny", "CNY"), Metric("ci_credit_cny", "CNY"),
    Metric("green_finance_cny", "CNY"), Metric("trade_in_cny", "CNY"),
    Metric("first_purchases", "count"), Metric("phev_sales", "count"),
    Metric("phev_stock", "count", "stock"), Metric("lng_sales", "count"),
    Metric("lng_stock", "count", "stock"), Metric("lng_sales_expected", "count"),
    Metric("phev_sales_expected", "count"), Metric("nev_stock_expected_car", "count", "stock"),
    *[Metric(f"stock_{v}", "count", "stock") for v in data.VEHICLE_TYPES],
    *[Metric(f"nev_stock_{v}", "count", "stock") for v in data.VEHICLE_TYPES],
    *[Metric(f"sales_{v}", "count") for v in data.VEHICLE_TYPES],
    *[Metric(f"nev_sales_{v}", "count") for v in data.VEHICLE_TYPES],
    *[Metric(f"nev_sales_expected_{v}", "count") for v in data.VEHICLE_TYPES],
    *[Metric(f"co2_kg_{v}", "kg CO2") for v in data.VEHICLE_TYPES],
    *[Metric(f"km_{v}", "km") for v in data.VEHICLE_TYPES],
)
_NAMES = [x.name for x in METRICS]
(V_CO2, V_OIL, V_EV_KWH, V_LNG, V_H2, V_KM, V_CAR_KM_BASE, V_CAR_KM, V_EV_SUB, V_TAX,
 V_CI_CREDIT, V_GF, V_TRADE, V_FIRST, V_PHEV_SALES, V_PHEV_STOCK, V_LNG_SALES,
 V_LNG_STOCK, V_LNG_EXPECTED, V_PHEV_EXPECTED, V_NEV_STOCK_EXPECTED_CAR) = range(21)
V_STOCK, V_NEV_STOCK, V_SALES, V_NEV_SALES, V_NEV_EXPECTED, V_CO2_TYPE, V_KM_TYPE = (
    _NAMES.index(f"{block}_car") for block in ("stock", "nev_stock", "sales", "nev_sales",
                                               "nev_sales_expected", "co2_kg", "km"))
"""First column of each per-vehicle-type block (+ vehicle type)."""

EV_NEV_UP, EV_NEV_DOWN = 1, 2
"""Event bits: replaced a non-NEV by a new-energy vehicle (or bought one first), or the
reverse."""


def is_nev(table: AgentTable) -> np.ndarray:
    """Rows in the stock driving a new-energy vehicle (battery-electric, PHEV, fuel cell)."""
    return np.isin(table.arrays["powertrain"], NEV_POWERTRAINS) & (table.arrays["age"] >= 0)


def cars_in_stock(table: AgentTable) -> np.ndarray:
    """Private cars in the stock (the initial district share counts these)."""
    return (table.arrays["vtype"] == VT_CAR) & (table.arrays["age"] >= 0)


T_EV = 0
TECHNOLOGIES = (
    Technology("vehicle_ev", is_nev, "peers_nev", EV_NEV_UP, EV_NEV_DOWN,
               ("vehicle_choice",), (("nev_stock_expected_car",), ("stock_car",)),
               cars_in_stock),
)
"""The NEV car share drivers see is the *expected* one, ``Σ weight·nev_chance / Σ weight``:
the large-population limit of the drawn share. At scale 100 a year of 2020 car sales is about
180 agents, and the drawn share fed back through consideration moved the 2022 NEV share of
new cars by ±6 points between seeds; the real city's million cars have no such noise."""
STREAMS = ("vehicle_choice", "vehicle_life", "vehicle_scrappage")


@nb.njit(inline="always", cache=True)
def nev(j: int) -> bool:
    """Whether powertrain ``j`` is a new-energy vehicle (BEV, PHEV, fuel cell)."""
    return j == PT_BEV or j == PT_PHEV or j == PT_H2


@nb.njit(inline="always", cache=True)
def early_scrappage_hazard(m, c) -> float:
    """Monthly chance that an eligible private car is scrapped early for the trade-in subsidy.

    ``h = 1 − (1 − min(s · S / 10,000, 1))^(1/12)``: ``s`` the extra annual scrappage per
    10,000 CNY (``behaviour.vehicle_ev.trade_in_scrappage``), ``S`` the larger of the
    month's NEV and combustion amounts, CNY; 0 without a subsidy or eligible cars.
    """
    amount = max(m.trade_in_nev, m.trade_in_ice)
    if m.trade_in_eligible <= 0.0 or amount <= 0.0 or c.trade_in_scrappage <= 0.0:
        return 0.0
    yearly = min(c.trade_in_scrappage * amount / 10_000.0, 1.0)
    return 1.0 - (1.0 - yearly) ** (1.0 / 12.0)


@nb.njit(inline="always", cache=True)
def replacement_rule(first, last, m, c, coef, vis, keys, arrays, sums) -> None:
    """Age vehicles ``first ≤ i < last`` one month; at a purchase choose the powertrain.

    A purchase is a first-time buyer's car joining the stock (``age`` reaches 0 from below),
    a vehicle at the end of its life, scrapped and replaced, or a private car at least
    ``trade_in_scrappage_age`` old scrapped early for the trade-in subsidy with the month's
    chance :func:`early_scrappage_hazard` (stream 3; it then gets the whole amount, not the
    eligible share's expectation). Over the options the type
    offers (``asc > −1e8``):
    ``TCO_j = price_j − subsidy_j − exemption_j − trade-in_j + A(r, H_type)·km·(cost per km_j
    − maintenance saving_j)``, ``V_j = asc_{type,j} + β_{type}·(TCO_ice − TCO_j)/TCO_ice
    + [j ≠ ice]·[private car]·(β_peer·peer + β_vis·ln(district NEV car share / share_2020)
    + β_att·attitude) + w_j·β_charging·charging`` (``w`` 1 for BEVs,
    ``charging_weight_phev`` for PHEVs, 0 otherwise), ``P_j = e^{V_j} / Σ_k e^{V_k}``;
    for private cars only the considering share ``F = 1 − (1 − F_2020)·exp(−k·(s −
    s_2020))`` of buyers weighs an NEV at all (``s``: district NEV car-stock share,
    expected: :data:`TECHNOLOGIES`; ``s_2020`` the district's own; Struben & Sterman 2008),
    so ``P_nev ← F·P_nev`` and the rest goes to the non-NEV options in proportion to
    theirs; a mandate ``M_type`` then moves the share ``M`` of the non-NEV
    probability to the NEV options in proportion to theirs. The trade-in subsidy is the expected one
    (eligible share × amount) and only for replacements. The new vehicle lives
    ``life_type · 12 · (0.6 + 0.8 u)`` months; a private car of a scheme member gets the
    carbon-inclusive attitude boost. Private cars use the coefficient row's β_econ; fleet
    types (taxi, van, bus, truck) their own ``beta_tco``. The vehicle's ``nev_chance`` is
    set to ``Σ_{j NEV} P_j``.

    Args:
        first, last: Rows.
        m, c: The month and the run's constants (:mod:`abm.market`).
        coef: The group's coefficient row ``T_EV``; vis: its district NEV car share last month.
        keys: Stream keys of :data:`STREAMS` (choice, life, early scrappage).
        arrays: by (type, powertrain) ``asc, price, energy, unit_cost, subsidy, trade``; by
            type ``life_type, horizon, beta_tco, private, mandate``; by powertrain
            ``exempt, maintenance``; ``vis0`` (n_districts,), each district's 2020 NEV car
            share (:func:`replacement_arguments`); the vehicle columns of
            :data:`REPLACEMENT_COLUMNS`; households' ``ci_member``.
        sums: Per-district sums of these rows, (n_districts, len(METRICS)), added to.

    """
    (asc, price, energy, unit_cost, subsidy, trade, life_type, horizon, beta_tco, private,
     mandate, exempt, maintenance, vis0, district, vtype, powertrain, weight, age, life,
     km_year, attitude, discount_rate, credit_draw, household, degree, peers_nev, events,
     nev_chance, household_ci) = arrays
    t = int(m.index)
    access = min(c.access_vehicle + m.credit_expansion, 1.0)
    prob = np.empty(N_POWERTRAINS)
    tco = np.empty(N_POWERTRAINS)
    early_hazard = early_scrappage_hazard(m, c)
    for i in range(first, last):
        age[i] += 1
        events[i] = 0
        if age[i] < 0:
            continue
        first_purchase = age[i] == 0
        early = False
        if not first_purchase and age[i] < life[i]:
            # The trade-in subsidy's early scrappage: an old enough private car is scrapped
            # before the end of its life with the month's chance (and so qualifies in full).
            if (early_hazard > 0.0 and vtype[i] == VT_CAR
                    and age[i] >= c.trade_in_scrappage_age_months
                    and draw(keys[2], t, i) < early_hazard):
                early = True
            else:
                continue
        d = district[i]
        v = vtype[i]
        w = weight[i]
        rate = financing_rate(discount_rate[i], credit_draw[i], access, c.loan_share,
                              c.loan_rate, m.green_rate_discount)
        att = attitude[i]
        if household[i] >= 0 and household_ci[household[i]]:
            att += c.ci_attitude_boost
        a = annuity(rate, horizon[v])
        km = km_year[i] * m.km_growth
        # trade = eligible share × amount: an early scrapper qualifies for the whole amount
        traded = 0.0 if first_purchase else (1.0 / m.trade_in_eligible if early else 1.0)
        for j in range(N_POWERTRAINS):
            exemption = exempt[j] * min(m.tax_exemption * c.purchase_tax_rate * price[v, j]
                                        / 1.13, m.tax_exemption_cap)
            support = subsidy[v, j] + exemption + traded * trade[v, j]
            tco[j] = price[v, j] - support + a * km * (energy[v, j] * unit_cost[v, j]
                                                       - maintenance[j])
        beta = coef[T_EV, B_ECON] if v == VT_CAR else beta_tco[v]
        social = 0.0
        if private[v] > 0.0:
            peer = share(peers_nev[i], degree[i])
            installed = math.log(max(vis[T_EV, d], 1e-3) / vis0[d])
            social = (coef[T_EV, B_PEER] * peer + coef[T_EV, B_VIS] * installed
                      + coef[T_EV, B_ATT] * att)
        vmax = -1e300
        for j in range(N_POWERTRAINS):
            if asc[v, j] < -1e8:
                prob[j] = -1e300
                continue
            u = asc[v, j] + beta * (tco[0] - tco[j]) / tco[0]
            if j != PT_ICE:
                u += social
            if j == PT_BEV:
                u += c.beta_charging * m.charging_index
            elif j == PT_PHEV:
                u += c.charging_weight_phev * c.beta_charging * m.charging_index
            prob[j] = u
            vmax = max(vmax, u)
        total = 0.0
        for j in range(N_POWERTRAINS):
            prob[j] = math.exp(prob[j] - vmax) if prob[j] > -1e299 else 0.0
            total += prob[j]
        fossil = 0.0
        clean = 0.0
        for j in range(N_POWERTRAINS):
            prob[j] /= total
            if nev(j):
                clean += prob[j]
            else:
                fossil += prob[j]
        if private[v] > 0.0 and c.familiarity_2020 < 1.0 and fossil > 0.0:
            # Consideration: only the familiar share F of buyers weighs an NEV at all; it
            # grows with the NEVs on the district's roads and saturates at 1.
            known = 1.0 - (1.0 - c.familiarity_2020) * math.exp(
                -c.familiarity_rate * max(vis[T_EV, d] - vis0[d], 0.0))
            for j in range(N_POWERTRAINS):
                if nev(j):
                    prob[j] *= known
                else:
                    prob[j] += (1.0 - known) * clean * prob[j] / fossil
            clean *= known
            fossil = 1.0 - clean
        if mandate[v] > 0.0 and clean > 0.0:
            moved = mandate[v] * fossil
            for j in range(N_POWERTRAINS):
                if nev(j):
                    prob[j] += moved * prob[j] / clean
                else:
                    prob[j] *= 1.0 - mandate[v]
        x = draw(keys[0], t, i)
        choice = N_POWERTRAINS - 1
        acc = 0.0
        for j in range(N_POWERTRAINS):
            acc += prob[j]
            if x < acc:
                choice = j
                break
        while prob[choice] == 0.0:  # guard against rounding at the top end
            choice -= 1
        before = nev(powertrain[i]) and not first_purchase
        after = nev(choice)
        powertrain[i] = choice
        if after and not before:
            events[i] = EV_NEV_UP
        elif before and not after:
            events[i] = EV_NEV_DOWN
        age[i] = 0
        life[i] = int(life_type[v] * 12.0 * (0.6 + 0.8 * draw(keys[1], t, i)))
        s = sums[d]
        s[V_SALES + v] += w
        # The choice probabilities themselves (a noise-free estimate of the shares, for
        # types with few buyers at coarse scales).
        chance = 0.0
        for j in range(N_POWERTRAINS):
            if nev(j):
                chance += prob[j]
        chance = min(chance, 1.0)  # a mandate of 1 can sum to 1 + 2e-16
        nev_chance[i] = chance
        s[V_NEV_EXPECTED + v] += w * chance
        s[V_LNG_EXPECTED] += w * prob[PT_LNG]
        s[V_PHEV_EXPECTED] += w * prob[PT_PHEV]
        if first_purchase:
            s[V_FIRST] += w
        if choice == PT_PHEV:
            s[V_PHEV_SALES] += w
        elif choice == PT_LNG:
            s[V_LNG_SALES] += w
        s[V_TRADE] += w * traded * trade[v, choice]
        if after:
            s[V_NEV_SALES + v] += w
            s[V_EV_SUB] += w * subsidy[v, choice]
            s[V_TAX] += w * exempt[choice] * min(
                m.tax_exemption * c.purchase_tax_rate * price[v, choice] / 1.13,
                m.tax_exemption_cap)
        if choice != PT_ICE:
            s[V_GF] += w * interest_support(price[v, choice] - subsidy[v, choice],
                                            credit_draw[i], access, c.loan_share,
                                            m.green_rate_discount, c.loan_years)


@nb.njit(inline="always", cache=True)
def emissions_rule(first, last, m, c, coef, vis, keys, arrays, sums) -> None:
    """Monthly CO2 and energy of vehicles ``first ≤ i < last`` in the stock; counts by weight.

    ``km = km_year/12 · growth · (1 − r_ci)`` for private cars of scheme members (else
    without the factor); ``CO2 = km · energy_j · unit CO2_j`` (per km: a BEV's kWh × grid
    factor; a PHEV's ``UF · kWh + (1 − UF) · L · petrol factor``); fuels by kind
    ``km · (L, kWh, kg LNG, kg H2 per km)_j``; the members' saved CO2 earns credits at the
    credit price. Dormant rows (``age < 0``, not bought yet) are not in the stock.

    Args:
        first, last: Rows.
        m, c: The month and the run's constants; coef, vis, keys: unused (uniform signature).
        arrays: ``energy, unit_co2, oil_km, kwh_km, lng_km, h2_km`` by (type, powertrain),
            the vehicle columns of :data:`EMISSIONS_COLUMNS`, households' ``ci_member``.
        sums: Per-district sums of these rows, added to.

    """
    (energy, unit_co2, oil_km, kwh_km, lng_km, h2_km, district, vtype, powertrain, weight, age,
     km_year, household, co2_kg, nev_chance, household_ci) = arrays
    for i in range(first, last):
        if age[i] < 0:
            co2_kg[i] = 0.0
            continue
        d = district[i]
        v = vtype[i]
        j = powertrain[i]
        w = weight[i]
        base_km = km_year[i] * m.km_growth / 12.0
        km = base_km
        member = household[i] >= 0 and household_ci[household[i]]
        if member:
            km = base_km * (1.0 - c.ci_km_reduction)
        co2 = km * energy[v, j] * unit_co2[v, j]
        co2_kg[i] = co2
        s = sums[d]
        s[V_CO2] += w * co2
        s[V_CO2_TYPE + v] += w * co2
        s[V_KM] += w * km
        s[V_KM_TYPE + v] += w * km
        s[V_STOCK + v] += w
        s[V_OIL] += w * km * oil_km[v, j]
        s[V_EV_KWH] += w * km * kwh_km[v, j]
        s[V_LNG] += w * km * lng_km[v, j]
        s[V_H2] += w * km * h2_km[v, j]
        if nev(j):
            s[V_NEV_STOCK + v] += w
        if j == PT_PHEV:
            s[V_PHEV_STOCK] += w
        elif j == PT_LNG:
            s[V_LNG_STOCK] += w
        if v == VT_CAR:
            s[V_NEV_STOCK_EXPECTED_CAR] += w * nev_chance[i]
            s[V_CAR_KM_BASE] += w * base_km
            s[V_CAR_KM] += w * km
            if member:
                saved = (base_km - km) * energy[v, j] * unit_co2[v, j]
                s[V_CI_CREDIT] += w * saved / 1000.0 * m.ci_credit_price


@nb.njit(parallel=True, cache=True)
def replacement_kernel(m, c, coef, vis, keys, arrays, sums) -> None:
    """:func:`replacement_rule` over all rows, in ``N_CHUNKS`` fixed chunks (chunk b → sums[b])."""
    n = arrays[14].size
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    for b in nb.prange(N_CHUNKS):
        replacement_rule(b * chunk, min(n, (b + 1) * chunk), m, c, coef, vis, keys, arrays,
                         sums[b])


@nb.njit(parallel=True, cache=True)
def emissions_kernel(m, c, coef, vis, keys, arrays, sums) -> None:
    """:func:`emissions_rule` over all rows, in ``N_CHUNKS`` fixed chunks (chunk b → sums[b])."""
    n = arrays[6].size
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    for b in nb.prange(N_CHUNKS):
        emissions_rule(b * chunk, min(n, (b + 1) * chunk), m, c, coef, vis, keys, arrays,
                       sums[b])


REPLACEMENT_COLUMNS = ("district", "vtype", "powertrain", "weight", "age", "life", "km_year",
                       "attitude", "discount_rate", "credit_draw", "household", "degree",
                       "peers_nev", "events", "nev_chance")
_replacement_columns = itemgetter(*REPLACEMENT_COLUMNS)
EMISSIONS_COLUMNS = ("district", "vtype", "powertrain", "weight", "age", "km_year",
                     "household", "co2_kg", "nev_chance")
_emissions_columns = itemgetter(*EMISSIONS_COLUMNS)
OFFERED = {"car": ("bev", "phev"), "taxi": ("bev", "phev"), "van": ("bev",), "bus": ("bev",),
           "truck": ("bev", "lng", "hydrogen")}
"""Powertrains each type may choose besides combustion (the others' asc is −1e9)."""


def _asc_key(vtype: str, powertrain: str) -> str:
    """Parameter of the alternative-specific constant (BEV keys keep their historic names)."""
    if powertrain == "bev":
        return f"behaviour.vehicle_ev.asc_{vtype}"
    if powertrain == "phev":
        return f"behaviour.vehicle_ev.asc_{vtype}_phev"
    return f"behaviour.vehicle_ev.asc_{vtype}_{powertrain}"


def static_tables(params: Any) -> dict[str, np.ndarray]:
    """Vehicle technology and choice coefficients, fixed over a run (``data/vehicles.csv``).

    Returns by (type, powertrain) ``fuel_km`` (L, kWh or kg per km on the powertrain's own
    fuel), ``premium_2020`` (CNY), ``asc`` (−1e9: not offered); by type ``base_price``,
    ``life`` and ``horizon`` (years), ``battery_kwh``, ``beta_tco`` (fleet types),
    ``private`` (1 for private cars: social influence applies), ``diesel``; by type for PHEVs
    ``phev_litres``, ``phev_kwh`` (per km in each mode) and ``utility_factor``.
    """
    tech = data.vehicles()
    nv, npt = N_VTYPES, N_POWERTRAINS
    fuel_km = np.zeros((nv, npt))
    premium = np.zeros((nv, npt))
    base_price, life, horizon, battery = (np.zeros(nv) for _ in range(4))
    phev_litres, phev_kwh, uf = (np.zeros(nv) for _ in range(3))
    asc = np.full((nv, npt), -1e9)
    beta_tco = np.zeros(nv)
    for v, vtype in enumerate(data.VEHICLE_TYPES):
        base_price[v] = tech[(vtype, "ice", "price")]
        life[v] = tech[(vtype, "all", "life")]
        horizon[v] = tech[(vtype, "all", "tco_horizon")]
        battery[v] = tech[(vtype, "bev", "battery_kwh")]
        fuel_km[v, PT_ICE] = tech[(vtype, "ice", "energy_per_100km")] / 100.0
        asc[v, PT_ICE] = 0.0
        if vtype != "car":
            beta_tco[v] = params[f"behaviour.vehicle_ev.beta_tco_{vtype}"]
        for name in OFFERED[vtype]:
            pt = data.POWERTRAINS.index(name)
            asc[v, pt] = params[_asc_key(vtype, name)]
            premium[v, pt] = tech[(vtype, name, "price_premium_2020")]
            if name == "phev":
                phev_litres[v] = tech[(vtype, name, "fuel_per_100km")] / 100.0
                phev_kwh[v] = tech[(vtype, name, "electricity_per_100km")] / 100.0
                uf[v] = tech[(vtype, name, "utility_factor")]
            else:
                fuel_km[v, pt] = tech[(vtype, name, "energy_per_100km")] / 100.0
    diesel = np.array([vt in ("van", "bus", "truck") for vt in data.VEHICLE_TYPES])
    private = np.array([1.0 if vt == "car" else 0.0 for vt in data.VEHICLE_TYPES])
    tables = {"fuel_km": fuel_km, "premium_2020": premium, "base_price": base_price,
              "life": life, "horizon": horizon, "battery_kwh": battery, "asc": asc,
              "beta_tco": beta_tco, "private": private, "diesel": diesel,
              "phev_litres": phev_litres, "phev_kwh": phev_kwh, "utility_factor": uf}
    return {**tables, **_energy_tables(params, tables)}


def _energy_tables(p: Any, tables: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The per-km energy, fuel cost and fuel tables by (type, powertrain), fixed over a run.

    Fossil fuel is diesel or petrol by type; a PHEV's "km" is one unit whose cost and fuels
    mix its electric share ``UF`` and petrol ``1 − UF``. ``unit_co2`` holds the fuels' CO2
    per unit; its BEV and PHEV columns depend on the month's grid factor and are filled by
    :func:`prepare_month` (``phev_litres_km``, ``phev_kwh_km``: a PHEV's L and kWh per km).
    Also by powertrain ``exempt`` (NEVs: purchase-tax exemption) and ``maintenance``
    (BEV saving, CNY/km).
    """
    ef = data.emission_factors()
    tech = data.vehicles()
    nv, npt = N_VTYPES, N_POWERTRAINS
    energy = tables["fuel_km"].copy()
    unit_cost = np.zeros((nv, npt))
    unit_co2 = np.zeros((nv, npt))
    oil_km, kwh_km, lng_km, h2_km = (np.zeros((nv, npt)) for _ in range(4))
    diesel = tables["diesel"]
    fossil_price = np.where(diesel, p["prices.diesel"], p["prices.petrol"])
    fossil_co2 = np.where(diesel, ef["diesel"], ef["petrol"])
    unit_cost[:, PT_ICE] = fossil_price
    unit_co2[:, PT_ICE] = fossil_co2
    oil_km[:, PT_ICE] = energy[:, PT_ICE]
    unit_cost[:, PT_BEV] = p["prices.ev_electricity"]
    kwh_km[:, PT_BEV] = energy[:, PT_BEV]
    uf = tables["utility_factor"]
    litres = (1.0 - uf) * tables["phev_litres"]
    kwh = uf * tables["phev_kwh"]
    energy[:, PT_PHEV] = np.where(uf > 0, 1.0, 0.0)  # one "km" unit; cost and CO2 are per km
    unit_cost[:, PT_PHEV] = litres * p["prices.petrol"] + kwh * p["prices.ev_electricity"]
    oil_km[:, PT_PHEV] = litres
    kwh_km[:, PT_PHEV] = kwh
    unit_cost[:, PT_LNG] = p["prices.lng"]
    unit_co2[:, PT_LNG] = ef["lng"]
    lng_km[:, PT_LNG] = energy[:, PT_LNG]
    unit_cost[:, PT_H2] = p["prices.hydrogen"]
    unit_co2[:, PT_H2] = ef["hydrogen"]
    h2_km[:, PT_H2] = energy[:, PT_H2]
    exempt = np.array([1.0 if j in NEV_POWERTRAINS else 0.0 for j in range(npt)])
    maintenance = np.zeros(npt)
    maintenance[PT_BEV] = tech[("all", "all", "maintenance_saving_bev")]
    return {"energy": energy, "unit_cost": unit_cost, "fixed_unit_co2": unit_co2,
            "oil_km": oil_km, "kwh_km": kwh_km, "lng_km": lng_km, "h2_km": h2_km,
            "phev_litres_km": litres, "phev_kwh_km": kwh, "exempt": exempt,
            "maintenance": maintenance}


def _path_value(path: dict[int, float], year: float, decline: float) -> float:
    """A yearly path's value in (fractional) ``year``.

    The calendar year's value; before the first year the first value; after the last
    ``value_last · (1 − decline)^(year − last)``.
    """
    whole = math.floor(year)
    last = max(path)
    if whole > last:
        return path[last] * (1.0 - decline) ** (year - last)
    return path.get(whole, path[min(path)])


def premiums(params: Any, tables: dict[str, np.ndarray], year: float) -> np.ndarray:
    """NEV price premia over the combustion model by (type, powertrain) in ``year``, CNY.

    Cars and taxis, BEV and PHEV: the observed car premium path (``data/vehicle_paths.csv``;
    the 2023-24 price competition is in it), shifted by the type's own 2020 premium. A type
    with its own observed path (heavy-truck BEVs: dealers' 2023-24 prices) follows it the same
    way. Other types' BEVs: the 2020 premium with its battery part at the BNEF pack price,
    ``premium_2020 + kWh · (pack_t − pack_2020) · CNY/USD``. After the last observed year
    every premium declines at ``tech.vehicle_premium_decline``; LNG and hydrogen premia too
    from 2020.
    """
    paths = data.vehicle_paths()
    decline = params["tech.vehicle_premium_decline"]
    fx = data.vehicles()[("all", "all", "cny_per_usd")]
    pack = paths[("all", "bev", "battery_pack_price")]
    out = tables["premium_2020"].copy()
    for v, vtype in enumerate(data.VEHICLE_TYPES):
        for name in OFFERED[vtype]:
            pt = data.POWERTRAINS.index(name)
            path = paths.get(("car" if vtype == "taxi" else vtype, name, "price_premium"))
            if path is not None:
                out[v, pt] += _path_value(path, year, decline) - path[min(path)]
            elif name == "bev":
                out[v, pt] += tables["battery_kwh"][v] * fx * (
                    _path_value(pack, year, decline) - pack[min(pack)])
            else:
                out[v, pt] *= (1.0 - decline) ** max(year - 2020.0, 0.0)
    return out


def prepare_month(model: Any, m: Any) -> dict[str, np.ndarray]:
    """Prices, per-km energy, costs, CO2 and support by (type, powertrain) this month.

    ``price = base price + premium(year)`` (:func:`premiums`); fossil fuel is diesel or petrol
    by type; BEV electricity emits the month's grid factor; a PHEV's cost and CO2 per km mix
    its electric share ``UF`` and petrol ``1 − UF``. Support: the purchase subsidy (PHEVs
    the ``subsidy_ratio`` of it; none for combustion and LNG), the tax exemption (NEVs), the
    expected trade-in subsidy of private cars (eligible share × amount), the NEV mandate.
    """
    p = model.params
    tables = model.group_static[NAME]
    tech = data.vehicles()
    year = model.start_year + m.years
    price = tables["base_price"][:, None] + premiums(p, tables, year)
    nv, npt = N_VTYPES, N_POWERTRAINS
    unit_co2 = tables["fixed_unit_co2"].copy()
    unit_co2[:, PT_BEV] = m.grid_factor
    unit_co2[:, PT_PHEV] = (tables["phev_litres_km"] * data.emission_factors()["petrol"]
                            + tables["phev_kwh_km"] * m.grid_factor)
    subsidy = np.zeros((nv, npt))
    subsidy[:, PT_BEV] = m.ev_subsidy
    subsidy[:, PT_PHEV] = m.ev_subsidy * tech[("all", "phev", "subsidy_ratio")]
    subsidy[:, PT_H2] = m.ev_subsidy
    trade = np.zeros((nv, npt))
    trade[VT_CAR, :] = m.trade_in_eligible * np.array(
        [m.trade_in_nev if j in NEV_POWERTRAINS else m.trade_in_ice for j in range(npt)])
    mandate = np.array([getattr(m, f"nev_mandate_{v}") for v in data.VEHICLE_TYPES])
    return {**tables, "price": price, "unit_co2": unit_co2, "subsidy": subsidy,
            "trade": trade, "mandate": mandate}


def replacement_arguments(model: Any, m: Any) -> tuple:
    """The replacement rule's ``arrays`` (see :func:`replacement_rule`).

    ``vis0`` is each district's own 2020 NEV car share (from the drawn 2020 stock, at least
    0.001), so consideration starts at ``F_2020`` in every district and grows with the
    district's NEVs since, not with the sampling noise of its 2020 draw.
    """
    table = model.tables[NAME]
    x = model.month_inputs[NAME]
    vis0 = np.maximum(model.initial_visibility[NAME][T_EV], 1e-3)
    return (x["asc"], x["price"], x["energy"], x["unit_cost"], x["subsidy"], x["trade"],
            x["life"], x["horizon"], x["beta_tco"], x["private"], x["mandate"], x["exempt"],
            x["maintenance"], vis0,
            *_replacement_columns(table.arrays),
            model.tables["households"].ci_member)


def emissions_arguments(model: Any, m: Any) -> tuple:
    """The emissions rule's ``arrays`` (see :func:`emissions_rule`)."""
    table = model.tables[NAME]
    x = model.month_inputs[NAME]
    return (x["energy"], x["unit_co2"], x["oil_km"], x["kwh_km"], x["lng_km"], x["h2_km"],
            *_emissions_columns(table.arrays),
            model.tables["households"].ci_member)


def stock_growth_path(p: Parameters, last_year: int = LAST_YEAR) -> np.ndarray:
    """Vehicles added to the stock by the end of each month, as a multiple of the 2020 stock.

    Yearly growth ``g_y`` from ``data/vehicle_paths.csv`` (``stock_growth``) to its last year,
    then ``g_after · (1 − decay)^(y − last − 1)``; ``S_y = S_{y−1}·(1 + g_y)``, added evenly
    over the months of the year. Entry ``t`` is the end of month ``t`` (0 = January 2020).
    """
    path = data.vehicle_paths()[("car", "all", "stock_growth")]
    last = max(path)
    start = 2020
    level, out = 1.0, []
    for year in range(start, last_year + 1):
        if year in path:
            g = path[year]
        elif year > last:
            g = p["economy.car_stock_growth_after_2024"] * (
                1.0 - p["economy.car_stock_growth_decay"]) ** (year - last - 1)
        else:
            g = 0.0
        added = level * g
        out.extend(level - 1.0 + added * (k + 1) / 12.0 for k in range(12))
        level += added
    return np.array(out)


def synthesise(p: Parameters, scale: float, rng: np.random.Generator,
               tables: dict[str, AgentTable]) -> AgentTable:
    """Vehicles by district × type; private cars linked to households (likelier the richer).

    ``data/districts.csv`` counts the end-2020 stock ``S_end``. The run starts in January
    2020 with ``S_0 = S_end / (1 + g_2020)`` (``stock_growth`` 2020), the difference taken
    from each district's private cars in proportion: those are 2020's first purchases. The
    stock grows by private cars of first-time buyers (the civilian-vehicle stock path,
    :func:`stock_growth_path` as a multiple of ``S_0``, over all types, added as cars): each
    district gets rows of the car stratum's weight for its share of the cars, dormant
    (``age = −(entry month + 1)``) until their month comes.
    """
    households = tables["households"]
    districts = data.districts()
    tech = data.vehicles()
    count_column = {"car": "private_cars", "taxi": "taxis", "van": "delivery_vans",
                    "bus": "buses", "truck": "heavy_trucks"}
    total_end_2020 = sum(districts[c].sum() for c in count_column.values())
    total_stock = total_end_2020 / (1.0 + data.vehicle_paths()[("car", "all", "stock_growth")]
                                    .get(2020, 0.0))
    growth = stock_growth_path(p) * total_stock
    all_cars = districts["private_cars"].sum()
    cars_in_january = 1.0 - (total_end_2020 - total_stock) / all_cars
    cols: dict[str, list[np.ndarray]] = {}

    def add(name: str, values: np.ndarray) -> None:
        cols.setdefault(name, []).append(np.asarray(values))

    for d, code in enumerate(data.DISTRICTS):
        for v, vtype in enumerate(data.VEHICLE_TYPES):
            count = districts.loc[code, count_column[vtype]]
            n, w = stratum_sizes(count * cars_in_january if vtype == "car" else count, scale)
            if n == 0:
                continue
            life_mean = tech[(vtype, "all", "life")] * 12.0
            life = (life_mean * (0.6 + 0.8 * rng.random(n))).astype(np.int32)
            clean = rng.random(n) < p[f"init.ev_share_{vtype}"]
            powertrain = np.where(clean, PT_LNG if vtype == "truck" else PT_BEV, PT_ICE)
            if vtype == "car":
                phev = rng.random(n) < p["init.phev_share_of_nev_car"]
                powertrain = np.where(clean & phev, PT_PHEV, powertrain)
            age = (rng.random(n) * life).astype(np.int32)
            if vtype == "car":
                # A growing fleet is young: ages ∝ (1 + g)^−a over [0, life) (inverse CDF);
                # the NEVs, whose stock grew much faster, younger still.
                g = np.where(clean, p["init.nev_stock_growth_before_2020"],
                             p["init.car_stock_growth_before_2020"])
                lam = np.log1p(g)
                age = (-np.log1p(-rng.random(n) * (1.0 - np.exp(-lam * life / 12.0))) / lam
                       * 12.0).astype(np.int32)
            household = np.full(n, -1)
            if vtype == "car":
                # Link private cars to households of the district, likelier the richer.
                rows = np.flatnonzero(households.district == d)
                k = min(n, rows.size)
                prob = households.income[rows] / households.income[rows].sum()
                household[:k] = rng.choice(rows, size=k, replace=False, p=prob)
                # First-time buyers' cars, dormant until their month.
                added = growth * districts.loc[code, "private_cars"] / all_cars
                n_new = int(np.floor(added[-1] / w + 0.5))
                entry = np.searchsorted(added, (np.arange(n_new) + 0.5) * w)
                life = np.concatenate([life, np.zeros(n_new, np.int32)])
                powertrain = np.concatenate([powertrain, np.zeros(n_new, np.int64)])
                age = np.concatenate([age, -(entry + 1).astype(np.int32)])
                household = np.concatenate([household, np.full(n_new, -1)])
                n += n_new
            add("district", np.full(n, d))
            add("vtype", np.full(n, v))
            add("powertrain", powertrain)
            add("nev_chance", np.isin(powertrain, NEV_POWERTRAINS).astype(float))
            add("weight", np.full(n, w))
            add("age", age)
            add("life", life)
            add("km_year", tech[(vtype, "all", "km_per_year")] * mean_one_lognormal(rng, 0.3, n))
            rate = p["behaviour.discount_rate_household"]
            for k, val in behaviour_columns(rng, p, n, rate).items():
                add(k, val)
            add("household", household)
    n_total = sum(len(x) for x in cols["district"])
    table = AgentTable(SCHEMA, n_total)
    fill(table, cols)
    cars = np.flatnonzero(table.household >= 0)
    households.car[table.household[cars]] = cars
    return table


GROUP = Group(
    NAME, SCHEMA, METRICS, TECHNOLOGIES,
    {"replace": Phase("replace", replacement_rule, replacement_kernel, replacement_arguments,
                      STREAMS, "step"),
     "account": Phase("account", emissions_rule, emissions_kernel, emissions_arguments, (),
                      "account")},
    prepare_month=prepare_month, static_tables=static_tables,
    synthesise=synthesise)
