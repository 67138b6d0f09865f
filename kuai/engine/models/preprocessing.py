"""The fixed-shape pipeline's first two stages: clean and encode.

Raw columns pass through :func:`to_model_frame`, which maps them onto safe
internal names (``c00003``), parses numbers and dates, and expands dates into
parts. What follows is a scikit-learn ``ColumnTransformer`` built only from
ONNX-convertible steps, so the exported graph holds the same preprocessing.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from kuai.engine.data.labels import class_label_codes
from kuai.engine.data.numbers import numeric_values
from kuai.engine.data.option_checks import closest_columns
from kuai.engine.errors import SchemaError
from kuai.engine.models import text
from kuai.engine.read.cells import is_label_sized
from kuai.engine.read.dates import detect_date_format, parse_datetimes
from kuai.engine.types import ColumnType, InputColumn, TaskSpec

Encoding = Literal["onehot", "ordinal"]
DATE_PARTS = ("year", "month", "day", "day_of_week", "hour")
MAX_ONEHOT_CATEGORIES = 30
MISSING_CATEGORY = ""
_SAFE_NAME_LENGTH = 6  # "c" + five digits
FIT_ROWS = 50_000  # a preprocessing learns from at most this many rows (``fit_and_encode``)
BLOCK_ROWS = 50_000  # and encodes this many at a time (``encode_rows``)


def build_input_schema(frame: pd.DataFrame, spec: TaskSpec, *,
                       only: Collection[str] | None = None) -> tuple[InputColumn, ...]:
    """The model's input columns, with safe names and the categories seen in training. ``only``: the features to
    keep (their safe names still follow their position among all the features)."""
    schema = []
    n_texts = sum(spec.feature_types[name] is ColumnType.TEXT for name in spec.features if only is None or name in only)
    for position, name in enumerate(spec.features):
        if only is not None and name not in only:
            continue
        column_type = spec.feature_types[name]
        safe = f"c{position:05d}"
        if column_type is ColumnType.DATETIME:
            inputs = tuple(f"{safe}__{part}" for part in DATE_PARTS)
        else:
            inputs = (safe,)
        categories: tuple[str, ...] = ()
        if column_type in (ColumnType.CATEGORICAL, ColumnType.BOOLEAN):
            counts = _as_category(frame[name]).value_counts()
            categories = tuple(str(c) for c in counts.index if is_label_sized(c))  # read.cells: no documents
        date_format = _date_format(frame[name], spec.date_formats.get(name)) \
            if column_type is ColumnType.DATETIME else ""
        terms = text.choose_terms(_as_category(frame[name]).tolist(), n_rows=len(frame), n_texts=n_texts) \
            if column_type is ColumnType.TEXT else 0
        if column_type is ColumnType.TEXT and not terms:
            continue  # its words hardly repeat: nothing to learn (``kuai.engine.prepare.prepare`` says so)
        grams = text.choose_grams(_as_category(frame[name]).tolist(), n_rows=len(frame), n_texts=n_texts) \
            if column_type is ColumnType.TEXT else 0
        schema.append(InputColumn(name, safe, column_type, inputs, categories, date_format=date_format, terms=terms,
                                  grams=grams))
    return tuple(schema)


def _date_format(values: pd.Series, chosen: str | None) -> str:
    """The spec's format for a date column, else the one its values show ("" for stored dates: not text)."""
    if chosen is not None:
        return chosen
    found = detect_date_format(values)
    return found.format if found is not None else ""


def _missing_in_words(missing: list[str], frame: pd.DataFrame, schema: tuple[InputColumn, ...]) -> str:
    """The missing names, each with the data's closest unused column: 'tenure_months' (the data has 'Tenure_Months')."""
    known = {column.name for column in schema}
    spare = [str(c) for c in frame.columns if c not in known]
    shown = []
    for name in missing[:10]:
        close = closest_columns(name, spare, n=2)
        shown.append(f"'{name}'" + (" (the data has " + " or ".join(f"'{c}'" for c in close) + ")" if close else ""))
    return ", ".join(shown) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")


