"""The page: run controls and levers in the sidebar, results in tabs.

All state belongs to one browser session: it lives in the :func:`Page` component
(``solara.use_reactive`` / ``solara.use_memo``), never at module level. Runs go through a
``solara.lab.use_task`` thread with progress and a cancel button, so the page stays live.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import solara
import solara.lab

from abm import data
from abm.params import ParameterError, ParamSpec, parameter_table
from abm.policies import POLICY_TYPES, LevelField
from abm.scenario import Scenario, available_scenarios, load_scenario
from webapp import figures, i18n, levers
from webapp.runner import HEAVY_SCALE, RunCancelled, RunConfig, RunSet, run_set

DEFAULT_SCENARIO = "plan"
DEFAULT_RUN = {"scale": "50", "seed": "0", "n_seeds": "1", "end_year": "2035"}
LANG_BUTTONS = {"EN": "en", "中文": "zh"}


# --------------------------------------------------------------------------- helpers
def parse_number(text: Any) -> float | str:
    """A typed number, or the text itself when it is not a finite number."""
    try:
        value = float(str(text).strip().replace(",", ""))
    except ValueError:
        return str(text)
    return value if math.isfinite(value) else str(text)


def parse_int(text: Any) -> int | str:
    """A typed whole number, or the text itself."""
    value = parse_number(text)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return str(text)


def fmt(value: Any) -> str:
    """A lever value as shown in its input."""
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e6 else f"{value:.0f}"
    return str(value)


def run_config(inputs: dict[str, str], start_year: int) -> tuple[RunConfig | None, list[str]]:
    """Parse the run inputs; messages for the ones that are not numbers or out of range."""
    scale = parse_number(inputs["scale"])
    seed, n_seeds, end_year = (parse_int(inputs[k]) for k in ("seed", "n_seeds", "end_year"))
    problems = []
    for label, value in (("Scale", scale), ("Seed", seed), ("Number of seeds", n_seeds),
                         ("Last year", end_year)):
        if isinstance(value, str):
            kind = "number" if label == "Scale" else "whole number"
            problems.append(f"{label}: {value!r} is not a {kind}.")
    if problems:
        return None, problems
    config = RunConfig(scale=float(scale), seed=int(seed), n_seeds=int(n_seeds),
                       start_year=start_year, end_year=int(end_year))
    return config, config.problems()


def district_name(code: str) -> str:
    """Chinese name with pinyin, e.g. ``蓬江区 Pengjiang``."""
    row = data.districts().loc[code]
    return f"{row['name_zh']} {row['name_pinyin']}"


def number_or_dash(value: float, digits: int = 1) -> str:
    """A number for a table cell (— for missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}"


def check_request(s: Session) -> tuple[Scenario | None, RunConfig | None, list[str]]:
    """The scenario and run config of the session's current inputs, and their problems."""
    draft = s.draft.value
    problems = list(levers.field_errors(draft).values())
    start_year = draft["parameters"].get("run.start_year", 2020)
    config, run_problems = run_config(s.inputs.value, start_year if isinstance(start_year, int)
                                      and not isinstance(start_year, bool) else 2020)
    problems += run_problems
    scenario = None
    if not problems:
        try:
            scenario = levers.build_scenario(draft)
            scenario.name = levers.safe_name(scenario.name)
        except ParameterError as error:
            problems.append(str(error))
    return scenario, config, problems


def current_request(s: Session) -> tuple[Scenario | None, RunConfig | None]:
    """What Run would run now (None if an input is invalid)."""
    scenario, config, problems = check_request(s)
    return (scenario, config) if not problems else (None, None)


@dataclass
class Session:
    """The reactive state of one browser session."""

    lang: solara.Reactive[str]
    scenario: solara.Reactive[str]
    draft: solara.Reactive[dict]
    inputs: solara.Reactive[dict]
    result: solara.Reactive[RunSet | None]
    pinned: solara.Reactive[RunSet | None]
    message: solara.Reactive[str]
    progress: solara.Reactive[float]
    baseline_cache: dict
    counter: list

    def t(self, key: str) -> str:
        """Interface string in the session's language."""
        return i18n.tr(key, self.lang.value)


