"""The 2020 base year against the statistics (data/energy_statistics.csv, data/economy.csv).

Jiangmen publishes few energy figures; each test says which one it uses and how tight it can
be. Manufacturing energy and the clinker intensity were set from these figures (the firm table
was reconciled to them), so those two tests check that synthesis reproduces the table; the
territorial bridge to CEADs, the GDP deflator and the connected fishery-PV capacity are
independent checks. Electricity by sector has no Jiangmen figure: it is checked against ranges
derived from Guangdong's and China's statistics (a share × Jiangmen's population or GDP), which
bound the model rather than calibrate it.
"""

from __future__ import annotations

import numpy as np
import pytest

from abm import data
from abm.indicators import gdp_bn, territorial_co2_mt
from abm.params import Parameters
from abm.results import SECTORS_OUT
from abm.simulate import simulate
from abm.supply import coal_equivalent, grid_non_fossil_share

STATS = data.energy_statistics()


@pytest.fixture(scope="module")
def base():
    """Baseline 2020-2025 at the default scale, seed 0: annual summary, wide."""
    run = simulate("baseline", scale=50, seed=0, end_year=2025)
    return run.summary.pivot(index="year", columns="metric", values="value")


def test_manufacturing_energy_matches_the_statistics(base):
    """Firms' final energy in 2020 within 10 % of 4.0 Mtce (derived from the bureau's release)."""
    assert base.loc[2020, "energy_final_mtce_industry"] == pytest.approx(
        STATS[("manufacturing_annual", 2020)], rel=0.10)


def test_energy_intensive_manufacturing_matches_the_bureau(base):
    """Cement + glass + ceramics in 2020 within 20 % of 0.9 Mtce: the bureau's energy-intensive
    manufacturing annualised two ways (0.81-0.98 Mtce, data/energy_statistics.csv)."""
    heavy = sum(base.loc[2020, f"industry_energy_mtce_{s}"] for s in ("cement", "glass",
                                                                       "ceramics"))
    assert heavy == pytest.approx(STATS[("energy_intensive_manufacturing_annual", 2020)],
                                  rel=0.20)


@pytest.mark.parametrize("sector", data.SECTORS)
def test_each_sector_reproduces_the_firm_table(base, sector):
    """Each sector's 2020 energy within 10 % of data/firms.csv (firms × energy per firm).

    The table is the reconciled balance: manufacturing 4.0 Mtce and the energy-intensive
    sectors 0.9 Mtce are sourced, the split among the other sectors is an assumption (no
    Jiangmen or Guangdong figure by sector was found); this checks that synthesis and sampling
    at scale 50 keep each sector's share.
    """
    firms = data.firms()
    rows = firms[firms["sector"] == sector]
    table = float((rows["firms"] * rows["energy_tce_per_firm"]).sum()) / 1e6
    assert base.loc[2020, f"industry_energy_mtce_{sector}"] == pytest.approx(table, rel=0.10)


def test_clinker_intensity_on_the_national_basis(base):
    """Direct CO2 per t clinker in 2020 within 0.87-0.89 t/t (national basis)."""
    assert 0.87 <= base.loc[2020, "clinker_intensity"] <= 0.89


def test_total_energy_is_the_right_order_of_magnitude(base):
    """About 10 Mtce (GDP × Guangdong's intensity; no city total found): within 30 %."""
    assert base.loc[2020, "energy_total_mtce"] == pytest.approx(
        STATS[("total_energy_rough", 2020)], rel=0.30)


def test_sector_emissions_add_up_to_the_total(base):
    parts = base[[f"co2_{s}" for s in SECTORS_OUT]].sum(axis=1)
    np.testing.assert_allclose(parts, base["co2_total"], rtol=1e-12)
    assert (base[[f"co2_{s}" for s in SECTORS_OUT]] > 0).all().all()


def test_final_energy_by_fuel_adds_up_to_the_sectors(base):
    """Identity: Σ fuels (coal, oil, gas, electricity, other) = Σ sectors, every year; and the
    industrial sectors add up to industry's final energy."""
    by_fuel = base[[f"energy_by_fuel_mtce_{f}" for f in data.FUEL_LABELS]].sum(axis=1)
    by_sector = base[[f"energy_final_mtce_{s}" for s in
                      ("residential", "transport", "industry", "fishery", "services")]].sum(axis=1)
    np.testing.assert_allclose(by_fuel, by_sector, rtol=1e-12)
    industry = base[[f"industry_energy_mtce_{s}" for s in data.SECTORS]].sum(axis=1)
    np.testing.assert_allclose(industry, base["energy_final_mtce_industry"], rtol=1e-12)
    assert (base[[f"energy_by_fuel_mtce_{f}" for f in ("coal", "oil", "gas", "electricity")]]
            > 0).all().all()


