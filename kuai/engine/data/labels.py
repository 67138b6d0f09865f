"""Target labels that differ only by case, spaces or the width of their characters are one class.

'yes', 'Yes', ' yes', 'yes' with a no-break space, full-width 'ｙｅｓ': one answer typed in different ways; as
separate classes they would turn a yes/no question into a five-class one. Two labels are variants when they are
equal after Unicode NFKC normalisation (full-width and compatibility forms, no-break and ideographic spaces),
case folding, removing invisible format characters (zero-width spaces, BOM) and collapsing every run of
whitespace of any kind (none at the ends). Each group of spellings joins its most frequent spelling (without the
surrounding spaces), and the note says which labels were merged and on how many rows. The user can keep them
apart (``keep_label_variants``; ``kuai train --keep-label-variants``).

Categorical *features* are not merged: their categories enter the exported model (ONNX and the scoring
examples match categories exactly), and keeping two spellings apart loses a little signal without ever
misreading a row; the pre-flight checks point them out instead (``CATEGORY_VARIANTS``). Surrounding
spaces in features are already ignored (``kuai.engine.models.preprocessing``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["KEEP_VARIANTS_HINT", "LabelVariants", "apply_label_variants", "class_label", "class_label_codes",
           "class_labels", "find_label_variants", "merge_label_variants", "relabel", "variant_key"]

KEEP_VARIANTS_HINT = "to keep them apart, train with --keep-label-variants (keep_label_variants=True)"
_SHOWN_GROUPS = 4


@dataclass(frozen=True)
class LabelVariants:
    """Spellings of one label and the class each joins; ``rows``: rows per class whose spelling changed."""

    mapping: dict[str, str] = field(default_factory=dict)  # spelling -> class (spellings that change only)
    rows: dict[str, int] = field(default_factory=dict)  # class -> rows relabelled into it

    def __bool__(self) -> bool:
        return bool(self.mapping)

    def note(self, column: str) -> str:
        """'answer': labels that differ only by case, spaces or width are one class: 'Yes', ' yes' → 'yes' (57 rows)"""
        groups = []
        for label, n_rows in list(self.rows.items())[:_SHOWN_GROUPS]:
            spellings = ", ".join(f"'{_visible(s)}'" for s, c in self.mapping.items() if c == label)
            groups.append(f"{spellings} → '{_visible(label)}' ({n_rows:,} row{'s' if n_rows != 1 else ''})")
        more = f" and {len(self.rows) - _SHOWN_GROUPS} more" if len(self.rows) > _SHOWN_GROUPS else ""
        return (f"'{column}': target labels that differ only by case, spaces, character width or the way accents are "
                f"encoded were merged into one "
                f"class: {'; '.join(groups)}{more}; {KEEP_VARIANTS_HINT}")


def find_label_variants(values: pd.Series) -> LabelVariants:
    """The spellings that differ from another only by case, spaces or character width (``variant_key``), and the
    class each joins."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return LabelVariants()
    counts = values.value_counts(dropna=True)
    labels = (counts.index.astype(str) if pd.api.types.is_string_dtype(counts.index)
              else pd.Index([class_label(v) for v in counts.index], dtype=str))
    spellings = pd.DataFrame({"label": labels, "rows": counts.to_numpy()})
    spellings["key"] = spellings["label"].map(variant_key)
    spellings = spellings[spellings["key"].duplicated(keep=False)]  # keys with more than one spelling
    mapping: dict[str, str] = {}
    rows: dict[str, int] = {}
    for _, group in spellings.groupby("key", sort=False):
        group = group.groupby("label", sort=False)["rows"].sum().reset_index()  # 1.0 and '1' are one spelling
        if len(group) < 2:
            continue
        stripped = group.assign(label=group["label"].str.strip()).groupby("label")["rows"].sum()
        chosen = str(stripped.sort_values(ascending=False, kind="stable").index[0])
        changed = group[group["label"] != chosen]
        mapping.update({str(label): chosen for label in changed["label"]})
        rows[chosen] = int(changed["rows"].sum())
    return LabelVariants(mapping, dict(sorted(rows.items(), key=lambda item: -item[1])))


def variant_key(label: str) -> str:
    """What two spellings of one label share: NFKC form, case folded, without format characters (zero-width
    spaces), every run of whitespace of any kind one space, none at the ends ('\u3000ＹＥＳ\u00a0' -> 'yes')."""
    text = unicodedata.normalize("NFKC", label).casefold()
    if not text.isascii():
        text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return " ".join(text.split())


def _visible(spelling: str) -> str:
    """The spelling with its tabs, unusual spaces, invisible characters and combining accents written as escapes
    ('yes\\t', 'yes\\u00a0', 're\\u0301silie\\u0301' for an accent typed as a separate mark), so that two
    spellings the note names never print the same."""
    return "".join(_escaped(char) for char in spelling)


def _escaped(char: str) -> str:
    if char == " " or not (char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Mn")):
        return char
    return {"\t": "\\t", "\n": "\\n", "\r": "\\r"}.get(char, f"\\u{ord(char):04x}")


def apply_label_variants(values: pd.Series, mapping: dict[str, str]) -> pd.Series:
    """``values`` with every spelling in ``mapping`` replaced by its class; other values unchanged."""
    if not mapping:
        return values
    labels = class_labels(values)
    changed = labels.isin(list(mapping))
    if not changed.any():
        return values
    return values.astype(object).where(~changed, labels.map(mapping))


def merge_label_variants(frame: pd.DataFrame, target: str) -> tuple[pd.DataFrame, LabelVariants]:
    """A new frame whose target spellings are merged (``frame`` itself when there is nothing to merge)."""
    variants = find_label_variants(frame[target])
    return relabel(frame, target, variants.mapping), variants


def relabel(frame: pd.DataFrame, target: str, mapping: dict[str, str]) -> pd.DataFrame:
    """A new frame with ``mapping`` applied to the target (``frame`` itself when it changes nothing)."""
    if not mapping:
        return frame
    relabelled = frame.copy(deep=False)
    relabelled[target] = apply_label_variants(frame[target], mapping)
    return relabelled


def class_labels(values: pd.Series, *, strip: bool = False, missing: object = np.nan) -> pd.Series:
    """``class_label`` of every value, computed once per distinct value; missing values become ``missing``."""
    codes, labels = class_label_codes(values, strip=strip, missing=missing)
    return pd.Series(np.array(labels, dtype=object)[codes], index=values.index, name=values.name)


def class_label_codes(values: pd.Series, *, strip: bool = False,
                      missing: object = np.nan) -> tuple[np.ndarray, list[object]]:
    """Each value's position in the labels (``class_label`` of each distinct value, then ``missing`` last), and the
    labels: ``class_labels`` as codes, for a caller that builds its own array of them."""
    codes, uniques = pd.factorize(values)
    labels: list[object] = [class_label(u).strip() if strip else class_label(u) for u in uniques]
    return codes, [*labels, missing]  # a missing value's code, -1, picks the last


def class_indexes(values: pd.Series, classes: tuple[str, ...]) -> np.ndarray:
    """Each value's index in ``classes`` (by its ``class_label``); -1 for a missing value or a class not there."""
    index = {label: i for i, label in enumerate(classes)}
    codes, labels = class_label_codes(values, missing=None)  # once per distinct value: a million labels in 0.1 s
    lookup = np.array([index.get(str(label), -1) if label is not None else -1 for label in labels], dtype=np.int64)
    return np.asarray(lookup[codes], dtype=np.int64)


def class_label(value: object) -> str:
    """A class value as the label users see: 1.0 -> '1', 'yes' -> 'yes'."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)