# --------------------------------------------------------------------------- levers
@solara.component
def NumberField(label: str, value: Any, on_value, error: str = "", css: str = "",  # noqa: N802
                hint: str = "") -> None:
    """A text input for a number: any text is accepted and checked by the caller."""
    solara.InputText(label, value=fmt(value), on_value=on_value, error=error or False,
                     message=error or hint, classes=[css, "number-field"])


@solara.component
def LevelInput(spec: LevelField | ParamSpec, label: str, value: Any, on_value,  # noqa: N802
               error: str, css: str) -> None:
    """Slider and typed value of one lever, with unit and range."""
    number = value if isinstance(value, int | float) else spec.min
    with solara.Column(gap="0px", classes=["lever", css]):
        solara.Text(f"{label} [{spec.unit}]", style={"font-size": "0.85em"})
        with solara.Row(gap="8px", style={"align-items": "center"}):
            with solara.Div(style={"flex": "1 1 60%"}):
                solara.SliderFloat("", value=float(min(max(number, spec.min), spec.max)),
                                   min=spec.min, max=spec.max, step=levers.step_of(spec),
                                   on_value=on_value, thumb_label=False)
            with solara.Div(style={"flex": "0 0 40%"}):
                NumberField("", value, lambda text: on_value(parse_number(text)), error,
                            css=f"{css}-input", hint=f"{spec.min:g} – {spec.max:g}")


@solara.component
def PolicyCard(s: Session, index: int, entry: dict, errors: dict[str, str]) -> None:  # noqa: N802
    """One policy in force over some years: its levels, years and a remove button."""
    lang = s.lang.value
    cls = POLICY_TYPES[entry["kind"]]
    options = " · ".join(i18n.option_label(v, lang) for v in entry["choice"].values())
    title = i18n.policy_label(cls, lang) + (f" [{options}]" if options else "")
    key = f"lever-{cls.kind}" + "".join(f"-{v}" for v in entry["choice"].values())

    def set_value(field: str, value: Any) -> None:
        s.draft.value = levers.with_policy_value(s.draft.value, index, field, value)

    def remove() -> None:
        draft = dict(s.draft.value)
        draft["policies"] = [p for j, p in enumerate(draft["policies"]) if j != index]
        s.draft.value = draft

    with solara.Card(margin=0, elevation=1, classes=["policy-card", key],
                     style={"padding": "6px 10px", "margin-bottom": "8px"}):
        with solara.Row(style={"align-items": "center", "justify-content": "space-between"}):
            solara.Text(title, style={"font-weight": "bold"})
            solara.Button(icon_name="mdi-delete", text=True, on_click=remove,
                          classes=[f"{key}-remove"], style={"min-width": "0"})
        for name, spec in cls.fields.items():
            LevelInput(spec, i18n.field_label(cls.kind, name, spec.label, lang),
                       entry["levels"].get(name), lambda v, n=name: set_value(n, v),
                       errors.get(f"policy:{index}:{name}", ""), f"{key}-{name}")
        with solara.Row(gap="8px"):
            for end in ("start", "end"):
                with solara.Div(style={"flex": "1"}):
                    NumberField(s.t(end), entry[end],
                                lambda text, e=end: set_value(e, parse_int(text)),
                                errors.get(f"policy:{index}:{end}", ""), css=f"{key}-{end}")
        span = errors.get(f"policy:{index}:years")
        if span:
            solara.Error(span, dense=True, classes=["span-error"])


@solara.component
def ParameterInput(s: Session, spec: ParamSpec, errors: dict[str, str]) -> None:  # noqa: N802
    """A parameter-table row as a lever (default unless overridden)."""
    lang = s.lang.value
    overrides = s.draft.value["parameters"]
    value = overrides.get(spec.key, spec.default)
    label = spec.label_zh if lang == "zh" else spec.label_en

    def on_value(v: Any) -> None:
        if isinstance(v, float) and spec.type == "int" and v.is_integer():
            v = int(v)
        same = isinstance(v, int | float) and v == spec.default
        s.draft.value = levers.with_parameter(s.draft.value, spec.key, None if same else v)

    LevelInput(spec, label, value, on_value, errors.get(f"param:{spec.key}", ""),
               "param-" + spec.key.replace(".", "-"))


