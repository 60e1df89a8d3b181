"""Numba kernels of the monthly step: pure functions of arrays and scalars.

No model object, no global state and no random state inside: each kernel reads column
arrays, the month's scalars (:class:`abm.market.Month`), the run's constants
(:class:`abm.market.Constants`), behaviour coefficients and stream keys, and writes new
state, per-agent emissions, an event bitmask and per-district sums.

The decision model, shared by every (group × technology) pair (README "How an agent decides"):

* profitability index ``econ = NPV / gross capital cost`` with
  ``NPV = annual_value · A(r, life) − (capex − subsidy)`` and the annuity factor
  ``A(r, n) = (1 − (1 + r)^−n) / r``; ``r`` is the agent's own discount rate, or for an agent
  with credit access ``(1 − s)·r_own + s·max(r_loan − green_discount, 0)`` (loan share ``s``);
* utility ``U = β0 + β_econ·econ + β_peer·(adopted neighbours / degree)
  + β_vis·(district adoption share last month) + β_att·attitude``;
* monthly adoption probability ``p = rate_max · σ(U)`` with ``σ(x) = 1/(1 + e^−x)``, drawn
  against the named stream's uniform number; replacement choices (vehicles, vessels) use
  a multinomial logit over the options, ``P_j = e^{V_j} / Σ_k e^{V_k}``.

Per-district sums are accumulated in ``N_CHUNKS`` fixed blocks of rows, so the result does
not depend on the number of threads.
"""

from __future__ import annotations

import math

import numba as nb

from abm.groups.decision import (  # noqa: F401  (re-exported while groups move)
    B0,
    B_ATT,
    B_ECON,
    B_PEER,
    B_VIS,
    COEFFICIENTS,
    N_CHUNKS,
    RATE,
    adoption_probability,
    annuity,
    financing_rate,
    interest_support,
    pv_economics,
    share,
)
from abm.groups.households import (  # noqa: F401
    EV_CI_DROP,
    EV_CI_JOIN,
    EV_GREEN,
    EV_PV,
    H_CI_CREDIT,
    H_FIT,
    H_GF,
    H_N,
    H_N_CI,
    H_N_GREEN,
    H_N_PV,
    H_NEW_PV_KW,
    H_PV_SUB,
    H_RETRO_SUB,
)
from abm.groups.households import GROUP as _HOUSEHOLDS
from abm.groups.vehicles import (  # noqa: F401
    EV_NEV_DOWN,
    EV_NEV_UP,
    N_POWERTRAINS,
    N_VTYPES,
    PT_BEV,
    PT_H2,
    PT_ICE,
    PT_LNG,
    V_CI_CREDIT,
    V_EV_SUB,
    V_GF,
    V_NEV_SALES,
    V_NEV_STOCK,
    V_STOCK,
    V_TAX,
)
from abm.groups.vehicles import GROUP as _VEHICLES
from abm.rng import draw

HOUSEHOLD_METRICS = _HOUSEHOLDS.metric_names
VEHICLE_METRICS = _VEHICLES.metric_names


# Technologies (rows of the behaviour coefficient table) and coefficient columns.
T_HOUSEHOLD_PV, T_HOUSEHOLD_RETROFIT, T_HOUSEHOLD_CI, T_VEHICLE_EV = 0, 1, 2, 3
T_FIRM_PV, T_FIRM_RETROFIT, T_FIRM_SWITCH, T_FIRM_GREEN_POWER = 4, 5, 6, 7
T_FISHER_PV, T_FISHER_VESSEL = 8, 9
TECHNOLOGIES = ("household_pv", "household_retrofit", "household_ci", "vehicle_ev", "firm_pv",
                "firm_retrofit", "firm_switch", "firm_green_power", "fisher_pv", "fisher_vessel")

# Event bits written per agent per month (used for neighbour counts and tests).
EV_FIRM_PV, EV_FIRM_RETROFIT, EV_FIRM_SWITCH, EV_FIRM_GREEN_POWER = 1, 2, 4, 8
EV_FISHER_PV, EV_VESSEL_UP, EV_VESSEL_DOWN = 1, 2, 4

