"""The `dlspec` command, the lab registry and `reproduce`."""

import io
import json
import os
import subprocess
import sys
import time

import pytest

from dlspec import __version__
from dlspec import reproduce as reproduce_module
from dlspec.cli import build_parser, main
from dlspec.cli import labs as labs_cli
from dlspec.cli.labs import StepLines
from dlspec.cli.stderr_filter import filtered_stderr
from dlspec.data.catvnoncat import CATVNONCAT_FILES, load_dataset
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


def test_every_lab_has_honest_quick_targets_beside_its_targets():
    """Registry consistency: a quick run is checked against what a quick run can reach."""
    for lab in all_labs().values():
        assert lab.quick_targets, f"{lab.id}: no quick_targets"
        for targets in (lab.targets, lab.quick_targets):
            names = [t.metric for t in targets]
            assert len(names) == len(set(names)), f"{lab.id}: a metric named twice"
            for t in targets:
                assert t.minimum is not None or t.maximum is not None, (lab.id, t.metric)
                assert t.minimum is None or t.maximum is None or t.minimum <= t.maximum
        # a quick metric that shares a full target's name must be the same measurement
        full = {t.metric: t for t in lab.targets}
        for t in lab.quick_targets:
            if t.metric in full:
                assert t == full[t.metric], (lab.id, t.metric)


def test_quick_run_is_checked_against_quick_targets(tmp_path, monkeypatch):
    def measure(run):
        """Measure m."""
        run.result.metrics["m @10" if run.quick else "m @100"] = 0.4 if run.quick else 0.9

    monkeypatch.setattr(Lab, "steps", property(lambda self: (measure,)))
    lab = _lab(
        "x",
        targets=(Target("m @100", 0.95, minimum=0.8),),
        quick_targets=(Target("m @10", 0.95, minimum=0.3), Target("n @10", 0.5, minimum=0.1)),
    )
    assert lab.targets_for(quick=True) == lab.quick_targets
    full = run_lab(lab, out_dir=tmp_path)
    assert full.rows == [("m @100", "0.9", "0.95", "ok (≥ 0.8)")] and full.status == "ok"
    quick = run_lab(lab, quick=True, out_dir=tmp_path)
    assert quick.rows == [
        ("m @10", "0.4", "0.95", "ok (≥ 0.3)"),
        ("n @10", "—", "0.5", "MISSED (not measured)"),
    ]
    assert quick.status == "missed"


def test_unknown_lab_suggests_the_closest_ids(capsys):
    with pytest.raises(KeyError, match="Known labs: c1w2-numpy-basics"):
        get_lab("c9w9-nothing")
    assert main(["run", "c9w9-nothing"]) == 2
    assert "unknown lab 'c9w9-nothing'" in capsys.readouterr().err
    assert main(["run", "c1w2-logrg"]) == 2
    err = capsys.readouterr().err
    assert "Did you mean c1w2-logreg?" in err and "Traceback" not in err


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


@pytest.mark.slow
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


def test_reproduce_clears_keras_between_labs_and_unfreezes_at_the_end(tmp_path, monkeypatch):
    """Each lab starts from a cleared Keras session; what survives is frozen (out of later
    collections) while the labs run, and nothing stays frozen afterwards."""
    import gc

    import keras

    events = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda: events.append("clear"))
    monkeypatch.setattr(gc, "freeze", lambda: events.append("freeze"))
    monkeypatch.setattr(gc, "unfreeze", lambda: events.append("unfreeze"))
    reproduce(["c1w2-numpy-basics", "c4w1-conv-step"], out_dir=tmp_path, echo=lambda line: None)
    assert events == ["clear", "freeze", "clear", "freeze", "unfreeze"]


def test_data_check_command(capsys, tmp_path):
    assert main(["data", "check", "--root", str(tmp_path)]) == 1
    assert "missing" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["list", "--bogus"])


