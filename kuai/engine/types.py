"""Frozen data types that cross module and layer boundaries.

Plain dataclasses and ``StrEnum``s only: no pandas objects live in the
``*Profile``/``*Spec`` records, so they serialise to JSON and travel between
the engine, the worker process, storage and the web app unchanged.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any


class ColumnType(enum.StrEnum):
    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    TEXT = "text"
    ID = "id"
    CONSTANT = "constant"

    @property
    def is_feature(self) -> bool:
        """Whether the fixed-shape pipeline uses columns of this type as features."""
        return self in _FEATURE_TYPES

    @property
    def is_string(self) -> bool:
        """The model reads columns of this type as text (a category or free text: an ONNX string input)."""
        return self in _STRING_TYPES


_FEATURE_TYPES = {ColumnType.NUMERIC, ColumnType.CATEGORICAL, ColumnType.BOOLEAN, ColumnType.DATETIME,
                  ColumnType.TEXT}
_STRING_TYPES = {ColumnType.CATEGORICAL, ColumnType.BOOLEAN, ColumnType.TEXT}


class TaskType(enum.StrEnum):
    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"

    @property
    def is_classification(self) -> bool:
        return self is not TaskType.REGRESSION


class Severity(enum.StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    type: ColumnType
    reason: str
    missing_fraction: float
    n_unique: int
    examples: tuple[str, ...] = ()
    # numeric summary, when the column is numeric-like
    minimum: float | None = None
    maximum: float | None = None
    mean: float | None = None
    # dates written as text: the one format they are read with (kuai.engine.read.dates), and whether the order is a
    # guess
    date_format: str = ""
    date_order_guessed: bool = False


@dataclass(frozen=True)
class GroupSuggestion:
    """The column whose rows belong to one entity, how they repeat, and why Kuai keeps each entity in one fold."""

    column: str
    n_groups: int
    repeated_share: float  # share of the rows whose value is on other rows too
    median_rows: float  # rows per entity, the median
    reason: str
    others: tuple[str, ...] = ()  # other columns that could group the rows


@dataclass(frozen=True)
class HoldoutScore:
    """The chosen model's score on rows kept out of the whole search (``kuai.engine.data.holdout``)."""

    n_rows: int
    score: float  # NaN when the metric cannot be computed on these rows (one class only)
    how: str  # how the rows were drawn, in words
    note: str = ""


@dataclass(frozen=True)
class TargetSuggestion:
    """The column Kuai would predict, the runners-up, and why (``candidate_reasons[i]`` explains ``candidates[i]``)."""

    suggested: str | None
    candidates: tuple[str, ...]
    reason: str
    candidate_reasons: tuple[str, ...] = ()


class FixAction(enum.StrEnum):
    """A fix the UI or CLI can apply with one click; ``CheckFix`` says to what."""

    EXCLUDE_COLUMN = "exclude_column"  # build_task_spec(excluded=columns)
    DROP_DUPLICATE_ROWS = "drop_duplicate_rows"  # apply_row_fixes
    DROP_MISSING_TARGET_ROWS = "drop_missing_target_rows"  # apply_row_fixes
    MERGE_RARE_CLASSES = "merge_rare_classes"  # apply_row_fixes: values into a neighbour or 'other'
    DROP_RARE_CLASS_ROWS = "drop_rare_class_rows"  # apply_row_fixes: rows whose class is in values
    SAMPLE_ROWS = "sample_rows"  # apply_row_fixes: a seeded random sample of n_rows
    CHANGE_TARGET = "change_target"  # choose columns[0] as the target (or let the user pick when empty)
    SET_FOLDS = "set_folds"  # build_task_spec(n_folds=amount)

    @property
    def is_row_fix(self) -> bool:
        """Whether ``apply_row_fixes`` applies it to the rows (the rest change the task spec)."""
        return self in _ROW_FIXES


_ROW_FIXES = {FixAction.DROP_DUPLICATE_ROWS, FixAction.DROP_MISSING_TARGET_ROWS, FixAction.MERGE_RARE_CLASSES,
              FixAction.DROP_RARE_CLASS_ROWS, FixAction.SAMPLE_ROWS}


