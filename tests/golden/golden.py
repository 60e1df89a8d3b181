"""The golden baseline: a few annual outputs of ``baseline`` and ``plan``, stored in the repo.

Any change to the model's numbers shows up as a difference against ``annual.csv``. When a
change of results is intended, update the file deliberately and say why in the commit::

    make golden        # = python tests/golden/golden.py

Values are stored with 17 significant digits (exact round trip of a float64), and the test
compares them exactly: a refactoring must change no number.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

SCENARIOS = ("baseline", "plan")
SCALE, SEED, END_YEAR = 200.0, 0, 2035
METRICS = ("co2_total", "co2_residential", "co2_transport", "co2_industry",
           "co2_industry_process", "co2_fishery", "pv_capacity_mw_total",
           "nev_share_sales_car", "nev_share_sales_all", "nev_share_stock_all",
           "land_transport_oil_ml", "green_home_share", "ci_share", "industry_energy_mtce",
           "firm_switch_share", "improved_vessel_share", "spending_total", "co2_services",
           "energy_total_mtce", "non_fossil_share", "energy_intensity_change",
           "renewable_capacity_mw", "clinker_intensity")
PATH = Path(__file__).with_name("annual.csv")


def compute() -> pd.DataFrame:
    """The golden outputs, computed now: ``scenario, year, metric, value``."""
    from abm.simulate import simulate

    frames = []
    for name in SCENARIOS:
        summary = simulate(name, scale=SCALE, seed=SEED, end_year=END_YEAR).summary
        rows = summary[summary["metric"].isin(METRICS)]
        frames.append(rows[["year", "metric", "value"]].assign(scenario=name))
    frame = pd.concat(frames, ignore_index=True)[["scenario", "year", "metric", "value"]]
    return frame.sort_values(["scenario", "metric", "year"]).reset_index(drop=True)


def stored() -> pd.DataFrame:
    """The stored golden outputs."""
    return pd.read_csv(PATH)


def main() -> int:
    """Recompute and store the golden outputs; print how many values changed."""
    new = compute()
    if PATH.exists():
        old = stored()
        merged = old.merge(new, on=["scenario", "year", "metric"], how="outer",
                           suffixes=("_old", "_new"))
        changed = merged[~(merged["value_old"] == merged["value_new"])]
        print(f"{len(changed)} of {len(merged)} values changed")
    from abm.files import write_text

    write_text(PATH, new.to_csv(index=False, float_format="%.17g"))
    print(f"wrote {PATH}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.exit(main())
