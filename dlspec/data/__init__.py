"""Course data: file resolution, loaders for the course files, tf.data pipelines, generators.

``load_tfds`` (tensorflow-datasets builders of the course files) is imported on first use, so
that ``import dlspec.data`` does not import tensorflow-datasets.
"""

from typing import Any

from dlspec.data.arrays import course_arrays_dataset
from dlspec.data.catvnoncat import catvnoncat_tf_dataset, flatten_images
from dlspec.data.catvnoncat import load_dataset as load_catvnoncat
from dlspec.data.check import DataReport, check_data, format_report
from dlspec.data.paths import (
    CorruptDataError,
    DataNotFoundError,
    data_dir,
    data_path,
    require_data,
)
from dlspec.data.planar import load_planar_dataset, make_planar_flower
from dlspec.data.signs import SignsSplit, load_signs, load_signs_dataset, signs_tf_dataset

__all__ = [
    "CorruptDataError",
    "DataNotFoundError",
    "DataReport",
    "SignsSplit",
    "catvnoncat_tf_dataset",
    "course_arrays_dataset",
    "check_data",
    "data_dir",
    "data_path",
    "flatten_images",
    "format_report",
    "load_catvnoncat",
    "load_planar_dataset",
    "load_signs",
    "load_signs_dataset",
    "load_tfds",
    "make_planar_flower",
    "require_data",
    "signs_tf_dataset",
]


def __getattr__(name: str) -> Any:
    if name == "load_tfds":
        # lazy: tensorflow-datasets (and TensorFlow) load only when load_tfds is first used
        from dlspec.data.tfds_load import load_tfds

        return load_tfds
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
