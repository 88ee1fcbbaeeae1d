"""What a Trainer does with a checkpoint folder that already holds a run (``--resume``)."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import socket
import warnings
from collections.abc import Iterator
from pathlib import Path

from dlspec.training.checkpointing import CHECKPOINT_NAME, HISTORY_FILE, list_checkpoints

__all__ = [
    "LOCK_FILE",
    "RESUME_MODES",
    "check_checkpoint_dir",
    "checkpoint_root",
    "default_checkpoint_dir",
    "lock_run_folder",
    "prepare_checkpoint_dir",
]

RESUME_MODES = ("auto", True, False)
LOCK_FILE = ".dlspec-lock"
_HELD: set[Path] = set()  # lock files this process holds, removed when it exits

_ROOTS: list[dict] = []


@contextlib.contextmanager
def checkpoint_root(path: str | os.PathLike) -> Iterator[Path]:
    """Checkpoint every Trainer created in the block under ``path/run-1``, ``path/run-2``, ...

    Trainers without their own ``checkpoint_dir`` get the next folder in creation order, so
    rerunning the same code (e.g. ``dlspec run LAB --resume`` after a kill) finds each
    training's checkpoint again: finished trainings restore instead of retraining, the
    interrupted one carries on.

    Example:
        >>> with checkpoint_root("reports/c1w2-logreg/checkpoints"):  # doctest: +SKIP
        ...     lab.run()
    """
    _ROOTS.append({"root": Path(path), "count": 0})
    try:
        yield Path(path)
    finally:
        _ROOTS.pop()


def default_checkpoint_dir() -> Path | None:
    """The next folder of the innermost :func:`checkpoint_root`, or ``None`` outside one."""
    if not _ROOTS:
        return None
    state = _ROOTS[-1]
    state["count"] += 1
    return state["root"] / f"run-{state['count']}"


def check_checkpoint_dir(directory: str | os.PathLike) -> Path:
    """Check, before any work, that ``directory`` is (or can become) a writable folder.

    Raises:
        NotADirectoryError: ``directory``, or a folder above it, is a file.
        PermissionError: the folder (or the nearest existing one above it) is not writable.

    Example:
        >>> check_checkpoint_dir("runs/new-run")  # doctest: +SKIP
        PosixPath('runs/new-run')
    """
    directory = Path(directory)
    existing = directory
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise NotADirectoryError(
            f"checkpoint_dir {directory}: {existing} is a file, not a folder. Choose another "
            "checkpoint_dir, or move the file away."
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PermissionError(
            f"checkpoint_dir {directory}: cannot write into {existing} (read-only). Choose a "
            "folder you can write to, or fix its permissions (chmod u+w)."
        )
    return directory


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _release_held() -> None:
    for path in list(_HELD):
        with contextlib.suppress(OSError):
            if json.loads(path.read_text("utf-8")).get("pid") == os.getpid():
                path.unlink()


atexit.register(_release_held)


def lock_run_folder(directory: str | os.PathLike) -> Path:
    """Make this process the one owner of the run folder ``directory``; return the lock file.

    The lock file ``.dlspec-lock`` holds the owner's PID and host, and is removed when the
    process exits. Several Trainers of one process may share the folder (re-running a notebook
    cell resumes); another live process may not. A lock left by a dead process on this host
    (killed with ``kill -9``) is taken over, with a warning.

    Raises:
        RuntimeError: another live process (or a process on another host) owns the folder.

    Example:
        >>> lock_run_folder("runs/c2w3")  # doctest: +SKIP
        PosixPath('runs/c2w3/.dlspec-lock')
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOCK_FILE
    me = {"pid": os.getpid(), "host": socket.gethostname()}
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            owner = _read_owner(path)
            if owner == me:
                return path
            if owner is not None and owner.get("host") == me["host"]:
                if _alive(int(owner.get("pid", -1))):
                    raise RuntimeError(
                        f"{directory} is in use by another training process (PID "
                        f"{owner['pid']} on {owner['host']}, see {path}). Two runs in one "
                        "checkpoint_dir would overwrite each other's checkpoints: wait for it "
                        "to finish, or use another checkpoint_dir."
                    ) from None
                warnings.warn(
                    f"Taking over {path}: its owner (PID {owner['pid']}) is no longer running.",
                    stacklevel=3,
                )
            elif owner is not None:
                raise RuntimeError(
                    f"{directory} is in use by PID {owner.get('pid')} on host "
                    f"{owner.get('host')} ({path}). If that process is gone, delete {path}; "
                    "otherwise use another checkpoint_dir."
                ) from None
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(me, file)
        _HELD.add(path)
        return path


