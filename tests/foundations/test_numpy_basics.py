"""W2A1: the vectorised numpy functions agree with straightforward pure-Python loops."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlspec.foundations import numpy_basics as nb

# --- Loop references: lists of floats, math.exp / math.sqrt, one element at a time ---------------


def loop_sigmoid(x: list[list[float]]) -> list[list[float]]:
    return [[1 / (1 + math.exp(-v)) for v in row] for row in x]


def loop_softmax(x: list[list[float]]) -> list[list[float]]:
    out = []
    for row in x:
        exps = [math.exp(v) for v in row]
        total = sum(exps)
        out.append([e / total for e in exps])
    return out


def loop_normalize_rows(x: list[list[float]]) -> list[list[float]]:
    out = []
    for row in x:
        norm = math.sqrt(sum(v * v for v in row))
        out.append([v / norm for v in row])
    return out


def loop_L1(yhat: list[float], y: list[float]) -> float:
    total = 0.0
    for a, b in zip(yhat, y):
        total += abs(b - a)
    return total


def loop_L2(yhat: list[float], y: list[float]) -> float:
    total = 0.0
    for a, b in zip(yhat, y):
        total += (b - a) ** 2
    return total


def loop_image2vector(image: list[list[list[float]]]) -> list[list[float]]:
    column = []
    for plane in image:  # length
        for pixel in plane:  # height
            for value in pixel:  # depth (C order: the last index runs fastest)
                column.append([value])
    return column


SEEDS = [0, 1, 2]


@pytest.fixture(params=SEEDS)
def rng(request):
    return np.random.default_rng(request.param)


def test_sigmoid_matches_loop(rng):
    x = rng.normal(scale=3.0, size=(4, 7))
    np.testing.assert_allclose(nb.sigmoid(x), loop_sigmoid(x.tolist()), rtol=1e-12)


def test_sigmoid_derivative_matches_loop(rng):
    x = rng.normal(scale=3.0, size=(3, 5))
    s = loop_sigmoid(x.tolist())
    expected = [[v * (1 - v) for v in row] for row in s]
    np.testing.assert_allclose(nb.sigmoid_derivative(x), expected, rtol=1e-12)


def test_softmax_matches_loop(rng):
    x = rng.normal(scale=2.0, size=(3, 6))
    got = nb.softmax(x)
    np.testing.assert_allclose(got, loop_softmax(x.tolist()), rtol=1e-12)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=1e-12)


def test_normalize_rows_matches_loop(rng):
    x = rng.normal(size=(5, 4))
    np.testing.assert_allclose(nb.normalizeRows(x), loop_normalize_rows(x.tolist()), rtol=1e-12)
    assert nb.normalize_rows is nb.normalizeRows


@pytest.mark.parametrize(("vectorised", "loop"), [(nb.L1, loop_L1), (nb.L2, loop_L2)])
def test_losses_match_loop(rng, vectorised, loop):
    yhat = rng.random(20)
    y = (rng.random(20) > 0.5).astype(float)
    got = vectorised(yhat, y)
    assert isinstance(got, float)
    assert got == pytest.approx(loop(yhat.tolist(), y.tolist()), rel=1e-12)


def test_image2vector_matches_loop(rng):
    image = rng.random((3, 4, 2))
    got = nb.image2vector(image)
    assert got.shape == (24, 1)
    np.testing.assert_array_equal(got, loop_image2vector(image.tolist()))


def test_basic_sigmoid_matches_vectorised(rng):
    for value in rng.normal(scale=3.0, size=10):
        assert nb.basic_sigmoid(float(value)) == pytest.approx(float(nb.sigmoid(value)), rel=1e-15)
