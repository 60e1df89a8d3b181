"""The page: run controls and levers in the sidebar, results in tabs.

All state belongs to one browser session: it lives in the :func:`Page` component
(``solara.use_reactive`` / ``solara.use_memo``), never at module level, and is mirrored in the
page's URL (``?s=...``: scenario, levers, run inputs, language), so a reload or a shared link
opens the same levers. Runs go through a ``solara.lab.use_task`` thread with progress and a
cancel button, so the page stays live.

What is shown is always the run of the levers shown: every run keeps the levers it was made
from (:class:`webapp.runner.RunSet` ``draft``/``inputs``/``key``); when the levers on screen
differ, the results are marked stale (a banner, greyed results) and, with *Run on every
change*, run again. Downloads are of the run on screen, from that run's levers.
"""

from __future__ import annotations

import contextlib
import html
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import reacton.core
import reacton.ipyvuetify as rv
import solara
import solara.lab
from solara.components.input import use_change

from abm import data
from abm.params import ParameterError, ParamSpec, parameter_table
from abm.policies import POLICY_TYPES, LevelField
from abm.posterior import fits_in_use
from abm.scenario import Scenario, available_scenarios, load_scenario
from webapp import figures, i18n, levers, state, warm
from webapp.runner import (
    BANDS,
    HEAVY_SCALE,
    INSTANT_SCALE,
    REFERENCES,
    RunCancelled,
    RunConfig,
    RunSet,
    add_accounting,
    agents_of,
    instant_config,
    lever_contributions,
    run_set,
    seed_overrides,
)

DEFAULT_SCENARIO = "plan"
DEFAULT_RUN = {"scale": "50", "seed": "0", "n_seeds": "1", "end_year": "2035",
               "against": REFERENCES[0], "bands": BANDS[0]}
RUN_KEYS = tuple(DEFAULT_RUN)
ADDED_RUN_KEYS = ("against", "bands")
"""Run inputs added after the URL format's first version: a saved state without them gets
the default (an old link still opens with its own run settings)."""
LANG_BUTTONS = {"EN": "en", "中文": "zh"}
MAX_PINNED = 6
ACCOUNTING_DELAY = 1.5
"""Seconds between showing a run's charts and starting its cost accounting's extra runs."""
PRERUN_DELAY = 0.05
"""Seconds the levers must stay unchanged before the page runs them ahead of *Run*
(:func:`prerun`): the lever change's own renders go first, and a slider dragged or a number
typed does not start a run per step."""

parse_number = state.parse_number
parse_int = state.parse_int


# --------------------------------------------------------------------------- helpers
def fmt(value: Any) -> str:
    """A lever value as shown in its input."""
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e6 else f"{value:.0f}"
    return str(value)


def run_config(inputs: dict[str, str], start_year: int, lang: str = "en"
               ) -> tuple[RunConfig | None, list[str]]:
    """Parse the run inputs; messages for the ones that are not numbers or out of range.

    ``inputs["against"]`` is the reference's name (:data:`webapp.runner.REFERENCES`),
    ``inputs["bands"]`` what the bands hold (:data:`webapp.runner.BANDS`).
    """
    scale = parse_number(inputs["scale"])
    seed, n_seeds, end_year = (parse_int(inputs[k]) for k in ("seed", "n_seeds", "end_year"))
    problems = []
    k = 1 if lang == "zh" else 0
    for label, value in (("Scale", scale), ("Seed", seed), ("Number of seeds", n_seeds),
                         ("Last year", end_year)):
        if isinstance(value, str):
            which = "run_not_number" if label == "Scale" else "run_not_whole"
            problems.append(i18n.message(which, lang, label=i18n.RUN_LABELS[label][k],
                                         value=value))
    if problems:
        return None, problems
    config = RunConfig(scale=float(scale), seed=int(seed), n_seeds=int(n_seeds),
                       start_year=start_year, end_year=int(end_year),
                       against=str(inputs.get("against", DEFAULT_RUN["against"])),
                       bands=str(inputs.get("bands", DEFAULT_RUN["bands"])))
    return config, config.problems(lang)


def district_name(code: str) -> str:
    """Chinese name with pinyin, e.g. ``蓬江区 Pengjiang``."""
    row = data.districts().loc[code]
    return f"{row['name_zh']} {row['name_pinyin']}"


number_or_dash = state.plain


def _lang(s: Any) -> str:
    lang = getattr(s, "lang", None)
    return getattr(lang, "value", "en") if lang is not None else "en"


def check_request(s: Session) -> tuple[Scenario | None, RunConfig | None, list[str]]:
    """The scenario and run config of the session's current inputs, and their problems."""
    lang = _lang(s)
    draft = s.draft.value
    problems = list(levers.field_errors(draft, lang).values())
    start_year = draft["parameters"].get("run.start_year", 2020)
    config, run_problems = run_config(s.inputs.value, start_year if isinstance(start_year, int)
                                      and not isinstance(start_year, bool) else 2020, lang)
    problems += run_problems
    scenario = None
    if not problems:
        try:
            scenario = levers.build_scenario(draft)
            scenario.name = levers.safe_name(scenario.name)
        except ParameterError as error:
            problems.append(i18n.tr("overlap", lang) if lang == "zh" and "overlap" in
                            str(error) else str(error))
    return scenario, config, problems


def current_request(s: Session) -> tuple[Scenario | None, RunConfig | None]:
    """What Run would run now (None if an input is invalid)."""
    scenario, config, problems = check_request(s)
    return (scenario, config) if not problems else (None, None)


def against_name(s: Any, runs: list[RunSet]) -> str:
    """What the runs are compared against, as labels name it ("its reference" if they differ).

    ``s`` needs only ``t`` (a :class:`Session`, or a stand-in with the same ``t``).
    """
    if mixed_references(runs):
        return s.t("against_each")
    return s.t(f"against_{runs[0].config.against}")


def run_label(runs: RunSet, lang: str, base: dict | None = None,
              with_reference: bool = True) -> str:
    """A run's label: number, scenario, what sets it apart (edited, scale, seeds, draws, ...).

    What sets a run apart: edited levers, preview, scale, seeds, posterior draws, reference.

    ``with_reference=False`` leaves the reference out (the results' label names it after).
    """
    t = lambda key, **v: i18n.tr(key, lang).format(**v)  # noqa: E731
    draft = runs.draft or {}
    parts = [f"#{runs.number} {i18n.scenario_title(runs.scenario.name, lang)}"]
    if base is not None and draft and state.changed_levers(draft, base):
        parts.append(t("edited"))
    cfg = runs.config
    if runs.preview:
        parts.append(t("preview_short"))
    parts.append(t("scale_short", scale=f"{cfg.scale:g}"))
    seeds = cfg.seeds
    parts.append(t("seeds_short", first=seeds[0], last=seeds[-1]) if len(seeds) > 1
                 else t("seed_short", seed=seeds[0]))
    if cfg.bands == "calibration" and len(seeds) > 1:
        parts.append(t("posterior_short"))
    if with_reference and cfg.against != DEFAULT_RUN["against"]:
        parts.append(t("vs_short", ref=i18n.reference_name(cfg.against, lang)))
    return " · ".join(parts)


@dataclass(frozen=True)
class Outcome:
    """How the last run request ended and the run on screen: one value, set once per change.

    ``message`` is ``""`` (running or nothing yet), ``"done:<seconds>"``, ``"cancelled"`` or
    ``"error:<text>"``; ``result`` is the run shown (kept when a later request fails).
    """

    message: str = ""
    result: RunSet | None = None


@dataclass(eq=False)
class Session:
    """The reactive state of one browser session (one object for the session's life).

    Each part of the page is its own component and reads only the values it shows, so that a
    change re-renders only what depends on it: a run's result never re-renders the levers,
    and a lever change re-renders the results only to mark them stale.
    """

    lang: solara.Reactive[str]
    scenario: solara.Reactive[str]
    base: solara.Reactive[dict]
    draft: solara.Reactive[dict]
    inputs: solara.Reactive[dict]
    outcome: solara.Reactive[Outcome]
    pinned: solara.Reactive[list]
    accounting: solara.Reactive[bool]
    progress: solara.Reactive[float]
    auto: solara.Reactive[bool]
    instant: solara.Reactive[bool]
    notice: solara.Reactive[str]
    undo: solara.Reactive[dict | None]
    """The scenario, base and levers that a scenario switch, *Reset* or an import replaced
    while they held edits (:func:`replace_levers`), for *Undo*; None when there is nothing."""
    ready: solara.Reactive[bool]
    """The model's kernels are compiled or loaded (:mod:`webapp.warm`)."""
    baseline_cache: dict = field(default_factory=dict)
    counter: list = field(default_factory=lambda: [0])
    request: list = field(default_factory=lambda: [None])
    """The request the run task works on: ``(scenario, config, draft, inputs, preview)``."""
    task: Any = None
    """The session's run task (``solara.lab.use_task``)."""
    checked: dict = field(default_factory=dict)
    """:func:`check_request` of the last levers and language (several components ask)."""
    render_context: Any = None
    """The page's reacton render context (:func:`batch`)."""
    prepared: list = field(default_factory=lambda: [None, 0, -1])
    """``[((key, config), runs) or None, generation, claimed]``: the run of the levers on
    screen made ahead of *Run* (:func:`prerun`), the number of the latest lever state, and
    the number of the one a click has asked for (a prerun not yet started then stays off)."""

    def t(self, key: str) -> str:
        """Interface string in the session's language."""
        return i18n.tr(key, self.lang.value)

    def label(self, runs: RunSet, with_reference: bool = True) -> str:
        """A run's label in the session's language (:func:`run_label`)."""
        return run_label(runs, self.lang.value, self.base.value, with_reference)


