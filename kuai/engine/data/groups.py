"""Rows that belong to one entity: a patient's visits, a customer's orders, a machine's readings.

Cross-validating such rows one by one lets a model meet the same patient in training and in validation, and its
score is better than the score it will have on new patients. ``find_group`` looks for the column that names the
entity, by the signals a person uses:

- its values repeat: at least ``MIN_GROUPS`` different values, most rows sharing theirs with other rows, no value
  on more than a third of the rows (a few large values are categories, not entities);
- its values are names or whole numbers, never measurements with decimals;
- it reads as an identifier: its name says so (``patient_id``, ``CustomerID``, ``machine``, ``subject``, …), its
  values were typed as codes that do not generalise (``ColumnType.ID``), or they are written as codes, letters then
  a running number (``P0001``, ``HZ-017``), whatever the language of the name (``患者编号``).

Among several such columns the one with the most groups is chosen (the patient rather than the hospital: the
score is for new patients); the others are named in the reason. The user can choose another column or none
(``build_task_spec(group=...)``, ``kuai train --group COL|none``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kuai.engine.data.option_checks import close_names
from kuai.engine.data.target import name_words
from kuai.engine.errors import OptionError
from kuai.engine.read.cells import clip
from kuai.engine.types import ColumnProfile, ColumnType, GroupSuggestion

NO_GROUP = ""  # the user's "none": rows are folded one by one
MIN_GROUPS = 20  # fewer values than this are categories (regions, product lines), not entities
REPEATED_SHARE = 0.5  # at least half of the rows share their value with another row
LARGEST_SHARE = 1 / 3  # no value on more than a third of the rows
STRATIFY_MAX_GROUPS = 2_000  # StratifiedGroupKFold took 20 s for 50,000 groups; with many groups, shuffled whole
# groups hold about every class's share anyway
MAX_DISTINCT_SHARE = 0.75  # half the rows sharing their value leaves at most 3/4 of the rows distinct values
CODE_SHARE = 0.95  # values written as codes: this share of them letters then a number, of one length
CODE_SAMPLE = 2_000  # values looked at for running codes
_ID_WORDS = frozenset({"id", "ids", "uuid", "guid", "key"})
# words that name an entity whose rows repeat; the singular is enough ("patients" → "patient")
_ENTITY_WORDS = frozenset({
    "patient", "subject", "participant", "person", "individual", "respondent", "donor", "case", "customer", "client",
    "user", "member", "account", "household", "family", "visitor", "session", "machine", "device", "engine", "sensor",
    "equipment", "asset", "vehicle", "car", "truck", "aircraft", "store", "shop", "site", "hospital", "clinic",
    "school", "student", "pupil", "employee", "worker", "doctor", "physician", "animal", "cow", "herd", "farm",
    "plot", "well", "driver", "player", "team", "mouse", "rat", "tree", "supplier", "vendor", "merchant", "seller",
    "borrower", "applicant", "policy", "contract", "company", "firm", "building", "meter", "turbine", "pump",
})
_QUALIFIERS = frozenset({"no", "nr", "nbr", "num", "number", "code", "name", "ref", "reference"})


def find_group(frame: pd.DataFrame, columns: tuple[ColumnProfile, ...], *, target: str | None,
               n_folds: int = 5) -> GroupSuggestion | None:
    """The entity column of ``frame``, or None (module docstring)."""
    found = [g for column in columns if column.name != target
             and (g := group_of(frame[column.name], column, n_folds=n_folds, named=None)) is not None]
    if not found:
        return None
    chosen = max(found, key=lambda g: (g.n_groups, -list(frame.columns).index(g.column)))
    others = tuple(g.column for g in found if g.column != chosen.column)
    return GroupSuggestion(chosen.column, chosen.n_groups, chosen.repeated_share, chosen.median_rows,
                           chosen.reason + _others_text(others), others)


def group_of(values: pd.Series, column: ColumnProfile | None, *, n_folds: int,
             named: bool | None) -> GroupSuggestion | None:
    """How ``values`` group the rows, when they do (module docstring). ``named=True``: the user chose the column,
    so only the repeats are required (at least ``n_folds`` groups)."""
    if column is not None and (column.type in (ColumnType.DATETIME, ColumnType.TEXT, ColumnType.CONSTANT) or (
            not named and not MIN_GROUPS <= column.n_unique <= MAX_DISTINCT_SHARE * len(values))):
        return None  # cheap first: on a table of thousands of columns most end here
    if not named and not _reads_as_entity(values, column):
        return None
    present = values.dropna()
    if len(present) == 0 or has_decimals(present):
        return None
    counts = present.astype(str).value_counts()
    n_groups, n_rows = len(counts), len(values)
    repeated = float(counts[counts > 1].sum()) / max(1, n_rows)
    if named:
        if n_groups < n_folds:
            return None
    elif not (n_groups >= max(MIN_GROUPS, 2 * n_folds) and repeated >= REPEATED_SHARE
              and counts.iloc[0] <= LARGEST_SHARE * n_rows):
        return None
    median = float(np.median(counts.to_numpy()))
    return GroupSuggestion(str(values.name), n_groups, repeated, median, _reason(str(values.name), counts, n_rows))


def has_decimals(values: pd.Series) -> bool:
    """Measurements, not names: numbers with a fractional part."""
    return bool(pd.api.types.is_float_dtype(values) and not np.all(np.mod(values.dropna(), 1) == 0))


def entity_word(name: str) -> str | None:
    """The entity a column's name names ("patient" for ``PatientID``), or None."""
    words = name_words(name)
    for word in words:
        for candidate in (word, word.removesuffix("s"), word.removesuffix("es")):
            if candidate in _ENTITY_WORDS:
                return candidate
        glued = _glued_id(word)
        if glued in _ENTITY_WORDS:  # "patientid"
            return glued
    return None


