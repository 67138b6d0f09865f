"""A holdout: a slice of the rows kept out of the whole search and scored once, by the chosen model, at the end.

Cross-validation scores choose among models, and the chosen model's score is a little optimistic for it: the best
of many noisy scores. The holdout's rows take no part in any choice, so its score is an unbiased check, shown
beside the cross-validated one (``kuai train --holdout 0.2``, the Train page's toggle).

The slice follows the validation: with a time column, the latest rows; with a group column, whole groups (no
entity on both sides); else a random slice, stratified by class. It is drawn from the rows with a usable target,
with the spec's seed: every process of a training draws the same one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit, StratifiedGroupKFold, train_test_split

from kuai.engine.data.groups import STRATIFY_MAX_GROUPS, group_codes
from kuai.engine.data.labels import class_labels
from kuai.engine.data.time_order import time_keys
from kuai.engine.errors import OptionError
from kuai.engine.types import TaskSpec

MIN_HOLDOUT_ROWS = 10


def split_holdout(rows: pd.DataFrame, spec: TaskSpec) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(the rows the search sees, the holdout's rows, how the holdout was drawn, in words)."""
    n_held = int(round(len(rows) * spec.holdout))
    if n_held < MIN_HOLDOUT_ROWS or len(rows) - n_held < MIN_HOLDOUT_ROWS:
        raise OptionError(f"A holdout of {spec.holdout:.0%} of {len(rows):,} rows leaves too few rows on one side "
                          f"(at least {MIN_HOLDOUT_ROWS} each): train without a holdout, or with a larger share.",
                          code="BAD_HOLDOUT")
    positions = np.arange(len(rows))
    if spec.time:
        keys, _ = time_keys(rows[spec.time], spec.date_formats.get(spec.time))
        ordered = np.where(np.isnan(keys), -np.inf, keys)
        cut = float(np.sort(ordered)[len(rows) - n_held])  # rows of one time stay on one side
        held = positions[ordered >= cut]
        how = f"the latest {len(held):,} rows by '{spec.time}'"
    elif spec.group:
        groups = group_codes(rows[spec.group])
        if spec.task.is_classification and len(np.unique(groups)) <= STRATIFY_MAX_GROUPS:  # one fold of as many
            splitter: Any = StratifiedGroupKFold(n_splits=max(2, round(1 / spec.holdout)), shuffle=True,
                                                 random_state=spec.seed)
            _, held = next(splitter.split(positions, class_labels(rows[spec.target]).astype(str), groups))
        else:
            splitter = GroupShuffleSplit(n_splits=1, test_size=spec.holdout, random_state=spec.seed)
            _, held = next(splitter.split(positions, groups=groups))
        how = f"{len(held):,} rows of whole '{spec.group}' groups"
    else:
        stratify = class_labels(rows[spec.target]) if spec.task.is_classification else None
        try:
            _, held = train_test_split(positions, test_size=n_held, random_state=spec.seed, stratify=stratify)
        except ValueError:  # a class too rare to be on both sides: a plain random slice
            _, held = train_test_split(positions, test_size=n_held, random_state=spec.seed)
        held, how = np.sort(held), f"{n_held:,} rows drawn at random" + (", stratified by class" if stratify is not
                                                                          None else "")
    kept = np.setdiff1d(positions, held)
    if min(len(kept), len(held)) < MIN_HOLDOUT_ROWS:
        raise OptionError(f"The holdout ({how}) leaves {len(kept):,} rows to search and {len(held):,} held out: too "
                          "few on one side. Train without a holdout, or with another share.", code="BAD_HOLDOUT")
    return rows.iloc[kept], rows.iloc[held], how
