"""Declared columns of the four agent groups (name, dtype, default, unit, label)."""

from __future__ import annotations

from abm.columns import Column as C

_COMMON_BEHAVIOUR = (
    C("attitude", "float64", 0.0, "sd", "Pro-environmental attitude (standardised)"),
    C("discount_rate", "float64", 0.1, "1/yr", "Own discount rate"),
    C("credit_draw", "float64", 1.0, "1", "Fixed draw: has investment credit if below access"),
    C("degree", "int32", 0, "links", "Number of network neighbours"),
)

FIRM = (
    C("district", "int8", 0, "index", "District"),
    C("sector", "int8", 0, "index", "Sector (abm.data.SECTORS)"),
    C("size", "int8", 2, "index", "Size class: 0 large, 1 medium, 2 small"),
    C("weight", "float64", 1.0, "firms/agent", "Real firms this agent stands for"),
    C("energy_base", "float64", 0.0, "tce/yr", "Final energy use in 2020"),
    C("coal_share", "float64", 0.0, "1", "Coal share of final energy (2020)"),
    C("gas_share", "float64", 0.0, "1", "Gas share of final energy (2020)"),
    C("oil_share", "float64", 0.0, "1", "Oil share of final energy (2020)"),
    C("electricity_share", "float64", 0.0, "1", "Electricity share of final energy (2020)"),
    C("clinker_base", "float64", 0.0, "t/yr", "Clinker output in 2020 (cement)"),
    C("roof_area", "float64", 0.0, "m2", "Factory roof area"),
    C("ets", "bool", False, "bool", "Covered by Guangdong's emissions trading scheme"),
    C("switch_to", "int8", 0, "index", "Coal replaced by: 0 gas, 1 electricity"),
    C("cycle_phase", "int32", 0, "months", "Offset of the firm's investment cycle"),
    *_COMMON_BEHAVIOUR,
    C("peers_pv", "int32", 0, "links", "Neighbours with roof PV"),
    C("peers_retrofit", "int32", 0, "links", "Neighbours with an efficiency retrofit"),
    C("peers_switch", "int32", 0, "links", "Neighbours that left coal"),
    C("peers_green_power", "int32", 0, "links", "Neighbours buying green power"),
    C("has_pv", "bool", False, "bool", "Has factory-roof PV"),
    C("pv_kw", "float64", 0.0, "kWp", "PV capacity"),
    C("pv_fit_premium", "float64", 0.0, "CNY/kWh", "Feed-in premium locked in at installation"),
    C("retrofits", "int8", 0, "count", "Efficiency retrofits done (at most 2)"),
    C("switched", "bool", False, "bool", "Has switched its coal use to gas or electricity"),
    C("green_power", "bool", False, "bool", "Buys green power"),
    C("co2_kg", "float64", 0.0, "kg CO2/month", "Emissions this month (energy and process)"),
    C("events", "int8", 0, "bitmask", "What happened this month"),
)

FISHER = (
    C("district", "int8", 0, "index", "District"),
    C("kind", "int8", 0, "index", "0 pond farm, 1 fishing vessel"),
    C("weight", "float64", 1.0, "units/agent", "Real farms or vessels this agent stands for"),
    C("pond_area", "float64", 0.0, "ha", "Pond area (farms)"),
    C("electricity_base", "float64", 0.0, "kWh/yr", "Aerator and pump electricity (farms)"),
    C("suitable_pv", "bool", False, "bool", "Ponds suitable for fishery-PV"),
    C("engine_kw", "float64", 0.0, "kW", "Engine power (vessels)"),
    C("diesel_base", "float64", 0.0, "L/yr", "Diesel use of a conventional vessel"),
    C("vessel_age", "int32", 0, "months", "Vessel age"),
    C("vessel_life", "int32", 240, "months", "Age at which the vessel is replaced"),
    C("vessel_type", "int8", 0, "index", "0 conventional, 1 efficient, 2 electric"),
    *_COMMON_BEHAVIOUR,
    C("peers_pv", "int32", 0, "links", "Neighbours with fishery-PV"),
    C("peers_vessel", "int32", 0, "links", "Neighbours with efficient or electric vessels"),
    C("has_pv", "bool", False, "bool", "Has fishery-PV over its ponds"),
    C("pv_kw", "float64", 0.0, "kWp", "PV capacity"),
    C("pv_fit_premium", "float64", 0.0, "CNY/kWh", "Feed-in premium locked in at installation"),
    C("co2_kg", "float64", 0.0, "kg CO2/month", "Emissions this month"),
    C("events", "int8", 0, "bitmask", "What happened this month"),
)

SCHEMAS = {"firms": FIRM, "fishers": FISHER}
