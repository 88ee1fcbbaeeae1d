"""Runner of lab c4w4-face (face recognition): the steps `dlspec run c4w4-face` runs in order.

Golden cases, FaceNet's verify / who_is_it on the course's faces, then triplet training on
scikit-learn's digits as identities. Options: ``data``, a folder in the course data's layout
replacing ``$DLSPEC_DATA_DIR``; ``weights``, the FaceNet weights file (without it the run looks
in ``$DLSPEC_WEIGHTS_DIR`` and the Keras cache, and otherwise runs FaceNet untrained, saying
so). A quick run trains the digits embedding 8 epochs instead of 30 (metric names say so) and
skips the second embedding trained with digits 7, 8, 9 held out.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from dlspec.cnn.faces import face_recognition
from dlspec.cnn.faces.face_recognition import (
    FACES_DIR,
    build_database,
    img_to_encoding,
    verify,
    who_is_it,
)
from dlspec.cnn.faces.facenet import facenet_model
from dlspec.cnn.faces.triplet_training import (
    digit_embedding_model,
    train_triplet_model,
    verification_report,
)
from dlspec.cnn.golden import face_recognition as golden
from dlspec.data.digits import digits_dataset, load_digit_identities
from dlspec.data.paths import data_path
from dlspec.grading import run_case
from dlspec.labs import LabRun
from dlspec.viz.embeddings import plot_distance_histograms, plot_embeddings_2d
from dlspec.weights import UntrainedBackboneWarning, WeightsNotFoundError

__all__ = ["STEPS"]


def _epochs(run: LabRun) -> int:
    return 8 if run.quick else 30


def _train_digits(split, epochs: int):
    """Semi-hard triplet training on ``split``'s training images; the verification report."""
    ds = digits_dataset(split.train_images, split.train_labels, batch_size=64, seed=0)
    trainer, history = train_triplet_model(digit_embedding_model(seed=0), ds, epochs=epochs)
    report = verification_report(
        trainer.model,
        (split.train_images, split.train_labels),
        (split.test_images, split.test_labels),
    )
    return trainer.model, history, report


def _write_digit_pngs(split, out_dir: Path) -> list[Path]:
    """One held-out PNG per digit (the database), then the last held-out image (the query)."""
    folder = out_dir / "digit_images"
    folder.mkdir(parents=True, exist_ok=True)
    picks = [int(np.flatnonzero(split.test_labels == k)[0]) for k in range(10)]
    paths = []
    for i in [*picks, len(split.test_labels) - 1]:
        path = folder / f"test_{i}.png"
        Image.fromarray(split.test_images[i, :, :, 0]).save(path)
        paths.append(path)
    return paths


def grade(run: LabRun) -> None:
    """Grade triplet_loss (and, with FaceNet weights, verify / who_is_it) on the golden cases."""
    weights, notes = run.options.get("weights"), run.result.notes
    cases = list(golden.CASES["c4w4-face"])
    if weights is not None and not golden.WEIGHT_CASES_INCLUDED:
        cases += golden.weight_cases(weights)
    outcomes = [run_case(case, face_recognition) for case in cases]
    notes.extend(
        f"golden {case.label}: {o.status} {o.message}".strip() for case, o in zip(cases, outcomes)
    )
    if len(cases) == len(golden.CASES["c4w4-face"]) and not golden.WEIGHT_CASES_INCLUDED:
        notes.append(
            "golden: the course's verify / who_is_it values need the FaceNet weights; "
            "not checked in this run."
        )
    run.result.metrics["golden cases passed"] = sum(o.passed for o in outcomes) / len(outcomes)


def load_facenet(run: LabRun) -> None:
    """Load FaceNet with the course's weights (untrained without them, and said so)."""
    weights, notes = run.options.get("weights"), run.result.notes
    if weights is not None:
        model, resolved = facenet_model(weights)
    else:
        try:
            model, resolved = facenet_model("facenet")
        except WeightsNotFoundError as err:
            notes.append(f"FaceNet weights not found: {err}")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UntrainedBackboneWarning)  # said in the notes
                model, resolved = facenet_model(None)
    if resolved is None:
        notes.append(
            "UNTRAINED FaceNet: the face encodings are random, so the distances, verify and "
            "who_is_it answers below are NOT the course's (course: verify camera_1 as "
            "bertrand 0.5436 open, as younes 1.3964 closed; who_is_it camera_0 younes 0.5993). "
            "Give the weights with --weights PATH (the course's keras-facenet-h5/model.h5)."
        )
    else:
        notes.append(f"FaceNet weights: {resolved}.")
    run.state.update(facenet=model, facenet_weights=resolved)


