"""The lever audit: every policy lever, one at a time against the baseline (issue 12).

Each lever comes with the response it should have, the evidence for its size and the
model's response.

Each :class:`AuditLever` adds its policies to the baseline (replacing the baseline's
policies of the same kind and group), runs both with the same seed (common random numbers),
and reads one response: the relative change of an annual output's increase over
``since``–``year`` (``(Δ_lever − Δ_base) / Δ_base``, for adoption levers), or of its level in
``year`` (``since = None``, for emissions); where the baseline's value is 0 (a scheme the
baseline lacks), the lever's own value. The documented range (``low``–``high``, with its
evidence: the rows ``lever_response.<name>`` of ``data/observed/published_ranges.csv``) is
what the evidence supports for that response at the lever's level; ``tests/test_levers.py`` checks
the sign and the range, and ``experiments/levers_audit.toml`` reports abatement, cost per
tonne, windfall share and their spread over seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from abm.accounting import final_value, windfall_shares
from abm.data import PublishedRange, published_ranges
from abm.policies import make_policy
from abm.scenario import Scenario, load_scenario
from abm.simulate import simulate


@dataclass(frozen=True)
class AuditLever:
    """One lever of the audit: what it changes, who responds, and by how much it should."""

    name: str
    policies: tuple[dict, ...]
    metric: str
    year: int
    since: int | None
    agents: str
    decision: str

    @property
    def documented(self) -> PublishedRange:
        """The documented response range and its evidence.

        The row ``lever_response.<name>`` of ``data/observed/published_ranges.csv``.
        """
        return published_ranges()[f"lever_response.{self.name}"]

    @property
    def low(self) -> float:
        """Lowest response the evidence supports."""
        return self.documented.low

    @property
    def high(self) -> float:
        """Highest response the evidence supports."""
        return self.documented.high

    @property
    def evidence(self) -> str:
        """The evidence for the range (its source cell)."""
        return self.documented.source


def policies_of(scenario: str, kind: str) -> tuple[dict, ...]:
    """The policy tables of one kind as a shipped scenario has them (one place for their levels)."""
    return tuple(p.to_toml_table() for p in load_scenario(scenario).policies if p.kind == kind)


LEVERS: tuple[AuditLever, ...] = (
    AuditLever(
        "pv_household", ({"kind": "pv_subsidy", "group": "household", "level": 0.3,
                          "start": 2023, "end": 2027},),
        "adopters_household_pv", 2027, 2022,
        "owner-occupier households", "rooftop PV hazard × dGen market share (payback)"),
    AuditLever(
        "pv_firm", ({"kind": "pv_subsidy", "group": "firm", "level": 0.1, "start": 2023,
                     "end": 2027},),
        "adopters_firm_pv", 2027, 2022,
        "firms with roofs", "factory-roof PV hazard × dGen market share (payback)"),
    AuditLever(
        "pv_fishery", ({"kind": "pv_subsidy", "group": "fisher", "level": 0.1, "start": 2023,
                        "end": 2030},),
        "adopters_fishery_pv", 2030, 2022,
        "suitable pond farms", "fishery-PV hazard × dGen market share (payback)"),
    AuditLever(
        "feed_in_premium", ({"kind": "feed_in_premium", "level": 0.05, "start": 2023,
                             "end": 2027},),
        "adopters_household_pv", 2027, 2022,
        "PV adopters (households, firms, fishers)",
        "PV hazard: export value raises NPV and shortens payback"),
    AuditLever(
        "retrofit_subsidy", ({"kind": "retrofit_subsidy", "level": 30.0, "start": 2024,
                              "end": 2030},),
        "adopters_household_retrofit", 2030, 2023,
        "households not in green homes", "retrofit hazard σ(U), economics NPV/cost"),
    AuditLever(
        "green_building_mandate", ({"kind": "green_building_mandate", "level": 1.0,
                                    "start": 2025, "end": 2060},),
        "adopters_household_retrofit", 2030, 2024,
        "households moving into new builds", "share of new homes built green"),
    AuditLever(
        "green_finance", ({"kind": "green_finance", "rate_discount": 0.01,
                           "credit_expansion": 0.2, "start": 2023, "end": 2035},),
        "adopters_household_pv", 2030, 2022,
        "agents with credit (households, vehicles, firms, fishers)",
        "discount rate of PV, retrofit, vehicle, vessel decisions"),
    AuditLever(
        "carbon_inclusive", ({"kind": "carbon_inclusive", "credit_price": 50.0,
                              "outreach": 1.0, "start": 2024, "end": 2035},),
        "ci_share", 2030, None,
        "households", "joining and leaving the 碳普惠 scheme"),
    AuditLever(
        "carbon_price", ({"kind": "carbon_price", "level": 60.0, "start": 2023,
                          "end": 2060},),
        "co2_industry_all", 2030, None,
        "ETS-covered firms", "operational response (energy, clinker ratio) and retrofit / "
        "coal-switch economics"),
    AuditLever(
        "ets_expansion", ({"kind": "carbon_price", "level": 60.0, "start": 2023, "end": 2060},
                          {"kind": "ets_expansion", "sector": "ceramics", "start": 2026,
                           "end": 2060},
                          {"kind": "ets_expansion", "sector": "textiles", "start": 2026,
                           "end": 2060}),
        "co2_industry_all", 2030, None,
        "large and medium ceramics and textile firms", "as the carbon price, for new sectors"),
    AuditLever(
        "coal_phaseout", ({"kind": "coal_phaseout", "level": 0.1, "start": 2023, "end": 2030},),
        "industry_coal_mtce", 2030, None,
        "small and medium non-ETS coal users", "forced switch hazard 10 %/yr"),
    AuditLever(
        "vessel_subsidy", ({"kind": "vessel_replacement_subsidy", "level": 500.0,
                            "start": 2023, "end": 2030},),
        "adopters_vessel", 2030, 2022,
        "fishing vessels at replacement", "logit over conventional / efficient / electric"),
    AuditLever(
        "green_power_subsidy", ({"kind": "green_power_subsidy", "level": 0.015,
                                 "start": 2024, "end": 2030},),
        "firm_green_power_share", 2030, 2023,
        "firms", "green-power purchase hazard, premium as a share of the bill"),
    AuditLever(
        "ev_purchase_subsidy", ({"kind": "ev_purchase_subsidy", "level": 12000.0,
                                 "start": 2020, "end": 2027},),
        "nev_share_sales_all", 2026, None,
        "vehicle buyers at replacement", "multinomial logit over powertrains (issue 10)"),
    AuditLever(
        "purchase_tax_exemption", ({"kind": "purchase_tax_exemption", "level": 1.0,
                                    "cap": 200000.0, "start": 2020, "end": 2025},),
        "nev_share_sales_all", 2025, None,
        "vehicle buyers at replacement", "multinomial logit over powertrains (issue 10)"),
    AuditLever(
        "charging", ({"kind": "charging_buildout", "target": 0.9, "start": 2022,
                      "end": 2027},),
        "nev_share_sales_all", 2027, None,
        "vehicle buyers at replacement", "charging index in the BEV utility (issue 10)"),
    AuditLever(
        "trade_in_subsidy", policies_of("history", "trade_in_subsidy"),
        "sales_car", 2025, None,
        "private-car owners replacing a car; old cars scrapped early",
        "early-scrappage hazard, then the multinomial logit over powertrains (issue 10)"),
    AuditLever(
        "nev_mandate", ({"kind": "nev_mandate", "vtype": "van", "level": 0.5, "start": 2026,
                         "end": 2035},),
        "nev_share_sales_van", 2030, None,
        "delivery-van operators at replacement", "share of new vans required to be NEV"),
    AuditLever(
        "public_building_standard", policies_of("plan", "public_building_standard"),
        "co2_services", 2030, None,
        "commercial and public buildings (module, not agents)",
        "energy per m² of public institutions and cooling efficiency of large public buildings"),
)
"""The audited levers (``python -m abm policies`` lists every kind; each kind appears)."""

AUDIT = {lever.name: lever for lever in LEVERS}


def combined_metric(summary: pd.DataFrame, metric: str) -> pd.Series:
    """An annual output by year; ``co2_industry_all`` is energy plus process CO2 of industry."""
    if metric == "co2_industry_all":
        return (combined_metric(summary, "co2_industry")
                + combined_metric(summary, "co2_industry_process"))
    return summary[summary["metric"] == metric].set_index("year")["value"]


def with_lever(baseline: Scenario, lever: AuditLever) -> Scenario:
    """The baseline with the lever's policies in place of its own of the same kind (and group)."""
    added = [make_policy(table, lever.name) for table in lever.policies]
    keys = {(p.kind, tuple(p.choice.values())) for p in added if p.kind != "ets_expansion"}
    kept = [p for p in baseline.fresh_policies()
            if (p.kind, tuple(p.choice.values())) not in keys]
    return Scenario(f"baseline+{lever.name}", baseline.params, kept + added,
                    baseline.description)


