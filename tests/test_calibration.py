"""Calibration: observed data validation, parameter recovery, calibrated files in scenarios."""

import numpy as np
import pandas as pd
import pytest

from abm.observed import ObservedDataError, load_observed
from abm.scenario import load_scenario
from abm.simulate import simulate
from calibration import fit
from calibration.config import parse_config

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


def recovery_tree() -> dict:
    """The recovery config as written: two parameters, the synthetic NEV share 2020-23."""
    return {
        "name": "recovery", "scenario": "history", "scale": 800, "seeds": [11],
        "fit_years": [2020, 2021, 2022, 2023], "holdout_years": [2024],
        "parameters": [{"key": "behaviour.vehicle_ev.asc_car", "min": -6.0, "max": 0.0},
                       {"key": "tech.vehicle_premium_decline", "min": 0.0, "max": 0.3}],
        "targets": [{"name": "nev", "series": "nev_sales", "region": "Model",
                     "metric": "nev_share_sales_car", "kind": "flow", "distance": "abs"}],
        "abc": {"population_size": 30, "max_generations": 3, "min_epsilon": 0.0},
        "predictive_samples": 8,
    }


def recovery_config(path):
    return parse_config(recovery_tree(), "test", observed_path=path)


def test_abc_recovers_known_parameters(tmp_path):
    config = recovery_config(synthetic_observed(tmp_path))
    posterior = fit.run_abc(config, tmp_path / "abc.db")
    summary = fit.posterior_summary(posterior, config).set_index("parameter")
    for key, value in TRUE.items():
        low, high = summary.loc[key, "p05"], summary.loc[key, "p95"]
        assert low <= value <= high, (key, value, low, high)
    # The posterior is informative: narrower than the prior for the intercept.
    asc = summary.loc["behaviour.vehicle_ev.asc_car"]
    assert asc["p95"] - asc["p05"] < 0.6 * (asc["prior_max"] - asc["prior_min"])
    weights = posterior["weight"].to_numpy()
    paths = fit.simulate_draws(config, posterior, fit.local_map)
    chosen = fit.representative(config, paths, weights)
    errors = fit.errors(fit.bands(config, paths, weights, point=chosen)).set_index("part")
    assert errors.loc["holdout", "mae"] < 0.1
    assert errors.loc["holdout", "mae_point"] < 0.1


def _paths_config():
    """A config for the hand-computed predictive cases (one absolute target, 2020-2022)."""
    tree = {"name": "bands", "scenario": "history", "scale": 800, "seeds": [1],
            "fit_years": [2020, 2021], "holdout_years": [2022],
            "parameters": [{"key": "behaviour.vehicle_ev.asc_car", "min": -6.0, "max": 0.0}],
            "targets": [{"name": "nev", "series": "nev_share_retail_passenger",
                         "region": "China", "metric": "nev_share_sales_car", "kind": "flow",
                         "distance": "abs"}]}
    return parse_config(tree, "test")


def test_bands_are_weighted_quantiles_of_the_draws():
    """Three draws with constant paths 0.1, 0.2, 0.3: equal weights give the median 0.2.
    Weights 0.1, 0.1, 0.8 put the draws at cumulative mid-weights 0.05, 0.15 and 0.6, so the
    median is interpolated at 0.5: 0.2 + (0.5 − 0.15) / (0.6 − 0.15) · 0.1 = 0.2778."""
    config = _paths_config()
    paths = {"nev": np.array([[0.1] * 3, [0.2] * 3, [0.3] * 3])}
    equal = fit.bands(config, paths)
    assert equal["median"].tolist() == pytest.approx([0.2] * 3)
    assert (equal["p05"] < equal["median"]).all() and (equal["median"] < equal["p95"]).all()
    heavy = fit.bands(config, paths, np.array([0.1, 0.1, 0.8]), point=0)
    assert heavy["median"].tolist() == pytest.approx([0.2 + 0.35 / 0.45 * 0.1] * 3)
    assert heavy["point"].tolist() == pytest.approx([0.1] * 3)
    assert heavy["part"].tolist() == ["fit", "fit", "holdout"]


