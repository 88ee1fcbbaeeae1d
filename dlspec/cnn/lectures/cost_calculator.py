"""C4W2 lectures "Network in network" / "Inception" / "MobileNet": what a layer costs.

:func:`conv_cost` counts the multiplications (multiply-accumulates, MACs) and parameters of one
layer as the lectures do: a convolution costs (output volume) × (f·f·n_C_prev) multiplications,
a depthwise convolution (output volume) × f·f, a pointwise (1×1) convolution (output volume) ×
n_C_prev, a dense layer (inputs × units). :func:`model_cost` walks a whole Keras model, nested
models included, and returns a :class:`CostTable` (one row per layer call, Markdown output).
:func:`lecture_costs` computes the lectures' examples (5×5 vs 1×1 bottleneck, depthwise
separable).

Layers that multiply nothing the lectures count (pooling, BatchNormalization, activations,
additions, reshapes) get 0 multiplications; their parameters (BatchNormalization's γ, β and
moving statistics) are still counted, so the table's total equals ``model.count_params()``.

:func:`profiler_flops` counts the same model's FLOPs with TensorFlow's graph profiler on a frozen
concrete function. The profiler counts a multiply-accumulate as 2 FLOPs, so for the multiplying
ops (Conv2D, DepthwiseConv2dNative, MatMul, Conv2DBackpropInput) its FLOPs are 2 × our MACs;
it also counts cheap element-wise ops (BiasAdd, pooling, softmax, additions) that we leave out.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import keras

__all__ = [
    "MULTIPLYING_OPS",
    "CostTable",
    "LayerCall",
    "LayerCost",
    "conv_cost",
    "layer_calls",
    "lecture_costs",
    "model_cost",
    "profiler_flops",
]

#: the TensorFlow op types whose FLOPs are 2 × the multiplications :func:`conv_cost` counts
MULTIPLYING_OPS = ("Conv2D", "DepthwiseConv2dNative", "MatMul", "Conv2DBackpropInput")


@dataclass(frozen=True)
class LayerCost:
    """One layer call: its output shape, multiplications (MACs) and parameters.

    Attributes:
        name: the layer's name, prefixed by the nested models holding it (``"mobilenetv2/Conv1"``).
        kind: the layer's class name.
        input_shape: one example's input shape (no batch axis).
        output_shape: one example's output shape.
        multiplications: multiply-accumulates for one example (0 for layers that multiply
            nothing the lectures count).
        parameters: weights of the layer (trainable and not); a layer called twice counts them
            on its first call only.
    """

    name: str
    kind: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    multiplications: int
    parameters: int


@dataclass
class CostTable:
    """The cost of a model, layer by layer (see :func:`model_cost`)."""

    model_name: str
    rows: list[LayerCost] = field(default_factory=list)

    @property
    def total_multiplications(self) -> int:
        """Multiplications (MACs) of one example through every layer."""
        return sum(row.multiplications for row in self.rows)

    @property
    def total_parameters(self) -> int:
        """Parameters of every layer, each counted once."""
        return sum(row.parameters for row in self.rows)

    def to_markdown(self, *, skip_free: bool = False) -> str:
        """The table in Markdown; ``skip_free`` leaves out rows with no cost and no parameters."""
        lines = [
            f"**{self.model_name}**: {self.total_parameters:,} parameters, "
            f"{self.total_multiplications:,} multiplications per example",
            "",
            "| layer | type | input | output | multiplications | parameters |",
            "|---|---|---|---|---:|---:|",
        ]
        for row in self.rows:
            if skip_free and not (row.multiplications or row.parameters):
                continue
            lines.append(
                f"| {row.name} | {row.kind} | {_shape_text(row.input_shape)} | "
                f"{_shape_text(row.output_shape)} | {row.multiplications:,} | {row.parameters:,} |"
            )
        lines.append(
            f"| **total** | | | | {self.total_multiplications:,} | {self.total_parameters:,} |"
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_markdown(skip_free=True)


def _shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(str(d) for d in shape)


def _check_shape(input_shape, name: str = "input_shape") -> tuple[int, ...]:
    try:
        shape = tuple(input_shape)
        if shape and shape[0] is None:  # a Keras shape with its batch axis
            shape = shape[1:]
        shape = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        shape = ()
    if not shape or any(d < 1 for d in shape):
        raise ValueError(
            f"{name} must be the known shape of one example, e.g. (28, 28, 192) (a leading None "
            f"batch axis is allowed); got {input_shape!r}. Give the model a fixed input size."
        )
    return shape


def _prod(values: Sequence[int]) -> int:
    return math.prod(int(v) for v in values)


def _weight_count(layer: keras.layers.Layer) -> int:
    return sum(_prod(w.shape) for w in layer.weights)


def _multiplications(layer, input_shape: tuple[int, ...], output_shape: tuple[int, ...]) -> int:
    """MACs of one call on one example, the lectures' way (0 for layers that multiply nothing)."""
    counter = getattr(layer, "multiplications", None)
    if callable(counter):  # a custom layer that knows its own cost
        return int(counter(input_shape, output_shape))
    layers = keras.layers
    out_volume = _prod(output_shape)
    if isinstance(layer, layers.SeparableConv2D):
        depthwise = _prod(output_shape[:-1]) * input_shape[-1] * layer.depth_multiplier
        return depthwise * (_prod(layer.kernel_size) + layer.filters)
    if isinstance(layer, layers.DepthwiseConv2D):
        return out_volume * _prod(layer.kernel_size)
    if isinstance(layer, layers.Conv2DTranspose):
        # each input value is multiplied by the whole f×f×n_C kernel slice
        return _prod(input_shape) * _prod(layer.kernel_size) * layer.filters
    if isinstance(layer, layers.Conv1D | layers.Conv2D | layers.Conv3D):
        return out_volume * _prod(layer.kernel_size) * input_shape[-1] // layer.groups
    if isinstance(layer, layers.Dense):
        return out_volume * input_shape[-1]
    return 0


