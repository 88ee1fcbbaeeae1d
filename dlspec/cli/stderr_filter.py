"""Drop TensorFlow's start-up log lines from the ``dlspec`` command's stderr.

TensorFlow's C++ runtime writes lines such as ``oneDNN custom operations are on`` and absl's
``All log messages before absl::InitializeLog() is called are written to STDERR`` straight to
file descriptor 2, before and regardless of ``TF_CPP_MIN_LOG_LEVEL``. :func:`filtered_stderr`
points fd 2 at a pipe whose reader thread copies every line to the real stderr except those
matching :data:`NOISE`. Nothing about TensorFlow changes (oneDNN stays on, numerics are the
same); ``DLSPEC_RAW_STDERR=1`` turns the filter off.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from collections.abc import Iterator

__all__ = ["NOISE", "RAW_STDERR_ENV", "filtered_stderr", "is_noise"]

RAW_STDERR_ENV = "DLSPEC_RAW_STDERR"

_GLOG = r"^[IWE]\d{4} [\d:.]+\s+\d+ \w+\.cc:\d+\] "
#: start-up lines of TensorFlow / absl / XLA that say nothing about the user's run
NOISE = re.compile(
    "|".join(
        (
            r"^WARNING: All log messages before absl::InitializeLog\(\) is called are written",
            _GLOG + r"oneDNN custom operations are on",
            _GLOG + r"(This TensorFlow binary is optimized|TF-TRT Warning|"
            r"Could not find cuda drivers|Unable to register cu\w+ factory|"
            r"computation placer already registered|failed call to cuInit)",
            r"^\d{4}-\d\d-\d\d [\d:.]+: I tensorflow/\S+(cpu_feature_guard|port)\.cc",
            r"^To enable the following instructions: .* rebuild TensorFlow",
        )
    )
)


def is_noise(line: str) -> bool:
    """True for a TensorFlow start-up log line that the filter drops.

    Example:
        >>> is_noise("I0000 00:00:1.2   12 port.cc:153] oneDNN custom operations are on. ...")
        True
        >>> is_noise("Traceback (most recent call last):")
        False
    """
    return NOISE.search(line) is not None


def _pump(read_fd: int, write_fd: int) -> None:
    """Copy lines from ``read_fd`` to ``write_fd`` until EOF, dropping the noise."""
    pending = b""
    with contextlib.suppress(OSError):
        while chunk := os.read(read_fd, 65536):
            pending += chunk
            *lines, pending = re.split(rb"(?<=[\r\n])", pending)
            kept = b"".join(ln for ln in lines if not is_noise(ln.decode("utf-8", "replace")))
            if kept:
                os.write(write_fd, kept)
        if pending:
            os.write(write_fd, pending)
    os.close(read_fd)


@contextlib.contextmanager
def filtered_stderr() -> Iterator[None]:
    """Filter fd 2 (see the module docstring) while the block runs.

    Example:
        >>> with filtered_stderr():
        ...     print("kept", file=sys.stderr)  # doctest: +SKIP
    """
    if os.environ.get(RAW_STDERR_ENV, "").strip() in {"1", "true", "yes"}:
        yield
        return
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 (a detached process): nothing to filter
        yield
        return
    read_fd, write_fd = os.pipe()
    sys.stderr.flush()
    os.dup2(write_fd, 2)
    os.close(write_fd)
    pump = threading.Thread(target=_pump, args=(read_fd, saved), daemon=True)
    pump.start()
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os.dup2(saved, 2)  # closes the pipe's write end: the pump reads EOF and stops
        pump.join(timeout=2)
        if not pump.is_alive():
            os.close(saved)