def test_the_point_is_the_draw_closest_to_the_median_path_not_to_the_observations():
    """Draw 0 follows the observations; draws 1-3 agree on a path 0.05 above them. The point
    is a draw of that majority (its path is the median's), whatever the observations say, and
    the weights decide which draw the median is."""
    config = _paths_config()
    observed = np.array([0.058, 0.148, 0.276])  # nev_share_retail_passenger 2020-22
    paths = {"nev": np.array([observed, observed + 0.05, observed + 0.06, observed + 0.07])}
    assert fit.representative(config, paths) in (1, 2)
    assert fit.representative(config, paths, np.array([0.7, 0.1, 0.1, 0.1])) == 0
    assert fit.representative(config, paths, np.array([0.0, 0.0, 0.2, 0.8])) == 3


def test_resampled_draws_carry_no_weight():
    """Resampled draws are equally weighted: their old weights must not weight them again."""
    posterior = pd.DataFrame({"a": [1.0, 2.0], "weight": [0.25, 0.75]})
    draws = fit.resample(posterior, 50, seed=1)
    assert "weight" not in draws and len(draws) == 50
    assert 0.5 < (draws["a"] == 2.0).mean() < 0.95


def test_optuna_finds_a_good_point(tmp_path):
    config = recovery_config(synthetic_observed(tmp_path))
    config.optuna["n_trials"] = 30
    trials = fit.run_optuna(config)
    assert trials["distance"].iloc[0] < trials["distance"].median()
    assert abs(trials["behaviour.vehicle_ev.asc_car"].iloc[0] - TRUE[
        "behaviour.vehicle_ev.asc_car"]) < 1.5


