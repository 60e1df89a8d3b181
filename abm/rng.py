"""Named random streams with common random numbers.

Every random decision draws from a *named stream* (``"household_pv"``, ``"vehicle_life"``,
...). A stream is a 64-bit key derived from the run's seed and the stream's name through
``numpy.random.SeedSequence``; the uniform number that agent ``i`` sees in month ``t`` is a
pure function of ``(key, t, i)`` (a counter-based generator, SplitMix64 finaliser applied
twice). So:

* one seed gives the same draws on any worker, in any order, with any number of threads;
* a policy run and its baseline see exactly the same draw for the same agent, month and
  decision (common random numbers), whatever the other agents did;
* draws need no memory: the kernels compute them in place, which is cheaper than
  materialising ``Generator.random`` arrays for every stream every month (2.5 million agents ×
  14 streams × 492 months); ``benchmarks/bench_step.py`` measures both.

:func:`uniforms` materialises a stream for one month for inspection and tests.
"""

from __future__ import annotations

import hashlib

import numba as nb
import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53

@nb.njit(inline="always", cache=True)
def _mix64(z: np.uint64) -> np.uint64:
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@nb.njit(inline="always", cache=True)
def counter_hash(month: int, agent: int) -> np.uint64:
    """The stream-independent half of :func:`draw`: ``mix64(month · golden + agent)``."""
    return _mix64(np.uint64(month) * _GOLDEN + np.uint64(agent))


@nb.njit(inline="always", cache=True)
def draw_hashed(key: np.uint64, hashed: np.uint64) -> float:
    """:func:`draw` from its :func:`counter_hash`: ``mix64(key ^ hashed) >> 11`` in [0, 1).

    An agent's draws of one month on several streams share the hash.
    """
    return float(_mix64(key ^ hashed) >> np.uint64(11)) * _TO_UNIT


@nb.njit(inline="always", cache=True)
def draw(key: np.uint64, month: int, agent: int) -> float:
    """Uniform number in [0, 1) for (stream key, month, agent); pure and stateless."""
    return draw_hashed(key, counter_hash(month, agent))


def draw_py(key: int, month: int, agent: int) -> float:
    """Plain-Python twin of :func:`draw` (the reference path uses it)."""
    mask = (1 << 64) - 1

    def mix(z: int) -> int:
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    counter = (month * 0x9E3779B97F4A7C15 + agent) & mask
    z = mix(key ^ mix(counter))
    return (z >> 11) * _TO_UNIT


@nb.njit(parallel=True, cache=True)
def _fill(key: np.uint64, month: int, out: np.ndarray) -> None:
    for i in nb.prange(out.size):
        out[i] = draw(key, month, i)


class RandomStreams:
    """The run's named streams, all spawned from one seed.

    Args:
        seed: Non-negative integer seed of the run.

    """

    def __init__(self, seed: int) -> None:
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed: got {seed!r}; allowed: a non-negative integer")
        self.seed = int(seed)
        self.keys: dict[str, np.uint64] = {}

    def key(self, name: str) -> np.uint64:
        """The 64-bit key of stream ``name`` (a group declares its streams in its phases).

        The stream's identity is its name, not a position in a list, so adding a stream
        never changes the draws of the others.
        """
        if not isinstance(name, str) or not name:
            raise KeyError(f"random stream name: got {name!r}; allowed: a non-empty string")
        if name not in self.keys:
            name_word = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")
            state = np.random.SeedSequence(self.seed, spawn_key=(name_word,)).generate_state(
                1, dtype=np.uint64)
            self.keys[name] = np.uint64(state[0])
        return self.keys[name]

    def uniforms(self, name: str, month: int, n: int) -> np.ndarray:
        """The draws of stream ``name`` for agents 0..n-1 in ``month``."""
        out = np.empty(n, dtype=np.float64)
        _fill(self.key(name), month, out)
        return out

