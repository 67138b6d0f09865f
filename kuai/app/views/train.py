"""Train page: time budget and seed, start a training in a worker process, follow it live."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import streamlit as st

from kuai.app.components.data import dataset_label, fixes_for, load_profile, task_spec
from kuai.app.components.labels import TASK_LABELS, metric_label
from kuai.app.components.live import ACTIVE, show_run
from kuai.app.components.state import (
    change_choices,
    choices,
    chosen_fixes,
    current_dataset_id,
    current_run_id,
    remember_run,
    run_dataset,
    show_choice_notes,
    show_stored,
    stored_group,
    stored_metric,
    stored_task,
    stored_time,
    sync_url,
    type_overrides,
)
from kuai.app.services.jobs import job_state, start_job
from kuai.app.services.scaleout import configured_scale_out
from kuai.engine import FAMILIES, EngineError, default_order, family_label
from kuai.storage import RunConfig, get_dataset, redact


def planned_config(dataset_id: str) -> RunConfig | None:
    """The training the Task page set up (or Kuai's suggestions); None with an error shown if it cannot work."""
    stored, overrides, fixes = choices(dataset_id), type_overrides(dataset_id), chosen_fixes(dataset_id)
    try:
        detected = load_profile(dataset_id, overrides=overrides, fixes=fixes)
        names = {c.name for c in detected.columns}
        target = stored.target if stored.target in names else detected.target.suggested
        if target is None:
            st.warning("Kuai could not guess what to predict: choose a target on the Task page.")
            return None
        task = stored_task(stored, target)
        inferred = task or load_profile(dataset_id, target=target, overrides=overrides, fixes=fixes).task
        metric = stored_metric(stored, target, str(inferred) if inferred else None)
        group, time = stored_group(stored, target), stored_time(stored, target)
        spec = task_spec(dataset_id, target=target, task=task, metric=metric, overrides=overrides, fixes=fixes,
                         group=None if time else group, time=time)
    except EngineError as exc:
        st.error(f"This setup cannot be trained: {exc}")
        st.page_link("views/task.py", label="Change it on the Task page", icon=":material/target:")
        return None
    record = get_dataset(dataset_id)
    return RunConfig(dataset_id=dataset_id, dataset_name=record.display_name, target=spec.target,
                     task=str(spec.task), metric=spec.metric, type_overrides=dict(overrides),
                     fixes=tuple(fixes_for(fixes, spec.target)), reading=dict(stored.reading),
                     group=None if time else group, time=time)


# Train page widget -> (the stored choice it shows, its value before the user changes it)
TRAINING_WIDGETS: dict[str, tuple[str, Any]] = {
    "budget": ("time_budget_s", 60), "seed": ("seed", 0), "max_latency_ms": ("max_latency_ms", None),
    "max_size_mb": ("max_size_mb", None), "class_weight_balanced": ("class_weight_balanced", False),
    "train_shared": ("shared", False), "holdout_on": ("holdout_on", False), "families": ("families", []),
}
HOLDOUT_SHARE = 0.2  # the Train page's holdout: a fifth of the rows


def _valid(key: str, value: Any) -> bool:
    """Whether a stored value fits its widget (a file from another version or edited by hand may not)."""
    if key in ("class_weight_balanced", "train_shared", "holdout_on"):
        return isinstance(value, bool)
    if key == "families":
        return isinstance(value, list) and all(name in FAMILIES for name in value)
    if value is None:
        return key in ("max_latency_ms", "max_size_mb")
    if key in ("budget", "seed"):
        return isinstance(value, int) and not isinstance(value, bool) and (
            10 <= value <= 24 * 3600 if key == "budget" else 0 <= value < 2**31)
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def show_training_choices(dataset_id: str) -> None:
    """Show the stored budget, seed and expert options in their widgets (a reload or a new tab keeps them)."""
    stored = choices(dataset_id).training
    for key, (name, default) in TRAINING_WIDGETS.items():
        value = stored.get(name, default)
        show_stored(key, value if _valid(key, value) else default)


def _keep_training(dataset_id: str, key: str) -> None:
    """Widget callback: store one training option with the dataset."""
    name = TRAINING_WIDGETS[key][0]
    change_choices(dataset_id, training=choices(dataset_id).training | {name: st.session_state[key]})


def training_form(config: RunConfig, busy: bool) -> None:
    record = get_dataset(config.dataset_id)
    st.markdown(f"**Data:** {dataset_label(record)} · **predict:** {config.target} · "
                f"**kind:** {TASK_LABELS.get(config.task or '', config.task)} · "
                f"**compared by:** {metric_label(config.metric)}"
                + (f" · **type changes:** {len(config.type_overrides)}" if config.type_overrides else "")
                + (f" · **fixes applied:** {len(config.fixes)}" if config.fixes else ""))
    if config.fixes:
        st.caption("Fixes in force: " + "; ".join(str(fix.get("label", fix["action"])) for fix in config.fixes) + ".")
    st.page_link("views/task.py", label="Change these choices", icon=":material/edit:")
    show_training_choices(config.dataset_id)
    budget_column, seed_column = st.columns(2)
    budget = budget_column.number_input(
        "Time budget (seconds)", min_value=10, max_value=24 * 3600, step=10, key="budget",
        on_change=_keep_training, args=(config.dataset_id, "budget"),
        help="Kuai tries as many models as fit in this time, including preparing the final model. "
             "More time usually means a slightly better model. From 240 s, tables under 20,000 rows are scored "
             "with 8 cross-validation folds instead of 5, unless the folds are set, or the rows are grouped or "
             "ordered in time.")
    seed = seed_column.number_input("Random seed", min_value=0, max_value=2**31 - 1, step=1, key="seed",
                                    on_change=_keep_training, args=(config.dataset_id, "seed"),
                                    help="The same seed and budget give the same result again.")
    max_latency_ms, max_size_mb, balanced, families = expert_form(
        config.dataset_id, classification=config.task in ("binary", "multiclass"))
    holdout = st.toggle(
        f"Keep {HOLDOUT_SHARE:.0%} of the rows out of the search, to check the chosen model on them at the end",
        key="holdout_on", on_change=_keep_training, args=(config.dataset_id, "holdout_on"),
        help="The cross-validated score chose the model among many, so it is a little optimistic. Rows kept out of "
             "everything give an unbiased score, shown beside it (the latest rows when scoring forward in time; "
             "whole patients, customers or machines when they are kept together). The model learns from fewer rows.")
    shared = shared_storage_toggle(config.dataset_id)
    if st.button("Start training", type="primary", icon=":material/play_arrow:", disabled=busy,
                 help="A training is already running; wait for it or cancel it." if busy else None):
        run = start_job(replace(config, time_budget_s=float(budget), seed=int(seed), shared=shared,
                                max_latency_ms=max_latency_ms, max_size_mb=max_size_mb,
                                class_weight="balanced" if balanced else "", families=families,
                                holdout=HOLDOUT_SHARE if holdout else 0.0))
        remember_run(run.run_id)
        st.rerun()


def expert_form(dataset_id: str, *,
                classification: bool) -> tuple[float | None, float | None, bool, tuple[str, ...]]:
    """Expert mode: what the exported model may cost (empty fields: no limit), class weights, the model families."""
    with st.expander("Expert: limits on the exported model, class weights, model families"):
        st.caption("Kuai exports the best model within these limits, and shows on the Results page what each "
                   "model costs against its score. Leave a field empty for no limit.")
        latency_column, size_column = st.columns(2)
        latency = latency_column.number_input(
            "Most prediction time per row (ms)", min_value=0.0001, value=None, step=0.01, format="%g",
            key="max_latency_ms", placeholder="no limit", on_change=_keep_training, args=(dataset_id, "max_latency_ms"),
            help="In a batch, as measured during the search; a bagged model counts each of its fold models.")
        size = size_column.number_input(
            "Largest model file (MB)", min_value=0.01, value=None, step=1.0, format="%g", key="max_size_mb",
            placeholder="no limit", on_change=_keep_training, args=(dataset_id, "max_size_mb"),
            help="The exported ONNX file, as estimated from each model's size.")
        balanced = classification and st.toggle(
            "Balance the classes", key="class_weight_balanced", on_change=_keep_training,
            args=(dataset_id, "class_weight_balanced"),
            help="Every class weighs the same in training, so rows of rare classes count more: the model finds "
                 "more of them, at the cost of more false alarms. Its probabilities then lean towards rare "
                 "classes. The score still compares models on every row alike.")
        families = st.multiselect(
            "Model families to search", list(FAMILIES), key="families", format_func=family_label,
            placeholder="Kuai's choice", on_change=_keep_training, args=(dataset_id, "families"),
            help="Empty: Kuai's usual families (" + ", ".join(family_label(name) for name in default_order())
                 + "). XGBoost and the neural network are searched only when chosen here.")
    return (float(latency) if latency is not None else None, float(size) if size is not None else None,
            bool(balanced), tuple(families))


def shared_storage_toggle(dataset_id: str) -> bool:
    """Only when the operator has set KUAI_STORAGE: train on the shared study database instead of this machine."""
    scale = configured_scale_out()
    if scale is None:
        return False
    shared = st.toggle("Train on the shared storage", key="train_shared", on_change=_keep_training,
                       args=(dataset_id, "train_shared"),
                       help="The search runs as a study that workers on other machines can join; "
                            "the result comes back here as usual.")
    if shared:
        st.caption(f"Study database {redact(scale.storage_url)}, shared folder {scale.shared_root}. Other machines "
                   "join with `kuai worker --storage URL --shared DIR` while the search runs.")
    return bool(shared)


def main() -> None:
    sync_url()
    st.title("Train models")
    st.caption("Kuai tries several kinds of models within your time budget, checks each one on rows it has not "
               "seen, and keeps the best (or a blend of the best).")
    run_id = current_run_id()
    run = job_state(run_id)[0] if run_id else None
    busy = run is not None and run.status in ACTIVE
    dataset_id = current_dataset_id() or (run_dataset(run) if run else None)
    if run_id and busy:  # a reload or a new tab during a training: its progress first, before the data is read
        show_run(run_id)
        st.divider()
    if dataset_id is None:
        st.info("First pick a dataset on the Data page.")
        st.page_link("views/data.py", label="Go to Data →", icon=":material/table_view:")
    else:
        config = planned_config(dataset_id)
        show_choice_notes()
        if config is not None:
            training_form(config, busy)
    if run_id and not busy:
        st.divider()
        show_run(run_id)


main()