@pytest.mark.parametrize(("text", "message"), [
    ("series,region,year,value,unit,source\nnev,China,20x0,0.1,1,src\n",
     r"row 2, column 'year': '20x0' is not a whole number"),
    ("series,region,year,value,unit,source\nnev,China,2020,abc,1,src\n",
     r"row 2, column 'value': 'abc' is not a number"),
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
    history = load_scenario("history")  # with the shipped fits (its include), written out flat
    assert history.params["behaviour.vehicle_ev.asc_car"] < -1.5
    text = history.to_toml().replace(
        'name = "history"', 'name = "history_calibrated"\ninclude = ["calibrated.toml"]')
    text = "\n".join(line for line in text.split("\n")  # asc_car from the new file only
                     if not line.startswith('"behaviour.vehicle_ev.asc_car" ='))
    scenario_file.write_text(text)
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
    with pytest.raises(ParameterError, match=r"'fit_years' and 'holdout_years' share \[2020\]"):
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


# ------------------------------------------------------------------ tiny runs (a few seconds)
TINY = """name = "{name}"
scenario = "history"
scale = 5000
seeds = [1]
fit_years = [2020, 2021, 2022]
holdout_years = [2023]
predictive_samples = 3

[[parameters]]
key = "behaviour.vehicle_ev.asc_car"
min = -7.0
max = -1.0

[[targets]]
name = {target}
series = "nev_share_sales"
region = "China"
metric = "nev_share_sales_car"
kind = "flow"
distance = "abs"

[abc]
population_size = 4
max_generations = 1

[optuna]
n_trials = 3
"""


def tiny_config(folder, name="tiny", target='"nev"'):
    """A config file that fits one parameter with a handful of coarse simulations."""
    path = folder / "tiny.toml"
    path.write_text(TINY.format(name=name, target=target))
    return path


def cli(argv):
    """Run the calibration CLI in-process through the hostile-input harness's ``call``."""
    import importlib.util
    import sys
    from pathlib import Path

    from calibration.cli import main

    harness = sys.modules.get("hostile_harness")
    if harness is None:
        spec = importlib.util.spec_from_file_location(
            "hostile_harness", Path(__file__).parent / "hostile" / "conftest.py")
        harness = importlib.util.module_from_spec(spec)
        sys.modules["hostile_harness"] = harness
        spec.loader.exec_module(harness)
    return harness.call(main, argv)


def test_abc_resumes_from_its_last_complete_generation(tmp_path):
    """A second call asking for more generations continues the stored history, not anew."""
    from calibration.config import load_config

    config = load_config(tiny_config(tmp_path))
    db = tmp_path / "abc.db"
    config.abc["max_generations"] = 2
    fit.run_abc(config, db)
    assert fit.stored_generations(db) == 2
    import pyabc

    first = pyabc.History(f"sqlite:///{db}").get_all_populations()
    config.abc["max_generations"] = 3
    fit.run_abc(config, db)
    assert fit.stored_generations(db) == 3
    again = pyabc.History(f"sqlite:///{db}").get_all_populations()
    # The first two generations are the stored ones (same end times), one was added.
    assert list(again["population_end_time"][:3]) == list(first["population_end_time"][:3])
    config.abc["max_generations"] = 2  # fewer than stored: nothing is run or removed
    fit.run_abc(config, db)
    assert fit.stored_generations(db) == 3


def test_abc_logs_each_generation_with_time_left_and_prints_pyabc_once(tmp_path, caplog):
    """A long fit says where it is: each generation's number of the most asked for, its
    acceptance and time, and about how long the rest may take; pyabc's own lines print once
    where the application has set up logging."""
    import logging

    from calibration.config import load_config

    config = load_config(tiny_config(tmp_path))
    config.abc["max_generations"] = 2
    root = logging.getLogger()
    added = logging.StreamHandler() if not root.handlers else None
    if added is not None:
        root.addHandler(added)
    try:
        with caplog.at_level(logging.INFO, logger="calibration"):
            fit.run_abc(config, tmp_path / "abc.db")
    finally:
        if added is not None:
            root.removeHandler(added)
    lines = [r.getMessage() for r in caplog.records if r.name == "calibration.fit"]
    starts = [m for m in lines if "sampling" in m]
    ends = [m for m in lines if " done in " in m]
    assert [m.split(" (")[0] for m in starts] == ["ABC-SMC generation 1",
                                                   "ABC-SMC generation 2"], lines
    assert "generation 1 of at most 2 done" in ends[0] and "at most 1 more, about" in ends[0]
    assert "% accepted" in ends[0] and "more, about" not in ends[1], ends
    assert not [h for h in logging.getLogger("ABC").handlers
                if type(h) is logging.StreamHandler], "pyabc's own handler prints twice"


def test_killed_calibration_resumes(tmp_path, caplog):
    """Kill a calibration between generations; the next run continues from the database."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from calibration import fit as fit_module

    caplog.set_level("INFO", logger="calibration")
    config = tiny_config(tmp_path)
    out = tmp_path / "out"
    root = Path(__file__).resolve().parents[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "calibration", "run", str(config), "--in-process",
         "--generations", "50", "--population-size", "3", "--out", str(out)],
        cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    db = out / "tiny" / "abc.db"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and process.poll() is None:
            if (fit_module.stored_generations(db) or 0) >= 2:
                break
            time.sleep(0.5)
        assert process.poll() is None, "the calibration ended before it could be killed"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    stored = fit_module.stored_generations(db) or 0
    assert stored >= 2
    outcome = cli(["run", str(config), "--in-process", "--generations", str(stored + 1),
                   "--population-size", "3", "--out", str(out)])
    assert outcome.code == 0, outcome.stderr
    assert fit_module.stored_generations(db) == stored + 1
    assert "resuming" in caplog.text
    assert not list(out.glob("tiny.previous-*"))


def test_database_of_a_run_killed_at_its_start_is_moved_aside(tmp_path):
    """A database without a complete generation cannot be resumed: kept aside, run anew."""
    from calibration.config import load_config

    config = load_config(tiny_config(tmp_path))
    db = tmp_path / "abc.db"
    db.write_bytes(b"")  # what a run killed while creating its database may leave
    fit.run_abc(config, db)
    assert fit.stored_generations(db) == 1
    (aside,) = tmp_path.glob("abc.db.incomplete-*")
    assert aside.read_bytes() == b""


def test_foreign_database_is_refused_and_kept_then_moved_aside_with_fresh(tmp_path):
    config = tiny_config(tmp_path)
    folder = tmp_path / "out" / "tiny"
    folder.mkdir(parents=True)
    (folder / "abc.db").write_bytes(b"not ours")
    outcome = cli(["run", str(config), "--in-process", "--out", str(tmp_path / "out")])
    assert outcome.code == 2
    assert "--fresh" in outcome.stderr and "abc.db" in outcome.stderr
    assert (folder / "abc.db").read_bytes() == b"not ours"
    outcome = cli(["run", str(config), "--in-process", "--out", str(tmp_path / "out"),
                   "--fresh"])
    assert outcome.code == 0, outcome.stderr
    aside = list((tmp_path / "out").glob("tiny.previous-*"))
    assert len(aside) == 1 and (aside[0] / "abc.db").read_bytes() == b"not ours"
    import json

    record = json.loads((folder / "run.json").read_text())
    assert record["status"] == "finished"
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == sorted(
        record["files"])


def test_run_from_another_config_is_not_continued(tmp_path):
    config = tiny_config(tmp_path)
    out = tmp_path / "out"
    assert cli(["run", str(config), "--in-process", "--out", str(out)]).code == 0
    before = (out / "tiny" / "abc.db").read_bytes()
    outcome = cli(["run", str(config), "--in-process", "--out", str(out), "--scale", "4000"])
    assert outcome.code == 2
    assert "config hash" in outcome.stderr and "--fresh" in outcome.stderr
    assert (out / "tiny" / "abc.db").read_bytes() == before
    # More generations is the same run: it resumes.
    outcome = cli(["run", str(config), "--in-process", "--out", str(out), "--generations", "2"])
    assert outcome.code == 0, outcome.stderr
    assert fit.stored_generations(out / "tiny" / "abc.db") == 2


def test_optuna_study_persists_across_invocations(tmp_path):
    from calibration.config import load_config

    config = load_config(tiny_config(tmp_path))
    storage = tmp_path / "optuna.db"
    first = fit.run_optuna(config, storage=storage, study_name="s")
    assert len(first) == 3
    config.optuna["n_trials"] = 5
    second = fit.run_optuna(config, storage=storage, study_name="s")
    assert len(second) == 5
    key = "behaviour.vehicle_ev.asc_car"
    assert set(first[key]) <= set(second[key])


def test_optuna_cli_resumes_its_study(tmp_path):
    config = tiny_config(tmp_path)
    out = tmp_path / "out"
    argv = ["run", str(config), "--method", "optuna", "--in-process", "--out", str(out)]
    assert cli([*argv, "--trials", "2"]).code == 0
    assert cli([*argv, "--trials", "4"]).code == 0
    import pandas as pd

    assert len(pd.read_csv(out / "tiny" / "trials.csv")) == 4


def test_command_line_options_override_the_config(tmp_path):
    from calibration.cli import load, parser

    path = tiny_config(tmp_path)
    args = parser().parse_args(["run", str(path), "--population-size", "7", "--generations",
                                "2", "--scale", "3000", "--seeds", "4,5", "--trials", "9"])
    config = load(args)
    assert config.abc["population_size"] == 7 and config.abc["max_generations"] == 2
    assert config.scale == 3000 and config.seeds == [4, 5] and config.optuna["n_trials"] == 9
    plain = load(parser().parse_args(["run", str(path)]))
    assert config.identity("abc")["identity"] != plain.identity("abc")["identity"]
    more = load(parser().parse_args(["run", str(path), "--generations", "5"]))
    assert more.identity("abc")["identity"] == plain.identity("abc")["identity"]


def test_names_from_the_config_stay_inside_the_output_folder(tmp_path):
    import tomllib

    config = tiny_config(tmp_path, name='../../es\\"cape\\n/tmp/x',
                         target='"../t\\"a\\nrget"')
    out = tmp_path / "work" / "out"
    outcome = cli(["run", str(config), "--in-process", "--out", str(out)])
    assert outcome.code == 0, outcome.stderr
    created = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert all(out in p.parents or p == config for p in created), created
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    assert folder.name == "es_cape_tmp_x"
    assert (folder / "fit_t_a_rget.png").exists()
    calibrated = tomllib.loads((folder / "calibrated.toml").read_text())
    assert calibrated["name"] == "calibrated-es_cape_tmp_x"
    assert 't"a\nrget' in calibrated["description"]


def test_in_process_abc_is_reproducible(tmp_path):
    from calibration.config import load_config

    config = load_config(tiny_config(tmp_path))
    a = fit.run_abc(config, tmp_path / "a.db")
    b = fit.run_abc(config, tmp_path / "b.db")
    assert a.equals(b)


def test_metric_catalogue_knows_units_and_kinds():
    from calibration.metrics import summary_metrics

    catalogue = summary_metrics("history")
    assert catalogue["nev_share_sales_car"].kind == "flow"
    assert catalogue["nev_share_stock_car"].kind == "stock"
    assert catalogue["pv_capacity_mw_household"].kind == "stock"
    assert catalogue["co2_total"].kind == "flow"
    assert catalogue["pv_capacity_mw_firm"].unit == "MW"
    assert catalogue["nev_share_sales_car"].unit == "1"


def test_shipped_configs_validate():
    from calibration.cli import main

    for name in ("small", "medium", "full", "pv", "transport", "transport_mps_basis",
                 "transport_with_stock", "transport_all_bases", "trucks"):
        assert cli(["validate", name]).code == 0, name
    assert main(["list"]) == 0


def test_busy_run_folder_is_refused(tmp_path):
    from abm.files import folder_lock

    config = tiny_config(tmp_path)
    with folder_lock(tmp_path / "out" / "tiny"):
        outcome = cli(["run", str(config), "--in-process", "--out", str(tmp_path / "out")])
    assert outcome.code == 2 and "in use" in outcome.stderr
    assert not (tmp_path / "out" / "tiny" / "abc.db").exists()


def test_shipped_name_wins_over_a_folder_of_that_name(tmp_path, monkeypatch):
    """``run small`` inside results/calibration (where a folder small/ exists) still works."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "small").mkdir()
    assert cli(["validate", "small"]).code == 0
    outcome = cli(["validate", "./small"])
    assert outcome.code == 2 and "is a folder" in outcome.stderr


def test_abc_gives_the_same_posterior_in_process_and_on_two_workers(tmp_path):
    """One seed, one posterior: pyabc's own parallel samplers kept whichever particles came
    back first (two runs of the transport fit differed by 4 points of 2023 NEV share)."""
    from calibration.config import load_config
    from experiments.runners import make_runner

    config = load_config(tiny_config(tmp_path))
    local = fit.run_abc(config, tmp_path / "local.db")
    with make_runner("local", workers=2) as runner:
        remote = fit.run_abc(config, tmp_path / "remote.db", client=runner.client)
    assert local.equals(remote)


def test_a_resumed_abc_run_ends_where_a_straight_one_does(tmp_path):
    """Stopped after two generations and resumed to three, a fit has the particles of a run
    of three at once: a shipped fit is reproduced by one command however it was made."""
    from calibration.config import load_config

    config = load_config(tiny_config(tmp_path))
    config.abc["max_generations"] = 3
    straight = fit.run_abc(config, tmp_path / "straight.db")
    config.abc["max_generations"] = 2
    fit.run_abc(config, tmp_path / "resumed.db")
    config.abc["max_generations"] = 3
    resumed = fit.run_abc(config, tmp_path / "resumed.db")
    assert resumed.equals(straight)


def test_the_written_point_is_a_posterior_particle_with_its_path_reported(tmp_path):
    """calibrated.toml's values are one particle of posterior.csv (parameters.csv, column
    ``point``); predictive.csv's ``point`` is that particle's path, and every particle is in
    the bands when ``predictive_samples`` is at least the population."""
    import tomllib

    from calibration.config import load_config

    config = tiny_config(tmp_path)
    config.write_text(config.read_text().replace("predictive_samples = 3",
                                                 "predictive_samples = 4"))
    out = tmp_path / "out"
    outcome = cli(["run", str(config), "--in-process", "--out", str(out)])
    assert outcome.code == 0, outcome.stderr
    folder = out / "tiny"
    point = tomllib.loads((folder / "calibrated.toml").read_text())["parameters"]
    posterior = pd.read_csv(folder / "posterior.csv")
    summary = pd.read_csv(folder / "parameters.csv").set_index("parameter")
    (key,) = point
    assert point[key] in set(posterior[key]) and summary.loc[key, "point"] == point[key]
    bands = pd.read_csv(folder / "predictive.csv")
    path = fit.simulate_draws(load_config(config), pd.DataFrame([point]))["nev"][0]
    assert bands["point"].to_numpy() == pytest.approx(path)
    assert "(every particle)" in (folder / "report.md").read_text()


def test_the_abc_seed_gives_another_draw_and_another_run_identity(tmp_path):
    """``--abc-seed`` (``[abc] seed``) draws another posterior; a run folder of one seed is
    not resumed by another (it is part of the identity), and a bad seed is refused."""
    from calibration.cli import load, parser
    from calibration.config import load_config

    path = tiny_config(tmp_path)
    plain = load(parser().parse_args(["run", str(path)]))
    other = load(parser().parse_args(["run", str(path), "--abc-seed", "7"]))
    assert other.abc["seed"] == 7 and plain.abc["seed"] == 0
    assert other.identity("abc")["identity"] != plain.identity("abc")["identity"]
    a = fit.run_abc(load_config(path), tmp_path / "a.db", seed=0)
    b = fit.run_abc(load_config(path), tmp_path / "b.db", seed=7)
    assert not a.equals(b)
    outcome = cli(["run", str(path), "--in-process", "--abc-seed", "-1",
                   "--out", str(tmp_path / "out")])
    assert outcome.code == 2 and "abc.seed" in outcome.stderr and "-1" in outcome.stderr
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ the noise model
def noise_config(path):
    """The recovery config under the noise model: 1-point Gaussian errors on the shares."""
    tree = recovery_tree()
    tree["name"] = "recovery-noise"
    tree["targets"][0].update(noise_sd=0.01, noise_source="test: 1 point")
    tree["abc"] = {"acceptance": "noise_model", "population_size": 30, "max_generations": 3}
    return parse_config(tree, "test", observed_path=path)


def test_noise_model_is_the_gaussian_likelihood_of_each_target_and_year(tmp_path):
    """Hand case: one observation off by one noise_sd costs exactly ½ in log likelihood,
    whichever target and year it is; missing years are not compared."""
    import pyabc

    config = parse_config(_paths_config_tree(noise=True), "test")
    observed, variance = fit.noise_model(config)
    assert list(observed) == ["nev", "phev"]
    assert [v.size for v in observed.values()] == [2, 2]
    assert np.allclose(variance, [0.03 ** 2] * 2 + [0.05 ** 2] * 2)
    kernel = pyabc.IndependentNormalKernel(var=variance, keys=list(observed))
    kernel.initialize(0, None, observed, 0)
    best = kernel(observed, observed)
    for name, sd in (("nev", 0.03), ("phev", 0.05)):
        for year in range(2):
            moved = {k: v.copy() for k, v in observed.items()}
            moved[name][year] += sd
            assert kernel(moved, observed) - best == pytest.approx(-0.5)
    expected = -np.sum(np.log(np.sqrt(2 * np.pi * variance)))
    assert best == pytest.approx(expected)


def _paths_config_tree(noise: bool) -> dict:
    tree = {"name": "bands", "scenario": "history", "scale": 800, "seeds": [1],
            "fit_years": [2020, 2021], "holdout_years": [2022],
            "parameters": [{"key": "behaviour.vehicle_ev.asc_car", "min": -6.0, "max": 0.0}],
            "targets": [{"name": "nev", "series": "nev_share_retail_passenger",
                         "region": "China", "metric": "nev_share_sales_car", "kind": "flow",
                         "distance": "abs"},
                        {"name": "phev", "series": "phev_share_sales_nev", "region": "China",
                         "metric": "phev_share_sales_expected_nev", "kind": "flow",
                         "distance": "abs"}]}
    if noise:
        tree["abc"] = {"acceptance": "noise_model"}
        for target, sd in zip(tree["targets"], (0.03, 0.05), strict=True):
            target.update(noise_sd=sd, noise_source="test")
    return tree


def test_noise_model_abc_recovers_known_parameters_and_stops_at_the_exact_posterior(tmp_path):
    """Under the noise model the last generation is at temperature 1 (the exact posterior of
    the stated errors), it covers the parameters the observations were simulated from, and a
    finished run asked for more generations adds none."""
    import pyabc

    config = noise_config(synthetic_observed(tmp_path))
    posterior = fit.run_abc(config, tmp_path / "abc.db")
    temperatures = pyabc.History(f"sqlite:///{tmp_path / 'abc.db'}", _id=1
                                 ).get_all_populations()["epsilon"].to_numpy()[1:]
    assert temperatures[-1] == 1.0 and np.all(np.diff(temperatures) < 0)
    summary = fit.posterior_summary(posterior, config).set_index("parameter")
    for key, value in TRUE.items():
        assert summary.loc[key, "p05"] <= value <= summary.loc[key, "p95"], key
    asc = summary.loc["behaviour.vehicle_ev.asc_car"]
    assert asc["p95"] - asc["p05"] < 0.6 * (asc["prior_max"] - asc["prior_min"])
    config.abc["max_generations"] = 6
    again = fit.run_abc(config, tmp_path / "abc.db")
    assert again.equals(posterior)
    assert fit.stored_generations(tmp_path / "abc.db") == len(temperatures)


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t["targets"][1].pop("noise_sd"),
     r"targets\[1\]: field 'noise_sd' is None but \[abc\] acceptance is 'noise_model'; "
     r"allowed: a standard deviation > 0"),
    (lambda t: t["targets"][0].update(noise_source=""),
     r"targets\[0\]: field 'noise_source' is '' .*allowed: the source"),
    (lambda t: t["targets"][0].update(weight=0.5),
     r"targets\[0\]: field 'weight' is 0.5 but .*noise_sd weighs the targets"),
    (lambda t: t["abc"].update(min_epsilon=0.01),
     r"field 'abc.min_epsilon' is 0.01 but .*no tolerance"),
    (lambda t: t["targets"][0].update(noise_sd=-0.03),
     r"noise_sd.*greater than 0"),
    (lambda t: t["abc"].update(acceptance="likelihood"),
     r"acceptance.*'tolerance' or 'noise_model'"),
])
def test_noise_model_config_errors_name_the_field(change, message):
    from abm.params import ParameterError

    tree = _paths_config_tree(noise=True)
    change(tree)
    with pytest.raises(ParameterError, match=message):
        parse_config(tree, "cfg")