def response(lever: AuditLever, run: pd.DataFrame, base: pd.DataFrame) -> float:
    """The lever's response measure (see the module docstring)."""
    x, b = combined_metric(run, lever.metric), combined_metric(base, lever.metric)
    if lever.since is None:
        dx, db = float(x[lever.year]), float(b[lever.year])
    else:
        dx = float(x[lever.year] - x[lever.since])
        db = float(b[lever.year] - b[lever.since])
    return (dx - db) / abs(db) if db != 0 else dx


def audit(lever: AuditLever, seed: int, scale: float, end_year: int = 2035,
          base: pd.DataFrame | None = None) -> dict[str, float]:
    """One lever at one seed: response, abatement (Mt, to ``end_year``), cost, windfall."""
    baseline = load_scenario("baseline")
    if base is None:
        base = simulate(baseline, scale=scale, seed=seed, end_year=end_year).summary
    run = simulate(with_lever(baseline, lever), scale=scale, seed=seed,
                   end_year=end_year).summary
    total = lambda s, m: float(s.loc[s["metric"] == m, "value"].sum())  # noqa: E731
    abated = total(base, "co2_total") - total(run, "co2_total")
    extra = total(run, "spending_total") - total(base, "spending_total")
    last = min(end_year, max(int(t["end"]) for t in lever.policies))
    return {"response": response(lever, run, base), "abated_mt": abated,
            "extra_mcny": extra, "cny_per_t": extra / abated if abated > 0 and extra > 0
            else float("nan"),
            "windfall": _one_share(final_value(run), final_value(base)),
            "windfall_in_period": _one_share(value_in(run, last), value_in(base, last))}


