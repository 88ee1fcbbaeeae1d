"""Course-style solution notebooks, graded by the real grader's worker.

``tests/grading/course_notebooks/<lab id>/`` holds, per graded lab, a completed notebook of the
current edition written the way the course's notebooks are (the course's helper modules imported
by name but not supplied beside it, Keras 2-era idioms, in-place dict updates), and an
earlier-edition variant where the editions differ (``shared/spec/editions.md``). The notebooks
are built from their ``.cells`` sources by ``course_notebooks/build_notebooks.py``.

What is asserted, per lab:

- the current-edition notebook (and its variants) passes every graded function; optional
  functions left as the template are reported apart and never fail the grade;
- the earlier-edition notebook passes every function whose contract did not change, and for
  the others the report passes or says which edition the code was written for (never a plain
  "wrong value" or "exception");
- a broken copy (one explicit source edit of one graded function) fails on that function and
  on no other function than the good notebook does.

All notebooks go through one :class:`dlspec.grading.runner.GradingSession` (one worker
process, one ``init`` per solution): TensorFlow is imported once instead of once per notebook,
which keeps this file under a minute on two busy cores. The same session grades small
solutions written here for the worker paths no notebook takes (NumPy 2's ``float()``, a TF 1
notebook, ``keras3_strict``); :func:`dlspec.grading.runner.grade` itself is exercised on one
lab. A case known to fail because of the grader (not the notebook) would be
``xfail(strict=False)`` with the grader's cause (``Lab.xfail``); none is left.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from dlspec.grading.cases import CaseSource
from dlspec.grading.report import CaseReport, GradeReport, format_report
from dlspec.grading.runner import GradingSession, grade

HERE = Path(__file__).parent / "course_notebooks"
sys.path.insert(0, str(HERE))
from build_notebooks import notebook_text, sources  # noqa: E402

sys.path.remove(str(HERE))

SEED = 7
TIMEOUT = 60.0  # per case: generous, a busy machine is slow


@dataclass(frozen=True)
class Lab:
    """The fixtures of one lab and what is known about them.

    Attributes:
        current, earlier: notebook file names in the lab's folder (``earlier`` may be empty).
        broken: ``(function, old, new)``: the one source edit that breaks ``function``.
        functions: grade only these (cheap) functions; ``()``: all graded functions.
        heavy: functions left out of the broken copy's grading (slow to build).
        given: functions the course gives: "not graded" is right for them.
        optional: the lab's optional, ungraded functions (left as the template).
        changed: functions whose contract differs in the earlier edition.
        variants: other notebooks of the current edition (another way the course wrote it).
        xfail: ``{function: grader cause}`` of the current notebook's false failures.
        xfail_earlier: the same for the earlier-edition notebook.
    """

    current: str
    earlier: str
    broken: tuple[str, str, str]
    functions: tuple[str, ...] = ()
    heavy: tuple[str, ...] = ()
    given: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    changed: frozenset[str] = frozenset()
    variants: tuple[str, ...] = ()
    xfail: dict[str, str] = field(default_factory=dict)
    xfail_earlier: dict[str, str] = field(default_factory=dict)


LABS: dict[str, Lab] = {
    "c1w2-numpy-basics": Lab(
        "Python_Basics_With_Numpy.ipynb",
        "Python_Basics_With_Numpy_v3a.ipynb",
        ("softmax", "np.sum(x_exp, axis=1, keepdims=True)", "np.sum(x_exp, axis=0, keepdims=True)"),
    ),
    "c1w2-logreg": Lab(
        "Logistic_Regression_with_a_Neural_Network_mindset.ipynb",
        "Logistic_Regression_with_a_Neural_Network_mindset_v6a.ipynb",
        ("predict", "if A[0, i] > 0.5:", "if A[0, i] < 0.5:"),
        changed=frozenset({"initialize_with_zeros"}),
    ),
    "c1w3-planar": Lab(
        "Planar_data_classification_with_one_hidden_layer.ipynb",
        "Planar_data_classification_with_one_hidden_layer_v6c.ipynb",
        ("predict", "predictions = A2 > 0.5", "predictions = A2 < 0.5"),
        changed=frozenset(
            {"initialize_parameters", "compute_cost", "update_parameters", "nn_model"}
        ),
    ),
    "c1w4-deep-nn-step": Lab(
        "Building_your_Deep_Neural_Network_Step_by_Step.ipynb",
        "Building_your_Deep_Neural_Network_Step_by_Step_v8a.ipynb",
        (
            "update_parameters",
            '- learning_rate * grads["db" + str(l + 1)]',
            '+ learning_rate * grads["db" + str(l + 1)]',
        ),
        changed=frozenset({"update_parameters"}),
    ),
    "c1w4-deep-nn-app": Lab(
        "Deep_Neural_Network_Application.ipynb",
        "Deep_Neural_Network_Application_v8.ipynb",
        (
            "L_layer_model",
            "update_parameters(parameters, grads, learning_rate)",
            "update_parameters(parameters, grads, 2 * learning_rate)",
        ),
        changed=frozenset({"two_layer_model", "L_layer_model"}),
    ),
    "c2w1-init": Lab(
        "Initialization.ipynb",
        "",
        (
            "initialize_parameters_he",
            "np.sqrt(2. / layers_dims[l - 1])",
            "np.sqrt(1. / layers_dims[l - 1])",
        ),
    ),
    "c2w1-regularization": Lab(
        "Regularization.ipynb",
        "",
        ("forward_propagation_with_dropout", "D2 = (D2 < keep_prob)", "D2 = (D2 > keep_prob)"),
    ),
    "c2w1-gradient-checking": Lab(
        "Gradient_Checking.ipynb",
        "Gradient_Checking_v1.ipynb",
        ("gradient_check", "(J_plus - J_minus) / (2 * epsilon)", "(J_plus - J_minus) / epsilon"),
        changed=frozenset({"gradient_check_n"}),
    ),
    "c2w2-optimization": Lab(
        "Optimization_methods.ipynb",
        "Optimization_methods_v1b.ipynb",
        ("schedule_lr_decay", "np.floor(epoch_num / time_interval)", "(epoch_num / time_interval)"),
        changed=frozenset({"update_parameters_with_adam", "update_lr", "schedule_lr_decay"}),
    ),
    "c2w3-tf-intro": Lab(
        "Tensorflow_introduction.ipynb",
        "Tensorflow_introduction_tf2v1.ipynb",
        (
            "forward_propagation",
            "A2 = tf.keras.activations.relu(Z2)",
            "A2 = tf.keras.activations.sigmoid(Z2)",
        ),
        changed=frozenset({"normalize", "one_hot_matrix", "compute_total_loss"}),
    ),
    "c4w1-conv-step": Lab(
        "Convolution_model_Step_by_Step_v1.ipynb",
        "",
        ("pool_forward", "np.max(a_prev_slice)", "np.min(a_prev_slice)"),
        optional=frozenset(
            {"conv_backward", "create_mask_from_window", "distribute_value", "pool_backward"}
        ),  # fmt: skip
    ),
    "c4w1-conv-app": Lab(
        "Convolution_model_Application.ipynb",
        "",
        (
            "convolutional_model",
            "pool_size=(8, 8), strides=(8, 8)",
            "pool_size=(8, 8), strides=(4, 4)",
        ),
    ),
    "c4w2-resnet": Lab(
        "Residual_Networks.ipynb",
        "Residual_Networks_v2a.ipynb",
        ("identity_block", "X = Add()([X, X_shortcut])", "X = Add()([X, X])"),
        functions=("identity_block", "convolutional_block"),  # ResNet50 (23.6 M weights): slow
        changed=frozenset({"identity_block", "convolutional_block"}),
        variants=("Residual_Networks_set_learning_phase.ipynb",),
    ),
    "c4w2-alpaca": Lab(
        "Transfer_learning_with_MobileNet_v1.ipynb",
        "",
        ("data_augmenter", "RandomRotation(0.2)", "RandomRotation(0.1)"),
        heavy=("alpaca_model",),  # builds MobileNetV2 twice (about 15 s)
    ),
    "c4w3-yolo": Lab(
        "Autonomous_driving_application_Car_detection.ipynb",
        "Autonomous_driving_application_Car_detection_v3a.ipynb",
        (
            "iou",
            "inter_area = max(inter_width, 0) * max(inter_height, 0)",
            "inter_area = inter_width * inter_height",
        ),
        changed=frozenset({"yolo_filter_boxes"}),
        given=frozenset({"yolo_head", "yolo_boxes_to_corners", "scale_boxes"}),
    ),
    "c4w3-unet": Lab(
        "Image_segmentation_Unet_v2.ipynb",
        "",
        ("conv_block", "MaxPooling2D(pool_size=(2, 2))", "MaxPooling2D(pool_size=(3, 3))"),
        functions=("conv_block",),  # unet_model (8.6 M weights): slow
    ),
    "c4w4-face": Lab(
        "Face_Recognition.ipynb",
        "",
        ("triplet_loss", "tf.maximum(basic_loss, 0.0)", "tf.minimum(basic_loss, 0.0)"),
    ),
    "c4w4-nst": Lab(
        "Art_Generation_with_Neural_Style_Transfer.ipynb",
        "Art_Generation_with_Neural_Style_Transfer_v3a.ipynb",
        ("compute_layer_style_cost", "tf.square(tf.subtract(GS, GG))", "tf.square(tf.add(GS, GG))"),
        changed=frozenset({"compute_content_cost"}),
    ),
}

# --- one grading session (one worker) for every notebook of this file ---------------------


class _Reports:
    """Reports graded on demand in one :class:`GradingSession`, kept for the whole module."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.session = GradingSession(seed=SEED, repeats=1, timeout=TIMEOUT, memory_mb=None)
        self.cache: dict[tuple[str, str], GradeReport] = {}

    def get(self, lab_id: str, kind: str) -> GradeReport:
        """``kind``: ``current``, ``earlier``, ``broken`` or the file name of a variant."""
        key = (lab_id, kind)
        if key not in self.cache:
            lab = LABS[lab_id]
            name = {"current": lab.current, "broken": lab.current, "earlier": lab.earlier}
            path = HERE / lab_id / name.get(kind, kind)
            if kind == "broken":
                path = broken_copy(path, lab.broken, self.tmp / lab_id)
            functions = lab.functions
            if kind == "broken" and lab.heavy:
                functions = tuple(f for f in _functions(lab_id) if f not in lab.heavy)
            self.cache[key] = self.session.grade(lab_id, path, functions=functions or None)
        return self.cache[key]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    graded = _Reports(tmp_path_factory.mktemp("course-notebooks"))
    yield graded
    graded.session.close()


