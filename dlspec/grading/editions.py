"""The facts of the course's editions that grading needs, in one table, and their adapters.

Learners' notebooks come from several editions of the specialization (see
``shared/spec/editions.md``). Per graded function, :data:`FACTS` says

- which arguments the course's own solution updates in place (``in_place``: not a bug), and
  which dicts an earlier edition's solution updates by assigning new arrays to their keys
  (``rebind``: the arrays given must stay unchanged);
- the names other editions give the function (``aliases``);
- whether the course gives the function (``course_given``: graded only if the notebook defines
  it) or the exercise is optional (``optional``: reported apart, never failing the grade);
- arguments dlspec's cases pass that the course's signature does not have (``dlspec_only``),
  and arguments whose course default is built once at definition time, given a fresh value
  from the learner's own builder on every call (``fresh``: ``{argument: builder name}``);
- the earlier editions: how to recognise them (a signature, the structure of the output) and
  how to grade them (an adapter of the call or of the output), or what differs when they
  cannot be graded with this edition's cases.

The worker (:mod:`dlspec.grading.worker`) reads this table; nothing here imports TensorFlow.

Example:
    >>> facts_for("c2w2-optimization", "update_parameters_with_adam").in_place
    ('parameters', 'v', 's')
    >>> facts_for("c1w2-numpy-basics", "normalizeRows").aliases
    ('normalize_rows',)
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import numpy as np

from dlspec.grading.golden import GoldenCase, compare_detail

__all__ = [
    "FACTS",
    "Edition",
    "FunctionFacts",
    "adapt_call",
    "detect_by_expected",
    "detect_by_name",
    "detect_by_output",
    "detect_by_signature",
    "detect_by_update",
    "facts_for",
    "lab_notes",
    "parameter_names",
]


@dataclass(frozen=True)
class Edition:
    """An earlier edition's contract of one function.

    Attributes:
        name: the edition, as the course's file names say it (``"v2a"``, ``"first TF 2"``).
        differences: what differs, one phrase for the report.
        parameters: the learner's parameter names that identify it (in order, all of them).
        missing: a parameter whose absence identifies this edition (``print_msg``); the
            call leaves it out.
        output: a test of the learner's output that identifies it.
        fill: values of this edition's extra required arguments (passed by keyword).
        alias: the name this edition gives the function (found under it: this edition).
        adapt: ``(case, args, kwargs, output) -> (case, output)`` grading the output against
            this edition's contract; ``None``: cannot be graded with these cases.
        expected: ``(reference, args, kwargs) -> output``: this edition's output for a case's
            inputs, computed with dlspec's reference function. An output that misses the
            case but matches this is this edition's, and graded against it.
        updates: arguments this edition updates in place where the current edition copies:
            a call that changed them is this edition's (the change is accepted).
    """

    name: str
    differences: str
    parameters: tuple[str, ...] = ()
    missing: str = ""
    output: Callable[[Any], bool] | None = None
    fill: Mapping[str, Any] = field(default_factory=dict)
    adapt: Callable[..., tuple[GoldenCase, Any]] | None = None
    alias: str = ""
    expected: Callable[[Callable, tuple, dict], Any] | None = None
    updates: tuple[str, ...] = ()

    @property
    def same_output(self) -> bool:
        """Only the call differs (extra or missing arguments): grade the output as it is."""
        return self.adapt is None and bool(self.fill or self.missing)

    @property
    def gradable(self) -> bool:
        """This edition's functions can be graded with the current edition's cases."""
        return (
            self.adapt is not None
            or self.same_output
            or self.expected is not None
            or bool(self.updates)
        )

    @property
    def message(self) -> str:
        return f"written for edition {self.name} of this lab: {self.differences}"

    @property
    def graded_message(self) -> str:
        """What a case graded against this edition's contract says."""
        return f"graded as edition {self.name} of this lab: {self.differences}"

    def as_dict(self) -> dict[str, str]:
        """``{"name", "differences"}``: the report's form."""
        return {"name": self.name, "differences": self.differences}


@dataclass(frozen=True)
class FunctionFacts:
    """What the course's editions say about one graded function (see the module docstring)."""

    in_place: tuple[str, ...] = ()
    rebind: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    course_given: bool = False
    optional: bool = False
    dlspec_only: tuple[str, ...] = ()
    fresh: Mapping[str, str] = field(default_factory=dict)
    editions: tuple[Edition, ...] = ()


