# ruff: noqa: E501  (code snippets are kept exactly as they appear in the model's files)
"""Worked example: add a technology (a household heat-pump water heater) to a copy of the model.

Run it on a copy, never on your checkout::

    python docs/examples/heat_pump.py <copy of the repository>

It makes the edits ``docs/examples/heat_pump.md`` explains, in 4 files: the group's module,
the parameter table, the annual summary and the output labels (:data:`FILES`).
``tests/test_architecture.py::test_a_new_technology_is_four_files`` applies it to a copy and
runs both paths (kernel and Mesa agents), so the example cannot go stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

FILES = ("abm/groups/households.py", "data/parameters.csv", "abm/results.py", "abm/outputs.py")
"""Every file the example changes."""
EDITS: list[tuple[str, str, str]] = []
"""(file, the exact text there, what replaces it)."""

hh = "abm/groups/households.py"
# 1. state, metric, event bit, technology, stream
EDITS.append((hh, '''    C("ci_member", "bool", False, "bool", "Takes part in the carbon-inclusive scheme"),
''', '''    C("ci_member", "bool", False, "bool", "Takes part in the carbon-inclusive scheme"),
    C("heat_pump", "bool", False, "bool", "Has a heat-pump water heater"),
    C("peers_heat_pump", "int32", 0, "links", "Neighbours with a heat-pump water heater"),
'''))
EDITS.append((hh, '''    Metric("pv_export_kwh", "kWh"),
)''', '''    Metric("pv_export_kwh", "kWh"), Metric("adopters_heat_pump", "count", "stock"),
)'''))
EDITS.append((hh, ''' H_EXPORT) = range(len(METRICS))''', ''' H_EXPORT, H_N_HP) = range(len(METRICS))'''))
EDITS.append((hh, '''EV_PV, EV_GREEN, EV_CI_JOIN, EV_CI_DROP = 1, 2, 4, 8''',
     '''EV_PV, EV_GREEN, EV_CI_JOIN, EV_CI_DROP, EV_HP = 1, 2, 4, 8, 16'''))
EDITS.append((hh, '''T_PV, T_RETROFIT, T_CI = 0, 1, 2''', '''T_PV, T_RETROFIT, T_CI, T_HP = 0, 1, 2, 3'''))
EDITS.append((hh, '''               ("household_ci_join", "household_ci_drop"), (("adopters_ci",), ("agents",))),
)''', '''               ("household_ci_join", "household_ci_drop"), (("adopters_ci",), ("agents",))),
    Technology("household_heat_pump", column_is_set("heat_pump"), "peers_heat_pump", EV_HP, 0,
               ("household_heat_pump",), (("adopters_heat_pump",), ("agents",))),
)'''))
EDITS.append((hh, '''"household_ci_join",
           "household_ci_drop")''', '''"household_ci_join",
           "household_ci_drop", "household_heat_pump")'''))
# 2. the decision, in the rule (its numbers come from the group's static table)
EDITS.append((hh, '''     pv_fit_premium, green_home, ci_member, co2_kg, events, car_km_year, car_vtype,
     car_powertrain, energy, unit_co2) = arrays''', '''     pv_fit_premium, green_home, ci_member, co2_kg, events, heat_pump, peers_heat_pump,
     car_km_year, car_vtype, car_powertrain, energy, unit_co2, hp) = arrays
    hp_cost, hp_saving_kwh, hp_life = hp[0], hp[1], hp[2]'''))
EDITS.append((hh, '''        # Energy and emissions this month.
        elec = elec_now''', '''        # Heat-pump water heater: econ = (saving · tariff · A(r, life) − cost) / cost.
        if not heat_pump[i]:
            u = draw(keys[5], t, i)
            if u < coef[T_HP, RATE]:
                econ = (hp_saving_kwh * m.tariff_residential * annuity(rate, hp_life)
                        - hp_cost) / hp_cost
                p = adoption_probability(coef, T_HP, econ, share(peers_heat_pump[i], degree[i]),
                                         vis[T_HP, d], att, 0.0)
                if u < p:
                    heat_pump[i] = True
                    ev |= EV_HP
        # Energy and emissions this month.
        elec = elec_now - (hp_saving_kwh / 12.0 if heat_pump[i] else 0.0)'''))
EDITS.append((hh, '''        if ci_member[i]:
            s[H_N_CI] += w
''', '''        if heat_pump[i]:
            s[H_N_HP] += w
        if ci_member[i]:
            s[H_N_CI] += w
'''))
EDITS.append((hh, '''"ci_member", "co2_kg", "events")''', '''"ci_member", "co2_kg", "events", "heat_pump", "peers_heat_pump")'''))
EDITS.append((hh, '''            vehicles.powertrain, vehicle_month["energy"], vehicle_month["unit_co2"])''',
     '''            vehicles.powertrain, vehicle_month["energy"], vehicle_month["unit_co2"],
            model.group_static[NAME]["heat_pump"])


def static_tables(p: Parameters) -> dict[str, np.ndarray]:
    """The heat-pump water heater's cost (CNY), yearly saving (kWh) and life (yr)."""
    return {"heat_pump": np.array([p["tech.heat_pump_cost"], p["tech.heat_pump_saving_kwh"],
                                   p["tech.heat_pump_lifetime"]])}'''))
EDITS.append((hh, '''    synthesise=synthesise)''', '''    static_tables=static_tables, synthesise=synthesise)'''))
# 3. parameters
rows = []
for coef, value, lo, hi, unit in (("beta0", -4.0, -15, 5, "logit"),
                                  ("beta_econ", 2.0, 0, 40, "logit per unit NPV/capex"),
                                  ("beta_peer", 2.0, 0, 15, "logit per unit share"),
                                  ("beta_visibility", 5.0, 0, 60, "logit per unit share"),
                                  ("beta_attitude", 0.5, 0, 3, "logit per sd"),
                                  ("max_rate", 0.003, 0, 1, "1/month")):
    rows.append(f"behaviour.household_heat_pump.{coef},float,{value},{lo},{hi},{unit},"
                f"heat pump: {coef},热泵热水器 行为系数 {coef},assumption: worked example")
rows += ["tech.heat_pump_cost,float,6000,3000,12000,CNY,Installed heat-pump water heater,热泵热水器价格,assumption: worked example",
         "tech.heat_pump_saving_kwh,float,900,300,1500,kWh/yr,Electricity saved against a resistive heater,热泵热水器年节电量,assumption: worked example",
         "tech.heat_pump_lifetime,float,12,8,20,yr,Life of a heat-pump water heater,热泵热水器寿命,assumption: worked example"]
PARAMETER_ROWS = rows
# 4. an annual output and its label
EDITS.append(("abm/results.py", '''    rows.append(("household_pv_share", ratio(a("households", "adopters_pv"), households), "1"))''',
     '''    rows.append(("household_pv_share", ratio(a("households", "adopters_pv"), households), "1"))
    rows.append(("heat_pump_share", ratio(a("households", "adopters_heat_pump"), households),
                 "1"))'''))
EDITS.append(("abm/outputs.py", '''    "household_pv_share": Label(''', '''    "heat_pump_share": Label("Households with a heat-pump water heater", "使用热泵热水器的住户"),
    "household_pv_share": Label('''))


def main(root: Path) -> None:
    """Add the heat-pump water heater to the model copy at ``root``."""
    for path, old, new in EDITS:
        file = root / path
        text = file.read_text(encoding="utf-8")
        if text.count(old) != 1:
            raise SystemExit(f"{path}: the anchor {old[:60]!r} is not there exactly once; "
                             "update docs/examples/heat_pump.py to the code")
        file.write_text(text.replace(old, new), encoding="utf-8")
    table = root / "data/parameters.csv"
    text = table.read_text(encoding="utf-8").rstrip("\n")
    table.write_text(text + "\n" + "\n".join(PARAMETER_ROWS) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 2 or not (Path(sys.argv[1]) / "abm").is_dir():
        raise SystemExit("usage: python docs/examples/heat_pump.py <copy of the repository>")
    main(Path(sys.argv[1]))