# --------------------------------------------------------------------------- levers
@solara.component
def NumberField(label: str, value: Any, on_value, error: str = "", css: str = "",  # noqa: N802
                hint: str = "") -> None:
    """A text input for a number: any text is accepted and checked by the caller.

    ``on_value`` gets the text on Enter or when the field loses focus. What is typed before
    that is this component's state (kept on every keystroke), so a re-render of the page in
    between (a run finishing, another session's progress) draws the typed text again instead
    of the last committed value, which used to wipe the keystrokes. A new ``value`` from
    elsewhere (the slider, *Reset*, a parsed "0,5") replaces the text.

    Enter and focus-out commit the text last typed (this state), not the widget's value: a
    render that began before the last keystroke arrived (on another thread, e.g. a run
    ending) writes its older text into the widget just before the Enter event is handled,
    and committing the widget's value then lost the edit while the field showed it.
    """
    typed = solara.use_reactive(fmt(value))
    field = rv.TextField(v_model=typed.value, on_v_model=typed.set, label=label,
                         error=bool(error), messages=[error or hint] if error or hint else [],
                         class_=f"{css} number-field", hide_details="auto")
    use_change(field, lambda _widget_text: on_value(str(typed.value)))
    return field


@solara.component
def LevelInput(spec: LevelField | ParamSpec, label: str, value: Any, on_value,  # noqa: N802
               error: str, css: str, lang: str, changed: bool = False) -> None:
    """Slider and typed value of one lever, with unit (in plain words) and range."""
    number = value if isinstance(value, int | float) else spec.min
    step = levers.step_of(spec)
    # the slider sits on its step grid: given a value off the grid (typed, imported) it would
    # round it and report the rounded value as a change; it gets the grid value, and a report
    # less than half a step from it is that rounding, not a move of the slider
    on_grid = float(min(max(spec.min + round((number - spec.min) / step) * step, spec.min),
                        spec.max))

    def slid(v: float) -> None:
        if abs(v - on_grid) >= step / 2:
            on_value(v)

    unit = i18n.unit_label(spec.unit, lang)
    classes = ["lever", css] + (["lever-changed"] if changed else [])
    with solara.Column(gap="0px", classes=classes):
        solara.Text(f"{label} ({unit})", style={"font-size": "0.85em"})
        with solara.Row(gap="8px", style={"align-items": "center"}):
            with solara.Div(style={"flex": "1 1 60%"}):
                solara.SliderFloat("", value=on_grid, min=spec.min, max=spec.max, step=step,
                                   on_value=slid, thumb_label=False)
            with solara.Div(style={"flex": "0 0 40%"}):
                NumberField("", value, lambda text: on_value(parse_number(text)), error,
                            css=f"{css}-input", hint=f"{spec.min:g} – {spec.max:g}")


@solara.component
def PolicyCard(s: Session, index: int, entry: dict, errors: dict[str, str],  # noqa: N802
               changed: set) -> None:
    """One policy in force over some years: its levels, years and a remove button."""
    lang = s.lang.value
    cls = POLICY_TYPES[entry["kind"]]
    options = " · ".join(i18n.option_label(v, lang) for v in entry["choice"].values())
    title = i18n.policy_label(cls, lang) + (f" [{options}]" if options else "")
    key = f"lever-{cls.kind}" + "".join(f"-{v}" for v in entry["choice"].values())
    prefix = ("policy", *state.policy_key(s.draft.value, index))
    card_changed = any(k[:4] == prefix for k in changed)

    def set_value(field: str, value: Any) -> None:
        s.draft.value = levers.with_policy_value(s.draft.value, index, field, value)

    def remove() -> None:
        draft = dict(s.draft.value)
        draft["policies"] = [p for j, p in enumerate(draft["policies"]) if j != index]
        s.draft.value = draft

    with solara.Card(margin=0, elevation=1,
                     classes=["policy-card", key] + (["card-changed"] if card_changed else []),
                     style={"padding": "6px 10px", "margin-bottom": "8px"}):
        with solara.Row(style={"align-items": "center", "justify-content": "space-between"}):
            solara.Text(title, style={"font-weight": "bold"})
            solara.Text(s.t("changed") if card_changed else "",
                        classes=["changed-chip"] if card_changed else [])
            solara.Button(icon_name="mdi-delete", text=True, on_click=remove,
                          classes=[f"{key}-remove"], style={"min-width": "0"})
        for name, spec in cls.fields.items():
            LevelInput(spec, i18n.field_label(cls.kind, name, spec.label, lang),
                       entry["levels"].get(name), lambda v, n=name: set_value(n, v),
                       errors.get(f"policy:{index}:{name}", ""), f"{key}-{name}", lang,
                       (*prefix, name) in changed)
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
def ParameterInput(s: Session, spec: ParamSpec, errors: dict[str, str],  # noqa: N802
                   changed: set) -> None:
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
               "param-" + spec.key.replace(".", "-"), lang, ("param", spec.key) in changed)


@solara.component
def LeverPanel(s: Session) -> None:  # noqa: N802
    """The levers, grouped as the plan groups them; groups with changed levers say how many."""
    lang = s.lang.value
    draft = s.draft.value
    errors = levers.field_errors(draft, lang)
    solara.Text(s.t("levers"), style={"font-weight": "bold", "font-size": "1.1em"})
    changed = solara.use_memo(lambda: state.changed_levers(draft, s.base.value),
                              [state.request_key(draft, {}), state.request_key(s.base.value,
                                                                               {})])
    # always rendered (empty when nothing changed): a child that comes and goes would shift
    # the groups below it, and their open/closed state and inputs with them
    solara.Text(i18n.tr("changed_levers", lang).format(n=len(changed)) if changed else "",
                classes=["changed-count"], style={"font-size": "0.8em", "color": "#b35c00"})
    for group in levers.lever_groups():
        kinds = set(group.kinds)
        keys = {spec.key for spec in levers.group_parameters(group)}
        n = sum(1 for k in changed if (k[0] == "policy" and k[1] in kinds)
                or (k[0] == "param" and k[1] in keys))
        summary = i18n.tr(group.key, lang) + (f" ({n} {s.t('changed')})" if n else "")
        Section(summary, lambda group=group: LeverGroup(s, group, errors, changed))
    OtherParameters(s, errors, changed)


@solara.component
def Section(summary: str, render: Callable[[], Any]) -> None:  # noqa: N802
    """A collapsible section whose content exists only while it is open.

    The page re-renders its whole tree on every change of state (a run's progress, its
    results); closed sections then cost nothing, where ``solara.Details`` would keep every
    lever's widgets of every group.
    """
    is_open, set_open = solara.use_state(False)
    with rv.ExpansionPanels(v_model=0 if is_open else None,
                            on_v_model=lambda v: set_open(v == 0)):
        with rv.ExpansionPanel():
            rv.ExpansionPanelHeader(children=[summary])
            with rv.ExpansionPanelContent():
                if is_open:
                    render()


@solara.component
def LeverGroup(s: Session, group: Any, errors: dict[str, str],  # noqa: N802
               changed: set) -> None:
    """The policies (each with a description and add buttons) and parameters of one group."""
    lang = s.lang.value
    draft = s.draft.value
    for kind in group.kinds:
        cls = POLICY_TYPES[kind]
        solara.Text(f"{i18n.policy_label(cls, lang)} — "
                    f"{i18n.policy_description(kind, levers.explanation(cls), lang)}",
                    style={"font-size": "0.8em", "color": "#555"})
        entries = [(i, p) for i, p in enumerate(draft["policies"]) if p["kind"] == kind]
        for i, entry in entries:
            PolicyCard(s, i, entry, errors, changed)
        choices = ([{name: value} for name, values in cls.options.items()
                    for value in values] or [{}])
        with solara.Row(gap="4px", style={"flex-wrap": "wrap", "margin-bottom": "8px"}):
            for choice in choices:
                suffix = "".join(f" {i18n.option_label(v, lang)}" for v in choice.values())

                def add(kind=kind, choice=choice) -> None:
                    draft = dict(s.draft.value)
                    draft["policies"] = [*draft["policies"],
                                         levers.new_policy(draft, kind, choice)]
                    s.draft.value = draft

                solara.Button(f"+ {s.t('add')}{suffix}", on_click=add, text=True,
                              classes=[f"add-{kind}" + "".join(f"-{v}" for v in
                                                               choice.values())])
    for spec in levers.group_parameters(group):
        ParameterInput(s, spec, errors, changed)


