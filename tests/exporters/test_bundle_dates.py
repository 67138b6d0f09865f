"""The deployment bundle's scorers read dates as `kuai predict` does: in the column's format (that of the training
data, kept in the model's schema), else as ISO 8601; whatever else is missing, and counted.

score.py reads a format with ``datetime.strptime``; score.js with its own small parser of the strftime codes Kuai's
date detector writes (kuai/engine/read/dates.py). Both are compared here, value by value, with
``engine.parse_datetimes``
(what `kuai predict` uses) on the layouts the detector recognises and on awkward values. score.js runs under node
with its npm packages stubbed (the parser needs none of them); skipped, loudly, only without node.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kuai.engine.read.dates import detect_date_format, parse_datetimes
from kuai.exporters import render_readme
from tests.exporters.test_bundle_examples import _card, _load_score_module

TEMPLATES = Path(__file__).resolve().parents[2] / "kuai" / "exporters" / "bundle_templates"
PARTS = ("year", "month", "day", "day_of_week", "hour")
# Layouts of training data: the detector must recognise each, and the scorers then read every value of it.
LAYOUTS = ("%d/%m/%Y", "%m/%d/%y %H:%M", "%d.%m.%Y %H:%M:%S", "%Y/%m/%d", "%d-%b-%Y", "%b %d %Y %I:%M%p",
           "%A, %B %d, %Y", "%a %d %b %Y %H:%M:%S.%f", "%d/%m/%Y %H:%M:%S%z", "%d %B %Y", "%d/%m/%Y %I:%M %p",
           "%d/%m/%YT%H:%M")
DETECTOR_CODES = set("YymdHIMSfzbBpaA")  # every code kuai/engine/read/dates.py writes
# Values of a scoring file, per column format: the scorers and `kuai predict` read each the same way.
SAME_AS_KUAI = {
    "%d/%m/%Y": ["31/01/2024", "5/1/2024", "05/01/2024", "29/02/2023", "2023-01-05", "2023-01-05T23:30:00-05:00",
                 "2023/01/05", "not a date", "13/13/2024"],
    "%m/%d/%y %H:%M": ["01/31/24 10:30", "1/5/24 9:05", "01/31/68 23:59", "01/31/69 00:00", "12/31/99 12:00",
                       "01/31/24  10:30", "01/31/24 24:00"],  # years 00-68 are 20xx, 69-99 19xx
    "%d.%m.%Y %H:%M:%S": ["31.01.2024 23:59:59", "01.03.2024 00:00:00"],
    "%Y/%m/%d": ["2024/1/5", "2024/02/30"],
    "%d-%b-%Y": ["31-Jan-2024", "31-jan-2024", "05-SEP-2023", "31-Sept-2023"],
    "%b %d %Y %I:%M%p": ["Jan 31 2024 12:30AM", "Jan 31 2024 12:30PM", "feb 1 2024 1:05pm", "DEC 31 2023 11:59PM",
                         "Jan 31 2024 13:30PM", "Feb 30 2024 10:00AM", "2023-01-05 10:30", "?x"],
    "%A, %B %d, %Y": ["Wednesday, January 31, 2024", "wednesday, JANUARY 31, 2024",
                      "Monday, January 31, 2024"],  # the day's name is read, not checked (as strptime does)
    "%a %d %b %Y %H:%M:%S.%f": ["Wed 31 Jan 2024 10:30:00.5", "Wed 31 Jan 2024 23:59:59.999999"],
    "%d/%m/%Y %H:%M%z": ["31/01/2024 23:30+01:00", "01/01/2024 00:30+0100", "31/12/2023 23:30-0100",
                         "31/01/2024 10:30Z", "31/01/2024 10:30+01:00:30", "31/01/2024 10:30+24:00",
                         "01/01/2024 03:30+05:45"],
    "%d/%m/%YT%H:%M": ["31/01/2024T10:30", "31/01/2024t10:30"],
    "%d/%m/%Y %H:%M %p": ["31/01/2024 10:30 PM"],  # %p only counts with %I
    "%d/%m/%Y %I:%M": ["31/01/2024 12:30", "31/01/2024 11:30"],  # %I without %p: 12 is midnight
    "(%d/%m/%Y) 100%%": ["(31/01/2024) 100%"],  # literal text, regex characters and %%
    "ISO8601": ["2024-01-31", "2024-01-31T10:30:00+02:00"],
    "": ["2024-01-31"],  # no format recorded (a model from before formats, or dates stored as dates)
    "mixed-dayfirst": ["2024-01-31"],
}
# Values `kuai predict` reads on their own, as a last resort (pandas' value-by-value parser), that match neither
# the column's format nor ISO 8601: the scorers count them as missing, and the bundle's README says so.
OTHER_LAYOUTS = {
    "%d/%m/%Y": ["5 Jan 2024", "05.01.2024", "05/01/24", "05/01/2024 10:30", "20240105"],
    "%d-%b-%Y": ["31-January-2024"],
    "%b %d %Y %I:%M%p": ["Jan 31 2024 11:59 PM"],
    "%d/%m/%Y %H:%M%z": ["31/01/2024 10:30", "31/01/2024 10:30+01"],
    "ISO8601": ["31/01/2024"],
    "mixed-dayfirst": ["31/01/2024"],
}

# Values where strptime and pandas differ (pandas reads them; so does `kuai predict`): score.js must follow score.py.
STRPTIME_EDGES = {
    "%d/%m/%Y %H:%M%z": ["31/01/2024 10:30+0100:30", "31/01/2024 10:30+01:0030", "31/01/2024 10:30+01:00:30.5",
                         "31/01/2024 00:00+000000.000001", "31/01/2024 10:30z", "31/01/2024 10:30+99:00"],
    "%d.%m.%Y %H:%M:%S": ["31.01.2024 23:59:60"],
    "%a %d %b %Y %H:%M:%S.%f": ["Wed 31 Jan 2024 10:30:00.1234567"],
    "%d %B %Y": ["31 ſeptember 2024", "29 February 1900", "29 february 2024"],
}


@pytest.fixture(scope="module")
def score() -> ModuleType:
    return _load_score_module(TEMPLATES / "score.py")


@pytest.fixture(scope="module")
def training_columns() -> dict[str, pd.Series]:
    """Each layout's training values (with times, fractions and a real time zone's offsets), by detected format."""
    rng = np.random.default_rng(0)
    stamps = (pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700 * 24 * 60, 80), unit="min")
              + pd.to_timedelta(rng.integers(0, 10**6, 80), unit="us"))
    aware = stamps.tz_localize("Europe/Paris", nonexistent="shift_forward", ambiguous=False)
    columns = {}
    for layout in LAYOUTS:
        values = pd.Series((aware if "%z" in layout else stamps).strftime(layout), dtype=object)
        found = detect_date_format(values)
        assert found is not None and found.format == layout, (layout, found)
        columns[found.format] = values
    return columns


def test_score_py_reads_every_layout_the_detector_writes_as_kuai_predict(score: ModuleType,
                                                                         training_columns: dict[str, pd.Series],
                                                                         reliability) -> None:
    codes = {code for found in training_columns for code in found.split("%")[1:] if code}
    assert {code[0] for code in codes} >= DETECTOR_CODES
    for found, values in training_columns.items():
        kuai = _kuai_parts(list(values), found)
        assert None not in kuai, found
        assert [_py_parts(score, cell, found) for cell in values] == kuai, found
    reliability.bad_input("read")


def test_score_py_reads_awkward_dates_as_kuai_predict(score: ModuleType, reliability) -> None:
    for found, cells in SAME_AS_KUAI.items():
        assert [_py_parts(score, cell, found) for cell in cells] == _kuai_parts(cells, found), found
        reliability.bad_input("read")
    for found, cells in OTHER_LAYOUTS.items():
        kuai = _kuai_parts(cells, found)
        assert None not in kuai, (found, "kuai predict no longer reads these: the README need not warn of them")
        assert [_py_parts(score, cell, found) for cell in cells] == [None] * len(cells), found


def test_score_py_counts_the_values_it_could_not_read(score: ModuleType) -> None:
    columns = [
        {"name": "visit", "type": "datetime", "date_format": "%d/%m/%Y",
         "onnx_inputs": [f"c00000__{part}" for part in PARTS]},
        {"name": "amount", "type": "numeric", "onnx_dtype": "float32", "onnx_inputs": ["c00001"]},
        {"name": "colour", "type": "categorical", "onnx_dtype": "string", "onnx_inputs": ["c00002"]},
    ]
    batch = [["31/01/2024", "1", "red"], ["5 Jan 2024", "abc", "blue"], ["NA", "", "?"], ["5 Jan 2024", "2", ""],
             ["2024-01-05", "x", "green"]]
    unread = score.UnreadCells()
    feeds = score.build_feeds(batch, columns, unread)
    assert feeds["c00000__day"].ravel().tolist()[::4] == [31.0, 5.0]
    assert unread.note() == (
        "values that could not be read as their column's type were scored as missing: 'visit' (a date, %d/%m/%Y or "
        "ISO 8601): 2 row(s), e.g. '5 Jan 2024'; 'amount' (a number): 2 row(s), e.g. 'abc', 'x'. Write them as "
        "README.md says if they should count.")


def test_the_scripts_treat_numbers_beyond_float32_as_kuai_does(score: ModuleType, tmp_path: Path, reliability) -> None:
    """1e308 is a legal double that the model's float32 input cannot hold: Kuai feeds NaN (``as_float32``), and so
    must both scripts, or their predictions differ from ``kuai predict``'s; the float32 rounding edge included."""
    from kuai.engine.models.preprocessing import as_float32

    cells = ["1e308", "-1e308", "3.4e38", "3.4028235677973366e38", "3.4028235677973362e38", "1e39", "inf", "12.5"]
    kuai = [None if math.isnan(v) else float(v) for v in as_float32(np.array([float(c) for c in cells]))]
    python = [None if math.isnan(v) else float(np.float32(v)) for v in (score.number(c) for c in cells)]
    javascript = json.loads(_node(tmp_path, f"""
        console.log(JSON.stringify({json.dumps(cells)}.map((cell) => {{
          const read = score.number(cell);
          return Number.isNaN(read) ? null : Math.fround(read);
        }})));"""))
    assert kuai == python == javascript and kuai[:2] == [None, None] and kuai[-1] == 12.5
    reliability.bad_input("read")


