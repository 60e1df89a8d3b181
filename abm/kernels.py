"""Neighbour-count kernels on the groups' CSR networks, and the month's district shares.

The groups' monthly rules and their ``prange`` kernels live in :mod:`abm.groups` (one module
per group); these kernels keep the per-technology neighbour counts (incrementally from each
month's event bits, or by a full recount) and compute the district adoption shares the
agents see next month.
"""

from __future__ import annotations

import numba as nb
import numpy as np


# ---------------------------------------------------------------- neighbours
@nb.njit(cache=True)
def update_group_peer_counts(indptr, indices, events, bits_up, bits_down, counts):
    """Incremental neighbour counts of a group's technologies, in one pass over its rows.

    For each technology, +1 for each neighbour of a row that adopted it this month and −1 for
    each neighbour of a row that gave it up. Only rows with event bits cost anything
    (O(events · degree), not O(edges)); eight rows without events are skipped at a time.

    Args:
        indptr, indices: The group's CSR network.
        events: Event bits of each row this month.
        bits_up, bits_down: Each technology's adoption and give-up bits (int64; 0: none).
        counts: Each technology's neighbour-count column (a tuple of int32 arrays), added to.

    """
    n = events.size
    words = events[:n - n % 8].view(np.uint64)  # eight rows' bits at a time: most are 0
    for word in range(words.size):
        if words[word] != 0:
            for i in range(8 * word, 8 * word + 8):
                _add_peer_events(i, indptr, indices, events, bits_up, bits_down, counts)
    for i in range(n - n % 8, n):
        _add_peer_events(i, indptr, indices, events, bits_up, bits_down, counts)


@nb.njit(inline="always", cache=True)
def _add_peer_events(i, indptr, indices, events, bits_up, bits_down, counts):
    """Row ``i``'s events added to its neighbours' counts (see :func:`update_group_peer_counts`)."""
    e = events[i]
    if e == 0:
        return
    for tech in range(bits_up.size):
        step = 0
        if e & bits_up[tech]:
            step += 1
        if bits_down[tech] and (e & bits_down[tech]):
            step -= 1
        if step == 0:
            continue
        column = counts[tech]
        for k in range(indptr[i], indptr[i + 1]):
            column[indices[k]] += step


@nb.njit(cache=True)
def update_district_shares(totals, numerators, denominators, rows, shares):
    """District adoption shares of a group's technologies from its month's district totals.

    ``shares[rows[k], d] = Σ_c totals[d, numerators[k, c]] / Σ_c totals[d,
    denominators[k, c]]`` (0 where the denominator is not above 0); each sum adds its
    columns left to right, ``-1`` pads the column lists.

    Args:
        totals: The group's per-district totals (district × metric).
        numerators, denominators: Metric columns of each technology's share, (k, width).
        rows: Row of each technology in ``shares``.
        shares: Technology × district adoption shares, written.

    """
    for k in range(rows.size):
        for d in range(totals.shape[0]):
            numerator = totals[d, numerators[k, 0]]
            for c in range(1, numerators.shape[1]):
                if numerators[k, c] >= 0:
                    numerator += totals[d, numerators[k, c]]
            denominator = totals[d, denominators[k, 0]]
            for c in range(1, denominators.shape[1]):
                if denominators[k, c] >= 0:
                    denominator += totals[d, denominators[k, c]]
            shares[rows[k], d] = numerator / denominator if denominator > 0 else 0.0


@nb.njit(parallel=True, cache=True)
def count_adopted_neighbours(indptr, indices, adopted, counts):
    """Full recount of adopted neighbours (initialisation and tests)."""
    for i in nb.prange(indptr.size - 1):
        total = 0
        for k in range(indptr[i], indptr[i + 1]):
            if adopted[indices[k]]:
                total += 1
        counts[i] = total