def _first_only(case: GoldenCase, args: tuple, kwargs: dict, output: Any) -> tuple:
    """Grade only the first item of a tuple the course returns (``parameters``): the rest is
    not checked; the earlier edition returned that first item alone."""
    expected = case.expected
    if not isinstance(expected, tuple | list):
        return case, output
    kept = (expected[0], *[...] * (len(expected) - 1))
    types = {k: v for k, v in case.types.items() if k.split(".")[0] in ("", "0")}
    return dataclasses.replace(case, expected=kept, types=types), (
        output,
        *[None] * (len(kept) - 1),
    )


def _first_three(case: GoldenCase, args: tuple, kwargs: dict, output: Any) -> tuple:
    """v1b's Adam returns ``(parameters, v, s)``: the corrected moments are not checked."""
    expected = case.expected
    if not isinstance(expected, tuple | list) or len(expected) != 5:
        return case, output
    kept = (*expected[:3], ..., ...)
    types = {k: v for k, v in case.types.items() if k.split(".")[0] in ("", "0", "1", "2")}
    return dataclasses.replace(case, expected=kept, types=types), (*output, None, None)


def _total_from_mean(case: GoldenCase, args: tuple, kwargs: dict, output: Any) -> tuple:
    """The first TF 2 edition's ``compute_cost`` is the mean over the examples (columns of the
    labels); this edition's cases expect the sum."""
    labels = kwargs.get("labels", args[1] if len(args) > 1 else None)
    examples = int(np.shape(labels)[-1]) if labels is not None else 1
    return case, output * examples


def _drop_trailing_one(case: GoldenCase, args: tuple, kwargs: dict, output: Any) -> tuple:
    """The first TF 2 edition's ``one_hot_matrix`` returns ``(depth, 1)``: compare the values."""
    import tensorflow as tf  # lazy: only TF labs get here, and this module stays TF-free

    return case, tf.reshape(output, [-1])


def _float_b(case: GoldenCase, args: tuple, kwargs: dict, output: Any) -> tuple:
    """The old edition's ``initialize_with_zeros`` returns ``b = 0`` (an int)."""
    w, b = output
    return case, (w, float(b) if isinstance(b, int) else b)


def _is_tuple_of(length: int) -> Callable[[Any], bool]:
    return lambda out: isinstance(out, tuple) and len(out) == length


def _is_dict(out: Any) -> bool:
    return isinstance(out, dict)


def _column(out: Any) -> bool:
    shape = tuple(getattr(out, "shape", ()))
    return len(shape) == 2 and shape[1] == 1


_V6C_COST = Edition(
    "v6c",
    "compute_cost(A2, Y, parameters) takes an unused third argument",
    parameters=("A2", "Y", "parameters"),
    fill={"parameters": None},
)


def _seeded_with_2(reference: Callable, args: tuple, kwargs: dict) -> Any:
    """v6c's ``initialize_parameters`` calls ``np.random.seed(2)`` before drawing."""
    np.random.seed(2)
    return reference(*args, **kwargs)


def _trained_from_seed_2(reference: Callable, args: tuple, kwargs: dict) -> Any:
    """v6c's ``nn_model``: the course's training, from v6c's ``initialize_parameters`` (which
    reseeds numpy with 2, so the ``np.random.seed(3)`` before it has no effect)."""
    module = sys.modules[reference.__module__]
    initialize = module.initialize_parameters

    def seeded(*a: Any, **k: Any) -> Any:
        np.random.seed(2)
        return initialize(*a, **k)

    with mock.patch.object(module, "initialize_parameters", seeded):
        return reference(*args, **kwargs)


_V6C_SEED = (
    "initialize_parameters calls np.random.seed(2) inside (the current edition's test seeds)"
)
_V6C_INIT = Edition("v6c", _V6C_SEED, expected=_seeded_with_2)
_V6C_NN_MODEL = Edition(
    "v6c",
    f"{_V6C_SEED}, so nn_model starts from the weights of seed 2",
    expected=_trained_from_seed_2,
)
_V6C_UPDATE = Edition(
    "v6c",
    "update_parameters updates the given parameters in place (the current edition updates a "
    "deep copy)",
    updates=("parameters",),
)
_V8_MODEL = Edition(
    "v8",
    "returns parameters only, not (parameters, costs): parameters graded, costs not",
    output=_is_dict,
    adapt=_first_only,
)