def conv_cost(input_shape: Sequence[int], layer: keras.layers.Layer) -> LayerCost:
    """Multiplications and parameters of ``layer`` applied to one input of ``input_shape``.

    The lectures' count: output volume × f·f·n_C_prev for a convolution (Conv1D/2D/3D, grouped
    ones divided by ``groups``), output volume × f·f for a depthwise convolution, the depthwise
    plus the pointwise part for ``SeparableConv2D``, input volume × f·f × filters for
    ``Conv2DTranspose``, and inputs × units (per position) for ``Dense``. A custom layer with a
    ``multiplications(input_shape, output_shape)`` method is asked; any other layer counts 0.
    Parameters: the layer's weights once it is built, else they are counted on a built copy
    (the layer passed is left untouched).

    Args:
        input_shape: the input of one example, e.g. ``(28, 28, 192)``; a leading ``None``
            (batch axis) is allowed.
        layer: a Keras layer, built or not.

    Returns:
        A :class:`LayerCost` (multiplications are MACs: 1 multiply-add = 1).

    Raises:
        ValueError: ``input_shape`` has unknown or non-positive sizes.

    Example:
        >>> cost = conv_cost((28, 28, 192), keras.layers.Conv2D(32, 5, padding="same"))
        >>> cost.multiplications, cost.parameters, cost.output_shape
        (120422400, 153632, (28, 28, 32))
    """
    shape = _check_shape(input_shape)
    if not layer.built:
        layer = layer.__class__.from_config(layer.get_config())
        layer.build((None, *shape))
    output_shape = _check_shape(layer.compute_output_shape((None, *shape)), "output shape")
    return LayerCost(
        name=layer.name,
        kind=type(layer).__name__,
        input_shape=shape,
        output_shape=output_shape,
        multiplications=_multiplications(layer, shape, output_shape),
        parameters=_weight_count(layer),
    )


