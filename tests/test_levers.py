"""Every lever moves what it should, by a documented amount (issue 12).

For each lever of :data:`experiments.levers_audit.LEVERS` (every policy kind of
``python -m abm policies``), the baseline and the baseline plus the lever run with the same
seeds (common random numbers); the lever's response (the relative change of the output it
should move) must have the documented sign, be non-zero, and lie in the documented range
(``low``–``high``, with its evidence: ``data/observed/published_ranges.csv``, rows
``lever_response.<lever>``, and the README's lever table), on
the mean over the seeds. Small groups (firms, vessels, pond farms) are simulated at a finer
scale than households (``synthesis.*_max_scale``), so their levers are not sampling noise.
"""

from __future__ import annotations

import numpy as np
import pytest

from abm.scenario import load_scenario
from abm.simulate import simulate
from experiments.levers_audit import AUDIT, LEVERS, AuditLever, audit

SCALE = 50
SEEDS = (0, 1)
END = 2030
SUBSIDIES = {"pv_household", "pv_firm", "pv_fishery", "retrofit_subsidy", "vessel_subsidy"}


@pytest.fixture(scope="module")
def baselines() -> dict:
    baseline = load_scenario("baseline")
    return {seed: simulate(baseline, scale=SCALE, seed=seed, end_year=END).summary
            for seed in SEEDS}


def check_response(lever: AuditLever, responses: list[float]) -> None:
    """Documented sign on every seed, non-zero, and the mean inside [low, high]."""
    mean = float(np.mean(responses))
    sign = 1.0 if lever.high > 0 else -1.0
    assert mean != 0.0, f"{lever.name}: no effect"
    assert all(sign * r >= 0 for r in responses), f"{lever.name}: wrong sign {responses}"
    assert lever.low <= mean <= lever.high, (
        f"{lever.name}: response {mean:.4f} outside its documented range "
        f"[{lever.low}, {lever.high}] ({lever.evidence})")


def test_every_policy_kind_is_audited():
    from abm.policies import POLICY_TYPES
    audited = {table["kind"] for lever in LEVERS for table in lever.policies}
    assert audited == set(POLICY_TYPES)


def test_every_lever_has_one_documented_range_in_the_data():
    """Each lever's range and evidence is a row ``lever_response.<lever>`` of
    ``data/observed/published_ranges.csv``; no row names a lever that is not audited."""
    from abm.data import published_ranges

    rows = {k.removeprefix("lever_response.") for k in published_ranges()
            if k.startswith("lever_response.")}
    assert rows == {lever.name for lever in LEVERS}
    for lever in LEVERS:
        assert lever.low < lever.high and len(lever.evidence) > 40, lever.name


def test_a_lever_with_no_effect_fails():
    lever = AUDIT["pv_household"]
    with pytest.raises(AssertionError, match="no effect"):
        check_response(lever, [0.0, 0.0])
    with pytest.raises(AssertionError, match="wrong sign"):
        check_response(lever, [0.1, -0.05])
    with pytest.raises(AssertionError, match="outside its documented range"):
        check_response(lever, [10.0, 10.0])


@pytest.mark.parametrize("name", [lever.name for lever in LEVERS])
def test_lever_response_has_documented_sign_and_size(name, baselines):
    lever = AUDIT[name]
    results = [audit(lever, seed, SCALE, END, baselines[seed]) for seed in SEEDS]
    check_response(lever, [r["response"] for r in results])
    assert np.mean([r["abated_mt"] for r in results]) > 0, f"{name}: abates nothing"
    if name in SUBSIDIES:
        shares = [r["windfall_in_period"] for r in results]
        assert all(0.0 <= s <= 1.0 for s in shares), shares