def _no_training(signature: str) -> Edition:
    """The current edition's variant without ``training`` (the notebook sets Keras 2's global
    learning phase instead): called without it, the layers run in inference mode, as the
    cases' ``training=False`` asks."""
    return Edition(
        "2021 (set_learning_phase)",
        f"{signature} has no training argument (the notebook calls K.set_learning_phase): "
        "called without it",
        missing="training",
    )


_TF1 = "TF 1 placeholders and sessions (_v1a/_v3a): cannot run on TensorFlow 2"

#: ``(lab, function) -> facts``; a function absent here has the defaults of FunctionFacts.
FACTS: dict[tuple[str, str], FunctionFacts] = {
    ("c1w2-numpy-basics", "normalizeRows"): FunctionFacts(aliases=("normalize_rows",)),
    ("c1w2-logreg", "initialize_with_zeros"): FunctionFacts(
        editions=(
            Edition(
                "2019",
                "b = 0 (an int) instead of 0.0",
                output=lambda out: isinstance(out, tuple) and type(out[1]) is int,
                adapt=_float_b,
            ),
        )
    ),
    ("c1w3-planar", "initialize_parameters"): FunctionFacts(editions=(_V6C_INIT,)),
    ("c1w3-planar", "compute_cost"): FunctionFacts(editions=(_V6C_COST,)),
    ("c1w3-planar", "update_parameters"): FunctionFacts(
        in_place=("parameters",), editions=(_V6C_UPDATE,)
    ),
    ("c1w3-planar", "nn_model"): FunctionFacts(editions=(_V6C_NN_MODEL,)),
    ("c1w4-deep-nn-step", "update_parameters"): FunctionFacts(rebind=("params", "parameters")),
    ("c1w4-deep-nn-app", "two_layer_model"): FunctionFacts(editions=(_V8_MODEL,)),
    ("c1w4-deep-nn-app", "L_layer_model"): FunctionFacts(editions=(_V8_MODEL,)),
    ("c2w1-gradient-checking", "gradient_check_n"): FunctionFacts(
        editions=(Edition("v1", "no print_msg argument", missing="print_msg"),)
    ),
    ("c2w2-optimization", "update_parameters_with_gd"): FunctionFacts(in_place=("parameters",)),
    ("c2w2-optimization", "update_parameters_with_momentum"): FunctionFacts(
        in_place=("parameters", "v")
    ),
    ("c2w2-optimization", "update_parameters_with_adam"): FunctionFacts(
        in_place=("parameters", "v", "s"),
        editions=(
            Edition(
                "v1b",
                "returns (parameters, v, s) without the corrected moments",
                output=_is_tuple_of(3),
                adapt=_first_three,
            ),
        ),
    ),
    ("c2w3-tf-intro", "compute_total_loss"): FunctionFacts(
        aliases=("compute_cost",),
        editions=(
            Edition(
                "first TF 2",
                "compute_cost returns the mean of the losses, not their sum",
                adapt=_total_from_mean,
                alias="compute_cost",
            ),
        ),
    ),
    ("c2w3-tf-intro", "one_hot_matrix"): FunctionFacts(
        editions=(
            Edition(
                "first TF 2",
                "one_hot_matrix returns shape (depth, 1)",
                output=_column,
                adapt=_drop_trailing_one,
            ),
        )
    ),
    ("c2w3-tf-intro", "normalize"): FunctionFacts(
        editions=(
            Edition(
                "first TF 2",
                "normalize is given by the course (divides by 256, shape (12288, 1))",
                output=_column,
            ),
        )
    ),
    ("c4w1-conv-step", "conv_backward"): FunctionFacts(optional=True),
    ("c4w1-conv-step", "create_mask_from_window"): FunctionFacts(optional=True),
    ("c4w1-conv-step", "distribute_value"): FunctionFacts(optional=True),
    ("c4w1-conv-step", "pool_backward"): FunctionFacts(optional=True),
    ("c4w1-conv-app", "happyModel"): FunctionFacts(editions=(Edition("_v1a", _TF1),)),
    ("c4w1-conv-app", "convolutional_model"): FunctionFacts(editions=(Edition("_v1a", _TF1),)),
    ("c4w2-resnet", "identity_block"): FunctionFacts(
        editions=(
            Edition(
                "v2a",
                "identity_block(X, f, filters, stage, block) with glorot_uniform(seed=0) "
                "weights: its values differ from this edition's cases",
                parameters=("X", "f", "filters", "stage", "block"),
            ),
            _no_training("identity_block(X, f, filters, initializer=random_uniform)"),
        )
    ),
    ("c4w2-resnet", "convolutional_block"): FunctionFacts(
        editions=(
            Edition(
                "v2a",
                "convolutional_block(X, f, filters, stage, block, s=2) with "
                "glorot_uniform(seed=0) weights: its values differ from this edition's cases",
                parameters=("X", "f", "filters", "stage", "block", "s"),
            ),
            _no_training("convolutional_block(X, f, filters, s=2, initializer=glorot_uniform)"),
        )
    ),
    ("c4w2-alpaca", "alpaca_model"): FunctionFacts(
        dlspec_only=("weights",), fresh={"data_augmentation": "data_augmenter"}
    ),
    ("c4w3-yolo", "yolo_head"): FunctionFacts(course_given=True),
    ("c4w3-yolo", "yolo_boxes_to_corners"): FunctionFacts(course_given=True),
    ("c4w3-yolo", "scale_boxes"): FunctionFacts(course_given=True),
    ("c4w3-yolo", "yolo_non_max_suppression"): FunctionFacts(editions=(Edition("_v3a", _TF1),)),
    ("c4w3-yolo", "yolo_eval"): FunctionFacts(editions=(Edition("_v3a", _TF1),)),
    ("c4w4-nst", "compute_content_cost"): FunctionFacts(
        editions=(
            Edition(
                "v3a",
                "compute_content_cost(a_C, a_G) takes the activations, not lists of outputs",
                parameters=("a_C", "a_G"),
                adapt=None,
            ),
        )
    ),
}

