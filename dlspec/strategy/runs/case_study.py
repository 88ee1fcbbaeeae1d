"""Runner of lab c3-case-study: the Course 3 decision procedure applied to a real classifier,
as the steps `dlspec run c3-case-study` runs (``STEPS``).

Course 3 teaches with a case study ("Bird recognition in the city of Peacetopia"): given a
model's errors, decide what to do next. Here the case is real: the Course 1 four-layer cat
classifier (its Keras twin, initialised and trained exactly like ``L_layer_model``: batch
gradient descent, learning rate 0.0075) on the Course 1 cat / non-cat pictures.

How the data sets are built (seeded, stratified by label,
:func:`~dlspec.strategy.splits.split_indices`):

* **train / train-dev**: the 209 training pictures, 80 % / 20 % (167 / 42). Both come from
  the training distribution; the model never trains on train-dev.
* **dev / test**: the 50 test pictures, half each (25 / 25). They stand for the distribution
  the system must do well on. With 25 pictures one error is 4 points: read gaps of a few
  points as noise, as the course warns about small dev sets.
* **human-level error**: an explicit *assumption* of 1 % (:data:`HUMAN_ERROR`): people tell
  cats from non-cats in these 64×64 pictures almost perfectly; nobody measured it here.

Error analysis tags are computed from the pixels, not invented: brightness / contrast /
saturation bins whose thresholds are the quintiles of the *training* pictures, and the kind of
error (missed cat, or non-cat called cat). Whether a picture is mislabelled needs a person:
that column is reported as not examined.
"""

from __future__ import annotations

import time
from pathlib import Path

import keras
import numpy as np

from dlspec.data.arrays import array_dataset
from dlspec.data.catvnoncat import load_dataset
from dlspec.foundations.deep_nn_application import initialize_parameters_deep
from dlspec.foundations.keras_models import deep_classifier, set_course_parameters
from dlspec.grading import check_lab
from dlspec.io import atomic_write_text
from dlspec.labs import LabRun
from dlspec.strategy.callbacks import DiagnosisCallback
from dlspec.strategy.diagnosis import Diagnosis, diagnose
from dlspec.strategy.error_analysis import ErrorAnalysis, error_analysis
from dlspec.strategy.metrics import precision_recall_f1
from dlspec.strategy.plots import plot_error_analysis, plot_error_curves
from dlspec.strategy.splits import split_indices
from dlspec.training.predict import predict_eagerly

HUMAN_ERROR = 0.01  # assumption, see the module docstring
LAYERS_DIMS = (12288, 20, 7, 5, 1)
LEARNING_RATE = 0.0075
EPOCHS = 2500  # the course's L_layer_model run (full-batch: one step per epoch)
QUICK_EPOCHS = 600
PIXEL_TAGS = ("dark", "bright", "low contrast", "washed-out colour")


def _image_stats(images: np.ndarray) -> dict[str, np.ndarray]:
    """Per-image brightness (mean grey), contrast (grey std) and saturation, all in [0, 1]."""
    x = np.asarray(images, dtype=np.float64) / 255.0
    grey = x.mean(axis=-1)
    saturation = x.max(axis=-1) - x.min(axis=-1)
    return {
        "brightness": grey.mean(axis=(1, 2)),
        "contrast": grey.std(axis=(1, 2)),
        "saturation": saturation.mean(axis=(1, 2)),
    }


