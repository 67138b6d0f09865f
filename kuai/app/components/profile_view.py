"""The column table with editable types, and the pre-flight checks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kuai.app.components.labels import TYPE_HELP
from kuai.engine import CheckResult, ColumnType, DatasetProfile

TYPES = [t.value for t in ColumnType]
MAX_ROWS_IN_FULL = 40
_SEVERITY_WORDS = {"info": "note", "warning": "warning", "error": "blocking"}


def column_table(detected: DatasetProfile, overrides: dict[str, str],
                 distributions: dict[str, list[int]] | None = None) -> pd.DataFrame:
    rows = []
    for column in detected.columns:
        kind = overrides.get(column.name, str(column.type))
        why = column.reason
        if kind != str(column.type):
            why = f"changed by you (Kuai guessed {column.type}: {column.reason})"
        rows.append({"column": column.name, "type": kind, "why": why,
                     "missing %": round(100 * column.missing_fraction, 1), "distinct values": column.n_unique,
                     "distribution": (distributions or {}).get(column.name, []),
                     "examples": ", ".join(column.examples[:5])})
    return pd.DataFrame(rows)


def type_editor(detected: DatasetProfile, overrides: dict[str, str], *, key: str,
                distributions: dict[str, list[int]] | None = None) -> dict[str, str]:
    """Show every column with Kuai's type; return the types the user changed (column -> type)."""
    help_text = "; ".join(f"{name}: {meaning}" for name, meaning in TYPE_HELP.items())
    edited = st.data_editor(
        column_table(detected, overrides, distributions), key=key, hide_index=True, num_rows="fixed",
        width="stretch", height="content" if len(detected.columns) <= MAX_ROWS_IN_FULL else "auto",
        disabled=["column", "why", "missing %", "distinct values", "distribution", "examples"],
        column_config={
            "column": st.column_config.TextColumn("column", pinned=True),
            "type": st.column_config.SelectboxColumn("type ✏️", options=TYPES, required=True, help=help_text),
            "why": st.column_config.TextColumn("why Kuai thinks so", width="large"),
            "missing %": st.column_config.NumberColumn("missing", format="%.1f %%"),
            "distinct values": st.column_config.NumberColumn("distinct values", format="%d"),
            "distribution": st.column_config.BarChartColumn(
                "distribution", y_min=0, help="numbers and dates: a histogram; labels: the most frequent first"),
            "examples": st.column_config.TextColumn("examples", width="medium"),
        },
    )
    detected_types = {c.name: str(c.type) for c in detected.columns}
    return {str(row["column"]): str(row["type"]) for row in edited.to_dict("records")
            if row["type"] and str(row["type"]) != detected_types[str(row["column"])]}


def checks_table(warnings: tuple[CheckResult, ...]) -> None:
    if not warnings:
        st.success("No problems found in the data.")
        return
    frame = pd.DataFrame([{
        "kind": _SEVERITY_WORDS.get(str(w.severity), str(w.severity)), "code": w.code, "column": w.column or "—",
        "what Kuai found": w.message, "what to do": w.action,
        "one-click fix": w.fix.label if w.fix is not None else ""} for w in warnings])
    st.dataframe(frame, hide_index=True, width="stretch",
                 height="content" if len(frame) <= MAX_ROWS_IN_FULL else "auto",
                 column_config={"what Kuai found": st.column_config.TextColumn(width="large"),
                                "what to do": st.column_config.TextColumn(width="large")})
    blocking = [w for w in warnings if str(w.severity) == "error" and w.fix is None]
    if blocking:
        st.error("Training cannot work until the blocking problems above are fixed: "
                 + " ".join(w.message for w in blocking))
