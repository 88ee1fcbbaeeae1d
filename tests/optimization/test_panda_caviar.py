"""Panda vs caviar: one babysat model against a parallel search, on the regularization data."""

from __future__ import annotations

import json

import keras_tuner
import pytest
from conftest import need_data

from dlspec.data.football import FOOTBALL_FILE
from dlspec.optimization.tuning.panda_caviar import comparison_markdown, panda_vs_caviar
from dlspec.optimization.tuning.space import zoom_space

pytestmark = pytest.mark.filterwarnings("ignore:(currentThread|getName):DeprecationWarning")

TRIALS, ZOOM, EPOCHS = 2, 1, 40


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    need_data(FOOTBALL_FILE)
    out = tmp_path_factory.mktemp("panda_caviar")
    table = panda_vs_caviar(
        trials=TRIALS, zoom_trials=ZOOM, processes=2, epochs=EPOCHS, seed=0, out_dir=out
    )
    return table, out


@pytest.mark.slow
def test_both_sides_are_reported_with_the_same_budget(comparison):
    table, _ = comparison
    panda, caviar = table["panda"], table["caviar"]
    assert (panda["models trained"], panda["processes"]) == (1, 1)
    assert (caviar["models trained"], caviar["processes"]) == (TRIALS + ZOOM, 2)
    # the panda trains as many passes as all the caviar's models together
    assert panda["passes per model"] == caviar["models trained"] * caviar["passes per model"]
    for side in (panda, caviar):
        assert side["wall time (s)"] > 0
        # better than predicting the majority class (0.57 of the dev set), at most 1
        assert 0.6 < side["best dev accuracy"] <= 1.0
    assert set(caviar["best hyperparameters"]) == {"learning_rate", "lambd"}
    assert "| panda | 1 | 1 |" in table["markdown"]
    assert "| caviar | 3 | 2 |" in table["markdown"]


@pytest.mark.slow
def test_the_panda_is_babysat(comparison):
    panda = comparison[0]["panda"]
    assert len(panda["learning rates"]) == len(panda["dev accuracy"]) == TRIALS + ZOOM
    assert panda["learning rates"][0] == pytest.approx(0.01)
    rates = panda["learning rates"]
    assert all(a >= b for a, b in zip(rates, rates[1:]))  # only ever lowered
    assert panda["best dev accuracy"] == max(panda["dev accuracy"])


@pytest.mark.slow
def test_the_caviar_trials_are_a_keras_tuner_project(comparison):
    table, out = comparison
    files = sorted((out / "caviar" / "regularization").glob("trial_*/trial.json"))
    trials = [json.loads(f.read_text()) for f in files]
    assert [t["status"] for t in trials] == ["COMPLETED"] * (TRIALS + ZOOM)
    assert max(t["score"] for t in trials) == pytest.approx(table["caviar"]["best dev accuracy"])
    # the third trial was drawn in the box zoomed around both finished coarse trials
    oracle = json.loads((out / "caviar" / "regularization" / "oracle.json").read_text())
    by_id = {t["trial_id"]: t["hyperparameters"]["values"] for t in trials}
    coarse = [by_id[i] for i in oracle["start_order"][:TRIALS]]
    space = keras_tuner.HyperParameters.from_config(oracle["hyperparameters"])
    zoomed = by_id[oracle["start_order"][TRIALS]]
    for hp in zoom_space(space, coarse).space:
        assert hp.min_value <= zoomed[hp.name] <= hp.max_value


def test_comparison_markdown_formats_a_table():
    row = {
        "models trained": 1,
        "processes": 1,
        "passes per model": 100,
        "wall time (s)": 12.3456,
        "best dev accuracy": 0.93,
    }
    text = comparison_markdown({"panda": row, "caviar": {**row, "models trained": 8}})
    assert text.splitlines()[2] == "| panda | 1 | 1 | 100 | 12.35 | 0.9300 |"
    assert text.splitlines()[3].startswith("| caviar | 8 |")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dataset": "cats"}, "dataset must be one of"),
        ({"processes": 0}, "processes must be a positive integer"),
        ({"epochs": 0}, "epochs must be a positive integer"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        panda_vs_caviar(**kwargs)
