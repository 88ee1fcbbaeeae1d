"""A throwaway place for a submission to run in: ``dlspec grade`` in class mode.

:func:`sandbox` copies the submission's folder (capped in size, so that ``datasets/`` or a
``public_tests.py`` beside the notebook still work) into a fresh temporary directory, gives the
worker its own ``HOME`` and ``TMPDIR``, passes ``DLSPEC_DATA_DIR`` / ``DLSPEC_WEIGHTS_DIR``
explicitly, and on Linux starts the worker in new user and network namespaces
(``unshare --user --net --map-root-user``) when the system allows it without privileges: the
solution sees no network. :attr:`Sandbox.protections` says what was in force; everything the
submission wrote is deleted with the directory.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

__all__ = ["DEFAULT_COPY_LIMIT_MB", "Sandbox", "network_isolation", "sandbox"]

#: the most a submission's folder may weigh to be copied (larger: only the solution file)
DEFAULT_COPY_LIMIT_MB = 200
_UNSHARE = ("unshare", "--user", "--net", "--map-root-user")


@dataclass
class Sandbox:
    """Where one submission runs.

    Attributes:
        root: the temporary directory (deleted afterwards).
        workdir: the copy of the submission's folder (the worker's working directory).
        solution: the submission's file inside ``workdir``.
        env: the variables to add to the worker's environment.
        prefix: the command that wraps the worker (``unshare ...``), or ``[]``.
        protections: ``{protection: "in force" | "not available (why)"}`` for the report.
    """

    root: Path
    workdir: Path
    solution: Path
    env: dict[str, str] = field(default_factory=dict)
    prefix: list[str] = field(default_factory=list)
    protections: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=1)
def network_isolation() -> tuple[list[str], str]:
    """``(prefix, note)``: the ``unshare`` prefix if it works here without privileges.

    Example:
        >>> prefix, note = network_isolation()
        >>> note.startswith(("in force", "not available"))
        True
    """
    exe = shutil.which("unshare")
    if exe is None:
        return [], "not available (no `unshare` command)"
    try:
        probe = subprocess.run([*_UNSHARE, "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as err:
        return [], f"not available ({err})"
    if probe.returncode != 0:
        why = probe.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["refused"]
        return [], f"not available (unprivileged user namespaces: {why[0]})"
    return list(_UNSHARE), "in force (user + network namespace)"


def _folder_size(folder: Path, limit: int) -> int:
    """Bytes of the regular files under ``folder``, counting stops past ``limit``."""
    total = 0
    for dirpath, _, files in os.walk(folder):
        for name in files:
            path = Path(dirpath, name)
            if not path.is_symlink():
                total += path.stat().st_size
            if total > limit:
                return total
    return total


def _copy(folder: Path, solution: Path, target: Path, limit: int) -> str:
    """Copy ``folder`` (symbolic links left out) or, when too large, the solution alone."""
    if _folder_size(folder, limit) <= limit:
        shutil.copytree(
            folder, target, symlinks=True, ignore=shutil.ignore_patterns(".git", "__pycache__")
        )
        for dirpath, dirs, files in os.walk(target):
            for name in dirs + files:  # a link could lead a write out of the sandbox
                path = Path(dirpath, name)
                if path.is_symlink():
                    path.unlink()
        return f"in force (a copy of {folder.name}/)"
    target.mkdir()
    shutil.copy2(solution, target / solution.name)
    return f"in force (only {solution.name}: its folder is over {limit >> 20} MB)"


@contextlib.contextmanager
def sandbox(
    solution: str | os.PathLike, *, copy_limit_mb: int = DEFAULT_COPY_LIMIT_MB
) -> Iterator[Sandbox]:
    """A :class:`Sandbox` for ``solution``, removed with everything in it on exit.

    Example:
        >>> import pathlib, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "sol.py").write_text("x = 1")
        >>> with sandbox(folder / "sol.py") as box:
        ...     box.solution.read_text(), box.env["HOME"].startswith(str(box.root))
        ('x = 1', True)
    """
    path = Path(solution).resolve()
    root = Path(tempfile.mkdtemp(prefix="dlspec-sandbox-"))
    try:
        workdir = root / "work"
        copied = _copy(path.parent, path, workdir, copy_limit_mb << 20)
        home, tmp = root / "home", root / "tmp"
        home.mkdir()
        tmp.mkdir()
        env = {"HOME": str(home), "TMPDIR": str(tmp), "TMP": str(tmp), "TEMP": str(tmp)}
        env.update({"XDG_CACHE_HOME": str(home / ".cache"), "MPLCONFIGDIR": str(tmp)})
        env.update(_course_dirs())
        prefix, network = network_isolation()
        protections = {
            "copy of the submission's folder": copied,
            "own HOME and TMPDIR": "in force",
            "no network": network,
            "process group killed at the end": "in force",
        }
        yield Sandbox(root, workdir, workdir / path.name, env, list(prefix), protections)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _course_dirs() -> dict[str, str]:
    """``DLSPEC_DATA_DIR`` / ``DLSPEC_WEIGHTS_DIR`` as absolute paths, when set here."""
    return {
        name: str(Path(os.environ[name]).expanduser().resolve())
        for name in ("DLSPEC_DATA_DIR", "DLSPEC_WEIGHTS_DIR")
        if os.environ.get(name)
    }