def value_in(summary: pd.DataFrame, year: int):
    """``metric -> value in year`` (NaN for a metric the summary lacks)."""
    rows = summary[summary["year"] == year].set_index("metric")["value"]
    return lambda metric: float(rows.get(metric, float("nan")))


def _one_share(run, base) -> float:
    """The windfall share of the one subsidised technology (NaN if none or several)."""
    shares = [v for v in windfall_shares(run, base).values() if v == v]
    return shares[0] if len(shares) == 1 else float("nan")


def main(argv: list[str] | None = None) -> None:
    """Print each lever's response, abatement, cost and windfall over seeds (CRN pairs)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m experiments.levers_audit",
                                     description=main.__doc__)
    parser.add_argument("--scale", type=float, default=50.0)
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1")
    parser.add_argument("--end-year", type=int, default=2030)
    args = parser.parse_args(argv)
    seeds = range(args.seeds)
    baseline = load_scenario("baseline")
    bases = {s: simulate(baseline, scale=args.scale, seed=s, end_year=args.end_year).summary
             for s in seeds}
    rows = []
    for lever in LEVERS:
        res = pd.DataFrame([audit(lever, s, args.scale, args.end_year, bases[s]) for s in seeds])
        rows.append({"lever": lever.name, "output": lever.metric, "low": lever.low,
                     "high": lever.high, "min": res["response"].min(),
                     "median": res["response"].median(), "max": res["response"].max(),
                     "abated_mt": res["abated_mt"].median(),
                     "extra_mcny": res["extra_mcny"].median(),
                     "windfall_in_period": res["windfall_in_period"].median()})
    with pd.option_context("display.width", 200, "display.max_columns", 20,
                           "display.float_format", "{:,.4g}".format):
        print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
