"""Evaluation data: the frozen values computed from out-of-fold predictions (``kuai.engine.report.evaluation``)
that the Results page, the report and the threshold tools draw."""

from __future__ import annotations

from dataclasses import dataclass, field

from kuai.engine.types import TaskType


@dataclass(frozen=True)
class Curve:
    """One curve of out-of-fold predictions for one class: ROC, precision–recall or calibration."""

    label: str  # the class the curve is for
    x: list[float]
    y: list[float]
    area: float | None = None  # ROC AUC or average precision
    counts: list[int] = field(default_factory=list)  # calibration: rows per bin


@dataclass(frozen=True)
class ConfusionMatrix:
    labels: tuple[str, ...]
    counts: list[list[int]]  # actual (rows) x predicted (columns)

    def rates(self) -> list[list[float]]:
        """Each actual class's row as shares of that class (recall on the diagonal)."""
        return [[c / max(1, sum(row)) for c in row] for row in self.counts]


@dataclass(frozen=True)
class ThresholdTable:
    """Binary: the confusion matrix when rows with P(positive) >= threshold are called positive."""

    positive_class: str
    negative_class: str
    thresholds: list[float]
    true_positives: list[int]
    false_positives: list[int]
    false_negatives: list[int]
    true_negatives: list[int]


@dataclass(frozen=True)
class SegmentError:
    """How wrong the out-of-fold predictions are on one segment of one column."""

    segment: str
    n_rows: int
    error: float  # mean absolute error (regression) or error rate (classification)
    bias: float | None = None  # regression: mean of predicted - actual


@dataclass(frozen=True)
class Evaluation:
    """Plain evaluation data from out-of-fold predictions, stored with the run."""

    task: TaskType
    n_rows: int
    error_name: str  # what SegmentError.error measures
    confusion: ConfusionMatrix | None = None
    roc: list[Curve] = field(default_factory=list)
    precision_recall: list[Curve] = field(default_factory=list)
    calibration: list[Curve] = field(default_factory=list)
    thresholds: ThresholdTable | None = None
    actual: list[float] = field(default_factory=list)  # regression: a sample of rows
    predicted: list[float] = field(default_factory=list)
    segments: dict[str, list[SegmentError]] = field(default_factory=dict)  # column -> segments
    segments_note: str = ""  # which columns the segments cover, when not all of them


@dataclass(frozen=True)
class ThresholdChoice:
    """The decision threshold of a binary model: P(positive) >= threshold is called positive."""

    threshold: float
    positive_class: str
    source: str  # default | costs | chosen
    cost_false_positive: float | None = None
    cost_false_negative: float | None = None
    precision: float | None = None
    recall: float | None = None
    expected_cost: float | None = None  # per row, on the out-of-fold predictions
    confusion: tuple[int, int, int, int] | None = None  # true/false positives, false/true negatives, out-of-fold
