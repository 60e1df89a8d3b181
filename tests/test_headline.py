"""Headline numbers are defined once (abm.headline) and every interface shows the same."""

from __future__ import annotations

import math

import numpy as np

from abm.headline import HEADLINE_UNITS, headline
from abm.simulate import simulate
from experiments.outputs import OUTPUTS, StoredRun, extract
from webapp.runner import RunConfig, run_set


def test_cli_app_and_experiments_share_the_headline_numbers():
    run = simulate("plan", scale=2000, seed=1, end_year=2031)
    numbers = headline(run.summary, run.targets)
    assert set(numbers) == set(HEADLINE_UNITS)
    assert run.headline() == numbers
    kept = extract(run, ["peak_year", "peaked", "peak_mt", "co2_2030_mt", "targets_met",
                         "nev_share_2030", "pv_capacity_mw_2030", "co2_end_mt"])
    for output, key in (("peak_year", "peak_year"), ("peaked", "peaked"),
                        ("peak_mt", "peak_mt"), ("co2_2030_mt", "co2_2030_mt"),
                        ("targets_met", "targets_met"), ("nev_share_2030", "nev_share_new_2030"),
                        ("pv_capacity_mw_2030", "pv_mw_2030"), ("co2_end_mt", "co2_end_mt")):
        assert kept[output] == numbers[key], output
        assert OUTPUTS[output][0] == HEADLINE_UNITS[key]
    page = run_set(run.model.scenario, RunConfig(scale=2000, seed=1, end_year=2031)).headline()
    for key in ("peak_year", "peaked", "peak_mt", "co2_2030_mt", "cumulative_mt",
                "spending_mcny", "targets_met"):
        assert page[key] == numbers[key], key


def test_a_stored_run_gives_the_same_peak_without_targets():
    run = simulate("baseline", scale=2000, seed=0, end_year=2027)
    stored = StoredRun(run.summary[run.summary["metric"].isin(["co2_total", "spending_total"])])
    numbers = headline(stored.summary, stored.targets)
    assert numbers["peak_year"] == run.headline()["peak_year"]
    assert numbers["peaked"] == run.headline()["peaked"]
    assert math.isnan(numbers["targets_met"]) and math.isnan(numbers["pv_mw_2030"])


def test_one_output_catalogue_matches_what_the_model_produces():
    """Experiments and calibration validate against the summary's own names (no drift)."""
    import pytest

    from abm.outputs import annual_outputs
    from abm.params import ParameterError
    from experiments.outputs import check_output

    run = simulate("plan", scale=2000, seed=0, end_year=2027)
    produced = set(run.summary["metric"])
    catalogue = annual_outputs()
    assert produced <= set(catalogue), produced - set(catalogue)
    assert "spending_ets_expansion_ceramics" in catalogue  # made by the model, refused before
    assert "spending_ets_expansion" not in catalogue      # never made, accepted before
    units = run.summary.drop_duplicates("metric").set_index("metric")["unit"]
    assert all(catalogue[m].unit == units[m] for m in produced)
    check_output("spending_ets_expansion_ceramics@2026", "spec", end_year=2035)
    with pytest.raises(ParameterError, match="spending_ets_expansion"):
        check_output("spending_ets_expansion@2026", "spec", end_year=2035)
    assert catalogue["pv_capacity_mw_total"].kind == "stock"
    assert catalogue["co2_total"].kind == "flow"


def test_plateau_start_by_hand():
    """Peak 21.35 in 2024; 1 % under it is 21.1365: 2023 (21.2) is on the plateau, 2022 (21.0)
    is not, so it starts in 2023. At 2 % (20.923) 2022 and 2021 are on it, 2020 (20.0) not."""
    from abm.results import peak, plateau_start

    years = np.arange(2020, 2026)
    values = np.array([20.0, 21.3, 21.0, 21.2, 21.35, 20.0])
    assert peak(years, values)[0] == 2024
    assert plateau_start(years, values) == 2023
    assert plateau_start(years, values, tolerance=0.02) == 2021
    assert plateau_start(years, values, tolerance=0.0) == 2024
    rising = np.array([20.0, 20.5, 21.0, 21.5, 22.0, 22.5])
    assert plateau_start(years, rising) == 2025  # still rising: the end year, not peaked
    gap = np.array([21.3, np.nan, 21.3, 21.2, 21.35, 20.0])
    assert plateau_start(years, gap) == 2022  # a missing year ends the plateau


def test_the_plan_plateau_starts_before_its_peak_year_in_every_interface():
    """The plan's emissions are flat 2023-2030: one run's highest year says little, the
    plateau's start is given beside it (CLI summary, experiments output, app strip)."""
    from types import SimpleNamespace

    from webapp import i18n
    from webapp.ui import peak_text

    run = simulate("plan", scale=2000, seed=1, end_year=2031)
    numbers = headline(run.summary, run.targets)
    assert numbers["plateau_from"] <= numbers["peak_year"]
    assert extract(run, ["plateau_from"])["plateau_from"] == numbers["plateau_from"]
    total = run.series("co2_total")
    start, top = int(numbers["plateau_from"]), int(numbers["peak_year"])
    assert (total.loc[start:top] >= 0.99 * total.max()).all()
    assert start == total.index[0] or total.loc[start - 1] < 0.99 * total.max()
    session = SimpleNamespace(t=lambda key: i18n.tr(key, "en"))
    text = peak_text(session, {"peaked": 1.0, "peak_year": 2029.0, "plateau_from": 2023.0})
    assert text == "2029 (plateau from 2023)"
    assert peak_text(session, {"peaked": 1.0, "peak_year": 2029.0,
                               "plateau_from": 2029.0}) == "2029"
    assert peak_text(session, {"peaked": 0.0, "peak_year": 2031.0,
                               "plateau_from": 2030.0}) == i18n.tr("no_peak", "en")
