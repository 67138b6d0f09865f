"""Kuai's engine: reading, profiling, task detection, search, ensembling, explanation.

Pure Python over pandas and the model libraries; it imports nothing of the app,
storage or exporters, reports progress through a callback and stops on request.
"""

import os

# Two OpenMP runtimes live in one process (scikit-learn's bundled one and the one
# LightGBM links); spinning threads of one starve the other on a 2-core machine.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from engine.atomic import atomic_path, write_atomically
from engine.automl import (
    Prepared,
    TrainingResult,
    encode_target,
    finish_phase,
    prepare,
    refit_model,
    result_for_model,
    search_phase,
    train,
)
from engine.cells import MAX_LABEL_CHARS, clip
from engine.errors import (
    DISK_FULL_MESSAGE,
    BudgetError,
    CancelledError,
    EngineError,
    ReadError,
    SchemaError,
    TargetError,
    full_disk_path,
    is_disk_full,
)
from engine.evaluation import (
    best_threshold,
    confusion_at,
    evaluate,
    evaluation_from_dict,
    threshold_choice,
    threshold_choice_from_dict,
)
from engine.experience import DataTraits, PastRun, best_configs, past_run_from_dict
from engine.explain_step import explain_pending
from engine.fingerprint import data_fingerprint, short_fingerprint
from engine.fixes import FixPlan, apply_row_fixes, fix_plan
from engine.io import Dialect, read_table, read_table_with_dialect
from engine.labels import LabelVariants, merge_label_variants
from engine.limits import LimitsOutcome, pareto_front
from engine.metrics import get_metric, score
from engine.preprocessing import build_input_schema, to_model_frame, unseen_categories
from engine.profile import profile_dataset
from engine.search import SearchResult, collect_trials, make_folds
from engine.stacking import STACK_NAME
from engine.summary import caveats, plain_summary, recommendation, with_model_labels
from engine.target import resolve_target, target_reference, without_duplicate_names
from engine.task import build_task_spec, choose_validation, class_label
from engine.trials import rank_key
from engine.types import (
    CheckFix,
    CheckResult,
    ColumnProfile,
    ColumnType,
    DatasetProfile,
    Evaluation,
    Explanation,
    FixAction,
    InputColumn,
    LeaderboardEntry,
    Limits,
    ProgressEvent,
    ResourceEstimate,
    SearchBudget,
    TaskSpec,
    TaskType,
    ThresholdChoice,
    TrialRecord,
    to_jsonable,
)
from engine.unreadable import UnreadableValues, unreadable_values

__all__ = [
    "BudgetError", "CancelledError", "CheckFix", "CheckResult", "Dialect", "FixAction", "FixPlan", "ResourceEstimate",
    "apply_row_fixes", "choose_validation", "fix_plan", "ColumnProfile", "ColumnType", "DatasetProfile",
    "EngineError", "Explanation", "InputColumn", "LeaderboardEntry", "Limits", "LimitsOutcome",
    "pareto_front", "DataTraits", "PastRun", "best_configs", "past_run_from_dict", "ProgressEvent", "ReadError",
    "SchemaError", "SearchBudget", "TargetError", "TaskSpec", "TaskType", "TrainingResult", "TrialRecord",
    "build_input_schema", "build_task_spec", "class_label", "encode_target", "get_metric", "plain_summary",
    "caveats", "recommendation", "with_model_labels", "Prepared", "prepare", "refit_model", "result_for_model",
    "unseen_categories", "rank_key",
    "profile_dataset", "DISK_FULL_MESSAGE", "full_disk_path", "is_disk_full", "SearchResult", "collect_trials",
    "finish_phase", "STACK_NAME", "explain_pending",
    "make_folds", "search_phase",
    "read_table", "read_table_with_dialect", "score", "to_jsonable", "to_model_frame", "train",
    "Evaluation", "ThresholdChoice", "best_threshold", "confusion_at", "evaluate", "evaluation_from_dict",
    "threshold_choice", "threshold_choice_from_dict", "data_fingerprint", "short_fingerprint",
    "MAX_LABEL_CHARS", "clip", "atomic_path", "write_atomically",
    "UnreadableValues", "unreadable_values",
    "LabelVariants", "merge_label_variants", "resolve_target", "target_reference", "without_duplicate_names",
]
