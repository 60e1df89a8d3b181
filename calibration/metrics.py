"""The annual outputs a calibration target may use: the model's own catalogue.

See :mod:`abm.outputs` (names, units and stock/flow kinds read from the annual summary
itself); this module keeps calibration's names for it.
"""

from __future__ import annotations

from abm.outputs import OutputInfo as MetricInfo
from abm.outputs import annual_outputs


def summary_metrics(scenario: str) -> dict[str, MetricInfo]:
    """Every annual-summary metric of ``scenario`` with its unit and kind (nothing simulated)."""
    return annual_outputs(scenario)


__all__ = ["MetricInfo", "summary_metrics"]