#: per lab, names the notebook may lack because its edition does not have them
_ABSENT_IN_EDITION: dict[str, dict[str, str]] = {
    "c2w2-optimization": {
        "update_lr": "v1b (no learning-rate decay section)",
        "schedule_lr_decay": "v1b (no learning-rate decay section)",
    },
    "c2w3-tf-intro": {"normalize": "first TF 2 (normalize is given by the course)"},
}


def facts_for(lab: str, function: str) -> FunctionFacts:
    """The facts of ``function`` in ``lab`` (defaults when the table has none)."""
    return FACTS.get((lab, function), FunctionFacts())


def lab_notes(lab: str) -> dict[str, str]:
    """``{function: edition}`` of the graded functions an earlier edition does not have."""
    return dict(_ABSENT_IN_EDITION.get(lab, {}))


def parameter_names(func: Any) -> list[str] | None:
    """The names of ``func``'s parameters, or ``None`` when it has no readable signature.

    Example:
        >>> parameter_names(lambda X, f, filters, training=True: X)
        ['X', 'f', 'filters', 'training']
    """
    try:
        return list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return None


def detect_by_signature(facts: FunctionFacts, func: Any) -> Edition | None:
    """The earlier edition whose signature ``func`` has (``None``: the current one)."""
    names = parameter_names(func)
    if names is None:
        return None
    for edition in facts.editions:
        if edition.parameters and tuple(names[: len(edition.parameters)]) == edition.parameters:
            return edition
        if edition.missing and edition.missing not in names:
            return edition
    return None


def detect_by_name(facts: FunctionFacts, name: str) -> Edition | None:
    """The earlier edition that calls the function ``name`` (one of its aliases)."""
    return next((e for e in facts.editions if e.alias and e.alias == name), None)


def detect_by_output(facts: FunctionFacts, output: Any) -> Edition | None:
    """The earlier edition whose output structure ``output`` has (``None``: none matches)."""
    for edition in facts.editions:
        if edition.output is not None:
            try:
                if edition.output(output):
                    return edition
            except Exception:  # a learner's odd output: not this edition
                continue
    return None


def _matches(case: GoldenCase, expected: Any, output: Any) -> bool:
    try:
        got = case.select(output) if case.select is not None else output
        return compare_detail(expected, got, rtol=case.rtol, atol=case.atol) is None
    except Exception:  # a learner's odd output: no match
        return False