def test_score_js_reads_dates_as_score_py(score: ModuleType, training_columns: dict[str, pd.Series],
                                          tmp_path: Path) -> None:
    cases = [(found, cell) for found, values in training_columns.items() for cell in values]
    cases += [(found, cell) for group in (SAME_AS_KUAI, OTHER_LAYOUTS, STRPTIME_EDGES) for found, cells in group.items()
              for cell in cells]
    result = _node(tmp_path, """
        const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
        const parts = ['year', 'month', 'day', 'day_of_week', 'hour'];
        console.log(JSON.stringify(cases.map(([found, cell]) => {
          const read = score.dateParts(cell, found);
          return parts.map((part) => (Number.isNaN(read[part]) ? null : read[part]));
        })));""", json.dumps(cases))
    for (found, cell), got in zip(cases, json.loads(result), strict=True):
        expected = _py_parts(score, cell, found)
        assert got == (list(expected) if expected else [None] * len(PARTS)), (found, cell)


def test_score_js_refuses_a_format_it_cannot_read(tmp_path: Path) -> None:
    result = _node(tmp_path, """
        try { score.dateParts('2024 031', '%Y %j'); console.log('read'); } catch (error) { console.log(error.message); }
    """)
    assert "cannot read dates written '%Y %j'" in result and "score.py or kuai predict" in result


