"""Reading the course's HDF5 files with errors that name the file."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import h5py
import numpy as np

from dlspec.data.paths import CorruptDataError

__all__ = ["read_h5"]


def read_h5(path: str | Path, keys: Iterable[str]) -> dict[str, np.ndarray]:
    """Read ``keys`` from the HDF5 file at ``path`` into numpy arrays.

    Raises:
        CorruptDataError: the file is not a readable HDF5 file (truncated, overwritten) or
            lacks one of ``keys``.

    Example:
        >>> read_h5(path, ["train_set_x", "train_set_y"])  # doctest: +SKIP
    """
    path = Path(path)
    keys = list(keys)  # iterated twice below: a generator would yield nothing the second time
    try:
        with h5py.File(path, "r") as f:
            missing = [k for k in keys if k not in f]
            if missing:
                raise CorruptDataError(
                    f"{path} lacks the dataset(s) {missing}; it has {sorted(f.keys())}. "
                    "Replace it with the course's original file (`dlspec data check` verifies "
                    "checksums)."
                )
            return {k: f[k][()] for k in keys}
    except CorruptDataError:
        raise
    except (OSError, KeyError, ValueError) as err:
        raise CorruptDataError(
            f"Cannot read {path} as HDF5 ({err}). The file is probably truncated or corrupt: "
            "copy it again from the course data and run `dlspec data check`."
        ) from err
