"""Calibration: observed data validation, parameter recovery, calibrated files in scenarios."""

import numpy as np
import pytest

from abm.scenario import load_scenario
from abm.simulate import simulate
from calibration import fit
from calibration.config import parse_config
from calibration.observed import ObservedDataError, load_observed

TRUE = {"behaviour.vehicle_ev.asc_car": -3.0, "tech.vehicle_premium_decline": 0.15}


def synthetic_observed(tmp_path):
    """Observations simulated from known parameters (the truth to recover)."""
    run = simulate("history", scale=800, seed=11, end_year=2024, overrides=TRUE)
    shares = run.series("nev_share_sales_car")
    lines = ["series,region,year,value,unit,source,notes"]
    lines += [f"nev_sales,Model,{year},{value},1,synthetic from known parameters,"
              for year, value in shares.items()]
    path = tmp_path / "observed.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def recovery_config(path):
    tree = {
        "name": "recovery", "scenario": "history", "scale": 800, "seeds": [11],
        "fit_years": [2020, 2021, 2022, 2023], "holdout_years": [2024],
        "parameters": [{"key": "behaviour.vehicle_ev.asc_car", "min": -6.0, "max": 0.0},
                       {"key": "tech.vehicle_premium_decline", "min": 0.0, "max": 0.3}],
        "targets": [{"name": "nev", "series": "nev_sales", "region": "Model",
                     "metric": "nev_share_sales_car", "kind": "flow", "distance": "abs"}],
        "abc": {"population_size": 30, "max_generations": 3, "min_epsilon": 0.0},
        "predictive_samples": 8,
    }
    return parse_config(tree, "test", observed_path=path)


def test_abc_recovers_known_parameters(tmp_path):
    config = recovery_config(synthetic_observed(tmp_path))
    posterior = fit.run_abc(config, tmp_path)
    summary = fit.posterior_summary(posterior, config).set_index("parameter")
    for key, value in TRUE.items():
        low, high = summary.loc[key, "p05"], summary.loc[key, "p95"]
        assert low <= value <= high, (key, value, low, high)
    # The posterior is informative: narrower than the prior for the intercept.
    asc = summary.loc["behaviour.vehicle_ev.asc_car"]
    assert asc["p95"] - asc["p05"] < 0.6 * (asc["prior_max"] - asc["prior_min"])
    bands = fit.predictive(config, fit.resample(posterior, 8), fit.local_map)
    errors = fit.errors(bands).set_index("part")
    assert errors.loc["holdout", "mae"] < 0.1


def test_optuna_finds_a_good_point(tmp_path):
    config = recovery_config(synthetic_observed(tmp_path))
    config.optuna["n_trials"] = 30
    trials = fit.run_optuna(config)
    assert trials["distance"].iloc[0] < trials["distance"].median()
    assert abs(trials["behaviour.vehicle_ev.asc_car"].iloc[0] - TRUE[
        "behaviour.vehicle_ev.asc_car"]) < 1.5


@pytest.mark.parametrize(("text", "message"), [
    ("series,region,year,value,unit,source\nnev,China,20x0,0.1,1,src\n",
     r"row 2, column 'year': '20x0' is not a int"),
    ("series,region,year,value,unit,source\nnev,China,2020,abc,1,src\n",
     r"row 2, column 'value': 'abc' is not a float"),
    ("series,region,year,value,unit,source\nnev,China,2020,0.1,1,\n",
     r"row 2, column 'source': empty"),
    ("series,region,year,value,unit\nnev,China,2020,0.1,1\n", r"missing column\(s\) \['source'\]"),
    ("series,region,year,value,unit,source\nnev,China,2020,0.1,1,a\nnev,China,2020,0.2,1,b\n",
     r"row 3: \(series, region, year\) appears twice"),
])
def test_malformed_observed_file_is_rejected(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ObservedDataError, match=message):
        load_observed(path)


def test_shipped_observed_data_loads_with_sources():
    frame = load_observed()
    assert {"nev_share_sales", "nev_share_stock", "distributed_pv_cumulative"} <= set(
        frame["series"])
    assert frame["source"].str.len().min() > 5


def test_calibrated_file_loads_into_a_scenario_and_changes_results(tmp_path):
    from calibration.report import calibrated_toml

    config = recovery_config(synthetic_observed(tmp_path))
    calibrated = tmp_path / "calibrated.toml"
    calibrated.write_text(calibrated_toml(config, {"behaviour.vehicle_ev.asc_car": -1.0},
                                          "optuna"))
    scenario_file = tmp_path / "with_calibration.toml"
    scenario_file.write_text(load_scenario("history").to_toml().replace(
        'name = "history"', 'name = "history_calibrated"\ninclude = ["calibrated.toml"]'))
    scenario = load_scenario(scenario_file)
    assert scenario.params["behaviour.vehicle_ev.asc_car"] == -1.0
    before = simulate("history", scale=800, seed=2, end_year=2023)
    after = simulate(scenario, scale=800, seed=2, end_year=2023)
    assert after.series("nev_share_sales_car").loc[2023] > before.series(
        "nev_share_sales_car").loc[2023]


def test_config_errors_are_clear(tmp_path):
    from abm.params import ParameterError

    path = synthetic_observed(tmp_path)
    tree = {"name": "x", "scale": 800, "fit_years": [2020], "holdout_years": [2020],
            "parameters": [{"key": "tech.pv_yield"}],
            "targets": [{"name": "t", "series": "nev_sales", "region": "Model",
                         "metric": "nev_share_sales_car"}]}
    with pytest.raises(ParameterError, match="overlap"):
        parse_config(tree, "cfg", observed_path=path)
    tree["holdout_years"] = [2021]
    tree["parameters"] = [{"key": "tech.pv_yield", "min": 10.0, "max": 20.0}]
    with pytest.raises(ParameterError, match=r"bounds \[10, 20\] for 'tech.pv_yield'"):
        parse_config(tree, "cfg", observed_path=path)
    tree["parameters"] = [{"key": "tech.pv_yield", "min": 900.0, "max": 1200.0}]
    tree["targets"][0]["series"] = "missing"
    with pytest.raises(ObservedDataError, match="no observations of series 'missing'"):
        parse_config(tree, "cfg", observed_path=path)
    assert np.isfinite(1.0)


def test_calibration_runs_through_the_experiment_runners(tmp_path):
    """The same optuna trials whether simulations run in-process or on a Dask cluster."""
    from experiments.runners import make_runner

    config = recovery_config(synthetic_observed(tmp_path))
    config.optuna["n_trials"] = 4
    local = fit.run_optuna(config, map_fn=fit.local_map, batch=2)
    with make_runner("local", workers=2) as runner:
        remote = fit.run_optuna(config, map_fn=fit.dask_map(runner.client), batch=2)
    assert np.allclose(local["distance"], remote["distance"])
