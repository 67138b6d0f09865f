"""One-click fixes of the pre-flight checks: a button per fix, and the list of applied ones with undo (both stored
with the dataset, so a reload neither forgets a fix nor offers it again)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from kuai.app.components.state import change_choices, chosen_fixes
from kuai.engine import CheckResult, FixAction, to_jsonable

_NEED_TARGET = {FixAction.DROP_MISSING_TARGET_ROWS, FixAction.MERGE_RARE_CLASSES, FixAction.DROP_RARE_CLASS_ROWS}


def fix_buttons(warnings: tuple[CheckResult, ...], dataset_id: str, *, target: str, key: str) -> None:
    """A button for every check that has a fix; a click stores it with the dataset and the page reruns."""
    fixable = [w for w in warnings if w.fix is not None]
    if not fixable:
        return
    st.markdown("**Fix with one click**")
    for position, warning in enumerate(fixable):
        assert warning.fix is not None
        text, button = st.columns([3, 1], vertical_alignment="center")
        text.markdown(f"`{warning.code}` {warning.message}")
        button.button(warning.fix.label, key=f"{key}_{position}_{warning.code}", width="stretch",
                      on_click=_apply, args=(dataset_id, _with_target(to_jsonable(warning.fix), target)))


def _with_target(fix: dict[str, Any], target: str) -> dict[str, Any]:
    """Fixes of the target's rows (missing values, rare classes) hold only for that target."""
    return fix | {"for_target": target} if fix["action"] in _NEED_TARGET else fix


def _apply(dataset_id: str, fix: dict[str, Any]) -> None:
    if fix["action"] == FixAction.CHANGE_TARGET:
        if fix.get("columns"):
            change_choices(dataset_id, target=fix["columns"][0])
        return
    fixes = chosen_fixes(dataset_id)
    if fix not in fixes:
        change_choices(dataset_id, fixes=(*fixes, fix))


def _undo(dataset_id: str, fix: dict[str, Any]) -> None:
    change_choices(dataset_id, fixes=tuple(kept for kept in chosen_fixes(dataset_id) if kept != fix))


def _label(fix: dict[str, Any]) -> str:
    label = str(fix.get("label", fix["action"]))
    return label + (f" (for target '{fix['for_target']}')" if fix.get("for_target") else "")


def applied_fixes(fixes: list[dict[str, Any]], dataset_id: str, *, key: str) -> None:
    """The fixes in force (kept with the dataset), each with an undo button; an undo is kept too."""
    if not fixes:
        return
    st.markdown("**Fixes you applied** (kept for this dataset)")
    for position, fix in enumerate(fixes):
        text, button = st.columns([3, 1], vertical_alignment="center")
        text.markdown(f"✓ {_label(fix)}")
        button.button("Undo", key=f"{key}_undo_{position}", width="stretch", on_click=_undo, args=(dataset_id, fix))
