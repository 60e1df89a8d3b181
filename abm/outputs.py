"""The catalogue of annual outputs: every metric :func:`abm.results.annual_summary` makes.

The catalogue is read from ``annual_summary`` itself, not kept by hand, so it cannot drift
from what the model produces: the summary is applied to a stand-in model whose monthly
history is synthetic (nothing is simulated). A metric's *kind* follows from how the summary
aggregates a year: one that changes when only January–November change is a ``flow`` (summed
or averaged over the year); one that changes only with December is a ``stock`` (the level at
year end); one that depends on neither (e.g. a mandate read from the policy schedule) is
``either``. Experiments validate ``metric@year`` outputs and calibration validates targets
against it.

Each output's English and Chinese label is here too (:func:`output_label`), for the charts,
the app and the reports: fixed outputs in :data:`LABELS`, families (per vehicle type, sector,
policy) from the names their dimension declares (:data:`abm.data.VEHICLE_TYPE_LABELS`,
:data:`abm.results.EMISSION_SECTOR_LABELS`, :meth:`abm.policies.Policy.label_in`). A test
checks that every output of the catalogue has both.
"""

from __future__ import annotations

import functools
import itertools
import types
from dataclasses import dataclass

import numpy as np
import pandas as pd

from abm.data import DISTRICTS, FUEL_LABELS, PLANT_TYPES, SECTOR_LABELS, VEHICLE_TYPE_LABELS
from abm.groups import REGISTRY
from abm.policies import POLICY_TYPES, Policy, neutral_levers
from abm.results import EMISSION_SECTOR_LABELS, annual_summary
from abm.scenario import load_scenario

YEARS = 3
"""Years of the stand-in model's history."""


@dataclass(frozen=True)
class OutputInfo:
    """An annual output: its unit and whether it is a ``stock``, a ``flow`` or ``either``."""

    unit: str
    kind: str


@dataclass(frozen=True)
class Label:
    """An output's name in English and Chinese; ``short`` names it inside its chart panel."""

    en: str
    zh: str
    short_en: str = ""
    short_zh: str = ""

    def text(self, lang: str = "en", short: bool = False) -> str:
        """The label in ``lang`` ("en" or "zh"), short if asked and there is a short one."""
        if lang == "zh":
            return (short and self.short_zh) or self.zh
        return (short and self.short_en) or self.en


