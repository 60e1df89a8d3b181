"""Vehicle owners: one vehicle each; the powertrain is chosen (logit) at each replacement.

State, metrics, technology and the two monthly rules of the group: :func:`replacement_rule`
(age; at the end of life choose the new powertrain) runs before the households decide, and
:func:`emissions_rule` (energy and CO2, with the carbon-inclusive members' shorter car trips)
after. Each rule runs in a ``prange`` kernel over fixed chunks of rows, or through its
``py_func`` for one Mesa ``VehicleOwner``.
"""

from __future__ import annotations

import math
from operator import itemgetter
from typing import Any

import numba as nb
import numpy as np

from abm import data
from abm.columns import AgentTable
from abm.groups.base import COMMON_BEHAVIOUR, Group, Metric, Phase, Technology, column_is_set
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
from abm.params import Parameters
from abm.rng import draw

NAME = "vehicles"

SCHEMA = (
    C("district", "int8", 0, "index", "District"),
    C("vtype", "int8", 0, "index", "Vehicle type (abm.data.VEHICLE_TYPES)"),
    C("powertrain", "int8", 0, "index", "Powertrain (abm.data.POWERTRAINS)"),
    C("weight", "float64", 1.0, "vehicles/agent", "Real vehicles this agent stands for"),
    C("household", "int32", -1, "row", "Owning household's row for private cars (-1: none)"),
    C("age", "int32", 0, "months", "Age of the vehicle"),
    C("life", "int32", 120, "months", "Age at which it is replaced"),
    C("km_year", "float64", 0.0, "km/yr", "Distance driven in 2020"),
    *COMMON_BEHAVIOUR,
    C("peers_nev", "int32", 0, "links", "Neighbours driving new-energy vehicles"),
    C("co2_kg", "float64", 0.0, "kg CO2/month", "Emissions this month"),
    C("events", "int8", 0, "bitmask", "What happened this month (EV_* bits)"),
)

N_VTYPES, N_POWERTRAINS = len(data.VEHICLE_TYPES), len(data.POWERTRAINS)
PT_ICE, PT_BEV, PT_LNG, PT_H2 = 0, 1, 2, 3
VT_CAR = 0

METRICS = (
    Metric("co2_kg", "kg CO2"), Metric("oil_l", "L"), Metric("ev_kwh", "kWh"),
    Metric("lng_kg", "kg"), Metric("hydrogen_kg", "kg"), Metric("km", "km"),
    Metric("car_km_base", "km"), Metric("car_km", "km"), Metric("ev_subsidy_cny", "CNY"),
    Metric("tax_exemption_cny", "CNY"), Metric("ci_credit_cny", "CNY"),
    Metric("green_finance_cny", "CNY"),
    *[Metric(f"stock_{v}", "count", "stock") for v in data.VEHICLE_TYPES],
    *[Metric(f"nev_stock_{v}", "count", "stock") for v in data.VEHICLE_TYPES],
    *[Metric(f"sales_{v}", "count") for v in data.VEHICLE_TYPES],
    *[Metric(f"nev_sales_{v}", "count") for v in data.VEHICLE_TYPES],
    *[Metric(f"co2_kg_{v}", "kg CO2") for v in data.VEHICLE_TYPES],
    *[Metric(f"km_{v}", "km") for v in data.VEHICLE_TYPES],
)
(V_CO2, V_OIL, V_EV_KWH, V_LNG, V_H2, V_KM, V_CAR_KM_BASE, V_CAR_KM, V_EV_SUB, V_TAX,
 V_CI_CREDIT, V_GF) = range(12)
V_STOCK, V_NEV_STOCK, V_SALES, V_NEV_SALES, V_CO2_TYPE, V_KM_TYPE = 12, 17, 22, 27, 32, 37
"""First column of each per-vehicle-type block (+ vehicle type)."""

EV_NEV_UP, EV_NEV_DOWN = 1, 2
"""Event bits: replaced a fossil vehicle by a new-energy one, or the reverse."""

