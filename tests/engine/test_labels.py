"""Target labels that differ only by case, spaces or width are one class, with a note; features keep theirs apart,
told."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pytest

from kuai.engine import TaskType, build_task_spec, prepare, profile_dataset
from kuai.engine.data.labels import find_label_variants

N_ROWS = 300


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    amount = rng.normal(size=N_ROWS)
    answer = np.where(amount > 0, rng.choice(["yes", "Yes", " yes"], N_ROWS, p=[0.7, 0.2, 0.1]),
                      rng.choice(["No ", "no"], N_ROWS, p=[0.8, 0.2]))
    return pd.DataFrame({"amount": amount, "city": rng.choice(["Paris", "paris", "Lyon"], N_ROWS),
                         "answer": answer})


def test_spellings_of_one_label_join_its_most_frequent_one() -> None:
    values = pd.Series(["yes"] * 5 + ["Yes"] * 2 + [" yes"] + ["No "] * 3 + ["no"] + [None, "maybe"])
    variants = find_label_variants(values)
    assert variants.mapping == {"Yes": "yes", " yes": "yes", "no": "No", "No ": "No"}
    assert variants.rows == {"No": 4, "yes": 3}
    note = variants.note("answer")
    assert "'Yes', ' yes' → 'yes' (3 rows)" in note and "--keep-label-variants" in note
    assert not find_label_variants(pd.Series(["a", "b", "A1"])) and not find_label_variants(pd.Series([1.0, 2.0]))


def test_spellings_equal_after_nfkc_case_folding_and_any_whitespace_are_one_label(reliability) -> None:
    """Full-width 'ｙｅｓ', a no-break space, an ideographic space, a zero-width space: one answer, merged, told; a
    space inside a label is not a variant of no space ('ye s' stays apart)."""
    values = pd.Series(["yes"] * 6 + ["ｙｅｓ"] * 2 + ["yes\u00a0", "\u3000YES", "y\u200bes", "ye s"] + ["no"] * 5
                       + ["ｎｏ", "not\u00a0 sure", "not sure", "not sure"])
    variants = find_label_variants(values)
    assert variants.mapping == {"ｙｅｓ": "yes", "yes\u00a0": "yes", "\u3000YES": "yes", "y\u200bes": "yes",
                                "ｎｏ": "no", "not\u00a0 sure": "not sure"}
    assert variants.rows == {"yes": 5, "no": 1, "not sure": 1}
    note = variants.note("answer")
    assert "'ｙｅｓ', 'yes\\u00a0', '\\u3000YES', 'y\\u200bes' → 'yes' (5 rows)" in note  # invisible ones shown
    assert "case, spaces, character width or the way accents are encoded" in note
    for _ in range(3):  # full-width, no-break and ideographic spaces, zero-width characters
        reliability.bad_input("read")
        reliability.guess(told=True)


def test_the_task_is_binary_with_a_note_and_the_rows_learn_two_classes(frame: pd.DataFrame, reliability) -> None:
    profile = profile_dataset(frame, target="answer")
    assert profile.task is TaskType.BINARY
    note = next(w for w in profile.warnings if w.code == "LABEL_VARIANTS")
    assert "'Yes', ' yes' → 'yes'" in note.message and "--keep-label-variants" in note.message
    spec = build_task_spec(frame, profile.columns, target="answer")
    assert spec.task is TaskType.BINARY and set(spec.classes) == {"yes", "No"}
    assert spec.notes and "merged" in spec.notes[0]  # a progress line and a note on the model card
    prepared = prepare(frame, spec)
    assert set(np.unique(prepared.y)) == {0, 1} and len(prepared.y) == N_ROWS
    reliability.bad_input("read")
    reliability.guess(told="merged" in note.message)


def test_the_user_can_keep_the_spellings_apart(frame: pd.DataFrame) -> None:
    profile = profile_dataset(frame, target="answer", keep_label_variants=True)
    assert profile.task is TaskType.MULTICLASS
    assert not any(w.code == "LABEL_VARIANTS" for w in profile.warnings)
    spec = build_task_spec(frame, profile.columns, target="answer", keep_label_variants=True)
    assert len(spec.classes) == 5 and not spec.label_variants and not spec.notes


def test_categories_of_a_feature_that_differ_by_case_stay_apart_and_are_pointed_out(frame: pd.DataFrame,
                                                                                      reliability) -> None:
    profile = profile_dataset(frame, target="answer")
    note = next(w for w in profile.warnings if w.code == "CATEGORY_VARIANTS")
    assert note.column == "city" and "'Paris'" in note.message and "'paris'" in note.message
    assert "different categories" in note.message
    spec = build_task_spec(frame, profile.columns, target="answer")
    schema = prepare(frame, spec).schema
    assert {"Paris", "paris"} <= set(next(c for c in schema if c.name == "city").categories)
    reliability.guess(told="'paris'" in note.message)


def test_the_note_shows_spellings_that_print_alike_apart(reliability) -> None:
    nfc, nfd = "r\u00e9sili\u00e9", unicodedata.normalize("NFD", "r\u00e9sili\u00e9")
    note = find_label_variants(pd.Series([nfc] * 5 + [nfd] * 3 + ["actif"] * 4, name="y")).note("y")
    assert "'re\\u0301silie\\u0301' → 'résilié' (3 rows)" in note
    note = find_label_variants(pd.Series(["yes"] * 5 + ["Yes\t"] * 2 + ["no"] * 4, name="y")).note("y")
    assert "'Yes\\t' → 'yes' (2 rows)" in note
    reliability.guess(told=True)


def test_a_tab_removed_at_read_time_is_said_with_the_spellings_it_merged(tmp_path, reliability) -> None:
    from kuai.engine import read_table_with_dialect

    path = tmp_path / "tab.csv"
    path.write_text("x,y\n" + "".join(f"{i},{label}\n" for i, label in enumerate(['"yes\t"', "yes", "no"] * 4)))
    frame, dialect = read_table_with_dialect(path)
    assert set(frame["y"]) == {"yes", "no"} and dialect is not None
    assert ("'y': spaces and tabs around 4 values were removed ('yes\\t'); 4 of them became the same as a value "
            "written without them: 'yes'") in dialect.notes
    reliability.bad_input("read")
    reliability.guess(told=True)


def test_class_indexes_name_each_value_by_its_label_and_anything_else_minus_one() -> None:
    from kuai.engine.data.labels import class_indexes
    from kuai.engine.prepare import encode_target

    values = pd.Series([1.0, 2.0, None, 3.0, 2.0, np.nan])  # 1.0 is labelled '1'; 3 is not a class
    assert class_indexes(values, ("2", "1")).tolist() == [1, 0, -1, -1, 0, -1]
    words = pd.Series(["yes", "no", "yes"], index=[7, 3, 5])
    assert class_indexes(words, ("no", "yes")).tolist() == [1, 0, 1]
    table = pd.DataFrame({"x": [0.5, 2.25, 3.75], "t": words.to_numpy()})
    spec = build_task_spec(table, profile_dataset(table, target="t").columns, target="t")
    assert encode_target(words, spec).tolist() == [spec.classes.index(w) for w in words]
    with pytest.raises(ValueError, match="outside its classes"):
        encode_target(pd.Series(["yes", "maybe"]), spec)