def test_under_the_noise_model_the_point_weighs_targets_by_their_errors():
    """Draw 0 is 0.03 off the median PHEV share (σ 0.05: 0.6 σ), draw 1 0.02 off the median
    NEV share (σ 0.03: 0.67 σ), draw 2 further off both. In units of each target's error
    draw 0 is closer; with equal weights (the tolerance mode's default) draw 1 is."""
    m_nev, m_phev = np.array([0.06, 0.15, 0.28]), np.array([0.18, 0.17, 0.22])
    paths = {"nev": np.array([m_nev, m_nev + 0.02, m_nev - 0.05]),
             "phev": np.array([m_phev + 0.03, m_phev, m_phev - 0.05])}
    noise = parse_config(_paths_config_tree(noise=True), "test")
    plain = parse_config(_paths_config_tree(noise=False), "test")
    assert fit.representative(noise, paths) == 0
    assert fit.representative(plain, paths) == 1
    assert [t.weight for t in fit.weighted_targets(noise)] == pytest.approx([1 / 0.03, 1 / 0.05])
    assert [t.weight for t in fit.weighted_targets(plain)] == [1.0, 1.0]


def test_observation_band_adds_the_noise_to_the_draws():
    """Hand cases: one draw at 0.3 with σ 0.03 gives 0.3 ∓ 1.6449·0.03; two equally weighted
    draws 0.2 and 0.4 with a tiny σ give a 5 % quantile at 0.2 and 95 % at 0.4; the noise
    model's bands carry the observation band outside the model band."""
    assert fit.mixture_quantile(np.array([0.3]), np.array([1.0]), 0.03, 0.05) == \
        pytest.approx(0.3 - 1.644854 * 0.03, abs=1e-7)
    assert fit.mixture_quantile(np.array([0.3]), np.array([1.0]), 0.03, 0.95) == \
        pytest.approx(0.3 + 1.644854 * 0.03, abs=1e-7)
    two = np.array([0.2, 0.4]), np.array([0.5, 0.5])
    assert fit.mixture_quantile(*two, 1e-6, 0.05) == pytest.approx(0.2, abs=1e-5)
    assert fit.mixture_quantile(*two, 1e-6, 0.95) == pytest.approx(0.4, abs=1e-5)
    config = parse_config(_paths_config_tree(noise=True), "test")
    paths = {"nev": np.array([[0.1] * 3, [0.2] * 3, [0.3] * 3]),
             "phev": np.array([[0.2] * 3, [0.2] * 3, [0.2] * 3])}
    table = fit.bands(config, paths)
    assert (table["obs_p05"] < table["p05"]).all() and (table["obs_p95"] > table["p95"]).all()
    phev = table[table["target"] == "phev"]
    assert phev["obs_p95"].tolist() == pytest.approx([0.2 + 1.644854 * 0.05] * 3, abs=1e-6)
    assert "obs_p05" not in fit.bands(_paths_config(), {"nev": paths["nev"]})