def lecture_costs() -> dict[str, int | float]:
    """The lectures' cost examples, computed with :func:`conv_cost`.

    A 5×5 "same" convolution with 32 filters on 28×28×192 (≈120M multiplications), the same
    through a 1×1 bottleneck of 16 channels (≈12.4M), a 3×3 convolution 6×6×3 → 4×4×5 (2,160)
    against its depthwise-separable version (672, ratio 1/n_c + 1/f²).

    Returns:
        ``{"5x5 conv", "1x1 bottleneck + 5x5 conv", "3x3 conv", "depthwise-separable conv",
        "separable / normal ratio", "1/n_c + 1/f^2"}``.

    Example:
        >>> costs = lecture_costs()
        >>> costs["5x5 conv"], costs["1x1 bottleneck + 5x5 conv"]
        (120422400, 12443648)
        >>> costs["3x3 conv"], costs["depthwise-separable conv"]
        (2160, 672)
    """
    layers = keras.layers
    five = conv_cost((28, 28, 192), layers.Conv2D(32, 5, padding="same"))
    squeeze = conv_cost((28, 28, 192), layers.Conv2D(16, 1))
    after = conv_cost(squeeze.output_shape, layers.Conv2D(32, 5, padding="same"))
    normal = conv_cost((6, 6, 3), layers.Conv2D(5, 3))
    depthwise = conv_cost((6, 6, 3), layers.DepthwiseConv2D(3))
    pointwise = conv_cost(depthwise.output_shape, layers.Conv2D(5, 1))
    separable = depthwise.multiplications + pointwise.multiplications
    return {
        "5x5 conv": five.multiplications,
        "1x1 bottleneck + 5x5 conv": squeeze.multiplications + after.multiplications,
        "3x3 conv": normal.multiplications,
        "depthwise-separable conv": separable,
        "separable / normal ratio": separable / normal.multiplications,
        "1/n_c + 1/f^2": 1 / 5 + 1 / 3**2,
    }


@dataclass(frozen=True)
class LayerCall:
    """One call of a leaf layer in a model's graph (nested models are opened).

    ``input_keys`` / ``output_keys`` identify the call's tensors across nesting levels (a nested
    model's inputs get the ids of the outer tensors it was called on), so that one call's output
    key is the next call's input key; the shapes include the batch axis.
    """

    path: str
    layer: keras.layers.Layer
    input_keys: tuple[int, ...]
    output_keys: tuple[int, ...]
    input_shapes: tuple[tuple, ...]
    output_shapes: tuple[tuple, ...]


def _flat(tensors) -> list:
    return list(keras.tree.flatten(tensors))


def _model_inputs(model: keras.Model) -> list:
    try:
        return _flat(model.inputs)
    except (AttributeError, ValueError) as err:
        raise ValueError(
            f"Model {model.name!r} has no symbolic inputs (a subclassed model, or a Sequential "
            "model without an Input): build it with the functional API or start the Sequential "
            "with keras.Input(shape=...)."
        ) from err


def _walk(model: keras.Model, alias: dict[int, int], prefix: str) -> Iterator[LayerCall]:
    def key(tensor) -> int:  # the id of the outermost tensor this one stands for
        return alias.get(id(tensor), id(tensor))

    known = {key(t) for t in _model_inputs(model)}
    pending = [
        (layer, node)
        for layer in model.layers
        if not isinstance(layer, keras.layers.InputLayer)
        for node in layer._inbound_nodes
    ]
    progress = True
    while pending and progress:  # repeat passes: a shared layer's later call may wait
        progress, waiting = False, []
        for layer, node in pending:
            inputs, outputs = _flat(node.input_tensors), _flat(node.outputs)
            if not inputs or not all(key(t) in known for t in inputs):
                waiting.append((layer, node))  # not reached yet, or a call in another graph
                continue
            progress = True
            if isinstance(layer, keras.Model):
                inner_alias = dict(alias)
                for inner, outer in zip(_model_inputs(layer), inputs):
                    inner_alias[id(inner)] = key(outer)
                yield from _walk(layer, inner_alias, f"{prefix}{layer.name}/")
                for inner, outer in zip(_flat(layer.outputs), outputs):
                    alias[id(outer)] = inner_alias.get(id(inner), id(inner))
            else:
                yield LayerCall(
                    path=prefix + layer.name,
                    layer=layer,
                    input_keys=tuple(key(t) for t in inputs),
                    output_keys=tuple(key(t) for t in outputs),
                    input_shapes=tuple(tuple(t.shape) for t in inputs),
                    output_shapes=tuple(tuple(t.shape) for t in outputs),
                )
            known.update(key(t) for t in outputs)
        pending = waiting


