"""Generated cases of Courses 2 and 4: dlspec passes them, common mistakes do not."""

from __future__ import annotations

import numpy as np
import pytest

from dlspec.cnn import convolution_step_by_step as conv
from dlspec.grading.case_index import CASE_COUNTS, live_case_counts
from dlspec.grading.cases import CaseSource, plan_cases
from dlspec.grading.evaluate import evaluate
from dlspec.optimization import initialization, optimization_methods


def _generated(lab_id: str, function: str, seeds=(0, 1, 2)):
    source = CaseSource.for_lab(lab_id)
    return [
        p.build()
        for seed in seeds
        for p in plan_cases(source, seed=seed, repeats=1, functions=[function])
        if p.kind == "generated"
    ]


@pytest.mark.parametrize(
    "lab_id", ["c2w1-init", "c2w1-regularization", "c2w1-gradient-checking",
               "c2w2-optimization", "c4w1-conv-step", "c4w4-face"],
)  # fmt: skip
def test_dlspec_passes_its_generated_cases(lab_id):
    source = CaseSource.for_lab(lab_id)
    for planned in plan_cases(source, seed=7, repeats=2):
        if planned.kind == "generated":
            case = planned.build()
            outcome = evaluate(case, source.reference_function(planned.function))
            assert outcome.passed, (planned.label, outcome.message)


def test_course2_hard_coded_and_transposed_solutions_fail():
    visible = optimization_methods.update_lr(0.5, 2, 1)

    def hard_coded(learning_rate0, epoch_num, decay_rate):
        return visible

    def transposed_he(layers_dims):
        parameters = initialization.initialize_parameters_he(layers_dims)
        return {k: v.T if k.startswith("W") else v for k, v in parameters.items()}

    for case in _generated("c2w2-optimization", "update_lr"):
        assert evaluate(case, hard_coded).status == "wrong value"
    statuses = {
        evaluate(c, transposed_he).status
        for c in _generated("c2w1-init", "initialize_parameters_he")
    }
    assert statuses == {"wrong shape"}


def test_course4_hard_coded_and_transposed_solutions_fail():
    def hard_coded_pad(X, pad):
        return np.zeros((4, 9, 9, 2))

    def transposed_distribute(dz, shape):
        return conv.distribute_value(dz, tuple(shape)[::-1])

    for case in _generated("c4w1-conv-step", "zero_pad"):
        assert evaluate(case, hard_coded_pad).status == "wrong shape"
    for case in _generated("c4w1-conv-step", "distribute_value"):
        assert evaluate(case, transposed_distribute).status == "wrong shape"


def test_the_static_case_index_matches_the_registry():
    assert CASE_COUNTS == live_case_counts(), "run: python -m dlspec.grading.case_index"


def test_at_least_80_percent_of_courses_2_to_4_have_generated_cases():
    functions = [f for lab, fs in CASE_COUNTS.items() if lab[1] in "234" for f in fs]
    assert sum(g > 0 for _, _, g in functions) >= 0.8 * len(functions)