def broken_copy(notebook: Path, edit: tuple[str, str, str], folder: Path) -> Path:
    """A copy of ``notebook`` with ``old`` replaced by ``new`` in the cell defining ``function``.

    Example:
        >>> import tempfile
        >>> lab = LABS["c1w2-logreg"]
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     copy = broken_copy(HERE / "c1w2-logreg" / lab.current, lab.broken, Path(tmp))
        ...     "A[0, i] < 0.5" in copy.read_text()
        True
    """
    function, old, new = edit
    nb = nbformat.read(notebook, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and f"def {function}(" in c.source]
    assert len(cells) == 1 and cells[0].source.count(old) == 1, (function, old)
    cells[0].source = cells[0].source.replace(old, new)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / notebook.name.replace(".ipynb", "_broken.ipynb")
    nbformat.write(nb, target)
    return target


def _functions(lab_id: str) -> list[str]:
    lab = LABS[lab_id]
    return list(lab.functions) or CaseSource.for_lab(lab_id).functions()


def _cases(kind: str) -> list:
    params = []
    for lab_id, lab in LABS.items():
        if kind == "earlier" and not lab.earlier:
            continue
        xfail = lab.xfail_earlier if kind == "earlier" else lab.xfail
        for function in _functions(lab_id):
            marks = (
                [pytest.mark.xfail(strict=False, reason=xfail[function])]
                if (function in xfail)
                else []
            )
            params.append(pytest.param(lab_id, function, id=f"{lab_id}-{function}", marks=marks))
    return params