LABELS: dict[str, Label] = {
    "co2_total": Label("Total CO2 (Mt)", "二氧化碳排放总量（百万吨）", "total", "合计"),
    "pv_capacity_mw_household": Label("Household rooftop PV (MW)", "居民屋顶光伏（兆瓦）",
                                      "households", "居民"),
    "pv_capacity_mw_firm": Label("Firms' rooftop PV (MW)", "企业屋顶光伏（兆瓦）", "firms", "企业"),
    "pv_capacity_mw_fisher": Label("Fishery PV (MW)", "渔光互补光伏（兆瓦）", "fishery-PV",
                                   "渔光互补"),
    "pv_capacity_mw_total": Label("Agent-owned PV (MW)", "智能体光伏装机（兆瓦）"),
    "pv_generation_gwh": Label("PV generation (GWh)", "光伏发电量（吉瓦时）"),
    "nev_share_sales_all": Label("NEV share of all new vehicles", "全部新增车辆中新能源占比"),
    "nev_share_sales_expected_all": Label("NEV share of all new vehicles (choice probability)",
                                          "全部新增车辆中新能源占比（选择概率）"),
    "nev_share_stock_all": Label("NEV share of the vehicle stock", "保有量中新能源占比"),
    "clean_share_sales_all": Label("NEV and LNG share of all new vehicles",
                                   "全部新增车辆中新能源及清洁能源占比"),
    "phev_share_sales_nev": Label("Plug-in hybrid share of new NEVs", "新能源新车中插电混动占比"),
    "phev_share_sales_expected_nev": Label("Plug-in hybrid share of new NEVs (choice probability)",
                                           "新能源新车中插电混动占比（选择概率）"),
    "lng_share_sales_truck": Label("LNG share of new heavy trucks", "重型货车新车中LNG占比"),
    "lng_share_sales_expected_truck": Label("LNG share of new heavy trucks (choice probability)",
                                            "重型货车新车中LNG占比（选择概率）"),
    "first_purchases": Label("First-time buyers' new cars (vehicles)", "首次购车新增车辆（辆）"),
    "stock_all": Label("Vehicle stock (vehicles)", "机动车保有量（辆）"),
    "land_transport_oil_ml": Label("Land transport oil (million L)", "陆路交通用油（百万升）"),
    "ev_electricity_gwh": Label("Electricity for vehicles (GWh)", "车辆用电（吉瓦时）"),
    "operating_co2_per_km": Label("CO2 per km of operating vehicles (kg/km)",
                                  "营运车辆单位里程CO2（千克/公里）"),
    "operating_co2_per_km_change": Label("Change of operating vehicles' CO2 per km since 2020",
                                         "营运车辆单位里程CO2较2020年变化"),
    "green_home_share": Label("Households in green homes", "居住绿色住宅的住户"),
    "ci_participants": Label("Carbon-inclusive participants (households)",
                             "碳普惠参与住户（户）"),
    "ci_share": Label("Carbon-inclusive participants", "碳普惠参与者"),
    "household_pv_share": Label("Households with rooftop PV", "安装屋顶光伏的住户"),
    "green_share_new_homes": Label("Green share of new homes", "新建住宅中绿色建筑比例"),
    "green_travel_share": Label("Green travel share of urban trips", "城区绿色出行比例"),
    "firm_pv_share": Label("Firms with rooftop PV", "安装屋顶光伏的企业"),
    "firm_retrofit_share": Label("Firms that retrofitted", "完成节能改造的企业", "retrofit",
                                 "节能改造"),
    "firm_switch_share": Label("Firms that left coal", "已弃煤的企业", "left coal", "弃煤"),
    "firm_green_power_share": Label("Firms buying green power", "购买绿电的企业", "green power",
                                    "绿电"),
    "industry_energy_mtce": Label("Industrial energy use (Mtce)", "工业能耗（百万吨标准煤）"),
    "industry_coal_mtce": Label("Industrial coal use (Mtce)", "工业用煤（百万吨标准煤）"),
    "clinker_intensity": Label("CO2 per tonne of clinker (t/t)", "单位熟料CO2排放（吨/吨）"),
    "clinker_intensity_change": Label("Change of CO2 per tonne of clinker since 2020",
                                      "单位熟料CO2排放较2020年变化"),
    "improved_vessel_share": Label("Efficient or electric fishing vessels",
                                   "节能或电动渔船"),
    "fishery_pv_share": Label("Suitable fish farms with PV", "已建光伏的适宜鱼塘"),
    "spending_total": Label("Public spending (million CNY)", "财政支出（百万元）", "total", "合计"),
    "electricity_gwh": Label("Electricity consumption (GWh)", "全社会用电量（吉瓦时，模型范围）"),
    "energy_total_mtce": Label("Energy consumption, coal-equivalent method (Mtce)",
                               "能源消费总量（发电煤耗法，百万吨标准煤）"),
    "services_floor_mm2": Label("Commercial and public floor area (million m²)",
                                "公共及商业建筑面积（百万平方米）"),
    "public_intensity_change": Label("Public institutions' energy per m² since 2020",
                                     "公共机构单位建筑面积能耗较2020年变化"),
    "public_cooling_gain": Label("Large public buildings' cooling efficiency gain since 2020",
                                 "大型公共建筑制冷能效较2020年提升"),
    "gdp_bn_cny": Label("GDP (billion CNY, 2020 prices)", "地区生产总值（十亿元，2020年价）"),
    "energy_intensity": Label("Energy per unit of GDP (tce per 10,000 CNY)",
                              "单位GDP能耗（吨标准煤/万元）"),
    "energy_intensity_change": Label("Energy per unit of GDP since 2020",
                                     "单位GDP能耗较2020年变化"),
    "co2_intensity": Label("CO2 per unit of GDP (t per 10,000 CNY)",
                           "单位GDP二氧化碳排放（吨/万元）"),
    "co2_intensity_change": Label("CO2 per unit of GDP since 2020",
                                  "单位GDP二氧化碳排放较2020年变化"),
    "grid_non_fossil_share": Label("Non-fossil share of grid electricity",
                                   "电网电力中非化石能源占比"),
    "non_fossil_share": Label("Non-fossil share of energy consumption", "非化石能源消费比重"),
    "renewable_capacity_mw": Label("Renewable generating capacity (MW)",
                                   "可再生能源发电装机（兆瓦）"),
}
"""Labels of the outputs that are not one of a family (see :func:`output_label`)."""


