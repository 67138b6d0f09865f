"""Task page: what to predict (target), what kind of prediction (task), how to score it (metric), checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from kuai.app.components.data import load_frame, load_profile, task_spec
from kuai.app.components.fixes import applied_fixes, fix_buttons
from kuai.app.components.labels import METRIC_HELP, TASK_LABELS, metric_direction, metric_label
from kuai.app.components.profile_view import checks_table
from kuai.app.components.state import (
    change_choices,
    choices,
    chosen_fixes,
    current_dataset_id,
    show_choice_notes,
    show_stored,
    stored_group,
    stored_metric,
    stored_task,
    stored_time,
    sync_url,
    type_overrides,
)
from kuai.engine import (
    ColumnType,
    DatasetProfile,
    EngineError,
    TaskSpec,
    TaskType,
    folds_in_words,
    validation_reason,
)
from kuai.engine.data.groups import ungrouped_note
from kuai.engine.data.task import LARGE_DATA_ROWS, LONG_BUDGET_FOLDS, LONG_BUDGET_S, METRICS, default_folds
from kuai.engine.data.time_order import time_keys
from kuai.engine.search.folds import time_folds
from kuai.exporters.validation_figures import time_folds_figure


def _keep(dataset_id: str, key: str, name: str, **also: object) -> None:
    """Widget callback: store the widget's new value as the choice ``name`` (with what it was chosen for)."""
    change_choices(dataset_id, **{name: st.session_state[key]}, **also)


def choose_target(dataset_id: str, detected: DatasetProfile) -> str | None:
    stored = choices(dataset_id).target
    names = [c.name for c in detected.columns]
    suggestion = detected.target.suggested
    key = f"target_{dataset_id}"
    show_stored(key, stored if stored in names else suggestion)
    target = st.selectbox("What do you want to predict? (the target column)", names, key=key,
                          placeholder="Choose a column…", on_change=_keep, args=(dataset_id, key, "target"))
    if suggestion:
        st.caption(f"Kuai suggests **{suggestion}** because {detected.target.reason.split(': ', 1)[-1]}.")
    else:
        st.caption(f"{detected.target.reason}.")
    reasons = dict(zip(detected.target.candidates, detected.target.candidate_reasons, strict=False))
    others = [c for c in detected.target.candidates if c != suggestion]
    if others:
        st.caption("Other possible targets: " + "; ".join(
            f"*{c}*" + (f" ({reasons[c].split(': ', 1)[-1]})" if reasons.get(c) else "") for c in others))
    return target


def choose_task(dataset_id: str, target: str, profile: DatasetProfile) -> str | None:
    if profile.task is None:
        st.error(f"'{target}' cannot be predicted: {profile.task_reason or 'no task fits it.'} "
                 "Choose another target.")
        return None
    key = f"task_{dataset_id}_{target}"
    show_stored(key, stored_task(choices(dataset_id), target) or str(profile.task))
    task = st.selectbox("What kind of prediction is it?", list(TASK_LABELS), key=key,
                        format_func=lambda t: TASK_LABELS[t], on_change=_keep,
                        args=(dataset_id, key, "task"), kwargs={"task_for": target})
    st.caption(f"Kuai detected: {profile.task_reason}.")
    return task


def choose_metric(dataset_id: str, target: str, task: str, profile: DatasetProfile) -> str:
    allowed = list(METRICS[TaskType(task)])
    suggested = profile.metric if profile.metric in allowed and task == str(profile.task) else allowed[0]
    key = f"metric_{dataset_id}_{target}_{task}"
    remembered = stored_metric(choices(dataset_id), target, task)
    show_stored(key, remembered if remembered in allowed else suggested)
    metric = st.selectbox("How should models be compared? (the metric)", allowed, key=key,
                          format_func=lambda m: f"{metric_label(m)} ({metric_direction(m)})", on_change=_keep,
                          args=(dataset_id, key, "metric"), kwargs={"metric_for": (target, task)})
    reason = profile.metric_reason if metric == profile.metric else METRIC_HELP.get(metric, "")
    st.caption(f"{metric_label(metric)}: {reason}.")
    return metric


