"""Synthetic Jiangmen: households, vehicles, firms and fishers of the seven districts.

Stratified synthesis with weights: each stratum (district × urban/rural for households,
district × vehicle type, sector × size × district for firms, district × farm/vessel for
fishers) of ``N`` real entities gets ``n = max(1, round(N / scale))`` agents, each of weight
``N / n``. The stratum totals are therefore exact for any ``scale``; attributes drawn within a
stratum (income, roof, kilometres, energy) are normalised to the stratum mean, so city totals
of energy and emissions agree across scales up to sampling noise of their distribution.

The social network of each group is a small world (Watts–Strogatz): a ring lattice of
``degree`` neighbours over a random order of the agents of each district, with a share of
links rewired to random agents, a share of those leaving the district. Stored as CSR arrays
(``indptr``, ``indices``), undirected.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from abm import data
from abm.columns import AgentTable
from abm.kernels import count_adopted_neighbours
from abm.limits import SCALE_MAX, SCALE_MIN
from abm.params import Parameters
from agents import schemas

log = logging.getLogger(__name__)

SWITCH_TO_GAS_SECTORS = {"paper", "glass", "ceramics"}
"""Sectors whose coal use moves to gas (kilns, dryers); the others electrify (assumption:
high-temperature heat is easier to supply with gas, low-temperature steam with electricity)."""


@dataclass
class Network:
    """An undirected graph in CSR form: neighbours of i are indices[indptr[i]:indptr[i+1]]."""

    indptr: np.ndarray
    indices: np.ndarray

    @property
    def degree(self) -> np.ndarray:
        """Number of neighbours of each node."""
        return np.diff(self.indptr).astype(np.int32)


@dataclass
class Population:
    """The synthetic city: one column table and one network per agent group."""

    tables: dict[str, AgentTable]
    networks: dict[str, Network] = field(default_factory=dict)
    scale: float = 1.0

    def copy(self) -> Population:
        """Deep copy of the tables (networks are shared: they never change)."""
        return Population({k: t.copy() for k, t in self.tables.items()}, self.networks,
                          self.scale)


def _stratum_sizes(count: float, scale: float) -> tuple[int, float]:
    """Agents and weight for a stratum of ``count`` real entities at ``scale``."""
    if count <= 0:
        return 0, 0.0
    n = max(1, round(count / scale))
    return n, count / n


def _mean_one_lognormal(rng: np.random.Generator, sigma: float, n: int) -> np.ndarray:
    """Log-normal multipliers rescaled to mean exactly 1 (exact totals per stratum)."""
    if n == 1 or sigma == 0:
        return np.ones(n)
    x = rng.lognormal(0.0, sigma, n)
    return x / x.mean()


def _behaviour(rng: np.random.Generator, p: Parameters, n: int, median_rate: float
               ) -> dict[str, np.ndarray]:
    """Attitude ~ N(0, s_a), discount rate = median · exp(s_r · N(0,1)), credit draw ~ U(0,1)."""
    return {
        "attitude": rng.normal(0.0, p["behaviour.attitude_spread"], n),
        "discount_rate": np.clip(median_rate * np.exp(
            p["behaviour.discount_rate_spread"] * rng.standard_normal(n)), 0.01, 0.6),
        "credit_draw": rng.random(n),
    }


def _fill(table: AgentTable, columns: dict[str, list[np.ndarray]]) -> None:
    for name, parts in columns.items():
        table.set(name, np.concatenate(parts) if parts else np.empty(0))


def _households(p: Parameters, scale: float, rng: np.random.Generator) -> AgentTable:
    districts = data.districts()
    cols: dict[str, list[np.ndarray]] = {}

    def add(name: str, values: np.ndarray) -> None:
        cols.setdefault(name, []).append(np.asarray(values))

    for d, code in enumerate(data.DISTRICTS):
        row = districts.loc[code]
        total = row["population"] / row["persons_per_household"]
        for urban in (True, False):
            share = row["urban_share"] if urban else 1.0 - row["urban_share"]
            n, w = _stratum_sizes(total * share, scale)
            if n == 0:
                continue
            income_pc = row["income_urban"] if urban else row["income_rural"]
            income = income_pc * row["persons_per_household"] * _mean_one_lognormal(rng, 0.5, n)
            own_share = row["own_roof_share_urban"] if urban else row["own_roof_share_rural"]
            owns = rng.random(n) < own_share
            roof = np.where(owns, (70.0 if urban else 100.0) * rng.lognormal(0, 0.35, n), 0.0)
            floor = (90.0 if urban else 130.0) * _mean_one_lognormal(rng, 0.3, n)
            use = (row["electricity_per_household"] / 12.0
                   * (income / income.mean()) ** 0.3 * _mean_one_lognormal(rng, 0.3, n))
            use *= row["electricity_per_household"] / 12.0 / use.mean()
            add("district", np.full(n, d))
            add("urban", np.full(n, urban))
            add("weight", np.full(n, w))
            add("income", income)
            add("owns_roof", owns)
            add("roof_area", roof)
            add("floor_area", floor)
            add("electricity_base", use)
            add("lpg", np.full(n, row["lpg_per_household"] / 12.0))
            for k, v in _behaviour(rng, p, n, p["behaviour.discount_rate_household"]).items():
                add(k, v)
    n_total = sum(len(x) for x in cols["district"])
    table = AgentTable(schemas.HOUSEHOLD, n_total)
    _fill(table, cols)
    # Adoption in 2020: PV among owners whose roof takes at least 1 kWp.
    kw = np.minimum(table.roof_area * p["tech.pv_kw_per_m2"], p["tech.pv_household_max_kw"])
    eligible = table.owns_roof & (kw >= 1.0)
    target = p["init.household_pv_share"]
    p_pv = min(1.0, target / max(eligible.mean(), 1e-9))
    has_pv = eligible & (rng.random(n_total) < p_pv)
    table.set("has_pv", has_pv)
    table.set("pv_kw", np.where(has_pv, kw, 0.0))
    table.set("green_home", rng.random(n_total) < p["init.household_green_share"])
    table.set("ci_member", rng.random(n_total) < p["init.household_ci_share"])
    return table


def _vehicles(p: Parameters, scale: float, rng: np.random.Generator,
              households: AgentTable) -> AgentTable:
    districts = data.districts()
    tech = data.vehicles()
    count_column = {"car": "private_cars", "taxi": "taxis", "van": "delivery_vans",
                    "bus": "buses", "truck": "heavy_trucks"}
    cols: dict[str, list[np.ndarray]] = {}

    def add(name: str, values: np.ndarray) -> None:
        cols.setdefault(name, []).append(np.asarray(values))

    for d, code in enumerate(data.DISTRICTS):
        for v, vtype in enumerate(data.VEHICLE_TYPES):
            n, w = _stratum_sizes(districts.loc[code, count_column[vtype]], scale)
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
            add("km_year", tech[(vtype, "all", "km_per_year")] * _mean_one_lognormal(rng, 0.3, n))
            for k, val in _behaviour(rng, p, n, p["behaviour.discount_rate_household"]).items():
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
    table = AgentTable(schemas.VEHICLE, n_total)
    _fill(table, cols)
    cars = np.flatnonzero(table.household >= 0)
    households.car[table.household[cars]] = cars
    return table


def _allocate(count: int, shares: np.ndarray) -> np.ndarray:
    """Split an integer count over districts by shares (largest remainder)."""
    raw = count * shares / shares.sum()
    whole = np.floor(raw).astype(int)
    rest = count - whole.sum()
    if rest > 0:
        whole[np.argsort(-(raw - whole), kind="stable")[:rest]] += 1
    return whole


def _firms(p: Parameters, scale: float, rng: np.random.Generator) -> AgentTable:
    strata = data.firms()
    cols: dict[str, list[np.ndarray]] = {}

    def add(name: str, values: np.ndarray) -> None:
        cols.setdefault(name, []).append(np.asarray(values))

    cycle = round(p["tech.firm_investment_cycle"] * 12)
    for row in strata.itertuples():
        shares = np.array([getattr(row, f"share_{d}") for d in data.DISTRICTS], dtype=float)
        per_district = _allocate(int(row.firms), shares)
        sector = data.SECTORS.index(row.sector)
        size = ("large", "medium", "small").index(row.size)
        for d, count in enumerate(per_district):
            n, w = _stratum_sizes(count, scale)
            if n == 0:
                continue
            add("district", np.full(n, d))
            add("sector", np.full(n, sector))
            add("size", np.full(n, size))
            add("weight", np.full(n, w))
            add("energy_base", row.energy_tce_per_firm * _mean_one_lognormal(rng, 0.5, n))
            for fuel in ("coal_share", "gas_share", "oil_share", "electricity_share"):
                add(fuel, np.full(n, getattr(row, fuel)))
            add("clinker_base", row.clinker_t_per_firm * _mean_one_lognormal(rng, 0.3, n))
            add("roof_area", row.roof_m2_per_firm * _mean_one_lognormal(rng, 0.4, n))
            add("ets", np.full(n, bool(row.ets_covered)))
            add("switch_to", np.full(n, 0 if row.sector in SWITCH_TO_GAS_SECTORS else 1))
            add("cycle_phase", rng.integers(0, cycle, n))
            for k, v in _behaviour(rng, p, n, p["behaviour.discount_rate_firm"]).items():
                add(k, v)
    n_total = sum(len(x) for x in cols["district"])
    table = AgentTable(schemas.FIRM, n_total)
    _fill(table, cols)
    kw = table.roof_area * p["tech.pv_kw_per_m2"]
    has_pv = (kw >= 1.0) & (rng.random(n_total) < p["init.firm_pv_share"])
    table.set("has_pv", has_pv)
    table.set("pv_kw", np.where(has_pv, kw, 0.0))
    return table


def _fishers(p: Parameters, scale: float, rng: np.random.Generator) -> AgentTable:
    districts = data.districts()
    cols: dict[str, list[np.ndarray]] = {}

    def add(name: str, values: np.ndarray) -> None:
        cols.setdefault(name, []).append(np.asarray(values))

    life_mean = p["tech.vessel_life"] * 12.0
    for d, code in enumerate(data.DISTRICTS):
        row = districts.loc[code]
        farms = row["pond_area"] / row["pond_farm_size"]
        for kind, count in ((0, farms), (1, row["fishing_vessels"])):
            n, w = _stratum_sizes(count, scale)
            if n == 0:
                continue
            add("district", np.full(n, d))
            add("kind", np.full(n, kind))
            add("weight", np.full(n, w))
            if kind == 0:
                area = row["pond_farm_size"] * _mean_one_lognormal(rng, 0.5, n)
                add("pond_area", area)
                add("electricity_base", area * row["pond_electricity"])
                add("suitable_pv", rng.random(n) < p["tech.fishery_pv_suitable_share"])
                zeros = np.zeros(n)
                add("engine_kw", zeros)
                add("diesel_base", zeros)
                add("vessel_age", zeros)
                add("vessel_life", np.full(n, 1 << 30))
            else:
                engine = row["vessel_engine"] * _mean_one_lognormal(rng, 0.6, n)
                life = (life_mean * (0.6 + 0.8 * rng.random(n))).astype(np.int32)
                add("pond_area", np.zeros(n))
                add("electricity_base", np.zeros(n))
                add("suitable_pv", np.zeros(n, dtype=bool))
                add("engine_kw", engine)
                add("diesel_base", row["vessel_diesel"] * engine / row["vessel_engine"])
                add("vessel_age", (rng.random(n) * life).astype(np.int32))
                add("vessel_life", life)
            for k, v in _behaviour(rng, p, n, p["behaviour.discount_rate_fisher"]).items():
                add(k, v)
    n_total = sum(len(x) for x in cols["district"])
    table = AgentTable(schemas.FISHER, n_total)
    _fill(table, cols)
    has_pv = table.suitable_pv & (rng.random(n_total) < p["init.fisher_pv_share"])
    table.set("has_pv", has_pv)
    table.set("pv_kw", np.where(has_pv, table.pond_area * p["tech.fishery_pv_mw_per_ha"] * 1e3,
                                0.0))
    return table


def small_world(district: np.ndarray, degree: int, rewire: float, cross: float,
                rng: np.random.Generator) -> Network:
    """Small-world network, mostly within districts, as CSR arrays.

    Args:
        district: District of each node.
        degree: Target mean degree (even; each node links to degree/2 successors).
        rewire: Probability a lattice link is rewired to a random node.
        cross: Probability a rewired link goes to any district (else the same district).
        rng: Random generator.

    Returns:
        The undirected network (self-loops and duplicates removed).

    """
    n = district.size
    if n < 2:
        return Network(np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int32))
    order = np.lexsort((rng.random(n), district))  # random order within each district
    d_sorted = district[order]
    starts = np.searchsorted(d_sorted, d_sorted, side="left")
    ends = np.searchsorted(d_sorted, d_sorted, side="right")
    block = ends - starts
    position = np.arange(n) - starts
    src_parts, dst_parts = [], []
    for k in range(1, max(degree // 2, 1) + 1):
        ok = block > k
        nxt = starts + (position + k) % np.maximum(block, 1)
        src_parts.append(order[ok])
        dst_parts.append(order[nxt[ok]])
    src = np.concatenate(src_parts)
    dst = np.concatenate(dst_parts)
    moved = rng.random(src.size) < rewire
    anywhere = moved & (rng.random(src.size) < cross)
    within = moved & ~anywhere
    dst[anywhere] = rng.integers(0, n, anywhere.sum())
    # Same-district rewiring: a random position in the source's district block.
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    s_pos = inv[src[within]]
    dst[within] = order[starts[s_pos] + (rng.random(within.sum()) * block[s_pos]).astype(np.int64)]
    keep = src != dst
    a = np.concatenate([src[keep], dst[keep]]).astype(np.int64)
    b = np.concatenate([dst[keep], src[keep]]).astype(np.int64)
    pairs = np.sort(a * n + b)  # sort + mask: numpy's hash-based unique is ~10× slower here
    pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
    a, b = pairs // n, pairs % n
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=indptr[1:])
    return Network(indptr, b.astype(np.int32))


def _peer_columns() -> dict[str, list[tuple[str, str]]]:
    """For each group: (count column, adoption column or expression key)."""
    return {
        "households": [("peers_pv", "has_pv"), ("peers_green", "green_home"),
                       ("peers_ci", "ci_member")],
        "vehicles": [("peers_nev", "nev")],
        "firms": [("peers_pv", "has_pv"), ("peers_retrofit", "retrofit"),
                  ("peers_switch", "switched"), ("peers_green_power", "green_power")],
        "fishers": [("peers_pv", "has_pv"), ("peers_vessel", "improved_vessel")],
    }


def adoption_state(table: AgentTable, key: str) -> np.ndarray:
    """Boolean adoption array behind a neighbour count (see :func:`_peer_columns`)."""
    if key == "nev":
        return table.powertrain != 0
    if key == "retrofit":
        return table.retrofits > 0
    if key == "improved_vessel":
        return table.vessel_type != 0
    return table.arrays[key].astype(bool)


def recount_peers(population: Population) -> None:
    """Recount every neighbour-adoption column from scratch."""
    for group, pairs in _peer_columns().items():
        table = population.tables[group]
        net = population.networks[group]
        for count_column, key in pairs:
            counts = np.zeros(table.n, dtype=np.int32)
            count_adopted_neighbours(net.indptr, net.indices, adoption_state(table, key), counts)
            table.arrays[count_column] = counts


def synthesise(params: Parameters, scale: float, seed: int) -> Population:
    """Build the synthetic city.

    Args:
        params: Parameter set (initial shares, network shape, behaviour spreads).
        scale: Real entities per agent (1 = whole city).
        seed: Seed of the population's own generator.

    Returns:
        The population with tables, networks and neighbour counts.

    """
    if not (isinstance(scale, int | float) and SCALE_MIN <= scale <= SCALE_MAX):
        raise ValueError(f"scale: got {scale!r}; allowed: a number in [{SCALE_MIN:g}, "
                         f"{SCALE_MAX:g}] (real entities per agent)")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
    households = _households(params, scale, rng)
    vehicles = _vehicles(params, scale, rng, households)
    firms = _firms(params, scale, rng)
    fishers = _fishers(params, scale, rng)
    tables = {"households": households, "vehicles": vehicles, "firms": firms,
              "fishers": fishers}
    networks = {}
    for group, table in tables.items():
        networks[group] = small_world(table.district.astype(np.int64),
                                      int(params["behaviour.network_degree"]),
                                      params["behaviour.network_rewire"],
                                      params["behaviour.network_cross_district"], rng)
        table.arrays["degree"] = networks[group].degree
    population = Population(tables, networks, float(scale))
    recount_peers(population)
    log.info("synthesised %s agents at scale %g",
             {k: t.n for k, t in tables.items()}, scale)
    return population
