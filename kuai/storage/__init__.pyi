"""What ``storage`` exports: read by ``lazy_loader`` at run time (each name is imported on first use) and by type
checkers. Add a name here, not in ``__init__.py``."""

from .choices import DatasetChoices, load_choices, save_choices, update_choices
from .datasets import (
    DatasetRecord,
    copy_samples,
    get_dataset,
    list_datasets,
    store_dataset,
    store_dataset_file,
)
from .experience import load_experience, record_experience
from .home import HomeError, home_dir, inside_home, mlflow_uri, optuna_storage_url, unusable_home
from .output_folder import (
    KUAI_OUTPUTS,
    STUDY_FILE,
    OutputFolder,
    OutputFolderError,
    claim_output_folder,
    folder_study_url,
    is_kuai_output,
    is_run_folder,
)
from .run_record import RunConfig, RunRecord, RunStatus, RunSummary
from .runs import (
    append_event,
    create_run,
    list_runs,
    load_run,
    read_events,
    refresh_status,
    refresh_tracking,
    run_dir,
    update_run,
)
from .settings import SETTINGS, SettingError, check_settings, memory_setting, seconds_setting, text_setting
from .shared import SharedFolder, file_sha256
from .sidecar import TrackingSidecar, tracking_environment
from .spool import ModelEntry, SignatureColumn, Spool, read_spool
from .studies import (
    StudyError,
    StudySchema,
    StudySummary,
    beat_claim,
    claim_finish,
    claim_owner,
    is_storage_error,
    list_studies,
    patiently,
    redact,
    schema_in_background,
    study_storage,
    valid_study_name,
    worker_id,
)
from .tracking import (
    log_spool,
    read_receipt,
    replay_pending,
    safe_key,
    write_spool,
)
from .trial_store import TrialStore

__all__ = [
    "DatasetRecord", "RunRecord", "TrackingSidecar", "TrialStore", "append_event", "copy_samples", "create_run",
    "get_dataset", "home_dir", "inside_home", "list_datasets", "list_runs", "load_run", "log_spool",
    "mlflow_uri", "optuna_storage_url", "read_events", "read_receipt", "refresh_status", "replay_pending",
    "run_dir", "safe_key", "store_dataset", "store_dataset_file", "update_run", "write_spool",
    "SharedFolder", "StudyError", "StudySummary", "beat_claim", "claim_finish", "claim_owner", "file_sha256",
    "is_storage_error", "list_studies", "patiently", "redact", "study_storage", "valid_study_name", "worker_id",
    "schema_in_background", "StudySchema", "STUDY_FILE", "folder_study_url",
    "load_experience", "record_experience", "KUAI_OUTPUTS", "OutputFolder", "OutputFolderError",
    "claim_output_folder", "is_kuai_output", "is_run_folder", "refresh_tracking", "tracking_environment",
    "DatasetChoices", "load_choices", "save_choices", "update_choices",
    "HomeError", "unusable_home", "SETTINGS", "SettingError", "check_settings", "memory_setting", "seconds_setting",
    "text_setting", "ModelEntry", "SignatureColumn", "Spool", "read_spool", "RunConfig", "RunStatus", "RunSummary",
]
