"""Results obey invariants: shares in [0, 1], no negative stocks, no NaN, no impossible reverts."""

import itertools

import numpy as np
import pytest

from abm.model import JiangmenModel
from abm.results import TARGETS, annual_summary, monthly_frame, targets_table


@pytest.fixture(scope="module")
def plan_run():
    model = JiangmenModel(scenario="plan", scale=300, rng=5, end_year=2032)
    before = {g: {c: t.arrays[c].copy() for c in t.arrays} for g, t in model.tables.items()}
    stages = []
    while model.running:
        model.step()
        if model.month % 24 == 0:
            stages.append({g: {c: t.arrays[c].copy() for c in t.arrays}
                           for g, t in model.tables.items()})
    return model, before, stages


def test_shares_are_in_unit_interval(plan_run):
    model, _, _ = plan_run
    summary = annual_summary(model)
    shares = summary[summary["unit"] == "1"]
    shares = shares[~shares["metric"].str.endswith("_change")].dropna()  # NaN: no sales
    assert not shares.empty
    assert shares["value"].between(0, 1).all(), shares[~shares["value"].between(0, 1)]


def test_no_nan_and_no_negative_stocks(plan_run):
    model, _, _ = plan_run
    summary = annual_summary(model)
    wide = summary.pivot(index="year", columns="metric", values="value")
    for metric in wide.columns[wide.isna().any()]:
        # The only undefined values: a vehicle type's NEV share of sales in a year without
        # sales (few agents of that type at this scale).
        assert metric.startswith("nev_share_sales_"), metric
        vtype = metric.removeprefix("nev_share_sales_").removeprefix("expected_")
        assert (wide.loc[wide[metric].isna(), f"sales_{vtype}"] == 0).all()
    monthly = monthly_frame(model)
    assert np.isfinite(monthly["value"]).all()
    stock_like = monthly[monthly["metric"].str.match(
        r"^(pv_kw|adopters_|stock_|nev_stock_|agents|vessels|farms|energy_tce|oil_l|"
        r"electricity_kwh|.*_cny$)")]
    assert (stock_like["value"] >= 0).all()


def test_adoption_never_reverts_where_it_cannot(plan_run):
    _, before, stages = plan_run
    irreversible = {"households": ["has_pv", "green_home"], "firms": ["has_pv", "switched",
                                                                      "green_power"],
                    "fishers": ["has_pv"]}
    snapshots = [before, *stages]
    for earlier, later in itertools.pairwise(snapshots):
        for group, columns in irreversible.items():
            for column in columns:
                assert np.all(later[group][column] >= earlier[group][column]), (group, column)
        assert np.all(later["firms"]["retrofits"] >= earlier["firms"]["retrofits"])
        assert np.all(later["households"]["pv_kw"] >= earlier["households"]["pv_kw"])


def test_carbon_inclusive_members_can_leave(plan_run):
    model, _, _ = plan_run
    drops = model.history["households"][:, :, model.history["households"].shape[2] - 3].sum()
    assert drops > 0, "some participants drop out when the reward is small"


def test_targets_table_is_complete(plan_run):
    model, _, _ = plan_run
    table = targets_table(annual_summary(model))
    assert list(table["target"]) == [t.key for t in TARGETS] and len(table) == 16
    assert table["met"].dtype == bool
    assert set(table["target"]) >= {"co2_peak", "ev_share_new_cars", "green_travel",
                                    "energy_intensity", "non_fossil_2025", "gas_capacity"}
    assert table["value"].notna().all(), table[table["value"].isna()]


def test_emission_accounting_adds_up(plan_run):
    model, _, _ = plan_run
    summary = annual_summary(model).pivot(index="year", columns="metric", values="value")
    parts = summary[["co2_residential", "co2_transport", "co2_industry",
                     "co2_industry_process", "co2_fishery", "co2_services"]].sum(axis=1)
    np.testing.assert_allclose(parts, summary["co2_total"], rtol=1e-12)
    per_agent = sum((t.weight * t.co2_kg).sum() for t in model.tables.values())
    last_month = sum(h[model.month - 1, :, 0].sum() for h in model.history.values()) \
        + model.history["firms"][model.month - 1, :, 1].sum()
    assert per_agent == pytest.approx(last_month, rel=1e-9)


def test_every_metric_has_its_unit():
    from abm.results import metric_unit

    expected = {"co2_kg": "kg CO2", "process_co2_kg": "kg CO2", "ci_saving_kg": "kg CO2",
                "lng_kg": "kg", "hydrogen_kg": "kg", "pv_kw": "kW", "pv_kwh": "kWh",
                "oil_l": "L", "diesel_l": "L", "energy_tce": "tce", "clinker_t": "t",
                "fit_cny": "CNY", "car_km": "km", "km_taxi": "km", "adopters_pv": "count"}
    assert {m: metric_unit(m) for m in expected} == expected
