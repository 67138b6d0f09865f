"""The Data page's "Adjust how the file is read": what the reader found (the header rows, the lines above them, the
delimiter, the encoding), each of which the user can set; kept with the dataset's choices, and used by every page
and by the training."""

from __future__ import annotations

from typing import Any

import streamlit as st

from kuai.app.components.data import reading_choice
from kuai.app.components.state import change_choices
from kuai.engine import Dialect, EngineError, reading_options

_FOUND = "as Kuai found"
DELIMITERS = {",": "comma ( , )", ";": "semicolon ( ; )", "\t": "tab", "|": "pipe ( | )", " ": "space",
              ":": "colon ( : )", "^": "caret ( ^ )", "~": "tilde ( ~ )"}
ENCODINGS = {"utf-8": "UTF-8", "utf-16": "UTF-16", "cp1252": "cp1252 (Western European, Windows)",
             "iso8859-1": "Latin-1", "cp1250": "cp1250 (Central European)", "cp1251": "cp1251 (Cyrillic)",
             "cp932": "cp932 (Japanese, Shift-JIS)", "euc_jp": "EUC-JP (Japanese)",
             "gb18030": "GB18030 (Chinese, simplified; GBK)", "big5": "Big5 (Chinese, traditional)",
             "cp949": "cp949 (Korean, EUC-KR)", "mac-roman": "Mac Roman"}


def adjust_reading(dataset_id: str, found: Dialect | None, *, failed: bool = False) -> None:
    """The expander; ``found``: what the reader found (None: the file could not be read, or it is no text file)."""
    stored = reading_choice(dataset_id)
    if found is not None and not found.delimiter:
        return  # a workbook or a Parquet file: nothing of this applies
    with st.expander("Adjust how the file is read", expanded=failed or bool(stored)):
        st.caption("Kuai found these by itself and says so above. Change one it got wrong and read the file again; "
                   "what you leave as it is, Kuai keeps finding. Your setting is kept for this dataset and used for "
                   "training.")
        with st.form(key=f"reading_{dataset_id}", border=False):
            chosen = _fields(stored, found)
            submitted = st.form_submit_button("Read the file again with these", type="primary")
        if submitted:
            _apply(dataset_id, stored, found, chosen)
        if stored:
            st.button("Back to Kuai's own reading", key=f"reading_reset_{dataset_id}",
                      on_click=change_choices, args=(dataset_id,), kwargs={"reading": {}})


def _fields(stored: dict[str, Any], found: Dialect | None) -> dict[str, Any]:
    header, skip, delimiter, encoding = st.columns(4)
    found_header = found.header_rows if found is not None else 1
    found_skip = found.preamble_lines if found is not None else 0
    chosen: dict[str, Any] = {
        "header_rows": header.number_input(
            "Header rows", min_value=0, max_value=20, step=1, value=int(stored.get("header_rows", found_header)),
            help="The rows the column names take: with 2 or more they are joined into one name per column "
                 "('Population 2010'); 0: the first row holds data."),
        "skip_rows": skip.number_input(
            "Lines to skip above the header", min_value=0, step=1, value=int(stored.get("skip_rows", found_skip)),
            help="Titles, 'Generated:' lines and notes above the column names."),
    }
    delimiters = [_FOUND, *DELIMITERS]
    chosen["delimiter"] = delimiter.selectbox(
        "Delimiter", delimiters, index=delimiters.index(stored["delimiter"]) if stored.get("delimiter") in delimiters
        else 0, format_func=lambda d: _found_label(d, found.delimiter if found else None, DELIMITERS),
        help="The character between values.")
    encodings = [_FOUND, *ENCODINGS]
    chosen["encoding"] = encoding.selectbox(
        "Encoding", encodings, index=encodings.index(stored["encoding"]) if stored.get("encoding") in encodings
        else 0, format_func=lambda e: _found_label(e, found.encoding if found else None, ENCODINGS),
        help="How the file's bytes become letters: pick another if names or values look garbled.")
    return chosen


def _found_label(value: str, found: str | None, labels: dict[str, str]) -> str:
    if value != _FOUND:
        return labels.get(value, value)
    return f"{_FOUND}: {labels.get(found, found)}" if found else _FOUND


def _apply(dataset_id: str, stored: dict[str, Any], found: Dialect | None, chosen: dict[str, Any]) -> None:
    """Keep what the user set: a value changed from what Kuai found, or one set before; the rest Kuai finds."""
    found_values = {"header_rows": found.header_rows if found else 1,  # unread: the widgets' first values
                    "skip_rows": found.preamble_lines if found else 0}
    setting: dict[str, Any] = {}
    for key, value in chosen.items():
        if value == _FOUND or value is None:
            continue
        if key in stored or key in ("delimiter", "encoding") or value != found_values.get(key):
            setting[key] = value
    try:
        checked = reading_options(**setting).to_dict()
    except EngineError as exc:
        st.error(str(exc))
        return
    change_choices(dataset_id, reading=checked)
    st.rerun()
