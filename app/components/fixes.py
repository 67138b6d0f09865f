"""One-click fixes of the pre-flight checks: a button per fix, and the list of applied ones with undo."""

from __future__ import annotations

from typing import Any

import streamlit as st

from engine import CheckResult, FixAction, to_jsonable

_NEED_TARGET = {FixAction.DROP_MISSING_TARGET_ROWS, FixAction.MERGE_RARE_CLASSES, FixAction.DROP_RARE_CLASS_ROWS}


def fix_buttons(warnings: tuple[CheckResult, ...], fixes: list[dict[str, Any]], *, target: str, target_key: str,
                key: str) -> None:
    """A button for every check that has a fix; a click applies it and the page reruns."""
    fixable = [w for w in warnings if w.fix is not None]
    if not fixable:
        return
    st.markdown("**Fix with one click**")
    for position, warning in enumerate(fixable):
        assert warning.fix is not None
        text, button = st.columns([3, 1], vertical_alignment="center")
        text.markdown(f"`{warning.code}` {warning.message}")
        button.button(warning.fix.label, key=f"{key}_{position}_{warning.code}", width="stretch",
                      on_click=_apply, args=(_with_target(to_jsonable(warning.fix), target), fixes, target_key))


def _with_target(fix: dict[str, Any], target: str) -> dict[str, Any]:
    """Fixes of the target's rows (missing values, rare classes) hold only for that target."""
    return fix | {"for_target": target} if fix["action"] in _NEED_TARGET else fix


def _apply(fix: dict[str, Any], fixes: list[dict[str, Any]], target_key: str) -> None:
    if fix["action"] == FixAction.CHANGE_TARGET:
        if fix.get("columns"):
            st.session_state[target_key] = fix["columns"][0]
        return
    if fix not in fixes:
        fixes.append(fix)


def _label(fix: dict[str, Any]) -> str:
    label = str(fix.get("label", fix["action"]))
    return label + (f" (for target '{fix['for_target']}')" if fix.get("for_target") else "")


def applied_fixes(fixes: list[dict[str, Any]], *, key: str) -> None:
    """The fixes in force, each with an undo button."""
    if not fixes:
        return
    st.markdown("**Fixes you applied**")
    for position, fix in enumerate(list(fixes)):
        text, button = st.columns([3, 1], vertical_alignment="center")
        text.markdown(f"✓ {_label(fix)}")
        button.button("Undo", key=f"{key}_undo_{position}", width="stretch", on_click=fixes.remove, args=(fix,))
