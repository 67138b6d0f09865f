"""Which column to predict: every column scored by plain cues, each cue with the words the UI shows.

Cues, strongest first:

- **name** — the name, split into words (``SalePrice`` → sale, price; ``default.payment.next.month``
  → default, payment, …), holds a usual name for a result: a generic one (target, label, class,
  outcome), a usual outcome (churn, survived, diagnosis, readmitted, price, income, quality, …) or
  a usual measured quantity (value, cost, charges, count, …); words of identifiers, places, dates
  and personal traits (id, name, city, date, sex, age, …) count against it;
- **position** — tables usually end with the result (last column), sometimes begin with it
  (first column after the identifiers);
- **type and cardinality** — a yes/no column or a few repeated labels reads like an answer; a
  label column that is almost unique, or has dozens of labels, does not;
- **missing values** — a column that is often empty is seldom the outcome.

Identifiers, constants, free text, dates (and any type outside numbers, labels and yes/no, such
as links or lists) are never suggested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from kuai.engine.data.option_checks import close_names
from kuai.engine.errors import TargetError
from kuai.engine.types import ColumnProfile, ColumnType, TargetSuggestion

__all__ = ["DUPLICATE_NAMES", "MAX_CLASSES", "name_words", "resolve_target", "suggest_target", "target_reference",
           "without_duplicate_names"]

# frame.attrs key the reader sets: a name several columns had in the file -> the names Kuai gave them, in order
DUPLICATE_NAMES = "kuai_duplicate_names"
_ORDINALS = ("first", "second", "third", "fourth", "fifth")

MAX_CLASSES = 100
MAX_CANDIDATES = 5
_ELIGIBLE = frozenset({ColumnType.NUMERIC, ColumnType.CATEGORICAL, ColumnType.BOOLEAN})

# Generic names for "what to predict", used across statistics and machine learning.
_GENERIC = frozenset({"target", "targets", "label", "labels", "class", "outcome", "outcomes", "response",
                      "dependent", "truth", "y"})
# Usual outcomes: events, decisions and classes people predict (medicine, business, science).
_OUTCOMES = frozenset({
    "churn", "churned", "exited", "attrition", "retained", "survived", "survival", "died", "death", "deceased",
    "mortality", "diagnosis", "disease", "stroke", "malignant", "cancer", "relapse", "recurrence",
    "readmitted", "readmission", "default", "defaulted", "delinquent", "fraud", "fraudulent", "spam",
    "approved", "approval", "accepted", "admitted", "canceled", "cancelled", "cancellation", "converted",
    "conversion", "clicked", "purchased", "subscribed", "price", "saleprice", "income", "salary", "wage",
    "species", "quality", "satisfaction", "satisfied", "sentiment", "failure", "failed", "defect",
    "defective", "risk", "outcome", "diagnosed", "infected", "positive", "win", "winner", "passed",
})
# Usual measured quantities: often what is predicted when no outcome word is present.
_QUANTITIES = frozenset({
    "value", "cost", "costs", "charges", "charge", "revenue", "sales", "profit", "demand", "yield",
    "count", "cnt", "total", "score", "grade", "rating", "strength", "load", "consumption", "status",
    "result", "results", "severity", "level", "rent", "fare", "premium", "expenses", "spend", "spending",
})
# Words of identifiers, places, time and personal traits: almost always inputs, not results.
_INPUT_WORDS = frozenset({
    "id", "ids", "uuid", "guid", "key", "nbr", "name", "names", "surname", "firstname", "lastname", "email",
    "phone", "address", "street", "zip", "zipcode", "postcode", "postal", "city", "town", "country", "region",
    "district", "neighborhood", "neighbourhood", "location", "proximity", "latitude", "longitude", "lat",
    "lon", "lng", "date", "time", "timestamp", "year", "month", "day", "weekday", "hour", "created",
    "updated", "sex", "gender", "age", "race", "ethnicity", "url", "link", "description", "comment",
    "comments", "notes",
})
# Things whose value is their price: 'house value', 'property value', 'car value'.
_ASSETS = frozenset({"house", "home", "housing", "property", "apartment", "flat", "land", "estate", "car",
                     "vehicle", "asset", "stock", "share", "policy", "item", "product"})
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


@dataclass(frozen=True)
class _Cue:
    points: float
    words: str  # plain words for the reason; empty: not shown


def name_words(name: str) -> list[str]:
    """A column name as lower-case words: 'SalePrice' -> ['sale', 'price'], 'G3' -> ['g', '3']."""
    return [word.lower() for word in _WORD.findall(name)]


def suggest_target(columns: tuple[ColumnProfile, ...], n_rows: int) -> TargetSuggestion:
    """Rank columns as targets; the reason of each candidate is written for a non-specialist."""
    names = {column.name.strip().lower() for column in columns}
    eligible = [i for i, column in enumerate(columns) if _is_eligible(column, n_rows)]
    if not eligible:
        return TargetSuggestion(None, (), "no column looks like something to predict (identifiers, "
                                "free text, dates and constant columns are never targets); pick one")
    scored = []
    for position in eligible:
        cues = _cues(columns[position], position, eligible, len(columns), names, n_rows)
        scored.append((sum(c.points for c in cues), position, cues))
    scored.sort(key=lambda item: (-item[0], -item[1]))  # ties: the later column
    top = scored[:MAX_CANDIDATES]
    reasons = tuple(_because(cues) for _, _, cues in top)
    best_name = columns[top[0][1]].name
    reason = f"'{best_name}': {reasons[0]}"
    if len(top) > 1 and top[0][0] - top[1][0] < 1.0:
        reason += f" ('{columns[top[1][1]].name}' is a close second)"
    return TargetSuggestion(
        suggested=best_name,
        candidates=tuple(columns[position].name for _, position, _ in top),
        reason=reason,
        candidate_reasons=reasons,
    )


def _is_eligible(column: ColumnProfile, n_rows: int) -> bool:
    if column.type not in _ELIGIBLE or column.n_unique < 2:
        return False
    return not (column.type is ColumnType.CATEGORICAL and column.n_unique > MAX_CLASSES)


def _cues(column: ColumnProfile, position: int, eligible: list[int], n_columns: int,
          names: set[str], n_rows: int) -> list[_Cue]:
    cues = [_Cue(1.0, ""), _name_cue(column.name, names), _position_cue(position, eligible, n_columns)]
    cues.append(_shape_cue(column, n_rows))
    if column.missing_fraction > 0.5:
        cues.append(_Cue(-6.0, f"but {column.missing_fraction:.0%} of its values are missing"))
    elif column.missing_fraction > 0.2:
        cues.append(_Cue(-3.0, f"but {column.missing_fraction:.0%} of its values are missing"))
    return [cue for cue in cues if cue.points]


def _name_cue(name: str, names: set[str]) -> _Cue:
    words = name_words(name)
    if not words:
        return _Cue(0.0, "")
    head = words[-1]
    best = _Cue(0.0, "")
    if head in ("value", "worth") and len(words) > 1 and words[-2] in _ASSETS:
        best = _Cue(8.0, f"its name ('{words[-2]} {head}') is a price, a usual thing to predict")
    for word in words:
        weight = 1.0 if word == head else 0.8  # 'price_range': price counts, a little less
        if word == "y" and "x" in names:
            continue  # x, y (and z) are coordinates or sizes, not a result
        if word in _GENERIC or word in _OUTCOMES:
            cue = _Cue(10.0 * weight if word in _GENERIC else 8.0 * weight,
                       f"its name ('{word}') is a usual name for what to predict")
        elif word in _QUANTITIES and word == head:
            cue = _Cue(5.0, f"its name ('{word}') often names a quantity people want to predict")
        else:
            continue
        if cue.points > best.points:
            best = cue
    inputs = [word for word in words if word in _INPUT_WORDS]
    if inputs and best.points < 8.0:
        return _Cue(best.points - 4.0, f"but its name ('{inputs[0]}') usually describes an input, not a result")
    return best


def _position_cue(position: int, eligible: list[int], n_columns: int) -> _Cue:
    if position == n_columns - 1:
        return _Cue(4.0, "it is the last column, where tables usually keep the result")
    if position == eligible[-1]:
        return _Cue(3.0, "it is the last usable column (the ones after it are identifiers, dates or text)")
    if position == eligible[0]:
        return _Cue(1.5, "it is the first usable column, where some tables keep the result")
    return _Cue(0.0, "")


def _shape_cue(column: ColumnProfile, n_rows: int) -> _Cue:
    n_values = max(1, round(n_rows * (1 - column.missing_fraction)))
    if column.type is ColumnType.BOOLEAN:
        return _Cue(2.0, f"it has two values ({_examples(column)}), a yes/no answer")
    if column.type is ColumnType.CATEGORICAL:
        if column.n_unique > 0.5 * n_values:
            return _Cue(-4.0, f"but almost every row has its own label ({column.n_unique:,} labels)")
        if column.n_unique <= 10:
            return _Cue(1.5, f"it has {column.n_unique} repeated labels ({_examples(column)}), like categories "
                        "to sort rows into")
        if column.n_unique > 30:
            return _Cue(-2.0, f"but it has {column.n_unique} different labels, many for a result")
        return _Cue(0.5, f"it has {column.n_unique} repeated labels")
    return _Cue(0.0, "")


def _examples(column: ColumnProfile) -> str:
    shown = ", ".join(column.examples[:3])
    return shown + (", …" if column.n_unique > 3 else "")


def _because(cues: list[_Cue]) -> str:
    said = [cue.words for cue in cues if cue.words]
    if not said:
        return "a usable column with nothing that marks it as the result"
    positive = [w for w in said if not w.startswith("but ")]
    negative = [w for w in said if w.startswith("but ")]
    text = "; ".join(positive) if positive else "it is a usable column"
    return text + ("" if not negative else ", " + "; ".join(negative))


def resolve_target(frame: pd.DataFrame, name: str) -> str:
    """The column a target name means; an unknown or ambiguous name is a ``TargetError``.

    A name several columns had in the file (the reader named them 'y', 'y.1', ...) is ambiguous: the user
    names the one they mean, 'y.1' for the second and 'y.0' for the first (read as 'y').
    """
    columns = list(frame.columns)
    duplicated: dict[str, list[str]] = {k: list(v) for k, v in frame.attrs.get(DUPLICATE_NAMES, {}).items()}
    if columns.count(name) > 1:
        raise TargetError(f"{columns.count(name)} columns are named '{name}'; rename them so that each name is "
                          "unique, then name the target again.", code="AMBIGUOUS_TARGET")
    if name in duplicated:
        given = duplicated[name]
        choices = "; ".join(f"'{name}.0' for the first (read as '{given[0]}')" if i == 0 else
                            f"'{new}' for the {_ORDINALS[i] if i < len(_ORDINALS) else f'{i + 1}th'}"
                            for i, new in enumerate(given))
        raise TargetError(f"{len(given)} columns of the file are named '{name}' (Kuai reads them as "
                          f"{', '.join(repr(n) for n in given)}), so it is not clear which to predict. Name the "
                          f"one you mean: {choices}.", code="AMBIGUOUS_TARGET")
    if name in columns:
        return name
    base, dot, position = name.rpartition(".")
    if dot and position == "0" and base in duplicated:
        return duplicated[base][0]
    raise TargetError(f"No column is named '{name}'.{close_names(str(name), [str(c) for c in columns])}",
                      code="UNKNOWN_TARGET")


def target_reference(frame: pd.DataFrame, column: str) -> str:
    """The name that means ``column`` to :func:`resolve_target` on ``frame``: 'y.0' for the first of several
    columns the file named 'y', else the column's own name (to store, and resolve again on a new read)."""
    given = frame.attrs.get(DUPLICATE_NAMES, {}).get(column)
    return f"{column}.0" if given and given[0] == column else column


def without_duplicate_names(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame, once its target is resolved, without the reader's record of repeated names (the columns'
    own names are unique): what follows takes the target by its column name."""
    if DUPLICATE_NAMES not in frame.attrs:
        return frame
    settled = frame.copy(deep=False)
    settled.attrs = {k: v for k, v in frame.attrs.items() if k != DUPLICATE_NAMES}
    return settled
