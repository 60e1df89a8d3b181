"""One catalogue of output names: every annual output is labelled in English and Chinese.

The labels live with the outputs (:mod:`abm.outputs`) and the names of their dimensions
(vehicle types, sectors, policy kinds); charts, the app and the reports read them from there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from abm import data
from abm.charts import ADOPTION_PANELS, Panel, adoption_chart, panel_grid
from abm.outputs import annual_outputs, output_label, output_label_record
from abm.policies import OPTION_LABELS, POLICY_TYPES, option_label
from abm.results import EMISSION_SECTOR_LABELS, SECTORS_OUT
from experiments.outputs import output_title

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("metric", sorted(annual_outputs()))
def test_every_annual_output_has_both_labels(metric: str) -> None:
    label = output_label_record(metric)
    assert label.en and label.en != metric, f"{metric}: English label missing"
    assert CJK.search(label.zh), f"{metric}: Chinese label {label.zh!r} has no Chinese"


def test_an_unknown_output_has_no_label_and_is_shown_by_name() -> None:
    with pytest.raises(KeyError, match="no label"):
        output_label_record("co2_nowhere")
    assert output_label("co2_nowhere", "zh") == "co2_nowhere"


def test_family_labels_come_from_their_dimension() -> None:
    assert output_label("nev_share_sales_truck") == "NEV share of new heavy trucks"
    assert data.VEHICLE_TYPE_LABELS["truck"][1] in output_label("nev_share_sales_truck", "zh")
    assert output_label("co2_fishery", "zh", short=True) == EMISSION_SECTOR_LABELS["fishery"][1]
    assert "金属制品" in output_label("spending_ets_expansion_metal_products", "zh")
    assert output_label("spending_pv_subsidy_fisher", short=True) == (
        "PV capital subsidy (fishery)")


def test_every_dimension_value_is_named() -> None:
    assert set(EMISSION_SECTOR_LABELS) == set(SECTORS_OUT)
    assert set(data.VEHICLE_TYPE_LABELS) == set(data.VEHICLE_TYPES)
    assert set(data.SECTOR_LABELS) == set(data.SECTORS)
    for cls in POLICY_TYPES.values():
        assert CJK.search(cls.label_zh), f"{cls.kind}: label_zh missing"
        for values in cls.options.values():
            for value in values:
                assert value in OPTION_LABELS, f"{cls.kind}: option {value!r} has no name"
                assert CJK.search(option_label(value, "zh"))


def test_panels_draw_known_outputs() -> None:
    known = annual_outputs()
    for panel in ADOPTION_PANELS:
        assert set(panel.metrics) <= set(known), panel.title
        assert (CJK.search(panel.title[1]) and CJK.search(panel.unit[1])) or panel.unit[1] == "MW"


@pytest.mark.parametrize(("n", "grid"), [(1, (1, 1)), (3, (1, 3)), (9, (3, 3)), (10, (4, 3))])
def test_panel_grid_holds_every_panel(n: int, grid: tuple[int, int]) -> None:
    assert panel_grid(n) == grid


def test_a_tenth_panel_is_drawn(tmp_path: Path) -> None:
    """The grid grows with the panels (a fixed 3×3 grid crashed on a tenth)."""
    years = [2020, 2021]
    metrics = {m for p in ADOPTION_PANELS for m in p.metrics} | {"co2_total"}
    summary = pd.DataFrame([(y, m, 0.1) for y in years for m in sorted(metrics)],
                           columns=["year", "metric", "value"])
    panels = (*ADOPTION_PANELS, Panel(("Total CO2", "二氧化碳"), ("co2_total",), ("Mt", "百万吨")))
    path = adoption_chart({"plan": summary}, tmp_path / "adoption.png", panels)
    assert path.stat().st_size > 1000


def test_the_cli_adoption_chart_draws_what_happened(tmp_path: Path, monkeypatch) -> None:
    """`make run`'s adoption.png: each NEV-share panel asks for its observed series inside the
    run's years (China's CPCA, MPS registrations from 2021, MPS stock), the others for none."""
    from abm import charts

    asked = []
    real = charts.observed_points

    def spy(series: str, region: str, years) -> pd.Series:
        points = real(series, region, years)
        asked.append((series, region, list(points.index)))
        return points

    monkeypatch.setattr(charts, "observed_points", spy)
    years = [2020, 2021, 2022]
    metrics = sorted({m for p in ADOPTION_PANELS for m in p.metrics})
    summary = pd.DataFrame([(y, m, 0.1) for y in years for m in metrics],
                           columns=["year", "metric", "value"])
    path = adoption_chart({"plan": summary}, tmp_path / "adoption.png")
    assert path.stat().st_size > 1000
    assert asked == [("nev_share_retail_passenger", "China", years),
                     ("nev_share_registrations", "China", [2021, 2022]),
                     ("nev_share_stock", "China", years)]


def test_experiment_titles_use_the_catalogue() -> None:
    assert output_title("ci_share@2030") == "Carbon-inclusive participants 2030"
    assert output_title("peak_year") == "Peak year of CO2"


def test_every_windfall_technology_is_named() -> None:
    from abm.accounting import WINDFALL_TECHNOLOGIES
    from abm.outputs import SUBSIDISED_TECHNOLOGY_LABELS

    assert set(WINDFALL_TECHNOLOGIES) == set(SUBSIDISED_TECHNOLOGY_LABELS)