def _glued_id(word: str) -> str | None:
    """"patient" for "patientid"."""
    return next((word.removesuffix(i) for i in _ID_WORDS if word.endswith(i) and len(word) > len(i) + 2), None)


def _reads_as_entity(values: pd.Series, column: ColumnProfile | None) -> bool:
    """An identifier's name: an entity, an ID word, or both, and nothing but qualifiers (``patient_id``,
    ``CustomerID``, ``store_nbr``, ``subject``, ``id``; ``customer_segment``, ``engine_size`` or ``category_id``
    describe rows or name categories); values typed as codes; or values written as running codes whatever the
    name's language (``running_codes``)."""
    name = str(values.name)
    words = name_words(name)
    entity = entity_word(name)
    named = bool(words) and all(w in _QUALIFIERS or w in _ID_WORDS or (entity is not None and entity in (
        w.rstrip("s"), w.removesuffix("es"), _glued_id(w))) for w in words)
    return (named and (entity is not None or bool(set(words) & _ID_WORDS))) or (
        column is not None and column.type is ColumnType.ID) or running_codes(values)


_CODE = r"([^\W\d_]{1,4}[-_/ .]?)\d{3,}"  # a prefix of letters, then a number: P0001, HZ-017, MCH-94561, ПК0042


def running_codes(values: pd.Series) -> bool:
    """Values written as running codes: nearly all of them one prefix of letters then a number of three digits or
    more (``P0001``, ``HZ-017``), most of one length. A name (``Smith``), a category (``red``), a size (``XL``), a
    classification code (``I10``, ``E11``: prefixes that differ) or a plain number never is."""
    present = values.dropna()
    if len(present) == 0 or pd.api.types.is_numeric_dtype(present):
        return False
    text = present.head(CODE_SAMPLE).astype(str).str.strip()
    prefixes = text.str.extract(f"^{_CODE}$", expand=False)
    if prefixes.notna().mean() < CODE_SHARE or prefixes.value_counts(normalize=True).iloc[0] < CODE_SHARE:
        return False
    return bool(text.str.len().value_counts(normalize=True).iloc[0] >= CODE_SHARE)


