"""The VehicleOwner agent: one vehicle, a powertrain choice at each replacement."""

from __future__ import annotations

import math

from abm import kernels as k
from abm.rng import draw_py
from agents import schemas
from agents.base import RowAgent
from agents.decision import annuity, financing_rate, interest_support, share


class VehicleOwner(RowAgent):
    """A view onto one row of ``model.tables["vehicles"]``."""

    group = "vehicles"
    schema = schemas.VEHICLE

    def step(self) -> None:
        """Reference path of :func:`abm.kernels.vehicle_replacement`: age, maybe replace."""
        model = self.model
        m, c, coef, keys = model.month_state, model.constants, model.coef, model.streams.keys
        t, i = int(m.index), self.row
        self.age += 1
        self.events = 0
        if self.age < self.life:
            return
        d, v, w = self.district, self.vtype, self.weight
        price = model.vehicle_month["price"]
        unit_cost = model.vehicle_month["unit_cost"]
        access = min(c.access_vehicle + m.credit_expansion, 1.0)
        rate = financing_rate(self.discount_rate, self.credit_draw, access, c.loan_share,
                              c.loan_rate, m.green_rate_discount)
        attitude = self.attitude
        households = model.tables["households"]
        if self.household >= 0 and households.ci_member[self.household]:
            attitude += c.ci_attitude_boost
        a = annuity(rate, float(model.veh_life[v]))
        km = self.km_year * m.km_growth
        tco = []
        for j in range(k.N_POWERTRAINS):
            subsidy = 0.0
            if j in (k.PT_BEV, k.PT_H2):
                subsidy = m.ev_subsidy + min(m.tax_exemption * c.purchase_tax_rate
                                             * float(price[v, j]) / 1.13, m.tax_exemption_cap)
            running = km * float(model.veh_energy[v, j]) * float(unit_cost[v, j])
            if j == k.PT_BEV:
                running -= km * c.maintenance_saving_bev
            tco.append(float(price[v, j]) - subsidy + a * running)
        peer = share(self.peers_nev, self.degree)
        district_share = float(model.visibility[k.T_VEHICLE_EV, d])
        utility: list[float | None] = []
        for j in range(k.N_POWERTRAINS):
            asc = float(model.veh_asc[v, j])
            if asc < -1e8:
                utility.append(None)  # option not available for this vehicle type
                continue
            u = asc + float(coef[k.T_VEHICLE_EV, k.B_ECON]) * (tco[0] - tco[j]) / tco[0]
            if j != k.PT_ICE:
                u += (float(coef[k.T_VEHICLE_EV, k.B_PEER]) * peer
                      + float(coef[k.T_VEHICLE_EV, k.B_VIS]) * district_share
                      + float(coef[k.T_VEHICLE_EV, k.B_ATT]) * attitude)
            if j == k.PT_BEV:
                u += c.beta_charging * m.charging_index
            utility.append(u)
        top = max(u for u in utility if u is not None)
        weights = [math.exp(u - top) if u is not None else 0.0 for u in utility]
        target = draw_py(int(keys["vehicle_choice"]), t, i) * sum(weights)
        choice, cumulative = k.N_POWERTRAINS - 1, 0.0
        for j, weight_j in enumerate(weights):
            cumulative += weight_j
            if target < cumulative:
                choice = j
                break
        while weights[choice] == 0.0:
            choice -= 1
        before = self.powertrain
        self.powertrain = choice
        if before == k.PT_ICE and choice != k.PT_ICE:
            self.events = k.EV_NEV_UP
        elif before != k.PT_ICE and choice == k.PT_ICE:
            self.events = k.EV_NEV_DOWN
        self.age = 0
        self.life = int(float(model.veh_life[v]) * 12.0
                        * (0.6 + 0.8 * draw_py(int(keys["vehicle_life"]), t, i)))
        sums = model.reference_sums["vehicles"][d]
        sums[k.V_SALES + v] += w
        if choice != k.PT_ICE:
            sums[k.V_NEV_SALES + v] += w
            subsidy = m.ev_subsidy
            exemption = min(m.tax_exemption * c.purchase_tax_rate * float(price[v, choice])
                            / 1.13, m.tax_exemption_cap)
            if choice == k.PT_LNG:
                subsidy = exemption = 0.0
            sums[k.V_EV_SUB] += w * subsidy
            sums[k.V_TAX] += w * exemption
            sums[k.V_GF] += w * interest_support(float(price[v, choice]) - subsidy,
                                                 self.credit_draw, access, c.loan_share,
                                                 m.green_rate_discount, c.loan_years)

    def account(self) -> None:
        """Reference path of :func:`abm.kernels.vehicle_emissions` for this vehicle."""
        model = self.model
        m, c = model.month_state, model.constants
        d, v, j, w = self.district, self.vtype, self.powertrain, self.weight
        energy = float(model.veh_energy[v, j])
        unit_co2 = float(model.vehicle_month["unit_co2"][v, j])
        base_km = self.km_year * m.km_growth / 12.0
        member = self.household >= 0 and bool(
            model.tables["households"].ci_member[self.household])
        km = base_km * (1.0 - c.ci_km_reduction) if member else base_km
        fuel = km * energy
        co2 = fuel * unit_co2
        self.co2_kg = co2
        sums = model.reference_sums["vehicles"][d]
        sums[k.V_CO2] += w * co2
        sums[k.V_CO2_TYPE + v] += w * co2
        sums[k.V_KM] += w * km
        sums[k.V_KM_TYPE + v] += w * km
        sums[k.V_STOCK + v] += w
        column = {k.PT_ICE: k.V_OIL, k.PT_BEV: k.V_EV_KWH, k.PT_LNG: k.V_LNG, k.PT_H2: k.V_H2}[j]
        sums[column] += w * fuel
        if j != k.PT_ICE:
            sums[k.V_NEV_STOCK + v] += w
        if v == k.VT_CAR:
            sums[k.V_CAR_KM_BASE] += w * base_km
            sums[k.V_CAR_KM] += w * km
            if member:
                sums[k.V_CI_CREDIT] += w * (base_km - km) * energy * unit_co2 / 1000.0 \
                    * m.ci_credit_price