def _read_owner(path: Path) -> dict | None:
    """The lock file's ``{"pid", "host"}``; ``None`` when unreadable (a half-written lock)."""
    try:
        owner = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return owner if isinstance(owner, dict) else None


def _run_files(directory: Path) -> list[Path]:
    """The files a Trainer writes into ``directory`` (never anything else)."""
    if not directory.is_dir():
        return []
    patterns = ("checkpoint", f"{CHECKPOINT_NAME}-*.index", f"{CHECKPOINT_NAME}-*.data-*")
    files = [p for pattern in patterns for p in directory.glob(pattern)]
    files += [p for p in (directory / HISTORY_FILE,) if p.exists()]
    files += [p for p in directory.glob(".*-tmp") if p.is_dir()]  # non-chief workers' folders
    return sorted(files)


def prepare_checkpoint_dir(
    directory: str | os.PathLike | None,
    *,
    resume: bool | str = "auto",
    overwrite: bool = False,
    chief: bool = True,
) -> bool:
    """Apply the resume rules to ``directory``; return whether to restore its checkpoint.

    ``resume="auto"`` (the default) carries on from the newest checkpoint when there is one and
    starts afresh otherwise, as Keras' ``BackupAndRestore`` does: rerunning a killed script
    resumes it. ``resume=True`` (a CLI's ``--resume``) requires a checkpoint to carry on from.
    ``resume=False`` (or ``overwrite=True``) starts afresh, and is safe by default: a folder
    holding a previous run is refused, unless ``overwrite=True``, which deletes the files a
    Trainer writes there (``checkpoint``, ``ckpt-*``, ``history.json``) and nothing else.

    Args:
        directory: the checkpoint folder (``None``: no checkpoints).
        resume: ``"auto"``, ``True`` or ``False``.
        overwrite: discard a previous run in ``directory`` and start afresh.
        chief: only the chief deletes files (multi-worker training).

    Returns:
        ``True`` when the newest checkpoint in ``directory`` should be restored.

    Raises:
        FileNotFoundError: ``resume=True`` but there is no checkpoint.
        FileExistsError: ``resume=False`` on a folder holding a run, without ``overwrite``.
        ValueError: contradictory options.

    Example:
        >>> prepare_checkpoint_dir(None)
        False
        >>> prepare_checkpoint_dir("runs/new-run", resume=False)  # doctest: +SKIP
        False
    """
    if resume not in RESUME_MODES or not isinstance(overwrite, bool):
        raise ValueError(
            f"resume must be 'auto', True or False and overwrite True or False; got "
            f"resume={resume!r}, overwrite={overwrite!r}."
        )
    if resume is True and overwrite:
        raise ValueError("resume=True and overwrite=True contradict each other; pick one.")
    if directory is None:
        if resume is True:
            raise ValueError("resume=True needs a checkpoint_dir to resume from.")
        return False
    directory = Path(directory)
    checkpoints = list_checkpoints(directory)
    if resume is True:
        if not checkpoints:
            raise FileNotFoundError(
                f"resume=True, but {directory} holds no checkpoint to resume from. Drop "
                "--resume (resume='auto' or False) to start a new run there."
            )
        return True
    if resume == "auto" and not overwrite:
        return bool(checkpoints)
    previous = _run_files(directory)
    if previous and not overwrite:
        names = ", ".join(p.name for p in previous[:4]) + (", ..." if len(previous) > 4 else "")
        raise FileExistsError(
            f"{directory} already holds a training run ({names}). Pass resume=True (--resume) "
            "to carry on from it, overwrite=True (--overwrite) to discard it and start over, "
            "or choose another checkpoint_dir."
        )
    if previous and chief:
        for path in previous:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    return False
