"""Throughput of ``dlspec.training.Trainer.fit`` against Keras ``model.fit``, side by side.

Both train the same small MLP (same initial weights, Adam, binary cross-entropy, accuracy) on
the same ``tf.data`` pipeline. After one warm-up epoch each (tracing), the two loops take turns
(A B, then B A, ...) so that drifts in machine load hit both alike; the script prints each
repeat, the median seconds per epoch and the ratio ``Trainer / model.fit`` (below 1 means the
Trainer is faster).

Run:
    python benchmarks/bench_training_loop.py [--repeats 11] [--epochs 3] [--batch-size 64]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from dlspec.training import Trainer  # noqa: E402


def make_data(m: int, n_x: int, batch_size: int) -> tf.data.Dataset:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(m, n_x)).astype("float32")
    y = (x @ rng.normal(size=(n_x, 1)) > 0).astype("float32")
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size).prefetch(tf.data.AUTOTUNE)


def make_model(n_x: int) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((n_x,)),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=8192)
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3, help="epochs per timed repeat")
    parser.add_argument("--repeats", type=int, default=11)
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

    def run_keras() -> float:
        start = time.perf_counter()
        keras_model.fit(ds, epochs=args.epochs, verbose=0)
        return time.perf_counter() - start

    def run_trainer() -> float:
        start = time.perf_counter()
        trainer.fit(ds, epochs=trainer.epoch + args.epochs)
        return time.perf_counter() - start

    keras_model.fit(ds, epochs=1, verbose=0)  # warm-up: tracing
    trainer.fit(ds, epochs=1)

    times: dict[str, list[float]] = {"model.fit": [], "Trainer.fit": []}
    runners = {"model.fit": run_keras, "Trainer.fit": run_trainer}
    print(
        f"{args.examples} examples x {args.features} features, batch {args.batch_size} "
        f"({steps} steps/epoch), {args.epochs} epochs per repeat, TF {tf.__version__}, "
        f"Keras {keras.__version__}, devices: "
        f"{[d.device_type for d in tf.config.list_physical_devices()]}"
    )
    for repeat in range(args.repeats):
        order = ["model.fit", "Trainer.fit"]
        if repeat % 2:
            order.reverse()
        for name in order:
            times[name].append(runners[name]() / args.epochs)
        print(
            f"repeat {repeat + 1}: model.fit {times['model.fit'][-1] * 1e3:7.1f} ms/epoch, "
            f"Trainer.fit {times['Trainer.fit'][-1] * 1e3:7.1f} ms/epoch"
        )
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, seconds in medians.items():
        print(f"{name:12s} median {seconds * 1e3:7.1f} ms/epoch = {steps / seconds:8.0f} steps/s")
    ratio = medians["Trainer.fit"] / medians["model.fit"]
    print(f"ratio Trainer.fit / model.fit (time per epoch): {ratio:.3f}")


if __name__ == "__main__":
    main()