def _failures(report: GradeReport, function: str) -> str:
    rows = [c for c in report.cases_of(function) if not c.passed]
    return "; ".join(f"{c.label}: {c.status}: {c.message}" for c in rows)


def _says_edition(case: CaseReport) -> bool:
    """Passed, or reported as another edition's (``not graded``: not in that edition)."""
    return case.passed or case.status in ("edition", "not graded") and "edition" in case.message


def _passes(report: GradeReport, function: str, lab: Lab) -> bool:
    """Every case passed (a function the course gives may be ``not graded`` instead; an
    optional one must be reported as optional, whatever its cases say)."""
    cases = report.cases_of(function)
    if function in lab.optional:
        return bool(cases) and report.is_optional(function) and all(c.optional for c in cases)
    allowed = {"pass", "not graded"} if function in lab.given else {"pass"}
    return bool(cases) and all(c.status in allowed for c in cases)


def _variants() -> list:
    return [
        pytest.param(lab_id, name, function, id=f"{lab_id}-{Path(name).stem}-{function}")
        for lab_id, lab in LABS.items()
        for name in lab.variants
        for function in _functions(lab_id)
    ]


# --- the tests ------------------------------------------------------------------------------


def test_notebooks_are_built_from_their_sources():
    built = {s.parent.name for s in sources()}
    assert built == set(LABS), "a lab without fixtures, or fixtures without a LABS entry"
    for source in sources():
        notebook = source.with_suffix(".ipynb")
        assert notebook.read_text(encoding="utf-8") == notebook_text(source), (
            f"{notebook.name} is stale: run python {HERE.name}/build_notebooks.py"
        )
    for lab_id, lab in LABS.items():
        for name in filter(None, (lab.current, lab.earlier, *lab.variants)):
            assert (HERE / lab_id / name).is_file(), name


