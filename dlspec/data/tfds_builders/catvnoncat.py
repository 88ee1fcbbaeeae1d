"""tfds builder ``dlspec_catvnoncat``: the cat / non-cat images of Course 1 (the course's h5)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import tensorflow_datasets as tfds

from dlspec.data.catvnoncat import CATVNONCAT_FILES, CLASS_NAMES, read_catvnoncat_file
from dlspec.data.tfds_builders.base import DlspecBuilder, manual_download_instructions

__all__ = ["DlspecCatvnoncat"]

_RELDIR = str(Path(CATVNONCAT_FILES["train"]).parent)
_FILES = {split: Path(rel).name for split, rel in CATVNONCAT_FILES.items()}


class DlspecCatvnoncat(DlspecBuilder):
    """The cat / non-cat images (C1 W2, C1 W4) as a tfds dataset: train 209, test 50.

    Features: ``image`` (64, 64, 3) uint8 and ``label`` (``ClassLabel``, 0 = non-cat,
    1 = cat); supervised keys ``("image", "label")``. Examples keep the order of the h5 files
    (``disable_shuffling``), so ``tfds.as_numpy`` gives exactly the arrays of
    :func:`dlspec.data.catvnoncat.load_dataset`.

    Example:
        >>> ds = tfds.load("dlspec_catvnoncat", split="train")  # doctest: +SKIP
    """

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "The course's train_catvnoncat.h5 / test_catvnoncat.h5, in order."}
    DATA_RELDIR = _RELDIR
    MANUAL_DOWNLOAD_INSTRUCTIONS = manual_download_instructions(
        DATA_RELDIR,
        " and ".join(_FILES.values()),
        note="They are the files of the course's C1 W2 lab (datasets/ folder).",
    )

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=(
                "Cat / non-cat 64x64 RGB images of the Deep Learning Specialization, Course 1 "
                "(W2 logistic regression, W4 deep neural network application)."
            ),
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(64, 64, 3)),
                    "label": tfds.features.ClassLabel(names=list(CLASS_NAMES)),
                }
            ),
            supervised_keys=("image", "label"),
            homepage="https://www.coursera.org/specializations/deep-learning",
            disable_shuffling=True,
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager) -> dict[str, Any]:
        files = self.require_files(*_FILES.values())
        return {
            split: self._generate_examples(files[name], split) for split, name in _FILES.items()
        }

    def _generate_examples(self, path: Path, split: str) -> Iterator[tuple[int, dict[str, Any]]]:
        x, y, _ = read_catvnoncat_file(path, split)
        for i, (image, label) in enumerate(zip(x, y[0])):
            yield i, {"image": image, "label": int(label)}
