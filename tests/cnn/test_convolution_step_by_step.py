"""C4W1A1 Convolution step by step (loops): golden cases, gradients, caches, bad input, the
lab's run."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numerical import numerical_gradient

import dlspec.labs
from dlspec.cnn import convolution_step_by_step as cs
from dlspec.cnn.golden.convolution_step_by_step import CASES
from dlspec.grading import run_case

LAB = "c4w1-conv-step"


@pytest.fixture
def registered(monkeypatch):
    """The lab registry with Course 4 in it (whether or not COURSE_PACKAGES lists it yet)."""
    if "dlspec.cnn" not in dlspec.labs.COURSE_PACKAGES:
        monkeypatch.setattr(
            dlspec.labs, "COURSE_PACKAGES", (*dlspec.labs.COURSE_PACKAGES, "dlspec.cnn")
        )


@pytest.mark.parametrize(
    "case", [c for c in CASES[LAB] if "shape" not in c.label], ids=lambda case: case.label
)
def test_a_slightly_wrong_answer_fails(case):
    func = getattr(cs, case.function)

    def wrong(*args, **kwargs):
        out = func(*args, **kwargs)
        if isinstance(out, tuple):
            return (out[0] * 1.01 + 0.01, *out[1:])
        return ~out if out.dtype == bool else out * 1.01 + 0.01

    assert run_case(case, {case.function: wrong}).status == "wrong value"


def test_registry_serves_the_golden_cases(registered):
    assert dlspec.labs.get_lab(LAB).reference == cs.__name__
    # the cases themselves run once, in tests/grading/test_grade_generated.py
    assert [c.label for c in dlspec.labs.get_lab(LAB).golden_cases()] == [
        c.label for c in CASES[LAB]
    ]


def test_conv_single_step_returns_a_float_scalar_without_numpy2_warning():
    np.random.seed(1)
    a, W, b = np.random.randn(4, 4, 3), np.random.randn(4, 4, 3), np.random.randn(1, 1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        z = cs.conv_single_step(a, W, b)
    assert isinstance(z, float) and np.ndim(z) == 0
    assert z == pytest.approx(-6.999089450680221, abs=1e-12)


def test_caches_are_the_course_tuples():
    np.random.seed(1)
    A_prev, W, b = (
        np.random.randn(1, 4, 4, 2),
        np.random.randn(2, 2, 2, 3),
        np.random.randn(1, 1, 1, 3),
    )
    hp = {"stride": 1, "pad": 0}
    _, cache = cs.conv_forward(A_prev, W, b, hp)
    assert len(cache) == 4 and cache[0] is A_prev and cache[1] is W and cache[3] is hp
    _, pcache = cs.pool_forward(A_prev, {"stride": 1, "f": 2}, mode="average")
    assert len(pcache) == 2 and pcache[0] is A_prev


def test_pool_forward_average_and_backward_average():
    A_prev = np.arange(16.0).reshape(1, 4, 4, 1)
    A, cache = cs.pool_forward(A_prev, {"f": 2, "stride": 2}, mode="average")
    np.testing.assert_allclose(A[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]])
    dA_prev = cs.pool_backward(np.ones_like(A), cache, mode="average")
    np.testing.assert_allclose(dA_prev, 0.25)


def test_max_pool_mask_routes_to_every_tie():
    mask = cs.create_mask_from_window(np.array([[1.0, 3.0], [3.0, 0.0]]))
    np.testing.assert_array_equal(mask, [[False, True], [True, False]])


def test_distribute_value_spreads_evenly():
    out = cs.distribute_value(3.0, (1, 3))
    np.testing.assert_allclose(out, [[1.0, 1.0, 1.0]])


# --- numerical gradient checks ----------------------------------------------------------------


def _numerical_gradient(loss, x: np.ndarray) -> np.ndarray:
    return numerical_gradient(loss, x, 1e-6)


@pytest.mark.parametrize("stride,pad", [(1, 0), (2, 1), (1, 2)])
def test_conv_backward_matches_numerical_gradient(stride, pad):
    rng = np.random.default_rng(stride * 10 + pad)
    A_prev = rng.standard_normal((2, 4, 3, 2))
    W = rng.standard_normal((2, 2, 2, 3))
    b = rng.standard_normal((1, 1, 1, 3))
    hp = {"stride": stride, "pad": pad}
    Z, cache = cs.conv_forward(A_prev, W, b, hp)
    dZ = rng.standard_normal(Z.shape)

    def loss() -> float:
        return float(np.sum(cs.conv_forward(A_prev, W, b, hp)[0] * dZ))

    dA_prev, dW, db = cs.conv_backward(dZ, cache)
    for analytic, x in ((dA_prev, A_prev), (dW, W), (db, b)):
        np.testing.assert_allclose(analytic, _numerical_gradient(loss, x), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("mode", ["max", "average"])
def test_pool_backward_matches_numerical_gradient(mode):
    rng = np.random.default_rng(3)
    A_prev = rng.standard_normal((2, 5, 4, 2))
    hp = {"stride": 1, "f": 2}
    A, cache = cs.pool_forward(A_prev, hp, mode)
    dA = rng.standard_normal(A.shape)

    def loss() -> float:
        return float(np.sum(cs.pool_forward(A_prev, hp, mode)[0] * dA))

    np.testing.assert_allclose(
        cs.pool_backward(dA, cache, mode), _numerical_gradient(loss, A_prev), rtol=1e-6, atol=1e-7
    )


# --- bad input --------------------------------------------------------------------------------

_A = np.zeros((2, 5, 5, 3))
_W = np.zeros((3, 3, 3, 4))
_B = np.zeros((1, 1, 1, 4))

BAD_CONV = [
    (
        _A,
        _W,
        _B,
        {"stride": 1, "pad": -1},
        ValueError,
        r'hparameters\["pad"\] must be an integer >= 0; got -1',
    ),
    (
        _A,
        _W,
        _B,
        {"stride": 0, "pad": 0},
        ValueError,
        r'hparameters\["stride"\] must be a positive integer; got 0',
    ),
    (_A, _W, _B, {"stride": 1.5, "pad": 0}, ValueError, r"positive integer; got 1.5"),
    (_A, _W, _B, {"stride": 1}, ValueError, r"needs the key 'pad'"),
    (_A, _W, _B, [1, 0], TypeError, r"hparameters must be a dict"),
    (
        np.zeros((2, 2, 5, 3)),
        _W,
        _B,
        {"stride": 1, "pad": 0},
        ValueError,
        r"does not fit along the height.*output size would be 0 < 1",
    ),
    (
        _A,
        np.zeros((3, 3, 2, 4)),
        _B,
        {"stride": 1, "pad": 0},
        ValueError,
        r"W expects 2 input channels.*A_prev has 3",
    ),
    (
        _A,
        _W,
        np.zeros((1, 1, 1, 3)),
        {"stride": 1, "pad": 0},
        ValueError,
        r"b must have shape \(1, 1, 1, 4\); got \(1, 1, 1, 3\)",
    ),
    (
        _A,
        _W,
        np.zeros(4),
        {"stride": 1, "pad": 0},
        ValueError,
        r"b must have shape \(1, 1, 1, 4\); got \(4,\)",
    ),
    (
        _A[0],
        _W,
        _B,
        {"stride": 1, "pad": 0},
        ValueError,
        r"A_prev must have shape 4-D; got \(5, 5, 3\)",
    ),
    (_A, np.zeros((3, 2, 3, 4)), _B, {"stride": 1, "pad": 0}, ValueError, r"square f×f filters"),
]


@pytest.mark.parametrize("A_prev,W,b,hp,error,match", BAD_CONV)
def test_conv_forward_rejects_bad_input(A_prev, W, b, hp, error, match):
    with pytest.raises(error, match=match):
        cs.conv_forward(A_prev, W, b, hp)


BAD_POOL = [
    ({"stride": 1, "f": 3}, "min", ValueError, r'mode must be "max" or "average"; got \'min\''),
    ({"stride": 1, "f": 6}, "max", ValueError, r"6×6 window does not fit"),
    ({"stride": 0, "f": 2}, "max", ValueError, r"stride.*got 0"),
    (
        {"stride": 1, "f": 0},
        "average",
        ValueError,
        r'hparameters\["f"\] must be a positive integer',
    ),
    ({"stride": 1, "pad": 1}, "max", ValueError, r"needs the key 'f'"),
]


@pytest.mark.parametrize("hp,mode,error,match", BAD_POOL)
def test_pool_forward_rejects_bad_input(hp, mode, error, match):
    with pytest.raises(error, match=match):
        cs.pool_forward(_A, hp, mode=mode)


def test_backward_passes_reject_mismatched_gradients_and_caches():
    Z, cache = cs.conv_forward(_A, _W, _B, {"stride": 1, "pad": 1})
    with pytest.raises(
        ValueError,
        match=r"dZ must have the shape of the forward output \(2, 5, 5, 4\); got \(2, 5, 5, 3\)",
    ):
        cs.conv_backward(Z[..., :3], cache)
    with pytest.raises(ValueError, match=r"cache must be the \(A_prev, W, b, hparameters\) tuple"):
        cs.conv_backward(Z, cache[:3])
    A, pcache = cs.pool_forward(_A, {"stride": 2, "f": 2})
    with pytest.raises(
        ValueError, match=r"dA must have the shape of the forward output \(2, 2, 2, 3\)"
    ):
        cs.pool_backward(np.zeros((2, 3, 3, 3)), pcache)
    with pytest.raises(ValueError, match=r"mode must be"):
        cs.pool_backward(A, pcache, mode="avg")
    with pytest.raises(ValueError, match=r"cache must be the \(A_prev, hparameters\) tuple"):
        cs.pool_backward(A, cache)


def test_small_helpers_reject_bad_input():
    with pytest.raises(ValueError, match=r"pad must be an integer >= 0; got -2"):
        cs.zero_pad(_A, -2)
    with pytest.raises(ValueError, match=r"W must have shape \(3, 3, 3\); got \(3, 3, 2\)"):
        cs.conv_single_step(np.zeros((3, 3, 3)), np.zeros((3, 3, 2)), np.zeros((1, 1, 1)))
    with pytest.raises(ValueError, match=r"b must hold one number"):
        cs.conv_single_step(np.zeros((3, 3, 3)), np.zeros((3, 3, 3)), np.zeros((1, 1, 2)))
    with pytest.raises(ValueError, match=r"dz must be a scalar"):
        cs.distribute_value(np.ones(2), (2, 2))
    with pytest.raises(ValueError, match=r"shape\[1\] must be a positive integer; got 0"):
        cs.distribute_value(1.0, (2, 0))


# --- the lab ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_run_quick(registered, tmp_path):
    result = dlspec.labs.get_lab(LAB).run(quick=True, out_dir=tmp_path)
    assert result.metrics["golden cases passed"] == 1.0
    assert result.metrics["vectorised vs loop max difference"] < 1e-10
    speedup = [v for k, v in result.metrics.items() if k.startswith("vectorised speed-up")]
    assert len(speedup) == 1 and speedup[0] > 10  # ≥ 100× in `make bench`; loose under load
    for target in dlspec.labs.get_lab(LAB).quick_targets:
        assert target.met(result.metrics[target.metric]), target
    assert all(path.exists() for path in result.figures) and result.figures
    assert all(path.parent == tmp_path / LAB for path in result.figures)
