"""What ``engine`` exports: read by ``lazy_loader`` at run time (each name is imported on first use) and by type
checkers. Add a name here, not in ``__init__.py``."""

from .atomic import atomic_path, write_atomically
from .automl import (
    finish_phase,
    refit_model,
    result_for_model,
    search_phase,
    train,
    train_prepared,
)
from .budget import BudgetPlan, plan_budget
from .data.fingerprint import data_fingerprint, short_fingerprint
from .data.fixes import FixPlan, apply_row_fixes, fix_plan
from .data.labels import LabelVariants, merge_label_variants
from .data.option_checks import (
    MAX_SEED,
    MAX_TIME_BUDGET_S,
    check_folds,
    check_limits,
    check_seed,
    check_time_budget,
    check_training_options,
    closest_columns,
)
from .data.profile import profile_dataset
from .data.target import resolve_target, target_reference, without_duplicate_names
from .data.target_rows import TargetRows, target_rows
from .data.task import build_task_spec, choose_validation, class_label
from .errors import (
    DISK_FULL_MESSAGE,
    BudgetError,
    CancelledError,
    EngineError,
    OptionError,
    ReadError,
    RowCountError,
    SchemaError,
    TargetError,
    check_row_count,
    full_disk_path,
    is_disk_full,
    shown_text,
)
from .explain.step import explain_pending
from .metrics import get_metric, score
from .models import FAMILIES, default_order, family_libraries
from .models.labels import family_label, model_label, short_model_label
from .models.preprocessing import build_input_schema, to_model_frame, unseen_categories
from .prepare import encode_target, prepare
from .read import (
    Dialect,
    ReadingOptions,
    describe_reading,
    read_table,
    read_table_for_scoring,
    read_table_with_dialect,
    reading_options,
    require_rows,
)
from .read.cells import MAX_LABEL_CHARS, clip
from .read.unreadable import UnreadableValues, Unusable, unreadable_values
from .report.evaluation import (
    best_threshold,
    confusion_at,
    evaluate,
    evaluation_from_dict,
    threshold_choice,
    threshold_choice_from_dict,
)
from .report.evaluation_data import Evaluation, ThresholdChoice
from .report.summary import caveats, plain_summary, recommendation, with_model_labels
from .results import Prepared, TrainingResult
from .search.folds import folds_in_words, make_folds, validation_reason
from .search.optimize import SearchResult, collect_trials
from .search.trials import rank_key
from .search.warm_start import DataTraits, PastRun, best_configs, past_run_from_dict
from .select.limits import LimitsOutcome, pareto_front
from .select.stacking import STACK_NAME
from .types import (
    CheckFix,
    CheckResult,
    ColumnProfile,
    ColumnType,
    DatasetProfile,
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
    TrialRecord,
    TrialState,
    to_jsonable,
)

__all__ = [
    "BudgetError", "CancelledError", "CheckFix", "CheckResult", "Dialect", "FixAction", "FixPlan", "ResourceEstimate",
    "apply_row_fixes", "choose_validation", "fix_plan", "folds_in_words", "ColumnProfile", "ColumnType",
    "DatasetProfile", "validation_reason",
    "EngineError", "Explanation", "InputColumn", "LeaderboardEntry", "Limits", "LimitsOutcome",
    "pareto_front", "DataTraits", "PastRun", "best_configs", "past_run_from_dict", "ProgressEvent", "ReadError",
    "SchemaError", "SearchBudget", "TargetError", "TaskSpec", "TaskType", "TrainingResult", "TrialRecord", "TrialState",
    "build_input_schema", "build_task_spec", "class_label", "encode_target", "get_metric", "plain_summary",
    "caveats", "recommendation", "with_model_labels", "Prepared", "prepare", "refit_model", "result_for_model",
    "unseen_categories", "rank_key",
    "profile_dataset", "DISK_FULL_MESSAGE", "full_disk_path", "is_disk_full", "shown_text", "SearchResult",
    "collect_trials",
    "finish_phase", "STACK_NAME", "explain_pending",
    "make_folds", "search_phase", "BudgetPlan", "plan_budget",
    "read_table", "read_table_with_dialect", "read_table_for_scoring", "describe_reading", "score", "to_jsonable",
    "ReadingOptions", "reading_options", "require_rows",
    "to_model_frame", "train", "train_prepared",
    "Evaluation", "ThresholdChoice", "best_threshold", "confusion_at", "evaluate", "evaluation_from_dict",
    "threshold_choice", "threshold_choice_from_dict", "data_fingerprint", "short_fingerprint",
    "MAX_LABEL_CHARS", "clip", "atomic_path", "write_atomically",
    "UnreadableValues", "Unusable", "unreadable_values", "TargetRows", "target_rows",
    "LabelVariants", "merge_label_variants", "resolve_target", "target_reference", "without_duplicate_names",
    "RowCountError", "check_row_count",
    "OptionError", "MAX_SEED", "MAX_TIME_BUDGET_S", "check_folds", "check_limits", "check_seed", "check_time_budget",
    "check_training_options", "closest_columns",
    "FAMILIES", "default_order", "family_libraries", "family_label", "model_label", "short_model_label",
]
