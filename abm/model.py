"""The Jiangmen model: a Mesa model whose monthly step runs in Numba kernels."""

from __future__ import annotations

import logging
import secrets
from typing import Any, Literal

import mesa
import numba
import numpy as np

from abm import data
from abm.groups import (
    COEFFICIENTS,
    GROUP_METRICS,
    REGISTRY,
    STEP_ORDER,
    TECHNOLOGIES,
    TECHNOLOGY_ROWS,
)
from abm.groups.base import Group, Phase
from abm.groups.decision import N_CHUNKS
from abm.growth import pv_cost
from abm.kernels import update_district_shares, update_group_peer_counts
from abm.limits import LAST_YEAR
from abm.market import Constants, Month, constants, grid_factor
from abm.policies import book_spending, neutral_levers
from abm.population import Population, synthesise
from abm.rng import RandomStreams
from abm.scenario import Scenario, load_scenario

log = logging.getLogger(__name__)

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
        self.group_static: dict[str, dict[str, Any]] = {
            name: group.static_tables(self.params) for name, group in REGISTRY.items()
            if group.static_tables is not None}
        """Each group's tables fixed over the run (e.g. vehicle technology)."""
        self.month_inputs: dict[str, dict[str, Any]] = {}
        """Each group's tables of the current month (prices, growth factors)."""
        self.phase_inputs: dict[tuple[str, str], tuple] = {}
        """Arguments of each (group, phase) rule this month (plain path)."""
        self.history = {g: np.zeros((self.n_months, len(data.DISTRICTS), len(m)))
                        for g, m in GROUP_METRICS.items()}
        self.spending = np.zeros((self.n_months, len(self.policies)))
        self.month_log: list[Month] = []
        self.visibility = self._initial_visibility()
        self.initial_visibility = {name: self.visibility[TECHNOLOGY_ROWS[name]].copy()
                                   for name in REGISTRY}
        """Each group's district adoption shares at the start (technology × district)."""
        self._share_columns = {name: self._share_table(name) for name in REGISTRY}
        """Each group's (numerator columns, denominator columns, rows) of its district
        shares (:func:`~abm.kernels.update_district_shares`)."""
        self._peer_bits = {
            name: (np.array([tech.event_up for tech in group.technologies], np.int64),
                   np.array([tech.event_down for tech in group.technologies], np.int64))
            for name, group in REGISTRY.items()}
        """Each group's (adoption bits, give-up bits) of its technologies."""
        self._month_sums = {g: np.zeros((N_CHUNKS, len(data.DISTRICTS), len(metrics)))
                            for g, metrics in GROUP_METRICS.items()}
        """Each group's per-chunk district sums, zeroed and reused every month."""
        self._stream_keys: dict[tuple[str, ...], np.ndarray] = {}
        """Stream keys (uint64) of each phase's streams, made once."""
        self.charging_index = float(self.params["behaviour.charging_index_2020"])
        """Charging availability built so far (a stock: what is built stays built)."""
        self._neutral_levers = neutral_levers({"charging_index": self.charging_index})
        """The lever record before any policy applies (the stock set each month)."""
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
            "households_pv": lambda m: m.last_month_total(
                REGISTRY["households"].metric_index("adopters_pv"), "households"),
        })
        self.running = True

    # ------------------------------------------------------------------ set-up
    def _coefficients(self) -> np.ndarray:
        coef = np.zeros((len(TECHNOLOGIES), len(COEFFICIENTS)))
        for t, tech in enumerate(TECHNOLOGIES):
            for c, name in enumerate(COEFFICIENTS):
                coef[t, c] = self.params[f"behaviour.{tech}.{name}"]
        return coef

    def _initial_visibility(self) -> np.ndarray:
        """District adoption shares from the initial state (what agents see in month 0).

        ``share_d = Σ weight · adopted · eligible / Σ weight · eligible`` over the rows of
        district ``d`` (0 where no row is eligible), for every technology.
        """
        vis = np.zeros((len(TECHNOLOGIES), len(data.DISTRICTS)))
        for name, group in REGISTRY.items():
            table = self.tables[name]
            d = table.district.astype(np.int64)
            for row, tech in enumerate(group.technologies, TECHNOLOGY_ROWS[name].start):
                mask = tech.eligible(table)
                adopted = tech.adopted(table) & mask
                total = np.bincount(d, table.weight * mask, minlength=len(data.DISTRICTS))
                yes = np.bincount(d, table.weight * adopted, minlength=len(data.DISTRICTS))
                vis[row] = np.divide(yes, total, out=np.zeros_like(yes), where=total > 0)
        return vis

    @staticmethod
    def _share_table(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(numerator columns, denominator columns, rows) of group ``name``'s shares.

        Column lists are padded with ``-1`` to the longest (:data:`Technology.share`).
        """
        group = REGISTRY[name]

        def columns(side: int) -> np.ndarray:
            lists = [[group.metric_index(x) for x in tech.share[side]]
                     for tech in group.technologies]
            width = max(len(x) for x in lists)
            return np.array([x + [-1] * (width - len(x)) for x in lists], np.int64)

        rows = np.arange(TECHNOLOGY_ROWS[name].start, TECHNOLOGY_ROWS[name].stop)
        return columns(0), columns(1), rows

    def _update_visibility(self, sums: dict[str, np.ndarray]) -> None:
        """District adoption shares of the month just run, from the declared metrics.

        ``share = Σ numerator metrics / Σ denominator metrics`` (0 where the latter is 0).
        """
        for name, (numerators, denominators, rows) in self._share_columns.items():
            update_district_shares(sums[name], numerators, denominators, rows, self.visibility)

    def _create_agents(self) -> None:
        from agents import AGENT_CLASSES

        for name in REGISTRY:
            cls = AGENT_CLASSES[name]
            for row in range(self.tables[name].n):
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
        levers = dict(self._neutral_levers)
        levers["charging_index"] = base + (self.charging_index - base) * retire
        for policy in self.policies:
            if policy.active(year):
                policy.apply(levers, years + self.start_year)
        if levers.keys() != self._neutral_levers.keys():
            raise RuntimeError("policies wrote undeclared levers: "
                               f"{set(levers) - set(self._neutral_levers)}")
        self.charging_index = levers["charging_index"]
        return levers

    def build_month(self, t: int) -> Month:
        """Prices, costs, growth and policy levels of month ``t`` (steps 1 and 2)."""
        p = self.params
        years = t / 12.0
        year = self.start_year + t // 12
        levers = self.month_levers(year, years)
        return Month(
            index=float(t), years=years, grid_factor=grid_factor(p, self.start_year + years),
            tariff_residential=p["prices.tariff_residential"],
            tariff_business=p["prices.tariff_business"], export_price=p["prices.export_price"],
            pv_cost_household=pv_cost(p, "household", years),
            pv_cost_business=pv_cost(p, "business", years),
            pv_cost_fishery=pv_cost(p, "fishery", years),
            premium_factor=(1.0 - p["tech.vehicle_premium_decline"]) ** years,
            household_growth=(1.0 + p["economy.household_electricity_growth"]) ** years,
            km_growth=(1.0 + p["economy.vehicle_km_growth"]) ** years,
            clinker_growth=(1.0 + p["economy.cement_growth"]) ** years,
            price_coal=p["prices.coal"], price_gas=p["prices.gas"], price_oil=p["prices.oil"],
            price_diesel=p["prices.diesel"], **levers)

    def step(self) -> None:
        """Advance one month (see the class docstring for the order)."""
        if self.month >= self.n_months:
            self.running = False
            return
        t = self.month
        m = self.build_month(t)
        self.month_state = m
        self.month_log.append(m)
        sums = self._month_sums
        for s in sums.values():
            s.fill(0.0)
        if self.engine == "numba":
            if numba.get_num_threads() != self.kernel_threads:
                numba.set_num_threads(self.kernel_threads)
            self._step_kernels(m, sums)
        else:
            self._step_reference(m, sums)
        # the month's district totals, summed over the chunks straight into the history
        totals = {g: s.sum(axis=0, out=self.history[g][t]) for g, s in sums.items()}
        self._update_peers()
        self.spending[t] = book_spending(self.policies, totals, self.start_year + t // 12)
        self._update_visibility(totals)
        self.month += 1
        if self.collect_every and self.month % self.collect_every == 0:
            self.datacollector.collect(self)
        if self.month >= self.n_months:
            self.running = False

    def _keys(self, *names: str) -> np.ndarray:
        """Keys (uint64) of the named streams, made once per list of names."""
        keys = self._stream_keys.get(names)
        if keys is None:
            keys = np.array([self.streams.key(n) for n in names], dtype=np.uint64)
            self._stream_keys[names] = keys
        return keys

    def _prepare_month(self, m: Month) -> None:
        self.month_inputs = {name: group.prepare_month(self, m)
                             for name, group in REGISTRY.items()
                             if group.prepare_month is not None}

    def _step_kernels(self, m: Month, sums: dict[str, np.ndarray]) -> None:
        """Steps 3, 5 and 6 with the kernels.

        Each (group, phase) of :data:`~abm.groups.STEP_ORDER` runs as a ``prange`` kernel
        over fixed chunks of rows.
        """
        self._prepare_month(m)
        for name, phase_name in STEP_ORDER:
            group = REGISTRY[name]
            phase = group.phases[phase_name]
            phase.kernel(*self._phase_inputs(group, phase, m), sums[name])

    def _step_reference(self, m: Month, sums: dict[str, np.ndarray]) -> None:
        """Steps 3, 5 and 6 through the Mesa agents (slow; the plain path).

        Each agent runs the same rule in plain Python (its ``py_func``) for its own row,
        group by group in the order of :data:`~abm.groups.STEP_ORDER`.
        """
        from agents import AGENT_CLASSES

        self.reference_sums = {g: s[0] for g, s in sums.items()}  # agents add into chunk 0
        self._prepare_month(m)
        for name, phase_name in STEP_ORDER:
            group = REGISTRY[name]
            phase = group.phases[phase_name]
            self.phase_inputs[(name, phase_name)] = self._phase_inputs(group, phase, m)
            self.agents_by_type[AGENT_CLASSES[name]].do(phase.agent_method)

    def _phase_inputs(self, group: Group, phase: Phase, m: Month) -> tuple:
        """``(m, c, coef, vis, keys, arrays)`` of a phase's rule this month."""
        rows = TECHNOLOGY_ROWS[group.name]
        return (m, self.constants, self.coef[rows], self.visibility[rows],
                self._keys(*phase.streams), phase.arguments(self, m))

    def _update_peers(self) -> None:
        """Neighbour counts of every technology, from this month's event bits."""
        for name, group in REGISTRY.items():
            table = self.tables[name]
            net = self.networks[name]
            bits_up, bits_down = self._peer_bits[name]
            update_group_peer_counts(net.indptr, net.indices, table.events, bits_up, bits_down,
                                     tuple(table.arrays[tech.peers]
                                           for tech in group.technologies))

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
