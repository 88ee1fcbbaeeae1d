"""Throughput of ``dlspec.training.Trainer.fit`` against Keras ``model.fit``, side by side.

Both train the same small MLP (same initial weights, Adam, binary cross-entropy, accuracy) on
the same ``tf.data`` pipeline, on the default strategy. After one warm-up epoch each (tracing),
the two loops take turns (A B, then B A, ...) so that drifts in machine load hit both alike.
Reported: examples/s of each (median) and the median per-repeat ratio Trainer / model.fit
(target >= 0.95; above 1 means the Trainer is faster). Writes its row to ``reports/bench.md``.

Run:
    python benchmarks/bench_training_loop.py [--repeats 15] [--epochs 3] [--batch-size 64]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from report import Row, interleaved, median, record  # noqa: E402

from dlspec.training import Trainer  # noqa: E402


def make_data(m: int, n_x: int, batch_size: int) -> tf.data.Dataset:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(m, n_x)).astype("float32")
    y = (x @ rng.normal(size=(n_x, 1)) > 0).astype("float32")
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size).prefetch(tf.data.AUTOTUNE)


def make_model(n_x: int, hidden: tuple[int, ...] = (128, 64)) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((n_x,)),
            *(keras.layers.Dense(units, activation="relu") for units in hidden),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=8192)
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3, help="epochs per timed repeat")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--no-report", action="store_true", help="do not write reports/bench.md")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message=".*shuffle=True.*")  # model.fit on a Dataset

    ds = make_data(args.examples, args.features, args.batch_size)
    steps = int(ds.cardinality())
    init = make_model(args.features).get_weights()

    keras_model = make_model(args.features)
    keras_model.set_weights(init)
    keras_model.compile(
        optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"]
    )
    trainer_model = make_model(args.features)
    trainer_model.set_weights(init)
    trainer = Trainer(
        trainer_model,
        optimizer=lambda: keras.optimizers.Adam(1e-3),
        loss="binary_crossentropy",
        metrics=["accuracy"],
        verbose=0,
    )
    examples = args.examples * args.epochs

    def run_keras() -> float:
        start = time.perf_counter()
        keras_model.fit(ds, epochs=args.epochs, verbose=0)
        return examples / (time.perf_counter() - start)

    def run_trainer() -> float:
        start = time.perf_counter()
        trainer.fit(ds, epochs=trainer.epoch + args.epochs)
        return examples / (time.perf_counter() - start)

    keras_model.fit(ds, epochs=1, verbose=0)  # warm-up: tracing
    trainer.fit(ds, epochs=1)
    print(
        f"{args.examples} examples x {args.features} features, batch {args.batch_size} "
        f"({steps} steps/epoch), {args.epochs} epochs per repeat"
    )
    samples, ratios = interleaved(
        {"model.fit": run_keras, "Trainer.fit": run_trainer}, args.repeats
    )
    base, ours, ratio = median(samples["model.fit"]), median(samples["Trainer.fit"]), median(ratios)
    print(f"median examples/s: model.fit {base:.0f}, Trainer.fit {ours:.0f}; ratio {ratio:.3f}")
    if not args.no_report:
        record(
            [
                Row(
                    "training loop: Trainer.fit vs model.fit",
                    f"{base:,.0f} examples/s (model.fit)",
                    f"{ours:,.0f} examples/s (Trainer.fit)",
                    ratio,
                    target=0.95,
                    notes=(
                        f"MLP {args.features}-128-64-1, Adam, batch {args.batch_size}, "
                        f"{steps} steps/epoch, default strategy; median of {args.repeats} "
                        "interleaved repeats"
                    ),
                )
            ]
        )


if __name__ == "__main__":
    main()
