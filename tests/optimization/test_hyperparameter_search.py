"""Hyperparameter search: samplers against their distributions, the zoom rule, the oracle on a
closed-form objective (no training), seeds and resuming, and a small real study per lab."""

from __future__ import annotations

import math

import keras_tuner
import numpy as np
import pytest
from conftest import need_data
from keras_tuner.engine.trial import TrialStatus
from scipy import stats

from dlspec.data.football import FOOTBALL_FILE
from dlspec.data.signs import SIGNS_JPEG_DIR
from dlspec.optimization.tuning.models import RegularizationHyperModel, study_hypermodel
from dlspec.optimization.tuning.search import (
    CoarseToFineOracle,
    CoarseToFineSearch,
    search_study,
)
from dlspec.optimization.tuning.space import (
    hp_beta,
    hp_log_uniform,
    sample_beta,
    sample_log_uniform,
    zoom_space,
)
from dlspec.viz.search import plot_search

PNG = b"\x89PNG\r\n\x1a\n"
# KerasTuner 1.4.8's oracle lock calls threading.currentThread().getName()
pytestmark = [
    pytest.mark.filterwarnings("ignore:(currentThread|getName):DeprecationWarning"),
    # KerasTuner's get_best_models loads weights into a model with a fresh optimizer
    pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer:UserWarning"),
    # raised inside Keras' save_weights (TensorFlow tensors and NumPy 2's copy keyword)
    pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning"),
]

# --- samplers against the analytic distributions ----------------------------------------------


def _log_uniform_cdf(low, high):
    return lambda v: np.clip(np.log10(v / low) / np.log10(high / low), 0, 1)


def test_log_uniform_matches_its_distribution_and_not_the_uniform_one():
    draws = sample_log_uniform(1e-4, 1.0, size=4000, seed=0)
    assert stats.kstest(draws, _log_uniform_cdf(1e-4, 1.0)).pvalue > 0.01
    # each decade gets a quarter of the draws (binomial sd ≈ 0.007)
    decades = np.histogram(np.log10(draws), bins=[-4, -3, -2, -1, 0])[0] / draws.size
    np.testing.assert_allclose(decades, 0.25, atol=0.03)
    # the control: values uniform on [1e-4, 1] are rejected by the same test
    uniform = np.random.default_rng(0).uniform(1e-4, 1.0, 4000)
    assert stats.kstest(uniform, _log_uniform_cdf(1e-4, 1.0)).pvalue < 1e-6


def test_beta_is_one_minus_ten_to_a_uniform_exponent():
    beta = sample_beta(0.9, 0.999, size=4000, seed=1)
    r = np.log10(1 - beta)
    assert r.min() >= -3 - 1e-9 and r.max() <= -1 + 1e-9
    assert stats.kstest(r, stats.uniform(loc=-3, scale=2).cdf).pvalue > 0.01
    # analytic quantiles: P(β > b) = P(r < log10(1 − b)) = (log10(1 − b) + 3) / 2
    for b in (0.95, 0.99, 0.995):
        assert abs(np.mean(beta > b) - (math.log10(1 - b) + 3) / 2) < 0.03
    uniform_beta = np.random.default_rng(1).uniform(0.9, 0.999, 4000)
    assert stats.kstest(np.log10(1 - uniform_beta), stats.uniform(-3, 2).cdf).pvalue < 1e-6


def test_samplers_are_seeded_and_scalar_without_size():
    assert sample_log_uniform(seed=3) == sample_log_uniform(seed=3)
    assert isinstance(sample_beta(seed=3), float)
    assert not np.array_equal(sample_beta(size=3, seed=3), sample_beta(size=3, seed=4))


def test_keras_tuner_draws_follow_the_same_distributions():
    hp = keras_tuner.HyperParameters()
    hp_log_uniform(hp, "learning_rate", 1e-4, 1.0)
    hp_beta(hp, "beta1", 0.9, 0.999)
    lr_hp, beta_hp = hp.space
    assert (beta_hp.name, beta_hp.sampling) == ("one_minus_beta1", "log")
    # the oracle draws each value with hp.random_sample(seed_state), seed_state += 1
    lr = np.array([lr_hp.random_sample(s) for s in range(0, 6000, 2)])
    one_minus = np.array([beta_hp.random_sample(s) for s in range(1, 6000, 2)])
    assert stats.kstest(lr, _log_uniform_cdf(1e-4, 1.0)).pvalue > 0.01
    assert stats.kstest(np.log10(one_minus), stats.uniform(-3, 2).cdf).pvalue > 0.01
    hp.values["one_minus_beta1"] = 0.01
    assert hp_beta(hp, "beta1") == pytest.approx(0.99)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: sample_log_uniform(0, 1), "0 < low < high"),
        (lambda: sample_log_uniform(1, 0.1), "0 < low < high"),
        (lambda: sample_beta(0.9, 1.0), "0 <= low < high < 1"),
        (lambda: hp_beta(keras_tuner.HyperParameters(), "b", 0.0, 0.9), "low > 0"),
        (lambda: zoom_space(keras_tuner.HyperParameters(), []), "empty"),
        (lambda: zoom_space(keras_tuner.HyperParameters(), [{}], margin=-1), "margin"),
    ],
)
def test_bad_sampler_arguments_are_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- the zoom rule -----------------------------------------------------------------------------