@solara.component
def OtherParameters(s: Session, errors: dict[str, str], changed: set) -> None:  # noqa: N802
    """Any other row of the parameter table can be changed here."""
    table = parameter_table()
    lang = s.lang.value
    shown = {spec.key for g in levers.lever_groups() for spec in levers.group_parameters(g)}
    choice, set_choice = solara.use_state("")

    def body() -> None:
        keys = [k for k in table if k not in shown]
        names = {(table[k].label_zh if lang == "zh" else table[k].label_en) + f" ({k})": k
                 for k in keys}
        current = next((n for n, k in names.items() if k == choice), None)
        solara.Select(s.t("add_override"), values=list(names), value=current,
                      on_value=lambda v: set_choice(names.get(v, "") if v else ""))
        listed = [k for k in s.draft.value["parameters"] if k not in shown]
        if choice and choice not in listed:
            listed.append(choice)
        for key in listed:
            spec = table.get(key)
            if spec is None:
                continue
            ParameterInput(s, spec, errors, changed)
            if lang == "en":
                solara.Text(spec.source, style={"font-size": "0.75em", "color": "#777"})

    Section(s.t("other_params"), body)


# --------------------------------------------------------------------------- results
KPI_KEYS = ("peak_year", "peak_mt", "co2_2030", "cumulative", "abated", "spending",
            "cny_per_t", "cny_per_t_lifetime", "targets_met")


def peak_text(s: Session, h: dict[str, float]) -> str:
    """The peak year, with where its plateau starts when that is earlier (:mod:`abm.headline`)."""
    if h["peaked"] < 0.5:
        return s.t("no_peak")
    text = state.plain(h["peak_year"], 0, grouping=False)
    if h["plateau_from"] < h["peak_year"]:
        year = state.plain(h["plateau_from"], 0, grouping=False)
        text += f" ({s.t('plateau_from').format(year=year)})"
    return text


def headline_html(s: Session, current: RunSet) -> str:
    """The key numbers of the current run, against its reference (a compact strip)."""
    h = current.headline()
    ref = against_name(s, [current])
    cells = [
        ("peak_year", peak_text(s, h)),
        ("peak_mt", state.plain(h["peak_mt"])),
        ("co2_2030", state.plain(h["co2_2030_mt"])),
        ("cumulative", state.plain(h["cumulative_mt"], 0)),
        ("abated", state.plain(h["abated_mt"])),
        ("spending", state.plain(h["spending_mcny"], 0)),
        ("cny_per_t", "…" if current.pending else state.plain(h["cny_per_t"], 0)),
        ("cny_per_t_lifetime", "…" if current.pending
         else state.plain(h["cny_per_t_lifetime"], 0)),
        ("targets_met", f"{h['targets_met']:.1f}".rstrip("0").rstrip(".")
         + f" / {len(current.runs[0].targets)}"),
    ]
    body = "".join(f'<div class="kpi kpi-{k}"><div class="kpi-label">'
                   f'{html.escape(s.t(k).format(ref=ref))}</div>'
                   f'<div class="kpi-value">{html.escape(v)}</div></div>' for k, v in cells)
    return f'<div class="kpis">{body}</div>' + accounting_html(s, current)


def accounting_html(s: Session, current: RunSet) -> str:
    """Where the abatement comes from, and the cost-per-tonne definition, under the KPIs."""
    acc = current.accounting
    if acc is None:
        return ""
    ref = against_name(s, [current])
    text = s.t("accounting_note").format(
        first=acc.first_year, last=acc.last_year, total=acc.abated_mt, exo=acc.exogenous_mt,
        reg=acc.regulation_mt, paid=acc.paid_mt, extra=acc.extra_spending_mcny,
        horizon=acc.horizon, lifetime=acc.lifetime_paid_mt, seed=current.config.seed, ref=ref)
    shares = ", ".join(f"{s.t('windfall_' + tech)} {share:.2f}"
                       for tech, share in acc.windfall.items() if share == share)
    if shares:
        text += " " + s.t("windfall_note").format(last=acc.last_year, shares=shares)
    return (f'<details class="accounting"><summary>{html.escape(s.t("cny_per_t"))}: '
            f'{html.escape(s.t("how_counted"))}</summary>{html.escape(text)} '
            f'<i>{html.escape(s.t("cost_definition").format(ref=ref))}</i></details>')


SHARE_UNITS = ("1", "share")


def scoreboard_html(s: Session, current: RunSet) -> str:
    """Each trackable target: value, target, gap and unit; met or "not yet"; scope notes."""
    lang = s.lang.value
    n = len(current.runs)
    first = current.runs[0].targets
    met_counts = sum(r.targets["met"].astype(int).to_numpy() for r in current.runs)
    values = np.nanmedian(np.vstack([r.targets["value"].to_numpy(float) for r in current.runs]),
                          axis=0) if n > 1 else first["value"].to_numpy(float)
    head = [s.t(k) for k in ("target", "section", "value", "threshold", "gap", "unit", "met",
                             "year_met")]
    if n > 1:
        head.append(s.t("seeds_met"))
    rows = []
    for i, row in enumerate(first.itertuples()):
        share = row.unit in SHARE_UNITS
        value, threshold = values[i], float(row.threshold)
        scale = 100.0 if share else 1.0
        digits = 0 if row.unit in ("year", "MW") else 1
        unit = "%" if share else i18n.unit_label(row.unit, lang)
        shown = state.plain(value * scale, digits, grouping=row.unit != "year")
        target = state.plain(threshold * scale, digits, grouping=row.unit != "year")
        gap_text = "—" if np.isnan(value) else state.signed(
            (value - threshold) * scale, digits)
        met = met_counts[i] == n if n > 1 else bool(row.met)
        year_met = s.t("not_yet") if np.isnan(row.year_met) else f"{row.year_met:.0f}"
        verdict = (s.t("yes") if met else s.t("later") if not np.isnan(row.year_met)
                   else s.t("not_yet"))
        cells = [i18n.target_label(row.target, row.label, lang), row.section, shown, target,
                 gap_text, unit, verdict, year_met]
        if n > 1:
            cells.append(f"{met_counts[i]} / {n}")
        tds = "".join(f"<td>{html.escape(str(c))}</td>" for c in cells)
        rows.append(f'<tr class="target target-{row.target} {"met" if met else "not-met"}">'
                    f"{tds}</tr>")
    ths = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    notes = "".join(f"<li>{html.escape(s.t(k))}</li>" for k in
                    ("scope_renewable", "scope_intensity", "scope_emissions"))
    return (f'<table class="scoreboard"><tr>{ths}</tr>{"".join(rows)}</table>'
            f'<div class="scope-notes"><b>{html.escape(s.t("scope_notes"))}</b>'
            f"<ul>{notes}</ul><div>{html.escape(s.t('gap_note'))}</div></div>")


