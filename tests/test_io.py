"""Atomic writes: the file appears whole, with the permissions of an ordinary file."""

import os
import stat

from dlspec.io import atomic_write_text


def test_atomic_write_respects_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        path = atomic_write_text(tmp_path / "history.json", "{}")
    finally:
        os.umask(previous)
    assert path.read_text() == "{}"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