T_EV = 0
TECHNOLOGIES = (
    Technology("vehicle_ev", column_is_set("powertrain"), "peers_nev", EV_NEV_UP, EV_NEV_DOWN,
               ("vehicle_choice",),
               (tuple(f"nev_stock_{v}" for v in data.VEHICLE_TYPES),
                tuple(f"stock_{v}" for v in data.VEHICLE_TYPES))),
)
STREAMS = ("vehicle_choice", "vehicle_life")


@nb.njit(inline="always", cache=True)
def replacement_rule(first, last, m, c, coef, vis, keys, arrays, sums) -> None:
    """Age vehicles ``first ≤ i < last`` one month; at the end of life choose the powertrain.

    ``V_j = asc_j + β_econ·(TCO_ice − TCO_j)/TCO_ice + [j ≠ ice]·(β_peer·peer + β_vis·district
    + β_att·attitude) + [j = bev]·β_charging·charging`` with
    ``TCO_j = price_j − subsidy_j − tax exemption_j + A(r, life)·(km·energy_j·unit cost_j
    − [bev] km · maintenance saving)``; ``P_j = e^{V_j} / Σ_k e^{V_k}`` over the options
    available to the type (``asc > −1e8``). The new vehicle lives
    ``life_type · 12 · (0.6 + 0.8 u)`` months; a private car of a scheme member gets the
    carbon-inclusive attitude boost.

    Args:
        first, last: Rows.
        m, c: The month and the run's constants (:mod:`abm.market`).
        coef: The group's coefficient row ``T_EV``; vis: its district NEV share last month.
        keys: Stream keys of :data:`STREAMS` (choice, life).
        arrays: ``asc, price, energy, unit_cost, life_type`` by (type, powertrain) or type,
            the vehicle columns of :data:`REPLACEMENT_COLUMNS`, households' ``ci_member``.
        sums: Per-district sums of these rows, (n_districts, len(METRICS)), added to.

    """
    (asc, price, energy, unit_cost, life_type, district, vtype, powertrain, weight, age, life,
     km_year, attitude, discount_rate, credit_draw, household, degree, peers_nev, events,
     household_ci) = arrays
    t = int(m.index)
    access = min(c.access_vehicle + m.credit_expansion, 1.0)
    util = np.empty(N_POWERTRAINS)
    tco = np.empty(N_POWERTRAINS)
    for i in range(first, last):
        age[i] += 1
        events[i] = 0
        if age[i] < life[i]:
            continue
        d = district[i]
        v = vtype[i]
        w = weight[i]
        rate = financing_rate(discount_rate[i], credit_draw[i], access, c.loan_share,
                              c.loan_rate, m.green_rate_discount)
        att = attitude[i]
        if household[i] >= 0 and household_ci[household[i]]:
            att += c.ci_attitude_boost
        a = annuity(rate, life_type[v])
        km = km_year[i] * m.km_growth
        for j in range(N_POWERTRAINS):
            subsidy = 0.0
            if j == PT_BEV or j == PT_H2:
                subsidy = m.ev_subsidy + min(m.tax_exemption * c.purchase_tax_rate
                                             * price[v, j] / 1.13, m.tax_exemption_cap)
            running = km * energy[v, j] * unit_cost[v, j]
            if j == PT_BEV:
                running -= km * c.maintenance_saving_bev
            tco[j] = price[v, j] - subsidy + a * running
        peer = share(peers_nev[i], degree[i])
        vmax = -1e300
        for j in range(N_POWERTRAINS):
            if asc[v, j] < -1e8:
                util[j] = -1e300
                continue
            util[j] = asc[v, j] + coef[T_EV, B_ECON] * (tco[0] - tco[j]) / tco[0]
            if j != PT_ICE:
                util[j] += (coef[T_EV, B_PEER] * peer
                            + coef[T_EV, B_VIS] * vis[T_EV, d]
                            + coef[T_EV, B_ATT] * att)
            if j == PT_BEV:
                util[j] += c.beta_charging * m.charging_index
            vmax = max(vmax, util[j])
        total = 0.0
        for j in range(N_POWERTRAINS):
            util[j] = math.exp(util[j] - vmax) if util[j] > -1e299 else 0.0
            total += util[j]
        u = draw(keys[0], t, i) * total
        choice = N_POWERTRAINS - 1
        acc = 0.0
        for j in range(N_POWERTRAINS):
            acc += util[j]
            if u < acc:
                choice = j
                break
        while util[choice] == 0.0:  # guard against rounding at the top end
            choice -= 1
        before = powertrain[i]
        powertrain[i] = choice
        if before == PT_ICE and choice != PT_ICE:
            events[i] = EV_NEV_UP
        elif before != PT_ICE and choice == PT_ICE:
            events[i] = EV_NEV_DOWN
        age[i] = 0
        life[i] = int(life_type[v] * 12.0 * (0.6 + 0.8 * draw(keys[1], t, i)))
        s = sums[d]
        s[V_SALES + v] += w
        if choice != PT_ICE:
            s[V_NEV_SALES + v] += w
            subsidy = m.ev_subsidy
            exemption = min(m.tax_exemption * c.purchase_tax_rate * price[v, choice] / 1.13,
                            m.tax_exemption_cap)
            if choice == PT_LNG:
                subsidy = 0.0
                exemption = 0.0
            s[V_EV_SUB] += w * subsidy
            s[V_TAX] += w * exemption
            s[V_GF] += w * interest_support(price[v, choice] - subsidy, credit_draw[i],
                                            access, c.loan_share, m.green_rate_discount,
                                            c.loan_years)


