"""The golden baseline: the model's numbers change only deliberately (``make golden``)."""

from __future__ import annotations

import numpy as np
from golden.golden import METRICS, SCENARIOS, compute, stored


def test_golden_baseline_is_reproduced_exactly():
    old, new = stored(), compute()
    assert set(old["scenario"]) == set(SCENARIOS) and set(old["metric"]) == set(METRICS)
    merged = old.merge(new, on=["scenario", "year", "metric"], how="outer",
                       suffixes=("_stored", "_now"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    same = (merged["value_stored"] == merged["value_now"]) | (
        merged["value_stored"].isna() & merged["value_now"].isna())
    diff = merged.loc[~same, ["scenario", "metric", "year", "value_stored", "value_now"]]
    assert diff.empty, ("results changed; if intended, run `make golden` and say why in the "
                        f"commit:\n{diff.head(20).to_string()}")
    assert np.isfinite(merged["value_now"].dropna()).all()
