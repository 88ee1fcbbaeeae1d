"""A private Keras cache for the grading worker, so a learner's own ``weights="imagenet"`` loads.

A learner's ``alpaca_model`` calls ``tf.keras.applications.MobileNetV2(...,
weights="imagenet")`` itself: Keras looks for ``$KERAS_HOME/models/<file name>`` and downloads
it when absent, which fails offline. The worker points ``KERAS_HOME`` at a temporary folder
(before Keras is imported) and :func:`prepare_cache` fills its ``models/`` with the weights found
in ``$DLSPEC_WEIGHTS_DIR`` under the names Keras expects:

- the exact Keras file (``mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5``)
  is linked as it is;
- dlspec's offline stand-in (``mobilenet_v2_1.00_160_notop_dogs.weights.h5``, Keras 3's
  ``.weights.h5`` layout) is converted to the legacy h5 layout that ``keras.applications``
  loads (a ``.weights.h5`` file under the legacy name does not load). MobileNetV2's no-top
  convolution weights do not depend on the input size, so one file serves every size.

Example:
    >>> notes = prepare_cache("c4w2-alpaca", "/tmp/keras-home")  # doctest: +SKIP
    >>> notes  # doctest: +SKIP
    ['offline weights: mobilenet_v2 imagenet from DLSPEC_WEIGHTS_DIR (...)']
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from dlspec.weights import DOGS_MOBILENET_V2_160, mobilenet_v2_weight_files, weights_dir

__all__ = ["MOBILENET_SIZES", "missing_weights_hint", "needs_weights", "prepare_cache"]

#: input sizes keras.applications has MobileNetV2 no-top ImageNet files for
MOBILENET_SIZES = (96, 128, 160, 192, 224)
#: labs whose learner code loads pretrained weights itself
_LABS = {"c4w2-alpaca": "mobilenet_v2"}
_KERAS_FILE = re.compile(r"(\w+_weights_tf_dim_ordering_tf_kernels[\w.]*?\.h5)")


def needs_weights(lab: str) -> bool:
    """Whether the learner's code of ``lab`` loads pretrained weights itself."""
    return lab in _LABS


def prepare_cache(lab: str, keras_home: str | os.PathLike, source: str | None = None) -> list[str]:
    """Fill ``keras_home/models`` with the weights ``lab``'s learner code asks Keras for.

    Args:
        lab: the lab id (only labs whose learner code loads weights get files).
        keras_home: the worker's private ``KERAS_HOME``.
        source: the folder to take files from (default ``$DLSPEC_WEIGHTS_DIR``).

    Returns:
        One sentence per weights made available (for the report's adaptations); empty when
        nothing was needed or found (the learner's download then fails with
        :func:`missing_weights_hint`).
    """
    if _LABS.get(lab) != "mobilenet_v2":
        return []
    folder = Path(source) if source else weights_dir()
    if folder is None or not folder.is_dir():
        return []
    models = Path(keras_home) / "models"
    models.mkdir(parents=True, exist_ok=True)
    names = [mobilenet_v2_weight_files(rows=r)[0].name for r in MOBILENET_SIZES]
    exact = [n for n in names if (folder / n).is_file()]
    for name in exact:
        _link(folder / name, models / name)
    if len(exact) == len(names):
        return [f"offline weights: mobilenet_v2 imagenet from {folder}"]
    stand_in = folder / DOGS_MOBILENET_V2_160
    if not stand_in.is_file():
        return [f"offline weights: mobilenet_v2 imagenet from {folder}"] if exact else []
    legacy = models / "mobilenet_v2_stand_in_legacy.h5"
    _convert_mobilenet(stand_in, legacy)
    for name in names:
        if not (models / name).exists():
            _link(legacy, models / name)
    return [
        f"offline weights: mobilenet_v2 imagenet from DLSPEC_WEIGHTS_DIR ({stand_in.name}, "
        "ImageNet fine-tuned on dogs: a stand-in, not the course's exact weights)"
    ]


def _link(source: Path, target: Path) -> None:
    if target.exists() or target.is_symlink():
        target.unlink()
    try:
        target.symlink_to(source.resolve())
    except OSError:  # no symlinks on this file system: copy
        target.write_bytes(source.read_bytes())


def _convert_mobilenet(source: Path, target: Path) -> None:
    """Re-save Keras 3 ``.weights.h5`` MobileNetV2 weights in the legacy h5 layout."""
    import h5py  # lazy: TensorFlow, Keras and h5py only for a lab that loads weights
    import keras
    from keras.src.legacy.saving import legacy_h5_format

    model = keras.applications.MobileNetV2(
        input_shape=(160, 160, 3), include_top=False, weights=None
    )
    model.load_weights(str(source))
    with h5py.File(target, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


def missing_weights_hint(message: str) -> str:
    """The fix for a failed download of Keras weights named in ``message`` (``""``: none).

    Example:
        >>> missing_weights_hint("URL fetch failure on https://x/"
        ...     "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5")
        ' (pretrained weights mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5 \
are not available offline: put that file, or a stand-in dlspec knows, in DLSPEC_WEIGHTS_DIR)'
    """
    found = _KERAS_FILE.search(message)
    if found is None:
        return ""
    return (
        f" (pretrained weights {found.group(1)} are not available offline: put that file, or "
        "a stand-in dlspec knows, in DLSPEC_WEIGHTS_DIR)"
    )
