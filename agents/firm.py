"""The Firm agent: roof PV, efficiency retrofits, leaving coal, buying green power."""

from __future__ import annotations

from abm import kernels as k
from abm.rng import draw_py
from agents import schemas
from agents.base import RowAgent
from agents.decision import (
    adoption_probability,
    annuity,
    financing_rate,
    interest_support,
    pv_economics,
    share,
)


class Firm(RowAgent):
    """A view onto one row of ``model.tables["firms"]``."""

    group = "firms"
    schema = schemas.FIRM

    def step(self) -> None:
        """Reference path of :func:`abm.kernels.firm_step` for this firm."""
        model = self.model
        m, c, coef, keys = model.month_state, model.constants, model.coef, model.streams.keys
        t, i, d, w = int(m.index), self.row, self.district, self.weight
        vis = model.visibility
        sums = model.reference_sums["firms"][d]
        events = 0
        access = min(c.access_firm + m.credit_expansion, 1.0)
        rate = financing_rate(self.discount_rate, self.credit_draw, access, c.loan_share,
                              c.loan_rate, m.green_rate_discount)
        kwh_per_tce = 1.0 / (c.kgce_per_kwh / 1000.0)
        tce_price_elec = m.tariff_business / (c.kgce_per_kwh / 1000.0)
        energy = (self.energy_base * float(model.sector_growth_now[self.sector])
                  * (1.0 - c.firm_retrofit_saving) ** self.retrofits)
        coal, gas, elec_share = self.coal_share, self.gas_share, self.electricity_share
        if self.switched:
            if self.switch_to == 0:
                gas += coal
            else:
                elec_share += coal / c.electric_heat_gain
            coal = 0.0
        elec_kwh_year = energy * elec_share / (c.kgce_per_kwh / 1000.0)
        extended = self.size != 2 and (int(m.ets_sector_mask) >> self.sector) & 1
        carbon_price = m.carbon_price if (self.ets or extended) else 0.0
        investing = (t + self.cycle_phase) % int(c.firm_cycle_months) == 0

        if not self.has_pv:
            kw = self.roof_area * c.pv_kw_per_m2
            if kw >= 1.0:
                econ, net, gross = pv_economics(
                    kw, m.pv_cost_business, m.pv_subsidy_firm, c.pv_yield,
                    c.pv_self_use_business, elec_kwh_year, m.tariff_business,
                    m.export_price + m.fit_premium, rate, c.pv_lifetime)
                p = adoption_probability(coef, k.T_FIRM_PV, econ, share(self.peers_pv,
                                                                         self.degree),
                                         vis[k.T_FIRM_PV, d], self.attitude, 0.0)
                if draw_py(int(keys["firm_pv"]), t, i) < p:
                    self.has_pv, self.pv_kw, self.pv_fit_premium = True, kw, m.fit_premium
                    events |= k.EV_FIRM_PV
                    sums[k.F_NEW_PV_KW] += w * kw
                    sums[k.F_PV_SUB] += w * (gross - net)
                    sums[k.F_GF] += w * interest_support(net, self.credit_draw, access,
                                                         c.loan_share, m.green_rate_discount,
                                                         c.loan_years)

        if investing and self.retrofits < 2:
            saved = energy * c.firm_retrofit_saving
            fuel_co2 = (coal * c.ef_coal + gas * c.ef_gas + self.oil_share * c.ef_oil) / 1000.0
            price_mix = (coal * m.price_coal + gas * m.price_gas + self.oil_share * m.price_oil
                         + elec_share * tce_price_elec)
            value = saved * (price_mix + carbon_price * (
                fuel_co2 + elec_share * kwh_per_tce * m.grid_factor / 1000.0))
            capex = saved * c.firm_retrofit_cost
            econ = (value * annuity(rate, c.firm_retrofit_lifetime) - capex) / capex
            p = adoption_probability(coef, k.T_FIRM_RETROFIT, econ,
                                     share(self.peers_retrofit, self.degree),
                                     vis[k.T_FIRM_RETROFIT, d], self.attitude, 0.0)
            if draw_py(int(keys["firm_retrofit"]), t, i) < p:
                if self.retrofits == 0:
                    events |= k.EV_FIRM_RETROFIT
                self.retrofits += 1
                energy *= 1.0 - c.firm_retrofit_saving
                elec_kwh_year *= 1.0 - c.firm_retrofit_saving
                sums[k.F_GF] += w * interest_support(capex, self.credit_draw, access,
                                                     c.loan_share, m.green_rate_discount,
                                                     c.loan_years)

        if not self.switched and coal > 0.0 and self.sector != k.SECTOR_CEMENT:
            coal_tce = energy * coal
            old = coal_tce * (m.price_coal + carbon_price * c.ef_coal / 1000.0)
            if self.switch_to == 0:
                new = coal_tce * (m.price_gas + carbon_price * c.ef_gas / 1000.0)
            else:
                new = coal_tce / c.electric_heat_gain * tce_price_elec
            capex = coal_tce * c.fuel_switch_cost
            econ = ((old - new) * annuity(rate, c.firm_retrofit_lifetime) - capex) / capex
            p = 0.0
            if investing:
                p = adoption_probability(coef, k.T_FIRM_SWITCH, econ,
                                         share(self.peers_switch, self.degree),
                                         vis[k.T_FIRM_SWITCH, d], self.attitude, 0.0)
            if self.size != 0 and not self.ets:
                p = max(p, m.coal_phaseout / 12.0)  # forced by the phase-out rule
            if draw_py(int(keys["firm_switch"]), t, i) < p:
                self.switched = True
                events |= k.EV_FIRM_SWITCH
                if self.switch_to == 0:
                    gas += coal
                else:
                    elec_share += coal / c.electric_heat_gain
                    elec_kwh_year = energy * elec_share / (c.kgce_per_kwh / 1000.0)
                coal = 0.0

        if not self.green_power:
            bill = elec_kwh_year * m.tariff_business
            cost = elec_kwh_year * c.green_power_share * c.green_power_premium
            econ = -cost / bill if bill > 0.0 else 0.0
            p = adoption_probability(coef, k.T_FIRM_GREEN_POWER, econ,
                                     share(self.peers_green_power, self.degree),
                                     vis[k.T_FIRM_GREEN_POWER, d], self.attitude, 0.0)
            if draw_py(int(keys["firm_green_power"]), t, i) < p:
                self.green_power = True
                events |= k.EV_FIRM_GREEN_POWER

        month_energy = energy / 12.0
        elec = elec_kwh_year / 12.0
        grid_share = 1.0 - (c.green_power_share if self.green_power else 0.0)
        pv = self.pv_kw * c.pv_yield / 12.0 if self.has_pv else 0.0
        export = max(pv - min(pv * c.pv_self_use_business, elec), 0.0)
        fuel_co2 = month_energy * (coal * c.ef_coal + gas * c.ef_gas + self.oil_share * c.ef_oil)
        co2 = fuel_co2 + (elec * grid_share - pv) * m.grid_factor
        clinker = self.clinker_base * m.clinker_growth / 12.0
        process = clinker * c.ef_clinker
        self.co2_kg = co2 + process
        self.events = events
        sums[k.F_CO2] += w * co2
        sums[k.F_CO2_SECTOR + self.sector] += w * (co2 + process)
        sums[k.F_PROCESS] += w * process
        sums[k.F_ENERGY] += w * month_energy
        sums[k.F_COAL] += w * month_energy * coal
        sums[k.F_ELEC] += w * elec
        sums[k.F_PV_KWH] += w * pv
        sums[k.F_FIT] += w * export * self.pv_fit_premium
        sums[k.F_CLINKER] += w * clinker
        sums[k.F_N] += w
        if self.sector == k.SECTOR_CEMENT:
            sums[k.F_CEMENT_CO2] += w * (fuel_co2 + process)
        if self.has_pv:
            sums[k.F_PV_KW] += w * self.pv_kw
            sums[k.F_N_PV] += w
        if self.retrofits > 0:
            sums[k.F_N_RETRO] += w
        if self.switched:
            sums[k.F_N_SWITCH] += w
        if self.green_power:
            sums[k.F_N_GP] += w
