"""Bad input gets a clear error naming the field, the value and what is allowed."""

import subprocess
import sys

import pytest

from abm import data
from abm.params import ParameterError, Parameters
from abm.scenario import load_scenario, parse_scenario


def test_unknown_parameter_named():
    with pytest.raises(ParameterError, match=r"unknown parameter 'economy\.industry_grwoth'"):
        Parameters({"economy.industry_grwoth": 0.05})


def test_out_of_range_parameter_names_value_and_range():
    with pytest.raises(ParameterError, match=r"economy\.industry_growth.*0\.5.*\[0, 0\.12\]"):
        Parameters({"economy": {"industry_growth": 0.5}})


def test_wrong_type_parameter():
    with pytest.raises(ParameterError, match=r"tech\.pv_yield.*'high'.*str"):
        Parameters({"tech.pv_yield": "high"})


def test_int_parameter_rejects_fraction():
    with pytest.raises(ParameterError, match=r"behaviour\.network_degree"):
        Parameters({"behaviour.network_degree": 6.5})


@pytest.mark.parametrize(("policy", "message"), [
    ({"kind": "pv_subsidy", "group": "household", "level": 9.0, "start": 2023, "end": 2025},
     r"field 'level' is 9\.0; allowed: a number in \[0, 3\] CNY/W"),
    ({"kind": "pv_subsidy", "group": "cats", "level": 0.1, "start": 2023, "end": 2025},
     r"field 'group' is 'cats'; allowed: \['household', 'firm', 'fisher'\]"),
    ({"kind": "solar_magic", "start": 2023, "end": 2025}, r"policy kind 'solar_magic'"),
    ({"kind": "carbon_price", "level": 50, "start": 2025, "end": 2023}, "before start"),
    ({"kind": "carbon_price", "level": 50, "start": 2025, "end": 2030, "colour": "red"},
     "unknown field 'colour'"),
    ({"kind": "carbon_price", "start": 2025, "end": 2030}, "field 'level' is required"),
    ({"kind": "trade_in_subsidy", "nev": 20000, "eligible": 1.5, "start": 2024, "end": 2025},
     r"field 'eligible' is 1\.5; allowed: a number in \[0, 1\] 1"),
    ({"kind": "trade_in_subsidy", "ice": 5000, "start": 2024, "end": 2025},
     r"field 'nev' is required"),
    ({"kind": "nev_mandate", "vtype": "boat", "level": 1.0, "start": 2020, "end": 2030},
     r"field 'vtype' is 'boat'; allowed: \['car', 'taxi', 'van', 'bus', 'truck'\]"),
    ({"kind": "nev_mandate", "vtype": "bus", "level": -0.1, "start": 2020, "end": 2030},
     r"field 'level' is -0\.1; allowed: a number in \[0, 1\] 1"),
])
def test_bad_policies(policy, message):
    with pytest.raises(ParameterError, match=message):
        parse_scenario({"name": "x", "policies": [policy]}, "test.toml")


def test_overlapping_policies_rejected():
    policies = [{"kind": "carbon_price", "level": 50, "start": 2020, "end": 2030},
                {"kind": "carbon_price", "level": 80, "start": 2028, "end": 2035}]
    with pytest.raises(ParameterError, match="overlap"):
        parse_scenario({"name": "x", "policies": policies}, "test.toml")