def image_tags(images, reference, labels=None, predictions=None) -> list[frozenset[str]]:
    """Tags computable from the pixels: "dark", "bright", "low contrast", "washed-out colour".

    A picture is "dark" when its mean brightness is in the lowest quintile of the
    ``reference`` pictures (the training set), "bright" in the highest, "low contrast" /
    "washed-out colour" when its grey-level spread / mean saturation is in the lowest
    quintile. With ``labels`` and ``predictions`` (0/1, 1 = cat) each example also gets
    "missed cat" or "non-cat called cat".

    Example:
        >>> rng = np.random.default_rng(0)
        >>> ref = rng.integers(0, 256, (50, 8, 8, 3), dtype=np.uint8)
        >>> image_tags(np.zeros((1, 8, 8, 3), np.uint8), ref)[0] >= {"dark", "low contrast"}
        True
    """
    stats, ref = _image_stats(images), _image_stats(reference)
    low = {k: np.quantile(v, 0.2) for k, v in ref.items()}
    high = {k: np.quantile(v, 0.8) for k, v in ref.items()}
    tags = []
    for i in range(len(stats["brightness"])):
        t = set()
        if stats["brightness"][i] <= low["brightness"]:
            t.add("dark")
        if stats["brightness"][i] >= high["brightness"]:
            t.add("bright")
        if stats["contrast"][i] <= low["contrast"]:
            t.add("low contrast")
        if stats["saturation"][i] <= low["saturation"]:
            t.add("washed-out colour")
        if labels is not None and predictions is not None and labels[i] != predictions[i]:
            t.add("missed cat" if labels[i] == 1 else "non-cat called cat")
        tags.append(frozenset(t))
    return tags


def build_splits(train_x, train_y, test_x, test_y, seed: int = 0) -> dict[str, tuple]:
    """The four sets as ``{name: (images, labels, indices)}``, seeded and stratified by label.

    train / train-dev: 80 % / 20 % of the training pictures; dev / test: halves of the test
    pictures. ``indices`` index the course's training or test file.
    """
    inner = split_indices(
        len(train_x), {"train": 0.8, "train_dev": 0.2}, seed=seed, stratify=train_y.ravel()
    )
    outer = split_indices(
        len(test_x), {"dev": 0.5, "test": 0.5}, seed=seed, stratify=test_y.ravel()
    )
    return {
        "train": (train_x[inner["train"]], train_y.ravel()[inner["train"]], inner["train"]),
        "train_dev": (
            train_x[inner["train_dev"]],
            train_y.ravel()[inner["train_dev"]],
            inner["train_dev"],
        ),
        "dev": (test_x[outer["dev"]], test_y.ravel()[outer["dev"]], outer["dev"]),
        "test": (test_x[outer["test"]], test_y.ravel()[outer["test"]], outer["test"]),
    }


