"""The README's "Use dlspec's blocks in your own Keras code" example, run as written."""

from __future__ import annotations

import os
import re
from pathlib import Path

from dlspec.data.catvnoncat import CATVNONCAT_FILES
from tests.conftest import need_data

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example() -> str:
    """The first python block of the README's "Use dlspec's blocks" section."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Use dlspec's blocks in your own Keras code") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_example_runs(tmp_path, monkeypatch, capsys):
    need_data(*CATVNONCAT_FILES.values())
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(readme_example(), "README example", "exec"), namespace)  # noqa: S102
    out = capsys.readouterr().out
    print(out)
    history, trainer = namespace["history"], namespace["trainer"]
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert 1 <= len(history["loss"]) <= 8 and history["loss"][-1] < history["loss"][0]
    assert "{'loss': " in out and trainer.epoch == len(history["loss"])
    assert os.listdir(tmp_path / "logs" / "cat" / "train")
    assert (tmp_path / "runs" / "cat" / "history.json").exists()
