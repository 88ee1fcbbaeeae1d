"""tfds builder ``dlspec_carla``: the CARLA camera frames and masks of Course 4, Week 3."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import tensorflow_datasets as tfds

from dlspec.data.tfds_builders.base import DlspecBuilder, manual_download_instructions

__all__ = ["DlspecCarla"]


class DlspecCarla(DlspecBuilder):
    """The U-Net lab's CARLA pairs (C4 W3 "Image segmentation with U-Net") as a tfds dataset.

    One split, ``train``: every ``CameraRGB/*.png`` with its ``CameraMask/*.png`` (checked by
    :func:`dlspec.data.carla.carla_pairs`), in frame order. Features: ``image`` (the camera
    PNG, H x W x 3 uint8), ``mask`` (H x W x 1 uint8 class ids: the course's ``process_path``,
    the maximum over the mask's channels), ``file_name``; supervised keys ``("image",
    "mask")``. Frames of one episode are correlated: hold out a block, e.g.
    ``split=["train[:-12]", "train[-12:]"]`` (what :func:`~dlspec.data.carla.carla_datasets`
    does), and resize with ``dlspec.data.carla.preprocess``.

    Example:
        >>> ds = tfds.load("dlspec_carla", split="train[:-12]")  # doctest: +SKIP
    """

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "CameraRGB/CameraMask pairs in frame order, masks as class ids."}
    DATA_RELDIR = "course4/carla"
    MANUAL_DOWNLOAD_INSTRUCTIONS = manual_download_instructions(
        DATA_RELDIR, "the folders CameraRGB/ and CameraMask/ of the lab's data/ folder"
    )

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=(
                "CARLA camera frames and semantic masks (class id per pixel) of the Deep "
                "Learning Specialization, C4 W3, in frame order."
            ),
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(None, None, 3)),
                    "mask": tfds.features.Image(shape=(None, None, 1)),
                    "file_name": tfds.features.Text(),
                }
            ),
            supervised_keys=("image", "mask"),
            homepage="https://www.coursera.org/specializations/deep-learning",
            disable_shuffling=True,
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager) -> dict[str, Any]:
        # lazy: carla imports TensorFlow; registering the builders (which happens when
        # tensorflow_datasets is imported) must not
        from dlspec.data.carla import carla_pairs

        images, masks = carla_pairs(self.course_folder)
        return {"train": self._generate_examples(images, masks)}

    def _generate_examples(
        self, images: list[str], masks: list[str]
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        # lazy: as in _split_generators
        from dlspec.data.carla import process_path

        for i, (image_path, mask_path) in enumerate(zip(images, masks)):
            _, mask = process_path(image_path, mask_path)
            yield i, {"image": image_path, "mask": mask.numpy(), "file_name": Path(image_path).name}
