"""The `dlspec` command, the lab registry and `reproduce`."""

import pytest

from dlspec import reproduce as reproduce_module
from dlspec.cli import main
from dlspec.labs import Lab, LabResult, Target, all_labs, get_lab
from dlspec.reproduce import reproduce, results_table, run_lab
from dlspec.weights import WeightsNotFoundError

COURSE1 = ["c1w2-numpy-basics", "c1w2-logreg", "c1w3-planar", "c1w4-deep-nn-step",
           "c1w4-deep-nn-app"]  # fmt: skip


def test_registry_lists_course1_labs_with_scripts():
    labs = all_labs()
    assert list(labs)[:5] == COURSE1
    for lab in labs.values():
        assert lab.steps and all(callable(step) for step in lab.steps)
        assert lab.targets, lab.id
        assert lab.script.startswith("assignments/")


def test_unknown_lab_lists_known_ids(capsys):
    with pytest.raises(KeyError, match="Known labs: c1w2-numpy-basics"):
        get_lab("c9w9-nothing")
    assert main(["run", "c9w9-nothing"]) == 2
    assert "Known labs" in capsys.readouterr().err


def test_target_bounds():
    target = Target("test accuracy", 0.8, minimum=0.78)
    assert target.met(0.8) and not target.met(0.7)
    assert Target("cost", 0.1, maximum=0.2).met(0.15)


def test_lab_options_are_checked_before_running(tmp_path, capsys):
    assert main(["run", "c1w3-planar", "--style", "x.jpg", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "lab c1w3-planar does not take --style; it takes no extra options" in err
    assert not (tmp_path / "c1w3-planar").exists()
    with pytest.raises(ValueError, match="does not take --data; it takes no extra options"):
        get_lab("c1w3-planar").run(out_dir=tmp_path, data=str(tmp_path))


def _lab(lab_id: str, **fields) -> Lab:
    return Lab(lab_id, lab_id, 1, 1, reference="unused", runner="unused", **fields)


def test_run_lab_passes_options_and_steps_and_skips_the_data_check(tmp_path, monkeypatch):
    monkeypatch.setenv("DLSPEC_DATA_DIR", str(tmp_path / "empty"))
    seen = {}

    def measure(run):
        """Measure the thing."""
        seen.update(quick=run.quick, data=run.options["data"], out_dir=run.out_dir)
        run.result.metrics["m"] = 1.0

    lab = _lab("x", data=("course9/x.h5",), options=("data",))
    monkeypatch.setattr(Lab, "steps", property(lambda self: (measure,)))
    started = []
    outcome = reproduce_module.run_lab(
        lab,
        quick=True,
        out_dir=tmp_path,
        options={"data": "D"},
        on_step=lambda *a: started.append(a),
    )
    assert outcome.result == LabResult("x", metrics={"m": 1.0})
    assert seen == {"quick": True, "data": "D", "out_dir": tmp_path / "x"}
    assert started == [(1, 1, "Measure the thing")]
    assert reproduce_module.run_lab(lab, out_dir=tmp_path).result is None  # data check


def test_list(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert all(lab in out for lab in COURSE1)


def test_run_planar_lab_prints_ours_vs_course(tmp_path, capsys):
    assert main(["run", "c1w3-planar", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    steps = get_lab("c1w3-planar").steps
    assert f"  [1/{len(steps)}] " in out and f"  [{len(steps)}/{len(steps)}] " in out
    assert "accuracy % (n_h = 4)" in out and "90.75" in out
    assert (tmp_path / "c1w3-planar" / "decision_boundaries.png").stat().st_size > 10_000


def test_reproduce_skips_labs_whose_data_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("DLSPEC_DATA_DIR", str(tmp_path / "empty"))
    lines = []
    outcomes = reproduce(["c1w2-numpy-basics", "c1w2-logreg"], out_dir=tmp_path, echo=lines.append)
    skipped = outcomes[1]
    assert outcomes[0].result is not None and skipped.result is None
    assert "train_catvnoncat.h5" in skipped.skipped and "DLSPEC_DATA_DIR" in skipped.skipped
    report = (tmp_path / "results.md").read_text()
    assert "| c1w2-logreg | skipped: course data or weights missing |" in report
    assert "## Skipped" in report and "train_catvnoncat.h5" in report
    assert ("c1w2-numpy-basics", "golden cases passed", "1", "1", "ok (≥ 1)") in results_table(
        outcomes
    )


def test_data_check_command(capsys, tmp_path):
    assert main(["data", "check", "--root", str(tmp_path)]) == 1
    assert "missing" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["list", "--bogus"])


def test_run_under_a_strategy(tmp_path, capsys):
    args = ["run", "c1w3-planar", "--quick", "--out", str(tmp_path), "--strategy", "one_device"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "TensorFlow training under OneDeviceStrategy (1 replica(s))" in out
    assert "Keras accuracy % (n_h = 4)" in out


def test_resume_restores_finished_trainings(tmp_path, capsys):
    args = ["run", "c1w3-planar", "--quick", "--out", str(tmp_path), "--resume"]
    assert main(args) == 0
    first = capsys.readouterr().out
    checkpoints = tmp_path / "c1w3-planar" / "checkpoints" / "run-1"
    assert (checkpoints / "history.json").exists()
    written = {p.name: p.stat().st_mtime_ns for p in checkpoints.iterdir()}
    assert main(args) == 0  # the Keras twin's 10000 steps are restored, not retrained
    assert {p.name: p.stat().st_mtime_ns for p in checkpoints.iterdir()} == written
    second = capsys.readouterr().out
    keras_row = [line for line in first.splitlines() if line.startswith("Keras accuracy")]
    assert keras_row and keras_row == [
        line for line in second.splitlines() if line.startswith("Keras accuracy")
    ]


def load_weights(run):
    """Load the pretrained weights."""
    raise WeightsNotFoundError(
        "put mobilenet_v2_1.00_160_notop_dogs.weights.h5 in DLSPEC_WEIGHTS_DIR"
    )


def test_missing_weights_skip_a_lab_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(Lab, "steps", property(lambda self: (load_weights,)))
    lab = _lab("test-weights", targets=(Target("accuracy", 1.0),))
    outcome = run_lab(lab, out_dir=tmp_path)
    assert outcome.result is None and "DLSPEC_WEIGHTS_DIR" in outcome.skipped
