"""A ColumnSummary as a feature vector for the type model.

Three blocks, all computed from the summary alone (no fitted state, nothing to ship):

- whole-column statistics (counts, shares, the numeric statistics and ratios of them);
- properties of the five sample values (length, words, digits, does it parse as a number,
  a number with a unit or currency, a date, a URL, an e-mail, a delimited list, ...),
  each aggregated as mean, minimum and maximum over the five;
- character n-grams of the column name, of the sample values and of their "shapes"
  (letters, digits and the rest collapsed to classes), hashed by scikit-learn's stateless
  ``HashingVectorizer`` so there is no vocabulary to fit or store.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, HashingVectorizer

from kuai.engine.data.typeinfer.summary import MISSING, ColumnSummary

__all__ = ["FEATURE_VERSION", "column_features", "dense_feature_names", "n_features"]

FEATURE_VERSION = 1
NAME_BUCKETS = 2**11
SAMPLE_BUCKETS = 2**11
SHAPE_BUCKETS = 2**10
_TEXT_CAP = 120  # characters of each sample fed to the n-grams
_HEAD = 1000  # characters of each sample the properties look at (the length counts them all)

_URL = re.compile(r"^\s*((https?|ftp)://|www\.)\S+|^[\w-]+(\.[\w-]+)+\.(com|org|net|edu|gov|io|html?|php)\b", re.I)
_EMAIL = re.compile(r"^[\w.%+-]+@[\w-]+(\.[\w-]+)*\.[a-z]{2,}$", re.I)
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?$")
_NUMBER_TOKEN = re.compile(r"\d+(?:[.,]\d+)*")
_NUMBER_JUNK = re.compile(r"[,\s$€£¥%]")
_WITH_UNIT = re.compile(r"^[+-]?\d[\d.,\s]*\s*[A-Za-z%°µ/²³]{1,8}\.?$")
_CURRENCY = re.compile(r"^\s*[-+(]?\s*[$€£¥₹]|(usd|eur|gbp|inr)\b", re.I)
_DATE_NUMERIC = re.compile(r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b")
_MONTH = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b", re.I)
_TIME = re.compile(r"\b\d{1,2}:\d{2}(:\d{2})?\b")
_YEAR = re.compile(r"^(1[89]|20)\d\d$")
_DELIMITER = re.compile(r"[,;|]")
_BRACKETED = re.compile(r"^\s*[\[{(].*[\]})]\s*$", re.S)
_HEX_ID = re.compile(r"^[0-9a-f]{8,}$|^[0-9a-f]{8}-[0-9a-f]{4}-", re.I)
_CODE = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-./#]+$")
_SENTENCE_END = re.compile(r"[.!?]\s*$")
_WORD = re.compile(r"[A-Za-z']+")
_DIGIT = re.compile(r"\d")
_ALPHA = re.compile(r"[^\W\d_]")
_UPPER = re.compile(r"[A-ZÀ-ÖØ-Þ]")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NAME_SPLIT = re.compile(r"[_\W]+")
_MISSING_TOKEN = re.compile(r"^(#?null!?|n/?a|none|nil|-+|\.+|\?+|unknown|missing|not available|-?9{2,}|-1|x+)$", re.I)
_SENTINEL = re.compile(r"^-?9{1,6}(\.0+)?$|^-[1-9](\.0+)?$")
_LETTER_DIGIT = re.compile(r"[A-Za-z]\d|\d[A-Za-z]")


def _as_float(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _is_date(text: str) -> float:
    if len(text) > 40 or not re.search(r"\d", text):
        return 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pd.Timestamp(text)
        except (ValueError, TypeError, OverflowError):
            return 0.0
    return 1.0


def _sample_properties(text: str) -> list[float]:
    """One sample value's properties, in the order of ``_SAMPLE_PROPERTIES``."""
    if text == MISSING:
        return [1.0] + [0.0] * (len(_SAMPLE_PROPERTIES) - 1)
    length = len(text)
    head = text[:_HEAD]
    words = head.split()
    n_digits = len(_DIGIT.findall(head))
    n_alpha = len(_ALPHA.findall(head))
    n_upper = len(_UPPER.findall(head))
    n_space = head.count(" ")
    size = max(len(head), 1)
    stripped = head.strip()
    number = _as_float(stripped)
    cleaned = _as_float(_NUMBER_JUNK.sub("", stripped)) if number is None else number
    delimiters = _DELIMITER.findall(head)
    lower_words = [w.lower() for w in _WORD.findall(head)]
    return [
        0.0, float(length), float(len(words)), n_digits / size, n_alpha / size, n_upper / size,
        (size - n_digits - n_alpha - n_space) / size, float(n_space),
        float(number is not None), float(bool(_INTEGER.match(stripped))), float(bool(_DECIMAL.match(stripped))),
        float(bool(re.match(r"^[+-]?0\d", stripped))), float(cleaned is not None),
        float(len(_NUMBER_TOKEN.findall(head))), float(bool(_WITH_UNIT.match(stripped))),
        float(bool(_CURRENCY.search(head))), float(stripped.endswith("%")),
        float(bool(_URL.match(head))), float(bool(_EMAIL.match(stripped))),
        float(bool(_DATE_NUMERIC.search(head))), float(bool(_MONTH.search(head))), float(bool(_TIME.search(head))),
        float(bool(_YEAR.match(stripped))), _is_date(stripped),
        float(len(delimiters)), float(head.count(",")), float(head.count(";")), float(head.count("|")),
        float(bool(_BRACKETED.match(head))), float(bool(_HEX_ID.match(stripped))), float(bool(_CODE.match(stripped))),
        float(sum(w in ENGLISH_STOP_WORDS for w in lower_words)), float(bool(_SENTENCE_END.search(head))),
        float(stripped[:1].isupper()), float(stripped != text), float(stripped.isupper()),
        float(bool(_MISSING_TOKEN.match(stripped))),
    ]


