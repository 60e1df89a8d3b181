"""Hostile input to ``python -m abm``: every case is refused before anything is simulated.

Each case calls :func:`abm.cli.main` in-process and asserts, through the harness: exit code 2,
a message naming the field (and the value where it helps), no traceback, and no file created,
changed or deleted (``unchanged``). The bad input files live in a separate folder made once
per session, so they exist before the working folder is snapshotted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import assert_refused, call

from abm import cli
from abm.files import MAX_TOML_BYTES, folder_lock

PV = 'kind = "pv_subsidy"\ngroup = "household"\nlevel = 0.3\nstart = 2023\nend = 2027\n'
"""A valid policy table; cases change one field of it."""


def _policy(**change: str) -> str:
    fields = dict(line.split(" = ", 1) for line in PV.strip().splitlines())
    fields.update(change)
    return 'name = "x"\n[[policies]]\n' + "".join(f"{k} = {v}\n" for k, v in fields.items()
                                                  if v != "DROP")


FILES: dict[str, str | bytes] = {
    # the top level of a scenario file
    "empty.toml": "",
    "comments_only.toml": "# nothing here\n",
    "broken.toml": "name = \n",
    "unknown_key.toml": 'name = "x"\ncolour = "red"\n',
    "policies_ints.toml": 'name = "x"\npolicies = [1, 2]\n',
    "policies_text.toml": 'name = "x"\npolicies = "x"\n',
    "policies_table.toml": 'name = "x"\n[policies]\nkind = "pv_subsidy"\n',
    "parameters_int.toml": 'name = "x"\nparameters = 3\n',
    "parameters_array.toml": 'name = "x"\nparameters = [1]\n',
    "include_text.toml": 'name = "x"\ninclude = "x"\n',
    "include_ints.toml": 'name = "x"\ninclude = [1]\n',
    "description_int.toml": 'name = "x"\ndescription = 5\n',
    "name_int.toml": "name = 3\n",
    "name_empty.toml": 'name = ""\n',
    "name_blank.toml": 'name = "   "\n',
    "name_dots.toml": 'name = "../.."\n',
    "name_slashes.toml": 'name = "///"\n',
    "name_newline.toml": 'name = "a\\nb"\n',
    "name_nul.toml": 'name = "a\\u0000b"\n',
    "name_long.toml": f'name = "{"n" * 300}"\n',
    "name_array.toml": 'name = ["a"]\n',
    "latin1.toml": b'name = "caf\xe9"\n',
    "huge.toml": 'name = "x"\n' + "#" * (MAX_TOML_BYTES + 10) + "\n",
    "deep_tables.toml": "x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n",
    "deep_arrays.toml": 'name = "x"\npolicies = ' + "[" * 3000 + "]" * 3000 + "\n",
    "deep_dotted.toml": 'name = "x"\n[parameters]\n' + ".".join(["a"] * 60) + " = 1\n",
    # parameters
    "param_unknown.toml": 'name = "x"\n[parameters]\n"economy.industry_grwoth" = 0.05\n',
    "param_text.toml": 'name = "x"\n[parameters]\n"tech.pv_yield" = "high"\n',
    "param_bool.toml": 'name = "x"\n[parameters]\n"tech.pv_yield" = true\n',
    "param_array.toml": 'name = "x"\n[parameters]\n"tech.pv_yield" = [1000]\n',
    "param_int_inf.toml": 'name = "x"\n[parameters]\n"behaviour.network_degree" = inf\n',
    "param_int_nan.toml": 'name = "x"\n[parameters]\n"behaviour.network_degree" = nan\n',
    "param_int_fraction.toml": 'name = "x"\n[parameters]\n"behaviour.network_degree" = 6.5\n',
    "param_int_huge.toml": ('name = "x"\n[parameters]\n'
                            '"behaviour.network_degree" = 9223372036854775807\n'),
    "param_float_nan.toml": 'name = "x"\n[parameters]\n"economy.industry_growth" = nan\n',
    "param_float_inf.toml": 'name = "x"\n[parameters]\n"economy.industry_growth" = -inf\n',
    "param_out_of_range.toml": 'name = "x"\n[parameters]\n"economy.industry_growth" = 0.5\n',
    "param_section_number.toml": 'name = "x"\n[parameters]\neconomy = 3\n',
    "param_start_year_inf.toml": 'name = "x"\n[parameters]\n"run.start_year" = inf\n',
    "start_2025.toml": 'name = "late"\n[parameters]\n"run.start_year" = 2025\n',
    # policies
    "policy_start_inf.toml": _policy(start="inf"),
    "policy_start_nan.toml": _policy(start="nan"),
    "policy_end_nan.toml": _policy(end="nan"),
    "policy_start_fraction.toml": _policy(start="2023.5"),
    "policy_start_float.toml": _policy(start="2023.0"),
    "policy_start_text.toml": _policy(start='"2023"'),
    "policy_start_bool.toml": _policy(start="true"),
    "policy_start_huge.toml": _policy(start="9223372036854775807"),
    "policy_start_early.toml": _policy(start="1999"),
    "policy_end_missing.toml": _policy(end="DROP"),
    "policy_end_before_start.toml": _policy(start="2027", end="2023"),
    "policy_level_nan.toml": _policy(level="nan"),
    "policy_level_inf.toml": _policy(level="inf"),
    "policy_level_negative.toml": _policy(level="-0.1"),
    "policy_level_text.toml": _policy(level='"high"'),
    "policy_level_bool.toml": _policy(level="true"),
    "policy_level_missing.toml": _policy(level="DROP"),
    "policy_level_huge.toml": _policy(level="1e309"),
    "policy_group_bad.toml": _policy(group='"cats"'),
    "policy_group_missing.toml": _policy(group="DROP"),
    "policy_kind_unknown.toml": _policy(kind='"solar_magic"'),
    "policy_kind_array.toml": _policy(kind='["pv_subsidy"]'),
    "policy_kind_missing.toml": _policy(kind="DROP"),
    "policy_unknown_field.toml": _policy(colour='"red"'),
    "policy_why_int.toml": _policy(why="3"),
    "policy_overlap.toml": _policy() + "[[policies]]\n" + PV.replace("0.3", "0.5"),
    # includes
    "include_dir.toml": 'name = "x"\ninclude = ["somedir"]\n',
    "include_devzero.toml": 'name = "x"\ninclude = ["/dev/zero"]\n',
    "include_huge.toml": 'name = "x"\ninclude = ["huge.toml"]\n',
    "include_latin1.toml": 'name = "x"\ninclude = ["latin1.toml"]\n',
    "include_missing.toml": 'name = "x"\ninclude = ["nowhere.toml"]\n',
    "include_nul.toml": 'name = "x"\ninclude = ["a\\u0000b.toml"]\n',
    "include_empty_path.toml": 'name = "x"\ninclude = [""]\n',
    "include_policies.toml": 'name = "x"\ninclude = ["policy_overlap.toml"]\n',
    "include_params_int.toml": 'name = "x"\ninclude = ["params_int.toml"]\n',
    "params_int.toml": "parameters = 3\n",
    "include_unknown_param.toml": 'name = "x"\ninclude = ["param_unknown_only.toml"]\n',
    "param_unknown_only.toml": '[parameters]\n"grid.nothing" = 1\n',
    "include_not_toml.toml": 'name = "x"\ninclude = ["notes.txt"]\n',
    "notes.txt": "this is not TOML {\n",
    # two files with the same scenario name
    "same_a.toml": 'name = "same"\n',
    "same_b.toml": 'name = "same"\n',
    "same_c.toml": 'name = "same."\n',
}


@pytest.fixture(scope="session")
def bad(tmp_path_factory) -> Path:
    """The folder of bad input files (outside every case's working folder)."""
    folder = tmp_path_factory.mktemp("bad_inputs")
    for name, content in FILES.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    (folder / "somedir").mkdir()
    (folder / "dir.toml").mkdir()
    (folder / "a_file").write_text("not a folder\n")
    return folder


@pytest.fixture(autouse=True)
def no_simulation(monkeypatch):
    """A refused run must never reach the simulation."""
    def refuse(*args, **kwargs):
        raise AssertionError("simulate() was called for refused input")
    monkeypatch.setattr(cli, "simulate", refuse)


RUN = ["run", "--scale", "5000", "--end-year", "2020", "--no-charts", "--out", "out"]
"""A cheap run; a case's own options come after these and win."""


def scenario(name: str) -> list[str]:
    """``run --scenario <bad file>`` (the file in the bad-input folder)."""
    return [*RUN, "--scenario", f"{{bad}}/{name}"]


CASES: list[tuple[str, list[str], tuple[str, ...]]] = [
    # command-line options
    ("seed_nan", [*RUN, "--seed", "nan"], ("--seed", "nan")),
    ("seed_fraction", [*RUN, "--seed", "1.5"], ("--seed", "1.5")),
    ("seed_exponent", [*RUN, "--seed", "1e3"], ("--seed", "1e3")),
    ("seed_negative", [*RUN, "--seed", "-1"], ("--seed", "-1")),
    ("seed_int64_overflow", [*RUN, "--seed", str(2**63)], ("--seed", str(2**63))),
    ("seed_huge", [*RUN, "--seed", "9" * 40], ("--seed", "out of range")),
    ("seed_empty", [*RUN, "--seed", ""], ("--seed",)),
    ("scale_nan", [*RUN, "--scale", "nan"], ("--scale", "nan")),
    ("scale_inf", [*RUN, "--scale", "inf"], ("--scale", "inf")),
    ("scale_minus_inf", [*RUN, "--scale=-inf"], ("--scale", "inf")),
    ("scale_1e309", [*RUN, "--scale", "1e309"], ("--scale", "inf")),
    ("scale_zero", [*RUN, "--scale", "0"], ("--scale", "out of range")),
    ("scale_too_big", [*RUN, "--scale", "100001"], ("--scale", "100001")),
    ("scale_text", [*RUN, "--scale", "big"], ("--scale", "big")),
    ("end_year_nan", [*RUN, "--end-year", "nan"], ("--end-year", "nan")),
    ("end_year_inf", [*RUN, "--end-year", "inf"], ("--end-year", "inf")),
    ("end_year_1e309", [*RUN, "--end-year", "1e309"], ("--end-year", "1e309")),
    ("end_year_fraction", [*RUN, "--end-year", "2030.5"], ("--end-year", "2030.5")),
    ("end_year_early", [*RUN, "--end-year", "2019"], ("--end-year", "2019")),
    ("end_year_late", [*RUN, "--end-year", "2061"], ("--end-year", "2061")),
    ("end_year_before_scenario_start", [*scenario("start_2025.toml"), "--end-year", "2021"],
     ("--end-year", "2021", "run.start_year")),
    ("engine_unknown", [*RUN, "--engine", "gpu"], ("--engine", "gpu")),
    ("baseline_not_run", [*RUN, "--baseline", "history"], ("--baseline", "history",
                                                           "'baseline'", "'plan'")),
    ("baseline_alone", [*RUN, "--scenario", "plan", "--baseline", "plan"],
     ("--baseline", "plan", "only scenario")),
    ("baseline_empty", [*RUN, "--baseline", ""], ("--baseline", "''")),
    ("set_int_nan", [*RUN, "--set", "behaviour.network_degree=nan"],
     ("--set", "behaviour.network_degree", "nan")),
    ("set_int_inf", [*RUN, "--set", "behaviour.network_degree=inf"],
     ("--set", "behaviour.network_degree", "inf")),
    ("set_float_nan", [*RUN, "--set", "economy.industry_growth=nan"],
     ("--set", "economy.industry_growth", "nan")),
    ("set_float_1e309", [*RUN, "--set", "economy.industry_growth=1e309"],
     ("--set", "economy.industry_growth", "inf")),
    ("set_int_fraction", [*RUN, "--set", "behaviour.network_degree=6.5"],
     ("--set", "behaviour.network_degree", "6.5")),
    ("set_out_of_range", [*RUN, "--set", "economy.industry_growth=0.5"],
     ("--set", "economy.industry_growth", "0.5")),
    ("set_unknown_key", [*RUN, "--set", "economy.industry_grwoth=0.05"],
     ("--set", "economy.industry_grwoth")),
    ("set_empty_key", [*RUN, "--set", "=1"], ("--set", "unknown parameter ''")),
    ("set_text", [*RUN, "--set", "economy.industry_growth=fast"],
     ("--set", "economy.industry_growth", "fast")),
    ("set_no_equals", [*RUN, "--set", "economy.industry_growth"],
     ("--set", "KEY=VALUE")),
    ("set_bad_after_good_scenario", [*RUN, "--scenario", "baseline", "--set", "nokey=1"],
     ("--set", "nokey")),
    ("out_is_file", [*RUN, "--out", "{bad}/a_file"], ("--out", "a_file", "not a folder")),
    ("out_under_file", [*RUN, "--out", "{bad}/a_file/sub"], ("--out", "a_file")),
    ("out_under_dev_null", [*RUN, "--out", "/dev/null/results"], ("--out", "/dev/null")),
    ("out_empty", [*RUN, "--out", ""], ("--out", "empty")),
    # scenario names and paths
    ("scenario_unknown_name", [*RUN, "--scenario", "nope"], ("scenario", "nope", "known")),
    ("scenario_empty", [*RUN, "--scenario", ""], ("scenario", "empty")),
    ("scenario_is_folder", scenario("somedir"), ("somedir", "not a regular file")),
    ("scenario_folder_named_toml", scenario("dir.toml"), ("dir.toml", "not a regular file")),
    ("scenario_dev_zero", [*RUN, "--scenario", "/dev/zero"], ("/dev/zero", "not a regular")),
    ("scenario_missing_file", scenario("missing.toml"), ("missing.toml", "not found")),
    ("scenario_twice", [*RUN, "--scenario", "plan", "--scenario", "plan"],
     ("--scenario", "plan", "different names")),
    ("scenario_same_name_two_files",
     [*scenario("same_a.toml"), "--scenario", "{bad}/same_b.toml"],
     ("--scenario", "same_b.toml", "same")),
    ("scenario_same_file_name_after_cleaning",
     [*scenario("same_a.toml"), "--scenario", "{bad}/same_c.toml"],
     ("--scenario", "same_c.toml", "same_*")),
    # validate
    ("validate_folder", ["validate", "{bad}/somedir"], ("somedir", "not a regular file")),
    ("validate_dev_zero", ["validate", "/dev/zero"], ("/dev/zero",)),
    ("validate_huge", ["validate", "{bad}/huge.toml"], ("huge.toml", "bytes")),
    ("validate_latin1", ["validate", "{bad}/latin1.toml"], ("latin1.toml", "UTF-8")),
    ("validate_empty", ["validate", "{bad}/empty.toml"], ("empty.toml", "empty")),
    ("validate_deep", ["validate", "{bad}/deep_tables.toml"], ("deep_tables.toml", "nested")),
    ("validate_second_of_two_bad", ["validate", "plan", "{bad}/policy_start_nan.toml"],
     ("policy_start_nan.toml", "start")),
]
"""(id, argv with ``{bad}`` for the bad-input folder, names the message must contain)."""

FILE_CASES: dict[str, tuple[str, ...]] = {
    "empty.toml": ("empty.toml", "empty"),
    "comments_only.toml": ("comments_only.toml", "empty"),
    "broken.toml": ("broken.toml", "not valid TOML"),
    "unknown_key.toml": ("unknown_key.toml", "colour"),
    "policies_ints.toml": ("policies_ints.toml", "policies", "1"),
    "policies_text.toml": ("policies_text.toml", "policies", "'x'"),
    "policies_table.toml": ("policies_table.toml", "policies"),
    "parameters_int.toml": ("parameters_int.toml", "parameters", "3"),
    "parameters_array.toml": ("parameters_array.toml", "parameters"),
    "include_text.toml": ("include_text.toml", "include", "'x'"),
    "include_ints.toml": ("include_ints.toml", "include", "1"),
    "description_int.toml": ("description_int.toml", "description", "5"),
    "name_int.toml": ("name_int.toml", "name", "3"),
    "name_empty.toml": ("name_empty.toml", "name"),
    "name_blank.toml": ("name_blank.toml", "name"),
    "name_dots.toml": ("name_dots.toml", "name", "'../..'"),
    "name_slashes.toml": ("name_slashes.toml", "name", "'///'"),
    "name_newline.toml": ("name_newline.toml", "name", "one line"),
    "name_nul.toml": ("name_nul.toml", "name"),
    "name_long.toml": ("name_long.toml", "name", "200 characters"),
    "name_array.toml": ("name_array.toml", "name"),
    "latin1.toml": ("latin1.toml", "UTF-8"),
    "huge.toml": ("huge.toml", "bytes"),
    "deep_tables.toml": ("deep_tables.toml", "nested"),
    "deep_arrays.toml": ("deep_arrays.toml", "nested"),
    "deep_dotted.toml": ("deep_dotted.toml", "nested"),
    "param_unknown.toml": ("param_unknown.toml", "economy.industry_grwoth"),
    "param_text.toml": ("param_text.toml", "tech.pv_yield", "'high'"),
    "param_bool.toml": ("param_bool.toml", "tech.pv_yield", "True"),
    "param_array.toml": ("param_array.toml", "tech.pv_yield", "[1000]"),
    "param_int_inf.toml": ("param_int_inf.toml", "behaviour.network_degree", "inf"),
    "param_int_nan.toml": ("param_int_nan.toml", "behaviour.network_degree", "nan"),
    "param_int_fraction.toml": ("param_int_fraction.toml", "behaviour.network_degree", "6.5"),
    "param_int_huge.toml": ("param_int_huge.toml", "behaviour.network_degree",
                            "9223372036854775807"),
    "param_float_nan.toml": ("param_float_nan.toml", "economy.industry_growth", "nan"),
    "param_float_inf.toml": ("param_float_inf.toml", "economy.industry_growth", "-inf"),
    "param_out_of_range.toml": ("param_out_of_range.toml", "economy.industry_growth", "0.5"),
    "param_section_number.toml": ("param_section_number.toml", "economy"),
    "param_start_year_inf.toml": ("param_start_year_inf.toml", "run.start_year", "inf"),
    "policy_start_inf.toml": ("policy_start_inf.toml", "policy 1", "'start'", "inf"),
    "policy_start_nan.toml": ("policy_start_nan.toml", "'start'", "nan"),
    "policy_end_nan.toml": ("policy_end_nan.toml", "'end'", "nan"),
    "policy_start_fraction.toml": ("policy_start_fraction.toml", "'start'", "2023.5"),
    "policy_start_float.toml": ("policy_start_float.toml", "'start'", "2023.0"),
    "policy_start_text.toml": ("policy_start_text.toml", "'start'", "'2023'"),
    "policy_start_bool.toml": ("policy_start_bool.toml", "'start'", "True"),
    "policy_start_huge.toml": ("policy_start_huge.toml", "'start'", "9223372036854775807"),
    "policy_start_early.toml": ("policy_start_early.toml", "'start'", "1999"),
    "policy_end_missing.toml": ("policy_end_missing.toml", "'end'"),
    "policy_end_before_start.toml": ("policy_end_before_start.toml", "end 2023", "start 2027"),
    "policy_level_nan.toml": ("policy_level_nan.toml", "'level'", "nan"),
    "policy_level_inf.toml": ("policy_level_inf.toml", "'level'", "inf"),
    "policy_level_negative.toml": ("policy_level_negative.toml", "'level'", "-0.1"),
    "policy_level_text.toml": ("policy_level_text.toml", "'level'", "'high'"),
    "policy_level_bool.toml": ("policy_level_bool.toml", "'level'", "True"),
    "policy_level_missing.toml": ("policy_level_missing.toml", "'level'", "required"),
    "policy_level_huge.toml": ("policy_level_huge.toml", "'level'", "inf"),
    "policy_group_bad.toml": ("policy_group_bad.toml", "'group'", "'cats'"),
    "policy_group_missing.toml": ("policy_group_missing.toml", "'group'"),
    "policy_kind_unknown.toml": ("policy_kind_unknown.toml", "kind", "solar_magic"),
    "policy_kind_array.toml": ("policy_kind_array.toml", "kind", "['pv_subsidy']"),
    "policy_kind_missing.toml": ("policy_kind_missing.toml", "kind", "None"),
    "policy_unknown_field.toml": ("policy_unknown_field.toml", "'colour'"),
    "policy_why_int.toml": ("policy_why_int.toml", "'why'", "3"),
    "policy_overlap.toml": ("policy_overlap.toml", "overlap"),
    "include_dir.toml": ("somedir", "not a regular file"),
    "include_devzero.toml": ("/dev/zero", "not a regular file"),
    "include_huge.toml": ("huge.toml", "bytes"),
    "include_latin1.toml": ("latin1.toml", "UTF-8"),
    "include_missing.toml": ("nowhere.toml", "not found"),
    "include_nul.toml": ("include_nul.toml", "not a usable path"),
    "include_empty_path.toml": ("not a regular file",),
    "include_policies.toml": ("policy_overlap.toml", "policies", "only parameters"),
    "include_params_int.toml": ("params_int.toml", "parameters", "3"),
    "include_unknown_param.toml": ("param_unknown_only.toml", "grid.nothing"),
    "include_not_toml.toml": ("notes.txt", "not valid TOML"),
}
"""A bad scenario file given to ``run --scenario``: the names its refusal must contain."""


def _argv(argv: list[str], bad: Path) -> list[str]:
    return [a.replace("{bad}", str(bad)) for a in argv]


@pytest.mark.parametrize(("argv", "names"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_option_or_path_is_refused(argv, names, bad, unchanged):
    assert_refused(call(cli.main, _argv(argv, bad)), *names)


@pytest.mark.parametrize(("name", "names"), list(FILE_CASES.items()), ids=list(FILE_CASES))
def test_bad_scenario_file_is_refused(name, names, bad, unchanged):
    assert_refused(call(cli.main, _argv(scenario(name), bad)), *names)


@pytest.mark.parametrize("name", ["name_dots.toml", "policy_level_nan.toml", "latin1.toml",
                                  "include_devzero.toml", "deep_arrays.toml"])
def test_validate_refuses_what_run_refuses(name, bad, unchanged):
    assert_refused(call(cli.main, ["validate", str(bad / name)]), *FILE_CASES[name])


@pytest.fixture
def busy(workdir):
    """An output folder whose lock another run holds (made before ``unchanged`` snapshots)."""
    with folder_lock(workdir / "busy"):
        yield workdir / "busy"


def test_busy_output_folder_is_refused_at_once(busy, unchanged):
    outcome = call(cli.main, [*RUN, "--out", str(busy)])
    assert_refused(outcome, "busy", "in use")


@pytest.fixture
def bad_data_table(workdir, monkeypatch):
    """The model's data with a price premium of ``data/vehicle_paths.csv`` made 'abc'; yields
    the CSV row number."""
    import shutil

    from abm import data

    copy = workdir / "data"
    shutil.copytree(data.DATA_DIR, copy)
    paths = copy / "vehicle_paths.csv"
    lines = paths.read_text().splitlines()
    row = next(i for i, line in enumerate(lines) if ",price_premium," in line)
    fields = lines[row].split(",")
    fields[4] = "abc"
    lines[row] = ",".join(fields)
    paths.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(data, "DATA_DIR", copy)
    for load in data.TABLES:
        load.cache_clear()
    yield row + 1
    for load in data.TABLES:
        load.cache_clear()


def _calibration_main(argv):
    from calibration.cli import main
    return main(argv)


def _experiments_main(argv):
    from experiments.__main__ import main
    return main(argv)


@pytest.mark.parametrize(("main", "argv"), [
    (cli.main, [*RUN, "--out", "new"]),
    (_calibration_main, ["run", "transport", "--in-process", "--out", "new"]),
    (_experiments_main, ["run", "levers_audit", "--runner", "inprocess", "--out", "new"]),
], ids=["abm", "calibration", "experiments"])
def test_malformed_data_table_is_refused_before_anything_is_created(bad_data_table, workdir,
                                                                     main, argv):
    """A bad number in a data table: a clear error naming file, row and column, exit 2, and
    no output folder (the tables are read before any folder or lock is made)."""
    outcome = call(main, argv)
    assert_refused(outcome, "vehicle_paths.csv", f"row {bad_data_table}", "'value'", "'abc'")
    assert not (workdir / "new").exists()
