"""Shared fixtures: the course data folder (skip, or fail under DLSPEC_REQUIRE_DATA=1).

numpy's matrix products run on one OpenBLAS thread (set before numpy is first imported; the
grading workers and other subprocesses inherit it): with two threads on a 2-core machine that
another process keeps busy, OpenBLAS threads spin waiting for each other and the Course 1
trainings ran 5-10 times slower (200 iterations of the L-layer cat model: 47 s against 4 s).
"""

from __future__ import annotations

import gc
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import matplotlib  # noqa: E402
import pytest  # noqa: E402

from dlspec.data.catvnoncat import CATVNONCAT_FILES, flatten_images, load_dataset  # noqa: E402
from dlspec.data.paths import (  # noqa: E402
    DATA_DIR_ENV,
    DataNotFoundError,
    data_path,
    require_data,
)

matplotlib.use("Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pytest_runtest_teardown(item, nextitem):
    """After a test file's last test: collect, then freeze what survives (TensorFlow, Keras,
    session fixtures, the test items) so that the next files' many collections, triggered by
    building models, stop rescanning it: `make test-fast` took 98 s instead of 133 s."""
    if nextitem is None or nextitem.path != item.path:
        gc.collect()
        gc.freeze()


def need_data(*relpaths: str):
    """Return the data paths, or skip (fail with DLSPEC_REQUIRE_DATA=1) when one is missing."""
    try:
        return [data_path(p) for p in relpaths]
    except DataNotFoundError as err:
        if require_data():
            pytest.fail(f"{DATA_DIR_ENV} data required (DLSPEC_REQUIRE_DATA=1): {err}")
        pytest.skip(str(err))


@pytest.fixture
def cat_data():
    """The cat / non-cat arrays of ``load_dataset``."""
    need_data(*CATVNONCAT_FILES.values())
    return load_dataset()


@pytest.fixture(scope="session")
def cat():
    """Cat / non-cat flattened as the course feeds it: (train_x, train_y, test_x, test_y)."""
    need_data(*CATVNONCAT_FILES.values())
    train_x_orig, train_y, test_x_orig, test_y, _ = load_dataset()
    return flatten_images(train_x_orig), train_y, flatten_images(test_x_orig), test_y