@nb.njit(inline="always", cache=True)
def emissions_rule(first, last, m, c, coef, vis, keys, arrays, sums) -> None:
    """Monthly CO2 and energy of vehicles ``first ≤ i < last``; fleet counts by weight.

    ``km = km_year/12 · growth · (1 − r_ci)`` for private cars of scheme members (else
    without the factor); ``fuel = km · energy_j``; ``CO2 = fuel · unit CO2_j`` (BEV: kWh ×
    grid factor); the members' saved CO2 earns credits at the credit price.

    Args:
        first, last: Rows.
        m, c: The month and the run's constants; coef, vis, keys: unused (uniform signature).
        arrays: ``energy, unit_co2`` by (type, powertrain), the vehicle columns of
            :data:`EMISSIONS_COLUMNS`, households' ``ci_member``.
        sums: Per-district sums of these rows, added to.

    """
    energy, unit_co2, district, vtype, powertrain, weight, km_year, household, co2_kg, \
        household_ci = arrays
    for i in range(first, last):
        d = district[i]
        v = vtype[i]
        j = powertrain[i]
        w = weight[i]
        base_km = km_year[i] * m.km_growth / 12.0
        km = base_km
        member = household[i] >= 0 and household_ci[household[i]]
        if member:
            km = base_km * (1.0 - c.ci_km_reduction)
        fuel = km * energy[v, j]
        co2 = fuel * unit_co2[v, j]
        co2_kg[i] = co2
        s = sums[d]
        s[V_CO2] += w * co2
        s[V_CO2_TYPE + v] += w * co2
        s[V_KM] += w * km
        s[V_KM_TYPE + v] += w * km
        s[V_STOCK + v] += w
        if j == PT_ICE:
            s[V_OIL] += w * fuel
        elif j == PT_BEV:
            s[V_EV_KWH] += w * fuel
            s[V_NEV_STOCK + v] += w
        elif j == PT_LNG:
            s[V_LNG] += w * fuel
            s[V_NEV_STOCK + v] += w
        else:
            s[V_H2] += w * fuel
            s[V_NEV_STOCK + v] += w
        if v == VT_CAR:
            s[V_CAR_KM_BASE] += w * base_km
            s[V_CAR_KM] += w * km
            if member:
                saved = (base_km - km) * energy[v, j] * unit_co2[v, j]
                s[V_CI_CREDIT] += w * saved / 1000.0 * m.ci_credit_price


