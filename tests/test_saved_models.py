"""A model built from dlspec blocks, saved to ``.keras``, loads in a fresh process (issue 21).

The fresh processes import only ``dlspec`` course packages (which import no TensorFlow), or
nothing at all: then the error must point at dlspec.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest

from dlspec.cnn.architectures.lenet import scaled_tanh
from dlspec.cnn.detection.yolo_v2 import SpaceToDepth
from dlspec.optimization import Adam, BatchNormalization, EpochInverseTimeDecay
from dlspec.strategy.multitask import MaskedBinaryCrossentropy

REPO = Path(__file__).resolve().parents[1]
X = np.random.default_rng(0).random((4, 4, 4, 2), dtype=np.float32)

# Runs in a fresh interpreter: argv = (model path, expected-predictions path).
LOAD = textwrap.dedent(
    """
    import sys
    {imports}
    import keras, numpy as np
    x = np.random.default_rng(0).random((4, 4, 4, 2), dtype=np.float32)
    try:
        model = keras.saving.load_model(sys.argv[1])
    except Exception as err:
        print("LOAD FAILED:", err)
        raise SystemExit(3)
    assert type(model.layers[0]).__module__ == "dlspec.cnn.detection.yolo_v2", model.layers
    assert type(model.optimizer).__module__ == "dlspec.optimization.optimizers.adam"
    np.testing.assert_allclose(model.predict(x, verbose=0), np.load(sys.argv[2]), rtol=1e-5)
    print("LOADED", "tensorflow" in sys.modules)
    """
)


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> tuple[Path, Path]:
    model = keras.Sequential(
        [
            keras.Input((4, 4, 2)),
            SpaceToDepth(2),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation=scaled_tanh),
            BatchNormalization(),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=Adam(EpochInverseTimeDecay(0.01, decay_rate=1.0, steps_per_epoch=2)),
        loss=MaskedBinaryCrossentropy(),
    )
    model.fit(X, np.array([[1.0], [0.0], [-1.0], [1.0]]), epochs=1, verbose=0)
    folder = tmp_path_factory.mktemp("saved")
    np.save(folder / "expected.npy", model.predict(X, verbose=0))
    model.save(folder / "model.keras")
    return folder / "model.keras", folder / "expected.npy"


def _start(imports: str, saved: tuple[Path, Path]) -> subprocess.Popen:
    code = LOAD.format(imports=imports)
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, saved)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.slow
def test_saved_model_loads_in_fresh_processes(saved):
    # both interpreters start at once: the suite pays for one TensorFlow import, not two
    after_dlspec = _start("import dlspec.cnn, dlspec.optimization, dlspec.strategy", saved)
    after_nothing = _start("", saved)
    out, _ = after_dlspec.communicate(timeout=240)
    assert after_dlspec.returncode == 0, out
    assert "LOADED True" in out
    out, _ = after_nothing.communicate(timeout=240)
    assert after_nothing.returncode == 3, out
    assert "dlspec" in out.split("LOAD FAILED:", 1)[1]


def test_importing_the_course_packages_stays_free_of_tensorflow():
    code = (
        "import sys, dlspec, dlspec.optimization, dlspec.cnn, dlspec.strategy\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