_SAMPLE_PROPERTIES = (
    "missing", "length", "words", "digit_share", "alpha_share", "upper_share", "other_share", "spaces",
    "float", "integer", "decimal", "leading_zero", "number_in_text", "number_tokens", "number_with_unit",
    "currency", "percent", "url", "email", "date_numeric", "month_name", "time", "year", "timestamp",
    "delimiters", "commas", "semicolons", "pipes", "bracketed", "hex_id", "code", "stopwords", "sentence_end",
    "capitalised", "padded", "all_caps", "missing_token",
)
_AGGREGATES: tuple[tuple[str, Callable[[np.ndarray], np.ndarray]], ...] = (
    ("mean", lambda m: m.mean(axis=0)), ("min", lambda m: m.min(axis=0)), ("max", lambda m: m.max(axis=0)),
)


def _sample_numbers(samples: Sequence[str]) -> list[float]:
    numbers = [n for n in (_as_float(s) for s in samples if s != MISSING) if n is not None]
    distinct = list(dict.fromkeys(numbers))
    if len(distinct) < 2:
        return [0.0, 0.0, 0.0, float(len(distinct))]
    steps = np.diff(distinct)
    return [float(np.all(steps > 0)), float(np.all(steps == 1)), float(np.all(np.abs(steps) == 1)),
            float(len(distinct))]


def _column_statistics(summary: ColumnSummary) -> list[float]:
    present = max(summary.n_present, 0)
    spread = summary.max_val - summary.min_val
    is_whole = float(summary.min_val == round(summary.min_val) and summary.max_val == round(summary.max_val))
    return [
        float(summary.total_vals), float(summary.num_nans), summary.pct_nans, float(summary.num_of_dist_val),
        summary.pct_dist_val, summary.mean, summary.std_dev, summary.min_val, summary.max_val,
        float(present), summary.num_of_dist_val / present if present else 0.0,
        float(summary.num_of_dist_val == present and present > 0), float(summary.has_numeric_stats),
        spread, summary.num_of_dist_val / (spread + 1.0) if summary.has_numeric_stats else 0.0,
        summary.std_dev / abs(summary.mean) if summary.mean else 0.0, is_whole,
        math.log10(summary.total_vals + 1.0), math.log10(summary.num_of_dist_val + 1.0),
        float(len(set(summary.samples))), float(sum(s == MISSING for s in summary.samples)),
        float(len(summary.name)), float(len(summary.name.split())), float(any(ch.isdigit() for ch in summary.name)),
        float(summary.name.strip().replace(".", "", 1).isdigit()),
        float(bool(_SENTINEL.match(_plain(summary.min_val)))), float(bool(_SENTINEL.match(_plain(summary.max_val)))),
        (summary.mean - summary.min_val) / spread if spread else 0.0, _vowel_share(summary.name),
        float(len(_LETTER_DIGIT.findall(summary.name))), float(sum(ch.isupper() for ch in summary.name)),
    ]