def detect_by_expected(
    facts: FunctionFacts, case: Any, output: Any, reference: Callable | None
) -> tuple[Edition, GoldenCase] | None:
    """The earlier edition whose own expected output ``output`` matches, with the case graded
    against it; ``None`` when the output matches the case itself, or no edition's.

    Example:
        >>> facts = facts_for("c1w3-planar", "initialize_parameters")
        >>> case = GoldenCase("initialize_parameters", lambda: ((3, 2, 1), {}), None)
        >>> ref = lambda *a: np.random.randn(2, 3)
        >>> edition, graded = detect_by_expected(facts, case, _seeded_with_2(ref, (), {}), ref)
        >>> edition.name, graded.expected.shape
        ('v6c', (2, 3))
    """
    candidates = [e for e in facts.editions if e.expected is not None]
    if not candidates or reference is None or not isinstance(case, GoldenCase):
        return None
    if case.expected is not None and _matches(case, case.expected, output):
        return None
    for edition in candidates:
        args, kwargs = case.make_inputs()
        try:
            raw = edition.expected(reference, args, kwargs)
            expected = case.select(raw) if case.select is not None else raw
        except Exception:  # dlspec's reference refused the inputs: not this edition
            continue
        if _matches(case, expected, output):
            return edition, dataclasses.replace(case, expected=expected)
    return None


def detect_by_update(facts: FunctionFacts, updated: Collection[str]) -> Edition | None:
    """The earlier edition that updates one of the ``updated`` arguments in place.

    Example:
        >>> detect_by_update(facts_for("c1w3-planar", "update_parameters"), ["parameters"]).name
        'v6c'
    """
    return next((e for e in facts.editions if set(e.updates) & set(updated)), None)


def _same(value: Any, default: Any) -> bool:
    if value is default:
        return True
    try:
        return bool(type(value) is type(default) and value == default)
    except Exception:  # arrays and friends: not a default
        return False


def adapt_call(
    reference: Any,
    func: Any,
    args: tuple,
    kwargs: dict,
    *,
    drop: tuple[str, ...] = (),
    fill: Mapping[str, Any] | None = None,
) -> tuple[tuple, dict, list[str]]:
    """Call ``func`` (the learner's) with a case built for ``reference``'s signature.

    Arguments stay positional while the learner's parameter at that position has the course's
    name; after the first difference they go by keyword. An argument the learner's function
    does not have is left out when it is the course's default (``print_msg=False``) or one of
    ``drop`` (dlspec-only arguments); ``fill`` supplies an earlier edition's extra arguments.

    Returns:
        ``(args, kwargs, notes)``: notes say what was changed (empty: the call as it was).

    Example:
        >>> def course(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False): ...
        >>> def learner(parameters, gradients, X, Y, epsilon=1e-7): ...
        >>> adapt_call(course, learner, (1, 2, 3, 4, 1e-7, False), {})
        ((1, 2, 3, 4, 1e-07), {}, ['print_msg left out (not a parameter)'])
    """
    try:
        ref = inspect.signature(reference)
        own = inspect.signature(func).parameters
        bound = ref.bind(*args, **kwargs).arguments
    except (TypeError, ValueError):
        return args, kwargs, []
    kinds = {p.kind for p in own.values()}
    if inspect.Parameter.VAR_KEYWORD in kinds or inspect.Parameter.VAR_POSITIONAL in kinds:
        return args, kwargs, []
    own_names = list(own)
    positional = len(args)
    new_args: list[Any] = []
    new_kwargs: dict[str, Any] = {}
    notes: list[str] = []
    aligned = True
    for index, (name, value) in enumerate(bound.items()):
        aligned = aligned and index < positional and index < len(own_names)
        aligned = aligned and own_names[index] == name
        if aligned:
            new_args.append(value)
        elif name in own:
            new_kwargs[name] = value
        elif name in drop or _same(value, ref.parameters[name].default):
            notes.append(f"{name} left out (not a parameter)")
        elif index < positional and index < len(own_names) and own_names[index] not in bound:
            new_args.append(value)  # the learner renamed this parameter: keep its place
            aligned = True
        else:
            new_kwargs[name] = value
    for name, value in (fill or {}).items():
        if name in own and name not in new_kwargs and own_names.index(name) >= len(new_args):
            new_kwargs[name] = value
            notes.append(f"{name}={value!r} passed (an earlier edition's argument)")
    if new_args == list(args) and new_kwargs == kwargs:
        return args, kwargs, []
    return tuple(new_args), new_kwargs, notes
