"""``model_card.json`` as a typed value: what the app's pages, ``kuai train``'s summary and the exports read.

Frozen pydantic models: a card an earlier version wrote, without some keys, reads with their defaults; keys this
version does not know (a later one's) are kept as they were and written back. ``ModelCard.to_dict`` gives the JSON
object ``model_card.json`` holds: the same keys, in the same order, with the same values as the card it was read from
(the entries a step adds only when it has something to say are left out while they are None)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["CARD_FILE", "CardLatency", "CardLimits", "CardMetric", "CardModel", "CardParity", "ModelCard"]

CARD_FILE = "model_card.json"

_KEPT = ConfigDict(frozen=True, extra="allow")  # a later version's keys are kept
Number = int | float  # as written: an int stays an int (smart union)


class _CardPart(BaseModel):
    """A part of a card. A null where this version expects a value (a list, a number: ``"classes": null`` in a
    hand-edited or older card) reads as the field's default, as a missing key does."""

    model_config = _KEPT

    @model_validator(mode="before")
    @classmethod
    def _nulls_as_missing(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        fields = cls.model_fields
        return {key: value for key, value in data.items()
                if not (value is None and key in fields and not fields[key].is_required()
                        and fields[key].get_default(call_default_factory=True) is not None)}


class CardMetric(_CardPart):
    name: str = ""
    label: str = "score"
    greater_is_better: bool = True


class CardModel(_CardPart):
    name: str = "?"
    family: str = ""
    is_ensemble: bool = False
    members: dict[str, Number] = Field(default_factory=dict)  # model name -> weight
    params: dict[str, Any] = Field(default_factory=dict)
    bagged_folds: int = 0
    row_fraction: Number = 1.0


class CardParity(_CardPart):
    """``kuai.exporters.parity.ParityReport`` as written."""
    n_rows: int | None = None
    max_abs_diff: Number = float("nan")
    max_rel_diff: Number = float("nan")
    labels_equal: bool = False
    passed: bool = False
    tolerance: Number = 0.0
    n_extreme_rows: int | None = None  # the last rows, extreme values: left out of ``max_abs_diff`` (None: older card)

    def figure(self) -> float:
        """The difference that decides parity, on every row: on probabilities, or relative on predicted values (a
        card without it: the absolute one)."""
        return float(self.max_abs_diff if math.isnan(self.max_rel_diff) else self.max_rel_diff)

    def words(self, *, classification: bool) -> str:
        """The deciding difference in words (and the absolute one on the training rows, for predicted values)."""
        if classification:
            return f"largest difference in a probability {self.figure():.1e}"
        absolute = (f"; {self.max_abs_diff:.1e} in the target's units on the training rows"
                    if self.n_extreme_rows is not None and math.isfinite(self.max_abs_diff) else "")
        return f"largest relative difference {self.figure():.1e}{absolute}"


class CardLatency(_CardPart):
    """``kuai.exporters.latency.measure_latency`` as written (empty until measured)."""
    single_row_p50_ms: Number = 0.0
    single_row_p99_ms: Number = 0.0
    single_row_calls: Number = 0.0
    batch_rows: Number = 0.0
    batch_rows_per_s: Number = 0.0


class CardLimits(_CardPart):
    """``kuai.engine.select.limits.LimitsOutcome.card``: the user's limits against the exported model."""
    max_ms_per_row: Number | None = None
    max_size_mb: Number | None = None
    estimated_ms_per_row: Number | None = None
    estimated_size_mb: Number | None = None
    onnx_ms_per_row: Number | None = None
    onnx_size_mb: Number | None = None
    met: bool | None = None  # None: no limits were set
    note: str = ""

    @property
    def any(self) -> bool:
        return self.max_ms_per_row is not None or self.max_size_mb is not None


# added by the steps after the card is built, and only when they have something to say (absent while None)
_ADDED_LATER = ("your_choices", "decision_threshold", "timings_s", "limits", "validation", "holdout")


class ModelCard(_CardPart):
    kuai_version: str = "0"
    created_at: str = ""
    task: str = ""
    target: str = "?"
    classes: list[str] = Field(default_factory=list)
    decision_rule: str | None = None
    metric: CardMetric = Field(default_factory=CardMetric)
    cv_score: Number = float("nan")
    cv_score_std: Number = 0.0
    cv_folds: int | None = None
    model: CardModel = Field(default_factory=CardModel)
    input_schema: list[dict[str, Any]] = Field(default_factory=list)
    onnx_outputs: list[str] = Field(default_factory=list)
    dropped_columns: dict[str, str] = Field(default_factory=dict)  # column -> reason
    parity: CardParity = Field(default_factory=CardParity)
    latency: CardLatency | None = None  # None: an earlier card without latency ({} while it is being measured)
    data_fingerprint: dict[str, Any] = Field(default_factory=dict)  # sha256, n_rows, n_columns_used
    seed: int = 0
    time_budget_s: Number = 0.0
    library_versions: dict[str, str] = Field(default_factory=dict)
    warm_start: dict[str, Any] | None = None
    # families sampled or left out for lack of memory, or sampled for the memory goal (``by_goal``)
    memory: list[dict[str, Any]] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    explanation: dict[str, Any] | None = None
    your_choices: dict[str, Any] | None = None  # kuai.app.services.options.user_choices
    decision_threshold: dict[str, Any] | None = None  # kuai.exporters.threshold.decision_threshold_entry
    timings_s: dict[str, float] | None = None  # search, refit, explain
    limits: CardLimits | None = None
    validation: dict[str, Any] | None = None  # folds, the group or time column and why, in words
    holdout: dict[str, Any] | None = None  # the chosen model's score on rows kept out of the whole search

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelCard:
        """A card as read from ``model_card.json`` (missing keys: their defaults)."""
        return cls.model_validate(data)

    @classmethod
    def read(cls, folder: Path) -> ModelCard:
        """The card in a model folder (``folder/model_card.json``)."""
        return cls.from_dict(json.loads((folder / CARD_FILE).read_text(encoding="utf-8")))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object ``model_card.json`` holds."""
        omitted = {name for name in _ADDED_LATER if getattr(self, name) is None}
        if self.latency is None:
            omitted.add("latency")
        card = self.model_dump(exclude=omitted)
        if self.latency is not None and self.measured_latency is None:
            card["latency"] = {}  # not measured yet
        return card

    @property
    def measured_latency(self) -> CardLatency | None:
        """The latency as measured (None: not measured, or a card from before it was)."""
        latency = self.latency
        return latency if latency is not None and (latency.model_fields_set or latency.model_extra) else None

    @property
    def is_classification(self) -> bool:
        return bool(self.classes)

    @property
    def parity_figure(self) -> float:
        """The parity difference ``kuai train`` reports: absolute for classes, relative for values."""
        return self.parity.figure()

    def with_entries(self, **entries: Any) -> ModelCard:
        """The card with these entries set (as JSON values; typed as on reading)."""
        return ModelCard.from_dict({**self.to_dict(), **entries})
