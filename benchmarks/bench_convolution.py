"""Conv forward + backward: the course's loops vs dlspec's vectorised numpy vs ``tf.nn.conv2d``.

The case of the course lab's size: A_prev (10, 64, 64, 3), W (3, 3, 3, 8), b (1, 1, 1, 8),
pad 1, stride 1, upstream gradient dZ random. One "call" is a forward pass plus the gradients
with respect to A_prev, W and b:

* loops:      ``dlspec.cnn.convolution_step_by_step`` conv_forward + conv_backward (float64);
* vectorised: ``dlspec.cnn.convolution_vectorized``, same API (float64);
* TF float32: ``tf.nn.conv2d`` (explicit padding) + bias under a ``tf.GradientTape``, in a
  ``tf.function`` (traced once before timing); TF float64 likewise.

The competitors take turns in a rotating order on every repeat, so drifts in machine load hit
all alike; each repeat times ``--inner`` calls of the fast ones and one call of the loops. The
ratios are medians of the per-repeat ratios. Targets (issue 6): vectorised ≥ 100× faster than
the loops, and within 10× of TF (time ratio TF / vectorised ≥ 0.1). Prints a Markdown table and
writes two rows to ``reports/bench.md``.

BLAS threads: numpy's OpenBLAS starts a thread per core for a large matrix product, and on a
busy shared machine those threads spin-wait on each other; the vectorised version therefore
splits its thin products into one small product per output row (see ``_im2col`` there), which
made it robust to that (measured 2-core loaded box: 18 ms with OPENBLAS_NUM_THREADS=2, 17 ms with
1; one big product: 88 ms vs 13 ms). The notes in the report give the setting used.

Run:
    python benchmarks/bench_convolution.py [--repeats 5] [--inner 20] [--no-report]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from report import Row, record  # noqa: E402

from dlspec.cnn import convolution_step_by_step as loops  # noqa: E402
from dlspec.cnn import convolution_vectorized as vec  # noqa: E402


def numpy_call(module, A_prev, W, b, hp, dZ):
    def call():
        _, cache = module.conv_forward(A_prev, W, b, hp)
        return module.conv_backward(dZ, cache)

    return call


def tf_call(A_prev, W, b, pad: int, stride: int, dZ, dtype):
    A, Wt, bt, dZt = (tf.constant(x, dtype=dtype) for x in (A_prev, W, b, dZ))
    padding = [[0, 0], [pad, pad], [pad, pad], [0, 0]]

    @tf.function
    def step(A, Wt, bt, dZt):
        with tf.GradientTape() as tape:
            tape.watch([A, Wt, bt])
            Z = tf.nn.conv2d(A, Wt, strides=stride, padding=padding) + bt
        return Z, tape.gradient(Z, [A, Wt, bt], output_gradients=dZt)

    def call():
        Z, grads = step(A, Wt, bt, dZt)
        return Z.numpy(), [g.numpy() for g in grads]

    return call


def seconds_per_call(fn, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--inner", type=int, default=20, help="calls per repeat (fast ones)")
    parser.add_argument("--m", type=int, default=10, help="examples in A_prev")
    parser.add_argument("--no-report", action="store_true", help="do not write reports/bench.md")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    A_prev = rng.standard_normal((args.m, 64, 64, 3))
    W = rng.standard_normal((3, 3, 3, 8))
    b = rng.standard_normal((1, 1, 1, 8))
    hp = {"pad": 1, "stride": 1}
    dZ = rng.standard_normal((args.m, 64, 64, 8))
    calls = {
        "loops (course)": (numpy_call(loops, A_prev, W, b, hp, dZ), 1),
        "vectorised (dlspec)": (numpy_call(vec, A_prev, W, b, hp, dZ), args.inner),
        "tf.nn.conv2d float32": (tf_call(A_prev, W, b, 1, 1, dZ, tf.float32), args.inner),
        "tf.nn.conv2d float64": (tf_call(A_prev, W, b, 1, 1, dZ, tf.float64), args.inner),
    }

    # Same results first (and warm-up: TF traces its function here).
    ref = calls["loops (course)"][0]()
    got = calls["vectorised (dlspec)"][0]()
    vec_diff = max(float(np.abs(x - y).max()) for x, y in zip(ref, got))
    _, tf_grads = calls["tf.nn.conv2d float64"][0]()
    tf_diff = max(float(np.abs(x - y).max()) for x, y in zip(got, tf_grads))
    calls["tf.nn.conv2d float32"][0]()

    names = list(calls)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for repeat in range(args.repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            fn, n = calls[name]
            samples[name].append(seconds_per_call(fn, n))
        print(
            f"repeat {repeat + 1}: "
            + ", ".join(f"{name} {1e3 * samples[name][-1]:.1f} ms" for name in names),
            flush=True,
        )

    ours = samples["vectorised (dlspec)"]
    blas_threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset")

    def ratio(name: str) -> float:  # how many times slower than the vectorised version
        return statistics.median(t / v for t, v in zip(samples[name], ours))

    print(
        f"\nA_prev ({args.m}, 64, 64, 3), W (3, 3, 3, 8), pad 1, stride 1; forward + backward; "
        f"median of {args.repeats} interleaved repeats; OPENBLAS_NUM_THREADS="
        f"{blas_threads}. max |vectorised - loops| = "
        f"{vec_diff:.1e}, max |vectorised - TF float64| (gradients) = {tf_diff:.1e}.\n"
    )
    print("| implementation | ms per forward+backward | time / vectorised time |")
    print("|---|---|---|")
    for name in names:
        print(f"| {name} | {1e3 * statistics.median(samples[name]):.2f} | {ratio(name):.3g} |")
    speedup, tf_ratio = ratio("loops (course)"), ratio("tf.nn.conv2d float32")
    print(
        f"\nvectorised speed-up over loops: {speedup:.0f}× (target ≥ 100×); "
        f"vectorised vs tf.nn.conv2d float32: {1 / tf_ratio:.2f}× TF's time (target ≤ 10×)."
    )
    if not args.no_report:
        notes = (
            f"A_prev ({args.m},64,64,3), W (3,3,3,8), pad 1, stride 1, forward + backward, "
            f"float64 numpy, OPENBLAS_NUM_THREADS={blas_threads}; "
            f"median of {args.repeats} interleaved repeats"
        )
        ms = {name: f"{1e3 * statistics.median(samples[name]):.1f} ms" for name in names}
        record(
            [
                Row(
                    "conv fwd+bwd: vectorised numpy vs course loops",
                    f"{ms['loops (course)']} (loops)",
                    f"{ms['vectorised (dlspec)']} (vectorised)",
                    speedup,
                    target=100,
                    notes=notes,
                ),
                Row(
                    "conv fwd+bwd: vectorised numpy vs tf.nn.conv2d (float32, tf.function)",
                    f"{ms['tf.nn.conv2d float32']} (TF)",
                    f"{ms['vectorised (dlspec)']} (vectorised)",
                    tf_ratio,
                    target=0.1,
                    notes=notes + "; ratio = TF time / our time (≥ 0.1: within 10× of TF)",
                ),
            ]
        )


if __name__ == "__main__":
    main()