def test_unknown_top_level_key(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\nparameter = {}\n')
    with pytest.raises(ParameterError, match=r"bad\.toml: unknown top-level key 'parameter'"):
        load_scenario(path)


def test_invalid_toml(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("name = \n")
    with pytest.raises(ParameterError, match="not valid TOML"):
        load_scenario(path)


def test_unknown_scenario_lists_known():
    with pytest.raises(ParameterError, match=r"known: \[.*'baseline'.*'plan'"):
        load_scenario("nonexistent")


def test_scenarios_round_trip_through_toml(tmp_path):
    plan = load_scenario("plan")
    path = tmp_path / "copy.toml"
    path.write_text(plan.to_toml())
    again = load_scenario(path)
    assert again.params.overrides == plan.params.overrides
    assert [p.to_toml_table() for p in again.policies] == [p.to_toml_table() for p in
                                                           plan.policies]


def test_data_table_without_source(tmp_path):
    (tmp_path / "grid_factors.csv").write_text("year,value,unit,source\n2020,0.4,kg,\n")
    with pytest.raises(data.DataError, match=r"row 2, column 'source': empty"):
        data.read_table("grid_factors.csv", ["year", "value"], data_dir=tmp_path)


def test_data_table_non_numeric(tmp_path):
    (tmp_path / "grid_factors.csv").write_text("year,value,unit,source\n2020,abc,kg,x\n")
    with pytest.raises(data.DataError, match=r"row 2, column 'value': 'abc' is not a number"):
        data.read_table("grid_factors.csv", ["year", "value"], numeric=["value"],
                        data_dir=tmp_path)


@pytest.mark.parametrize(("rows", "message"), [
    ("x,2,1,CNY,China,a study\n", r"row 2, columns 'low', 'high': 2 > 1; allowed: low <= high"),
    ("x,1,2,CNY,China,a study\nx,1,3,CNY,China,another\n",
     r"row 3, column 'name': 'x' is given twice"),
    ("x,1,2,CNY,China,\n", r"row 2, column 'source': empty"),
])
def test_published_ranges_table_refuses_nonsense(rows, message, tmp_path, monkeypatch):
    (tmp_path / "observed").mkdir()
    (tmp_path / "observed" / "published_ranges.csv").write_text(
        "name,low,high,unit,region,source\n" + rows)
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    data.published_ranges.cache_clear()
    try:
        with pytest.raises(data.DataError, match=message):
            data.published_ranges()
    finally:
        data.published_ranges.cache_clear()


def test_shipped_published_ranges_carry_units_and_sources():
    frame = data.read_table("observed/published_ranges.csv", ["name", "unit", "region"])
    assert frame["source"].str.len().min() > 40 and frame["unit"].str.len().min() > 2
    # The cost per additional NEV, re-derived from the inputs its source cell states:
    # 4,453 CNY/t × 12,000 km × 15 yr × (7 L/100 km × 2.3 kg/L − 15 kWh/100 km × 0.55 kg/kWh)
    # and US$24,500 × 6.9 CNY/USD, each within 1 %.
    figure = data.published_ranges()["cost_per_additional_nev"]
    low, high = figure.low, figure.high
    lifetime_t = 12_000 * 15 * (0.07 * 2.3 - 0.15 * 0.55) / 1000
    assert low == pytest.approx(4_453 * lifetime_t, rel=0.01)
    assert high == pytest.approx(24_500 * 6.9, rel=0.01)


def test_every_parameter_and_data_row_has_a_source():
    from abm.params import parameter_table

    for spec in parameter_table().values():
        assert spec.source.strip() and spec.unit.strip(), spec.key
    for name in ("districts.csv", "firms.csv", "vehicles.csv", "emission_factors.csv",
                 "grid_factors.csv"):
        frame = data.read_table(name, [])
        assert frame["source"].str.len().min() > 5, name


@pytest.mark.parametrize(("args", "message"), [
    (["--scale", "0"], "--scale: 0 is out of range"),
    (["--end-year", "2100"], "--end-year: 2100 is out of range"),
    (["--seed", "-1"], "--seed: -1 is out of range"),
    (["--scenario", "nope"], "scenario 'nope' not found"),
    (["--set", "tech.pv_yield=99999"], "tech.pv_yield"),
])
def test_cli_rejects_bad_arguments(args, message, tmp_path):
    result = subprocess.run([sys.executable, "-m", "abm", "run", "--out", str(tmp_path), *args],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert message in result.stderr
    assert not list(tmp_path.iterdir()), "nothing half-written is left behind"


def test_model_rejects_bad_keywords():
    from abm.model import JiangmenModel

    with pytest.raises(ValueError, match="end_year: got 2070"):
        JiangmenModel(scale=1000, end_year=2070)
    with pytest.raises(ValueError, match="engine: got 'gpu'"):
        JiangmenModel(scale=1000, engine="gpu")
    with pytest.raises(ValueError, match="rng: got -3"):
        JiangmenModel(scale=1000, rng=-3)
    with pytest.raises(ValueError, match="scale: got 0"):
        JiangmenModel(scale=0)


@pytest.mark.parametrize("key", ["behaviour.network_degree", "economy.industry_growth"])
@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), 10**400])
def test_parameters_refuse_non_finite_and_huge_values(key, value):
    with pytest.raises(ParameterError, match=rf"parameter '{key}': got .*allowed"):
        Parameters({key: value}, "s.toml")


@pytest.mark.parametrize(("tree", "message"), [
    ({"name": "x", "policies": [1, 2]}, r"field 'policies' item 1: got 1; allowed: an array"),
    ({"name": "x", "policies": "x"}, r"field 'policies': got 'x'"),
    ({"name": "x", "parameters": 3}, r"field 'parameters': got 3; allowed: a table"),
    ({"name": "x", "include": "x"}, r"field 'include': got 'x'; allowed: a list"),
    ({"name": "a\nb"}, r"field 'name': got 'a\\nb'; allowed: one line"),
    ({"name": "../.."}, r"field 'name': got '\.\./\.\.'"),
    ({"name": "x", "policies": [{"kind": "carbon_price", "level": 5, "start": float("inf"),
                                 "end": 2030}]}, r"policy 1: .*field 'start' is inf; allowed"),
    ({"name": "x", "policies": [{"kind": ["carbon_price"], "start": 2025, "end": 2030}]},
     r"policy kind \['carbon_price'\] is unknown"),
])
def test_scenario_structure_is_checked(tree, message):
    with pytest.raises(ParameterError, match=rf"^s\.toml.*{message}"):
        parse_scenario(tree, "s.toml")


def test_policy_levels_keep_their_types():
    scenario = parse_scenario({"name": "x", "policies": [
        {"kind": "carbon_price", "level": 50, "start": 2025, "end": 2030}]}, "s.toml")
    policy = scenario.policies[0]
    assert policy.levels == {"level": 50.0} and isinstance(policy.levels["level"], float)
    assert (policy.start, policy.end) == (2025, 2030)