def test_zoom_rule_on_hand_computed_cases():
    hp = keras_tuner.HyperParameters()
    hp.Float("lr", 1e-4, 1.0, sampling="log")
    hp.Float("keep", 0.0, 1.0)
    hp.Int("width", 8, 256, sampling="log")
    hp.Choice("act", ["relu", "tanh", "gelu"])
    hp.Boolean("bn")
    top = [
        {"lr": 1e-3, "keep": 0.4, "width": 32, "act": "gelu", "bn": True},
        {"lr": 1e-2, "keep": 0.5, "width": 64, "act": "relu", "bn": True},
    ]
    zoomed = {p.name: p for p in zoom_space(hp, top, margin=0.25).space}
    # log10 range [-4, 0], width 4, pad 1: [-3 - 1, -2 + 1] = [-4, -1]
    assert (zoomed["lr"].min_value, zoomed["lr"].max_value) == pytest.approx((1e-4, 0.1))
    assert zoomed["lr"].sampling == "log"
    assert (zoomed["keep"].min_value, zoomed["keep"].max_value) == pytest.approx((0.15, 0.75))
    # log2 range 8..256 is 5 octaves; pad 1.25 octaves: [32 / 2^1.25, 64 · 2^1.25] rounded out
    assert (zoomed["width"].min_value, zoomed["width"].max_value) == (13, 153)
    assert list(zoomed["act"].values) == ["relu", "gelu"]
    assert type(zoomed["bn"]).__name__ == "Boolean"
    tight = {p.name: p for p in zoom_space(hp, top, margin=0.0).space}
    assert (tight["width"].min_value, tight["width"].max_value) == (32, 64)


# --- the oracle on a closed-form objective -----------------------------------------------------

OPTIMUM = {"learning_rate": 3e-3, "lambd": 0.3}


def _log_distance(values):
    return math.hypot(*(math.log10(values[k] / OPTIMUM[k]) for k in OPTIMUM))


class Bowl(CoarseToFineSearch):
    """No training: the 'dev accuracy' is a bowl in log space around OPTIMUM."""

    calls = 0
    interrupt_at = None

    def run_trial(self, trial, *args, **kwargs):
        type(self).calls += 1
        if type(self).calls == type(self).interrupt_at:
            raise KeyboardInterrupt  # a kill in the middle of a trial
        hp = trial.hyperparameters
        values = {
            "learning_rate": hp_log_uniform(hp, "learning_rate", 1e-4, 1.0),
            "lambd": hp_log_uniform(hp, "lambd", 1e-3, 10.0),
        }
        return {"val_accuracy": 1.0 - 0.1 * _log_distance(values) ** 2}


def _space():
    hp = keras_tuner.HyperParameters()
    hp_log_uniform(hp, "learning_rate", 1e-4, 1.0)
    hp_log_uniform(hp, "lambd", 1e-3, 10.0)
    return hp


def _bowl(directory, seed=0, coarse=12, zoom=12, **kwargs):
    tuner = Bowl(
        hyperparameters=_space(),
        coarse_trials=coarse,
        zoom_trials=zoom,
        top_k=3,
        seed=seed,
        directory=str(directory),
        project_name="bowl",
        **kwargs,
    )
    tuner.search(verbose=0)
    return tuner


def _values(tuner):
    return [r["hyperparameters"] for r in tuner.trial_records()]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_zoomed_stage_lands_closer_to_the_optimum(tmp_path, seed):
    tuner = _bowl(tmp_path, seed=seed)
    records = tuner.trial_records()
    assert [r["stage"] for r in records] == [1] * 12 + [2] * 12
    stage1 = [_log_distance(r["hyperparameters"]) for r in records if r["stage"] == 1]
    stage2 = [_log_distance(r["hyperparameters"]) for r in records if r["stage"] == 2]
    assert np.median(stage2) < 0.6 * np.median(stage1)
    zoomed = {p.name: (p.min_value, p.max_value) for p in tuner.oracle.zoomed_space().space}
    for name, (low, high) in zoomed.items():
        assert low < OPTIMUM[name] < high  # the zoomed box holds the optimum ...
        inside = [low <= r["hyperparameters"][name] <= high for r in records if r["stage"] == 2]
        assert all(inside)  # ... and every stage-2 point is drawn inside it
    assert zoomed["learning_rate"][1] / zoomed["learning_rate"][0] < 1e4  # and it is narrower


