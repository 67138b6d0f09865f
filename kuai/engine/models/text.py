"""Free text as features: the words of a text column, weighed by TF-IDF, for every model family.

A text column (reviews, complaints, notes: ``ColumnType.TEXT``) becomes numbers in the pipeline's encode stage by
scikit-learn's ``TfidfVectorizer``, which skl2onnx converts exactly, so the exported graph reads the raw text:
its words (runs of two or more letters, digits or ``_``, as scikit-learn's default token pattern reads them), kept
when they appear in at least two rows, the most frequent ``terms`` of them each a model input. Case is kept:
lowercasing in ONNX Runtime depends on the scoring machine's locales.

Why terms and not topics (``TruncatedSVD`` of the TF-IDF matrix), measured on the 1,000 rows of
``womens_clothing_reviews.csv`` (``Recommended IND``, ``Rating`` left out; 5-fold ROC AUC): topics suit trees a
little better (LightGBM 0.86 on 64 topics, 0.82 on 1,000 terms; 0.56 without the text), terms suit linear models
(0.91 against 0.88), and only terms keep the ONNX graph's probabilities equal to scikit-learn's (within 1e-6 for
LightGBM, CatBoost, extra trees and logistic regression; topics computed in float32 by ONNX Runtime moved trees'
probabilities by up to 0.02).

Character 3-grams (``CharGrams``) join the words when the search asks for them (the trial parameter
``text__grams``: none, a quarter or all of a column's ``grams``): they read what words miss, misspellings and
word forms ('disappoint' in 'disappointed', 'disappointing') and scripts written without spaces (Japanese, Chinese).
Measured on the same reviews (1,172 rows, two 5-fold splits, ROC AUC): words 0.915 (logistic regression) and 0.849
(LightGBM); words and 2,000 character 3-grams 0.928 and 0.869; 300 of them added nothing, and text length and word
counts added nothing either (0.910 and 0.850), so they are not made. The exported graph splits the text into its
characters (ONNX Runtime's Tokenizer, ``ONNX_CHAR_PATTERN``), so a text of 5,000 characters is 5,000 strings there:
a column whose training texts run longer than ``GRAM_TEXT_CHARS`` gets no character grams, and neither does a
column whose texts hold more than ``GRAM_FIT_CHARS`` characters in all (the grams of every fold are counted in
Python).

SHAP values and permutation importance of a text's inputs (words and grams) fold back onto the text column
(``text_column_of``); the words chart shows words only (``word_column_of``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from kuai.engine.data.text_kinds import UNSPACED
from kuai.engine.types import InputColumn

TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # scikit-learn's default: a run of two or more word characters
# the same tokens for ONNX Runtime's Tokenizer (RE2): Python's Unicode \w is letters, digits (all of Unicode's
# numbers) and '_'; RE2's \w is ASCII only (skl2onnx's own rewrite of the default, [a-zA-Z0-9_]+, splits 'café')
ONNX_TOKEN_PATTERN = r"[\p{L}\p{N}_]{2,}"
# words only: ONNX Runtime's TfIdfVectorizer misses a word pair whose words are not terms themselves, which
# max_features leaves when frequencies tie at its cut (measured: 'the sides' kept, 'sides' cut, 11 rows of 1,000 off
# by up to 0.01); word pairs added 0.007-0.01 ROC AUC on the reviews
ONNX_CHAR_PATTERN = r"[^\t\n\f\r ]"  # one character that is not a blank (RE2's \s, ASCII only)
CHAR_PAD = "<pad>"  # what pads a text's characters in the graph: longer than a character, so in no gram
_BLANKS = re.compile(r"[\t\n\f\r ]")  # the same blanks for Python
NGRAMS = (1, 1)
MIN_ROWS = 2  # a word must appear in this many rows to be a term (with 1, skl2onnx's graph no longer matches)
MAX_TERMS = 1_000  # a text column's inputs at most ...
TERM_CELLS = 20_000_000  # ... and all texts' words together hold at most this many numbers (80 MB of float32; their
# character grams as many again)
MIN_TERMS = 5  # fewer terms than this: the column's words repeat too little to learn from
TRANSFORMER_PREFIX = "text_"  # the ColumnTransformer's name for a text column's words: text_c00003
GRAMS_PREFIX = "grams_"  # ... and for its character grams: grams_c00003
GRAM_LENGTH = 3
MAX_GRAMS = 2_000  # a text column's character grams at most (and its share of ``TERM_CELLS``)
GRAM_TEXT_CHARS = 2_000  # a column with a longer training text gets no character grams
GRAM_COUNT_ROWS = 5_000  # the grams a column has are counted in this many of its texts
# a column whose texts hold more characters in all gets no grams: measured, counting grams reads about 0.5 million
# characters a second and weighing them 1 million (2 cores, the reviews), so five folds cost ~13 s per million
GRAM_FIT_CHARS = 2_000_000
SAMPLE_ROWS = 500  # the texts ``is_unspaced`` reads
SEARCH_PARAM = "text__grams"  # the trial's share of each text column's ``grams``; absent: none (words only)
GRAM_SHARES = (0.0, 0.25, 1.0)
DEFAULT_SHARE = 1.0  # the portfolio's first trials: measured best on the reviews (above)


def vectorizer(max_features: int) -> TfidfVectorizer:
    """The ``max_features`` most frequent words found in ``MIN_ROWS`` rows or more, weighed by TF-IDF."""
    return TfidfVectorizer(token_pattern=TOKEN_PATTERN, ngram_range=NGRAMS, min_df=MIN_ROWS, lowercase=False,
                           max_features=max_features, dtype=np.float32)


def char_grams(document: str) -> list[str]:
    """The runs of ``GRAM_LENGTH`` characters (code points) of the text without its blanks: what ONNX Runtime's
    Tokenizer with ``ONNX_CHAR_PATTERN`` and ``TfIdfVectorizer`` read of it. Without blanks, a text reads the same
    with spaces around it or doubled, or other line breaks (``kuai predict`` trims values, a raw ONNX caller may
    not: a blind test found trailing spaces moving probabilities by 0.04); measured on the reviews, grams with
    and without blanks score the same (ROC AUC 0.928 with logistic regression, 0.864-0.868 with LightGBM)."""
    chars = _BLANKS.sub("", document)
    return [chars[i:i + GRAM_LENGTH] for i in range(len(chars) - GRAM_LENGTH + 1)]


class CharGrams(TfidfVectorizer):  # type: ignore[misc]  # scikit-learn is untyped
    """The ``max_features`` most frequent character 3-grams found in ``MIN_ROWS`` rows or more, weighed by TF-IDF
    (converted to ONNX by skl2onnx's vectorizer converter with ``ONNX_CHAR_PATTERN``: ``kuai.exporters``)."""

    def __init__(self, max_features: int | None = None) -> None:
        super().__init__(analyzer=char_grams, ngram_range=(GRAM_LENGTH, GRAM_LENGTH), min_df=MIN_ROWS,
                         lowercase=False, max_features=max_features, dtype=np.float32)

    def _warn_for_unused_params(self) -> None:
        """scikit-learn warns that a callable analyzer leaves ``ngram_range`` unused: it is there for skl2onnx,
        which reads the grams' length from it."""


def choose_grams(values: Sequence[str], *, n_rows: int, n_texts: int) -> int:
    """The most character grams a text column's models may read: those found in ``MIN_ROWS`` of its first
    ``GRAM_COUNT_ROWS`` texts, at most ``MAX_GRAMS`` and its share of ``TERM_CELLS``; 0 when a training text is
    longer than ``GRAM_TEXT_CHARS``, all of them longer than ``GRAM_FIT_CHARS``, or fewer than ``MIN_TERMS`` are
    found."""
    lengths = [len(v) for v in values]
    if max(lengths, default=0) > GRAM_TEXT_CHARS or sum(lengths) > GRAM_FIT_CHARS:
        return 0
    try:
        found = len(CharGrams().fit(list(values[:GRAM_COUNT_ROWS])).vocabulary_)
    except ValueError:  # no text of three characters in two rows
        return 0
    return min(found, gram_cap(n_rows=n_rows, n_texts=n_texts)) if found >= MIN_TERMS else 0


def gram_cap(*, n_rows: int, n_texts: int = 1) -> int:
    """The most character grams a text column may have: ``MAX_GRAMS``, and its share of ``TERM_CELLS``."""
    return min(MAX_GRAMS, TERM_CELLS // max(1, n_rows * n_texts))


def grams_share(params: dict[str, object]) -> float:
    """The share of its ``grams`` each text column gets in a trial with these parameters."""
    return float(params.get(SEARCH_PARAM, 0.0))  # type: ignore[arg-type]


def choose_terms(values: Sequence[str], *, n_rows: int, n_texts: int) -> int:
    """How many terms a text column of the training rows gets: those it has, at most ``MAX_TERMS`` and its share of
    ``TERM_CELLS`` over ``n_rows`` rows and ``n_texts`` text columns; 0 when fewer than ``MIN_TERMS``."""
    cap = term_cap(n_rows=n_rows, n_texts=n_texts)
    try:
        found = len(vectorizer(MAX_TERMS).fit(values).vocabulary_)
    except ValueError:  # no words at all ("empty vocabulary"), or none in two rows
        return 0
    return min(found, cap) if found >= MIN_TERMS else 0


def term_cap(*, n_rows: int, n_texts: int = 1) -> int:
    """The most terms a text column may have: ``MAX_TERMS``, and its share of ``TERM_CELLS``."""
    return min(MAX_TERMS, TERM_CELLS // max(1, n_rows * n_texts))


def transformers(column: InputColumn, share: float = 0.0) -> list[tuple[str, object, str]]:
    """The ColumnTransformer entries of a text column: its words, and ``share`` of its character grams (none
    for 0): each a name, a step and the (1-D) input."""
    entries: list[tuple[str, object, str]] = [
        (f"{TRANSFORMER_PREFIX}{column.safe_name}", vectorizer(column.terms), column.safe_name)]
    grams = gram_count(column, share)
    if grams:
        entries.append((f"{GRAMS_PREFIX}{column.safe_name}", CharGrams(grams), column.safe_name))
    return entries


def gram_count(column: InputColumn, share: float) -> int:
    """How many character grams ``share`` of a text column's ``grams`` is (0: none)."""
    return min(column.grams, max(MIN_TERMS, round(share * column.grams))) if share > 0 and column.grams else 0


def is_unspaced(values: pd.Series) -> bool:
    """Whether a text column is written mostly without spaces between words (a third of its non-blank characters
    or more are Japanese or Chinese): its 'words' are whole phrases, and its character grams say more."""
    sample = values.iloc[:SAMPLE_ROWS].astype(str)
    letters = int(sample.str.count(r"\S").sum())
    return letters > 0 and int(sample.str.count(UNSPACED).sum()) * 3 >= letters


def text_column_of(feature_name: str) -> str | None:
    """The safe name of the text column a transformed feature comes from ('text_c00003__great' and
    'grams_c00003__eat' -> 'c00003')."""
    transformer_name, _, _ = feature_name.partition("__")
    for prefix in (TRANSFORMER_PREFIX, GRAMS_PREFIX):
        if transformer_name.startswith(prefix):
            return transformer_name.removeprefix(prefix)
    return None


def word_column_of(feature_name: str) -> str | None:
    """The safe name of the text column a feature is a word of ('text_c00003__great' -> 'c00003'); None for
    character grams and other features."""
    transformer_name, _, _ = feature_name.partition("__")
    return transformer_name.removeprefix(TRANSFORMER_PREFIX) if transformer_name.startswith(TRANSFORMER_PREFIX) \
        else None
