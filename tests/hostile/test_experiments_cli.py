"""Hostile input to ``python -m experiments run|validate|report``: refused cleanly, no trace left.

Every case asserts, through the harness (:mod:`tests.hostile.conftest`): exit code 2, a message
naming the field (and the value where sensible), no traceback, and no file created or changed
in the working folder or the repository. ``run`` cases use ``--runner inprocess``: a refusal
must come before the results folder is created, so nothing runs and nothing is written.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from experiments.__main__ import main

# The harness's helpers, loaded from its file (tests/ is not a package).
_spec = importlib.util.spec_from_file_location("hostile_harness",
                                               Path(__file__).with_name("conftest.py"))
assert _spec is not None and _spec.loader is not None
_harness = sys.modules.setdefault("hostile_harness", importlib.util.module_from_spec(_spec))
if not hasattr(_harness, "call"):
    _spec.loader.exec_module(_harness)
assert_refused, call = _harness.assert_refused, _harness.call

VALID = """\
name = "ok"
scenarios = ["baseline"]
seeds = [1]
scale = 3000
end_year = 2030
"""

LEVER = """
[[levers]]
name = "grid"
parameter = "grid.decline_after_2023"
"""

# (case id, file content, names the message must contain)
FILES: list[tuple[str, str, tuple[str, ...]]] = [
    # ---- int / year fields given inf, nan, fractions, text, booleans or out of range
    ("end_year_inf", VALID.replace("end_year = 2030", "end_year = inf"), ("end_year", "inf")),
    ("end_year_nan", VALID.replace("end_year = 2030", "end_year = nan"), ("end_year", "nan")),
    ("end_year_fraction", VALID.replace("end_year = 2030", "end_year = 2030.5"),
     ("end_year", "2030.5")),
    ("end_year_text", VALID.replace("end_year = 2030", 'end_year = "2030"'),
     ("end_year", "'2030'")),
    ("end_year_bool", VALID.replace("end_year = 2030", "end_year = true"),
     ("end_year", "true")),
    ("end_year_too_early", VALID.replace("end_year = 2030", "end_year = 2019"),
     ("end_year", "2019")),
    ("end_year_too_late", VALID.replace("end_year = 2030", "end_year = 2061"),
     ("end_year", "2061")),
    ("scale_inf", VALID.replace("scale = 3000", "scale = inf"), ("scale", "inf")),
    ("scale_nan", VALID.replace("scale = 3000", "scale = nan"), ("scale", "nan")),
    ("scale_zero", VALID.replace("scale = 3000", "scale = 0"), ("scale", "0")),
    ("scale_negative", VALID.replace("scale = 3000", "scale = -5"), ("scale", "-5")),
    ("seeds_negative_count", VALID.replace("seeds = [1]", "seeds = -1"), ("seeds", "-1")),
    ("seeds_zero_count", VALID.replace("seeds = [1]", "seeds = 0"), ("seeds", "0")),
    ("seeds_inf", VALID.replace("seeds = [1]", "seeds = inf"), ("seeds", "inf")),
    ("seeds_negative", VALID.replace("seeds = [1]", "seeds = [-1]"), ("seeds", "-1")),
    ("seeds_too_large", VALID.replace("seeds = [1]", "seeds = [2147483648]"),
     ("seeds", "2147483648")),
    ("seeds_fraction", VALID.replace("seeds = [1]", "seeds = [1.5]"), ("seeds", "1.5")),
    ("seeds_empty", VALID.replace("seeds = [1]", "seeds = []"), ("seeds",)),
    ("seeds_repeat", VALID.replace("seeds = [1]", "seeds = [1, 1]"), ("seeds", "repeats")),
    ("seeds_huge_count", VALID.replace("seeds = [1]", "seeds = 100000"), ("seeds", "100000")),
    # ---- scenarios
    ("scenarios_empty", VALID.replace('scenarios = ["baseline"]', "scenarios = []"),
     ("scenarios",)),
    ("scenarios_unknown", VALID.replace('"baseline"', '"nowhere"'), ("scenarios", "nowhere")),
    ("scenarios_repeat", VALID.replace('"baseline"', '"baseline", "baseline"'),
     ("scenarios", "repeats")),
    ("scenarios_not_list", VALID.replace('["baseline"]', '"baseline"'), ("scenarios",)),
    ("scenarios_dot", VALID.replace('"baseline"', '"."'), ("scenarios", "'.'")),
    ("scenarios_missing_file", VALID.replace('"baseline"', '"no_such_file.toml"'),
     ("scenarios", "no_such_file.toml")),
    ("scenarios_folder_file", VALID.replace('"baseline"', '"folder.toml"'),
     ("scenarios", "folder")),
    ("scenarios_number", VALID.replace('["baseline"]', "[7]"), ("scenarios", "7")),
    # ---- names that would leave the output folder, or are not names
    ("name_absolute", VALID.replace('name = "ok"', 'name = "/tmp/x"'), ("name", "/tmp/x")),
    ("name_parent", VALID.replace('name = "ok"', 'name = "../../x"'), ("name", "../../x")),
    ("name_newline", VALID.replace('name = "ok"', 'name = "a\\nb"'), ("name", "\\n")),
    ("name_quote", VALID.replace('name = "ok"', "name = 'q\"q'"), ("name",)),
    ("name_empty", VALID.replace('name = "ok"', 'name = ""'), ("name",)),
    ("name_missing", VALID.replace('name = "ok"\n', ""), ("name", "missing")),
    ("name_dotdot", VALID.replace('name = "ok"', 'name = ".."'), ("name", "'..'")),
    # ---- unknown keys and wrong kinds of value
    ("unknown_top", VALID + 'colour = "red"\n', ("colour",)),
    ("description_number", VALID + "description = 5\n", ("description", "5")),
    ("design_not_table", VALID + "design = 5\n", ("design", "5")),
    ("levers_not_array", VALID + "levers = 5\n", ("levers", "5")),
    ("design_unknown_key", VALID + "[design]\ncolour = 1\n", ("design.colour",)),
    ("design_method_unknown", VALID + '[design]\nmethod = "factorial"\n',
     ("design.method", "factorial")),
    # ---- design sizes and fields that do not belong to the method
    ("design_n_for_grid", VALID + "[design]\nn = 10\n", ("design.n", "10")),
    ("design_n_inf", VALID + '[design]\nmethod = "lhs"\nn = inf\n' + LEVER
     + "min = 0.02\nmax = 0.05\n", ("design.n", "inf")),
    ("design_n_nan", VALID + '[design]\nmethod = "lhs"\nn = nan\n' + LEVER
     + "min = 0.02\nmax = 0.05\n", ("design.n", "nan")),
    ("design_n_zero", VALID + '[design]\nmethod = "lhs"\nn = 0\n' + LEVER
     + "min = 0.02\nmax = 0.05\n", ("design.n", "0")),
    ("design_n_fraction", VALID + '[design]\nmethod = "lhs"\nn = 2.5\n' + LEVER
     + "min = 0.02\nmax = 0.05\n", ("design.n", "2.5")),
    ("design_n_missing", VALID + '[design]\nmethod = "lhs"\n' + LEVER
     + "min = 0.02\nmax = 0.05\n", ("design.n", "missing")),
    ("design_sobol_not_power", VALID + '[design]\nmethod = "sobol"\nn = 12\n' + LEVER
     + "min = 0.02\nmax = 0.05\n", ("design.n", "12", "power of 2")),
    ("design_million_lhs", VALID + '[design]\nmethod = "lhs"\nn = 1000000\n' + LEVER
     + "min = 0.02\nmax = 0.05\n", ("design.n", "1,000,000 runs")),
    ("design_huge_grid", VALID.replace("seeds = [1]", "seeds = 10000")
     + "[uncertainty]\nsamples = 100\n[uncertainty.parameters]\n"
       '"economy.industry_growth" = [0.03, 0.07]\n', ("1,000,000 runs", "seeds")),
    ("design_seed_negative", VALID + "[design]\nseed = -1\n", ("design.seed", "-1")),
    ("design_seed_inf", VALID + "[design]\nseed = inf\n", ("design.seed", "inf")),
    ("design_num_levels_grid", VALID + "[design]\nnum_levels = 4\n", ("design.num_levels",)),
    ("design_all_levers_grid", VALID + "[design]\nall_levers = true\n",
     ("design.all_levers",)),
    # ---- levers
    ("lever_start_inf", VALID + LEVER.replace("parameter = \"grid.decline_after_2023\"",
                                              'policy = "pv_subsidy"\ngroup = "household"')
     + "start = inf\nend = 2030\nvalues = [1.0]\n", ("start", "inf")),
    ("lever_start_fraction", VALID + '[[levers]]\nname = "pv"\npolicy = "pv_subsidy"\n'
     'group = "household"\nstart = 2023.5\nend = 2030\nvalues = [1.0]\n', ("start", "2023.5")),
    ("lever_start_without_end", VALID + '[[levers]]\nname = "pv"\npolicy = "pv_subsidy"\n'
     'group = "household"\nstart = 2023\nvalues = [1.0]\n', ("start", "end")),
    ("lever_end_before_start", VALID + '[[levers]]\nname = "pv"\npolicy = "pv_subsidy"\n'
     'group = "household"\nstart = 2028\nend = 2023\nvalues = [1.0]\n', ("end", "2023")),
    ("lever_start_1900", VALID + '[[levers]]\nname = "pv"\npolicy = "pv_subsidy"\n'
     'group = "household"\nstart = 1900\nend = 2030\nvalues = [1.0]\n', ("start", "1900")),
    ("lever_values_empty", VALID + LEVER + "values = []\n", ("values",)),
    ("lever_values_nan", VALID + LEVER + "values = [nan]\n", ("values", "nan")),
    ("lever_values_text", VALID + LEVER + 'values = ["a"]\n', ("values", "'a'")),
    ("lever_values_repeat", VALID + LEVER + "values = [0.03, 0.03]\n", ("values", "repeats")),
    ("lever_values_out_of_range", VALID + LEVER + "values = [5.0]\n", ("values", "5.0")),
    ("lever_int_fraction", VALID + '[[levers]]\nname = "deg"\n'
     'parameter = "behaviour.network_degree"\nvalues = [8.5]\n', ("values", "8.5", "integer")),
    ("lever_minmax_for_grid", VALID + LEVER + "min = 0.02\nmax = 0.05\n", ("min", "values")),
    ("lever_values_for_lhs", VALID + '[design]\nmethod = "lhs"\nn = 4\n' + LEVER
     + "values = [0.03]\n", ("min", "max")),
    ("lever_max_below_min", VALID + '[design]\nmethod = "lhs"\nn = 4\n' + LEVER
     + "min = 0.05\nmax = 0.02\n", ("max", "0.02")),
    ("lever_duplicate_names", VALID + LEVER + "values = [0.03]\n"
     + LEVER.replace('parameter = "grid.decline_after_2023"',
                     'parameter = "economy.industry_growth"') + "values = [0.05]\n",
     ("levers", "repeat")),
    ("lever_same_parameter_twice", VALID + LEVER + "values = [0.03]\n"
     + LEVER.replace('name = "grid"', 'name = "grid2"') + "values = [0.04]\n",
     ("levers", "grid.decline_after_2023")),
    ("lever_unknown_parameter", VALID + '[[levers]]\nname = "x"\nparameter = "economy.nope"\n'
     "values = [0.1]\n", ("parameter", "economy.nope")),
    ("lever_unknown_policy", VALID + '[[levers]]\nname = "x"\npolicy = "free_lunch"\n'
     "values = [1.0]\n", ("policy", "free_lunch")),
    ("lever_both_kinds", VALID + LEVER + 'policy = "carbon_price"\nvalues = [0.03]\n',
     ("parameter", "policy")),
    ("lever_unknown_key", VALID + LEVER + "values = [0.03]\ncolour = 1\n", ("colour",)),
    ("lever_bad_mode", VALID + '[[levers]]\nname = "cp"\npolicy = "carbon_price"\n'
     'mode = "double"\nvalues = [1.0]\n', ("mode", "double")),
    ("lever_reason_on_policy", VALID + '[[levers]]\nname = "cp"\npolicy = "carbon_price"\n'
     'values = [1.0]\noutside_posterior = "because"\n', ("outside_posterior", "cp")),
    ("lever_reason_uncalibrated", VALID + LEVER + 'values = [0.03]\noutside_posterior = "x"\n',
     ("outside_posterior", "grid.decline_after_2023")),
    ("uncertain_reason_empty", VALID + "[uncertainty]\nsamples = 2\n[uncertainty.parameters]\n"
     '"tech.vehicle_premium_decline" = { range = [0.05, 0.15], outside_posterior = "" }\n',
     ("outside_posterior", "tech.vehicle_premium_decline")),
    ("name_leading_dash", VALID.replace('name = "ok"', 'name = "-ok"'), ("name", "-ok")),
    ("end_year_date", VALID.replace("end_year = 2030", "end_year = 2030-01-01"),
     ("end_year", "2030")),
    ("lever_name_missing", VALID + "[[levers]]\nparameter = \"grid.decline_after_2023\"\n"
     "values = [0.03]\n", ("levers[0].name", "missing")),
    ("lever_not_table", VALID + "levers = [5]\n", ("levers[0]", "5")),
    ("seeds_text", VALID.replace("seeds = [1]", 'seeds = "many"'), ("seeds", "'many'")),
    ("lever_name_path", VALID + '[[levers]]\nname = "../x"\npolicy = "carbon_price"\n'
     "values = [1.0]\n", ("name", "../x")),
    # ---- uncertainty
    ("uncertain_samples_inf", VALID + "[uncertainty]\nsamples = inf\n",
     ("uncertainty.samples", "inf")),
    ("uncertain_samples_negative", VALID + "[uncertainty]\nsamples = -1\n",
     ("uncertainty.samples", "-1")),
    ("uncertain_samples_without_parameters", VALID + "[uncertainty]\nsamples = 3\n",
     ("uncertainty.samples", "3")),
    ("uncertain_parameters_without_samples", VALID + "[uncertainty.parameters]\n"
     '"economy.industry_growth" = [0.03, 0.07]\n', ("uncertainty.samples",)),
    ("uncertain_unknown_parameter", VALID + "[uncertainty]\nsamples = 2\n"
     '[uncertainty.parameters]\n"economy.nope" = [0.0, 1.0]\n', ("economy.nope",)),
    ("uncertain_reversed", VALID + "[uncertainty]\nsamples = 2\n[uncertainty.parameters]\n"
     '"economy.industry_growth" = [0.07, 0.03]\n', ("economy.industry_growth", "0.03")),
    ("uncertain_nan", VALID + "[uncertainty]\nsamples = 2\n[uncertainty.parameters]\n"
     '"economy.industry_growth" = [nan, 0.07]\n', ("economy.industry_growth", "nan")),
    ("uncertain_one_bound", VALID + "[uncertainty]\nsamples = 2\n[uncertainty.parameters]\n"
     '"economy.industry_growth" = [0.03]\n', ("economy.industry_growth",)),
    ("uncertain_outside_posterior", VALID + "[uncertainty]\nsamples = 2\n"
     '[uncertainty.parameters]\n"behaviour.vehicle_ev.beta_econ" = [0.5, 3.0]\n',
     ("behaviour.vehicle_ev.beta_econ", "[0.5, 3]", "outside_posterior")),
    ("posterior_unknown_fit", VALID + '[uncertainty]\nsamples = 2\nposterior = ["nowhere"]\n',
     ("uncertainty.posterior", "nowhere", "transport")),
    ("posterior_not_a_list", VALID + '[uncertainty]\nsamples = 2\nposterior = "transport"\n',
     ("uncertainty.posterior", "transport")),
    ("posterior_sampled_design", VALID + '[design]\nmethod = "lhs"\nn = 4\n'
     '[uncertainty]\nposterior = ["transport"]\n', ("uncertainty.posterior", "lhs")),
    # ---- outputs and series
    ("output_after_end_year", VALID + 'outputs = ["co2_total@2040"]\n',
     ("outputs", "co2_total@2040", "2030")),
    ("output_2030_in_short_run", VALID.replace("end_year = 2030", "end_year = 2025")
     + 'outputs = ["co2_2030_mt"]\n', ("outputs", "co2_2030_mt", "2025")),
    ("output_unknown", VALID + 'outputs = ["happiness"]\n', ("outputs", "happiness")),
    ("output_empty", VALID + "outputs = []\n", ("outputs",)),
    ("output_fullwidth_year", VALID + 'outputs = ["co2_total@２０３０"]\n',
     ("outputs", "co2_total@")),
    ("series_unknown", VALID + 'series = ["nope"]\n', ("series", "nope")),
    ("output_repeat", VALID + 'outputs = ["peak_year", "peak_year"]\n', ("outputs", "repeats")),
    ("output_year_text", VALID + 'outputs = ["co2_total@soon"]\n', ("outputs", "soon")),
    ("output_before_start", VALID + 'outputs = ["co2_total@2019"]\n', ("outputs", "2019")),
    ("series_not_list", VALID + 'series = "co2_total"\n', ("series", "co2_total")),
]

COMMANDS = ("validate", "run", "report")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    """Every bad input file, written before any case snapshots its folders."""
    folder = tmp_path_factory.mktemp("hostile_experiments")
    for case, text, _ in FILES:
        (folder / f"{case}.toml").write_text(text, encoding="utf-8")
    (folder / "folder.toml").mkdir()
    (folder / "valid.toml").write_text(VALID, encoding="utf-8")
    (folder / "a_folder").mkdir()
    (folder / "not_utf8.toml").write_bytes(VALID.encode() + b'description = "\xff\xfe"\n')
    (folder / "huge.toml").write_text(VALID + "#" * 2_000_000 + "\n", encoding="utf-8")
    (folder / "deep.toml").write_text(VALID + "x = " + "[" * 5000 + "]" * 5000 + "\n")
    (folder / "deep_tables.toml").write_text(VALID + "[uncertainty.parameters]\n"
                                             + "a." * 40 + "b = [0, 1]\n")
    (folder / "not_toml.toml").write_text("name = \n")
    (folder / "an_existing_file").write_text("x")
    os.mkfifo(folder / "fifo.toml")
    return folder


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(("case", "names"), [(c, n) for c, _, n in FILES],
                         ids=[c for c, _, _ in FILES])
def test_bad_experiment_file(files, unchanged, command, case, names):
    argv = [command, str(files / f"{case}.toml")]
    if command == "run":
        argv += ["--runner", "inprocess", "--no-progress"]
    assert_refused(call(main, argv), *names)


# (case id, argv with {files} for the folder of bad files, names)
ARGS: list[tuple[str, list[str], tuple[str, ...]]] = [
    ("workers_negative", ["run", "{files}/valid.toml", "--workers", "-1"], ("--workers", "-1")),
    ("workers_zero", ["run", "{files}/valid.toml", "--workers", "0"], ("--workers", "0")),
    ("workers_huge", ["run", "{files}/valid.toml", "--workers", "100000"],
     ("--workers", "100000")),
    ("workers_inf", ["run", "{files}/valid.toml", "--workers", "inf"], ("--workers", "inf")),
    ("workers_inprocess", ["run", "{files}/valid.toml", "--runner", "inprocess",
                           "--workers", "2"], ("--workers", "inprocess")),
    ("scheduler_with_inprocess", ["run", "{files}/valid.toml", "--runner", "inprocess",
                                  "--scheduler", "tcp://127.0.0.1:1"], ("--scheduler",)),
    ("workers_with_scheduler", ["run", "{files}/valid.toml", "--scheduler",
                                "tcp://127.0.0.1:1", "--workers", "2"], ("--workers",)),
    ("max_runs_negative", ["run", "{files}/valid.toml", "--runner", "inprocess",
                           "--max-runs", "-1"], ("--max-runs", "-1")),
    ("max_runs_zero", ["run", "{files}/valid.toml", "--runner", "inprocess",
                       "--max-runs", "0"], ("--max-runs", "0")),
    ("max_runs_nan", ["run", "{files}/valid.toml", "--max-runs", "nan"], ("--max-runs", "nan")),
    ("runner_unknown", ["run", "{files}/valid.toml", "--runner", "cloud"], ("--runner", "cloud")),
    ("out_is_file", ["run", "{files}/valid.toml", "--runner", "inprocess", "--out",
                     "{files}/an_existing_file"], ("--out", "an_existing_file")),
    ("out_under_file", ["run", "{files}/valid.toml", "--runner", "inprocess", "--out",
                        "/dev/null/results"], ("--out", "/dev/null")),
    ("out_unwritable", ["run", "{files}/valid.toml", "--runner", "inprocess", "--out",
                        "/proc/self/results"], ("--out", "/proc/self")),
    ("out_cannot_create", ["run", "{files}/valid.toml", "--runner", "inprocess", "--out",
                           "/proc/results_here"], ("--out", "/proc/results_here")),
    ("out_empty", ["run", "{files}/valid.toml", "--runner", "inprocess", "--out", ""],
     ("--out",)),
    ("report_out_is_file", ["report", "{files}/valid.toml", "--out",
                            "{files}/an_existing_file"], ("--out", "an_existing_file")),
    ("scheduler_malformed", ["run", "{files}/valid.toml", "--scheduler", "my-laptop"],
     ("--scheduler", "my-laptop")),
    ("scheduler_bad_port", ["run", "{files}/valid.toml", "--scheduler", "tcp://host:99999"],
     ("--scheduler", "99999")),
    ("scheduler_unreachable", ["run", "{files}/valid.toml", "--scheduler",
                               "tcp://127.0.0.1:1"], ("--scheduler", "tcp://127.0.0.1:1")),
    ("run_folder", ["run", "{files}/a_folder", "--runner", "inprocess"], ("a_folder", "folder")),
    ("validate_folder", ["validate", "{files}/a_folder"], ("a_folder", "folder")),
    ("report_folder", ["report", "{files}/a_folder"], ("a_folder", "folder")),
    ("run_dev_zero", ["run", "/dev/zero", "--runner", "inprocess"], ("/dev/zero",)),
    ("validate_dev_zero", ["validate", "/dev/zero"], ("/dev/zero", "regular file")),
    ("validate_fifo", ["validate", "{files}/fifo.toml"], ("fifo.toml", "regular file")),
    ("validate_huge", ["validate", "{files}/huge.toml"], ("huge.toml", "bytes")),
    ("run_huge", ["run", "{files}/huge.toml", "--runner", "inprocess"], ("huge.toml", "bytes")),
    ("validate_not_utf8", ["validate", "{files}/not_utf8.toml"], ("not_utf8.toml", "UTF-8")),
    ("report_not_utf8", ["report", "{files}/not_utf8.toml"], ("not_utf8.toml", "UTF-8")),
    ("validate_deep_arrays", ["validate", "{files}/deep.toml"], ("deep.toml", "nested")),
    ("run_deep_arrays", ["run", "{files}/deep.toml", "--runner", "inprocess"],
     ("deep.toml", "nested")),
    ("validate_deep_tables", ["validate", "{files}/deep_tables.toml"],
     ("deep_tables.toml", "nested")),
    ("validate_not_toml", ["validate", "{files}/not_toml.toml"], ("not_toml.toml", "TOML")),
    ("validate_missing", ["validate", "{files}/missing.toml"], ("missing.toml", "not found")),
    ("run_unknown_name", ["run", "no_such_experiment", "--runner", "inprocess"],
     ("no_such_experiment", "not found")),
    ("report_unknown_name", ["report", "no_such_experiment"], ("no_such_experiment",)),
    ("validate_empty_name", ["validate", ""], ("experiment file",)),
    ("validate_second_file_bad", ["validate", "{files}/valid.toml", "{files}/seeds_inf.toml"],
     ("seeds", "inf")),
]


@pytest.mark.parametrize(("argv", "names"), [(a, n) for _, a, n in ARGS],
                         ids=[c for c, _, _ in ARGS])
def test_bad_arguments(files, unchanged, argv, names):
    argv = [a.replace("{files}", str(files)) for a in argv]
    assert_refused(call(main, argv), *names)


def test_many_workers_are_allowed_with_a_warning(monkeypatch, caplog):
    """``--workers 20`` on a two-CPU machine warns (once) when the cluster starts, and runs."""
    import distributed

    from experiments.runners import DaskRunner, make_runner

    started = {}

    class FakeCluster:
        def __init__(self, **kwargs):
            started.update(kwargs)

        def close(self):
            pass

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(distributed, "LocalCluster", FakeCluster)
    monkeypatch.setattr(distributed, "Client", lambda cluster: type(
        "FakeClient", (), {"close": lambda self: None})())
    runner = make_runner("local", workers=20)
    assert isinstance(runner, DaskRunner) and runner.n_workers == 20
    with caplog.at_level("WARNING", logger="experiments"), runner:
        pass
    assert started["n_workers"] == 20 and started["host"] == "127.0.0.1"
    assert caplog.text.count("--workers 20 is more than the 2 CPUs") == 1


def test_the_suite_is_large_enough():
    assert len(FILES) * len(COMMANDS) + len(ARGS) >= 70
