"""Which column to predict: every column scored by plain cues, each cue with the words the UI shows.

Cues, strongest first:

- **name** — the name, split into words (``SalePrice`` → sale, price; ``default.payment.next.month``
  → default, payment, …), holds a usual name for a result: a generic one (target, label, class,
  outcome), a usual outcome (churn, survived, diagnosis, readmitted, price, income, quality, …) or
  a usual measured quantity (value, cost, charges, count, …); words of identifiers, places, dates
  and personal traits (id, name, city, date, sex, age, …) count against it. A yes/no column named
  like a question (``is_nasal``, ``has_diabetes``) or a label column named like a kind
  (``soil_type``, ``category``) counts for it, more when no other column is named so;
- **kind of values** — the only column of words (labels such as ``red soil``, ``yes``) among columns
  that all hold numbers reads like the answer the numbers were measured for;
- **position** — tables usually end with the result (last column), sometimes begin with it
  (first column after the identifiers);
- **type and cardinality** — a yes/no column or a few repeated labels reads like an answer; a
  label column that is almost unique, or has dozens of labels, does not;
- **missing values** — a column that is often empty is seldom the outcome.

``kuai.engine.data.target_fit`` adds one more, from the data itself: how well the other columns predict
each of the first few candidates.

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

__all__ = ["DUPLICATE_NAMES", "MAX_CLASSES", "Candidate", "Cue", "name_words", "rank_candidates", "resolve_target",
           "sort_candidates", "suggest_target", "suggestion_from", "target_reference", "without_duplicate_names"]

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
class Cue:
    """Points for or against a column as the target, and the plain words that say why (empty: not shown)."""

    points: float
    words: str


@dataclass(frozen=True)
class Candidate:
    """A column that could be the target, with its position in the table and the cues that scored it."""

    name: str
    position: int
    cues: tuple[Cue, ...]

    @property
    def points(self) -> float:
        return sum(cue.points for cue in self.cues)

    @property
    def reason(self) -> str:
        return _because(self.cues)


@dataclass(frozen=True)
class _Table:
    """What a column's cues compare it with: the other names, the usable columns, the number of rows."""

    names: frozenset[str]
    eligible: tuple[int, ...]
    n_columns: int
    n_rows: int
    text_valued: tuple[int, ...]  # usable columns holding words rather than numbers
    questions: int  # yes/no columns named like a question
    kinds: int  # label columns named like a kind


_QUESTION_WORDS = frozenset({"is", "has", "have", "was", "were", "did", "does", "do", "had", "will", "got"})
_KIND_WORDS = frozenset({"type", "kind", "category", "variety", "group"})
_MIN_NUMERIC_NEIGHBOURS = 3  # 'the only column of words' needs at least this many columns of numbers


def name_words(name: str) -> list[str]:
    """A column name as lower-case words: 'SalePrice' -> ['sale', 'price'], 'G3' -> ['g', '3']."""
    return [word.lower() for word in _WORD.findall(name)]


def suggest_target(columns: tuple[ColumnProfile, ...], n_rows: int) -> TargetSuggestion:
    """Rank columns as targets by their cues; the reason of each candidate is written for a non-specialist.

    ``kuai.engine.data.target_fit.suggest_target_in`` also looks at the data (how well the others predict each)."""
    return suggestion_from(columns, rank_candidates(columns, n_rows))


def rank_candidates(columns: tuple[ColumnProfile, ...], n_rows: int) -> list[Candidate]:
    """Every usable column with its cues, the likeliest target first (ties: the later column)."""
    eligible = tuple(i for i, column in enumerate(columns) if _is_eligible(column, n_rows))
    table = _Table(
        names=frozenset(column.name.strip().lower() for column in columns), eligible=eligible,
        n_columns=len(columns), n_rows=n_rows,
        text_valued=tuple(i for i in eligible if _holds_words(columns[i])),
        questions=sum(_is_question(columns[i]) for i in eligible), kinds=sum(_is_kind(columns[i]) for i in eligible))
    ranked = [Candidate(columns[i].name, i, tuple(_cues(columns[i], i, table))) for i in eligible]
    return sort_candidates(ranked)


def sort_candidates(candidates: list[Candidate]) -> list[Candidate]:
    """The likeliest target first; ties: the later column."""
    return sorted(candidates, key=lambda candidate: (-candidate.points, -candidate.position))


def suggestion_from(columns: tuple[ColumnProfile, ...], ranked: list[Candidate]) -> TargetSuggestion:
    """The suggestion the UI shows: the first candidate, the runners-up and the reasons of each."""
    if not ranked:
        return TargetSuggestion(None, (), "no column looks like something to predict (identifiers, "
                                "free text, dates and constant columns are never targets); pick one")
    top = ranked[:MAX_CANDIDATES]
    reasons = tuple(candidate.reason for candidate in top)
    reason = f"'{top[0].name}': {reasons[0]}"
    if len(top) > 1 and top[0].points - top[1].points < 1.0:
        reason += f" ('{top[1].name}' is a close second)"
    return TargetSuggestion(suggested=top[0].name, candidates=tuple(candidate.name for candidate in top),
                            reason=reason, candidate_reasons=reasons)


def _is_eligible(column: ColumnProfile, n_rows: int) -> bool:
    if column.type not in _ELIGIBLE or column.n_unique < 2:
        return False
    return not (column.type is ColumnType.CATEGORICAL and column.n_unique > MAX_CLASSES)


def _holds_words(column: ColumnProfile) -> bool:
    """A label or yes/no column whose values (its first few, as profiled) are not all numbers."""
    if column.type is ColumnType.NUMERIC:
        return False
    return not all(_is_number(example) for example in column.examples)