@pytest.mark.parametrize(("lab_id", "function"), _cases("current"))
def test_current_edition_passes(reports, lab_id, function):
    report = reports.get(lab_id, "current")
    assert report.load_error is None, report.load_error
    assert _passes(report, function, LABS[lab_id]), _failures(report, function)


@pytest.mark.parametrize(("lab_id", "name", "function"), _variants())
def test_current_edition_variant_passes_and_is_named(reports, lab_id, name, function):
    report = reports.get(lab_id, name)
    assert report.load_error is None, report.load_error
    assert _passes(report, function, LABS[lab_id]), _failures(report, function)
    assert report.edition is not None and report.edition["differences"]
    assert all(c.edition is not None for c in report.cases_of(function))


@pytest.mark.parametrize(("lab_id", "function"), _cases("earlier"))
def test_earlier_edition_passes_or_names_its_edition(reports, lab_id, function):
    report = reports.get(lab_id, "earlier")
    assert report.load_error is None, report.load_error
    if function in LABS[lab_id].changed:
        assert all(_says_edition(c) for c in report.cases_of(function)), _failures(report, function)
    else:
        assert _passes(report, function, LABS[lab_id]), _failures(report, function)


def test_the_planar_v6c_notebook_is_graded_as_v6c(reports):
    report = reports.get("c1w3-planar", "earlier")
    assert report.passed, _failures(report, "nn_model")
    graded = {c.function for c in report.cases if c.edition and c.edition["name"] == "v6c"}
    # by output (seed 2 inside; nn_model from those weights), by an in-place update, by the
    # signature (compute_cost's third argument)
    assert graded >= {"initialize_parameters", "nn_model", "update_parameters", "compute_cost"}
    text = format_report(report)
    assert "Written for edition v6c of this lab:" in text
    assert "initialize_parameters calls np.random.seed(2) inside" in text
    current = reports.get("c1w3-planar", "current")
    assert current.edition is None and not any(c.edition for c in current.cases)


