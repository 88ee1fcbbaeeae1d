"""Seconds per 5000-epoch run of C2W2's ``model`` on the moons, per optimizer.

``train`` (what ``model`` runs) validates once and then steps with the unchecked helpers. For
comparison the script also times the same epochs written with the public, validating functions
(``forward_propagation``, ``compute_cost``, ``backward_propagation``, ``update_parameters_with_*``,
``random_mini_batches``): the difference is what per-step validation would cost. Both loops
must end with the same parameters; the script checks it.

Run:
    python benchmarks/bench_minibatch_training.py [--repeats 3] [--epochs 5000]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from dlspec.data.toy2d import load_moons_dataset
from dlspec.optimization import optimization_methods as om

DIMS = [2, 5, 2, 1]


def checked_loop(X, Y, optimizer: str, num_epochs: int) -> dict:
    """The course's ``model`` loop through the public functions (validation at every step)."""
    parameters = om.initialize_parameters(DIMS)
    v, s = om.initialize_adam(parameters)
    t, seed = 0, 10
    for _ in range(num_epochs):
        seed += 1
        for mini_X, mini_Y in om.random_mini_batches(X, Y, 64, seed):
            a3, cache = om.forward_propagation(mini_X, parameters)
            om.compute_cost(a3, mini_Y)
            grads = om.backward_propagation(mini_X, mini_Y, cache)
            if optimizer == "gd":
                parameters = om.update_parameters_with_gd(parameters, grads, 0.0007)
            elif optimizer == "momentum":
                parameters, v = om.update_parameters_with_momentum(parameters, grads, v, 0.9, 7e-4)
            else:
                t += 1
                parameters, v, s, _, _ = om.update_parameters_with_adam(
                    parameters, grads, v, s, t, 0.0007
                )
    return parameters


def _time(fn, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5000)
    args = parser.parse_args()
    X, Y = load_moons_dataset()
    print(f"{args.epochs} epochs, 300 examples, mini-batches of 64 ({args.repeats} repeats)")
    print(f"{'optimizer':<10} {'train (s)':>10} {'checked (s)':>12} {'ratio':>6}  accuracy")
    for optimizer in om.OPTIMIZERS:
        fast, slow = [], []
        for _ in range(args.repeats):
            seconds, history = _time(om.train, X, Y, DIMS, optimizer, num_epochs=args.epochs)
            fast.append(seconds)
            seconds, parameters = _time(checked_loop, X, Y, optimizer, args.epochs)
            slow.append(seconds)
        for key, value in history["parameters"].items():
            np.testing.assert_allclose(value, parameters[key], rtol=1e-12, err_msg=key)
        a, b = statistics.median(fast), statistics.median(slow)
        acc = om.accuracy(history["parameters"], X, Y)
        print(f"{optimizer:<10} {a:>10.2f} {b:>12.2f} {b / a:>6.2f}  {acc:.4f}")


if __name__ == "__main__":
    main()