# Per-district metrics of each group, in column order of the kernels' sums.
N_SECTORS = 9
SECTOR_CEMENT = 1
FIRM_METRICS = (
    "co2_kg", "process_co2_kg", "energy_tce", "coal_tce", "electricity_kwh", "pv_kwh", "pv_kw",
    "adopters_pv", "adopters_retrofit", "adopters_switch", "adopters_green_power", "new_pv_kw",
    "pv_subsidy_cny", "fit_cny", "green_finance_cny", "clinker_t", "agents", "cement_co2_kg",
    *[f"co2_kg_{s}" for s in ("paper", "cement", "glass", "ceramics", "textiles", "food",
                              "metal_products", "appliances_electronics", "other")],
)
(F_CO2, F_PROCESS, F_ENERGY, F_COAL, F_ELEC, F_PV_KWH, F_PV_KW, F_N_PV, F_N_RETRO, F_N_SWITCH,
 F_N_GP, F_NEW_PV_KW, F_PV_SUB, F_FIT, F_GF, F_CLINKER, F_N, F_CEMENT_CO2) = range(18)
F_CO2_SECTOR = 18

FISHER_METRICS = ("co2_kg", "electricity_kwh", "pv_kwh", "pv_kw", "adopters_pv",
                  "vessels_efficient", "vessels_electric", "diesel_l", "new_pv_kw",
                  "pv_subsidy_cny", "fit_cny", "vessel_subsidy_cny", "green_finance_cny",
                  "vessels", "farms", "vessel_sales", "suitable_farms")
(X_CO2, X_ELEC, X_PV_KWH, X_PV_KW, X_N_PV, X_N_EFF, X_N_ELEC, X_DIESEL, X_NEW_PV_KW, X_PV_SUB,
 X_FIT, X_VESSEL_SUB, X_GF, X_N_VESSELS, X_N_FARMS, X_VESSEL_SALES,
 X_N_SUITABLE) = range(len(FISHER_METRICS))
VESSEL_CONVENTIONAL, VESSEL_EFFICIENT, VESSEL_ELECTRIC = 0, 1, 2
KIND_POND, KIND_VESSEL = 0, 1


