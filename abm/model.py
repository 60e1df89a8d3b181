"""The Jiangmen model: a Mesa model whose monthly step runs in Numba kernels."""

from __future__ import annotations

import logging
import secrets
from typing import Any, Literal

import mesa
import numba
import numpy as np

from abm import data
from abm import kernels as k
from abm.limits import LAST_YEAR
from abm.market import Constants, Month, constants, grid_factor, industry_growth_factor
from abm.policies import book_spending, neutral_levers
from abm.population import Population, adoption_state, synthesise
from abm.rng import RandomStreams
from abm.scenario import Scenario, load_scenario

log = logging.getLogger(__name__)

GROUP_METRICS = {"households": k.HOUSEHOLD_METRICS, "vehicles": k.VEHICLE_METRICS,
                 "firms": k.FIRM_METRICS, "fishers": k.FISHER_METRICS}
Engine = Literal["numba", "reference"]


class JiangmenModel(mesa.Model):
    """Households, vehicle owners, firms and fishers of Jiangmen adopting low-carbon options.

    One step is one month. The step order (written once, here):

    1. prices and costs of the month (learning curves, grid factor, growth);
    2. policies apply their levels;
    3. vehicles age, and those at the end of life choose a new powertrain;
    4. social exposure: neighbour counts (kept incrementally) and last month's district
       shares;
    5. decisions of households, firms and fishers;
    6. energy and emissions of every agent (vehicles after households, whose
       carbon-inclusive membership cuts car kilometres);
    7. results: per-district sums, policy spending, neighbour-count updates.

    Args:
        scenario: A :class:`~abm.scenario.Scenario` or the name/path of one.
        scale: Real entities per agent (1 = the whole city).
        rng: Seed (non-negative int). The population and every random stream derive from it.
        end_year: Last simulated year (inclusive).
        engine: ``"numba"`` (kernels) or ``"reference"`` (the agents' plain ``step()``).
        agent_views: Create Mesa agent objects (views onto rows). Default: when the model has
            at most 300,000 agents, or always with the reference engine.
        population: A ready population to start from (copied), e.g. to run two engines or
            scenarios on identical agents; built from ``scale`` and ``rng`` if None.
        collect_every: Run Mesa's ``DataCollector`` every this many months (0: only at the
            end of :meth:`run`; results never depend on it, see :mod:`abm.results`).

    """

    def __init__(self, *, scenario: Scenario | str = "baseline", scale: float = 50.0,
                 rng: int | None = 0, end_year: int = 2035, engine: Engine = "numba",
                 agent_views: bool | None = None, population: Population | None = None,
                 collect_every: int = 0) -> None:
        if rng is None:
            rng = secrets.randbits(32)
            log.info("no seed given; using rng=%d", rng)
        if isinstance(rng, bool) or not isinstance(rng, int | np.integer) or rng < 0:
            raise ValueError(f"rng: got {rng!r}; allowed: a non-negative integer seed")
        super().__init__(rng=int(rng))
        self.seed = int(rng)
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.params = self.scenario.params
        self.start_year = int(self.params["run.start_year"])
        if isinstance(end_year, bool) or not isinstance(end_year, int) or not (
                self.start_year <= end_year <= LAST_YEAR):
            raise ValueError(f"end_year: got {end_year!r}; allowed: an integer year in "
                             f"[{self.start_year}, {LAST_YEAR}]")
        if engine not in ("numba", "reference"):
            raise ValueError(f"engine: got {engine!r}; allowed: 'numba', 'reference'")
        self.end_year = end_year
        self.engine = engine
        self.n_months = (end_year - self.start_year + 1) * 12
        self.month = 0
        self.collect_every = collect_every
        self.policies = self.scenario.fresh_policies()
        self.streams = RandomStreams(self.seed)
        self.constants: Constants = constants(self.params)
        self.population = (population.copy() if population is not None
                           else synthesise(self.params, scale, self.seed))
        self.scale = self.population.scale
        self.tables = self.population.tables
        self.networks = self.population.networks
        self.coef = self._coefficients()
        self._vehicle_static()
        self.history = {g: np.zeros((self.n_months, len(data.DISTRICTS), len(m)))
                        for g, m in GROUP_METRICS.items()}
        self.spending = np.zeros((self.n_months, len(self.policies)))
        self.month_log: list[Month] = []
        self.visibility = self._initial_visibility()
        self.charging_index = float(self.params["behaviour.charging_index_2020"])
        """Charging availability built so far (a stock: what is built stays built)."""
        self.month_state: Month | None = None
        n_agents = sum(t.n for t in self.tables.values())
        # Small models run the kernels on one thread: thread start-up costs more than it
        # saves, and several small runs at once (Dask workers, pytest-xdist) would otherwise
        # oversubscribe the cores. Results do not depend on the thread count.
        self.kernel_threads = numba.config.NUMBA_NUM_THREADS if n_agents >= 200_000 else 1
        if agent_views is None:
            agent_views = engine == "reference" or n_agents <= 300_000
        if engine == "reference" and not agent_views:
            raise ValueError("engine='reference' runs the agents' step(): agent_views must be "
                             "True")
        self.agent_views = agent_views
        if agent_views:
            self._create_agents()
        self.datacollector = mesa.DataCollector(model_reporters={
            "co2_kt": lambda m: m.last_month_total(0) / 1e6,
            "households_pv": lambda m: m.last_month_total(k.H_N_PV, "households"),
        })
        self.running = True

    # ------------------------------------------------------------------ set-up
    def _coefficients(self) -> np.ndarray:
        coef = np.zeros((len(k.TECHNOLOGIES), len(k.COEFFICIENTS)))
        for t, tech in enumerate(k.TECHNOLOGIES):
            for c, name in enumerate(k.COEFFICIENTS):
                coef[t, c] = self.params[f"behaviour.{tech}.{name}"]
        return coef

    def _vehicle_static(self) -> None:
        tech = data.vehicles()
        nv, npt = k.N_VTYPES, k.N_POWERTRAINS
        self.veh_energy = np.zeros((nv, npt))
        self.veh_premium = np.zeros((nv, npt))
        self.veh_base_price = np.zeros(nv)
        self.veh_life = np.zeros(nv)
        self.veh_asc = np.full((nv, npt), -1e9)
        for v, vtype in enumerate(data.VEHICLE_TYPES):
            self.veh_base_price[v] = tech[(vtype, "ice", "price")]
            self.veh_life[v] = tech[(vtype, "all", "life")]
            self.veh_energy[v, k.PT_ICE] = tech[(vtype, "ice", "energy_per_100km")] / 100.0
            self.veh_energy[v, k.PT_BEV] = tech[(vtype, "bev", "energy_per_100km")] / 100.0
            self.veh_premium[v, k.PT_BEV] = tech[(vtype, "bev", "price_premium_2020")]
            self.veh_asc[v, k.PT_ICE] = 0.0
            self.veh_asc[v, k.PT_BEV] = self.params[f"behaviour.vehicle_ev.asc_{vtype}"]
            if vtype == "truck":
                for pt, name in ((k.PT_LNG, "lng"), (k.PT_H2, "hydrogen")):
                    self.veh_energy[v, pt] = tech[(vtype, name, "energy_per_100km")] / 100.0
                    self.veh_premium[v, pt] = tech[(vtype, name, "price_premium_2020")]
                    self.veh_asc[v, pt] = self.params[f"behaviour.vehicle_ev.asc_truck_{name}"]
        self.veh_diesel = np.array([vt in ("van", "bus", "truck") for vt in data.VEHICLE_TYPES])

    def _vehicle_month(self, m: Month) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Prices (CNY), energy unit costs (CNY/unit) and CO2 per unit (kg/unit) this month."""
        p = self.params
        ef = data.emission_factors()
        price = self.veh_base_price[:, None] + self.veh_premium * m.premium_factor
        unit_cost = np.empty((k.N_VTYPES, k.N_POWERTRAINS))
        unit_co2 = np.empty((k.N_VTYPES, k.N_POWERTRAINS))
        unit_cost[:, k.PT_ICE] = np.where(self.veh_diesel, p["prices.diesel"], p["prices.petrol"])
        unit_co2[:, k.PT_ICE] = np.where(self.veh_diesel, ef["diesel"], ef["petrol"])
        unit_cost[:, k.PT_BEV] = p["prices.ev_electricity"]
        unit_co2[:, k.PT_BEV] = m.grid_factor
        unit_cost[:, k.PT_LNG] = p["prices.lng"]
        unit_co2[:, k.PT_LNG] = ef["lng"]
        unit_cost[:, k.PT_H2] = p["prices.hydrogen"]
        unit_co2[:, k.PT_H2] = ef["hydrogen"]
        return price, unit_cost, unit_co2

    def _initial_visibility(self) -> np.ndarray:
        """District adoption shares from the initial state (what agents see in month 0)."""
        vis = np.zeros((len(k.TECHNOLOGIES), len(data.DISTRICTS)))
        pairs = {
            k.T_HOUSEHOLD_PV: ("households", "has_pv", None),
            k.T_HOUSEHOLD_RETROFIT: ("households", "green_home", None),
            k.T_HOUSEHOLD_CI: ("households", "ci_member", None),
            k.T_VEHICLE_EV: ("vehicles", "nev", None),
            k.T_FIRM_PV: ("firms", "has_pv", None),
            k.T_FIRM_RETROFIT: ("firms", "retrofit", None),
            k.T_FIRM_SWITCH: ("firms", "switched", None),
            k.T_FIRM_GREEN_POWER: ("firms", "green_power", None),
            k.T_FISHER_PV: ("fishers", "has_pv", 0),
            k.T_FISHER_VESSEL: ("fishers", "improved_vessel", 1),
        }
        for tech, (group, key, kind) in pairs.items():
            table = self.tables[group]
            mask = np.ones(table.n, bool) if kind is None else table.kind == kind
            adopted = adoption_state(table, key) & mask
            d = table.district.astype(np.int64)
            total = np.bincount(d, table.weight * mask, minlength=len(data.DISTRICTS))
            yes = np.bincount(d, table.weight * adopted, minlength=len(data.DISTRICTS))
            vis[tech] = np.divide(yes, total, out=np.zeros_like(yes), where=total > 0)
        return vis

    def _update_visibility(self, sums: dict[str, np.ndarray]) -> None:
        def ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return np.divide(a, b, out=np.zeros_like(a), where=b > 0)

        h, v, f, x = (sums[g] for g in ("households", "vehicles", "firms", "fishers"))
        vis = self.visibility
        vis[k.T_HOUSEHOLD_PV] = ratio(h[:, k.H_N_PV], h[:, k.H_N])
        vis[k.T_HOUSEHOLD_RETROFIT] = ratio(h[:, k.H_N_GREEN], h[:, k.H_N])
        vis[k.T_HOUSEHOLD_CI] = ratio(h[:, k.H_N_CI], h[:, k.H_N])
        stock = v[:, k.V_STOCK:k.V_STOCK + k.N_VTYPES].sum(axis=1)
        vis[k.T_VEHICLE_EV] = ratio(v[:, k.V_NEV_STOCK:k.V_NEV_STOCK + k.N_VTYPES].sum(axis=1),
                                    stock)
        vis[k.T_FIRM_PV] = ratio(f[:, k.F_N_PV], f[:, k.F_N])
        vis[k.T_FIRM_RETROFIT] = ratio(f[:, k.F_N_RETRO], f[:, k.F_N])
        vis[k.T_FIRM_SWITCH] = ratio(f[:, k.F_N_SWITCH], f[:, k.F_N])
        vis[k.T_FIRM_GREEN_POWER] = ratio(f[:, k.F_N_GP], f[:, k.F_N])
        vis[k.T_FISHER_PV] = ratio(x[:, k.X_N_PV], x[:, k.X_N_FARMS])
        vis[k.T_FISHER_VESSEL] = ratio(x[:, k.X_N_EFF] + x[:, k.X_N_ELEC], x[:, k.X_N_VESSELS])

    def _create_agents(self) -> None:
        from agents import Firm, Fisher, Household, VehicleOwner

        for cls in (Household, VehicleOwner, Firm, Fisher):
            for row in range(self.tables[cls.group].n):
                cls(self, row)

    # ------------------------------------------------------------------ the month
    def month_levers(self, year: int, years: float) -> dict[str, float]:
        """Policy-settable levers for a month: neutral values, then each active policy.

        The charging index is a stock, not a level: each month starts from what was built
        by the end of the previous month, less retirement of what policies added above the
        2020 level, ``I_t = I_2020 + (I_{t-1} − I_2020)·(1 − r)^(1/12)`` with
        ``r = tech.charging_retirement`` (1/yr); a build-out policy then raises it. Call once
        per month, in order (it advances the stock).
        """
        base = self.params["behaviour.charging_index_2020"]
        retire = (1.0 - self.params["tech.charging_retirement"]) ** (1.0 / 12.0)
        levers = neutral_levers({"charging_index": base + (self.charging_index - base) * retire})
        declared = set(levers)
        for policy in self.policies:
            if policy.active(year):
                policy.apply(levers, years + self.start_year)
        if set(levers) != declared:
            raise RuntimeError(f"policies wrote undeclared levers: {set(levers) - declared}")
        self.charging_index = levers["charging_index"]
        return levers

    def build_month(self, t: int) -> Month:
        """Prices, costs, growth and policy levels of month ``t`` (steps 1 and 2)."""
        p = self.params
        years = t / 12.0
        year = self.start_year + t // 12
        levers = self.month_levers(year, years)
        decline = 1.0 - p["tech.pv_cost_decline"]
        return Month(
            index=float(t), years=years, grid_factor=grid_factor(p, self.start_year + years),
            tariff_residential=p["prices.tariff_residential"],
            tariff_business=p["prices.tariff_business"], export_price=p["prices.export_price"],
            pv_cost_household=p["tech.pv_cost_household_2020"] * decline ** years,
            pv_cost_business=p["tech.pv_cost_business_2020"] * decline ** years,
            pv_cost_fishery=p["tech.pv_cost_fishery_2020"] * decline ** years,
            premium_factor=(1.0 - p["tech.vehicle_premium_decline"]) ** years,
            household_growth=(1.0 + p["economy.household_electricity_growth"]) ** years,
            km_growth=(1.0 + p["economy.vehicle_km_growth"]) ** years,
            clinker_growth=(1.0 + p["economy.cement_growth"]) ** years,
            price_coal=p["prices.coal"], price_gas=p["prices.gas"], price_oil=p["prices.oil"],
            price_diesel=p["prices.diesel"], **levers)

    def sector_growth(self, years: float) -> np.ndarray:
        """Energy-use growth factor of each sector (cement follows clinker output)."""
        g = np.full(k.N_SECTORS, industry_growth_factor(self.params, years))
        aeei = self.params["economy.energy_efficiency_trend"]
        g[k.SECTOR_CEMENT] = ((1.0 + self.params["economy.cement_growth"]) ** years
                              * (1.0 - aeei) ** years)
        return g

    def step(self) -> None:
        """Advance one month (see the class docstring for the order)."""
        if self.month >= self.n_months:
            self.running = False
            return
        t = self.month
        m = self.build_month(t)
        self.month_state = m
        self.month_log.append(m)
        n_d = len(data.DISTRICTS)
        sums = {g: np.zeros((k.N_CHUNKS, n_d, len(metrics))) for g, metrics in
                GROUP_METRICS.items()}
        if self.engine == "numba":
            numba.set_num_threads(self.kernel_threads)
            self._step_kernels(m, sums)
        else:
            self._step_reference(m, sums)
        totals = {g: s.sum(axis=0) for g, s in sums.items()}
        self._update_peers()
        for g, s in totals.items():
            self.history[g][t] = s
        self.spending[t] = book_spending(self.policies, totals, self.start_year + t // 12)
        self._update_visibility(totals)
        self.month += 1
        if self.collect_every and self.month % self.collect_every == 0:
            self.datacollector.collect(self)
        if self.month >= self.n_months:
            self.running = False

    def _keys(self, *names: str) -> np.ndarray:
        return np.array([self.streams.key(n) for n in names], dtype=np.uint64)

    def _step_kernels(self, m: Month, sums: dict[str, np.ndarray]) -> None:
        c = self.constants
        h, v, f, x = (self.tables[g] for g in ("households", "vehicles", "firms", "fishers"))
        n_d = len(data.DISTRICTS)
        price, unit_cost, unit_co2 = self._vehicle_month(m)
        k.vehicle_replacement(
            m, c, self.coef, self.visibility, self._keys("vehicle_choice", "vehicle_life"),
            self.veh_asc, price, self.veh_energy, unit_cost, self.veh_life, v.district, v.vtype,
            v.powertrain, v.weight, v.age, v.life, v.km_year, v.attitude, v.discount_rate,
            v.credit_draw, v.household, h.ci_member, v.degree, v.peers_nev, v.events, n_d,
            sums["vehicles"])
        k.household_step(
            m, c, self.coef, self.visibility,
            self._keys("household_pv", "household_retrofit", "household_newbuild",
                       "household_ci_join", "household_ci_drop"),
            h.district, h.weight, h.owns_roof, h.roof_area, h.floor_area, h.electricity_base,
            h.lpg, h.attitude, h.discount_rate, h.credit_draw, h.car, h.degree, h.peers_pv,
            h.peers_green, h.peers_ci, h.has_pv, h.pv_kw, h.pv_fit_premium, h.green_home,
            h.ci_member, h.co2_kg, h.events, v.km_year, v.vtype, v.powertrain, self.veh_energy,
            unit_co2, n_d, sums["households"])
        k.vehicle_emissions(m, c, self.veh_energy, unit_co2, v.district, v.vtype, v.powertrain,
                            v.weight, v.km_year, v.household, h.ci_member, v.co2_kg, n_d,
                            sums["vehicles"])
        k.firm_step(
            m, c, self.coef, self.visibility,
            self._keys("firm_pv", "firm_retrofit", "firm_switch", "firm_green_power"),
            self.sector_growth(m.years), f.district, f.sector, f.size, f.weight, f.energy_base,
            f.coal_share, f.gas_share, f.oil_share, f.electricity_share, f.clinker_base,
            f.roof_area, f.ets, f.switch_to, f.cycle_phase, f.attitude, f.discount_rate,
            f.credit_draw, f.degree, f.peers_pv, f.peers_retrofit, f.peers_switch,
            f.peers_green_power, f.has_pv, f.pv_kw, f.pv_fit_premium, f.retrofits, f.switched,
            f.green_power, f.co2_kg, f.events, n_d, sums["firms"])
        k.fisher_step(
            m, c, self.coef, self.visibility,
            self._keys("fisher_pv", "fisher_vessel", "fisher_life"),
            x.district, x.kind, x.weight, x.pond_area, x.electricity_base, x.suitable_pv,
            x.engine_kw, x.diesel_base, x.vessel_age, x.vessel_life, x.vessel_type, x.attitude,
            x.discount_rate, x.credit_draw, x.degree, x.peers_pv, x.peers_vessel, x.has_pv,
            x.pv_kw, x.pv_fit_premium, x.co2_kg, x.events, n_d, sums["fishers"])

    def _step_reference(self, m: Month, sums: dict[str, np.ndarray]) -> None:
        """The same month through the agents' plain-Python ``step()`` (slow; for checking)."""
        from agents import Firm, Fisher, Household, VehicleOwner

        self.reference_sums = {g: s[0] for g, s in sums.items()}  # agents add into chunk 0
        price, unit_cost, unit_co2 = self._vehicle_month(m)
        self.vehicle_month = {"price": price, "unit_cost": unit_cost, "unit_co2": unit_co2}
        self.sector_growth_now = self.sector_growth(m.years)
        self.agents_by_type[VehicleOwner].do("step")
        self.agents_by_type[Household].do("step")
        self.agents_by_type[VehicleOwner].do("account")
        self.agents_by_type[Firm].do("step")
        self.agents_by_type[Fisher].do("step")

    def _update_peers(self) -> None:
        h, v, f, x = (self.tables[g] for g in ("households", "vehicles", "firms", "fishers"))
        nets = self.networks
        updates = [
            ("households", h, ((k.EV_PV, 0, "peers_pv"), (k.EV_GREEN, 0, "peers_green"),
                               (k.EV_CI_JOIN, k.EV_CI_DROP, "peers_ci"))),
            ("vehicles", v, ((k.EV_NEV_UP, k.EV_NEV_DOWN, "peers_nev"),)),
            ("firms", f, ((k.EV_FIRM_PV, 0, "peers_pv"), (k.EV_FIRM_RETROFIT, 0, "peers_retrofit"),
                          (k.EV_FIRM_SWITCH, 0, "peers_switch"),
                          (k.EV_FIRM_GREEN_POWER, 0, "peers_green_power"))),
            ("fishers", x, ((k.EV_FISHER_PV, 0, "peers_pv"),
                            (k.EV_VESSEL_UP, k.EV_VESSEL_DOWN, "peers_vessel"))),
        ]
        for group, table, items in updates:
            net = nets[group]
            for up, down, column in items:
                k.update_peer_counts(net.indptr, net.indices, table.events, up, down,
                                     table.arrays[column])

    def last_month_total(self, metric: int, group: str | None = None) -> float:
        """City total of metric column ``metric`` last month.

        All groups if ``group`` is None (column 0 is CO2 in kg in every group).
        """
        if self.month == 0:
            return 0.0
        groups = [group] if group else list(self.history)
        return float(sum(self.history[g][self.month - 1, :, metric].sum() for g in groups))

    def run(self, progress: Any = None) -> JiangmenModel:
        """Step to the end year. ``progress``: optional callable(month_done, n_months)."""
        while self.running:
            self.step()
            if progress is not None:
                progress(self.month, self.n_months)
        self.datacollector.collect(self)
        return self