@solara.component
def LeverPanel(s: Session, errors: dict[str, str]) -> None:  # noqa: N802
    """The levers, grouped as the plan groups them."""
    lang = s.lang.value
    draft = s.draft.value
    for group in levers.lever_groups():
        with solara.Details(summary=i18n.tr(group.key, lang), expand=False):
            for kind in group.kinds:
                cls = POLICY_TYPES[kind]
                solara.Text(f"{i18n.policy_label(cls, lang)} — "
                            f"{levers.explanation(cls)}",
                            style={"font-size": "0.8em", "color": "#555"})
                entries = [(i, p) for i, p in enumerate(draft["policies"]) if p["kind"] == kind]
                for i, entry in entries:
                    PolicyCard(s, i, entry, errors)
                choices = ([{name: value} for name, values in cls.options.items()
                            for value in values] or [{}])
                with solara.Row(gap="4px", style={"flex-wrap": "wrap", "margin-bottom": "8px"}):
                    for choice in choices:
                        suffix = "".join(f" {i18n.option_label(v, lang)}"
                                         for v in choice.values())

                        def add(kind=kind, choice=choice) -> None:
                            draft = dict(s.draft.value)
                            draft["policies"] = [*draft["policies"],
                                                 levers.new_policy(draft, kind, choice)]
                            s.draft.value = draft

                        solara.Button(f"+ {s.t('add')}{suffix}", on_click=add, text=True,
                                      classes=[f"add-{kind}" + "".join(f"-{v}" for v in
                                                                       choice.values())])
            for spec in levers.group_parameters(group):
                ParameterInput(s, spec, errors)
    OtherParameters(s, errors)


@solara.component
def OtherParameters(s: Session, errors: dict[str, str]) -> None:  # noqa: N802
    """Any other row of the parameter table can be changed here."""
    table = parameter_table()
    shown = {spec.key for g in levers.lever_groups() for spec in levers.group_parameters(g)}
    choice, set_choice = solara.use_state("")
    with solara.Details(summary=s.t("other_params"), expand=False):
        keys = [k for k in table if k not in shown]
        solara.Select(s.t("add_override"), values=keys, value=choice or None,
                      on_value=lambda v: set_choice(v or ""))
        listed = [k for k in s.draft.value["parameters"] if k not in shown]
        if choice and choice not in listed:
            listed.append(choice)
        for key in listed:
            spec = table.get(key)
            if spec is None:
                continue
            ParameterInput(s, spec, errors)
            solara.Text(spec.source, style={"font-size": "0.75em", "color": "#777"})


# --------------------------------------------------------------------------- results
def headline_html(s: Session, current: RunSet) -> str:
    """The key numbers of the current run, against the baseline."""
    h = current.headline()
    cells = [
        ("peak_year", number_or_dash(h["peak_year"], 0).replace(",", "")
         if h["peaked"] >= 0.5 else s.t("no_peak")),
        ("peak_mt", number_or_dash(h["peak_mt"])),
        ("co2_2030", number_or_dash(h["co2_2030_mt"])),
        ("cumulative", number_or_dash(h["cumulative_mt"], 0)),
        ("abated", number_or_dash(h["abated_mt"])),
        ("spending", number_or_dash(h["spending_mcny"], 0)),
        ("cny_per_t", number_or_dash(h["cny_per_t"], 0)),
        ("cny_per_t_lifetime", number_or_dash(h["cny_per_t_lifetime"], 0)),
        ("targets_met", f"{h['targets_met']:.1f}".rstrip("0").rstrip(".")
         + f" / {len(current.runs[0].targets)}"),
    ]
    body = "".join(f'<div class="kpi kpi-{k}"><div class="kpi-label">{html.escape(s.t(k))}</div>'
                   f'<div class="kpi-value">{html.escape(v)}</div></div>' for k, v in cells)
    return f'<div class="kpis">{body}</div>' + accounting_html(s, current)


def accounting_html(s: Session, current: RunSet) -> str:
    """Where the abatement comes from, and the cost-per-tonne definition, under the KPIs."""
    acc = current.accounting
    if acc is None:
        return ""
    text = s.t("accounting_note").format(
        first=acc.first_year, last=acc.last_year, total=acc.abated_mt, exo=acc.exogenous_mt,
        reg=acc.regulation_mt, paid=acc.paid_mt, extra=acc.extra_spending_mcny,
        horizon=acc.horizon, lifetime=acc.lifetime_paid_mt, seed=current.config.seed)
    shares = ", ".join(f"{s.t('windfall_' + tech)} {share:.2f}"
                       for tech, share in acc.windfall.items() if share == share)
    if shares:
        text += " " + s.t("windfall_note").format(last=acc.last_year, shares=shares)
    return (f'<div class="accounting" style="font-size:0.8em;color:#555">{html.escape(text)} '
            f'<i>{html.escape(s.t("cost_definition"))}</i></div>')