def layer_calls(model: keras.Model) -> list[LayerCall]:
    """Every call of a leaf layer in ``model``, in an order where inputs come before outputs.

    Nested models (a Functional or Sequential model used as a layer) are opened and their layers
    named ``"outer/inner"``; a layer called twice in the graph appears twice.

    Raises:
        ValueError: the model has no symbolic graph (subclassed, or Sequential without Input).

    Example:
        >>> model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3)])
        >>> [(call.path, call.output_shapes) for call in layer_calls(model)]  # doctest: +ELLIPSIS
        [('conv2d...', ((None, 6, 6, 4),))]
    """
    return list(_walk(model, {}, ""))


def model_cost(model: keras.Model) -> CostTable:
    """The multiplications and parameters of every layer of ``model`` (one example).

    Args:
        model: a Functional or Sequential Keras model with a fixed input size; nested models
            are walked.

    Returns:
        A :class:`CostTable`; ``total_parameters`` equals ``model.count_params()``.

    Example:
        >>> model = keras.Sequential([keras.Input((6, 6, 3)), keras.layers.Conv2D(5, 3)])
        >>> table = model_cost(model)
        >>> table.total_multiplications, table.total_parameters
        (2160, 140)
    """
    table = CostTable(model.name)
    counted: set[int] = set()
    for call in layer_calls(model):
        layer = call.layer
        input_shape = _check_shape(call.input_shapes[0], f"the input of {call.path}")
        output_shape = _check_shape(call.output_shapes[0], f"the output of {call.path}")
        table.rows.append(
            LayerCost(
                name=call.path,
                kind=type(layer).__name__,
                input_shape=input_shape,
                output_shape=output_shape,
                multiplications=_multiplications(layer, input_shape, output_shape),
                parameters=0 if id(layer) in counted else _weight_count(layer),
            )
        )
        counted.add(id(layer))
    return table


def profiler_flops(model: keras.Model) -> dict[str, int]:
    """FLOPs of one example through ``model``, by TensorFlow op type, from TF's profiler.

    The model is traced as a ``tf.function`` on a batch of 1, its variables are frozen into
    constants, the graph is imported into a fresh ``tf.Graph`` (so every op gets static shapes),
    and ``tf.compat.v1.profiler``'s ``float_operation`` view counts its FLOPs (multiply-add = 2
    FLOPs). Ops inside function calls are not seen: Keras runs a grouped convolution
    (``groups > 1``) as such a call on CPU, so its FLOPs are missing from the profile. Sum the
    :data:`MULTIPLYING_OPS` entries and halve them to compare with :func:`model_cost`'s
    multiplications.

    Returns:
        ``{op type: FLOPs}``, e.g. ``{"Conv2D": 3145728, "BiasAdd": 33792, ...}``.

    Example:
        >>> model = keras.Sequential([keras.Input((6, 6, 3)), keras.layers.Conv2D(5, 3)])
        >>> profiler_flops(model)["Conv2D"] // 2
        2160
    """
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )
    from tensorflow.python.profiler import model_analyzer, option_builder

    specs = [
        tf.TensorSpec((1, *_check_shape(t.shape, "the model's input")), t.dtype)
        for t in _model_inputs(model)
    ]
    function = tf.function(
        lambda *x: model(list(x) if len(x) > 1 else x[0], training=False), autograph=False
    )
    frozen = convert_variables_to_constants_v2(function.get_concrete_function(*specs))
    with tf.Graph().as_default() as graph:  # importing runs shape inference on every op
        tf.graph_util.import_graph_def(frozen.graph.as_graph_def(), name="")
    options = option_builder.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    logger, level = tf.get_logger(), tf.get_logger().level
    logger.setLevel("ERROR")  # the v1 profiler warns about its own deprecated calls
    try:
        profile = model_analyzer.profile(graph, options=options)
    finally:
        logger.setLevel(level)
    flops: dict[str, int] = {}
    nodes = list(profile.children)
    while nodes:  # the scope view nests an op under another whose name is its prefix
        node = nodes.pop()
        nodes.extend(node.children)
        if node.float_ops:
            op_type = graph.get_operation_by_name(node.name).type
            flops[op_type] = flops.get(op_type, 0) + int(node.float_ops)
    return flops
