"""The Data page says how it read a file and lets the user change it ("Adjust how the file is read"): the header
rows, the lines above them, the delimiter and the encoding, kept with the dataset's choices."""

from __future__ import annotations

from pathlib import Path

from kuai.storage import load_choices
from tests.app.helpers import new_app

GROUPED = ("Region,Population,,Households,\n,2010,2020,2010,2020\n" + "".join(
    f"{name},{100 + i},{120 + i},{40 + i},{45 + i}\n" for i, name in enumerate(["North", "South", "East", "West"])))


def _upload(name: str, content: bytes):  # type: ignore[no-untyped-def]
    at = new_app().run()
    at.file_uploader(key="data_uploader").set_value((name, content, "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _columns(at) -> list[str]:  # type: ignore[no-untyped-def]
    return list(at.data_editor[0].value["column"])


def test_a_header_only_file_shows_its_columns_and_no_rows(home: Path) -> None:
    at = _upload("empty.csv", b"patient_id;age;ward\r\n")
    assert not at.error
    assert {m.label: m.value for m in at.metric}["Rows"] == "0"
    assert _columns(at) == ["patient_id", "age", "ward"]
    assert any("no rows" in str(w.value) for w in at.warning)
    assert any("no rows" in str(c.value) for c in at.caption)


def test_a_two_row_header_is_said_and_can_be_read_as_one_row(home: Path) -> None:
    at = _upload("population.csv", GROUPED.encode())
    assert _columns(at) == ["Region", "Population 2010", "Population 2020", "Households 2010", "Households 2020"]
    assert any("the column names take 2 rows" in str(c.value) for c in at.caption)
    dataset_id = at.session_state["dataset_id"]
    header_rows = next(n for n in at.number_input if n.label == "Header rows")
    assert header_rows.value == 2  # what Kuai found
    header_rows.set_value(1)
    next(b for b in at.button if b.label == "Read the file again with these").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert load_choices(dataset_id).reading == {"header_rows": 1}  # only what the user changed
    assert _columns(at)[:3] == ["Region", "Population", "column_3"]
    assert any("read with your settings: header rows 1" in str(c.value) for c in at.caption)
    next(b for b in at.button if b.label == "Back to Kuai's own reading").click()
    at.run()
    assert load_choices(dataset_id).reading == {}
    assert _columns(at)[1] == "Population 2010"


def test_a_delimiter_kuai_did_not_find_can_be_set(home: Path) -> None:
    at = _upload("spaced.txt", b"".join(f"{i} {i * 2} {'ab'[i % 2]}\n".encode() for i in range(12)))
    assert len(_columns(at)) == 1  # a space is not among the delimiters Kuai looks for
    next(s for s in at.selectbox if s.label == "Delimiter").set_value(" ")
    next(b for b in at.button if b.label == "Read the file again with these").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert _columns(at) == ["column_1", "column_2", "column_3"]


def test_an_upload_that_cannot_be_read_is_read_with_the_users_delimiter(home: Path) -> None:
    at = _upload("ragged.csv", b"a,b\n1,2\n3,4,5,6\n")
    assert len(at.error) == 1 and "[RAGGED_ROWS]" in str(at.error[0].value)
    next(s for s in at.selectbox if s.label == "Delimiter").set_value(";")  # one column of text, then
    next(b for b in at.button if b.label == "Read the file again with these").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    assert _columns(at) == ["a,b"] and at.query_params["dataset"] == at.session_state["dataset_id"]
