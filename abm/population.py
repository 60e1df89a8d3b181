"""Synthetic Jiangmen: households, vehicles, firms and fishers of the seven districts.

Stratified synthesis with weights: each stratum (district × urban/rural for households,
district × vehicle type, sector × size × district for firms, district × farm/vessel for
fishers) of ``N`` real entities gets ``n = max(1, round(N / scale))`` agents, each of weight
``N / n``. The stratum totals are therefore exact for any ``scale``; attributes drawn within a
stratum (income, roof, kilometres, energy) are normalised to the stratum mean, so city totals
of energy and emissions agree across scales up to sampling noise of their distribution.
Each group's own synthesis is its module's ``synthesise`` (:mod:`abm.groups`); this module
runs them in registry order from one generator and builds the networks.

The social network of each group is a small world (Watts–Strogatz): a ring lattice of
``degree`` neighbours over a random order of the agents of each district, with a share of
links rewired to random agents, a share of those leaving the district. Stored as CSR arrays
(``indptr``, ``indices``), undirected.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from abm.columns import AgentTable
from abm.groups import REGISTRY
from abm.kernels import count_adopted_neighbours
from abm.limits import SCALE_MAX, SCALE_MIN
from abm.params import Parameters

log = logging.getLogger(__name__)


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


def recount_peers(population: Population) -> None:
    """Recount every neighbour-adoption column from scratch (each group's technologies)."""
    for name, group in REGISTRY.items():
        table = population.tables[name]
        net = population.networks[name]
        for tech in group.technologies:
            counts = np.zeros(table.n, dtype=np.int32)
            count_adopted_neighbours(net.indptr, net.indices, tech.adopted(table), counts)
            table.arrays[tech.peers] = counts


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
    tables: dict[str, AgentTable] = {}
    for name, group in REGISTRY.items():  # in registry order: vehicles link to households
        tables[name] = group.synthesise(params, scale, rng, tables)
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
