"""How many fixed and generated cases each graded function has, without importing a lab.

``dlspec grade --list`` prints :data:`CASE_COUNTS` so that listing the labs does not load
TensorFlow (the golden modules of the Keras labs import it). The counts are read from the
registry by :func:`live_case_counts`; a test compares the two, and
``python -m dlspec.grading.case_index`` rewrites this file's table after a golden module changes.
"""

from __future__ import annotations

import pprint
import sys
from pathlib import Path

from dlspec.grading.cases import CaseSource
from dlspec.labs import all_labs

__all__ = ["CASE_COUNTS", "live_case_counts", "write_case_index"]

#: ``{lab id: [(function, fixed cases, generated recipes), ...]}`` in grading order
CASE_COUNTS: dict[str, list[tuple[str, int, int]]] = {}  # filled below (generated)


def live_case_counts() -> dict[str, list[tuple[str, int, int]]]:
    """The counts of the registry's golden modules (imports every lab's cases: slow).

    Example:
        >>> live_case_counts()["c1w2-logreg"][2]  # doctest: +SKIP
        ('propagate', 1, 1)
    """
    counts = {}
    for lab in all_labs().values():
        if not lab.golden:
            continue
        source = CaseSource.for_lab(lab.id)
        fixed, generated = source.fixed(), source.generated()
        counts[lab.id] = [
            (
                name,
                sum(c.function == name for c in fixed),
                sum(c.function == name for c in generated),
            )
            for name in source.functions()
        ]
    return counts


_MARKER = "# --- generated " + "table (python -m dlspec.grading.case_index)"


def write_case_index(path: Path = Path(__file__)) -> None:
    """Rewrite the table of :data:`CASE_COUNTS` in this module from :func:`live_case_counts`."""
    table = pprint.pformat(live_case_counts(), width=96, sort_dicts=False)
    text = path.read_text(encoding="utf-8")
    text = text[: text.rindex(_MARKER)] + f"{_MARKER}\nCASE_COUNTS.update({table})\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write_case_index()
    sys.exit(0)

# --- generated table (python -m dlspec.grading.case_index)
CASE_COUNTS.update(
    {
        "c1w2-numpy-basics": [
            ("basic_sigmoid", 1, 1),
            ("sigmoid", 1, 1),
            ("sigmoid_derivative", 1, 1),
            ("image2vector", 0, 1),
            ("normalizeRows", 1, 1),
            ("softmax", 0, 1),
            ("L1", 1, 1),
            ("L2", 0, 1),
        ],
        "c1w2-logreg": [
            ("sigmoid", 0, 1),
            ("initialize_with_zeros", 1, 1),
            ("propagate", 1, 1),
            ("optimize", 1, 1),
            ("predict", 1, 1),
        ],
        "c1w3-planar": [
            ("layer_sizes", 0, 1),
            ("initialize_parameters", 1, 1),
            ("forward_propagation", 1, 1),
            ("compute_cost", 1, 1),
            ("backward_propagation", 0, 1),
            ("update_parameters", 1, 1),
            ("nn_model", 0, 1),
            ("predict", 0, 1),
        ],
        "c1w4-deep-nn-step": [
            ("initialize_parameters", 1, 1),
            ("initialize_parameters_deep", 0, 1),
            ("linear_forward", 1, 1),
            ("linear_activation_forward", 0, 2),
            ("L_model_forward", 1, 1),
            ("compute_cost", 1, 1),
            ("linear_backward", 0, 1),
            ("linear_activation_backward", 1, 2),
            ("L_model_backward", 1, 1),
            ("update_parameters", 0, 1),
        ],
        "c1w4-deep-nn-app": [("two_layer_model", 1, 1), ("L_layer_model", 0, 1)],
        "c2w1-init": [
            ("initialize_parameters_zeros", 1, 1),
            ("initialize_parameters_random", 1, 1),
            ("initialize_parameters_he", 1, 1),
        ],
        "c2w1-regularization": [
            ("compute_cost_with_regularization", 1, 1),
            ("forward_propagation_with_dropout", 1, 1),
        ],
        "c2w1-gradient-checking": [
            ("forward_propagation", 1, 1),
            ("gradient_check", 1, 1),
            ("gradient_check_n", 2, 1),
        ],
        "c2w2-optimization": [
            ("initialize_velocity", 1, 1),
            ("initialize_adam", 1, 1),
            ("update_parameters_with_gd", 1, 1),
            ("update_parameters_with_momentum", 1, 1),
            ("update_parameters_with_adam", 1, 1),
            ("random_mini_batches", 2, 1),
            ("update_lr", 1, 1),
            ("schedule_lr_decay", 2, 1),
        ],
        "c2w3-tf-intro": [
            ("normalize", 1, 1),
            ("linear_function", 1, 0),
            ("sigmoid", 2, 1),
            ("one_hot_matrix", 1, 1),
            ("initialize_parameters", 1, 0),
            ("forward_propagation", 1, 1),
            ("compute_total_loss", 1, 1),
        ],
        "c3-case-study": [
            ("f1", 4, 0),
            ("weighted_error", 1, 0),
            ("select_model", 1, 0),
            ("diagnose", 4, 0),
            ("error_analysis", 2, 0),
        ],
        "c4w1-conv-step": [
            ("zero_pad", 1, 1),
            ("conv_single_step", 1, 1),
            ("conv_forward", 3, 1),
            ("pool_forward", 1, 2),
            ("conv_backward", 2, 1),
            ("create_mask_from_window", 1, 1),
            ("distribute_value", 1, 1),
            ("pool_backward", 1, 2),
        ],
        "c4w1-conv-app": [("happyModel", 1, 0), ("convolutional_model", 1, 1)],
        "c4w2-resnet": [
            ("identity_block", 1, 1),
            ("convolutional_block", 1, 1),
            ("ResNet50", 1, 1),
        ],
        "c4w2-alpaca": [("data_augmenter", 1, 0), ("alpaca_model", 2, 1)],
        "c4w3-yolo": [
            ("yolo_filter_boxes", 1, 1),
            ("iou", 4, 1),
            ("yolo_non_max_suppression", 1, 1),
            ("scale_boxes", 1, 1),
            ("yolo_eval", 1, 1),
            ("yolo_boxes_to_corners", 1, 1),
            ("yolo_head", 1, 1),
        ],
        "c4w3-unet": [("conv_block", 2, 1), ("unet_model", 1, 1)],
        "c4w4-face": [("triplet_loss", 3, 1)],
        "c4w4-nst": [
            ("compute_content_cost", 1, 1),
            ("compute_layer_style_cost", 2, 1),
            ("total_cost", 2, 1),
        ],
    }
)