def test_readme_says_each_date_columns_format() -> None:
    base = _card()["input_schema"][2]
    schema = [base | {"name": "visit", "date_format": "%d/%m/%Y"},
              base | {"name": "seen", "date_format": "%b %d %Y %I:%M%p"},
              base | {"name": "signed", "date_format": "ISO8601"},
              base | {"name": "sold", "date_format": "mixed-dayfirst"},
              base | {"name": "old"}]
    rows = {line.split("|")[1].strip(): line for line in render_readme(_card(input_schema=schema)).splitlines()
            if line.startswith("| `")}
    assert "`DD/MM/YYYY` (format `%d/%m/%Y`, e.g. `31/03/2024`), or ISO 8601" in rows["`visit`"]
    assert "`Mon DD YYYY hh:mmAM/PM` (format `%b %d %Y %I:%M%p`, e.g. `Mar 31 2024 02:30PM`)" in rows["`seen`"]
    assert "ISO 8601 (`2024-03-31`" in rows["`signed`"] and "format" not in rows["`signed`"]
    assert "several ways" in rows["`sold`"] and "day-first where ambiguous" in rows["`sold`"]
    assert "ISO 8601 (`2024-03-31`" in rows["`old`"]
    readme = render_readme(_card(input_schema=schema))
    assert "`5 Jan 2024`" in readme and "count it as missing" in readme


# ---- helpers -------------------------------------------------------------------------------------------------

def _kuai_parts(cells: list[str], found: str) -> list[tuple[int, ...] | None]:
    """What `kuai predict` makes of the cells (engine.to_model_frame reads dates with parse_datetimes)."""
    stamps = parse_datetimes(pd.Series(cells, dtype=object), found)
    return [None if pd.isna(stamp) else tuple(int(getattr(stamp, part)) for part in PARTS) for stamp in stamps]


def _py_parts(score: ModuleType, cell: str, found: str) -> tuple[int, ...] | None:
    """What score.py makes of the cell; None: missing."""
    parts: dict[str, Any] = score.date_parts(cell, found)
    if math.isnan(parts["year"]):
        assert all(math.isnan(parts[part]) for part in PARTS)
        return None
    return tuple(int(parts[part]) for part in PARTS)


_NPM_STUBS = """
const Module = require('node:module');
const stubs = { 'csv-parse': {}, 'csv-stringify/sync': {}, 'onnxruntime-node': {},
  protobufjs: { parse: () => ({ root: { lookupType: () => null } }) } };
const load = Module._load;
Module._load = function stubbed(request, ...rest) {
  return Object.hasOwn(stubs, request) ? stubs[request] : load.call(this, request, ...rest);
};
"""


def _node(tmp_path: Path, script: str, stdin: str = "") -> str:
    """Run ``script`` with ``score`` = score.js's exports, its npm packages stubbed; its stdout."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("!!! score.js's date parser NOT TESTED: `node` is not on PATH. Install Node.js 20 or newer. !!!")
    stubs = tmp_path / "npm_stubs.js"
    stubs.write_text(_NPM_STUBS, encoding="utf-8")
    program = f"const score = require({json.dumps(str(TEMPLATES / 'score.js'))});\n{script}"
    result = subprocess.run([node, "-r", str(stubs), "-e", program], input=stdin, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout
