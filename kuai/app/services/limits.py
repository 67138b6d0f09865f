"""Memory limits: for the processes that train (the app's worker, `kuai train`, `kuai worker`), and for the children
that handle untrusted input (the isolated reader, the scoring sandbox).

With an address-space limit, a model that would not fit raises ``MemoryError`` inside its
trial instead of waking the kernel's OOM killer, which may pick the app's server; the
search fails that trial alone and goes on (Optuna's ``catch``). The default is 80 % of
the machine's physical memory; ``KUAI_WORKER_MEMORY_MB`` sets it (0: no limit).
"""

from __future__ import annotations

import logging
import os
import resource
from pathlib import Path

from kuai.storage import SETTINGS, memory_setting

logger = logging.getLogger(__name__)
DEFAULT_SHARE = 0.8
MIN_LIMIT_MB = int(SETTINGS["KUAI_WORKER_MEMORY_MB"].least)  # below this a training cannot start (a smaller setting
# is refused, kuai.storage.settings)


def physical_memory_mb() -> float:
    """The machine's memory, or the container's (cgroup v2 ``memory.max``, v1 ``limit_in_bytes``) if smaller."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < total:
            total = int(text)
    return total / 2**20


def prepare_training_process() -> None:
    """What a process that trains or exports sets first: the memory limit, one glibc heap for all its threads
    (``kuai.engine.search.memory.limit_heap_arenas``), small arenas for CatBoost's allocator
    (``small_catboost_arenas``) and
    Optuna's messages to the log."""
    from kuai.engine.search.memory import limit_heap_arenas, small_catboost_arenas

    apply_memory_limit()
    limit_heap_arenas()
    small_catboost_arenas()
    quiet_optuna()


def quiet_optuna() -> None:
    """Optuna's messages (a failed trial's traceback among them) go to Kuai's log file, not to the terminal."""
    import optuna

    optuna.logging.disable_default_handler()
    optuna.logging.enable_propagation()


def child_memory_mb(variable: str, default_mb: float) -> int | None:
    """A child process's address-space limit in MB: ``variable``'s value if set (0: no limit; checked by
    ``kuai.storage.settings``, an unusable value is refused), else ``default_mb`` but at most the default share of
    physical
    memory."""
    return memory_setting(variable, int(min(DEFAULT_SHARE * physical_memory_mb(), default_mb)))


def limit_child_process(memory_mb: int | None, setting: str) -> None:
    """What a child that handles untrusted input sets first: no core dumps (a crash must not write the user's data
    to disk) and, when given, an address-space limit (from ``setting``)."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if memory_mb:
        apply_memory_limit(memory_mb, setting=setting)


def memory_limit_mb() -> int | None:
    """The limit to apply, from ``KUAI_WORKER_MEMORY_MB`` or the default share of physical memory."""
    return memory_setting("KUAI_WORKER_MEMORY_MB", max(MIN_LIMIT_MB, int(DEFAULT_SHARE * physical_memory_mb())))


_KUAI_LIMIT: dict[str, int] = {}  # the address-space limit Kuai set in this process (bytes), by the setting's name


def apply_memory_limit(limit_mb: int | None = None, *, setting: str = "KUAI_WORKER_MEMORY_MB") -> int | None:
    """Cap this process's address space (never raising a lower limit already set); the limit applied, in MB."""
    limit_mb = memory_limit_mb() if limit_mb is None else limit_mb
    if limit_mb is None:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = limit_mb * 2**20
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft <= wanted:
        return int(soft // 2**20)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    _KUAI_LIMIT.clear()
    _KUAI_LIMIT[setting] = wanted
    logger.info("memory limit: %d MB of address space", wanted // 2**20)
    return int(wanted // 2**20)


def memory_limit_text() -> str:
    """The memory limit a ``MemoryError`` in this process ran into, and how to raise it: Kuai's own (named by its
    setting) or one set outside Kuai (``ulimit -v``, RLIMIT_AS), or none (the machine's memory)."""
    soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    if soft == resource.RLIM_INFINITY:
        return ("more memory than this machine could give (no address-space limit is set). Sample the rows, keep "
                "fewer columns, or use a machine with more memory")
    size = f"{soft / 2**20:,.0f} MB"
    for setting, applied in _KUAI_LIMIT.items():
        if applied == soft:
            given = os.environ.get(setting, "").strip()
            how = f"{setting}={given}" if given else f"{setting} is not set: Kuai's default"
            return (f"more memory than Kuai's limit of {size} for this process ({how}). Sample the rows, keep fewer "
                    f"columns, or raise {setting}")
    return (f"more memory than this process's address-space limit of {size}, set outside Kuai (ulimit -v). Sample "
            "the rows, keep fewer columns, or raise that limit")