_KUAI, _NONE = "\x00kuai", "\x00none"  # the group widget's two choices that are no column


def _keep_group(dataset_id: str, key: str, target: str) -> None:
    value = st.session_state[key]
    change_choices(dataset_id, group=None if value == _KUAI else "" if value == _NONE else value, group_for=target)


def choose_group(dataset_id: str, target: str, profile: DatasetProfile) -> str | None:
    """Which column keeps an entity's rows in one fold (None: Kuai's choice; "": rows one by one)."""
    stored = stored_group(choices(dataset_id), target)
    names = [c.name for c in profile.columns if c.name != target]
    options = [_KUAI, _NONE, *names]
    found = profile.group.column if profile.group is not None else None
    labels = {_KUAI: f"Kuai's choice: {found}" if found else "Kuai's choice: none (no column repeats like an ID)",
              _NONE: "None: score the rows one by one"}
    key = f"group_{dataset_id}_{target}"
    show_stored(key, _KUAI if stored is None else _NONE if stored == "" else stored if stored in names else _KUAI)
    choice = st.selectbox("Do several rows belong to one patient, customer or machine? (rows kept together when "
                          "scoring)", options, key=key, format_func=lambda o: labels.get(o, o), on_change=_keep_group,
                          args=(dataset_id, key, target),
                          help="A model is scored on rows it has not seen. When one patient has several rows, the "
                               "rows of a patient the model trained on are easy to score, and the score is better "
                               "than on new patients. Keeping each patient's rows together scores new patients.")
    return None if choice == _KUAI else "" if choice == _NONE else choice


def _keep_time(dataset_id: str, key: str, target: str) -> None:
    value = st.session_state[key]
    change_choices(dataset_id, time=None if value == _NONE else value, time_for=target)


def choose_time(dataset_id: str, target: str, profile: DatasetProfile) -> str | None:
    """The date column to validate forward in time along (None: no), offered when the data has dates."""
    dates = [c.name for c in profile.columns if c.type is ColumnType.DATETIME and c.name != target]
    if not dates:
        return None
    if profile.time_candidate in dates:
        dates.remove(profile.time_candidate)
        dates.insert(0, profile.time_candidate)
    stored = stored_time(choices(dataset_id), target)
    key = f"time_{dataset_id}_{target}"
    show_stored(key, stored if stored in dates else _NONE)
    choice = st.selectbox("Will the model predict what comes next, from past rows?", [_NONE, *dates], key=key,
                          format_func=lambda o: "No: new rows like these, whenever they were recorded" if o == _NONE
                          else f"Yes: score models on later rows than they learned from, by '{o}'",
                          on_change=_keep_time, args=(dataset_id, key, target),
                          help="Shuffled rows let a model learn from the future of the rows it is scored on. When "
                               "the model will predict later periods, scoring it on later rows than it learned from "
                               "gives the score it will have.")
    return None if choice == _NONE else choice


def show_time_folds(dataset_id: str, spec: TaskSpec) -> None:
    """The folds forward in time on a small timeline: what each learns from and what it is scored on."""
    _, frame = load_frame(dataset_id)
    rows = frame[frame[spec.target].notna()]
    times, _ = time_keys(rows[spec.time], spec.date_formats.get(spec.time))
    classes = pd.factorize(rows[spec.target])[0] if spec.task.is_classification else None
    folds = time_folds(times, spec.n_folds, classes)
    dates = not pd.api.types.is_numeric_dtype(rows[spec.time]) and np.nanmax(times, initial=0) > 1e8
    st.plotly_chart(time_folds_figure(times, folds, column=spec.time, dates=dates), width="stretch")