def _plain(number: float) -> str:
    return f"{number:.0f}" if number == round(number) and abs(number) < 1e15 else str(number)


def _vowel_share(name: str) -> float:
    letters = [ch for ch in name.lower() if ch.isalpha()]
    return sum(ch in "aeiou" for ch in letters) / len(letters) if letters else 0.0


_STATISTICS = (
    "total_vals", "num_nans", "pct_nans", "num_of_dist_val", "pct_dist_val", "mean", "std_dev", "min_val",
    "max_val", "n_present", "distinct_share", "all_distinct", "numeric_stats", "spread", "distinct_per_spread",
    "variation", "whole_bounds", "log_total", "log_distinct", "distinct_samples", "missing_samples",
    "name_length", "name_words", "name_has_digit", "name_is_number", "sentinel_min", "sentinel_max",
    "mean_position", "name_vowel_share", "name_letter_digit", "name_upper",
)
_SAMPLE_NUMBERS = ("samples_increasing", "samples_step_one", "samples_step_abs_one", "samples_numbers")


def dense_feature_names() -> list[str]:
    """Names of the dense features, in column order (the hashed n-grams follow them)."""
    aggregated = [f"{prop}_{agg}" for agg, _ in _AGGREGATES for prop in _SAMPLE_PROPERTIES]
    return list(_STATISTICS) + list(_SAMPLE_NUMBERS) + aggregated


def n_features() -> int:
    return len(dense_feature_names()) + NAME_BUCKETS + SAMPLE_BUCKETS + SHAPE_BUCKETS


def _dense_row(summary: ColumnSummary) -> list[float]:
    properties = np.array([_sample_properties(s) for s in summary.samples], dtype=float)
    aggregated = [value for _, function in _AGGREGATES for value in function(properties)]
    return _column_statistics(summary) + _sample_numbers(summary.samples) + aggregated


def _name_text(name: str) -> str:
    return " ".join(_NAME_SPLIT.split(_CAMEL.sub(" ", name))).lower()


def _shape(text: str) -> str:
    """Letters, digits and blanks as classes, runs collapsed: '$1,200.50' -> '$9,9.9'."""
    shaped = re.sub(r"[A-Z]+", "A", re.sub(r"[a-z]+", "a", text))
    return re.sub(r"\s+", "_", re.sub(r"\d+", "9", shaped))


def _samples_text(samples: Sequence[str]) -> str:
    return " ".join(s[:_TEXT_CAP] for s in samples).lower()


def _shapes_text(samples: Sequence[str]) -> str:
    return " ".join(_shape(s[:_TEXT_CAP]) for s in samples)


_HASH_OPTIONS = {"alternate_sign": False, "norm": None, "dtype": np.float32}
_NAME_VECTORIZER = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), n_features=NAME_BUCKETS,
                                     **_HASH_OPTIONS)
_SAMPLE_VECTORIZER = HashingVectorizer(analyzer="char_wb", ngram_range=(1, 3), n_features=SAMPLE_BUCKETS,
                                       lowercase=False, **_HASH_OPTIONS)
_SHAPE_VECTORIZER = HashingVectorizer(analyzer="char", ngram_range=(1, 4), n_features=SHAPE_BUCKETS,
                                      lowercase=False, **_HASH_OPTIONS)


def column_features(summaries: Sequence[ColumnSummary]) -> sparse.csr_matrix:
    """The feature matrix, one row per summary: dense block, then name, sample and shape n-grams."""
    dense = np.array([_dense_row(s) for s in summaries], dtype=np.float64).reshape(len(summaries), -1)
    dense = np.nan_to_num(dense, nan=0.0, posinf=1e300, neginf=-1e300)
    blocks = [
        sparse.csr_matrix(dense),
        _NAME_VECTORIZER.transform([_name_text(s.name) for s in summaries]),
        _SAMPLE_VECTORIZER.transform([_samples_text(s.samples) for s in summaries]),
        _SHAPE_VECTORIZER.transform([_shapes_text(s.samples) for s in summaries]),
    ]
    return sparse.hstack(blocks, format="csr", dtype=np.float64)