def to_model_frame(frame: pd.DataFrame, schema: tuple[InputColumn, ...]) -> pd.DataFrame:
    """Raw columns to model inputs: float32 numbers (NaN missing), strings ('' missing)."""
    missing = [column.name for column in schema if column.name not in frame.columns]
    if missing:
        shown = _missing_in_words(missing, frame, schema)
        raise SchemaError(f"The data lacks {len(missing)} column(s) the model needs: {shown}. Give the data the "
                          "columns the model was trained on, under the same names.", code="MISSING_COLUMNS")
    parts: dict[str, object] = {}
    for column in schema:
        raw = frame[column.name]
        if column.type is ColumnType.NUMERIC:
            parts[column.safe_name] = _as_number(raw)
        elif column.type is ColumnType.DATETIME:
            stamps = parse_datetimes(raw, column.date_format)
            for part, input_name in zip(DATE_PARTS, column.model_inputs, strict=True):
                values = getattr(stamps.dt, part)
                parts[input_name] = values.astype("float64").to_numpy(dtype=np.float32, na_value=np.nan)
        else:
            parts[column.safe_name] = _as_category(raw).array
    return pd.DataFrame(parts, index=frame.index, copy=False)  # each column as built: no second copy of them all


def unseen_categories(frame: pd.DataFrame, schema: tuple[InputColumn, ...]) -> dict[str, dict[str, int]]:
    """Per categorical column, the values training never saw and how many rows hold each (missing excluded).

    The model handles them as it handled rare categories: the unknown code (one-hot all zeros, or ordinal -1).
    """
    found: dict[str, dict[str, int]] = {}
    for column in schema:
        if not column.is_string or not column.categories or column.name not in frame.columns:
            continue
        values = pd.Series(_as_category(frame[column.name]))
        new = values[(values != "") & ~values.isin(set(column.categories))]
        if len(new):
            found[column.name] = {str(k): int(v) for k, v in new.value_counts().items()}
    return found


def _as_number(raw: pd.Series) -> np.ndarray:
    return as_float32(numeric_values(raw).to_numpy(dtype=np.float64, na_value=np.nan))


def as_float32(numbers: np.ndarray) -> np.ndarray:
    """Numbers as the model reads them, float32 (its ONNX inputs and outputs are float32): a number beyond float32's
    range (about ±3.4e38) becomes missing, as an infinity does. Clipping it to the largest float32 would give the
    model a value nobody wrote, the same for 1e39 and 1e308, and one such value would squash a scaled column's
    others towards zero; missing is what the model can honestly say about it (``kuai.engine.read.unreadable`` counts
    them)."""
    with np.errstate(over="ignore", invalid="ignore"):
        narrowed = np.asarray(numbers, dtype=np.float64).astype(np.float32)
    narrowed[np.isinf(narrowed)] = np.nan
    return narrowed


def _as_category(raw: pd.Series) -> pd.Series:
    """Each value as its label ('1.0' and 1 both read '1'); missing as ''. Pandas' string dtype, taken from the
    distinct labels (a million Python strings converted one by one cost about 0.3 s a column)."""
    codes, labels = class_label_codes(raw, strip=True, missing=MISSING_CATEGORY)
    return pd.Series(pd.Series(labels, dtype="str").array.take(codes), index=raw.index, name=raw.name)


def shared_labels(X: pd.DataFrame, schema: tuple[InputColumn, ...]) -> pd.DataFrame:
    """``X`` with its categorical columns as pandas categoricals over Python strings, the same values: an encoder
    then reads each row as one of a few shared strings, where pandas' string dtype makes it a new Python string a
    row (an ordinal encoding of 8 such columns on 667,000 rows: 7 s and 98 MB, against minutes and 352 MB under
    ``tracemalloc``). Text columns stay as they are. The other columns are not copied."""
    coded = {}
    for column in schema:
        if column.is_string and not column.is_text and column.safe_name in X.columns:
            codes, uniques = pd.factorize(X[column.safe_name], use_na_sentinel=False)
            labels = pd.Index(np.asarray(uniques, dtype=object), dtype=object)
            coded[column.safe_name] = pd.Categorical.from_codes(codes, categories=labels)
    return X.assign(**coded) if coded else X