def _reason(name: str, counts: pd.Series, n_rows: int) -> str:
    entity = entity_word(name)
    things = f"{entity}s" if entity else "different values"
    low, high = int(counts.min()), int(counts.max())
    spread = f"{low:,} to {high:,} rows each" if low != high else f"{low:,} rows each"
    shown = clip(name, 60)
    noun = f"{things} ('{shown}')" if entity else f"{things} of '{shown}'"
    new = f"new {things}" if entity else f"values of '{shown}' it has not seen"
    return (f"{len(counts):,} {noun} appear on several rows ({spread}, {n_rows:,} rows in all): each one's rows stay "
            f"in one fold, so the score reflects {new}. '{shown}' itself is not a feature.")


def _others_text(others: tuple[str, ...]) -> str:
    if not others:
        return ""
    shown = ", ".join(f"'{clip(name, 40)}'" for name in others[:3]) + (" …" if len(others) > 3 else "")
    return f" Also repeating: {shown} (choose it to score on new ones of those instead)."


def group_codes(values: pd.Series) -> np.ndarray:
    """One integer per row, the same for rows of one entity; a missing value is an entity of its own."""
    codes = pd.factorize(values.astype("string"), use_na_sentinel=True)[0].astype(np.int64)
    missing = codes < 0
    codes[missing] = codes.max(initial=-1) + 1 + np.arange(int(missing.sum()))
    return codes


def resolve_group(frame: pd.DataFrame, columns: tuple[ColumnProfile, ...], *, target: str, group: str | None,
                  n_folds: int) -> tuple[str, str, tuple[str, ...]]:
    """The group column a training uses, why, and what the user must be told.

    ``group``: None, Kuai's choice (``find_group``); ``NO_GROUP``, rows folded one by one (with a note when a
    column names entities whose rows repeat: the score may be optimistic); a column name, that column (an unknown
    name or the target is refused, ``BAD_GROUP``, and so is a column with fewer values than folds).
    """
    if group is None or group == NO_GROUP:
        found = find_group(frame, columns, target=target, n_folds=n_folds)
        if found is None:
            return "", "", ()
        if group is None:
            return found.column, found.reason, ()
        return "", "", (ungrouped_note(found),)
    if group not in frame.columns:
        raise OptionError(f"'{group}' was to group the rows for validation, but the data has no column of that name."
                          f"{close_names(group, [str(c) for c in frame.columns])}", code="BAD_GROUP")
    if group == target:
        raise OptionError(f"'{group}' is the target; the rows are grouped by another column (an identifier of the "
                          "patient, customer or machine each row belongs to).", code="BAD_GROUP")
    if has_decimals(frame[group]):
        raise OptionError(f"'{group}' holds numbers with decimals, measurements rather than names of entities; group "
                          "the rows by a column that names the patient, customer or machine of each row.",
                          code="BAD_GROUP")
    chosen = group_of(frame[group], None, n_folds=n_folds, named=True)
    if chosen is None:
        n_values = int(frame[group].nunique(dropna=True))
        raise OptionError(f"'{group}' has {n_values:,} different values; grouped cross-validation needs at least "
                          f"{n_folds} (one group per fold).", code="BAD_GROUP")
    return group, chosen.reason.replace("appear on several rows", "group the rows (as you chose)"), ()


def ungrouped_note(found: GroupSuggestion) -> str:
    """The risk of folding rows one by one when a column names entities whose rows repeat."""
    entity = entity_word(found.column)
    things = f"{entity}s" if entity else f"values of '{clip(found.column, 60)}'"
    return (f"Cross-validation folds rows one by one, as you chose, although {found.n_groups:,} {things} "
            f"('{clip(found.column, 60)}') appear on several rows: a model can meet the same one in training and in "
            f"validation, so the score may be better than on new {things}.")


def grouped_validation_reason(n_folds: int, group: GroupSuggestion, *, classification: bool) -> str:
    kind = " stratified" if classification else ""
    keeps = " (each fold keeps about the share of every class)" if classification else ""
    return f"{n_folds}-fold{kind} group cross-validation{keeps}: {group.reason}"
