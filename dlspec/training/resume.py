"""What a Trainer does with a checkpoint folder that already holds a run (``--resume``)."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from dlspec.training.checkpointing import CHECKPOINT_NAME, HISTORY_FILE, list_checkpoints

__all__ = ["RESUME_MODES", "checkpoint_root", "default_checkpoint_dir", "prepare_checkpoint_dir"]

RESUME_MODES = ("auto", True, False)

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