def test_same_seed_same_points_other_seed_other_points(tmp_path):
    a = _values(_bowl(tmp_path / "a", seed=0, coarse=4, zoom=3))
    b = _values(_bowl(tmp_path / "b", seed=0, coarse=4, zoom=3))
    c = _values(_bowl(tmp_path / "c", seed=5, coarse=4, zoom=3))
    assert a == b and a != c
    assert CoarseToFineOracle(seed=0).seed == 0  # KerasTuner alone would draw a random seed


def test_a_killed_search_resumes_where_it_stopped(tmp_path):
    full = _values(_bowl(tmp_path / "full", coarse=4, zoom=3))
    Bowl.calls, Bowl.interrupt_at = 0, 3
    try:
        with pytest.raises(KeyboardInterrupt):
            _bowl(tmp_path / "killed", coarse=4, zoom=3)
        assert Bowl.calls == 3
        Bowl.calls, Bowl.interrupt_at = 0, None
        resumed = _bowl(tmp_path / "killed", coarse=4, zoom=3)
        assert Bowl.calls == 5  # the killed trial again, then the 4 never started
        assert _values(resumed) == full
        Bowl.calls = 0
        _bowl(tmp_path / "killed", coarse=4, zoom=3)
        assert Bowl.calls == 0  # a finished search is not rerun
    finally:
        Bowl.calls, Bowl.interrupt_at = 0, None


def test_resuming_with_other_settings_is_refused(tmp_path):
    _bowl(tmp_path, coarse=3, zoom=1)
    with pytest.raises(ValueError, match="coarse_trials"):
        _bowl(tmp_path, coarse=4, zoom=1)


def test_zoom_waits_for_running_coarse_trials(tmp_path):
    tuner = Bowl(
        hyperparameters=_space(),
        coarse_trials=2,
        zoom_trials=2,
        top_k=1,
        margin=0.25,
        directory=str(tmp_path),
        project_name="parallel",
    )
    oracle = tuner.oracle
    oracle.verbose = 0
    first, second = oracle.create_trial("w0"), oracle.create_trial("w1")
    assert oracle.create_trial("w2").status == TrialStatus.IDLE  # stage 1 still running
    for trial, score in ((first, 0.5), (second, 0.9)):
        oracle.update_trial(trial.trial_id, {"val_accuracy": score})
        trial.status = TrialStatus.COMPLETED
        oracle.end_trial(trial)
    zoomed = oracle.create_trial("w2")
    assert zoomed.status == TrialStatus.RUNNING and oracle.stage_of(zoomed.trial_id) == 2
    # top_k=1 zooms around the better trial only
    best_lr = second.hyperparameters.values["learning_rate"]
    box = {p.name: (p.min_value, p.max_value) for p in oracle.zoomed_space().space}
    assert box["learning_rate"][0] <= best_lr <= box["learning_rate"][1]
    # top_k=1, margin 0.25 of 4 decades: one decade either side, clipped to [1e-4, 1]
    expected = (max(best_lr / 10, 1e-4), min(best_lr * 10, 1.0))
    assert box["learning_rate"] == pytest.approx(expected, rel=1e-9)


# --- the scatter plot --------------------------------------------------------------------------


def test_plot_search_draws_every_pair(tmp_path):
    trials = [
        {
            "hyperparameters": {"a": 10.0**-k, "b": k, "c": 0.1 * k},
            "stage": 1 + k % 2,
            "dev accuracy": 0.5 + 0.1 * k,
        }
        for k in range(4)
    ]
    path = plot_search(
        trials,
        tmp_path / "pairs.png",
        log_scale={"a": True},
        zoom_ranges={"a": (1e-3, 1e-1), "b": (1, 3)},
    )
    assert path.read_bytes()[:8] == PNG
    single = plot_search(trials, tmp_path / "one.png", params=["a"])
    assert single.exists()
    with pytest.raises(ValueError, match="numerical hyperparameters"):
        plot_search(trials, tmp_path / "x.png", params=["nope"])
    with pytest.raises(ValueError, match="empty"):
        plot_search([], tmp_path / "x.png")
    with pytest.raises(ValueError, match="stage must be 1 or 2"):
        plot_search([{**trials[0], "stage": 3}], tmp_path / "x.png")


# --- real studies --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def football_study(tmp_path_factory):
    need_data(FOOTBALL_FILE)
    out = tmp_path_factory.mktemp("study")
    kwargs = {"trials": 4, "zoom_trials": 2, "epochs": 40, "seed": 0, "top_k": 2}
    first = search_study("regularization", out_dir=out, **kwargs)
    again = search_study("regularization", out_dir=out, **kwargs)  # same project: resumes
    other_dir = search_study("regularization", out_dir=out / "copy", **kwargs)
    return first, again, other_dir


