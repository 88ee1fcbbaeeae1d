"""tfds builder ``dlspec_happy_house``: the Happy House faces of Course 4, Week 1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import tensorflow_datasets as tfds

from dlspec.data.happy import HAPPY_FILES, read_happy_file
from dlspec.data.tfds_builders.base import DlspecBuilder, manual_download_instructions

__all__ = ["DlspecHappyHouse"]

_RELDIR = str(Path(HAPPY_FILES["test"]).parent)
_FILES = {split: Path(rel).name for split, rel in HAPPY_FILES.items()}


class DlspecHappyHouse(DlspecBuilder):
    """Happy House (C4 W1 "Convolution model application") as a tfds dataset.

    Splits: ``test`` (150 images, ``test_happy.h5``, required) and ``train`` (600 images,
    ``train_happy.h5``) when that file is there. Without it, split the test images yourself
    with tfds' slicing, e.g. ``split=["test[:80%]", "test[80%:]"]`` (not the course's numbers).
    Features: ``image`` (64, 64, 3) uint8, ``label`` (``ClassLabel``: 0 = ``not_happy``,
    1 = ``happy``); supervised keys ``("image", "label")``; examples in file order.

    Example:
        >>> ds = tfds.load("dlspec_happy_house", split="test")  # doctest: +SKIP
    """

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "test_happy.h5 and, when present, train_happy.h5, in order."}
    DATA_RELDIR = _RELDIR
    MANUAL_DOWNLOAD_INSTRUCTIONS = manual_download_instructions(
        DATA_RELDIR,
        "test_happy.h5 (and train_happy.h5 for the course's training split)",
    )

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=(
                "Happy House: 64x64 RGB faces, smiling (1) or not (0), of the Deep Learning "
                "Specialization, C4 W1. The train split exists only with train_happy.h5."
            ),
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(64, 64, 3)),
                    "label": tfds.features.ClassLabel(names=["not_happy", "happy"]),
                }
            ),
            supervised_keys=("image", "label"),
            homepage="https://www.coursera.org/specializations/deep-learning",
            disable_shuffling=True,
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager) -> dict[str, Any]:
        splits = ["test"]
        if (self.course_folder / _FILES["train"]).exists():
            splits.insert(0, "train")
        files = self.require_files(*(_FILES[split] for split in splits))
        return {split: self._generate_examples(files[_FILES[split]], split) for split in splits}

    def _generate_examples(self, path: Path, split: str) -> Iterator[tuple[int, dict[str, Any]]]:
        images, labels, _ = read_happy_file(path, split)
        for i, (image, label) in enumerate(zip(images, labels[:, 0])):
            yield i, {"image": image, "label": int(label)}
