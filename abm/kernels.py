"""Neighbour-count kernels on the groups' CSR networks.

The groups' monthly rules and their ``prange`` kernels live in :mod:`abm.groups` (one module
per group); these two kernels keep the per-technology neighbour counts: incrementally from
each month's event bits, or by a full recount.
"""

from __future__ import annotations

import numba as nb


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
