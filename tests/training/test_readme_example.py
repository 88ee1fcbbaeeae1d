"""The README's "Use dlspec's blocks in your own Keras code" example, run as written."""

from __future__ import annotations

import os

from dlspec.data.catvnoncat import CATVNONCAT_FILES
from tests.conftest import need_data

EXAMPLE = """
import keras
from dlspec.data import catvnoncat_tf_dataset
from dlspec.optimization import Adam, BatchNormalization
from dlspec.training import Trainer

train, test = catvnoncat_tf_dataset("train"), catvnoncat_tf_dataset("test", shuffle=False)
model = lambda: keras.Sequential([keras.Input((64, 64, 3)), keras.layers.Flatten(),
    keras.layers.Dense(16), BatchNormalization(), keras.layers.ReLU(),
    keras.layers.Dense(1, activation="sigmoid")])
callbacks = [keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True),
             keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=1)]
trainer = Trainer(model, optimizer=lambda: Adam(learning_rate=0.001), callbacks=callbacks,
                  checkpoint_dir="runs/cat", log_dir="logs/cat", verbose=2)
history = trainer.fit(train, epochs=8, validation_data=test)
print(trainer.evaluate(test))
"""


def test_readme_example_runs(tmp_path, monkeypatch, capsys):
    need_data(*CATVNONCAT_FILES.values())
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(EXAMPLE, "README example", "exec"), namespace)  # noqa: S102
    out = capsys.readouterr().out
    print(out)
    history, trainer = namespace["history"], namespace["trainer"]
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert 1 <= len(history["loss"]) <= 8 and history["loss"][-1] < history["loss"][0]
    assert "{'loss': " in out and trainer.epoch == len(history["loss"])
    assert os.listdir(tmp_path / "logs" / "cat" / "train")
    assert (tmp_path / "runs" / "cat" / "history.json").exists()
