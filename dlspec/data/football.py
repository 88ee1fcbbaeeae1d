"""The French football data of C2W1A2 "Regularization" (``data.mat``): where the goalkeeper
should kick so that a French player hits the ball with his head.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlspec.data.paths import CorruptDataError, DataNotFoundError, data_path

__all__ = ["FOOTBALL_FILE", "load_2D_dataset"]

FOOTBALL_FILE = "course2/regularization/data.mat"

# variable name in data.mat → expected shape (rows are examples)
_VARIABLES = {"X": (211, 2), "y": (211, 1), "Xval": (200, 2), "yval": (200, 1)}


def _read(path: Path) -> dict[str, np.ndarray]:
    import scipy.io

    try:
        data = scipy.io.loadmat(path)
    except Exception as err:  # scipy raises ValueError, TypeError, OSError... on a bad file
        raise CorruptDataError(
            f"Cannot read {path} as a MATLAB .mat file ({type(err).__name__}: {err}). The file "
            "is probably truncated or corrupt: copy it again from the course data and run "
            "`dlspec data check`."
        ) from err
    missing = [k for k in _VARIABLES if k not in data]
    if missing:
        found = sorted(k for k in data if not k.startswith("__"))
        raise CorruptDataError(
            f"{path} lacks the variable(s) {missing}; it has {found}. Replace it with the "
            "course's original data.mat (`dlspec data check` verifies checksums)."
        )
    for key, shape in _VARIABLES.items():
        if data[key].shape != shape:
            raise CorruptDataError(
                f"{path}: variable {key!r} has shape {data[key].shape}, expected {shape}. "
                "Replace it with the course's original data.mat."
            )
    return data


def load_2D_dataset(path: str | Path | None = None):
    """The course's ``reg_utils.load_2D_dataset``: positions on the field and who headed it.

    Args:
        path: a ``data.mat`` to read instead of ``$DLSPEC_DATA_DIR/course2/regularization/``.

    Returns:
        ``(train_X (2, 211), train_Y (1, 211), test_X (2, 200), test_Y (1, 200))``: ``X`` are
        float64 positions, ``Y`` uint8 labels (1: a French player headed the ball).

    Raises:
        DataNotFoundError: the file is not in the data folder (the message says how to fix it).
        CorruptDataError: the file cannot be read as the course's ``data.mat``.

    Example:
        >>> train_X, train_Y, test_X, test_Y = load_2D_dataset()  # doctest: +SKIP
        >>> train_X.shape, test_X.shape  # doctest: +SKIP
        ((2, 211), (2, 200))
    """
    if path is None:
        path = data_path(FOOTBALL_FILE)
    elif not Path(path).exists():
        raise DataNotFoundError(f"Course data file not found: {path} (the path argument).")
    data = _read(Path(path))
    return data["X"].T, data["y"].T, data["Xval"].T, data["yval"].T