def build_preprocessor(
    schema: tuple[InputColumn, ...], *, encoding: Encoding, scale: bool, grams: float = 0.0
) -> ColumnTransformer:
    """Impute numbers (median), optionally scale; encode categories one-hot or ordinal; texts as the TF-IDF of their
    words and ``grams`` (a share) of their character grams (``kuai.engine.models.text``)."""
    numeric = [name for c in schema if not c.is_string for name in c.model_inputs]
    categorical = [c for c in schema if c.is_string and not c.is_text]
    transformers: list[tuple[str, object, list[str]]] = []
    if numeric:
        steps: list[tuple[str, object]] = [("impute", SimpleImputer(strategy="median", keep_empty_features=True))]
        if scale:
            steps.append(("scale", StandardScaler()))
        transformers.append(("num", Pipeline(steps), numeric))
    if categorical:
        names = [c.safe_name for c in categorical]
        if encoding == "onehot":
            categories = [_onehot_categories(c) for c in categorical]
            encoder: object = OneHotEncoder(
                categories=categories, handle_unknown="ignore", sparse_output=False, dtype=np.float32
            )
        else:
            categories = [sorted(set(c.categories) | {MISSING_CATEGORY}) for c in categorical]
            encoder = OrdinalEncoder(
                categories=categories, handle_unknown="use_encoded_value", unknown_value=-1,
                dtype=np.float32,
            )
        transformers.append(("cat", encoder, names))
    texts = [entry for c in schema if c.is_text for entry in text.transformers(c, grams)]
    return ColumnTransformer([*transformers, *texts], remainder="drop", sparse_threshold=0.0)


def fit_and_encode(prep: ColumnTransformer, X: pd.DataFrame, rows: np.ndarray | None = None, *,
                   seed: int = 0) -> np.ndarray:
    """``prep`` fitted on ``X``'s ``rows`` (None: every row), and those rows encoded (``encode_rows``). On more than
    ``FIT_ROWS`` rows it learns its medians and scales from a seeded sample of ``FIT_ROWS`` of them: scikit-learn's
    median imputer sorts masked float64 copies of its columns, and on a million rows' folds those copies took several
    times the fold's own matrix (docs/search.md, "Where the memory goes on a million rows"). Text columns learn from
    every row: their words were chosen on the whole table (``text.choose_terms``), and a sample may miss them."""
    rows = np.arange(len(X)) if rows is None else np.asarray(rows)
    fit = rows
    has_text = any(name.startswith((text.TRANSFORMER_PREFIX, text.GRAMS_PREFIX)) for name, _, _ in prep.transformers)
    if len(rows) > FIT_ROWS and not has_text:
        fit = np.sort(np.random.default_rng(seed).choice(rows, FIT_ROWS, replace=False))
    prep.fit(X.iloc[fit])
    return encode_rows(prep, X, rows)


def encode_rows(prep: ColumnTransformer, X: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """``X``'s ``rows`` encoded by the fitted ``prep`` into one float32 matrix, ``BLOCK_ROWS`` rows at a time: what
    the encoding needs beside the matrix is a block's, not a copy of every row (the frame's rows, each step's
    float64 output and their stacking)."""
    first = np.asarray(prep.transform(X.iloc[rows[:BLOCK_ROWS]]), np.float32)
    if len(rows) <= BLOCK_ROWS:
        return first
    matrix = np.empty((len(rows), first.shape[1]), np.float32)
    matrix[:BLOCK_ROWS] = first
    for start in range(BLOCK_ROWS, len(rows), BLOCK_ROWS):
        block = rows[start:start + BLOCK_ROWS]
        matrix[start:start + len(block)] = prep.transform(X.iloc[block])
    return matrix


def input_width(schema: tuple[InputColumn, ...], encoding: Encoding) -> int:
    """How many columns ``build_preprocessor`` makes of this schema with this encoding (at most: all grams)."""
    return sum(c.terms + c.grams if c.is_text
               else len(c.model_inputs) if not c.is_string
               else len(_onehot_categories(c)) if encoding == "onehot" else 1 for c in schema)


def _onehot_categories(column: InputColumn) -> list[str]:
    """The most frequent categories; rarer ones share the all-zeros 'unknown' code."""
    return sorted(column.categories[:MAX_ONEHOT_CATEGORIES])


def original_column_of_features(feature_names: list[str], schema: tuple[InputColumn, ...]) -> list[str]:
    """Map ColumnTransformer output names (``cat__c00003_red``) back to original column names."""
    by_safe = {c.safe_name: c.name for c in schema}
    originals = []
    for feature in feature_names:
        _, _, rest = feature.partition("__")
        originals.append(by_safe[text.text_column_of(feature) or rest[:_SAFE_NAME_LENGTH]])
    return originals