def scoreboard_html(s: Session, current: RunSet) -> str:
    """Each trackable target: value, met or not, year met (and seeds met if several)."""
    lang = s.lang.value
    n = len(current.runs)
    first = current.runs[0].targets
    met_counts = sum(r.targets["met"].astype(int).to_numpy() for r in current.runs)
    values = np.nanmedian(np.vstack([r.targets["value"].to_numpy(float) for r in current.runs]),
                          axis=0) if n > 1 else first["value"].to_numpy(float)
    head = [s.t(k) for k in ("target", "section", "threshold", "value", "met", "year_met")]
    if n > 1:
        head.append(s.t("seeds_met"))
    rows = []
    for i, row in enumerate(first.itertuples()):
        unit = "" if row.unit == "1" else f" {row.unit}"
        value, threshold = values[i], row.threshold
        shown = (f"{value:.0f}" if row.unit in ("year", "MW") else f"{value:.2f}") \
            if not np.isnan(value) else "—"
        met = met_counts[i] == n if n > 1 else bool(row.met)
        year_met = "—" if np.isnan(row.year_met) else f"{row.year_met:.0f}"
        cells = [i18n.target_label(row.target, row.label, lang), row.section,
                 f"{threshold:g}{unit}", shown + unit, s.t("yes") if met else s.t("no"), year_met]
        if n > 1:
            cells.append(f"{met_counts[i]} / {n}")
        tds = "".join(f"<td>{html.escape(str(c))}</td>" for c in cells)
        rows.append(f'<tr class="target target-{row.target} {"met" if met else "not-met"}">'
                    f"{tds}</tr>")
    ths = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return f'<table class="scoreboard"><tr>{ths}</tr>{"".join(rows)}</table>'