def test_the_ceads_bridge_reproduces_the_territorial_inventory(base):
    """Consumption-based total − scope 2 + Jiangmen's plants ≈ CEADs (23.1 Mt, 2019), ±15 %.

    Local generation is the bureau's January-April figure × 3 (coal 11.8 TWh, gas 3.4 TWh);
    2019 vs 2020 and the annualisation make 15 % the tightest fair tolerance.
    """
    estimate = territorial_co2_mt(
        base.loc[2020, "co2_total"], base.loc[2020, "electricity_gwh"],
        data.grid_factors()[2020],
        {"coal": 3 * STATS[("coal_generation_jan_apr", 2020)],
         "gas": 3 * STATS[("gas_generation_jan_apr", 2020)]},
        {"coal": STATS[("coal_power_factor", 2020)], "gas": STATS[("gas_power_factor", 2020)]})
    assert estimate == pytest.approx(STATS[("ceads_territorial_co2", 2019)], rel=0.15)


def test_real_gdp_and_the_published_nominal_gdp_imply_a_plausible_deflator():
    p = Parameters()
    real = gdp_bn(p, np.array([2020, 2023]))
    assert real[0] == pytest.approx(320.1)
    deflator = STATS[("gdp_current", 2023)] / real[1]
    assert 1.0 <= deflator <= 1.15  # 0-5 %/yr of price growth over three years


def test_renewable_capacity_counts_the_developers_fishery_pv(base):
    """§2's renewable capacity = agents' PV + developers' fishery-PV (pipeline) + offshore wind."""
    row = base.loc[2021]
    assert row["capacity_mw_fishery_pv"] == pytest.approx(200.0, rel=0.05)
    assert row["renewable_capacity_mw"] == pytest.approx(
        row["pv_capacity_mw_total"] + row["capacity_mw_fishery_pv"]
        + row["capacity_mw_utility_pv"] + row["capacity_mw_offshore_wind"])


def test_non_fossil_share_by_hand(base):
    """Coal-equivalent method, recomputed by hand from the summary's own columns for 2020."""
    p = Parameters()
    grid = data.grid_factors()[2020]
    s_nf = 1.0 - grid / p["supply.fossil_generation_factor"]
    assert grid_non_fossil_share(p, np.array([grid]))[0] == pytest.approx(s_nf)
    assert coal_equivalent(p, np.array([2020.0, 2025.0]))[0] == pytest.approx(0.3055)
    row = base.loc[2020]
    non_fossil_mtce = ((row["electricity_gwh"] - row["pv_generation_gwh"]) * s_nf
                       + row["pv_generation_gwh"]) * 0.3055 / 1000.0
    assert row["non_fossil_share"] == pytest.approx(non_fossil_mtce / row["energy_total_mtce"],
                                                    rel=1e-9)


# Electricity by sector (issue 11). No Jiangmen electricity statistic was found (data/RESEARCH.md
# §4), so each figure is derived: a Guangdong or national share times a Jiangmen anchor
# (population or GDP). The tolerance of each test is the spread of its derivations, said in the
# test; it is not the 10 % the issue asks of sourced sector energy, which these are not.

def _twh(base, column: str = "electricity_gwh") -> float:
    """A 2020 electricity column of the summary in TWh (the summary holds GWh)."""
    return float(base.loc[2020, column]) / 1000.0


def test_the_derived_city_totals_follow_from_their_sources():
    """The two derived totals (data/energy_statistics.csv) recomputed from their published parts."""
    gd = STATS[("guangdong_electricity_total", 2020)]
    by_pop = gd * STATS[("jiangmen_population_census", 2020)] / STATS[
        ("guangdong_population_census", 2020)]
    by_gdp = gd * 320.1 / STATS[("guangdong_gdp_current", 2020)]
    assert by_pop == pytest.approx(STATS[("jiangmen_electricity_by_population", 2020)], abs=0.05)
    assert by_gdp == pytest.approx(STATS[("jiangmen_electricity_by_gdp", 2020)], abs=0.05)
    share = (STATS[("guangdong_tertiary_electricity_jan_oct", 2019)]
             / STATS[("guangdong_electricity_jan_oct", 2019)])
    assert share * by_pop == pytest.approx(STATS[("jiangmen_tertiary_electricity_high", 2020)],
                                           abs=0.01)


def test_electricity_of_the_modelled_sectors_lies_between_the_two_city_totals(base):
    """Model electricity (23.8 TWh) within 20.2-26.4 TWh: Guangdong's 692.6 TWh by Jiangmen's GDP
    share and by its population share. Tolerance: the two derivations themselves (±13 % about
    their mean); the model leaves out construction, farming other than fishery and the power
    sector's own use, which 全社会用电量 counts, so it should not exceed the upper end."""
    assert (STATS[("jiangmen_electricity_by_gdp", 2020)] <= _twh(base)
            <= STATS[("jiangmen_electricity_by_population", 2020)])


