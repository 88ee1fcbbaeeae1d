"""dlspec's tensorflow-datasets builders; importing this package registers them with tfds.

One builder per course data set of the data layout (``dlspec data layout``), each reading the
course files offline from ``$DLSPEC_DATA_DIR`` with dlspec's own loaders:

=====================  =========================================  ============================
name                   what                                       splits (course data)
=====================  =========================================  ============================
dlspec_catvnoncat      cat / non-cat 64x64 (C1 W2, W4)            train 209, test 50
dlspec_signs           SIGNS hand signs 0-5, 64x64 (C2 W3, C4)    train 1080, test 120
dlspec_happy_house     Happy House faces 64x64 (C4 W1)            test 150 (+ train 600)
dlspec_alpaca          alpaca / not alpaca photos (C4 W2)         train 262, validation 65
dlspec_carla           CARLA frames + class-id masks (C4 W3)      train (all pairs)
=====================  =========================================  ============================

``import dlspec.data`` registers them too, without importing tensorflow-datasets itself: see
:func:`dlspec.data.tfds_load.register_with_tfds`. Each dataset's config names the data folder it
was prepared from (:func:`~dlspec.data.tfds_builders.base.course_data_config`).

Example:
    >>> import tensorflow_datasets as tfds
    >>> import dlspec.data.tfds_builders
    >>> tfds.builder_cls("dlspec_signs").DATA_RELDIR
    'course4/signs'
"""

from dlspec.data.tfds_builders.alpaca import DlspecAlpaca
from dlspec.data.tfds_builders.carla import DlspecCarla
from dlspec.data.tfds_builders.catvnoncat import DlspecCatvnoncat
from dlspec.data.tfds_builders.happy_house import DlspecHappyHouse
from dlspec.data.tfds_builders.signs import DlspecSigns

__all__ = ["DlspecAlpaca", "DlspecCarla", "DlspecCatvnoncat", "DlspecHappyHouse", "DlspecSigns"]