def _rows(images: np.ndarray) -> np.ndarray:
    return (images.reshape(len(images), -1) / 255.0).astype(np.float32)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _report(
    diagnosis: Diagnosis,
    analysis: ErrorAnalysis | None,
    splits,
    epochs: int,
    dev_prf: tuple,
    base_rates: dict[str, float],
    figures: dict[str, Path],
    golden: float,
) -> str:
    sizes = {k: len(v[1]) for k, v in splits.items()}
    cats = {k: int(v[1].sum()) for k, v in splits.items()}
    gaps = diagnosis.gaps
    lines = [
        "# Course 3 case study: diagnosing the Course 1 cat classifier",
        "",
        "Read it like the course's *Bird recognition in the city of Peacetopia* quiz, on our "
        "own numbers. Model: the Course 1 four-layer network "
        f"{list(LAYERS_DIMS)} (Keras twin, course initialisation), batch gradient descent, "
        f"learning rate {LEARNING_RATE}, {epochs} epochs (one step each).",
        "",
        "## 1. The data sets",
        "",
        "| set | from | examples | cats |",
        "|---|---|---:|---:|",
        f"| train | 80% of the 209 training pictures | {sizes['train']} | {cats['train']} |",
        f"| train-dev | 20% of the 209 training pictures | {sizes['train_dev']} | "
        f"{cats['train_dev']} |",
        f"| dev | half of the 50 test pictures | {sizes['dev']} | {cats['dev']} |",
        f"| test | other half of the 50 test pictures | {sizes['test']} | {cats['test']} |",
        "",
        "Splits are seeded and stratified by label. *Q: dev and test from the same "
        "distribution?* Yes: both halves of the course's test file. *Q: why a train-dev set?* "
        "The course's training and test pictures were collected separately, so a dev error "
        "above the train-dev error would be data mismatch, not variance.",
        "",
        f"Share of cats: train {_pct(cats['train'] / sizes['train'])}, dev "
        f"{_pct(cats['dev'] / sizes['dev'])}: even the label mix differs between the course's "
        "training and test files, one concrete source of data mismatch.",
        "",
        f"Dev set: one picture is {_pct(1 / sizes['dev'])} of error, so gaps of a few points "
        "are within noise; the course's answer would be a bigger dev set.",
        "",
        "## 2. Single-number metric",
        "",
        f"Dev error {_pct(diagnosis.dev)}; for the class *cat* on dev: precision "
        f"{_pct(dev_prf[0])}, recall {_pct(dev_prf[1])}, F1 {_pct(dev_prf[2])}.",
        "",
        "## 3. Bias, variance, data mismatch",
        "",
        f"Human-level error is an **assumption** of {_pct(diagnosis.human)} (people tell cats "
        "in these pictures almost perfectly; not measured).",
        "",
        diagnosis.table(),
        "",
        f"![errors]({figures['errors'].name})",
        "",
        f"*Q: which problem first?* **{diagnosis.dominant}** "
        f"({_pct(gaps.get(diagnosis.dominant))}). The course's remedies:",
        "",
        *[f"- {r}" for r in diagnosis.remedies],
        "",
        "The test error is reported once, after every decision above (test − dev = "
        f"{_pct(diagnosis.dev_overfitting)}: overfitting to dev if large).",
        "",
        "## 4. Error analysis of the misclassified dev pictures",
        "",
    ]
    if analysis is None:
        lines += ["No dev picture is misclassified: nothing to analyse.", ""]
    else:
        lines += [
            "Tags come from the pixels (thresholds: quintiles of the training pictures), and "
            "the kind of error. The second table gives each pixel tag's share of *all* dev "
            "pictures: a tag much more frequent among errors than overall is worth a look.",
            "",
            analysis.to_markdown(),
            "",
            "| tag | share of all dev pictures |",
            "|---|---:|",
            *[f"| {tag} | {_pct(rate)} |" for tag, rate in base_rates.items()],
            "",
            f"![error analysis]({figures['tags'].name})",
            "",
            "*incorrectly labelled* was not examined: deciding it needs a person looking at "
            "each picture (its count is 0 by construction, not by finding). If you examine "
            "dev labels, fix test labels with the same procedure.",
            "",
            "*Q: is it worth fixing one tag?* Its *best reachable error* is the dev error if "
            "every error with that tag were fixed: the ceiling of the effort.",
            "",
        ]
    lines += [
        "## 5. Checks",
        "",
        f"Golden cases of the course's worked examples passed: {golden:.0%}.",
        "",
    ]
    return "\n".join(lines)


def check_golden_cases(run: LabRun) -> None:
    """Check the course's worked examples (golden cases)."""
    run.state["start"] = time.perf_counter()
    golden = check_lab(run.lab_id).metrics["golden cases passed"]
    run.result.metrics["golden cases passed"] = golden


def load_data(run: LabRun) -> None:
    """Load the cat pictures and split them into train / train-dev / dev / test."""
    train_x, train_y, test_x, test_y, _ = load_dataset()
    run.state["splits"] = build_splits(train_x, train_y, test_x, test_y)


def train(run: LabRun) -> None:
    """Train the Course 1 four-layer network full-batch, measuring the errors as it trains."""
    splits = run.state["splits"]
    epochs = QUICK_EPOCHS if run.quick else EPOCHS
    every = 25 if run.quick else 100
    keras.utils.set_random_seed(1)
    model = deep_classifier(list(LAYERS_DIMS))
    set_course_parameters(model, initialize_parameters_deep(list(LAYERS_DIMS)))
    model.compile(optimizer=keras.optimizers.SGD(LEARNING_RATE), loss="binary_crossentropy")
    data = {name: (_rows(x), y.reshape(-1, 1)) for name, (x, y, _) in splits.items()}
    callback = DiagnosisCallback(
        {k: data[k] for k in ("train", "train_dev", "dev")}, human=HUMAN_ERROR
    )
    x_train, y_train = data["train"]
    # One Keras "epoch" = ``every`` full-batch steps: Keras' per-epoch overhead would otherwise
    # dominate 2500 one-step epochs.
    full_batch = array_dataset((x_train, y_train), batch_size=len(x_train), repeat=True)
    model.fit(
        full_batch,
        steps_per_epoch=every,
        epochs=epochs // every,
        shuffle=False,
        verbose=0,
        callbacks=[callback],
    )
    run.state.update(
        epochs=epochs,
        every=every,
        callback=callback,
        predictions={
            name: (predict_eagerly(model, x).ravel() > 0.5).astype(int)
            for name, (x, _) in data.items()
        },
    )


