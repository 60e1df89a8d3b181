"""The Numba kernels and the agents' plain step() make identical decisions and emissions."""

import numpy as np
import pytest

from abm.model import JiangmenModel


@pytest.mark.parametrize("scenario_name", ["plan", "baseline"])
def test_kernels_equal_reference(scenario_name, small_population, request):
    scenario = request.getfixturevalue(scenario_name)
    fast = JiangmenModel(scenario=scenario, rng=7, end_year=2026, population=small_population)
    slow = JiangmenModel(scenario=scenario, rng=7, end_year=2026, population=small_population,
                         engine="reference")
    fast.run()
    slow.run()
    changed = 0
    for group, table in fast.tables.items():
        other = slow.tables[group]
        for name, values in table.arrays.items():
            ref = other.arrays[name]
            if values.dtype.kind == "f":
                np.testing.assert_allclose(values, ref, rtol=1e-12, atol=1e-9,
                                           err_msg=f"{group}.{name}")
            else:
                assert np.array_equal(values, ref), f"{group}.{name} differs"
            if name in ("has_pv", "green_home", "ci_member", "powertrain", "retrofits",
                        "switched", "vessel_type"):
                changed += int((values != small_population.tables[group].arrays[name]).sum())
        np.testing.assert_allclose(fast.history[group], slow.history[group], rtol=1e-10,
                                   atol=1e-6, err_msg=group)
    np.testing.assert_allclose(fast.spending, slow.spending, rtol=1e-10, atol=1e-6)
    assert changed > 50, "the comparison must cover real decisions"


def test_reference_detects_a_different_rule(small_population, plan):
    """The comparison can fail: a changed coefficient on one path shows up."""
    fast = JiangmenModel(scenario=plan, rng=7, end_year=2022, population=small_population)
    slow = JiangmenModel(scenario=plan, rng=7, end_year=2022, population=small_population,
                         engine="reference")
    slow.coef[0, 0] += 2.0  # household PV intercept, reference path only
    fast.run()
    slow.run()
    assert not np.array_equal(fast.tables["households"].has_pv,
                              slow.tables["households"].has_pv)
