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

SHAP values and permutation importance of a text's inputs fold back onto the text column (``text_column_of``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from kuai.engine.types import InputColumn

TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # scikit-learn's default: a run of two or more word characters
# the same tokens for ONNX Runtime's Tokenizer (RE2): Python's Unicode \w is letters, digits (all of Unicode's
# numbers) and '_'; RE2's \w is ASCII only (skl2onnx's own rewrite of the default, [a-zA-Z0-9_]+, splits 'café')
ONNX_TOKEN_PATTERN = r"[\p{L}\p{N}_]{2,}"
# words only: ONNX Runtime's TfIdfVectorizer misses a word pair whose words are not terms themselves, which
# max_features leaves when frequencies tie at its cut (measured: 'the sides' kept, 'sides' cut, 11 rows of 1,000 off
# by up to 0.01); word pairs added 0.007-0.01 ROC AUC on the reviews
NGRAMS = (1, 1)
MIN_ROWS = 2  # a word must appear in this many rows to be a term (with 1, skl2onnx's graph no longer matches)
MAX_TERMS = 1_000  # a text column's inputs at most ...
TERM_CELLS = 20_000_000  # ... and all texts' inputs together hold at most this many numbers (80 MB of float32)
MIN_TERMS = 5  # fewer terms than this: the column's words repeat too little to learn from
TRANSFORMER_PREFIX = "text_"  # the ColumnTransformer's name for a text column's step: text_c00003


def vectorizer(max_features: int) -> TfidfVectorizer:
    """The ``max_features`` most frequent words found in ``MIN_ROWS`` rows or more, weighed by TF-IDF."""
    return TfidfVectorizer(token_pattern=TOKEN_PATTERN, ngram_range=NGRAMS, min_df=MIN_ROWS, lowercase=False,
                           max_features=max_features, dtype=np.float32)


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


def transformer(column: InputColumn) -> tuple[str, object, str]:
    """The ColumnTransformer entry for a text column: its name, step and (1-D) input."""
    return f"{TRANSFORMER_PREFIX}{column.safe_name}", vectorizer(column.terms), column.safe_name


def text_column_of(feature_name: str) -> str | None:
    """The safe name of the text column a transformed feature comes from ('text_c00003__great' -> 'c00003')."""
    transformer_name, _, _ = feature_name.partition("__")
    if transformer_name.startswith(TRANSFORMER_PREFIX):
        return transformer_name.removeprefix(TRANSFORMER_PREFIX)
    return None