@pytest.mark.parametrize(("lab_id", "kind"), [("c4w3-yolo", "current"), ("c4w3-yolo", "earlier"),
                                               ("c1w3-planar", "current")])  # fmt: skip
def test_every_course_name_a_notebook_imports_is_supplied(reports, lab_id, kind):
    report = reports.get(lab_id, kind)
    failed = [w["message"] for w in report.warnings if "Error" in w["message"].split(":")[0]]
    assert not [m for m in failed if m.startswith(("ImportError", "ModuleNotFoundError"))], failed
    if lab_id == "c4w3-yolo":
        module = "yad2k.utils.utils" if kind == "current" else "yolo_utils"
        assert f"course module {module} supplied by dlspec" in report.adaptations


def test_an_edition_that_cannot_be_graded_says_so_and_what_differs(reports):
    report = reports.get("c4w2-resnet", "earlier")
    assert {c.status for c in report.cases} == {"edition"}
    text = format_report(report)
    assert "  identity_block       edition v2a  0/1    0/1" in text
    assert (
        "written for edition v2a of this lab: identity_block(X, f, filters, stage, block)" in text
    )
    assert "Written for another edition, not gradable with this edition's cases: " in text
    assert "To fix" not in text and "wrong value" not in text


def test_the_optional_backward_pass_never_fails_the_grade(reports):
    lab = LABS["c4w1-conv-step"]
    report = reports.get("c4w1-conv-step", "current")
    assert report.passed and set(report.optional) == lab.optional
    graded = [f for f in report.functions if f not in lab.optional]
    assert graded == ["zero_pad", "conv_single_step", "conv_forward", "pool_forward"]
    assert all(report.function_status(f) == "passed" for f in graded)
    assert all(report.function_status(f) == "failed" for f in lab.optional)  # the template
    assert (report.score, report.max_score) == (4, 4)
    rows = {f["name"]: f for f in report.to_dict()["functions"]}
    assert all(rows[f]["optional"] and rows[f]["max_points"] == 0 for f in lab.optional)
    assert all(r["optional"] for f in lab.optional for r in rows[f]["results"])
    text = format_report(report)
    assert "Optional functions (reported, never failing): conv_backward" in text
    assert "optional, FAILED" not in text and "All 11 cases passed." in text


@pytest.mark.parametrize("lab_id", list(LABS))
def test_a_broken_copy_fails_on_its_function_only(reports, lab_id):
    broken_function = LABS[lab_id].broken[0]
    good, broken = reports.get(lab_id, "current"), reports.get(lab_id, "broken")
    if good.function_status(broken_function) != "passed":
        pytest.xfail(f"the good notebook does not pass {broken_function} yet")
    assert broken.function_status(broken_function) == "failed"
    assert {c.status for c in broken.cases_of(broken_function)} & {
        "wrong value",
        "wrong shape",
        "wrong model",
    }
    for function in broken.functions:
        if function != broken_function:
            assert broken.function_status(function) == good.function_status(function), function


# --- worker paths no notebook above takes (same session) -------------------------------------


def _notebook(path: Path, *cells: str) -> Path:
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]),
                   path)  # fmt: skip
    return path


def test_numpy_2_float_of_an_array_says_use_item(reports, tmp_path):
    solution = tmp_path / "conv_step.py"
    solution.write_text(
        "import numpy as np\n\n"
        "def conv_single_step(a_slice_prev, W, b):\n"
        "    Z = np.sum(np.multiply(a_slice_prev, W))\n"
        "    return Z + float(b)\n"  # the course's code, refused by NumPy 2 for a (1, 1, 1) b
    )
    report = reports.session.grade("c4w1-conv-step", solution, functions=["conv_single_step"])
    cases = report.cases_of("conv_single_step")
    assert {c.status for c in cases} == {"exception"}
    assert all(c.message.endswith("(NumPy 2 refuses float() of a size-1 array: use .item())")
               for c in cases)  # fmt: skip
    assert cases[0].location["code"] == "return Z + float(b)"


