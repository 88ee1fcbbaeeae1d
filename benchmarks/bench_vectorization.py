"""Vectorisation (Course 1 week 2): Python loops vs numpy on 1,000,000 elements.

Two cases, as in the course's "Vectorization" video (which shows np.dot ≈ 300× faster than a
for loop on two vectors of a million random numbers):

* dot product of two vectors of 1,000,000 floats: the loop of
  ``dlspec.foundations.numpy_basics`` (``total += a * b``) vs ``np.dot``;
* one logistic-regression step (forward pass, cost and gradients) on X of n_x × m =
  1000 × 1000 = 1,000,000 elements: explicit loops over examples and features (the course's
  "non-vectorised" pseudo-code) vs ``dlspec.foundations.logistic_regression.propagate``.

Results are checked equal first. Then each repeat times the loop once and the vectorised
version ``--inner`` times, in alternating order (loop first, then vectorised first, ...), so
drifts in machine load hit both alike; the ratio (loop time / vectorised time) is the median of
the per-repeat ratios. numpy uses one BLAS thread unless ``OPENBLAS_NUM_THREADS`` is set.
Writes two rows to ``reports/bench.md``.

Run:
    python benchmarks/bench_vectorization.py [--repeats 5] [--inner 20] [--no-report]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from collections.abc import Callable

# One BLAS thread: the loop runs on one core, so this compares like with like; and on a busy
# shared machine OpenBLAS' extra threads spin-wait on each other (np.dot of 1e6 measured 27-65 ms
# with the default threads on a loaded 2-core box, against well under 1 ms alone).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from report import Row, record  # noqa: E402

from dlspec.foundations.logistic_regression import propagate  # noqa: E402
from dlspec.foundations.numpy_basics import dot_loop  # noqa: E402


def propagate_loops(w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray):
    """``propagate`` written with for loops over examples i and features j (the course's
    non-vectorised logistic regression): z_i = Σ_j w_j x_ji + b, then dw_j += x_ji (a_i - y_i)."""
    n_x, m = X.shape
    dw = [0.0] * n_x
    db = cost = 0.0
    weights, columns, labels = w[:, 0].tolist(), X.T, Y[0].tolist()
    for i in range(m):
        x_i = columns[i]
        z = b
        for j in range(n_x):
            z += weights[j] * x_i[j]
        a = 1.0 / (1.0 + math.exp(-z))
        cost -= labels[i] * math.log(a) + (1 - labels[i]) * math.log(1 - a)
        dz = a - labels[i]
        for j in range(n_x):
            dw[j] += x_i[j] * dz
        db += dz
    return {"dw": np.array(dw).reshape(n_x, 1) / m, "db": db / m}, cost / m


def seconds_per_call(fn: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def compare(loop: Callable, vectorised: Callable, repeats: int, inner: int) -> dict:
    """Median seconds per call of each and the median per-repeat ratio loop / vectorised."""
    samples: dict[str, list[float]] = {"loop": [], "vectorised": []}
    for repeat in range(repeats):
        order = ["loop", "vectorised"] if repeat % 2 == 0 else ["vectorised", "loop"]
        for name in order:
            fn, n = (loop, 1) if name == "loop" else (vectorised, inner)
            samples[name].append(seconds_per_call(fn, n))
        print(
            f"repeat {repeat + 1}: loop {1e3 * samples['loop'][-1]:.1f} ms, "
            f"vectorised {1e3 * samples['vectorised'][-1]:.3f} ms",
            flush=True,
        )
    ratios = [a / b for a, b in zip(samples["loop"], samples["vectorised"])]
    return {
        "loop": statistics.median(samples["loop"]),
        "vectorised": statistics.median(samples["vectorised"]),
        "ratio": statistics.median(ratios),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--inner", type=int, default=20, help="vectorised calls per repeat")
    parser.add_argument("--no-report", action="store_true", help="do not write reports/bench.md")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    a, b = rng.random(1_000_000), rng.random(1_000_000)
    n_x = m = 1000
    X = rng.normal(size=(n_x, m)) / math.sqrt(n_x)
    Y = (rng.random((1, m)) < 0.5).astype(float)
    w, bias = rng.normal(size=(n_x, 1)), 0.1

    looped, vectorised = dot_loop(a, b), float(np.dot(a, b))
    if not math.isclose(looped, vectorised, rel_tol=1e-9):
        raise AssertionError(f"loop dot {looped} differs from np.dot {vectorised}")
    (loop_grads, loop_cost), (grads, cost) = (
        propagate_loops(w, bias, X, Y),
        propagate(w, bias, X, Y),
    )
    diff = max(
        float(np.max(np.abs(loop_grads["dw"] - grads["dw"]))),
        abs(loop_grads["db"] - grads["db"]),
        abs(loop_cost - cost),
    )
    if diff > 1e-9:
        raise AssertionError(f"loop and vectorised logistic-regression steps differ by {diff}")

    print("dot product, 1,000,000 elements")
    dot = compare(lambda: dot_loop(a, b), lambda: np.dot(a, b), args.repeats, args.inner)
    print("logistic-regression step, X 1000 x 1000")
    step = compare(
        lambda: propagate_loops(w, bias, X, Y),
        lambda: propagate(w, bias, X, Y),
        args.repeats,
        args.inner,
    )
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    print(
        f"\n| case | loop ms | vectorised ms | loop / vectorised |\n|---|---|---|---|\n"
        f"| dot, 1e6 elements | {1e3 * dot['loop']:.1f} | {1e3 * dot['vectorised']:.3f} | "
        f"{dot['ratio']:.0f}x |\n"
        f"| logistic-regression step, 1e6 elements | {1e3 * step['loop']:.1f} | "
        f"{1e3 * step['vectorised']:.3f} | {step['ratio']:.0f}x |\n"
        f"(the course shows ≈ 300x for the dot product; max |loop - vectorised| of the step "
        f"{diff:.1e}; OPENBLAS_NUM_THREADS={threads})"
    )
    if not args.no_report:
        notes = f"median of {args.repeats} interleaved repeats; OPENBLAS_NUM_THREADS={threads}"
        record(
            [
                Row(
                    "vectorisation: np.dot vs Python loop (1e6 elements)",
                    f"{1e3 * dot['loop']:.1f} ms (loop)",
                    f"{1e3 * dot['vectorised']:.3f} ms (np.dot)",
                    dot["ratio"],
                    target=100,
                    notes="course shows ≈ 300×; ratio = loop time / np.dot time; " + notes,
                ),
                Row(
                    "vectorisation: logistic-regression step, numpy vs loops (X 1000×1000)",
                    f"{1e3 * step['loop']:.1f} ms (loops)",
                    f"{1e3 * step['vectorised']:.3f} ms (propagate)",
                    step["ratio"],
                    target=100,
                    notes="forward + cost + gradients; ratio = loop time / numpy time; " + notes,
                ),
            ]
        )


if __name__ == "__main__":
    main()