SUBSIDISED_TECHNOLOGY_LABELS: dict[str, tuple[str, str]] = {
    "household_pv": ("household rooftop PV", "居民屋顶光伏"),
    "household_retrofit": ("green homes", "绿色住宅"),
    "firm_pv": ("firms' rooftop PV", "企业屋顶光伏"),
    "fishery_pv": ("fishery PV", "渔光互补光伏"),
    "vessel": ("efficient or electric vessels", "节能或电动渔船"),
}
"""Names of the technologies whose adopters and subsidised adopters the summary counts
(:data:`abm.accounting.WINDFALL_TECHNOLOGIES`)."""


def _family_label(metric: str) -> Label | None:
    """The label of an output of a family (per sector, vehicle type or policy), or None."""
    head, _, tail = metric.partition("_")
    if head == "co2" and tail in EMISSION_SECTOR_LABELS:
        en, zh = EMISSION_SECTOR_LABELS[tail]
        return Label(f"CO2 from {en} (Mt)", f"{zh}二氧化碳排放（百万吨）", en, zh)
    for prefix, en_text, zh_text in (
            ("sales_", "New {} (vehicles)", "{}新车销量（辆）"),
            ("stock_", "{} on the road (vehicles)", "{}保有量（辆）"),
            ("nev_share_sales_", "NEV share of new {}", "{}新车中新能源占比"),
            ("nev_share_sales_expected_", "NEV share of new {} (choice probability)",
             "{}新车中新能源占比（选择概率）"),
            ("nev_share_stock_", "NEV share of {} on the road", "{}保有量中新能源占比")):
        vtype = metric.removeprefix(prefix)
        if metric.startswith(prefix) and vtype in VEHICLE_TYPE_LABELS:
            en, zh = VEHICLE_TYPE_LABELS[vtype]
            return Label(en_text.format(en), zh_text.format(zh), en, zh)
    for prefix, en_text, zh_text, names in (
            ("subsidised_adopters_", "Subsidised adopters of {} (cumulative)",
             "{}受补贴采纳者（累计）", SUBSIDISED_TECHNOLOGY_LABELS),
            ("adopters_", "Adopters of {}", "{}采纳者", SUBSIDISED_TECHNOLOGY_LABELS),
            ("energy_final_mtce_", "Final energy of {} (Mtce)", "{}终端能源消费（百万吨标准煤）",
             EMISSION_SECTOR_LABELS),
            ("electricity_gwh_", "Electricity of {} (GWh)", "{}用电量（吉瓦时）",
             EMISSION_SECTOR_LABELS),
            ("capacity_mw_", "Capacity: {} (MW)", "装机：{}（兆瓦）", PLANT_TYPES),
            ("energy_by_fuel_mtce_", "Final energy: {} (Mtce)", "终端能源消费：{}（百万吨标准煤）",
             FUEL_LABELS),
            ("industry_energy_mtce_", "Industrial energy: {} (Mtce)",
             "工业能耗：{}（百万吨标准煤）", SECTOR_LABELS)):
        key = metric.removeprefix(prefix)
        if metric.startswith(prefix) and key in names:
            en, zh = names[key]
            return Label(en_text.format(en), zh_text.format(zh), en, zh)
    if head == "spending":
        for policy in every_policy():
            if policy.spending_key == tail:
                en, zh = policy.label_in("en"), policy.label_in("zh")
                return Label(f"Public spending: {en} (million CNY)", f"财政支出：{zh}（百万元）",
                             en, zh)
    return None


