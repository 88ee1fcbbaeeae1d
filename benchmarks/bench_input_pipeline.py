"""The ``tf.data`` image-folder pipeline against a naive per-image Python (PIL) loader.

Both read the alpaca lab's training split (``$DLSPEC_DATA_DIR/course4/alpaca``, 262 JPEGs, the
files of ``image_dataset_from_directory(..., validation_split=0.2, subset="training",
seed=42)``), resize to 160 x 160 and hand out float32 batches of 32 with int labels:

- ours: :func:`dlspec.data.image_folder.image_folder_dataset` (parallel decode → cache →
  shuffle → batch → prefetch);
- naive: a Python generator that opens each file with PIL, converts, resizes and stacks the
  batch, every epoch, one image at a time.

Reported: the first epoch (ours includes building the pipeline and filling the cache) and the
later epochs (ours served from the cache), as images/s; target for later epochs >= 5x. Without
the course data, a stand-in folder of 262 random 1024 x 768 JPEGs is generated (and said so).
Writes its rows to ``reports/bench.md``.

Run:
    python benchmarks/bench_input_pipeline.py [--first-repeats 2] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from PIL import Image  # noqa: E402
from report import Row, interleaved, median, record  # noqa: E402

from dlspec.data.image_folder import ALPACA_DIR, image_folder_dataset  # noqa: E402
from dlspec.data.paths import DataNotFoundError, data_path  # noqa: E402

IMAGE_SIZE = (160, 160)
BATCH = 32
COURSE = dict(image_size=IMAGE_SIZE, batch_size=BATCH, validation_split=0.2, seed=42)


def stand_in_folder(root: Path, n: int = 327) -> Path:
    """Random 1024 x 768 JPEGs in two classes, the alpaca folder's size and shape."""
    rng = np.random.default_rng(0)
    for i in range(n):
        folder = root / ("alpaca" if i < 142 else "not alpaca")
        folder.mkdir(parents=True, exist_ok=True)
        pixels = rng.integers(0, 256, size=(768 // 8, 1024 // 8, 3), dtype=np.uint8)
        Image.fromarray(pixels).resize((1024, 768)).save(folder / f"{i:04d}.jpg", quality=90)
    return root


def naive_batches(paths: list[str], labels: np.ndarray, seed: int):
    """One epoch, the way a first data loader is written: one image at a time, in Python."""
    order = np.random.default_rng(seed).permutation(len(paths))
    for start in range(0, len(order), BATCH):
        images, batch_labels = [], []
        for i in order[start : start + BATCH]:
            with Image.open(paths[i]) as image:
                image = image.convert("RGB").resize(IMAGE_SIZE[::-1], Image.BILINEAR)
                images.append(np.asarray(image, dtype=np.float32))
            batch_labels.append(labels[i])
        yield np.stack(images), np.asarray(batch_labels, dtype=np.int32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first-repeats", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the later epochs")
    parser.add_argument("--no-report", action="store_true", help="do not write reports/bench.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        try:
            folder, source = data_path(ALPACA_DIR), "alpaca training split"
        except DataNotFoundError:
            folder, source = stand_in_folder(Path(tmp) / "alpaca"), "stand-in random JPEGs"
            print(f"course data not found: timing {source} instead")

        def build():
            return image_folder_dataset(folder, subset="training", verify=False, **COURSE)

        reference = build()
        paths = reference.file_paths
        labels = np.asarray([int(Path(p).parent.name != "alpaca") for p in paths], np.int32)
        n = len(paths)
        print(f"{n} images from {folder} ({source}), {IMAGE_SIZE}, batch {BATCH}")

        def naive_epoch(seed=[0]) -> float:  # noqa: B006 - a counter: a new order each epoch
            seed[0] += 1
            start = time.perf_counter()
            count = sum(len(x) for x, _ in naive_batches(paths, labels, seed[0]))
            return count / (time.perf_counter() - start)

        def first_epoch() -> float:
            start = time.perf_counter()
            count = sum(int(tf.shape(x)[0]) for x, _ in build())  # new pipeline, empty cache
            return count / (time.perf_counter() - start)

        cached = build()
        sum(1 for _ in cached)  # first epoch: fills the cache

        def cached_epoch() -> float:
            start = time.perf_counter()
            count = sum(int(tf.shape(x)[0]) for x, _ in cached)
            return count / (time.perf_counter() - start)

        print("first epoch (images/s):")
        first, first_ratios = interleaved(
            {"naive PIL": naive_epoch, "tf.data": first_epoch}, args.first_repeats
        )
        print("later epochs (images/s):")
        later, later_ratios = interleaved(
            {"naive PIL": naive_epoch, "tf.data": cached_epoch}, args.repeats
        )

    rows = []
    for label, samples, ratios, target, note in (
        ("first", first, first_ratios, None, "ours: build + parallel decode + fill the cache"),
        ("later", later, later_ratios, 5.0, "ours: from the in-memory cache"),
    ):
        base, ours, ratio = median(samples["naive PIL"]), median(samples["tf.data"]), median(ratios)
        print(f"{label} epoch: naive {base:.0f}, tf.data {ours:.0f} images/s; ratio {ratio:.1f}")
        rows.append(
            Row(
                f"input pipeline, {label} epoch: tf.data vs naive PIL loader",
                f"{base:,.0f} images/s (PIL, one at a time)",
                f"{ours:,.0f} images/s (image_folder_dataset)",
                ratio,
                target=target,
                notes=f"{n} images ({source}) to {IMAGE_SIZE[0]}x{IMAGE_SIZE[1]}, batch {BATCH}; "
                f"{note}; median of {len(ratios)} interleaved repeats",
            )
        )
    if not args.no_report:
        record(rows)


if __name__ == "__main__":
    main()
