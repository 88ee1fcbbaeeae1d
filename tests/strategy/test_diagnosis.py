"""Diagnosis: the course's four examples (golden cases), bad input, the Keras callback, plots."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from dlspec.grading import run_case
from dlspec.strategy.callbacks import DiagnosisCallback, classification_error
from dlspec.strategy.diagnosis import REMEDIES, diagnose
from dlspec.strategy.golden.case_study import CASES
from dlspec.strategy.plots import plot_error_curves


def test_a_wrong_diagnosis_is_caught():
    case = next(c for c in CASES["c3-case-study"] if c.function == "diagnose")
    wrong = {"diagnose": lambda **kw: {"avoidable bias": 0.0, "dominant": "variance"}}
    assert run_case(case, wrong).status != "pass"


def test_remedies_and_missing_stages():
    d = diagnose(human=0.01, train=0.08, dev=0.10)
    assert d.remedies == REMEDIES["avoidable bias"]
    assert d.train_dev is None and d.data_mismatch is None and d.dev_overfitting is None
    assert d.variance == pytest.approx(0.02)
    d = diagnose(train=0.02, train_dev=0.03, dev=0.03, test=0.10)
    assert d.avoidable_bias is None and d.dominant == "dev overfitting"
    assert d.remedies == ("get a bigger dev set",)
    assert diagnose(human=0.05, train=0.04, dev=0.04).dominant == "none"
    assert "| **avoidable bias** | — |" in d.table()
    assert str(d).startswith("Focus on dev overfitting")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"train": -0.1, "dev": 0.1}, r"train error must be a fraction in \[0, 1\]"),
        ({"train": 8, "dev": 10}, r"pass 0.08 for 8%"),
        ({"train": 0.1, "dev": float("nan")}, "dev error must be a fraction"),
        ({"train": 0.1, "human": "1%"}, "human error must be a number"),
        ({"train": 0.1}, "needs a second error"),
    ],
)
def test_bad_error_rates(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        diagnose(**kwargs)


def test_classification_error():
    assert classification_error([1, 0, 1, 1], [[0.9], [0.2], [0.4], [0.6]]) == 0.25
    probs = np.array([[0.8, 0.2], [0.1, 0.9]])
    assert classification_error([1, 1], probs) == 0.5
    assert classification_error(np.eye(2), probs) == 0.0


def _toy(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(64, 4)).astype("float32")
    return x, (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype("float32")


def test_callback_records_errors_with_model_fit(tmp_path):
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    (x, y), (xd, yd), (xv, yv) = _toy(0), _toy(1), _toy(2)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy")
    dev_ds = tf.data.Dataset.from_tensor_slices((xv, yv)).batch(16)
    cb = DiagnosisCallback(
        {"train": (x, y), "train_dev": (xd, yd), "dev": dev_ds}, human=0.0, every=2
    )
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0, callbacks=[cb])
    assert cb.epochs == [2, 4, 5]
    assert set(cb.errors) == {"train", "train_dev", "dev"}
    assert all(len(v) == 3 for v in cb.errors.values())
    assert cb.errors["train"][-1] < 0.2  # a linear problem: learnt
    last = cb.diagnoses[-1]
    assert last.train == cb.errors["train"][-1] and last.human == 0.0
    assert "dev_error" in history.history
    path = cb.plot(tmp_path / "errors.png")
    assert path.exists() and path.stat().st_size > 1000


def test_callback_bad_input(tmp_path):
    with pytest.raises(ValueError, match="needs a 'train' set"):
        DiagnosisCallback({"dev": (np.zeros((2, 1)), np.zeros(2))})
    with pytest.raises(ValueError, match="unknown sets"):
        DiagnosisCallback({"train": (1, 2), "validation": (1, 2)})
    with pytest.raises(ValueError, match="every must be a positive integer"):
        DiagnosisCallback({"train": (1, 2)}, every=0)
    with pytest.raises(ValueError, match="human error must be a fraction"):
        DiagnosisCallback({"train": (1, 2)}, human=1.5)
    with pytest.raises(RuntimeError, match="nothing recorded"):
        DiagnosisCallback({"train": (1, 2)}).plot(tmp_path / "x.png")
    with pytest.raises(ValueError, match="same length"):
        plot_error_curves({"train": [0.1, 0.2], "dev": [0.3]}, tmp_path / "x.png")
