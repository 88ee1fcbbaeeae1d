"""The worker's edition facts, in process: in-place updates as the course does them, calls
with the course's signature only, editions recognised from a signature."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from dlspec.grading.cases import CaseSource, plan_cases
from dlspec.grading.editions import (
    adapt_call,
    detect_by_expected,
    detect_by_signature,
    detect_by_update,
    facts_for,
)
from dlspec.grading.evaluate import evaluate


def gd_rebinding(parameters, grads, learning_rate):
    """The course's solution: new arrays assigned into the dict it was given."""
    for l in range(1, len(parameters) // 2 + 1):
        parameters[f"W{l}"] = parameters[f"W{l}"] - learning_rate * grads[f"dW{l}"]
        parameters[f"b{l}"] = parameters[f"b{l}"] - learning_rate * grads[f"db{l}"]
    return parameters


def gd_in_place(parameters, grads, learning_rate):
    """The arrays themselves changed in place."""
    for l in range(1, len(parameters) // 2 + 1):
        parameters[f"W{l}"] -= learning_rate * grads[f"dW{l}"]
        parameters[f"b{l}"] -= learning_rate * grads[f"db{l}"]
    return parameters


def momentum_in_place(parameters, grads, v, beta, learning_rate):
    for key in v:
        v[key] = beta * v[key] + (1 - beta) * grads[key]
        parameters[key[1:]] -= learning_rate * v[key]
    return parameters, v


def adam_in_place(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999,
                  epsilon=1e-8):  # fmt: skip
    v_c, s_c = {}, {}
    for key in v:
        v[key] = beta1 * v[key] + (1 - beta1) * grads[key]
        s[key] = beta2 * s[key] + (1 - beta2) * grads[key] ** 2
        v_c[key], s_c[key] = v[key] / (1 - beta1**t), s[key] / (1 - beta2**t)
        parameters[key[1:]] = parameters[key[1:]] - learning_rate * v_c[key] / (
            np.sqrt(s_c[key]) + epsilon
        )
    return parameters, v, s, v_c, s_c


def _case(lab: str, function: str):
    """The lab's first case of ``function`` (a fixed one, else a generated one, seed 3)."""
    plan = plan_cases(CaseSource.for_lab(lab), seed=3, repeats=1, functions=[function])
    return plan[0].build()


@pytest.mark.parametrize(
    "function, solution",
    [
        ("update_parameters_with_gd", gd_rebinding),
        ("update_parameters_with_gd", gd_in_place),
        ("update_parameters_with_momentum", momentum_in_place),
        ("update_parameters_with_adam", adam_in_place),
    ],
)
def test_course_style_in_place_updates_pass_and_others_would_be_flagged(function, solution):
    case = _case("c2w2-optimization", function)
    facts = facts_for("c2w2-optimization", function)
    assert evaluate(case, solution, in_place=facts.in_place).status == "pass"
    assert evaluate(case, solution).status == "mutated input"  # without the course's contract


def test_earlier_update_parameters_may_rebind_entries_but_not_change_arrays():
    case = _case("c1w4-deep-nn-step", "update_parameters")
    facts = facts_for("c1w4-deep-nn-step", "update_parameters")
    assert evaluate(case, gd_rebinding, rebind=facts.rebind).status == "pass"
    outcome = evaluate(case, gd_in_place, rebind=facts.rebind)
    assert outcome.status == "mutated input"
    assert "parameters['W1']" in outcome.message


@pytest.mark.parametrize("solution", [gd_rebinding, gd_in_place])
def test_planar_v6c_updates_in_place_and_is_named_by_it(solution):
    case = _case("c1w3-planar", "update_parameters")
    facts = facts_for("c1w3-planar", "update_parameters")
    outcome = evaluate(case, solution, in_place=facts.in_place)
    assert (outcome.status, outcome.updated) == ("pass", ("parameters",))
    assert detect_by_update(facts, outcome.updated).name == "v6c"

    def copying(parameters, grads, learning_rate):
        return gd_rebinding(copy.deepcopy(parameters), grads, learning_rate)

    assert evaluate(case, copying, in_place=facts.in_place).updated == ()


def test_planar_v6c_seeding_is_recognised_by_its_output():
    source = CaseSource.for_lab("c1w3-planar")
    reference = source.reference_function("initialize_parameters")
    planned = plan_cases(source, seed=3, repeats=1, functions=["initialize_parameters"])
    case = next(p for p in planned if p.kind == "generated").build()
    facts = facts_for("c1w3-planar", "initialize_parameters")

    def v6c(n_x, n_h, n_y):
        np.random.seed(2)
        return reference(n_x, n_h, n_y)

    args, kwargs = case.make_inputs()
    edition, graded = detect_by_expected(facts, case, v6c(*args, **kwargs), reference)
    assert edition.name == "v6c" and evaluate(graded, v6c).status == "pass"
    assert evaluate(case, v6c).status == "wrong value"  # against this edition's case
    args, kwargs = case.make_inputs()
    assert detect_by_expected(facts, case, reference(*args, **kwargs), reference) is None
    wrong = {k: 2 * v for k, v in v6c(*case.make_inputs()[0]).items()}
    assert detect_by_expected(facts, case, wrong, reference) is None


def test_blocks_without_training_are_called_without_it():
    def course(X, f, filters, training=True, initializer=None): ...

    def variant(X, f, filters, initializer=None): ...

    facts = facts_for("c4w2-resnet", "identity_block")
    edition = detect_by_signature(facts, variant)
    assert edition.missing == "training" and edition.gradable
    given = {"f": 2, "filters": [1], "training": False}
    args, kwargs, _ = adapt_call(course, variant, ("X",), given, drop=(edition.missing,))
    assert (args, kwargs) == (("X",), {"f": 2, "filters": [1]})


def test_defaults_are_passed_by_keyword_and_missing_ones_left_out():
    def course(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False): ...

    def v1(parameters, gradients, X, Y, epsilon=1e-7): ...

    args, kwargs, notes = adapt_call(course, v1, ("p", "g", "x", "y", 1e-7, False), {})
    assert (args, kwargs) == (("p", "g", "x", "y", 1e-7), {})
    assert notes == ["print_msg left out (not a parameter)"]
    # a value that is not the default is kept: the call fails and says so
    _, kwargs, _ = adapt_call(course, v1, ("p", "g", "x", "y", 1e-7, True), {})
    assert kwargs["print_msg"] is True


def test_dlspec_only_arguments_are_dropped_and_reordered_ones_go_by_keyword():
    def course(boxes, box_confidence, box_class_probs, threshold=0.6): ...

    def v3a(box_confidence, boxes, box_class_probs, threshold=0.6): ...

    args, kwargs, _ = adapt_call(course, v3a, ("B", "C", "P"), {"threshold": 0.5})
    assert args == ()
    assert kwargs == {"boxes": "B", "box_confidence": "C", "box_class_probs": "P",
                      "threshold": 0.5}  # fmt: skip

    def alpaca(image_shape=(160, 160), data_augmentation=None): ...

    def course_alpaca(image_shape=(160, 160), data_augmentation=None, weights="imagenet"): ...

    args, kwargs, _ = adapt_call(course_alpaca, alpaca, ((96, 96),), {"weights": None},
                                 drop=("weights",))  # fmt: skip
    assert (args, kwargs) == (((96, 96),), {})


def test_editions_are_recognised_from_the_signature():
    def identity_block(X, f, filters, stage, block): ...

    def current(X, f, filters, training=True, initializer=None): ...

    facts = facts_for("c4w2-resnet", "identity_block")
    edition = detect_by_signature(facts, identity_block)
    assert edition.name == "v2a" and not edition.gradable
    assert edition.message.startswith("written for edition v2a of this lab: identity_block(")
    assert detect_by_signature(facts, current) is None
    planar = detect_by_signature(
        facts_for("c1w3-planar", "compute_cost"), lambda A2, Y, parameters: 0
    )
    assert planar.name == "v6c" and planar.same_output