def test_a_tf1_notebook_is_reported_as_its_edition(reports, tmp_path):
    notebook = _notebook(
        tmp_path / "Autonomous_driving_application_Car_detection_v3a.ipynb",
        "import tensorflow as tf\nfrom keras import backend as K",
        "def yolo_non_max_suppression(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):\n"
        "    max_boxes_tensor = K.variable(max_boxes, dtype='int32')\n"
        "    K.get_session().run(tf.variables_initializer([max_boxes_tensor]))\n"
        "    nms = tf.image.non_max_suppression(boxes, scores, max_boxes_tensor, iou_threshold)\n"
        "    return K.gather(scores, nms), K.gather(boxes, nms), K.gather(classes, nms)",
        "with tf.Session() as test_b:\n    scores = tf.placeholder(tf.float32, shape=(54,))",
    )
    report = reports.session.grade("c4w3-yolo", notebook, functions=["yolo_non_max_suppression"])
    cases = report.cases_of("yolo_non_max_suppression")
    assert {c.status for c in cases} == {"edition"}, _failures(report, "yolo_non_max_suppression")
    assert cases[0].message == (
        "written for edition _v3a of this lab: TF 1 placeholders and sessions (_v1a/_v3a): "
        "cannot run on TensorFlow 2"
    )
    assert report.edition == {"name": "_v3a", "differences": cases[0].edition["differences"]}
    assert "no attribute 'Session'" in report.warnings[0]["message"]  # the test cell: skipped


def test_keras3_strict_turns_the_keras_2_adaptations_off(reports):
    notebook = Path(__file__).parent / "fixtures" / "worker" / "c4w3_yolo_keras2.ipynb"
    graded = {
        strict: reports.session.grade(
            "c4w3-yolo", notebook, functions=["yolo_filter_boxes"], keras3_strict=strict
        )
        for strict in (True, False)
    }
    strict = graded[True].cases_of("yolo_filter_boxes")
    assert {c.status for c in strict} == {"exception"}
    assert "has no attribute 'argmax'" in strict[0].message
    assert not any(a.startswith("Keras 2:") for a in graded[True].adaptations)
    assert graded[False].function_status("yolo_filter_boxes") == "passed"
    assert "Keras 2: keras.backend.argmax" in graded[False].adaptations


def test_a_yolo_notebook_with_keras_2_calls_and_course_files_it_does_not_have(reports):
    notebook = Path(__file__).parent / "fixtures" / "worker" / "c4w3_yolo_keras2.ipynb"
    functions = ["yolo_filter_boxes", "yolo_boxes_to_corners", "yolo_head"]
    report = reports.session.grade("c4w3-yolo", notebook, functions=functions)
    assert report.load_error is None and report.warnings == []
    assert "course module yad2k.models.keras_yolo supplied by dlspec" in report.adaptations
    # given by the course and imported, not written: not graded
    assert set(report.not_graded) == {"yolo_boxes_to_corners", "yolo_head"}
    assert {c.status for c in report.cases_of("yolo_head")} == {"not graded"}
    assert report.function_status("yolo_filter_boxes") == "passed"
    assert {"Keras 2: keras.backend.argmax", "Keras 2: keras.backend.max"} <= set(
        report.adaptations
    )


def test_the_runner_grades_a_course_notebook():
    lab = LABS["c1w2-logreg"]
    report = grade("c1w2-logreg", HERE / "c1w2-logreg" / lab.current, seed=SEED, repeats=1,
                   timeout=TIMEOUT)  # fmt: skip
    assert report.passed, [(c.label, c.status, c.message) for c in report.cases if not c.passed]
