"""The training loop under ``MirroredStrategy`` on 2 devices against the same loop on 1.

On a CPU-only machine the two devices are logical CPUs (``strategy_from_name("cpu:2")``):
they share the same cores and thread pool, so this measures the cost of the replica split,
the all-reduce and the per-replica bookkeeping, not a speed-up; the ratio is reported as it
comes. With 2 or more GPUs it compares every GPU (``"mirrored"``) against one. Same model,
data and global batch for both (each replica gets half the batch); interleaved repeats.
Writes its row to ``reports/bench.md``.

Run:
    python benchmarks/bench_distributed.py [--repeats 9] [--epochs 2] [--batch-size 256]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

from dlspec.training import Trainer, strategy_from_name  # noqa: E402

GPUS = len(tf.config.list_physical_devices("GPU"))  # before TF starts: cpu:2 may follow
if GPUS >= 2:
    MANY, ONE, KIND = strategy_from_name("mirrored"), strategy_from_name("one_device"), "GPU"
else:
    MANY = strategy_from_name("cpu:2")  # must run before anything starts TensorFlow
    ONE, KIND = strategy_from_name("one_device", devices="/cpu:0"), "logical CPU"

import keras  # noqa: E402
from bench_training_loop import make_data, make_model  # noqa: E402
from report import Row, interleaved, median, record  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=16384)
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=256, help="global batch size")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per timed repeat")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--no-report", action="store_true", help="do not write reports/bench.md")
    args = parser.parse_args()

    ds = make_data(args.examples, args.features, args.batch_size)
    steps = int(ds.cardinality())
    init = make_model(args.features).get_weights()

    def trainer(strategy) -> Trainer:
        def model():
            m = make_model(args.features)
            m.set_weights(init)
            return m

        return Trainer(
            model,
            optimizer=lambda: keras.optimizers.Adam(1e-3),
            metrics=["accuracy"],
            strategy=strategy,
            verbose=0,
        )

    trainers = {"1 device": trainer(ONE), f"{MANY.num_replicas_in_sync} devices": trainer(MANY)}
    for t in trainers.values():
        t.fit(ds, epochs=1)  # warm-up: tracing

    def runner(t: Trainer):
        def run() -> float:
            start = time.perf_counter()
            t.fit(ds, epochs=t.epoch + args.epochs)
            return args.examples * args.epochs / (time.perf_counter() - start)

        return run

    replicas = MANY.num_replicas_in_sync
    print(
        f"{args.examples} examples, global batch {args.batch_size} ({steps} steps/epoch), "
        f"MirroredStrategy over {replicas} {KIND} devices vs one"
    )
    samples, ratios = interleaved({k: runner(t) for k, t in trainers.items()}, args.repeats)
    names = list(samples)
    base, ours, ratio = median(samples[names[0]]), median(samples[names[1]]), median(ratios)
    print(f"median examples/s: {names[0]} {base:.0f}, {names[1]} {ours:.0f}; ratio {ratio:.3f}")
    if not args.no_report:
        note = (
            "the logical CPUs share the machine's cores: this is the distribution overhead, "
            "not a speed-up"
            if KIND == "logical CPU"
            else "data parallel across GPUs"
        )
        record(
            [
                Row(
                    f"Trainer under MirroredStrategy: {replicas} {KIND}s vs 1",
                    f"{base:,.0f} examples/s (1 device)",
                    f"{ours:,.0f} examples/s ({replicas} replicas)",
                    ratio,
                    target=None,
                    notes=(
                        f"MLP {args.features}-128-64-1, Adam, global batch {args.batch_size}, "
                        f"{steps} steps/epoch; {note}; median of {args.repeats} interleaved "
                        "repeats"
                    ),
                )
            ]
        )


if __name__ == "__main__":
    main()
