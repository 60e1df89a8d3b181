"""Solara web app: the policy designer's page for the Jiangmen carbon-peaking model.

Serve with ``make app`` (``solara run app.py --production``) and open http://127.0.0.1:8765.
The page lives in :mod:`webapp` (levers from the parameter table and policy declarations,
runs in a background thread, charts, targets, compare, agents, downloads; English and
Chinese). Each browser session keeps its own state in Solara component state; nothing is
shared at module level.
"""

from __future__ import annotations

import os

# Numba's OpenMP threads otherwise spin while they wait; in a server whose web thread needs the
# CPU between the monthly kernel calls (and on a busy machine) that slows runs many times over.
# It must be set before the first parallel kernel runs, i.e. here, at import.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from pathlib import Path

import plotly
import solara.server.settings

from webapp import warm
from webapp.ui import Page

# The "runs on Solara" badge sat over the charts' legends.
solara.server.settings.theme.show_banner = False
# The charts load plotly.js once per page from /static/assets/plotly.min.js (webapp/plotly.vue):
# the copy that the plotly package ships, so it matches the Python side and needs no network.
PLOTLY_JS_DIR = str(Path(plotly.__file__).parent / "package_data")
if PLOTLY_JS_DIR not in solara.server.settings.assets.extra_locations:
    solara.server.settings.assets.extra_locations.append(PLOTLY_JS_DIR)
# Compile (or load from .numba_cache) the model's kernels now, before the first user clicks;
# the page shows "preparing the model" until they are ready.
warm.start()

__all__ = ["Page"]
