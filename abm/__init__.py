"""Agent-based model of the Jiangmen Carbon Peaking Implementation Plan.

The package imports nothing of its own modules beyond :mod:`abm.identity` (so importing
``abm.x`` never pulls the whole model in a cycle); import what you need from its modules,
e.g. ``from abm.simulate import simulate``, ``from abm.scenario import load_scenario``.

Numba's on-disk cache of compiled kernels is keyed by the kernel's source file only, not by
the types it is called with being redefined elsewhere (e.g. the field order of
:class:`abm.market.Month`). To never reuse stale machine code, the cache lives in a folder
named after the content hash of the model's code (:func:`abm.identity.code_hash`): any change
to the model's Python files compiles afresh.
"""

import os
from pathlib import Path

import numba.core.config as _numba_config

from abm.identity import ROOT, code_hash


def _cache_dir() -> str | None:
    base = os.environ.get("NUMBA_CACHE_DIR") or str(ROOT / ".numba_cache")
    folder = Path(base) / code_hash()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # read-only install: Numba keeps its default (beside the sources)
    return str(folder)


_numba_config.CACHE_DIR = _cache_dir() or _numba_config.CACHE_DIR