@dataclass(frozen=True)
class CheckFix:
    """A machine-readable fix with the label for its button.

    ``columns``: the columns it acts on; ``values``: class labels (rare classes), or the task (rows without a
    target: 'regression' also drops targets that are not finite float32 numbers, ``kuai.engine.data.target_rows``);
    ``amount``: a count (rows to keep, folds to use).
    """

    action: FixAction
    label: str
    columns: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    amount: int | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckFix:
        """Back from ``to_jsonable`` (e.g. after crossing to the worker process)."""
        return cls(action=FixAction(data["action"]), label=str(data.get("label", "")),
                   columns=tuple(data.get("columns") or ()), values=tuple(data.get("values") or ()),
                   amount=None if data.get("amount") is None else int(data["amount"]))


@dataclass(frozen=True)
class CheckResult:
    """One pre-flight finding: ``column`` is the main column, ``columns`` every column involved."""

    code: str
    column: str | None
    message: str
    action: str
    severity: Severity = Severity.WARNING
    fix: CheckFix | None = None
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResourceEstimate:
    """Rough peak memory and time of training against what the machine has."""

    peak_memory_mb: float
    available_memory_mb: float
    seconds_per_model: float  # one model of the first family, all folds
    time_budget_s: float
    n_cpus: int
    heaviest_family: str
    reason: str


@dataclass(frozen=True)
class DatasetProfile:
    n_rows: int
    n_columns: int
    columns: tuple[ColumnProfile, ...]
    target: TargetSuggestion
    task: TaskType | None
    task_reason: str
    metric: str | None
    metric_reason: str
    warnings: tuple[CheckResult, ...] = ()
    n_folds: int = 5
    validation_reason: str = ""
    resources: ResourceEstimate | None = None
    group: GroupSuggestion | None = None  # the column whose rows belong to one entity (kuai.engine.data.groups)
    time_candidate: str | None = None  # a date column over a long period: offered to validate forward in time
    notes: tuple[str, ...] = ()  # what profiling capped (a wide table: the columns typed by rule)

    def column(self, name: str) -> ColumnProfile:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        jsonable: dict[str, Any] = to_jsonable(self)
        return jsonable


@dataclass(frozen=True)
class InputColumn:
    """One raw column the model takes, its safe internal name and the model inputs it feeds."""

    name: str
    safe_name: str
    type: ColumnType
    model_inputs: tuple[str, ...]
    categories: tuple[str, ...] = ()  # categories seen in training (categorical/boolean)
    date_format: str = ""  # datetime: how its text is read (read.dates); "" value by value (models before formats)
    terms: int = 0  # text: the words found in two or more of the training rows (at most text.MAX_TERMS)
    grams: int = 0  # text: the most character grams its models may read (text.choose_grams; the search takes a share)

    @property
    def is_string(self) -> bool:
        """The model reads the column as text (a category or free text), not as numbers."""
        return self.type.is_string

    @property
    def is_text(self) -> bool:
        """Free text: the model reads its words (``kuai.engine.models.text``), not its values as categories."""
        return self.type is ColumnType.TEXT


@dataclass(frozen=True)
class TaskSpec:
    """What to learn: the target, the task, the metric and the features used."""

    target: str
    task: TaskType
    metric: str
    features: tuple[str, ...]
    feature_types: dict[str, ColumnType]
    dropped: dict[str, str] = field(default_factory=dict)  # column -> reason
    classes: tuple[str, ...] = ()  # class labels as strings, in model index order
    n_folds: int = 5
    seed: int = 0
    class_weight: str = ""  # "balanced": each class weighs as much in training as the others (rare rows count more)
    date_formats: dict[str, str] = field(default_factory=dict)  # datetime feature -> its format (read.dates)
    label_variants: dict[str, str] = field(default_factory=dict)  # target spelling -> its class ('Yes' -> 'yes')
    notes: tuple[str, ...] = ()  # what Kuai decided about the data for this spec, in plain words (shown to the user)
    group: str = ""  # the column whose rows stay in one fold (kuai.engine.data.groups); "": rows are folded one by one
    group_reason: str = ""  # why, in plain words
    folds_reason: str = ""  # why ``n_folds`` folds (data.task.build_task_spec); "": not known (changed since)
    time: str = ""  # the column the folds follow forward in time (kuai.engine.data.time_order); "": none
    time_reason: str = ""
    holdout: float = 0.0  # the share of the rows kept out of the whole search, scored at the end (data.holdout)


