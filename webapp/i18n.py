"""English and Chinese labels of the app.

Only words of the interface live here. Parameter labels come from the parameter table
(``label_en`` / ``label_zh``); policy kinds, option values, sectors and outputs are named where
they are declared (``Policy.label_zh``, :func:`abm.policies.option_label`,
:data:`abm.results.EMISSION_SECTOR_LABELS`, :func:`abm.outputs.output_label`); the Chinese
names of policy fields are below, keyed by policy kind and field name. A missing translation
falls back to English.
"""

from __future__ import annotations

from abm import policies
from abm.policies import Policy
from abm.results import EMISSION_SECTOR_LABELS

LANGUAGES = ("en", "zh")

UI: dict[str, tuple[str, str]] = {
    # key: (English, Chinese)
    "title": ("Jiangmen carbon peaking: policy designer", "江门碳达峰政策设计器"),
    "language": ("Language", "语言"),
    "scenario": ("Scenario", "情景"),
    "scenario_name": ("Scenario name (for saving)", "情景名称（保存用）"),
    "reset": ("Reset to scenario", "恢复情景设定"),
    "first_year": ("First year", "起始年份"),
    "last_year": ("Last year", "结束年份"),
    "scale": ("Scale (real entities per agent)", "比例（每个智能体代表的实体数）"),
    "seed": ("Seed", "随机种子"),
    "n_seeds": ("Number of seeds", "种子数量"),
    "run": ("Run", "运行"),
    "cancel": ("Cancel", "取消"),
    "running": ("Running", "运行中"),
    "levers": ("Levers", "政策杠杆"),
    "run_controls": ("Run", "运行设置"),
    "emissions": ("Emissions", "排放"),
    "adoption": ("Adoption", "技术采纳"),
    "districts": ("Districts", "各区县"),
    "targets": ("Targets", "目标"),
    "cost": ("Cost", "成本"),
    "compare": ("Compare", "对比"),
    "agents": ("Agents", "智能体"),
    "download": ("Download", "下载"),
    "press_run": ("Set the levers and press Run.", "设置政策杠杆后点击“运行”。"),
    "fix_inputs": ("Fix these inputs before running:", "运行前请修正以下输入："),
    "finished": ("Finished", "完成"),
    "in_seconds": ("s", "秒"),
    "cancelled": ("Run cancelled.", "运行已取消。"),
    "failed": ("The run failed:", "运行失败："),
    "add": ("Add", "添加"),
    "remove": ("Remove", "删除"),
    "start": ("Start", "开始"),
    "end": ("End", "结束"),
    "in_force": ("in force", "实施期"),
    "not_used": ("Not used in this scenario.", "本情景未采用。"),
    "other_params": ("Other assumptions (parameter table)", "其他假设（参数表）"),
    "parameter": ("Parameter", "参数"),
    "add_override": ("Change a parameter", "修改参数"),
    "default": ("default", "默认"),
    "range": ("range", "范围"),
    "peak_year": ("Peak year", "达峰年份"),
    "peak_mt": ("Peak (Mt CO2)", "峰值（百万吨CO2）"),
    "co2_2030": ("2030 (Mt CO2)", "2030年（百万吨CO2）"),
    "cumulative": ("Cumulative (Mt CO2)", "累计（百万吨CO2）"),
    "abated": ("Abated vs baseline (Mt CO2)", "相对基准减排（百万吨CO2）"),
    "spending": ("Public spending (million CNY)", "财政支出（百万元）"),
    "cny_per_t": ("Cost per tonne, paid levers (CNY/t)", "付费政策每吨减排成本（元/吨）"),
    "cny_per_t_lifetime": ("Cost per tonne over asset lifetimes (CNY/t)",
                           "按资产寿命计每吨减排成本（元/吨）"),
    "accounting_note": (
        "Abated {first}–{last}: {total:.1f} Mt = {exo:.1f} from the scenario's assumptions "
        "(grid, prices, trends; free) + {reg:.1f} from regulations (mandates, carbon price) + "
        "{paid:.1f} from paid levers, for {extra:,.0f} million CNY more than the baseline. "
        "Over the adopted assets' lifetimes (to {horizon}) the paid levers abate "
        "{lifetime:.1f} Mt. Seed {seed}.",
        "{first}–{last}年减排：{total:.1f} 百万吨 = 情景假设（电网、价格、趋势，无财政成本）"
        "{exo:.1f} + 管制措施（强制标准、碳价）{reg:.1f} + 付费政策 {paid:.1f}，"
        "财政支出比基准多 {extra:,.0f} 百万元。按已采纳资产的寿命计（至 {horizon} 年），"
        "付费政策减排 {lifetime:.1f} 百万吨。随机种子 {seed}。"),
    "cost_definition": (
        "Cost per tonne = extra public spending over the baseline ÷ CO2 abated by the paid "
        "levers over the same years (undiscounted).",
        "每吨减排成本 = 相对基准增加的财政支出 ÷ 同期付费政策带来的CO2减排量（未贴现）。"),
    "windfall_note": (
        "Windfall (share of subsidised adopters who would have adopted by {last} without the "
        "paid levers): {shares}.",
        "搭便车比例（受补贴采纳者中，没有付费政策到{last}年也会采纳的比例）：{shares}。"),
    "windfall_household_pv": ("household PV", "户用光伏"),
    "windfall_household_retrofit": ("retrofits", "住宅改造"),
    "windfall_firm_pv": ("firm PV", "企业光伏"),
    "windfall_fishery_pv": ("fishery-PV", "渔光互补"),
    "windfall_vessel": ("vessels", "渔船"),
    "targets_met": ("Targets met", "达成目标"),
    "no_peak": ("no peak before the last year", "结束年份前未达峰"),
    "target": ("Target", "目标"),
    "section": ("Section", "条款"),
    "value": ("Value", "数值"),
    "threshold": ("Threshold", "门槛"),
    "met": ("Met", "达成"),
    "year_met": ("Year met", "达成年份"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "seeds_met": ("seeds met", "个种子达成"),
    "pin": ("Pin this run for comparison", "固定此次运行用于对比"),
    "unpin": ("Unpin", "取消固定"),
    "pinned": ("Pinned run", "已固定的运行"),
    "current": ("Current run", "当前运行"),
    "difference": ("Difference (current − pinned)", "差值（当前 − 固定）"),
    "nothing_pinned": ("Pin a run, change the levers, run again, and compare here.",
                       "固定一次运行，修改政策杠杆后再次运行，即可在此对比。"),
    "district": ("District", "区县"),
    "agent_note": ("A sample of the district's households at the end of the run "
                   "(Mesa agents of the model).",
                   "运行结束时该区县住户的样本（模型中的Mesa智能体）。"),
    "no_agents": ("Agent objects exist only for runs with at most 300,000 agents; "
                  "use a larger scale.", "智能体对象仅在不超过30万个智能体时创建，请增大比例。"),
    "download_csv": ("Results (CSV, as the CLI writes)", "结果（CSV，与命令行一致）"),
    "download_targets": ("Targets (CSV)", "目标（CSV）"),
    "download_toml": ("Levers as scenario TOML", "政策杠杆（情景TOML）"),
    "download_png": ("Chart (PNG)", "图表（PNG）"),
    "cli_hint": ("Run the saved scenario from the command line:", "用命令行运行保存的情景："),
    "spending_by_policy": ("Spending by policy (million CNY, whole run)",
                           "各政策财政支出（百万元，全程）"),
    "vs_baseline": ("Compared with the baseline run of the same seeds and scale",
                    "与相同种子和比例的基准情景比较"),
    "seeds_band": ("band: lowest to highest of the seeds", "阴影：各种子最低至最高"),
    "heavy_run": ("Small scales mean many agents; this run may take a minute.",
                  "比例越小智能体越多，本次运行可能需要一分钟。"),
    "baseline": ("baseline", "基准"),
    "changed": ("changed", "已修改"),
}

GROUPS: dict[str, tuple[str, str]] = {
    "rooftop_pv": ("Rooftop and fishery PV", "屋顶及渔光互补光伏"),
    "vehicles": ("Vehicles", "交通工具"),
    "buildings": ("Buildings", "建筑"),
    "carbon_inclusive": ("Carbon-inclusive scheme", "碳普惠"),
    "green_finance": ("Green finance", "绿色金融"),
    "carbon_price": ("Carbon price", "碳价格"),
    "grid": ("Grid", "电网"),
    "industry_fishery": ("Industry and fishery", "工业与渔业"),
    "other": ("Other policies", "其他政策"),
}

FIELD_ZH: dict[tuple[str, str], str] = {
    ("pv_subsidy", "level"): "每瓦装机补贴",
    ("feed_in_premium", "level"): "光伏上网电量溢价",
    ("retrofit_subsidy", "level"): "每平方米改造补贴",
    ("ev_purchase_subsidy", "level"): "每辆新能源车补贴",
    ("purchase_tax_exemption", "level"): "购置税减免比例",
    ("purchase_tax_exemption", "cap"): "最高减免额",
    ("green_finance", "rate_discount"): "绿色贷款利率优惠",
    ("green_finance", "credit_expansion"): "新增可获贷款比例",
    ("carbon_inclusive", "credit_price"): "减排量收购价格",
    ("carbon_inclusive", "outreach"): "宣传推广力度",
    ("carbon_price", "level"): "配额价格",
    ("charging_buildout", "target"): "结束年份充电便利指数",
    ("charging_buildout", "points_at_full"): "指数为1时公共充电桩数（假设）",
    ("charging_buildout", "cost_per_point"): "每个充电桩公共成本（假设）",
    ("green_building_mandate", "level"): "新建住宅绿色比例要求",
    ("vessel_replacement_subsidy", "level"): "每千瓦功率补贴",
    ("coal_phaseout", "level"): "每年强制改造的燃煤用户比例",
    ("trade_in_subsidy", "nev"): "换购新能源车补贴",
    ("trade_in_subsidy", "ice"): "换购燃油车补贴",
    ("trade_in_subsidy", "eligible"): "符合条件的置换车辆比例",
    ("nev_mandate", "level"): "该车型新车新能源比例要求",
    ("public_building_standard", "cooling_gain"): "结束年份大型公共建筑制冷能效较2020年提升",
    ("public_building_standard", "intensity_cut"): "结束年份公共机构单位面积能耗较2020年降幅",
    ("green_power_subsidy", "level"): "每千瓦时绿电补贴",
}

TARGET_ZH: dict[str, str] = {
    "co2_peak": "2030年前二氧化碳排放达峰",
    "nev_share_new_vehicles": "2030年新增交通工具中新能源、清洁能源约占40%",
    "ev_share_new_cars": "2030年新能源乘用车销量占比不低于30%",
    "operating_vehicle_intensity": "2030年营运交通工具单位CO2排放较2020年下降10%",
    "land_oil_peak": "2030年前陆路交通石油消费达峰",
    "green_travel": "2030年城区绿色出行比例不低于70%",
    "green_new_buildings": "2025年城镇新建建筑全面执行绿色建筑标准",
    "cement_intensity": "2030年单位熟料CO2排放较2020年下降8%",
    "renewable_capacity": "2030年可再生能源发电装机容量达到700万千瓦以上",
    "energy_intensity": "2025年单位地区生产总值能耗比2020年下降14%",
    "co2_intensity": "2025年单位地区生产总值二氧化碳排放比2020年下降20.5%（广东省目标）",
    "non_fossil_2025": "2025年非化石能源消费比重达到32%左右",
    "non_fossil_2030": "2030年非化石能源消费比重达到35%左右",
    "gas_capacity": "2025年天然气发电装机规模达到300万千瓦以上",
    "public_building_energy": "2030年公共机构单位建筑面积能耗比2020年降低7%",
    "public_building_cooling": "2030年大型公共建筑制冷能效比2020年提升20%",
}

CHART: dict[str, tuple[str, str]] = {
    "mt_per_year": ("Mt CO2 per year", "百万吨CO2/年"),
    "year": ("year", "年份"),
    "total": ("total (net of PV)", "合计（扣除光伏）"),
    "peak": ("peak", "峰值"),
    "baseline_total": ("baseline total", "基准情景合计"),
    "plan_target": ("plan target", "规划目标"),
    "share": ("share", "比例"),
    "million_cny": ("million CNY", "百万元"),
    "has_pv": ("Rooftop PV", "屋顶光伏"),
    "green_home": ("Green home", "绿色住宅"),
    "ci_member": ("Carbon-inclusive", "碳普惠"),
    "car_nev": ("Car is a NEV", "新能源汽车"),
    "adopted": ("adopted", "已采纳"),
    "not_adopted": ("not adopted", "未采纳"),
    "not_eligible": ("cannot (no roof / no car)", "不适用（无屋顶/无车）"),
}


def tr(key: str, lang: str) -> str:
    """An interface string in ``lang`` ("en" or "zh")."""
    pair = UI.get(key) or CHART.get(key) or GROUPS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "zh" else pair[0]


def policy_label(cls: type[Policy], lang: str) -> str:
    """A policy kind's label (declared by the kind: ``label``, ``label_zh``)."""
    return (cls.label_zh or cls.label) if lang == "zh" else cls.label


def field_label(kind: str, name: str, english: str, lang: str) -> str:
    """A policy field's label."""
    return FIELD_ZH.get((kind, name), english) if lang == "zh" else english


def option_label(value: str, lang: str) -> str:
    """An option value (e.g. the agent group of a PV subsidy): :func:`abm.policies.option_label`."""
    return policies.option_label(value, lang)


def target_label(key: str, english: str, lang: str) -> str:
    """A plan target's label."""
    return TARGET_ZH.get(key, english) if lang == "zh" else english


def sector_label(sector: str, lang: str) -> str:
    """An emitting sector's label (:data:`abm.results.EMISSION_SECTOR_LABELS`)."""
    pair = EMISSION_SECTOR_LABELS.get(sector, (sector, sector))
    return pair[1] if lang == "zh" else pair[0]