def districts_html(s: Session, current: RunSet) -> str:
    """Table of the seven districts: CO2 first, 2030 and last year, and vs baseline."""
    years = current.years
    last = years[-1]
    head = [s.t("district"), f"{years[0]}", "2030", f"{last}", f"{last} − {s.t('baseline')}"]
    rows = []
    for d, code in enumerate(data.DISTRICTS):
        def total(results, d=d):
            return np.mean([sum(v[:, d] for v in r.districts.values()) for r in results],
                           axis=0) / 1e6

        cur, base = total(current.runs), total(current.baselines)
        at = lambda arr, y: arr[list(years).index(y)] if y in years else float("nan")  # noqa: E731
        cells = [district_name(code), number_or_dash(at(cur, years[0]), 2),
                 number_or_dash(at(cur, 2030), 2), number_or_dash(at(cur, last), 2),
                 number_or_dash(at(cur, last) - at(base, last), 2)]
        rows.append(f'<tr class="district district-{code}">'
                    + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    ths = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return (f'<table class="scoreboard districts-table"><tr>{ths}</tr>{"".join(rows)}</table>'
            f'<div style="font-size:0.8em;color:#666">Mt CO2</div>')


def compare_html(s: Session, current: RunSet, pinned: RunSet) -> str:
    """Current vs pinned: emissions, peak year and cost, and their difference."""
    a, b = current.headline(), pinned.headline()
    keys = ("peak_year", "peak_mt", "co2_2030_mt", "cumulative_mt", "spending_mcny",
            "abated_mt", "cny_per_t", "targets_met")
    labels = {"co2_2030_mt": "co2_2030", "cumulative_mt": "cumulative", "spending_mcny":
              "spending", "peak_year": "peak_year", "peak_mt": "peak_mt", "abated_mt": "abated",
              "cny_per_t": "cny_per_t", "targets_met": "targets_met"}
    rows = []
    for key in keys:
        digits = 0 if key in ("peak_year", "spending_mcny", "cny_per_t") else 1
        cur, pin = a[key], b[key]
        diff = cur - pin
        cells = [s.t(labels[key]), number_or_dash(cur, digits).replace(",", "")
                 if key == "peak_year" else number_or_dash(cur, digits),
                 number_or_dash(pin, digits).replace(",", "") if key == "peak_year"
                 else number_or_dash(pin, digits),
                 ("+" if diff > 0 else "") + number_or_dash(diff, digits)]
        rows.append(f'<tr class="cmp cmp-{key}">'
                    + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    head = ["", f"{s.t('current')}: {current.label}", f"{s.t('pinned')}: {pinned.label}",
            s.t("difference")]
    ths = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return f'<table class="scoreboard compare-table"><tr>{ths}</tr>{"".join(rows)}</table>'


@solara.component
def Chart(make, args: tuple, filename: str, s: Session) -> None:  # noqa: N802
    """A matplotlib chart as a PNG image, with its download button."""
    image = solara.use_memo(lambda: figures.png(make(*args)), dependencies=list(args))
    solara.Image(image, classes=[f"chart-{filename.removesuffix('.png')}"])
    solara.FileDownload(image, filename=filename, label=f"{s.t('download_png')}: {filename}",
                        mime_type="image/png")


@solara.component
def AgentsView(s: Session, current: RunSet) -> None:  # noqa: N802
    """Households of one district at the end of the run: who adopted what."""
    code, set_code = solara.use_state("TS")
    sample = current.runs[0].agents
    if sample is None:
        solara.Info(s.t("no_agents"))
        return
    names = {district_name(c): c for c in data.DISTRICTS}
    solara.Select(s.t("district"), values=list(names), value=district_name(code),
                  on_value=lambda v: set_code(names[v]))
    solara.Text(s.t("agent_note"))
    part = sample[sample["district"] == code]
    Chart(figures.agents_figure, (part, s.lang.value), "agents.png", s)
    solara.DataFrame(part.head(40), items_per_page=10)


@solara.component
def Results(s: Session, current: RunSet) -> None:  # noqa: N802
    """The tabs of a finished run."""
    lang = s.lang.value
    solara.HTML(unsafe_innerHTML=headline_html(s, current), classes=["headline"])
    solara.Text(f"{current.label} — {s.t('vs_baseline')}", classes=["run-label"],
                style={"font-size": "0.85em", "color": "#555"})
    with solara.lab.Tabs(lazy=True):
        with solara.lab.Tab(s.t("emissions"), classes=["tab-emissions"]):
            Chart(figures.emissions_figure, (current, lang), "emissions.png", s)
        with solara.lab.Tab(s.t("adoption"), classes=["tab-adoption"]):
            Chart(figures.adoption_figure, (current, lang), "adoption.png", s)
        with solara.lab.Tab(s.t("districts"), classes=["tab-districts"]):
            Chart(figures.districts_figure, (current, lang), "districts.png", s)
            solara.HTML(unsafe_innerHTML=districts_html(s, current))
        with solara.lab.Tab(s.t("targets"), classes=["tab-targets"]):
            solara.HTML(unsafe_innerHTML=scoreboard_html(s, current))
        with solara.lab.Tab(s.t("cost"), classes=["tab-cost"]):
            Chart(figures.cost_figure, (current, lang), "cost.png", s)
        with solara.lab.Tab(s.t("compare"), classes=["tab-compare"]):
            ComparePanel(s, current)
        with solara.lab.Tab(s.t("agents"), classes=["tab-agents"]):
            AgentsView(s, current)
        with solara.lab.Tab(s.t("download"), classes=["tab-download"]):
            DownloadPanel(s, current)


@solara.component
def ComparePanel(s: Session, current: RunSet) -> None:  # noqa: N802
    """Pin a run; compare the current one with it."""
    pinned = s.pinned.value
    with solara.Row():
        solara.Button(s.t("pin"), on_click=lambda: s.pinned.set(current), color="primary",
                      outlined=True, classes=["pin-button"])
        if pinned is not None:
            solara.Button(s.t("unpin"), on_click=lambda: s.pinned.set(None), text=True,
                          classes=["unpin-button"])
    if pinned is None:
        solara.Info(s.t("nothing_pinned"))
        return
    solara.HTML(unsafe_innerHTML=compare_html(s, current, pinned))
    Chart(figures.compare_figure, (current, pinned, s.lang.value), "compare.png", s)


@solara.component
def DownloadPanel(s: Session, current: RunSet) -> None:  # noqa: N802
    """CSV of the run, the levers as TOML, and how to run them from the command line."""
    name = current.scenario.name
    csv = solara.use_memo(current.annual_csv, dependencies=[current])
    solara.FileDownload(csv, filename=f"{name}_annual.csv",
                        label=f"{s.t('download_csv')}: {name}_annual.csv", mime_type="text/csv")
    solara.FileDownload(current.targets_csv, filename=f"{name}_targets.csv",
                        label=f"{s.t('download_targets')}: {name}_targets.csv",
                        mime_type="text/csv")
    try:
        toml = levers.scenario_toml(s.draft.value)
        toml_name = f"{levers.safe_name(s.draft.value['name'])}.toml"
    except ParameterError as error:
        solara.Error(str(error))
        return
    solara.FileDownload(toml, filename=toml_name, label=f"{s.t('download_toml')}: {toml_name}",
                        mime_type="application/toml")
    cfg = current.config
    solara.Text(s.t("cli_hint"))
    solara.Preformatted(f"python -m abm run --scenario {toml_name} --scale {cfg.scale:g} "
                        f"--seed {cfg.seed} --end-year {cfg.end_year}")


# --------------------------------------------------------------------------- page
CSS = """
.kpis { display: flex; flex-wrap: wrap; gap: 8px; margin: 4px 0 8px 0; }
.kpi { border: 1px solid #ddd; border-radius: 6px; padding: 6px 10px; min-width: 130px; }
.kpi-label { font-size: 0.75em; color: #555; }
.kpi-value { font-size: 1.25em; font-weight: 600; }
table.scoreboard { border-collapse: collapse; font-size: 0.9em; margin: 8px 0; }
table.scoreboard td, table.scoreboard th { border: 1px solid #ddd; padding: 4px 8px; }
tr.target.met td { background: #e3f4e1; }
tr.target.not-met td { background: #fbe3e3; }
.lever .v-input__slot { margin-bottom: 0; }
"""


@solara.component
def Page() -> None:  # noqa: N802 (Solara looks for "Page")
    """The policy designer's page."""
    s = Session(
        lang=solara.use_reactive("en"),
        scenario=solara.use_reactive(DEFAULT_SCENARIO),
        draft=solara.use_reactive(solara.use_memo(
            lambda: levers.draft_from_scenario(load_scenario(DEFAULT_SCENARIO)), [])),
        inputs=solara.use_reactive(dict(DEFAULT_RUN)),
        result=solara.use_reactive(None),
        pinned=solara.use_reactive(None),
        message=solara.use_reactive(""),
        progress=solara.use_reactive(0.0),
        baseline_cache=solara.use_memo(dict, []),
        counter=solara.use_memo(lambda: [0], []),
    )
    request = solara.use_ref(None)
    task_ref = solara.use_ref(None)

    def work() -> None:
        scenario, config = request.current
        task = task_ref.current
        try:
            runs = run_set(scenario, config,
                           progress=lambda share: s.progress.set(100 * share),
                           should_stop=lambda: not task.is_current(),
                           baseline_cache=s.baseline_cache)
        except RunCancelled:
            s.message.value = "cancelled"
            return
        except (ParameterError, ValueError) as error:
            s.message.value = f"error:{error}"
            return
        s.counter[0] += 1
        seeds = config.seeds
        runs.label = (f"#{s.counter[0]} {scenario.name}, scale {config.scale:g}, seed"
                      + (f"s {seeds[0]}–{seeds[-1]}" if len(seeds) > 1 else f" {seeds[0]}"))
        s.message.value = f"done:{runs.seconds:.1f}"
        s.result.value = runs

    task = solara.lab.use_task(work, dependencies=None, raise_error=False)
    task_ref.current = task

    draft = s.draft.value
    errors = levers.field_errors(draft)
    start_year = draft["parameters"].get("run.start_year", 2020)
    _, config, problems = check_request(s)
    running = task.pending

    def start() -> None:
        # read the levers now (not from this render's closure): the latest typed values count
        now_scenario, now_config = current_request(s)
        if now_scenario is None or now_config is None:
            return
        request.current = (now_scenario, now_config)
        s.message.value = ""
        s.progress.value = 0.0
        task()

    def pick(name: str) -> None:
        s.scenario.value = name
        s.draft.value = levers.draft_from_scenario(load_scenario(name))

    solara.Title(s.t("title"))
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle(s.t("title"))
        solara.ToggleButtonsSingle(
            value=next(k for k, v in LANG_BUTTONS.items() if v == s.lang.value),
            values=list(LANG_BUTTONS), on_value=lambda v: s.lang.set(LANG_BUTTONS[v]),
            classes=["lang-switch"])
    with solara.Sidebar():
        with solara.Card(margin=0, elevation=0):
            solara.Select(s.t("scenario"), values=available_scenarios(), value=s.scenario.value,
                          on_value=pick)
            solara.Button(s.t("reset"), on_click=lambda: pick(s.scenario.value), text=True,
                          icon_name="mdi-restore", classes=["reset-button"])
            NumberField(s.t("scenario_name"), draft["name"],
                        lambda v: s.draft.set({**s.draft.value, "name": v}),
                        errors.get("name", ""), css="scenario-name")
            RunInputs(s, start_year)
            with solara.Row():
                solara.Button(s.t("run"), on_click=start, color="primary",
                              disabled=bool(problems) or running, classes=["run-button"])
                if running:
                    solara.Button(s.t("cancel"), on_click=task.cancel, outlined=True,
                                  classes=["cancel-button"])
            if running:
                RunProgress(s)
            if config is not None and config.scale < HEAVY_SCALE:
                solara.Warning(s.t("heavy_run"), dense=True)
        solara.Text(s.t("levers"), style={"font-weight": "bold", "font-size": "1.1em"})
        LeverPanel(s, errors)
    if problems:
        with solara.Div(classes=["input-problems"]):
            solara.Error(s.t("fix_inputs"), dense=True)
            for problem in problems:
                solara.Error(problem, dense=True, icon=False, classes=["input-problem"])
    message = s.message.value
    if message == "cancelled":
        solara.Warning(s.t("cancelled"), classes=["run-message"])
    elif message.startswith("error:"):
        solara.Error(f"{s.t('failed')} {message[6:]}", classes=["run-message"])
    elif message.startswith("done:"):
        solara.Success(f"{s.t('finished')}: {message[5:]} {s.t('in_seconds')}",
                       dense=True, classes=["run-message", "run-done"])
    if s.result.value is None:
        solara.Info(s.t("press_run"), classes=["no-run"])
    else:
        Results(s, s.result.value)


@solara.component
def RunProgress(s: Session) -> None:  # noqa: N802
    """Progress of the running run (only this component re-renders as it advances)."""
    pct = s.progress.value
    solara.ProgressLinear(pct, classes=["run-progress"])
    solara.Text(f"{s.t('running')} {pct:.0f} %", classes=["run-status"])


@solara.component
def RunInputs(s: Session, start_year: Any) -> None:  # noqa: N802
    """First and last year, scale, seed and number of seeds."""
    inputs = s.inputs.value

    def set_input(key: str, text: str) -> None:
        s.inputs.value = {**s.inputs.value, key: text}

    def set_start(text: str) -> None:
        value = parse_int(text)
        s.draft.value = levers.with_parameter(s.draft.value, "run.start_year",
                                              None if value == 2020 else value)

    _, problems = run_config(inputs, start_year if isinstance(start_year, int) else 2020)
    year_problem = next((p for p in problems if "year" in p.lower()), "")
    with solara.Row(gap="8px"):
        with solara.Div(style={"flex": "1"}):
            NumberField(s.t("first_year"), start_year, set_start,
                        levers.field_errors(s.draft.value).get("param:run.start_year", ""),
                        css="first-year")
        with solara.Div(style={"flex": "1"}):
            NumberField(s.t("last_year"), inputs["end_year"],
                        lambda v: set_input("end_year", v), year_problem, css="last-year")
    NumberField(s.t("scale"), inputs["scale"], lambda v: set_input("scale", v),
                next((p for p in problems if p.startswith("Scale")), ""), css="scale")
    with solara.Row(gap="8px"):
        with solara.Div(style={"flex": "1"}):
            NumberField(s.t("seed"), inputs["seed"], lambda v: set_input("seed", v),
                        next((p for p in problems if p.startswith("Seed")), ""), css="seed")
        with solara.Div(style={"flex": "1"}):
            NumberField(s.t("n_seeds"), inputs["n_seeds"], lambda v: set_input("n_seeds", v),
                        next((p for p in problems if p.startswith("Number")), ""),
                        css="n-seeds")