def test_industry_electricity_at_guangdong_s_industrial_share(base):
    """Firms' electricity (16.0 TWh) within 12.6-16.4 TWh: Guangdong's industrial share of
    electricity (62.3 %, January-October 2019) times the two city totals."""
    industry = _twh(base, "electricity_gwh_industry")
    assert (STATS[("jiangmen_industry_electricity_low", 2020)] <= industry
            <= STATS[("jiangmen_industry_electricity_high", 2020)])


def test_household_electricity_between_the_national_rate_and_30_percent_above(base):
    """Households' electricity (4.3 TWh, 904 kWh a person) within 1.0-1.3 × the national rate per
    person (776 kWh, NEA 2020 / census) × Jiangmen's population = 3.72-4.84 TWh. The floor is an
    assumption (Guangdong's long cooling season), the ceiling too: no Guangdong or Jiangmen
    household figure was found, so this bounds the 2,800 kWh a household assumption."""
    floor = STATS[("jiangmen_residential_electricity_national_rate", 2020)]
    assert floor <= _twh(base, "electricity_gwh_residential") <= 1.3 * floor


def test_fishery_electricity_within_the_primary_sector_share(base):
    """Fishery electricity (0.26 TWh) within 0.5-1.0 × the national primary-industry share (1.14 %)
    of the city totals, 0.12-0.30 TWh. The model's fishery is one part of 第一产业 (no crops or
    livestock), so it may not exceed the upper end; 0.5 × the lower end is an assumption (pond
    aeration and pumping the larger part of farm electricity in the Pearl River Delta)."""
    fishery = _twh(base, "electricity_gwh_fishery")
    assert 0.5 * STATS[("jiangmen_primary_electricity_low", 2020)] <= fishery
    assert fishery <= STATS[("jiangmen_primary_electricity_high", 2020)]


def test_services_electricity_not_above_the_tertiary_range(base):
    """Services (buildings) plus vehicle charging (3.23 TWh) at most 5.10 TWh, the high end of the
    tertiary range (Guangdong's 19.4 % share × the population-based total)."""
    tertiary = _twh(base, "electricity_gwh_services") + _twh(base, "electricity_gwh_transport")
    assert tertiary <= STATS[("jiangmen_tertiary_electricity_high", 2020)]


@pytest.mark.xfail(strict=True, reason=(
    "the model's services are commercial and public buildings only (3.07 TWh; 3.23 with vehicle "
    "charging); 第三产业 also counts rail, ports, telecoms, water works and street lighting, which "
    "the model leaves out, so it sits just under the 3.24 TWh low end (national share × the "
    "GDP-based total). Reported in README 'What is still weak' rather than fitted: the range "
    "rests on shares, not a Jiangmen figure"))
def test_services_electricity_reaches_the_tertiary_range(base):
    """Services plus vehicle charging at least 3.24 TWh: national tertiary share (16.1 %) × the
    GDP-based city total (20.2 TWh), the low ends of both."""
    tertiary = _twh(base, "electricity_gwh_services") + _twh(base, "electricity_gwh_transport")
    assert tertiary >= STATS[("jiangmen_tertiary_electricity_low", 2020)]


# Transport energy has no Jiangmen or Guangdong figure either: China's transport energy on the
# international definition (Liu et al. 2019: 452 Mtce in 2015, all modes, private vehicles
# included) per person × Jiangmen's population gives 1.54 Mtce (no growth after 2015) to 2.12 Mtce
# (2010-15's 6.7 %/yr kept to 2020). The model's transport is road vehicles only (the vehicle
# files belong to the transport work; these tests only report).

def test_road_transport_energy_not_above_the_national_all_modes_rate(base):
    """Model transport (road, 1.69 Mtce) at most 2.12 Mtce, the high end of the all-modes range."""
    assert (base.loc[2020, "energy_final_mtce_transport"]
            <= STATS[("jiangmen_transport_all_modes_high", 2020)])


def test_road_transport_energy_within_road_s_share_of_the_national_rate(base):
    """Model transport (road, 1.69 Mtce) at most 88 % × 2.12 Mtce = 1.87 Mtce (road's share of the
    2010-15 growth in China's transport energy, an assumption for the upper bound of its share of
    the level), leaving rail, water and air their part of the all-modes rate.

    It failed (1.96 Mtce) while heavy trucks ran an assumed 100,000 km a year; they now run the
    G7 fleet platform's 71,400 km (data/vehicles.csv) and use about 43 % of road energy.
    """
    assert (base.loc[2020, "energy_final_mtce_transport"]
            <= 0.88 * STATS[("jiangmen_transport_all_modes_high", 2020)])