def show_plan(dataset_id: str, target: str, task: str, metric: str, profile: DatasetProfile) -> bool:
    time = choose_time(dataset_id, target, profile)
    group = None if time else choose_group(dataset_id, target, profile)
    try:
        spec = task_spec(dataset_id, target=target, task=task, metric=metric, overrides=type_overrides(dataset_id),
                         fixes=chosen_fixes(dataset_id), group=group, time=time)
    except EngineError as exc:
        st.error(f"This choice cannot be trained: {exc}")
        return False
    st.markdown(f"Kuai will learn **{target}** from **{len(spec.features)} columns**: "
                + ", ".join(spec.features) + ".")
    if spec.dropped:
        st.caption("Left out: " + "; ".join(f"{name} ({why})" for name, why in spec.dropped.items()) + ".")
    if spec.classes:
        st.caption("Possible answers: " + ", ".join(f"'{c}'" for c in spec.classes) + ".")
    if spec.time:
        st.info(f"How models are scored: {folds_in_words(spec)}: {spec.time_reason}", icon=":material/schedule:")
        show_time_folds(dataset_id, spec)
    elif spec.group:
        st.info(f"How models are scored: {spec.n_folds}-fold group cross-validation. {spec.group_reason}",
                icon=":material/group_work:")
    elif spec.n_folds == profile.n_folds and profile.validation_reason and profile.group is None:
        st.caption(f"How models are scored: {profile.validation_reason}"
                   f"{_budget_folds_words(spec, profile.n_rows)}.")
    else:
        st.caption(f"How models are scored: {validation_reason(spec, profile.n_rows)}.")
    if group == "" and profile.group is not None and not spec.time:
        st.warning(ungrouped_note(profile.group), icon=":material/warning:")
    return True


def main() -> None:
    sync_url()
    st.title("What to predict")
    dataset_id = current_dataset_id()
    if dataset_id is None:
        st.info("First pick a dataset on the Data page.")
        st.page_link("views/data.py", label="Go to Data →", icon=":material/table_view:")
        return
    st.caption("Your choices here, and on the Data and Train pages, are kept with this dataset in Kuai's home "
               "folder: they are still in force after a reload, in a new tab or after a restart.")
    fixes = chosen_fixes(dataset_id)
    show_choice_notes()
    try:
        detected = load_profile(dataset_id, overrides=type_overrides(dataset_id), fixes=fixes)
    except EngineError as exc:
        st.error(f"This dataset cannot be read. {exc}")
        return
    target = choose_target(dataset_id, detected)
    if target is None:
        return
    profile = load_profile(dataset_id, target=target, overrides=type_overrides(dataset_id), fixes=fixes)
    task = choose_task(dataset_id, target, profile)
    metric = choose_metric(dataset_id, target, task, profile) if task else None
    st.markdown("#### Checks before training")
    st.caption("Kuai looked for common problems in the data. Notes are handled automatically; "
               "warnings deserve a look, and most have a one-click fix.")
    if profile.resources is not None:
        st.caption(f"Machine: {profile.resources.reason}")
    checks_table(profile.warnings)
    fix_buttons(profile.warnings, dataset_id, target=target, key=f"fix_{dataset_id}")
    applied_fixes(fixes, dataset_id, key=f"fix_{dataset_id}")
    if task and metric and show_plan(dataset_id, target, task, metric, profile):
        st.page_link("views/train.py", label="Next: train models →", icon=":material/model_training:")


def _budget_folds_words(spec: TaskSpec, n_rows: int) -> str:
    """What a long budget changes of these folds (``budget_folds``), said before the budget is chosen."""
    if spec.n_folds != default_folds(n_rows) or n_rows >= LARGE_DATA_ROWS:
        return ""
    return (f"; from a {LONG_BUDGET_S:.0f} s budget (Train page), {LONG_BUDGET_FOLDS} folds, as many as the data "
            "allows")


main()
