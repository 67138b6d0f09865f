"""The signals of the target suggestion, one by one: the only column of words among numbers, names, and how well the
other columns predict a candidate (kuai.engine.data.target, kuai.engine.data.target_fit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kuai.engine import ColumnProfile, ColumnType, profile_dataset
from kuai.engine.data.target import rank_candidates, suggest_target
from kuai.engine.data.target_fit import SAMPLE_ROWS, predictability, suggest_target_in

N = 300


def column(name: str, kind: ColumnType = ColumnType.NUMERIC, *, n_unique: int = 50,
           examples: tuple[str, ...] = ("1.5", "2.25", "3.0")) -> ColumnProfile:
    return ColumnProfile(name=name, type=kind, reason="test", missing_fraction=0.0, n_unique=n_unique,
                         examples=examples)


def labels(name: str, *values: str) -> ColumnProfile:
    kind = ColumnType.BOOLEAN if len(values) == 2 else ColumnType.CATEGORICAL
    return column(name, kind, n_unique=len(values), examples=values)


def reasons(columns: tuple[ColumnProfile, ...]) -> dict[str, str]:
    suggestion = suggest_target(columns, N)
    return dict(zip(suggestion.candidates, suggestion.candidate_reasons, strict=True))


# --- the only column of words among columns of numbers ---------------------------------------------------------------

PIXELS = tuple(column(f"p{i}") for i in range(36))


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_the_only_column_of_words_among_numbers_is_suggested(where: str) -> None:
    soil = labels("soil_kind_code", "red soil", "grey soil", "damp soil")  # no name cue: the values decide
    at = {"first": 0, "middle": 18, "last": 36}[where]
    columns = (*PIXELS[:at], soil, *PIXELS[at:])
    suggestion = suggest_target(columns, N)
    assert suggestion.suggested == "soil_kind_code"
    assert "the only column of words among 36 columns of numbers" in suggestion.reason


def test_a_yes_no_column_of_words_among_formants() -> None:
    columns = (column("F1"), column("F2"), labels("nasal", "yes", "no"), column("F3"), column("F4"), column("F5"))
    suggestion = suggest_target(columns, N)
    assert suggestion.suggested == "nasal" and "only column of words among 5 columns" in suggestion.reason


def test_words_among_numbers_needs_one_such_column_and_enough_numbers() -> None:
    two = (labels("colour", "red", "blue", "green"), column("a"), column("b"), column("c"),
           labels("shape", "round", "square"), column("d"))
    assert all("only column of words" not in why for why in reasons(two).values())
    few = (labels("colour", "red", "blue", "green"), column("a"), column("b"))
    assert all("only column of words" not in why for why in reasons(few).values())
    coded = (labels("grade", "1", "2", "3"), column("a"), column("b"), column("c"), column("d"))  # numbers as labels
    assert all("only column of words" not in why for why in reasons(coded).values())


def test_words_named_like_an_input_count_less() -> None:
    """Abalone's 'Sex' (first, the only column of words) is a trait: the last column, 'Rings', stays the suggestion."""
    columns = (labels("Sex", "M", "F", "I"), column("Length"), column("Diameter"), column("Height"), column("Rings"))
    suggestion = suggest_target(columns, N)
    assert suggestion.suggested == "Rings"
    assert "usually describes an input" in reasons(columns)["Sex"]


# --- names -----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["is_nasal", "has_diabetes", "IsFraud", "was_returned"])
def test_a_yes_no_column_named_like_a_question_beats_the_last_column(name: str) -> None:
    columns = (column("a"), labels(name, "1", "0"), column("b"), column("c"))
    suggestion = suggest_target(columns, N)
    assert suggestion.suggested == name and "asks a yes/no question" in suggestion.reason


def test_question_names_count_less_when_several_columns_have_them() -> None:
    columns = (column("a"), labels("is_weekend", "1", "0"), labels("has_garage", "1", "0"), column("price_eur"))
    why = reasons(columns)
    assert "so does 1 other column" in why["is_weekend"]
    assert suggest_target(columns, N).suggested == "price_eur"


def test_a_label_column_named_like_a_kind_at_the_start() -> None:
    columns = (labels("soil_type", "1", "2", "3", "4"), *PIXELS[:5])
    suggestion = suggest_target(columns, N)
    assert suggestion.suggested == "soil_type" and "names a kind of thing" in suggestion.reason


@pytest.mark.parametrize("name", ["label", "outcome", "target", "diagnosis", "churn", "default", "Class"])
def test_outcome_names_beat_the_last_column(name: str) -> None:
    columns = (column("a"), labels(name, "1", "0"), column("b"), column("c"))
    suggestion = suggest_target(columns, N)
    assert suggestion.suggested == name and "usual name for what to predict" in suggestion.reason