@nb.njit(parallel=True, cache=True)
def replacement_kernel(m, c, coef, vis, keys, arrays, sums) -> None:
    """:func:`replacement_rule` over all rows, in ``N_CHUNKS`` fixed chunks (chunk b → sums[b])."""
    n = arrays[5].size
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    for b in nb.prange(N_CHUNKS):
        replacement_rule(b * chunk, min(n, (b + 1) * chunk), m, c, coef, vis, keys, arrays,
                         sums[b])


@nb.njit(parallel=True, cache=True)
def emissions_kernel(m, c, coef, vis, keys, arrays, sums) -> None:
    """:func:`emissions_rule` over all rows, in ``N_CHUNKS`` fixed chunks (chunk b → sums[b])."""
    n = arrays[2].size
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    for b in nb.prange(N_CHUNKS):
        emissions_rule(b * chunk, min(n, (b + 1) * chunk), m, c, coef, vis, keys, arrays,
                       sums[b])


REPLACEMENT_COLUMNS = ("district", "vtype", "powertrain", "weight", "age", "life", "km_year",
                       "attitude", "discount_rate", "credit_draw", "household", "degree",
                       "peers_nev", "events")
_replacement_columns = itemgetter(*REPLACEMENT_COLUMNS)
EMISSIONS_COLUMNS = ("district", "vtype", "powertrain", "weight", "km_year", "household",
                     "co2_kg")
_emissions_columns = itemgetter(*EMISSIONS_COLUMNS)


def static_tables(params: Any) -> dict[str, np.ndarray]:
    """Vehicle technology by (type, powertrain), fixed over a run (``data/vehicles.csv``).

    Returns ``energy`` (kWh, L or kg per km), ``premium`` (CNY, 2020 price premium over the
    fossil vehicle), ``base_price`` and ``life`` (years) by type, ``asc`` (alternative-specific
    constants; −1e9 marks an option not offered for the type) and ``diesel`` (type runs on
    diesel rather than petrol).
    """
    tech = data.vehicles()
    nv, npt = N_VTYPES, N_POWERTRAINS
    energy = np.zeros((nv, npt))
    premium = np.zeros((nv, npt))
    base_price = np.zeros(nv)
    life = np.zeros(nv)
    asc = np.full((nv, npt), -1e9)
    for v, vtype in enumerate(data.VEHICLE_TYPES):
        base_price[v] = tech[(vtype, "ice", "price")]
        life[v] = tech[(vtype, "all", "life")]
        energy[v, PT_ICE] = tech[(vtype, "ice", "energy_per_100km")] / 100.0
        energy[v, PT_BEV] = tech[(vtype, "bev", "energy_per_100km")] / 100.0
        premium[v, PT_BEV] = tech[(vtype, "bev", "price_premium_2020")]
        asc[v, PT_ICE] = 0.0
        asc[v, PT_BEV] = params[f"behaviour.vehicle_ev.asc_{vtype}"]
        if vtype == "truck":
            for pt, name in ((PT_LNG, "lng"), (PT_H2, "hydrogen")):
                energy[v, pt] = tech[(vtype, name, "energy_per_100km")] / 100.0
                premium[v, pt] = tech[(vtype, name, "price_premium_2020")]
                asc[v, pt] = params[f"behaviour.vehicle_ev.asc_truck_{name}"]
    diesel = np.array([vt in ("van", "bus", "truck") for vt in data.VEHICLE_TYPES])
    return {"energy": energy, "premium": premium, "base_price": base_price, "life": life,
            "asc": asc, "diesel": diesel}