# ---------------------------------------------------------------- firms
@nb.njit(parallel=True, cache=True)
def firm_step(m, c, coef, vis, keys, sector_growth, district, sector, size, weight,
              energy_base, coal_share, gas_share, oil_share, electricity_share, clinker_base,
              roof_area, ets, switch_to, cycle_phase, attitude, discount_rate, credit_draw,
              degree, peers_pv, peers_retrofit, peers_switch, peers_green_power, has_pv, pv_kw,
              pv_fit_premium, retrofits, switched, green_power, co2_kg, events, n_districts,
              sums):
    """Decide roof PV, efficiency retrofit, coal switch and green power; account industry CO2.

    Energy ``E = E_2020 · g_sector(t) · (1 − s_retrofit)^n_retrofits`` (tce/yr); after a switch
    the coal share moves to gas (1:1) or electricity (÷ efficiency gain). CO2 = Σ fuel · factor
    + grid kWh · grid factor · (1 − green share) − PV kWh · grid factor; cement adds clinker ·
    process factor. Keys: pv, retrofit, switch, green_power.
    """
    n = district.size
    t = int(m.index)
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    access = min(c.access_firm + m.credit_expansion, 1.0)
    tce_price_elec = m.tariff_business / (c.kgce_per_kwh / 1000.0)
    for b in nb.prange(N_CHUNKS):
        for i in range(b * chunk, min(n, (b + 1) * chunk)):
            d = district[i]
            w = weight[i]
            ev = 0
            rate = financing_rate(discount_rate[i], credit_draw[i], access, c.loan_share,
                                  c.loan_rate, m.green_rate_discount)
            att = attitude[i]
            energy = energy_base[i] * sector_growth[sector[i]] \
                * (1.0 - c.firm_retrofit_saving) ** retrofits[i]
            coal = coal_share[i]
            gas = gas_share[i]
            elec_share = electricity_share[i]
            if switched[i]:
                if switch_to[i] == 0:
                    gas += coal
                else:
                    elec_share += coal / c.electric_heat_gain
                coal = 0.0
            elec_kwh_year = energy * elec_share / (c.kgce_per_kwh / 1000.0)
            # Pays the carbon price: ETS-covered since 2020, or large/medium firm of a sector
            # the ETS has been extended to (bit `sector` of the month's mask).
            covered = ets[i] or (size[i] != 2 and (int(m.ets_sector_mask) >> sector[i]) & 1)
            cp = m.carbon_price if covered else 0.0
            investing = (t + cycle_phase[i]) % int(c.firm_cycle_months) == 0
            # Roof PV.
            u = draw(keys[0], t, i)
            if not has_pv[i] and u < coef[T_FIRM_PV, RATE]:
                kw = roof_area[i] * c.pv_kw_per_m2
                if kw >= 1.0:
                    econ, net, gross = pv_economics(
                        kw, m.pv_cost_business, m.pv_subsidy_firm, c.pv_yield,
                        c.pv_self_use_business, elec_kwh_year, m.tariff_business,
                        m.export_price + m.fit_premium, rate, c.pv_lifetime)
                    p = adoption_probability(coef, T_FIRM_PV, econ, share(peers_pv[i], degree[i]),
                                             vis[T_FIRM_PV, d], att, 0.0)
                    if u < p:
                        has_pv[i] = True
                        pv_kw[i] = kw
                        pv_fit_premium[i] = m.fit_premium
                        ev |= EV_FIRM_PV
                        sums[b, d, F_NEW_PV_KW] += w * kw
                        sums[b, d, F_PV_SUB] += w * (gross - net)
                        sums[b, d, F_GF] += w * interest_support(
                            net, credit_draw[i], access, c.loan_share, m.green_rate_discount,
                            c.loan_years)
            # Efficiency retrofit at the investment cycle (at most two).
            if investing and retrofits[i] < 2:
                saved = energy * c.firm_retrofit_saving
                fuel_co2 = (coal * c.ef_coal + gas * c.ef_gas + oil_share[i] * c.ef_oil) / 1000.0
                price_mix = (coal * m.price_coal + gas * m.price_gas + oil_share[i] * m.price_oil
                             + elec_share * tce_price_elec)
                value = saved * (price_mix + cp * (fuel_co2 + elec_share / (
                    c.kgce_per_kwh / 1000.0) * m.grid_factor / 1000.0))
                capex = saved * c.firm_retrofit_cost
                econ = (value * annuity(rate, c.firm_retrofit_lifetime) - capex) / capex
                p = adoption_probability(coef, T_FIRM_RETROFIT, econ,
                                         share(peers_retrofit[i], degree[i]),
                                         vis[T_FIRM_RETROFIT, d], att, 0.0)
                if draw(keys[1], t, i) < p:
                    if retrofits[i] == 0:
                        ev |= EV_FIRM_RETROFIT
                    retrofits[i] += 1
                    energy *= 1.0 - c.firm_retrofit_saving
                    elec_kwh_year *= 1.0 - c.firm_retrofit_saving
                    sums[b, d, F_GF] += w * interest_support(
                        capex, credit_draw[i], access, c.loan_share, m.green_rate_discount,
                        c.loan_years)
            # Coal to gas or electricity (not cement kilns).
            if not switched[i] and coal > 0.0 and sector[i] != SECTOR_CEMENT:
                coal_tce = energy * coal
                old = coal_tce * (m.price_coal + cp * c.ef_coal / 1000.0)
                if switch_to[i] == 0:
                    new = coal_tce * (m.price_gas + cp * c.ef_gas / 1000.0)
                else:
                    new = coal_tce / c.electric_heat_gain * tce_price_elec
                capex = coal_tce * c.fuel_switch_cost
                econ = ((old - new) * annuity(rate, c.firm_retrofit_lifetime) - capex) / capex
                p = 0.0
                if investing:
                    p = adoption_probability(coef, T_FIRM_SWITCH, econ,
                                             share(peers_switch[i], degree[i]),
                                             vis[T_FIRM_SWITCH, d], att, 0.0)
                if size[i] != 0 and not ets[i]:
                    p = max(p, m.coal_phaseout / 12.0)
                if draw(keys[2], t, i) < p:
                    switched[i] = True
                    ev |= EV_FIRM_SWITCH
                    if switch_to[i] == 0:
                        gas += coal
                    else:
                        elec_share += coal / c.electric_heat_gain
                        elec_kwh_year = energy * elec_share / (c.kgce_per_kwh / 1000.0)
                    coal = 0.0
            # Green power purchase.
            u = draw(keys[3], t, i)
            if not green_power[i] and u < coef[T_FIRM_GREEN_POWER, RATE]:
                bill = elec_kwh_year * m.tariff_business
                cost = elec_kwh_year * c.green_power_share * c.green_power_premium
                econ = -cost / bill if bill > 0.0 else 0.0
                p = adoption_probability(coef, T_FIRM_GREEN_POWER, econ,
                                         share(peers_green_power[i], degree[i]),
                                         vis[T_FIRM_GREEN_POWER, d], att, 0.0)
                if u < p:
                    green_power[i] = True
                    ev |= EV_FIRM_GREEN_POWER
            # Energy and emissions this month.
            month_energy = energy / 12.0
            elec = elec_kwh_year / 12.0
            grid_share = 1.0 - (c.green_power_share if green_power[i] else 0.0)
            pv = pv_kw[i] * c.pv_yield / 12.0 if has_pv[i] else 0.0
            export = max(pv - min(pv * c.pv_self_use_business, elec), 0.0)
            fuel_co2 = month_energy * (coal * c.ef_coal + gas * c.ef_gas + oil_share[i] * c.ef_oil)
            co2 = fuel_co2 + (elec * grid_share - pv) * m.grid_factor
            clinker = clinker_base[i] * m.clinker_growth / 12.0
            process = clinker * c.ef_clinker
            co2_kg[i] = co2 + process
            events[i] = ev
            s = sums[b, d]
            s[F_CO2] += w * co2
            s[F_CO2_SECTOR + sector[i]] += w * (co2 + process)
            s[F_PROCESS] += w * process
            s[F_ENERGY] += w * month_energy
            s[F_COAL] += w * month_energy * coal
            s[F_ELEC] += w * elec
            s[F_PV_KWH] += w * pv
            s[F_FIT] += w * export * pv_fit_premium[i]
            s[F_CLINKER] += w * clinker
            s[F_N] += w
            if sector[i] == SECTOR_CEMENT:
                s[F_CEMENT_CO2] += w * (fuel_co2 + process)
            if has_pv[i]:
                s[F_PV_KW] += w * pv_kw[i]
                s[F_N_PV] += w
            if retrofits[i] > 0:
                s[F_N_RETRO] += w
            if switched[i]:
                s[F_N_SWITCH] += w
            if green_power[i]:
                s[F_N_GP] += w


