"""tfds builder ``dlspec_alpaca``: the alpaca / not alpaca photos of Course 4, Week 2."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import tensorflow_datasets as tfds

from dlspec.data.tfds_builders.base import DlspecBuilder, manual_download_instructions

__all__ = [
    "ALPACA_CLASSES",
    "ALPACA_SEED",
    "ALPACA_VALIDATION_SPLIT",
    "DlspecAlpaca",
    "alpaca_splits",
]

#: the class subfolders, in label order (as ``image_dataset_from_directory`` sorts them)
ALPACA_CLASSES = ("alpaca", "not alpaca")
#: the course's ``validation_split`` and ``seed`` of ``image_dataset_from_directory``
ALPACA_VALIDATION_SPLIT = 0.2
ALPACA_SEED = 42


def alpaca_splits(folder: str | os.PathLike) -> dict[str, list[tuple[str, int]]]:
    """The course's training and validation files: ``{split: [(path, label), ...]}``.

    The file list is Keras' (:func:`dlspec.data.image_folder.index_image_folder` with the
    course's ``seed=42``); as in ``image_dataset_from_directory(..., validation_split=0.2)`` the
    last ``int(0.2 * n)`` files validate and the others train: 262 / 65 on the course's 327.

    Raises:
        DataNotFoundError: no such folder.
        ValueError: the class subfolders are not ``alpaca`` and ``not alpaca``, or no images.

    Example:
        >>> splits = alpaca_splits(data_path("course4/alpaca"))  # doctest: +SKIP
        >>> len(splits["train"]), len(splits["validation"])  # doctest: +SKIP
        (262, 65)
    """
    # lazy: image_folder imports TensorFlow; registering the builders (which happens when
    # tensorflow_datasets is imported) must not
    from dlspec.data.image_folder import index_image_folder

    files, labels, names = index_image_folder(folder, shuffle=True, seed=ALPACA_SEED)
    if tuple(names) != ALPACA_CLASSES:
        raise ValueError(
            f"{folder} must hold exactly the class folders {list(ALPACA_CLASSES)}; it has {names}."
        )
    pairs = list(zip(files, labels.tolist()))
    n_validation = int(ALPACA_VALIDATION_SPLIT * len(pairs))
    return {
        "train": pairs[: len(pairs) - n_validation],
        "validation": pairs[len(pairs) - n_validation :],
    }


class DlspecAlpaca(DlspecBuilder):
    """The alpaca lab's photos (C4 W2 "Transfer learning with MobileNet"): train 262, validation 65.

    The splits are the course's ``image_dataset_from_directory(..., validation_split=0.2,
    seed=42)`` subsets (:func:`alpaca_splits`), in Keras' shuffled file order. Features:
    ``image`` (the original JPEG, any size, decoded to 3 channels as Keras does), ``label``
    (``ClassLabel``: 0 = ``alpaca``, 1 = ``not alpaca``) and ``file_name`` (path inside
    ``course4/alpaca``); supervised keys ``("image", "label")``. Resize as the course does with
    ``tf.image.resize(image, (160, 160))``.

    Example:
        >>> ds = tfds.load("dlspec_alpaca", split="train", as_supervised=True)  # doctest: +SKIP
    """

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "The course's 80/20 split with seed 42 of the 327 JPEG files."}
    DATA_RELDIR = "course4/alpaca"
    MANUAL_DOWNLOAD_INSTRUCTIONS = manual_download_instructions(
        DATA_RELDIR, "the folders 'alpaca/' and 'not alpaca/' of the lab's dataset/ folder"
    )

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=(
                "Alpaca / not alpaca photos of the Deep Learning Specialization, C4 W2, split as "
                "the course's image_dataset_from_directory(validation_split=0.2, seed=42)."
            ),
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(None, None, 3)),
                    "label": tfds.features.ClassLabel(names=list(ALPACA_CLASSES)),
                    "file_name": tfds.features.Text(),
                }
            ),
            supervised_keys=("image", "label"),
            homepage="https://www.coursera.org/specializations/deep-learning",
            disable_shuffling=True,
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager) -> dict[str, Any]:
        for name in ALPACA_CLASSES:
            if not (self.course_folder / name).is_dir():
                self.require_files(f"{name}/")  # the standard missing-data error
        splits = alpaca_splits(self.course_folder)
        return {split: self._generate_examples(pairs) for split, pairs in splits.items()}

    def _generate_examples(
        self, pairs: list[tuple[str, int]]
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        for i, (path, label) in enumerate(pairs):
            name = Path(path).relative_to(self.course_folder).as_posix()
            yield i, {"image": path, "label": label, "file_name": name}