def test_a_letter_in_an_enumeration_is_not_a_name() -> None:
    """'col_y' is the 25th of col_a, col_b, …: not the 'y' of statistics."""
    columns = tuple(column(f"col_{letter}") for letter in "abcdefghijklmnopqrstuvwxyz")
    assert suggest_target(columns, N).suggested == "col_z"
    assert suggest_target((column("a"), column("y"), column("b")), N).suggested == "y"


# --- how well the other columns predict a candidate -----------------------------------------------------------------

def _numbers(rng: np.random.Generator, n: int = N) -> pd.DataFrame:
    return pd.DataFrame({f"x{i}": rng.normal(size=n).round(4) for i in range(1, 5)})


@pytest.mark.parametrize("kind", ["numbers", "yes/no"])
def test_the_check_chooses_the_candidate_the_others_predict(kind: str) -> None:
    """'a' (first usable column) follows the x's, 'b' (last column) is noise: the position picks 'b', the check 'a'."""
    rng = np.random.default_rng(0)
    frame = _numbers(rng)
    signal = frame["x1"] + frame["x2"] - frame["x3"]
    if kind == "numbers":
        frame.insert(0, "a", (signal + rng.normal(scale=0.1, size=N)).round(4))
        frame["b"] = rng.normal(size=N).round(4)
    else:
        frame.insert(0, "a", (signal > 0).astype(int))
        frame["b"] = rng.integers(0, 2, N)
    columns = profile_dataset(frame, target="a", with_checks=False).columns  # typed as the app types them
    assert suggest_target(columns, N).suggested == "b"  # the cues alone
    suggestion = suggest_target_in(frame, columns)
    assert suggestion.suggested == "a"
    why = dict(zip(suggestion.candidates, suggestion.candidate_reasons, strict=True))
    assert "the other columns predict it well" in why["a"]
    assert "the other columns hardly predict it" in why["b"]


def test_the_check_scores_labels_by_balanced_accuracy_on_a_bounded_sample() -> None:
    rng = np.random.default_rng(1)
    frame = _numbers(rng, 5000)
    frame["kind"] = np.where(frame["x1"] > 0.5, "high", np.where(frame["x1"] < -0.5, "low", "mid"))
    columns = profile_dataset(frame, target="kind", with_checks=False).columns
    (fit,) = predictability(frame, columns, ["kind"])
    assert fit.scoring == "balanced accuracy" and fit.score > 0.9 and fit.skill > 0.85
    assert fit.n_rows <= SAMPLE_ROWS
    assert "balanced accuracy 0.9" in fit.cue.words


def test_the_check_adds_points_and_keeps_unchecked_candidates_behind() -> None:
    rng = np.random.default_rng(2)
    frame = _numbers(rng)
    columns = profile_dataset(frame, target="x1", with_checks=False).columns
    cues_only = [c.name for c in rank_candidates(columns, N)]
    checked = suggest_target_in(frame, columns).candidates
    assert set(checked[:3]) == set(cues_only[:3]) and checked[3:] == tuple(cues_only[3:5])


def test_never_an_identifier_or_a_constant_even_when_predictable() -> None:
    """Rows sorted by class: a running number follows the class exactly; it is an identifier all the same."""
    rng = np.random.default_rng(3)
    frame = _numbers(rng).sort_values("x1", ignore_index=True)
    frame.insert(0, "row", np.arange(1, N + 1))
    frame["target"] = "same"
    frame["group"] = np.where(frame["x1"] > 0, "up", "down")
    profile = profile_dataset(frame, with_checks=False)
    assert {"row", "target"}.isdisjoint(profile.target.candidates)
    assert profile.target.suggested == "group"


def test_a_named_target_skips_the_check() -> None:
    frame = _numbers(np.random.default_rng(4))
    profile = profile_dataset(frame, target="x2", with_checks=False)
    assert not any("other columns" in why for why in profile.target.candidate_reasons)


def test_the_two_misses_of_the_issue_end_to_end() -> None:
    """Typed as the app types them: 'soil_type' first among 36 pixel values, 'is_nasal' among five formants."""
    rng = np.random.default_rng(5)
    pixels = pd.DataFrame({f"pixel_{i}": rng.integers(30, 140, N) for i in range(36)})
    soil = np.where(pixels["pixel_0"] > 100, "red soil", np.where(pixels["pixel_1"] > 60, "grey soil", "cotton crop"))
    pixels.insert(0, "soil_type", soil)
    profile = profile_dataset(pixels, with_checks=False)
    assert profile.target.suggested == "soil_type"
    assert "only column of words among 36 columns of numbers" in profile.target.reason
    formants = pd.DataFrame({f"F{i}": rng.normal(500 * i, 80, N).round(1) for i in range(1, 6)})
    formants.insert(2, "is_nasal", np.where(formants["F1"] + formants["F2"] > 1500, "yes", "no"))
    profile = profile_dataset(formants, with_checks=False)
    assert profile.target.suggested == "is_nasal"
    assert "asks a yes/no question" in profile.target.reason and "only column of words" in profile.target.reason