@pytest.mark.slow
def test_run_under_a_strategy(tmp_path, capsys):
    args = ["run", "c1w3-planar", "--quick", "--out", str(tmp_path), "--strategy", "one_device"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "TensorFlow training under OneDeviceStrategy (1 replica(s))" in out
    assert "Keras accuracy % (n_h = 4, 2000 it)" in out


@pytest.mark.slow
def test_resume_restores_finished_trainings(tmp_path, capsys):
    args = ["run", "c1w3-planar", "--quick", "--out", str(tmp_path), "--resume"]
    assert main(args) == 0
    first = capsys.readouterr().out
    checkpoints = tmp_path / "c1w3-planar" / "checkpoints" / "run-1"
    assert (checkpoints / "history.json").exists()
    written = {p.name: p.stat().st_mtime_ns for p in checkpoints.iterdir()}
    assert main(args) == 0  # the Keras twin's 2000 steps are restored, not retrained
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


# --- shell manners: exit codes, --json, errors without tracebacks, Ctrl-C, stderr noise ---


@pytest.fixture
def fake_lab(monkeypatch):
    """Register one lab ``fake`` whose steps the test sets: ``fake_lab(step, ...)``."""

    def register(*steps, **fields):
        lab = _lab("fake", targets=(Target("m", 1.0, minimum=0.5),), **fields)
        monkeypatch.setattr(Lab, "steps", property(lambda self: steps))
        monkeypatch.setattr(labs_cli, "all_labs", lambda: {"fake": lab})
        monkeypatch.setattr(reproduce_module, "all_labs", lambda: {"fake": lab})
        return lab

    return register


def _metric(value):
    def measure(run):
        """Measure m."""
        run.result.metrics["m"] = value
        run.result.notes.append(f"overwrite={run.options.get('overwrite', False)}")

    return measure


def test_version_and_exit_codes_in_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip() == f"dlspec {__version__}"
    help_text = build_parser().format_help()
    assert "exit codes:" in help_text and "3    skipped" in help_text and "130" in help_text


def test_list_json(capsys):
    assert main(["list", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    logreg = next(r for r in records if r["id"] == "c1w2-logreg")
    assert logreg["data"] == ["course1/catvnoncat/train_catvnoncat.h5",
                              "course1/catvnoncat/test_catvnoncat.h5"]  # fmt: skip
    assert logreg["targets"][0]["metric"]
    assert logreg["quick_targets"][0]["metric"] == "cost @400"


def test_exit_codes_ok_missed_skipped(fake_lab, tmp_path, monkeypatch, capsys):
    fake_lab(_metric(0.9))
    assert main(["run", "fake", "--out", str(tmp_path)]) == 0
    fake_lab(_metric(0.1))
    assert main(["run", "fake", "--out", str(tmp_path)]) == 1
    monkeypatch.setenv("DLSPEC_DATA_DIR", str(tmp_path / "empty"))
    fake_lab(_metric(0.9), data=("course9/x.h5",))
    assert main(["run", "fake", "--out", str(tmp_path)]) == 3
    assert "Skipped: Course data file not found" in capsys.readouterr().err


def test_run_json_keeps_stdout_for_the_result(fake_lab, tmp_path, capsys):
    fake_lab(_metric(0.9))
    assert main(["run", "fake", "--json", "--overwrite", "--out", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    record = json.loads(out)
    assert record["status"] == "ok" and record["values"] == {"m": 0.9}
    assert record["metrics"][0]["check"] == "ok (≥ 0.5)"
    assert record["notes"] == ["overwrite=True"]  # --overwrite reaches run.options
    assert "[1/1] Measure m ..." in err
    assert main(["reproduce", "fake", "--json", "--out", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out)[0]["lab"] == "fake"


def test_truncated_data_file_is_one_line_not_a_traceback(fake_lab, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "data" / "course1" / "catvnoncat"
    folder.mkdir(parents=True)
    for name in CATVNONCAT_FILES.values():
        (tmp_path / "data" / name).write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    monkeypatch.setenv("DLSPEC_DATA_DIR", str(tmp_path / "data"))

    def load(run):
        """Load the pictures."""
        load_dataset()

    fake_lab(load)
    assert main(["run", "fake", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "train_catvnoncat.h5" in err[0] and "truncated or corrupt" in err[0]


@pytest.mark.parametrize("problem", ["file", "read-only"])
def test_unusable_out_folder_fails_before_any_step(
    problem, fake_lab, tmp_path, monkeypatch, capsys
):
    started = []
    fake_lab(lambda run: started.append(run))
    out = tmp_path / "out"
    if problem == "file":
        out.write_text("not a folder")
    else:  # what a read-only folder does (the tests may run as root, who can write anywhere)

        def refuse(*args, **kwargs):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(labs_cli.tempfile, "TemporaryFile", refuse)
    assert main(["run", "fake", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert started == [] and "Traceback" not in err and err.startswith("dlspec: error: --out")
    assert ("not a folder" if problem == "file" else "permission denied") in err
    assert main(["reproduce", "fake", "--out", str(out)]) == 2


def test_a_run_folder_with_other_settings_asks_for_overwrite(fake_lab, tmp_path, capsys):
    def transfer(run):
        """Transfer the style."""
        if not run.options.get("overwrite"):
            raise ValueError("o holds a run with other settings; or overwrite=True to start afresh")
        run.result.metrics["m"] = 1.0

    fake_lab(transfer)
    assert main(["run", "fake", "--out", str(tmp_path)]) == 2
    assert "Pass --overwrite to start afresh." in capsys.readouterr().err
    assert main(["run", "fake", "--out", str(tmp_path), "--overwrite"]) == 0


def test_ctrl_c_is_a_message_and_exit_130(fake_lab, tmp_path, capsys):
    def interrupted(run):
        """Train."""
        raise KeyboardInterrupt

    fake_lab(interrupted)
    assert main(["run", "fake", "--out", str(tmp_path)]) == 130
    err = capsys.readouterr().err
    assert "Interrupted" in err and "Traceback" not in err


def test_tensorflow_start_up_lines_are_filtered_from_stderr(capfd):
    noise = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1796611216.350719   12214 port.cc:153] oneDNN custom operations are on. "
        "You may see slightly different numerical results.\n"
    )
    with filtered_stderr():
        os.write(2, (noise + "a real warning\n").encode())
        subprocess.run([sys.executable, "-c", f"import sys; sys.stderr.write({noise!r} + 'x\\n')"])
    assert capfd.readouterr().err == "a real warning\nx\n"


def test_help_list_and_layout_do_not_import_tensorflow():
    code = (
        "import sys, contextlib, io\n"
        "from dlspec.cli import main, build_parser\n"
        "build_parser().format_help()\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['list']); main(['list', '--json']); main(['data', 'layout'])\n"
        "assert 'tensorflow' not in sys.modules, 'tensorflow imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_step_lines_count_seconds_on_a_terminal_only():
    terminal = _Terminal()
    lines = StepLines(terminal, tick=0.05)
    lines(1, 2, "Train")
    time.sleep(0.2)
    lines(2, 2, "Plot")
    lines.finish()
    shown = terminal.getvalue()
    assert shown.startswith("  [1/2] Train ...\r  [1/2] Train ... 0 s") and shown.count("\n") == 2
    assert shown.endswith("\r  [2/2] Plot ... 0.0 s\n")
    plain = io.StringIO()
    piped = StepLines(plain, tick=0.05)
    piped(1, 1, "Train")
    time.sleep(0.1)
    piped.finish()
    assert plain.getvalue() == "  [1/1] Train ...\n"


def test_a_closed_pipe_ends_quietly():
    """`dlspec grade --list | head`: no BrokenPipeError traceback when the reader has left."""
    script = "from dlspec.cli import main; raise SystemExit(main(['grade', '--list']))"
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    proc.stdout.close()  # the reader leaves before the first line
    assert proc.wait(timeout=60) == 141
    assert b"Traceback" not in proc.stderr.read()