@dataclass(frozen=True)
class Limits:
    """What the exported model may cost (expert mode); None: no limit."""

    max_ms_per_row: float | None = None  # prediction time per row, in a batch
    max_size_mb: float | None = None  # the ONNX file

    @property
    def any(self) -> bool:
        return self.max_ms_per_row is not None or self.max_size_mb is not None

    def text(self) -> str:
        parts = ([f"{self.max_ms_per_row:g} ms a row"] if self.max_ms_per_row is not None else []) + \
            ([f"{self.max_size_mb:g} MB"] if self.max_size_mb is not None else [])
        return " and ".join(parts)


@dataclass(frozen=True)
class SearchBudget:
    time_budget_s: float
    max_trials: int | None = None
    families: tuple[str, ...] = ()  # empty: the default ones (``default_order()``)
    limits: Limits = field(default_factory=Limits)  # on the exported model's prediction time and size

    def __post_init__(self) -> None:  # a NaN or endless budget would search for ever: refused (BAD_TIME_BUDGET)
        from kuai.engine.data.option_checks import check_limits, check_time_budget

        check_time_budget(self.time_budget_s)
        check_limits(self.limits)


class TrialState(enum.StrEnum):
    """How a trial of the search ended (Optuna's COMPLETE, PRUNED; FAIL and anything else is FAILED)."""

    COMPLETE = "complete"
    PRUNED = "pruned"  # stopped early: weaker than the median trial, out of time or memory
    FAILED = "failed"


@dataclass(frozen=True)
class TrialRecord:
    number: int
    family: str
    params: dict[str, Any]
    score: float | None
    score_std: float | None
    fit_time_s: float
    predict_ms_per_1000_rows: float
    state: TrialState
    message: str = ""
    best_iterations: list[int] = field(default_factory=list)  # per fold, for boosters that stopped early
    row_fraction: float = 1.0  # the share of the training rows it trained on (memory pre-flight, or time: fidelity)
    size_kb: float | None = None  # its first fold's fitted model, serialised

    def __post_init__(self) -> None:  # "complete" as read back from JSON is TrialState.COMPLETE
        object.__setattr__(self, "state", TrialState(self.state))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrialRecord:
        """Back from ``to_jsonable`` (``trials.json``; a progress event's trial); keys a later version added are
        ignored, and those an earlier one lacked get their defaults."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class LeaderboardEntry:
    rank: int
    model: str
    family: str
    score: float
    score_std: float
    fit_time_s: float
    predict_ms_per_1000_rows: float
    params: dict[str, Any]
    is_ensemble: bool = False
    members: dict[str, float] = field(default_factory=dict)  # model name -> weight
    size_kb: float | None = None
    row_fraction: float = 1.0  # the share of the training rows it trained on (memory pre-flight, or time: fidelity)


@dataclass(frozen=True)
class ProgressEvent:
    stage: str  # reading | profiling | search | trial | ensemble | refit | explain | export | done
    message: str
    fraction: float  # overall progress 0..1
    elapsed_s: float
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Explanation:
    """SHAP values folded back onto the user's original columns."""

    columns: tuple[str, ...]
    importance: dict[str, float]  # mean |SHAP| per original column
    sample_values: list[list[float]]  # rows x columns of the explained sample
    base_values: list[float]  # the model's expected output, per explained row
    sample_index: list[int]  # row positions in the training frame
    explained_class: list[str]  # per row: the class explained ("" for regression)
    explained_model: str
    output_space: str  # e.g. "log-odds" or "predicted value"
    method: str  # e.g. "shap.TreeExplainer"
    note: str = ""
    sample_data: list[list[float | str | None]] = field(default_factory=list)  # rows x columns: the values
    n_rows: int = 0  # rows the sample was drawn from
    permutation_importance: dict[str, float] = field(default_factory=dict)  # mean score loss when shuffled
    permutation_std: dict[str, float] = field(default_factory=dict)
    permutation_note: str = ""
    # per text column, the words that move the prediction most: (term, mean SHAP value in the rows
    # that hold it, for the class each row is explained for), the largest effect first
    words: dict[str, list[tuple[str, float]]] = field(default_factory=dict)


def to_jsonable(value: Any) -> Any:
    """Dataclasses, enums, tuples and numpy scalars to plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return value.item()
    return value