def prepare_month(model: Any, m: Any) -> dict[str, np.ndarray]:
    """Prices (CNY), energy unit costs (CNY/unit) and CO2 per unit (kg/unit) this month.

    ``price = base price + premium · premium factor(t)``; fossil fuel is diesel or petrol
    by type; BEV electricity emits the month's grid factor.
    """
    p = model.params
    tables = model.group_static[NAME]
    ef = data.emission_factors()
    price = tables["base_price"][:, None] + tables["premium"] * m.premium_factor
    unit_cost = np.empty((N_VTYPES, N_POWERTRAINS))
    unit_co2 = np.empty((N_VTYPES, N_POWERTRAINS))
    diesel = tables["diesel"]
    unit_cost[:, PT_ICE] = np.where(diesel, p["prices.diesel"], p["prices.petrol"])
    unit_co2[:, PT_ICE] = np.where(diesel, ef["diesel"], ef["petrol"])
    unit_cost[:, PT_BEV] = p["prices.ev_electricity"]
    unit_co2[:, PT_BEV] = m.grid_factor
    unit_cost[:, PT_LNG] = p["prices.lng"]
    unit_co2[:, PT_LNG] = ef["lng"]
    unit_cost[:, PT_H2] = p["prices.hydrogen"]
    unit_co2[:, PT_H2] = ef["hydrogen"]
    return {**tables, "price": price, "unit_cost": unit_cost, "unit_co2": unit_co2}


def replacement_arguments(model: Any, m: Any) -> tuple:
    """The replacement rule's ``arrays`` (see :func:`replacement_rule`)."""
    table = model.tables[NAME]
    month = model.month_inputs[NAME]
    return (month["asc"], month["price"], month["energy"], month["unit_cost"], month["life"],
            *_replacement_columns(table.arrays),
            model.tables["households"].ci_member)


def emissions_arguments(model: Any, m: Any) -> tuple:
    """The emissions rule's ``arrays`` (see :func:`emissions_rule`)."""
    table = model.tables[NAME]
    month = model.month_inputs[NAME]
    return (month["energy"], month["unit_co2"],
            *_emissions_columns(table.arrays),
            model.tables["households"].ci_member)


def synthesise(p: Parameters, scale: float, rng: np.random.Generator,
               tables: dict[str, AgentTable]) -> AgentTable:
    """Vehicles by district × type; private cars linked to households (likelier the richer)."""
    households = tables["households"]
    districts = data.districts()
    tech = data.vehicles()
    count_column = {"car": "private_cars", "taxi": "taxis", "van": "delivery_vans",
                    "bus": "buses", "truck": "heavy_trucks"}
    cols: dict[str, list[np.ndarray]] = {}

    def add(name: str, values: np.ndarray) -> None:
        cols.setdefault(name, []).append(np.asarray(values))

    for d, code in enumerate(data.DISTRICTS):
        for v, vtype in enumerate(data.VEHICLE_TYPES):
            n, w = stratum_sizes(districts.loc[code, count_column[vtype]], scale)
            if n == 0:
                continue
            life_mean = tech[(vtype, "all", "life")] * 12.0
            life = (life_mean * (0.6 + 0.8 * rng.random(n))).astype(np.int32)
            clean = rng.random(n) < p[f"init.ev_share_{vtype}"]
            add("district", np.full(n, d))
            add("vtype", np.full(n, v))
            add("powertrain", np.where(clean, 2 if vtype == "truck" else 1, 0))
            add("weight", np.full(n, w))
            add("age", (rng.random(n) * life).astype(np.int32))
            add("life", life)
            add("km_year", tech[(vtype, "all", "km_per_year")] * mean_one_lognormal(rng, 0.3, n))
            rate = p["behaviour.discount_rate_household"]
            for k, val in behaviour_columns(rng, p, n, rate).items():
                add(k, val)
            household = np.full(n, -1)
            if vtype == "car":
                # Link private cars to households of the district, likelier the richer.
                rows = np.flatnonzero(households.district == d)
                k = min(n, rows.size)
                prob = households.income[rows] / households.income[rows].sum()
                household[:k] = rng.choice(rows, size=k, replace=False, p=prob)
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
