"""What kind of text a column holds, read from its values rather than the type model's five samples: sentences,
phrases, values on one row each, long labels that repeat, web addresses (``kuai.engine.data.column_types`` applies
them to the model's labels). Every count reads rows spread over the column (``spread_rows``), so that a type does not
depend on which rows come first."""

from __future__ import annotations

import pandas as pd

from kuai.engine.data.type_reasons import describe
from kuai.engine.data.typeinfer import ColumnSummary
from kuai.engine.data.whole_numbers import NUMBER_SHARE, names_rows, repeats, repeats_a_lot, spread_rows
from kuai.engine.types import ColumnType

__all__ = ["SENTENCES", "SENTENCE_WORDS", "UNSPACED", "free_text", "long_labels", "mean_words", "once_each",
           "phrases", "web_addresses"]

PHRASE_WORDS = 3  # words with letters: values this long, nearly all distinct, are phrases, not names or codes
LETTER_WORD = r"\S*[^\W\d_]\S*"  # a run of non-blanks holding a letter
SENTENCE_WORDS, SENTENCES = 5, 50  # repeated values of this many words, more distinct ones than this: free text
# scripts written without spaces between words (Japanese kana, Chinese and Japanese Han): two such characters count
# as a word (a Japanese review of 40 characters read as one word was typed categorical by a blind test)
UNSPACED = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
# a web address: a scheme or 'www.', or a host name with a dot and an optional path; not an e-mail address
WEB_ADDRESS = r"(?i)(?:[a-z][a-z0-9+.-]*://|www\.)\S+|[^\s@/]+\.[a-z]{2,}(?:[/?#:]\S*)?"

Detection = tuple[ColumnType, str]


def mean_words(values: pd.Series, word: str = r"\S+") -> float:
    """The mean number of words of the values (a sample spread over the column): runs of non-blanks (that match
    ``word``), and in scripts written without spaces, one word per two characters."""
    sample = spread_rows(values).astype(str)
    spaced = sample.str.replace(UNSPACED, " ", regex=True)  # the unspaced runs count by their characters alone
    return float((spaced.str.count(word) + sample.str.count(UNSPACED) / 2).mean())


def free_text(values: pd.Series, summary: ColumnSummary) -> str:
    """Why the column is free text: more than ``SENTENCES`` distinct values of ``SENTENCE_WORDS`` words or more on
    average (its words are the features); "" when it is not."""
    if summary.num_of_dist_val <= SENTENCES or pd.api.types.is_numeric_dtype(values):
        return ""
    words = mean_words(values)
    if words < SENTENCE_WORDS:
        return ""
    return (f"{describe(values, summary)}, sentences of about {words:.0f} words: free text, its words are used as "
            "features")


def phrases(values: pd.Series, summary: ColumnSummary) -> str:
    """Why text whose values are mostly on one row each (``names_rows``) is free text: phrases of ``PHRASE_WORDS``
    words with letters or more, whose words may repeat where the values do not (short comments, product names); ""
    when it is not."""
    if pd.api.types.is_numeric_dtype(values) or not names_rows(summary.num_of_dist_val, summary.n_present):
        return ""
    words = mean_words(values, LETTER_WORD)
    if words < PHRASE_WORDS:
        return ""
    return (f"{describe(values, summary)}, {repeats(summary.num_of_dist_val, summary.n_present)}, phrases of about "
            f"{words:.0f} words: free text, its words are used as features")


def once_each(values: pd.Series, summary: ColumnSummary) -> Detection | None:
    """Text whose values are mostly on one row each, whatever label the model gave, is not categorical: categories
    repeat (full names, phone numbers and short comments, nearly all distinct, were typed categorical: a blind
    test). Phrases are free text (``phrases``), shorter values an identifier."""
    if pd.api.types.is_numeric_dtype(values) or not names_rows(summary.num_of_dist_val, summary.n_present):
        return None
    if text := phrases(values, summary):
        return ColumnType.TEXT, text
    return ColumnType.ID, (f"{describe(values, summary)}, {repeats(summary.num_of_dist_val, summary.n_present)}: "
                           "values this rarely repeated name rows rather than describe them: an identifier")


def long_labels(summary: ColumnSummary) -> bool:
    """A few long values (at most ``SENTENCES``) that repeat a lot: labels (degree names), not free text."""
    return summary.num_of_dist_val <= SENTENCES and repeats_a_lot(summary.num_of_dist_val, summary.n_present)


def web_addresses(values: pd.Series) -> bool:
    """Nearly every value (a sample spread over the column) is a web address; an e-mail address is not one (they
    were read as web addresses: a blind test)."""
    sample = spread_rows(values).astype(str).str.strip()
    return bool(len(sample)) and sample.str.fullmatch(WEB_ADDRESS).mean() >= NUMBER_SHARE