@pytest.mark.slow
def test_study_reports_stages_best_trials_and_a_plot(football_study):
    result, _, _ = football_study
    assert [t["stage"] for t in result.trials] == [1, 1, 1, 1, 2, 2]
    assert result.stages[1]["trials"] == 4 and result.stages[2]["trials"] == 2
    assert result.stages[1]["ranges"]["learning_rate"] == pytest.approx((1e-4, 1.0))
    low, high = result.stages[2]["ranges"]["learning_rate"]
    assert 1e-4 <= low < high <= 1.0 and high / low < 1e4
    accuracies = [t["dev accuracy"] for t in result.best_trials]
    assert accuracies == sorted(accuracies, reverse=True)
    assert accuracies[0] == max(t["dev accuracy"] for t in result.trials)
    # 40 full-batch Adam steps: the best of 6 log-sampled settings beats the all-ones guess
    # (0.57 of the dev set is labelled 1) by a clear margin; the course's L2 model gets 0.93
    assert accuracies[0] > 0.85
    assert set(result.best_trials[0]["hyperparameters"]) == {"learning_rate", "lambd"}
    assert result.figures[0].read_bytes()[:8] == PNG
    assert "| rank | stage | learning_rate | lambd | dev accuracy |" in result.to_markdown()
    assert "test set" in result.notes[0]


@pytest.mark.slow
def test_study_is_reproducible_and_resumable(football_study):
    first, again, other_dir = football_study
    assert other_dir.trials == first.trials  # same seed, fresh folder: same points and scores
    assert again.trials == first.trials  # same folder: read back, not rerun
    assert any("resumed" in note for note in again.notes)
    assert again.wall_time_s < first.wall_time_s / 3


@pytest.mark.slow
def test_signs_study_searches_learning_rate_and_width(tmp_path):
    need_data(f"{SIGNS_JPEG_DIR}/test_signs")
    result = search_study("signs", trials=2, zoom_trials=1, epochs=2, top_k=1, out_dir=tmp_path)
    assert len(result.trials) == 3
    width = result.trials[0]["hyperparameters"]["width"]
    assert isinstance(width, int) and 8 <= width <= 256
    assert 0.0 <= result.best_trials[0]["dev accuracy"] <= 1.0
    assert result.figures[0].exists()


def test_momentum_search_samples_adam_beta1_as_one_minus_ten_to_r():
    hypermodel = RegularizationHyperModel(211, momentum=True)
    hp = keras_tuner.HyperParameters()
    hypermodel.build(hp)
    assert [p.name for p in hp.space] == ["learning_rate", "lambd", "one_minus_beta1"]
    hp.values.update({"learning_rate": 0.02, "lambd": 0.5, "one_minus_beta1": 0.004})
    model = hypermodel.build(hp)
    assert float(model.optimizer.beta_1) == pytest.approx(0.996)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.02)
    with pytest.raises(ValueError, match="momentum=True"):
        study_hypermodel("signs", None, momentum=True)


def test_study_bad_arguments():
    with pytest.raises(ValueError, match="dataset must be one of"):
        search_study("cats", trials=1)
    with pytest.raises(ValueError, match="trials must be a positive integer"):
        search_study("regularization", trials=0)


@pytest.mark.slow
def test_a_build_function_is_fitted_with_model_fit_and_reloadable(tmp_path):
    import keras

    def build(hp):
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
        learning_rate = hp_log_uniform(hp, "learning_rate", 1e-3, 1.0)
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            loss="binary_crossentropy",
            metrics=["accuracy"],
        )
        return model

    x = np.random.default_rng(0).normal(size=(32, 2)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    tuner = CoarseToFineSearch(
        build, coarse_trials=2, zoom_trials=0, directory=str(tmp_path), project_name="fn"
    )
    # One epoch: KerasTuner logs a History by its best epoch while the weights saved are the
    # final epoch's; with one epoch both are the same, whatever the initial weights (which
    # depend on the Keras random state earlier tests leave).
    tuner.search(x, y, validation_data=(x, y), epochs=1, verbose=0)
    records = tuner.trial_records()
    assert len(records) == 2 and all(0 <= r["score"] <= 1 for r in records)
    best = tuner.get_best_models(1)[0]
    accuracy = best.evaluate(x, y, verbose=0, return_dict=True)["accuracy"]
    # the reloaded weights are the trained ones: their accuracy is the one logged
    best_id = tuner.oracle.get_best_trials(1)[0].trial_id
    last = tuner.oracle.get_trial(best_id).metrics.get_last_value("val_accuracy")
    assert accuracy == pytest.approx(last)