def test_the_shipped_transport_fit_states_its_errors():
    """The shipped transport config uses the noise model, each error with its reasoning."""
    from calibration.config import load_config

    config = load_config("transport")
    assert config.abc["acceptance"] == "noise_model"
    assert {t.name: t.noise_sd for t in config.targets} == {
        "nev_share_new_cars": 0.03, "phev_share_of_nev_sales": 0.05}
    for target in config.content["targets"]:
        assert target["noise_source"].startswith(("derived:", "assumption:", "published:"))


def test_a_noise_model_run_writes_its_observation_band_and_errors(tmp_path):
    """Through the command line: the predictive table carries the observation band (wider
    than the model band), the report names the acceptance and each target's error, and the
    fit chart is written."""
    path = tiny_config(tmp_path)
    text = path.read_text().replace('distance = "abs"\n', 'distance = "abs"\nnoise_sd = 0.03\n'
                                    'noise_source = "test: 3 points"\n')
    path.write_text(text.replace("[abc]\n", '[abc]\nacceptance = "noise_model"\n'))
    out = tmp_path / "out"
    assert cli(["run", str(path), "--in-process", "--out", str(out)]).code == 0
    folder = out / "tiny"
    table = pd.read_csv(folder / "predictive.csv")
    assert (table["obs_p05"] < table["p05"]).all() and (table["obs_p95"] > table["p95"]).all()
    report = (folder / "report.md").read_text()
    assert "Acceptance: the noise model" in report and "| 0.03 |" in report
    assert (folder / "fit_nev.png").stat().st_size > 0
    shown = cli(["validate", str(path)])
    assert "'acceptance': 'noise_model'" in shown.stdout and "min_epsilon" not in shown.stdout


