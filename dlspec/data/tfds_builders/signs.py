"""tfds builder ``dlspec_signs``: the SIGNS hand signs (digits 0-5) of Courses 2 and 4."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import tensorflow_datasets as tfds

from dlspec.data.signs import SIGNS_CLASSES, SIGNS_FILES, SIGNS_JPEG_DIR, SignsSplit, load_signs
from dlspec.data.tfds_builders.base import DlspecBuilder, manual_download_instructions

__all__ = ["DlspecSigns"]

_RELDIR = str(Path(SIGNS_FILES["test"]).parent)


class DlspecSigns(DlspecBuilder):
    """SIGNS (C2 W3, C4 W1, C4 W2) as a tfds dataset: train 1080, test 120.

    Each split is read by :func:`dlspec.data.signs.load_signs`: from the course's h5 file
    (``course4/signs/{train,test}_signs.h5``) when present, else from the JPEG stand-in
    ``course4/signs/64x64_SIGNS/`` (train = ``train_signs/`` + ``val_signs/``, in the loader's
    seeded order). The ``train`` split exists only when one of its two forms is there; ``test``
    is required. Features: ``image`` (64, 64, 3) uint8, ``label`` (``ClassLabel``, names
    ``"0"`` to ``"5"``); supervised keys ``("image", "label")``; examples in the loader's
    order, so ``tfds.as_numpy`` gives :func:`~dlspec.data.signs.load_signs`'s arrays. Which
    form each split came from is written in the builder's dataset description.

    Example:
        >>> ds = tfds.load("dlspec_signs", split="test", as_supervised=True)  # doctest: +SKIP
    """

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "train/test from the course's h5 files or the 64x64 JPEG stand-in."}
    DATA_RELDIR = _RELDIR
    MANUAL_DOWNLOAD_INSTRUCTIONS = manual_download_instructions(
        DATA_RELDIR,
        "test_signs.h5 and train_signs.h5 (or the stand-in folder 64x64_SIGNS/)",
    )

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=(
                "SIGNS: 64x64 RGB photos of hands showing 0 to 5 fingers (Deep Learning "
                "Specialization, C2 W3 TensorFlow introduction, C4 W1 and W2). Training split "
                "from train_signs.h5 or, when it is missing, the 64x64_SIGNS JPEG stand-in."
            ),
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(64, 64, 3)),
                    "label": tfds.features.ClassLabel(names=[str(c) for c in SIGNS_CLASSES]),
                }
            ),
            supervised_keys=("image", "label"),
            homepage="https://www.coursera.org/specializations/deep-learning",
            disable_shuffling=True,
        )

    def _has_train(self) -> bool:
        root = self.course_root
        return (root / SIGNS_FILES["train"]).exists() or (root / SIGNS_JPEG_DIR).is_dir()

    def _split_generators(self, dl_manager: tfds.download.DownloadManager) -> dict[str, Any]:
        splits = ("train", "test") if self._has_train() else ("test",)
        loaded = {split: load_signs(split, root=self.course_root) for split in splits}
        return {split: self._generate_examples(data) for split, data in loaded.items()}

    def _generate_examples(self, data: SignsSplit) -> Iterator[tuple[int, dict[str, Any]]]:
        for i, (image, label) in enumerate(zip(data.images, data.labels)):
            yield i, {"image": image, "label": int(label)}
