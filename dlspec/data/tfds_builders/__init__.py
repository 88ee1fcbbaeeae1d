"""dlspec's tensorflow-datasets builders; importing this package registers them with tfds.

Each builder reads course files offline from a manual folder (see
:class:`dlspec.data.tfds_builders.base.DlspecBuilder`); :func:`dlspec.data.tfds_load.load_tfds`
points that folder at ``$DLSPEC_DATA_DIR``. A new course data set adds its module here.

Example:
    >>> import tensorflow_datasets as tfds
    >>> import dlspec.data.tfds_builders
    >>> tfds.builder("catvnoncat").info.features["label"].names
    ['non-cat', 'cat']
"""

from dlspec.data.tfds_builders.catvnoncat import Catvnoncat

__all__ = ["Catvnoncat"]
