"""Headline numbers are defined once (abm.headline) and every interface shows the same."""

from __future__ import annotations

import math

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