def diagnose_errors(run: LabRun) -> None:
    """Diagnose avoidable bias, variance and data mismatch; plot the error curves."""
    s = run.state
    s["errors"] = {
        name: float(np.mean(s["predictions"][name] != y)) for name, (_, y, _) in s["splits"].items()
    }
    s["diagnosis"] = diagnose(human=HUMAN_ERROR, **s["errors"])
    callback, every = s["callback"], s["every"]
    s["figures"] = {
        "errors": plot_error_curves(
            callback.errors,
            run.out_dir / "c3_error_curves.png",
            epochs=[e * every for e in callback.epochs],
            human=HUMAN_ERROR,
            title=f"Cat classifier: errors ({s['epochs']} epochs of one full-batch step)",
            xlabel="gradient steps",
        )
    }


def analyse_errors(run: LabRun) -> None:
    """Tag the misclassified dev pictures and count the tags (error analysis)."""
    s = run.state
    dev_x, dev_y, dev_idx = s["splits"]["dev"]
    dev_pred = s["predictions"]["dev"]
    s["dev_prf"] = precision_recall_f1(dev_y, dev_pred, average="binary", labels=[0, 1])
    all_tags = image_tags(dev_x, s["splits"]["train"][0], dev_y, dev_pred)
    wrong = np.flatnonzero(dev_pred != dev_y)
    s["analysis"], s["base_rates"], sheets = None, {}, []
    if wrong.size:
        ids = [f"test#{dev_idx[i]}" for i in wrong]
        analysis = error_analysis(
            {e: all_tags[i] for e, i in zip(ids, wrong)},
            error_rate=s["errors"]["dev"],
            misclassified=ids,
        )
        s["analysis"] = analysis
        s["base_rates"] = {
            tag: float(np.mean([tag in t for t in all_tags]))
            for tag in analysis.tag_names
            if tag in PIXEL_TAGS
        }
        s["figures"]["tags"] = plot_error_analysis(
            analysis, run.out_dir / "c3_error_analysis.png", title="Cat classifier, dev errors"
        )
        sheets = analysis.contact_sheets(
            {e: dev_x[i] for e, i in zip(ids, wrong)}, run.out_dir, limit=10
        )
        analysis.to_csv(run.out_dir / "c3_error_analysis.csv")
    run.result.figures += [*s["figures"].values(), *sheets]


def write_report(run: LabRun) -> None:
    """Write the markdown report and the headline metrics."""
    s, result = run.state, run.result
    diagnosis, epochs = s["diagnosis"], s["epochs"]
    report = _report(
        diagnosis,
        s["analysis"],
        s["splits"],
        epochs,
        s["dev_prf"],
        s["base_rates"],
        s["figures"],
        result.metrics["golden cases passed"],
    )
    report_path = atomic_write_text(run.out_dir / "c3_strategy.md", report)
    suffix = f" ({epochs} epochs)" if run.quick else ""
    for name, value in (
        ("human-level error (assumed)", diagnosis.human),
        ("train error", diagnosis.train),
        ("train-dev error", diagnosis.train_dev),
        ("dev error", diagnosis.dev),
        ("test error", diagnosis.test),
        *diagnosis.gaps.items(),
        ("dev F1 (cat)", s["dev_prf"][2]),
    ):
        key = name if name.startswith("human") else f"{name}{suffix}"
        result.metrics[key] = float(value)
    result.notes += [
        str(diagnosis),
        f"report: {report_path}",
        f"splits: train/train-dev from the 209 training pictures, dev/test from the 50 test "
        f"pictures; human-level error {HUMAN_ERROR} is an assumption "
        f"({time.perf_counter() - s['start']:.0f} s).",
    ]
    result.extra.update(
        diagnosis=diagnosis, error_analysis=s["analysis"], report=report_path, history=s["callback"]
    )


STEPS = (check_golden_cases, load_data, train, diagnose_errors, analyse_errors, write_report)