# ---------------------------------------------------------------- fishers
@nb.njit(parallel=True, cache=True)
def fisher_step(m, c, coef, vis, keys, district, kind, weight, pond_area, electricity_base,
                suitable_pv, engine_kw, diesel_base, vessel_age, vessel_life, vessel_type,
                attitude, discount_rate, credit_draw, degree, peers_pv, peers_vessel, has_pv,
                pv_kw, pv_fit_premium, co2_kg, events, n_districts, sums):
    """Decide fishery-PV over ponds and the vessel type at replacement; account fishery CO2.

    Vessel options: conventional, efficient (−s diesel), electric (engines up to a size limit;
    diesel litres × kWh/L). Keys: pv, vessel choice, vessel life.
    """
    n = district.size
    t = int(m.index)
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    access = min(c.access_fisher + m.credit_expansion, 1.0)
    for b in nb.prange(N_CHUNKS):
        for i in range(b * chunk, min(n, (b + 1) * chunk)):
            d = district[i]
            w = weight[i]
            ev = 0
            rate = financing_rate(discount_rate[i], credit_draw[i], access, c.loan_share,
                                  c.loan_rate, m.green_rate_discount)
            s = sums[b, d]
            if kind[i] == KIND_POND:
                u = draw(keys[0], t, i)
                if suitable_pv[i] and not has_pv[i] and u < coef[T_FISHER_PV, RATE]:
                    kw = pond_area[i] * c.fishery_pv_kw_per_ha
                    econ, net, gross = pv_economics(
                        kw, m.pv_cost_fishery, m.pv_subsidy_fisher, c.pv_yield, 0.05,
                        electricity_base[i], m.tariff_business, m.export_price + m.fit_premium,
                        rate, c.pv_lifetime)
                    p = adoption_probability(coef, T_FISHER_PV, econ,
                                             share(peers_pv[i], degree[i]), vis[T_FISHER_PV, d],
                                             attitude[i], 0.0)
                    if u < p:
                        has_pv[i] = True
                        pv_kw[i] = kw
                        pv_fit_premium[i] = m.fit_premium
                        ev |= EV_FISHER_PV
                        s[X_NEW_PV_KW] += w * kw
                        s[X_PV_SUB] += w * (gross - net)
                        s[X_GF] += w * interest_support(net, credit_draw[i], access, c.loan_share,
                                                        m.green_rate_discount, c.loan_years)
                elec = electricity_base[i] / 12.0
                pv = pv_kw[i] * c.pv_yield / 12.0 if has_pv[i] else 0.0
                export = max(pv - min(pv * 0.05, elec), 0.0)
                co2 = (elec - pv) * m.grid_factor
                s[X_ELEC] += w * elec
                s[X_PV_KWH] += w * pv
                s[X_FIT] += w * export * pv_fit_premium[i]
                s[X_N_FARMS] += w
                if suitable_pv[i]:
                    s[X_N_SUITABLE] += w
                if has_pv[i]:
                    s[X_PV_KW] += w * pv_kw[i]
                    s[X_N_PV] += w
            else:
                vessel_age[i] += 1
                if vessel_age[i] >= vessel_life[i]:
                    diesel_year = diesel_base[i]
                    a = annuity(rate, c.vessel_life_months / 12.0)
                    fuel_cost = diesel_year * m.price_diesel
                    tco_conv = a * fuel_cost
                    tco_eff = (engine_kw[i] * (c.vessel_efficient_premium - m.vessel_subsidy)
                               + a * fuel_cost * (1.0 - c.vessel_efficient_saving))
                    tco_elec = (engine_kw[i] * (c.vessel_electric_premium - m.vessel_subsidy)
                                + a * diesel_year * c.vessel_kwh_per_litre * m.tariff_business)
                    scale = max(tco_conv, 1.0)
                    peer = share(peers_vessel[i], degree[i])
                    social = (coef[T_FISHER_VESSEL, B_PEER] * peer
                              + coef[T_FISHER_VESSEL, B_VIS] * vis[T_FISHER_VESSEL, d]
                              + coef[T_FISHER_VESSEL, B_ATT] * attitude[i])
                    u_eff = (coef[T_FISHER_VESSEL, B0] + social
                             + coef[T_FISHER_VESSEL, B_ECON] * (tco_conv - tco_eff) / scale)
                    e_conv = 1.0
                    e_eff = math.exp(min(u_eff, 700.0))
                    e_elec = 0.0
                    if engine_kw[i] <= c.vessel_electric_max_kw:
                        u_elec = (coef[T_FISHER_VESSEL, B0] + c.asc_vessel_electric + social
                                  + coef[T_FISHER_VESSEL, B_ECON] * (tco_conv - tco_elec) / scale)
                        e_elec = math.exp(min(u_elec, 700.0))
                    u = draw(keys[1], t, i) * (e_conv + e_eff + e_elec)
                    before = vessel_type[i]
                    if u < e_conv:
                        vessel_type[i] = VESSEL_CONVENTIONAL
                    elif u < e_conv + e_eff or e_elec == 0.0:
                        vessel_type[i] = VESSEL_EFFICIENT
                    else:
                        vessel_type[i] = VESSEL_ELECTRIC
                    if before == VESSEL_CONVENTIONAL and vessel_type[i] != VESSEL_CONVENTIONAL:
                        ev |= EV_VESSEL_UP
                    elif before != VESSEL_CONVENTIONAL and vessel_type[i] == VESSEL_CONVENTIONAL:
                        ev |= EV_VESSEL_DOWN
                    if vessel_type[i] != VESSEL_CONVENTIONAL:
                        s[X_VESSEL_SUB] += w * engine_kw[i] * m.vessel_subsidy
                    s[X_VESSEL_SALES] += w
                    vessel_age[i] = 0
                    vessel_life[i] = int(c.vessel_life_months * (0.6 + 0.8 * draw(keys[2], t, i)))
                diesel = diesel_base[i] / 12.0
                elec = 0.0
                if vessel_type[i] == VESSEL_EFFICIENT:
                    diesel *= 1.0 - c.vessel_efficient_saving
                elif vessel_type[i] == VESSEL_ELECTRIC:
                    elec = diesel * c.vessel_kwh_per_litre
                    diesel = 0.0
                co2 = diesel * c.ef_diesel + elec * m.grid_factor
                s[X_DIESEL] += w * diesel
                s[X_ELEC] += w * elec
                s[X_N_VESSELS] += w
                if vessel_type[i] == VESSEL_EFFICIENT:
                    s[X_N_EFF] += w
                elif vessel_type[i] == VESSEL_ELECTRIC:
                    s[X_N_ELEC] += w
            co2_kg[i] = co2
            events[i] = ev
            s[X_CO2] += w * co2


# ---------------------------------------------------------------- neighbours
@nb.njit(cache=True)
def update_peer_counts(indptr, indices, events, bit_up, bit_down, counts):
    """Incremental neighbour counts: +1 for each neighbour of an adopter, −1 of a leaver.

    Runs serially over the few agents whose event bits are set this month (O(adopters ·
    degree), not O(edges)).
    """
    for i in range(events.size):
        e = events[i]
        if e == 0:
            continue
        step = 0
        if e & bit_up:
            step += 1
        if bit_down and (e & bit_down):
            step -= 1
        if step == 0:
            continue
        for k in range(indptr[i], indptr[i + 1]):
            counts[indices[k]] += step


@nb.njit(parallel=True, cache=True)
def count_adopted_neighbours(indptr, indices, adopted, counts):
    """Full recount of adopted neighbours (initialisation and tests)."""
    for i in nb.prange(indptr.size - 1):
        total = 0
        for k in range(indptr[i], indptr[i + 1]):
            if adopted[indices[k]]:
                total += 1
        counts[i] = total