def _is_number(text: str) -> bool:
    try:
        float(text.strip().replace(",", ""))  # '1,234' too; the examples are short, so no full parse is needed
    except ValueError:
        return False
    return True


def _is_question(column: ColumnProfile) -> bool:
    words = name_words(column.name)
    return column.type is ColumnType.BOOLEAN and len(words) > 1 and words[0] in _QUESTION_WORDS


def _is_kind(column: ColumnProfile) -> bool:
    words = name_words(column.name)
    return column.type is not ColumnType.NUMERIC and bool(words) and words[-1] in _KIND_WORDS


def _cues(column: ColumnProfile, position: int, table: _Table) -> list[Cue]:
    name = _name_cue(column.name, table.names)
    cues = [Cue(1.0, ""), name, _form_cue(column, table), _words_cue(position, table, name.points < 0),
            _position_cue(position, table.eligible, table.n_columns), _shape_cue(column, table.n_rows)]
    if column.missing_fraction > 0.5:
        cues.append(Cue(-6.0, f"but {column.missing_fraction:.0%} of its values are missing"))
    elif column.missing_fraction > 0.2:
        cues.append(Cue(-3.0, f"but {column.missing_fraction:.0%} of its values are missing"))
    return [cue for cue in cues if cue.points]


def _name_cue(name: str, names: frozenset[str]) -> Cue:
    words = name_words(name)
    if not words:
        return Cue(0.0, "")
    head = words[-1]
    best = Cue(0.0, "")
    if head in ("value", "worth") and len(words) > 1 and words[-2] in _ASSETS:
        best = Cue(8.0, f"its name ('{words[-2]} {head}') is a price, a usual thing to predict")
    for position, word in enumerate(words):
        weight = 1.0 if word == head else 0.8  # 'price_range': price counts, a little less
        if word == "y" and ("x" in names or position > 0):
            continue  # x, y (and z) are coordinates or sizes; 'col_y' is the 25th of col_a, col_b, …
        if word in _GENERIC or word in _OUTCOMES:
            cue = Cue(10.0 * weight if word in _GENERIC else 8.0 * weight,
                      f"its name ('{word}') is a usual name for what to predict")
        elif word in _QUANTITIES and word == head:
            cue = Cue(5.0, f"its name ('{word}') often names a quantity people want to predict")
        else:
            continue
        if cue.points > best.points:
            best = cue
    inputs = [word for word in words if word in _INPUT_WORDS]
    if inputs and best.points < 8.0:
        return Cue(best.points - 4.0, f"but its name ('{inputs[0]}') usually describes an input, not a result")
    return best


def _form_cue(column: ColumnProfile, table: _Table) -> Cue:
    """A yes/no column named like a question, a label column named like a kind: more when it is the only one."""
    spoken = " ".join(name_words(column.name))
    if _is_question(column):
        alone = table.questions == 1
        return Cue(3.0 if alone else 1.0, f"its name ('{spoken}') asks a yes/no question, as outcomes often do"
                   + _also_named(table.questions - 1))
    if _is_kind(column):
        alone = table.kinds == 1
        return Cue(2.0 if alone else 0.5, f"its name ('{spoken}') names a kind of thing, which rows are often sorted "
                   "into" + _also_named(table.kinds - 1))
    return Cue(0.0, "")


def _also_named(n_others: int) -> str:
    if n_others == 0:
        return ""
    return " (so does 1 other column)" if n_others == 1 else f" (so do {n_others} other columns)"


def _words_cue(position: int, table: _Table, named_as_input: bool) -> Cue:
    """The only column of words (labels) among usable columns that all hold numbers; half as much when its name
    says it is an input (a trait such as sex, a place)."""
    n_numbers = len(table.eligible) - len(table.text_valued)
    if table.text_valued != (position,) or n_numbers < _MIN_NUMERIC_NEIGHBOURS:
        return Cue(0.0, "")
    return Cue(2.5 if named_as_input else 5.0, f"it is the only column of words among {n_numbers:,} columns of "
               "numbers, like the answer the numbers were measured for")


def _position_cue(position: int, eligible: tuple[int, ...], n_columns: int) -> Cue:
    if position == n_columns - 1:
        return Cue(4.0, "it is the last column, where tables usually keep the result")
    if position == eligible[-1]:
        return Cue(3.0, "it is the last usable column (the ones after it are identifiers, dates or text)")
    if position == eligible[0]:
        return Cue(1.5, "it is the first usable column, where some tables keep the result")
    return Cue(0.0, "")


def _shape_cue(column: ColumnProfile, n_rows: int) -> Cue:
    n_values = max(1, round(n_rows * (1 - column.missing_fraction)))
    if column.type is ColumnType.BOOLEAN:
        return Cue(2.0, f"it has two values ({_examples(column)}), a yes/no answer")
    if column.type is ColumnType.CATEGORICAL:
        if column.n_unique > 0.5 * n_values:
            return Cue(-4.0, f"but almost every row has its own label ({column.n_unique:,} labels)")
        if column.n_unique <= 10:
            return Cue(1.5, f"it has {column.n_unique} repeated labels ({_examples(column)}), like categories "
                       "to sort rows into")
        if column.n_unique > 30:
            return Cue(-2.0, f"but it has {column.n_unique} different labels, many for a result")
        return Cue(0.5, f"it has {column.n_unique} repeated labels")
    return Cue(0.0, "")


def _examples(column: ColumnProfile) -> str:
    shown = ", ".join(column.examples[:3])
    return shown + (", …" if column.n_unique > 3 else "")


def _because(cues: tuple[Cue, ...]) -> str:
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
