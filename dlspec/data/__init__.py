"""Course data: file resolution, loaders for the course files, tf.data pipelines, generators.

Importing it registers dlspec's tensorflow-datasets builders of the course files (``dlspec_signs``,
...): at once if tensorflow-datasets is already imported, else the moment it is; neither
TensorFlow nor tensorflow-datasets is imported for this.
"""

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
from dlspec.data.tfds_load import load_tfds, register_with_tfds

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


register_with_tfds()
