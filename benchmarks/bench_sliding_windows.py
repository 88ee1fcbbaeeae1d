"""Sliding windows: cropping and classifying every window vs one convolutional pass (FC → conv).

The classifier is dlspec's SIGNS window classifier (64×64 windows, total stride 8), trained for
``--epochs`` epochs on the SIGNS photos; its Flatten + Dense head is turned into convolutions
(:func:`dlspec.cnn.lectures.sliding_windows.dense_head_to_conv`). Two real images:

* a mosaic of 12 SIGNS test photos, 192×256 (17 × 25 = 425 windows);
* an alpaca photo of the course data resized to 320×320 (33 × 33 = 1,089 windows).

Baseline: crop every window (numpy view + copy) and run the classifier on the crops in batches
of 256 (eager Keras calls). Ours: one eager call of the converted network on the whole image.
Both give the same scores (checked first, max abs diff ≤ 1e-5). Throughput = windows scored per
second; the ratio (median of per-repeat ratios, interleaved) is crop-and-classify time /
convolutional time. Writes two rows to ``reports/bench.md``.

Run:
    python benchmarks/bench_sliding_windows.py [--repeats 7] [--epochs 2] [--no-report]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from report import Row, interleaved, median, record  # noqa: E402

from dlspec.cnn.lectures.sliding_windows import (  # noqa: E402
    convolutional_sliding_windows,
    crop_and_classify,
    dense_head_to_conv,
    signs_mosaic,  # noqa: E402
    train_window_classifier,
    window_classifier,
    window_grid,
)


def images() -> dict[str, np.ndarray]:
    from PIL import Image

    from dlspec.data.paths import data_path
    from dlspec.data.signs import load_signs

    mosaic = signs_mosaic(load_signs("test").images, 3, 4).astype("float32") / 255.0
    alpaca_dir = data_path("course4/alpaca/alpaca")
    first = sorted(alpaca_dir.iterdir())[0]
    with Image.open(first) as photo:
        alpaca = np.asarray(photo.convert("RGB").resize((320, 320)), "float32") / 255.0
    return {"SIGNS mosaic 192×256": mosaic, f"alpaca {first.name} at 320×320": alpaca}


def windows_per_second(fn, n_windows: int):
    def run() -> float:
        start = time.perf_counter()
        fn()
        return n_windows / (time.perf_counter() - start)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=2, help="0: an untrained classifier")
    parser.add_argument("--no-report", action="store_true", help="do not write reports/bench.md")
    args = parser.parse_args()

    if args.epochs:
        model, history = train_window_classifier(epochs=args.epochs)
        trained = f"trained {args.epochs} epochs (test accuracy {history['val_accuracy'][-1]:.2f})"
    else:
        model, trained = window_classifier(), "untrained"
    conv_model = dense_head_to_conv(model)
    window, stride = window_grid(model)

    rows = []
    for name, image in images().items():

        def crop(image=image):
            return crop_and_classify(model, image, window=window, stride=stride)

        def convolutional(image=image):
            return convolutional_sliding_windows(conv_model, image)

        difference = float(np.abs(crop() - convolutional()).max())  # also the warm-up
        n_windows = int(np.prod(convolutional().shape[:2]))
        print(f"{name}: {n_windows} windows, max |conv − crop| = {difference:.1e}")
        if difference > 1e-5:
            raise AssertionError(f"{name}: the two methods disagree by {difference:.2e}.")
        samples, ratios = interleaved(
            {
                "crop and classify": windows_per_second(crop, n_windows),
                "convolutional": windows_per_second(convolutional, n_windows),
            },
            args.repeats,
        )
        base, ours = median(samples["crop and classify"]), median(samples["convolutional"])
        rows.append(
            Row(
                f"sliding windows: one conv pass vs crop and classify ({name})",
                f"{base:.0f} windows/s ({1e3 * n_windows / base:.0f} ms)",
                f"{ours:.0f} windows/s ({1e3 * n_windows / ours:.0f} ms)",
                median(ratios),
                target=1.0,
                notes=(
                    f"{n_windows} windows of {window}×{window}, stride {stride}; SIGNS window "
                    f"classifier {trained}; max abs diff {difference:.1e}; eager calls, crops "
                    f"batched by 256; median of {args.repeats} interleaved repeats"
                ),
            )
        )
        print(f"  ratio (crop time / conv time): {median(ratios):.1f}")
    if not args.no_report:
        record(rows)


if __name__ == "__main__":
    main()