def districts_html(s: Session, current: RunSet) -> str:
    """Table of the seven districts: CO2 first, 2030 and last year, and vs the reference."""
    lang = s.lang.value
    years = current.years
    last = years[-1]
    head = [s.t("district"), f"{years[0]}", "2030", f"{last}",
            f"{last} − {against_name(s, [current])}"]
    rows = []
    for d, code in enumerate(data.DISTRICTS):
        def total(results, d=d):
            return np.mean([sum(v[:, d] for v in r.districts.values()) for r in results],
                           axis=0) / 1e6

        cur, base = total(current.runs), total(current.baselines)
        at = lambda arr, y: arr[list(years).index(y)] if y in years else float("nan")  # noqa: E731
        name = district_name(code) if lang == "en" else i18n.district_label(code, lang)
        cells = [name, state.plain(at(cur, years[0]), 2), state.plain(at(cur, 2030), 2),
                 state.plain(at(cur, last), 2), state.signed(at(cur, last) - at(base, last), 2)]
        rows.append(f'<tr class="district district-{code}">'
                    + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    ths = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return (f'<table class="scoreboard districts-table"><tr>{ths}</tr>{"".join(rows)}</table>'
            f'<div style="font-size:0.8em;color:#666">{html.escape(s.t("mt_co2"))}</div>')


COMPARE_ROWS = (("peak_year", "peak_year", 0), ("plateau_from", "plateau_start", 0),
                ("peak_mt", "peak_mt", 1),
                ("co2_2030_mt", "co2_2030", 1), ("cumulative_mt", "cumulative", 1),
                ("abated_mt", "abated", 1), ("spending_mcny", "spending", 0),
                ("cny_per_t", "cny_per_t", 0), ("targets_met", "targets_met", 1))


REFERENCE_ROWS = frozenset({"abated_mt", "cny_per_t"})
"""Rows of :data:`COMPARE_ROWS` measured against the run's reference."""


def mixed_references(runs: list[RunSet]) -> bool:
    """Whether the runs were measured against different references (baseline, history)."""
    return len({r.config.against for r in runs}) > 1


def compare_html(s: Session, current: RunSet, pinned: list[RunSet]) -> str:
    """The current run and every pinned run side by side, the differences and marginal figures.

    Differences are current − pinned; marginal abatement and marginal cost per tonne of the
    paid levers follow :func:`webapp.state.marginal` (:mod:`abm.accounting` definitions).
    Runs measured against different references (:func:`mixed_references`) get "—" where a
    difference would subtract figures of two references (abatement, cost per tonne, the
    marginal rows); emissions, spending and targets still compare.
    """
    runs = [current, *pinned]
    heads = [r.headline() for r in runs]
    labels = [s.label(r) for r in runs]
    ref = against_name(s, runs)
    mixed = mixed_references(runs)
    head = ["", f"{s.t('current')}: {labels[0]}",
            *[f"{s.t('pinned')}: {lab}" for lab in labels[1:]],
            *[f"{s.t('current')} − #{r.number}" for r in pinned]]
    rows = []
    for key, label, digits in COMPARE_ROWS:
        year = key in ("peak_year", "plateau_from")
        cells = [s.t(label).format(ref=ref)] + [state.plain(h[key], digits, grouping=not year)
                                                for h in heads]
        cells += ["—" if mixed and key in REFERENCE_ROWS
                  else state.signed(heads[0][key] - h[key], digits) for h in heads[1:]]
        rows.append(f'<tr class="cmp cmp-{key}">'
                    + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    margins = [state.marginal(heads[0], h) for h in heads[1:]]
    for key, label, digits in (("abatement_mt", "marginal_abatement", 1),
                               ("paid_mt", "marginal_paid", 1),
                               ("spending_mcny", "marginal_spending", 0),
                               ("cny_per_t", "marginal_cost", 0)):
        cells = [s.t(label)] + [""] * len(runs)
        cells += ["—" if mixed else state.plain(m[key], digits) if key == "cny_per_t"
                  else state.signed(m[key], digits) for m in margins]
        rows.append(f'<tr class="cmp marginal marginal-{key}">'
                    + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    ths = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    table = f'<table class="scoreboard compare-table"><tr>{ths}</tr>{"".join(rows)}</table>'
    note = f'<div class="marginal-note">{html.escape(s.t("marginal_note"))}</div>'
    return table + note + levers_diff_html(s, runs, labels)


def levers_diff_html(s: Session, runs: list[RunSet], labels: list[str]) -> str:
    """Which levers (and run settings) differ between the compared runs."""
    lang = s.lang.value
    diff = state.lever_diff([r.draft or {"parameters": {}, "policies": []} for r in runs], lang)
    settings = [(s.t("scale"), [f"{r.config.scale:g}" for r in runs]),
                (s.t("seed"), [", ".join(map(str, r.config.seeds)) for r in runs]),
                (s.t("last_year"), [str(r.config.end_year) for r in runs]),
                (s.t("first_year"), [str(r.config.start_year) for r in runs]),
                (s.t("compare_against"),
                 [i18n.reference_name(r.config.against, lang) for r in runs])]
    diff += [(label, cells) for label, cells in settings if len(set(cells)) > 1]
    title = f'<div class="diff-title"><b>{html.escape(s.t("levers_differ"))}</b></div>'
    if not diff:
        return title + f'<div class="no-diff">{html.escape(s.t("no_lever_differs"))}</div>'
    ths = "".join(f"<th>{html.escape(h)}</th>" for h in ["", *[f"#{r.number}" for r in runs]])
    rows = "".join("<tr class=\"lever-diff\">" + f"<td>{html.escape(label)}</td>"
                   + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"
                   for label, cells in diff)
    return title + f'<table class="scoreboard levers-diff"><tr>{ths}</tr>{rows}</table>'


@solara.component
def Plot(spec: str, name: str, s: Session, revision: str = "") -> None:  # noqa: N802
    """A plotly chart (interactive) with its HTML download.

    ``spec`` is the figure's plotly.js JSON (:func:`webapp.figures.chart`): a text, so that
    comparing a new figure with the last one costs a string comparison (plotly's own ``==``
    converts both figures). ``revision`` names what the figure shows (the run's number): the
    chart's element gets ``data-drawn="<revision>"`` once plotly.js has drawn it. A new figure
    for the same chart is drawn in place.
    """
    with solara.Div(classes=["chart", f"chart-{name}"]):
        PlotlyChart(spec=spec, revision=revision, config=PLOTLY_CONFIG)
    solara.FileDownload(lambda: figures.html_from_json(spec), filename=f"{name}.html",
                        label=f"{s.t('download_html')}: {name}.html", mime_type="text/html")


PLOTLY_CONFIG = {"responsive": True, "displaylogo": False,
                 "toImageButtonOptions": {"format": "png", "scale": 2}}


@solara.component_vue("plotly.vue")
def PlotlyChart(spec: str, revision: str, config: dict) -> None:  # noqa: N802
    """A chart drawn by plotly.js from the figure's JSON (``spec``), in place when it changes.

    plotly.js is loaded once per page from the server's assets (app.py); plotly's
    ``FigureWidget`` sent its 5 MB bundle with every new chart.
    """


@solara.component_vue("url.vue")
def UrlState(query: str) -> None:  # noqa: N802
    """Writes ``?s=<query>`` into the page's URL (history.replaceState, no navigation)."""


@solara.component_vue("import.vue")
def TomlImport(label: str, event_file: Callable[[dict], None]) -> None:  # noqa: N802
    """A file chooser and drop zone for a scenario TOML.

    ``event_file`` gets ``{"name", "text", "too_big"}`` from the browser.
    """


def imported_file(info: dict) -> dict:
    """The browser's ``{"name", "text", "too_big"}`` as ``{"name", "data"}`` (bytes).

    What :func:`webapp.state.import_scenario` reads; a file over its limit stays over it.
    """
    name = str(info.get("name") or "scenario.toml")
    if info.get("too_big"):
        return {"name": name, "data": b" " * (state.MAX_IMPORT_BYTES + 1)}
    return {"name": name, "data": str(info.get("text") or "").encode("utf-8")}


@solara.component
def Deferred(render: Callable[[], None]) -> None:  # noqa: N802
    """A spinner first, then the content: a tab switch shows at once, never the old tab."""
    ready, set_ready = solara.use_state(False)
    solara.use_effect(lambda: set_ready(True), [])
    if not ready:
        with solara.Row(classes=["tab-loading"]):
            rv.ProgressCircular(indeterminate=True, size=24, color="primary")
        return
    render()


@solara.component
def BandNote(s: Session, current: RunSet) -> None:  # noqa: N802
    """What the bands of the charts above are (seeds, posterior draws), and what they leave out."""
    config = current.config
    fits = fits_in_use(current.scenario.params) if config.bands == "calibration" else []
    solara.Text(i18n.band_note(config.n_seeds, s.lang.value, config.bands, fits),
                classes=["band-note"], style={"font-size": "0.8em", "color": "#555"})


@solara.component
def EmissionsTab(s: Session, current: RunSet) -> None:  # noqa: N802
    """CO2 by sector against the baseline."""
    lang = s.lang.value
    spec = figures.chart(current, "emissions", lang,
                         lambda: figures.emissions_spec(current, lang))
    Plot(spec, "emissions", s, str(current.number))
    BandNote(s, current)


@solara.component
def AdoptionTab(s: Session, current: RunSet) -> None:  # noqa: N802
    """Adoption curves."""
    lang = s.lang.value
    Plot(figures.chart(current, "adoption", lang,
                        lambda: figures.adoption_figure(current, lang)), "adoption", s,
         str(current.number))
    BandNote(s, current)


@solara.component
def DistrictsTab(s: Session, current: RunSet) -> None:  # noqa: N802
    """The map of the seven districts (year and colouring chosen), sectors, and the table."""
    lang = s.lang.value
    years = [int(y) for y in current.years]
    default = 2030 if 2030 in years else years[-1]
    year, set_year = solara.use_state(default)
    metric, set_metric = solara.use_state("change")
    technology, set_technology = solara.use_state(figures.MAP_TECHNOLOGIES[0])
    year = year if year in years else default
    ref = against_name(s, [current])
    names = {s.t(f"map_{m}").format(ref=ref): m for m in figures.MAP_METRICS}
    techs = {s.t(f"tech_{t}"): t for t in figures.MAP_TECHNOLOGIES}
    with solara.Row(gap="16px", style={"align-items": "center", "flex-wrap": "wrap"}):
        with solara.Div(style={"min-width": "260px", "flex": "1"}, classes=["map-year"]):
            solara.SliderInt(f"{s.t('map_year')}: {year}", value=year, min=years[0],
                             max=years[-1], on_value=set_year, thumb_label=False)
        solara.ToggleButtonsSingle(value=next(k for k, v in names.items() if v == metric),
                                   values=list(names), on_value=lambda v: set_metric(names[v]),
                                   classes=["map-metric"])
    # always rendered (hidden unless colouring by adoption): see LeverPanel
    with solara.Div(classes=["map-technology"],
                    style={"max-width": "420px",
                           "display": "block" if metric == "adoption" else "none"}):
        solara.Select(s.t("map_technology"), values=list(techs),
                      value=next(k for k, v in techs.items() if v == technology),
                      on_value=lambda v: set_technology(techs[v]))
    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
        with solara.Div(style={"flex": "1 1 420px", "min-width": "320px"}):
            shown = technology if metric == "adoption" else ""
            Plot(figures.chart(current, "map", lang,
                                lambda: figures.map_figure(current, lang, year, metric,
                                                           technology),
                                year, metric, shown), "district_map", s, str(current.number))
            solara.Text(s.t("map_source"), style={"font-size": "0.75em", "color": "#777"})
        with solara.Div(style={"flex": "1 1 420px", "min-width": "320px"}):
            Plot(figures.chart(current, "sectors", lang,
                                lambda: figures.district_sectors_figure(current, lang, year),
                                year), "district_sectors", s, str(current.number))
    solara.HTML(unsafe_innerHTML=districts_html(s, current))


@solara.component
def CostTab(s: Session, current: RunSet) -> None:  # noqa: N802
    """Spending by policy and where the abatement comes from."""
    lang = s.lang.value
    solara.HTML(unsafe_innerHTML=accounting_html(s, current).replace("<details",
                                                                     "<details open"))
    Plot(figures.chart(current, "cost", lang, lambda: figures.cost_figure(current, lang)),
         "cost", s, str(current.number))
    # its state (the lever runs, their progress) belongs to one run
    Contributions(s, current).key(f"contributions-{current.number}")


@solara.component
def Contributions(s: Session, current: RunSet) -> None:  # noqa: N802
    """The wedge chart and the abatement cost curve, computed on demand (one run per lever)."""
    lang = s.lang.value
    done, set_done = solara.use_state(current.extras.get("contributions"))
    share, set_share = solara.use_state(0.0)

    def compute() -> None:
        result = lever_contributions(current, s.baseline_cache,
                                     progress=lambda x: set_share(100 * x))
        current.extras["contributions"] = result
        set_done(result)

    task = solara.lab.use_task(compute, dependencies=None, raise_error=False)
    solara.Text(s.t("contributions"), style={"font-weight": "bold"})
    if done is None:
        solara.Button(s.t("contributions_button"), on_click=task, outlined=True,
                      disabled=task.pending, classes=["contributions-button"])
        if task.pending:
            solara.ProgressLinear(share)
        return
    total = current.headline()["abated_mt"]
    revision = str(current.number)
    Plot(figures.chart(current, "wedge", lang,
                        lambda: figures.wedge_figure(done, total, lang, current.config.against)),
         "wedge", s, revision)
    Plot(figures.chart(current, "cost_curve", lang,
                        lambda: figures.cost_curve_figure(done, lang)), "cost_curve", s,
         revision)
    solara.HTML(unsafe_innerHTML=contributions_html(s, done))
    solara.Text(s.t("contributions_note").format(ref=against_name(s, [current])),
                style={"font-size": "0.8em", "color": "#555"})


def contributions_html(s: Session, contributions: list) -> str:
    """Each lever: paid or free, abatement, spending, CNY/t, windfall share and spending."""
    lang = s.lang.value
    head = [s.t(k) for k in ("lever", "lever_kind", "lever_abated", "lever_spending",
                             "lever_cost", "lever_windfall", "lever_windfall_spend")]
    rows = []
    for c in contributions:
        share = c.windfall_share
        cells = [i18n.spending_label(c.key, lang), s.t("paid_lever" if c.pays else "free_lever"),
                 state.plain(c.abated_mt, 2), state.plain(c.spending_mcny, 0) if c.pays else "—",
                 state.plain(c.cny_per_t, 0) if c.pays else "0",
                 f"{share:.0%}" if c.pays and share == share else "—",
                 state.plain(c.windfall_mcny, 0) if c.pays and share == share else "—"]
        rows.append(f'<tr class="lever-row lever-row-{"paid" if c.pays else "free"}">'
                    + "".join(f"<td>{html.escape(x)}</td>" for x in cells) + "</tr>")
    paid = [c for c in contributions if c.pays]
    total = s.t("paid_free_total").format(
        paid=sum(c.abated_mt for c in paid), spend=sum(c.spending_mcny for c in paid),
        windfall=sum(c.windfall_mcny for c in paid),
        free=sum(c.abated_mt for c in contributions if not c.pays))
    ths = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return (f'<table class="scoreboard levers-table"><tr>{ths}</tr>{"".join(rows)}</table>'
            f'<div class="paid-free">{html.escape(total)}</div>')


@solara.component
def Results(s: Session, current: RunSet, stale: bool) -> None:  # noqa: N802
    """The key numbers and the tabs of the run on screen (greyed when stale)."""
    tab, set_tab = solara.use_state(0)
    lang = s.lang.value
    base = s.base.value
    kpis = solara.use_memo(lambda: headline_html(s, current), [current, lang])
    label = solara.use_memo(lambda: s.label(current, with_reference=False),
                            [current, lang, base])
    with solara.Div(classes=["results"] + (["stale"] if stale else [])):
        solara.HTML(unsafe_innerHTML=kpis, classes=["kpi-strip"])
        vs = s.t("vs_baseline").format(ref=against_name(s, [current]))
        solara.Text(f"{label} — {vs}", classes=["run-label"],
                    style={"font-size": "0.8em", "color": "#555"})
        tabs = (("emissions", lambda: EmissionsTab(s, current)),
                ("adoption", lambda: AdoptionTab(s, current)),
                ("districts", lambda: DistrictsTab(s, current)),
                ("targets", lambda: solara.HTML(unsafe_innerHTML=scoreboard_html(s, current))),
                ("cost", lambda: CostTab(s, current)),
                ("compare", lambda: ComparePanel(s, current)),
                ("agents", lambda: AgentsView(s, current)),
                ("download", lambda: DownloadPanel(s, current)))
        with solara.lab.Tabs(value=tab, on_value=set_tab, lazy=True):
            for key, render in tabs:
                with solara.lab.Tab(s.t(key), classes=[f"tab-{key}"]):
                    # keyed by tab, not by run: a new run's charts are drawn in place
                    Deferred(render).key(f"{key}-{s.lang.value}")


@solara.component
def AgentsView(s: Session, current: RunSet) -> None:  # noqa: N802
    """Households of one district at the end of the run: who adopted what."""
    lang = s.lang.value
    code, set_code = solara.use_state("TS")
    # the page's runs come without their agent sample; it is made when this view opens
    task = solara.lab.use_task(lambda: agents_of(current), dependencies=[current],
                               raise_error=False)
    if not task.finished:
        if task.error:
            solara.Error(f"{s.t('failed')} {task.exception}")
            return
        with solara.Row(classes=["tab-loading", "agents-loading"]):
            rv.ProgressCircular(indeterminate=True, size=24, color="primary")
        return
    sample = task.value
    if sample is None:
        solara.Info(s.t("no_agents"))
        return
    names = {(district_name(c) if lang == "en" else i18n.district_label(c, lang)): c
             for c in data.DISTRICTS}
    solara.Select(s.t("district"), values=list(names),
                  value=next(k for k, v in names.items() if v == code),
                  on_value=lambda v: set_code(names[v]))
    solara.Text(s.t("agent_note"))
    part = sample[sample["district"] == code]
    Plot(figures.chart(current, "agents", lang, lambda: figures.agents_figure(part, lang),
                        code), "agents", s, str(current.number))
    solara.HTML(unsafe_innerHTML=agents_table_html(i18n.agent_table(part.head(20), lang)))


def agents_table_html(frame: Any) -> str:
    """The first households of the sample as a plain table (headers in the page's language)."""
    ths = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    return f'<table class="scoreboard agents-table"><tr>{ths}</tr>{rows}</table>'



@solara.component
def ComparePanel(s: Session, current: RunSet) -> None:  # noqa: N802
    """Pin runs; compare the current one with every pinned one."""
    pinned = [p for p in s.pinned.value if p.number != current.number]
    already = any(p.number == current.number for p in s.pinned.value)

    def pin() -> None:
        if not any(p.number == current.number for p in s.pinned.value):
            s.pinned.value = [*s.pinned.value, current][-MAX_PINNED:]

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Button(s.t("pin"), on_click=pin, color="primary", outlined=True,
                      disabled=already or current.pending, classes=["pin-button"])
        if already:
            solara.Text(s.t("already_pinned"), classes=["already-pinned"])
        if s.pinned.value:
            solara.Button(s.t("unpin_all"), on_click=lambda: s.pinned.set([]), text=True,
                          classes=["unpin-button"])
    if s.pinned.value:
        with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
            for p in s.pinned.value:
                solara.Button(f"✕ #{p.number}", text=True, classes=[f"unpin-{p.number}"],
                              on_click=lambda p=p: s.pinned.set(
                                  [q for q in s.pinned.value if q.number != p.number]))
    if not pinned:
        solara.Info(s.t("nothing_pinned"))
        return
    if mixed_references([current, *pinned]):
        solara.Warning(s.t("mixed_references"), dense=True, classes=["mixed-references"])
    solara.HTML(unsafe_innerHTML=compare_html(s, current, pinned))
    labels = [s.label(r) for r in (current, *pinned)]
    spec = solara.use_memo(lambda: figures.figure_json(figures.compare_figure(
        [current, *pinned], labels, s.lang.value)),
        [current.number, *[p.number for p in pinned], s.lang.value])
    Plot(spec, "compare", s, str(current.number))


@solara.component
def DownloadPanel(s: Session, current: RunSet) -> None:  # noqa: N802
    """CSV of the run, its levers as TOML, and how to run them from the command line.

    Everything comes from the run on screen (its own draft and config), never from levers
    changed after it.
    """
    name = current.scenario.name
    solara.Text(s.t("export_of_run").format(run=current.number), classes=["export-note"])
    csv = solara.use_memo(current.annual_csv, dependencies=[current.number])
    solara.FileDownload(csv, filename=f"{name}_annual.csv",
                        label=f"{s.t('download_csv')}: {name}_annual.csv", mime_type="text/csv")
    solara.FileDownload(current.targets_csv, filename=f"{name}_targets.csv",
                        label=f"{s.t('download_targets')}: {name}_targets.csv",
                        mime_type="text/csv")
    draft = current.draft
    if draft is None:
        return
    try:
        toml = levers.scenario_toml(draft)
        toml_name = f"{levers.safe_name(draft['name'])}.toml"
    except ParameterError as error:
        solara.Error(str(error))
        return
    solara.FileDownload(toml, filename=toml_name, label=f"{s.t('download_toml')}: {toml_name}",
                        mime_type="application/toml")
    solara.Text(s.t("cli_hint"))
    with solara.Div(classes=["cli-hint"]):
        solara.Preformatted("\n".join(cli_commands(current, toml_name)))
    against = current.config.against
    if against != DEFAULT_RUN["against"] and toml_name == f"{against}.toml" \
            and (current.pending or current.accounting is not None):
        solara.Text(s.t("cli_rename").format(ref=i18n.reference_name(against, s.lang.value),
                                              name=against),
                    classes=["cli-rename"], style={"font-size": "0.8em", "color": "#555"})
    solara.Text(s.t("png_hint"), style={"font-size": "0.8em", "color": "#555"})


def cli_commands(runs: RunSet, toml_name: str) -> list[str]:
    """``python -m abm run`` of the run's levers saved as ``toml_name``, one line per seed.

    Against a reference other than the baseline, the reference is run too and named by
    ``--baseline`` (:mod:`abm.cli`), so that the command's ``summary.csv`` costs the levers
    against it as the page does; a first year other than 2020 is then set for both
    (``--set run.start_year=...``). The command line cannot run two scenarios of one name: a
    scenario saved under the reference's own name is given without it. A seed that runs a
    posterior draw (``calibration`` bands, :func:`webapp.runner.seed_overrides`) sets it
    with ``--set``, for every scenario of the command as for the page's scenario and reference.
    """
    cfg = runs.config
    scenarios = f"--scenario {toml_name}"
    if cfg.against != DEFAULT_RUN["against"] and toml_name != f"{cfg.against}.toml":
        scenarios = f"--scenario {cfg.against} {scenarios} --baseline {cfg.against}"
        if cfg.start_year != 2020:
            scenarios += f" --set run.start_year={cfg.start_year}"
    drawn = ({seed: seed_overrides(runs.scenario, cfg, seed) for seed in cfg.seeds}
             if cfg.bands == "calibration" else {})
    return [f"python -m abm run {scenarios} --scale {cfg.scale:g} --seed {seed} "
            f"--end-year {cfg.end_year}"
            + "".join(f" --set {k}={v!r}" for k, v in drawn.get(seed, {}).items())
            for seed in cfg.seeds]


# --------------------------------------------------------------------------- page
CSS = """
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(104px, 1fr)); gap: 4px;
        margin: 0 0 4px 0; }
.kpi { border: 1px solid #ddd; border-radius: 4px; padding: 2px 6px; }
.kpi-label { font-size: 0.68em; color: #555; line-height: 1.15; }
.kpi-value { font-size: 1.05em; font-weight: 600; }
details.accounting { font-size: 0.78em; color: #555; }
table.scoreboard { border-collapse: collapse; font-size: 0.88em; margin: 8px 0; }
table.scoreboard td, table.scoreboard th { border: 1px solid #ddd; padding: 3px 7px; }
tr.target.met td { background: #e3f4e1; }
tr.target.not-met td { background: #fbe3e3; }
tr.marginal td { background: #f3f0fa; }
.scope-notes, .marginal-note { font-size: 0.8em; color: #555; }
.lever .v-input__slot { margin-bottom: 0; }
.lever-changed { border-left: 3px solid #e07b00; padding-left: 4px; }
.card-changed { border-left: 3px solid #e07b00 !important; }
.changed-chip { font-size: 0.7em; color: #fff; background: #e07b00; border-radius: 8px;
                padding: 0 6px; }
.results.stale .kpi-strip, .results.stale .chart, .results.stale table,
.results.stale .run-label { opacity: 0.35; filter: grayscale(100%); }
.stale-banner { position: sticky; top: 0; z-index: 4; }
.run-sticky { position: sticky; top: 0; z-index: 5; background: white; padding-bottom: 4px;
              border-bottom: 1px solid #eee; }
.v-navigation-drawer__content > div { height: auto !important; min-height: 100%; }
.chart .js-plotly-plot, .chart .plot-container { width: 100% !important; }
.scenario-description { font-size: 0.78em; color: #555; }
.tab-loading { min-height: 60px; align-items: center; }
"""


def initial_state(search: str | None, headers: dict | None) -> dict[str, Any]:
    """The session's first state: from the URL (``?s=``), else the defaults.

    The language: the URL's, else the browser's (``Accept-Language`` starting with ``zh``
    opens in Chinese), else English.
    """
    saved = state.decode_state(state.query_value(search, "s"))
    name = saved.get("scenario")
    known = available_scenarios()
    base_draft = levers.draft_from_scenario(load_scenario(name if name in known
                                                          else DEFAULT_SCENARIO))
    if name not in known and isinstance(saved.get("base"), dict) \
            and state.valid_draft(saved["base"]):
        base_draft = saved["base"]
    draft = saved.get("draft") if state.valid_draft(saved.get("draft")) else base_draft
    inputs = saved.get("inputs")
    if isinstance(inputs, dict):  # a link saved before an input existed: its default
        inputs = {**{k: DEFAULT_RUN[k] for k in ADDED_RUN_KEYS}, **inputs}
    if not state.valid_inputs(inputs, RUN_KEYS):
        inputs = dict(DEFAULT_RUN)
    lang = saved.get("lang")
    if lang not in i18n.LANGUAGES:
        accept = ""
        for key, values in (headers or {}).items():
            if key.lower() == "accept-language":
                accept = values[0] if isinstance(values, list) and values else str(values)
        lang = "zh" if accept.strip().lower().startswith("zh") else "en"
    return {"scenario": name if isinstance(name, str) and name else DEFAULT_SCENARIO,
            "base": base_draft, "draft": draft, "inputs": inputs, "lang": lang,
            "auto": bool(saved.get("auto", False)),
            "instant": bool(saved.get("instant", False))}


def url_state(s: Session) -> str:
    """The session's state for the URL."""
    body: dict[str, Any] = {"scenario": s.scenario.value, "lang": s.lang.value,
                            "draft": s.draft.value, "inputs": s.inputs.value,
                            "auto": s.auto.value, "instant": s.instant.value}
    if s.scenario.value not in available_scenarios():
        body["base"] = s.base.value
    return state.encode_state(body)


def new_session(first: dict[str, Any]) -> Session:
    """A session's state from its first state (:func:`initial_state`)."""
    return Session(
        lang=solara.reactive(first["lang"]), scenario=solara.reactive(first["scenario"]),
        base=solara.reactive(first["base"]), draft=solara.reactive(first["draft"]),
        inputs=solara.reactive(first["inputs"]), outcome=solara.reactive(Outcome()),
        pinned=solara.reactive([]), accounting=solara.reactive(False),
        progress=solara.reactive(0.0), auto=solara.reactive(first["auto"]),
        instant=solara.reactive(first["instant"]), notice=solara.reactive(""),
        undo=solara.reactive(None),
        ready=solara.reactive(warm.READY.is_set()))


def checked_request(s: Session) -> tuple[Scenario | None, RunConfig | None, list[str]]:
    """:func:`check_request` of the session's levers, computed once per levers and language."""
    key = (state.request_key(s.draft.value, s.inputs.value), s.lang.value)
    if s.checked.get("key") != key:
        s.checked.clear()
        s.checked.update(key=key, value=check_request(s))
    return s.checked["value"]


def batch(s: Session) -> Any:
    """A context in which changes of the session's state make one render at its end.

    Reacton walks the page's whole element tree on every render (thousands of elements with
    a lever group open), so changes that go together are made together.
    """
    return s.render_context if s.render_context is not None else contextlib.nullcontext()


def start_run(s: Session, preview: bool = False) -> None:
    """Start a run of the levers on screen (an instant preview if ``preview``)."""
    # read the levers now (not from a render's closure): the latest typed values count
    scenario, config = current_request(s)
    if scenario is None or config is None or s.task is None:
        return
    if preview:
        config = instant_config(config)
    s.prepared[2] = s.prepared[1]
    s.request[0] = (scenario, config, s.draft.peek(), dict(s.inputs.peek()), preview)
    with batch(s):  # every render walks the whole page: one for these three changes
        s.progress.value = 0.0
        if s.outcome.peek().message:
            s.outcome.value = Outcome("", s.outcome.peek().result)
        s.task()


def run_request(s: Session) -> None:
    """The run task: the request's runs, shown at once; then its cost accounting's runs."""
    mine = s.request[0]
    scenario, config, draft, inputs, preview = mine
    task = s.task
    number = s.counter[0] + 1
    s.accounting.value = False
    try:
        runs = prepared_runs(s, state.request_key(draft, inputs), config) or run_set(
            scenario, config, progress=lambda share: s.progress.set(100 * share),
            should_stop=lambda: not task.is_current(), baseline_cache=s.baseline_cache,
            with_accounting=False, with_agents=False)
    except RunCancelled:
        if s.request[0] is mine:  # not replaced by a newer run (auto, instant)
            s.outcome.value = Outcome("cancelled", s.outcome.peek().result)
        return
    except (ParameterError, ValueError) as error:
        s.outcome.value = Outcome(f"error:{error}", s.outcome.peek().result)
        return
    runs.number, runs.draft, runs.inputs, runs.preview = number, draft, inputs, preview
    runs.key = state.request_key(draft, inputs)
    s.counter[0] = number
    with batch(s):  # one render: the message, the charts, and Run free again
        s.outcome.value = Outcome(f"done:{runs.seconds:.1f}", runs)
        s.accounting.value = runs.pending
    if not runs.pending:
        return
    # a new run (or Cancel) stops the accounting's runs. They start a moment later, so that
    # they do not take the CPU from drawing the charts.
    for _ in range(int(ACCOUNTING_DELAY / 0.05)):
        if not task.is_current():
            return
        time.sleep(0.05)
    try:
        done = add_accounting(runs, s.baseline_cache, should_stop=lambda: not task.is_current())
    except RunCancelled:
        return
    except Exception:
        if task.is_current():
            s.accounting.value = False
        raise
    if not task.is_current():
        return
    with batch(s):
        s.accounting.value = False
        if s.outcome.peek().result is runs:
            s.outcome.value = Outcome(s.outcome.peek().message, done)


def prerun(s: Session, key: str, scenario: Scenario, config: RunConfig, generation: int
           ) -> None:
    """Run the levers on screen ahead of *Run*, and make their emissions chart.

    Started in a thread when the levers change (:func:`AutoRun`, neither automatic mode on);
    stops as soon as they change again. What it makes is kept in ``s.prepared`` and in the
    server's run cache (:func:`webapp.runner.run_one`, by identity), so *Run* shows it at
    once; a click while it is still running waits for the same computation rather than
    starting another. Nothing is shown until *Run*.
    """
    def replaced() -> bool:
        return s.prepared[1] != generation

    time.sleep(PRERUN_DELAY)
    if replaced() or s.prepared[2] == generation:
        return  # newer levers, or Run was pressed first and runs them itself
    try:
        runs = run_set(scenario, config, should_stop=replaced, baseline_cache=s.baseline_cache,
                       with_accounting=False, with_agents=False)
    except (RunCancelled, ParameterError, ValueError):
        return  # a newer lever state, or levers that Run will report on
    lang = s.lang.peek()
    figures.chart(runs, "emissions", lang, lambda: figures.emissions_spec(runs, lang))
    if not replaced():
        s.prepared[0] = ((key, config), runs)


def prepared_runs(s: Session, key: str, config: RunConfig) -> RunSet | None:
    """The runs :func:`prerun` made of these levers (request key) and config, or None.

    Used once: the page numbers and keeps them as the run of a click.
    """
    made = s.prepared[0]
    if made is None or made[0] != (key, config):
        return None
    s.prepared[0] = None
    return made[1]


def stop_prerun(s: Session) -> None:
    """Stop a :func:`prerun` under way and forget what one made (the levers changed)."""
    s.prepared[1] += 1
    s.prepared[0] = None


def start_prerun(s: Session) -> None:
    """Start :func:`prerun` of the levers on screen, replacing any earlier one."""
    stop_prerun(s)
    scenario, config, problems = checked_request(s)
    if problems or scenario is None or config is None:
        return
    key = state.request_key(s.draft.peek(), s.inputs.peek())
    threading.Thread(target=prerun, args=(s, key, scenario, config, s.prepared[1]),
                     name="prerun", daemon=True).start()


def pick_scenario(s: Session, name: str) -> None:
    """Load a shipped scenario's levers (nothing happens for the one already loaded)."""
    if name == s.scenario.peek():
        # the picker also reports its value again when its labels change language: that
        # must not reset the levers (Reset to scenario does that)
        return
    base = levers.draft_from_scenario(load_scenario(name))
    replace_levers(s, name, base, base, "")


def replace_levers(s: Session, scenario: str, base: dict, draft: dict, notice: str) -> None:
    """Put new levers on screen; edited levers they replace are kept for *Undo*.

    The levers on screen hold edits when they differ from their scenario's
    (:func:`webapp.state.changed_levers`); then the scenario, base and levers are kept in
    ``s.undo`` until the next replacement, and *Undo* (:func:`undo_replace`) brings them back.
    """
    with batch(s):
        old = {"scenario": s.scenario.peek(), "base": s.base.peek(), "draft": s.draft.peek()}
        if state.changed_levers(old["draft"], old["base"]) and old["draft"] != draft:
            s.undo.value = old
        else:
            s.undo.value = None
        s.scenario.value = scenario
        s.base.value = base
        s.draft.value = draft
        s.notice.value = notice


def undo_replace(s: Session) -> None:
    """Bring back the levers the last replacement took away.

    The levers it replaces are kept in turn when edited, so a second *Undo* swaps back.
    """
    old = s.undo.peek()
    if old is None:
        return
    with batch(s):
        current = {"scenario": s.scenario.peek(), "base": s.base.peek(), "draft": s.draft.peek()}
        s.scenario.value, s.base.value, s.draft.value = old["scenario"], old["base"], old["draft"]
        s.undo.value = current if state.changed_levers(current["draft"], current["base"]) \
            else None
        s.notice.value = ""


def import_file(s: Session, info: dict) -> None:
    """Load an imported scenario TOML's levers, or say why it cannot be read."""
    new, error = state.import_scenario(info.get("data") or b"", info.get("name", ""),
                                       s.lang.peek())
    if new is None:
        s.notice.value = f"error:{error}"
        return
    replace_levers(s, new["name"], new, new, f"ok:{new['name']}")


@solara.component
def Page() -> None:  # noqa: N802 (Solara looks for "Page")
    """The policy designer's page.

    The page itself reads no state but the language (its title): each part below is a
    component of its own that reads what it shows.
    """
    router = solara.use_router()
    headers = solara.lab.headers.value
    s = solara.use_memo(lambda: new_session(initial_state(router.search, headers)), [])

    def wait_ready() -> None:
        if not warm.READY.is_set():
            warm.start()
            warm.READY.wait()
            s.ready.value = True

    solara.lab.use_task(wait_ready, dependencies=[], raise_error=False)
    s.task = solara.lab.use_task(lambda: run_request(s), dependencies=None, raise_error=False)
    s.render_context = reacton.core.get_render_context()

    solara.Title(s.t("title"))
    solara.Style(CSS)
    UrlSync(s)
    AutoRun(s)
    with solara.AppBar():
        solara.AppBarTitle(s.t("title"))
        LanguageSwitch(s)
    with solara.Sidebar():
        RunControls(s)
        ScenarioPicker(s)
        RunInputs(s)
        LeverPanel(s)
    StatusBanners(s)
    ResultsArea(s)


@solara.component
def LanguageSwitch(s: Session) -> None:  # noqa: N802
    """EN / 中文."""
    lang = s.lang.value
    solara.ToggleButtonsSingle(
        value=next(k for k, v in LANG_BUTTONS.items() if v == lang),
        values=list(LANG_BUTTONS), on_value=lambda v: s.lang.set(LANG_BUTTONS[v]),
        classes=["lang-switch"])


@solara.component
def UrlSync(s: Session) -> None:  # noqa: N802
    """Keeps the page's URL (``?s=``) in step with the levers, run inputs and language."""
    key = state.request_key(s.draft.value, s.inputs.value)
    lang, scenario, auto, instant = (s.lang.value, s.scenario.value, s.auto.value,
                                     s.instant.value)
    query = solara.use_memo(lambda: url_state(s), [key, lang, scenario, auto, instant])
    UrlState(query=query)


@solara.component
def AutoRun(s: Session) -> None:  # noqa: N802
    """Starts a run when the levers change.

    With *Run on every change* or *Instant preview* the run is shown; otherwise it is made
    ahead of *Run* and kept until *Run* is pressed (:func:`prerun`).
    """
    key = state.request_key(s.draft.value, s.inputs.value)
    auto, instant, ready = s.auto.value, s.instant.value, s.ready.value

    def auto_run() -> None:
        stop_prerun(s)
        if not ready or checked_request(s)[2]:
            return
        if not (auto or instant):
            result = s.outcome.peek().result
            if result is None or result.key != key:
                start_prerun(s)
            return
        result = s.outcome.peek().result
        if result is None or result.key != key or (result.preview and not instant):
            start_run(s, preview=instant)

    solara.use_effect(auto_run, [key, auto, instant, ready])


@solara.component
def RunControls(s: Session) -> None:  # noqa: N802
    """Run, the auto-run switches, Cancel and the run's progress (sticky at the top)."""
    _, _, problems = checked_request(s)
    task = s.task
    accounting = s.accounting.value
    running = task.pending and not accounting
    ready = s.ready.value
    with solara.Div(classes=["run-sticky"]):
        with solara.Row(style={"align-items": "center"}):
            solara.Button(s.t("run"), on_click=lambda: start_run(s), color="primary",
                          disabled=bool(problems) or running or not ready,
                          classes=["run-button"])
            with solara.Div(classes=["auto-run"]):
                solara.Checkbox(label=s.t("auto_run"), value=s.auto)
            with solara.Div(classes=["instant-run"]):
                solara.Checkbox(label=s.t("instant_run").format(scale=f"{INSTANT_SCALE:g}"),
                                value=s.instant)
            if running or accounting:
                solara.Button(s.t("cancel"), on_click=task.cancel, outlined=True,
                              classes=["cancel-button"])
        if not ready:
            solara.Info(s.t("preparing"), dense=True, classes=["preparing"])
        if running:
            RunProgress(s)


@solara.component
def StatusBanners(s: Session) -> None:  # noqa: N802
    """Input problems, how the last run ended, preview and stale notices.

    All in one container, so that they never shift the results below (and reset them).
    """
    _, _, problems = checked_request(s)
    outcome = s.outcome.value
    result = outcome.result
    stale = result is not None and result.key != state.request_key(s.draft.value,
                                                                    s.inputs.value)
    with solara.Div(classes=["status"]):
        if problems:
            with solara.Div(classes=["input-problems"]):
                solara.Error(s.t("fix_inputs"), dense=True)
                for problem in problems:
                    solara.Error(problem, dense=True, icon=False, classes=["input-problem"])
        message = outcome.message
        if message == "cancelled":
            solara.Warning(s.t("cancelled"), classes=["run-message"])
        elif message.startswith("error:"):
            solara.Error(f"{s.t('failed')} {message[6:]}", classes=["run-message"])
        elif message.startswith("done:") and not stale:
            solara.Success(f"{s.t('finished')}: {message[5:]} {s.t('in_seconds')}",
                           dense=True, classes=["run-message", "run-done"])
        if result is not None and result.preview and not stale:
            solara.Info(s.t("preview_banner").format(scale=f"{result.config.scale:g}",
                                                     full=s.inputs.value["scale"]),
                        dense=True, classes=["preview-banner"])
        if stale:
            solara.Warning(s.t("stale").format(run=f"#{result.number}"), dense=True,
                           classes=["stale-banner"])


@solara.component
def ResultsArea(s: Session) -> None:  # noqa: N802
    """The run on screen, or how to get one."""
    result = s.outcome.value.result
    if result is None:
        solara.Info(s.t("press_run"), classes=["no-run"])
        return
    stale = result.key != state.request_key(s.draft.value, s.inputs.value)
    Results(s, result, stale)


@solara.component
def ScenarioPicker(s: Session) -> None:  # noqa: N802
    """The scenario, its description, reset, TOML import (chosen or dropped), and its name."""
    lang = s.lang.value
    names = available_scenarios()
    titles = {i18n.scenario_title(n, lang): n for n in names}
    current = s.scenario.value
    if current not in names:
        titles[current] = current
    solara.Select(s.t("scenario"), values=list(titles),
                  value=next(k for k, v in titles.items() if v == current),
                  on_value=lambda v: pick_scenario(s, titles[v]) if titles[v] in names
                  else None,
                  classes=["scenario-select"])
    description = s.base.value.get("description", "")
    solara.Text(i18n.scenario_description(current, description, lang),
                classes=["scenario-description"])
    with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
        solara.Button(s.t("reset"), on_click=lambda: replace_levers(
            s, s.scenario.peek(), s.base.peek(), s.base.peek(), ""), text=True,
            icon_name="mdi-restore", classes=["reset-button"])
    with solara.Details(summary=s.t("import_toml"), expand=False):
        TomlImport(label=s.t("import_drop"),
                   event_file=lambda info: import_file(s, imported_file(info)))
    undo = s.undo.value
    if undo is not None:
        with solara.Row(gap="4px", classes=["undo-row"], style={"align-items": "center"}):
            solara.Info(s.t("levers_replaced").format(
                name=i18n.scenario_title(undo["scenario"], lang)), dense=True, icon=False)
            solara.Button(s.t("undo"), on_click=lambda: undo_replace(s), text=True,
                          icon_name="mdi-undo", classes=["undo-button"])
    notice = s.notice.value
    if notice.startswith("error:"):
        solara.Error(f"{s.t('import_failed')} {notice[6:]}", dense=True,
                     classes=["import-error"])
    elif notice.startswith("ok:"):
        solara.Success(s.t("imported").format(name=notice[3:]), dense=True,
                       classes=["import-ok"])
    errors = levers.field_errors(s.draft.value, lang)
    NumberField(s.t("scenario_name"), s.draft.value["name"],
                lambda v: s.draft.set({**s.draft.value, "name": v}),
                errors.get("name", ""), css="scenario-name")


@solara.component
def RunProgress(s: Session) -> None:  # noqa: N802
    """Progress of the running run (only this component re-renders as it advances)."""
    pct = s.progress.value
    solara.ProgressLinear(pct, classes=["run-progress"])
    solara.Text(f"{s.t('running')} {pct:.0f} %", classes=["run-status"])


@solara.component
def RunChoice(s: Session, key: str, names: tuple[str, ...], label: str, css: str,  # noqa: N802
              error: str = "", help_text: str = "") -> None:
    """A run input chosen from ``names`` (each shown as ``<key>_option_<name>``)."""
    options = {s.t(f"{key}_option_{name}"): name for name in names}
    chosen = s.inputs.value.get(key)

    def choose(text: str | None) -> None:
        name = options.get(text or "")
        # the choice reports its value again when its labels change language: not a change
        if name is not None and name != s.inputs.peek().get(key):
            s.inputs.value = {**s.inputs.peek(), key: name}

    solara.Select(label, values=list(options),
                  value=next((k for k, v in options.items() if v == chosen), None),
                  on_value=choose, classes=[css])
    if help_text:
        solara.Text(help_text, classes=[f"{key}-help"],
                    style={"font-size": "0.75em", "color": "#555"})
    if error:
        solara.Error(error, dense=True, classes=[f"{key}-error"])


def AgainstChoice(s: Session, error: str = "") -> None:  # noqa: N802
    """The choice of reference (:data:`webapp.runner.REFERENCES`).

    Abatement, extra spending and the cost per tonne are measured against it.
    """
    RunChoice(s, "against", REFERENCES, s.t("compare_against"), "compare-against", error,
              s.t("against_help"))


def BandsChoice(s: Session, error: str = "") -> None:  # noqa: N802
    """What the bands across seeds hold (:data:`webapp.runner.BANDS`)."""
    RunChoice(s, "bands", BANDS, s.t("bands"), "bands-choice", error)


@solara.component
def RunInputs(s: Session) -> None:  # noqa: N802
    """Years, scale, seeds and what to compare against; a warning for a heavy scale."""
    inputs = s.inputs.value
    lang = s.lang.value
    start_year = s.draft.value["parameters"].get("run.start_year", 2020)

    def set_input(key: str, text: str) -> None:
        s.inputs.value = {**s.inputs.value, key: text}

    def set_start(text: str) -> None:
        value = parse_int(text)
        s.draft.value = levers.with_parameter(s.draft.value, "run.start_year",
                                              None if value == 2020 else value)

    config, problems = run_config(inputs, start_year if isinstance(start_year, int) else 2020,
                                  lang)
    k = 1 if lang == "zh" else 0

    def problem(label: str) -> str:
        word = i18n.RUN_LABELS[label][k]
        return next((p for p in problems if p.startswith(word)), "")

    year_problem = problem("Last year") or next(
        (p for p in problems if "2020" in p and "–" in p), "")
    with solara.Details(summary=s.t("run_settings"), expand=True):
        with solara.Row(gap="8px"):
            with solara.Div(style={"flex": "1"}):
                NumberField(s.t("first_year"), start_year, set_start,
                            levers.field_errors(s.draft.value, lang).get(
                                "param:run.start_year", ""), css="first-year")
            with solara.Div(style={"flex": "1"}):
                NumberField(s.t("last_year"), inputs["end_year"],
                            lambda v: set_input("end_year", v), year_problem, css="last-year")
        NumberField(s.t("scale"), inputs["scale"], lambda v: set_input("scale", v),
                    problem("Scale"), css="scale")
        with solara.Row(gap="8px"):
            with solara.Div(style={"flex": "1"}):
                NumberField(s.t("seed"), inputs["seed"], lambda v: set_input("seed", v),
                            problem("Seed"), css="seed")
            with solara.Div(style={"flex": "1"}):
                NumberField(s.t("n_seeds"), inputs["n_seeds"],
                            lambda v: set_input("n_seeds", v), problem("Number of seeds"),
                            css="n-seeds")
        BandsChoice(s, problem("Bands"))
        AgainstChoice(s, problem("Compare against"))

    with solara.Div():
        if config is not None and config.scale < HEAVY_SCALE:
            solara.Warning(s.t("heavy_run"), dense=True)