def test_noise_model_fits_a_series_that_lacks_a_fit_year(tmp_path, monkeypatch):
    """MPS registrations have no 2020 figure: the fit compares 2021 only for that target and
    both years for the other (a run used to stop at its first particle: 2 observations
    against 2 simulated years masked by the already-dropped NaN)."""
    tree = _paths_config_tree(noise=True)
    tree["targets"][0].update(series="nev_share_registrations",
                              metric="nev_share_sales_expected_all")
    tree["scale"] = 2000
    tree["abc"].update(population_size=6, max_generations=1)
    config = parse_config(tree, "test")
    has = fit.observed_years(config)
    assert has["nev"].tolist() == [False, True] and has["phev"].tolist() == [True, True]
    observed, variance = fit.noise_model(config)
    assert [v.size for v in observed.values()] == [1, 2] and variance.size == 3
    monkeypatch.setattr(fit, "_abc_model", lambda task, keys, parameter: {
        "nev": np.array([0.1, 0.2]), "phev": np.array([0.3, 0.4])})
    shown = fit._observed_only(has, None, {}, None)
    assert shown["nev"].tolist() == [0.2] and shown["phev"].tolist() == [0.3, 0.4]
    monkeypatch.undo()
    posterior = fit.run_abc(config, tmp_path / "abc.db")
    assert len(posterior) == 6 and posterior["weight"].sum() == pytest.approx(1.0)