@functools.cache
def output_label_record(metric: str) -> Label:
    """The :class:`Label` of an annual output; KeyError if the output has none."""
    label = LABELS.get(metric) or _family_label(metric)
    if label is None:
        raise KeyError(f"annual output {metric!r} has no label (abm.outputs.LABELS)")
    return label


def output_label(metric: str, lang: str = "en", short: bool = False) -> str:
    """An annual output's label in ``lang`` ("en" or "zh"); the metric name if it has none."""
    try:
        return output_label_record(metric).text(lang, short)
    except KeyError:
        return metric


def every_policy() -> list[Policy]:
    """One instance of every policy kind and option value (for the spending outputs)."""
    out = []
    for cls in POLICY_TYPES.values():
        options = list(cls.options.items())
        for values in itertools.product(*(v for _, v in options)):
            levels = {name: field.min for name, field in cls.fields.items()}
            choice = {name: value for (name, _), value in zip(options, values, strict=True)}
            out.append(cls(start=2020, end=2020, levels=levels, choice=choice))
    return out


def _stand_in_summary(scenario: str | None, months: slice | None) -> pd.DataFrame:
    """The annual summary of a stand-in model; ``months`` of each year are changed if given."""
    loaded = load_scenario(scenario or "baseline")
    policies = loaded.policies if scenario is not None else every_policy()
    rng = np.random.default_rng(0)
    n = YEARS * 12
    history = {name: rng.uniform(1.0, 2.0, (n, len(DISTRICTS), len(group.metric_names)))
               for name, group in REGISTRY.items()}
    spending = rng.uniform(1.0, 2.0, (n, len(policies)))
    if months is not None:
        change = np.random.default_rng(1)
        for values in (*history.values(), spending):
            view = values.reshape(YEARS, 12, *values.shape[1:])[:, months]
            view *= change.uniform(1.5, 3.0, view.shape)
    model = types.SimpleNamespace(
        start_year=int(loaded.params["run.start_year"]), month=n, history=history,
        params=loaded.params, policies=policies, spending=spending,
        month_log=[types.SimpleNamespace(**neutral_levers({"charging_index": 0.0}),
                                         grid_factor=0.5) for _ in range(n)])
    return annual_summary(model)  # type: ignore[arg-type]


@functools.cache
def annual_outputs(scenario: str | None = None) -> dict[str, OutputInfo]:
    """Every annual output with its unit and kind (nothing simulated).

    Args:
        scenario: Only the spending outputs of this scenario's policies; None: of every
            policy kind and option (what any experiment could produce).

    """
    base, early, december = (
        _stand_in_summary(scenario, months).set_index(["metric", "year"])
        for months in (None, slice(0, 11), slice(11, 12)))

    def differs(other: pd.DataFrame, metric: str) -> bool:
        return not np.allclose(base.loc[metric, "value"], other.loc[metric, "value"],
                               rtol=1e-9, atol=0.0, equal_nan=True)

    info = {}
    for metric in base.index.get_level_values("metric").unique():
        kind = ("flow" if differs(early, metric) else
                "stock" if differs(december, metric) else "either")
        info[str(metric)] = OutputInfo(str(base.loc[metric, "unit"].iloc[0]), kind)
    return info