def recognise_faces(run: LabRun) -> None:
    """Encode the course's 12 people; verify camera_1 and ask who_is_it camera_0."""
    result, model = run.result, run.state["facenet"]
    folder = data_path(FACES_DIR, root=run.options.get("data"))
    database = build_database(model, folder=folder)
    tag = "" if run.state["facenet_weights"] is not None else " (untrained encodings)"
    for image, identity in (("camera_1.jpg", "bertrand"), ("camera_1.jpg", "younes")):
        dist, door = verify(folder / image, identity, database, model, verbose=False)
        result.metrics[f"verify {image} as {identity}: distance{tag}"] = float(dist)
        result.notes.append(f"verify({image}, {identity!r}) = ({dist:.6f}, {door}){tag}")
    for image in ("camera_0.jpg",):
        dist, identity = who_is_it(folder / image, database, model, verbose=False)
        result.metrics[f"who_is_it {image}: distance{tag}"] = float(dist)
        result.notes.append(f"who_is_it({image}) = ({dist:.6f}, {identity!r}){tag}")


def train_digits(run: LabRun) -> None:
    """Train a digits embedding with semi-hard triplets; verify held-out pairs with it."""
    result, epochs = run.result, _epochs(run)
    suffix = f" ({epochs} epochs)" if run.quick else ""
    split = load_digit_identities()
    model, history, report = _train_digits(split, epochs)
    name = "triplet-trained verification accuracy (digits, held-out pairs)"
    result.metrics[name + suffix] = report.test_accuracy
    result.metrics[f"final triplet loss (digits){suffix}"] = history["loss"][-1]
    result.metrics[f"triplet-trained threshold (digits){suffix}"] = report.threshold
    result.notes.append(
        f"Digits as identities (scikit-learn load_digits, offline): held out by samples, "
        f"{len(split.train_labels)} training / {len(split.test_labels)} test images of all "
        f"10 digits; embedding net trained {epochs} epochs with semi-hard triplet mining "
        f"(margin 0.2) through dlspec.training.Trainer; loss {history['loss'][0]:.4f} → "
        f"{history['loss'][-1]:.4f}. Distance threshold {report.threshold:.3f} chosen on "
        f"2000 balanced training pairs (accuracy {report.train_accuracy:.3f}); held-out "
        f"pairs (1000 same, 1000 different): accuracy {report.test_accuracy:.3f}."
    )
    run.state.update(digits=split, digits_model=model, digits_report=report)


def figures(run: LabRun) -> None:
    """Plot the held-out digit embeddings and distances; who_is_it with the digits model."""
    split, model, report = (run.state[k] for k in ("digits", "digits_model", "digits_report"))
    result, out_dir = run.result, run.out_dir
    test_embeddings = model.predict(split.test_images / 255.0, verbose=0)
    result.figures.append(
        plot_embeddings_2d(test_embeddings, split.test_labels, out_dir / "digit_embeddings.png")
    )
    result.figures.append(
        plot_distance_histograms(
            report.test_distances, report.test_same, report.threshold, out_dir / "distances.png"
        )
    )
    paths = _write_digit_pngs(split, out_dir)
    database = {f"digit {k}": img_to_encoding(paths[k], model) for k in range(10)}
    dist, identity = who_is_it(paths[-1], database, model, verbose=False)
    result.notes.append(
        f"who_is_it works with the digits model too (input {model.inputs[0].shape[1:]}): a "
        f"held-out image of digit {int(split.test_labels[-1])} → {identity!r} at {dist:.3f}."
    )


def unseen_identities(run: LabRun) -> None:
    """Train again with digits 7, 8, 9 never seen, like new people at the door (full runs)."""
    if run.quick:
        return
    split = load_digit_identities(held_out_identities=(7, 8, 9))
    _, _, report = _train_digits(split, _epochs(run))
    run.result.metrics["verification accuracy on digits never trained on (7, 8, 9)"] = (
        report.test_accuracy
    )
    run.result.notes.append(
        "Held out by identities instead (digits 7, 8, 9 never seen in training, like new "
        f"people at the door): held-out pair accuracy {report.test_accuracy:.3f}; seven "
        "training identities do not teach features that separate unseen ones as well."
    )


STEPS = (grade, load_facenet, recognise_faces, train_digits, figures, unseen_identities)
