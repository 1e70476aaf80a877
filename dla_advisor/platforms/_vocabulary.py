"""The words a platform file may use: check names and their parameters, layer kinds, layer attributes.

The checkers themselves live in ``layout/_checks.py`` (they need the graph IR, which this package may
not import); this table is what a platform file is validated against when it loads, so a typo such as
``check: rnage`` fails at load with the file, entry and key instead of a KeyError during prediction.
A test keeps it equal to the registered checkers, and checks that every attribute named here is one
the graph importer sets.
"""

from __future__ import annotations

from typing import Any

_STR: dict[str, Any] = {"type": "string"}
_NUM: dict[str, Any] = {"type": "number"}
_INT: dict[str, Any] = {"type": "integer"}
_LIST: dict[str, Any] = {"type": "array"}
_ANY: dict[str, Any] = {}

# Keys every check entry may carry, whatever its checker.
COMMON_KEYS: dict[str, dict[str, Any]] = {"reason": _STR, "check": _STR, "source": _STR, "message": _STR}


def _spec(required: dict[str, Any] | None = None, optional: dict[str, Any] | None = None) -> dict[str, dict]:
    return {"required": required or {}, "optional": optional or {}}


# check name -> the parameters its checker reads (name -> JSON schema of the value).
CHECKS: dict[str, dict[str, dict[str, Any]]] = {
    "range": _spec({"attr": _STR, "min": _NUM, "max": _NUM}),
    "equals": _spec({"attr": _STR, "value": _ANY}),
    "in_set": _spec({"attr": _STR, "values": _LIST}, {"unless_attr": _STR}),
    "not_in_set": _spec({"attr": _STR, "values": _LIST}),
    "truthy": _spec({"attr": _STR}),
    "falsy": _spec({"attr": _STR}),
    "never": _spec(),
    "float_tensors": _spec(),
    "rank": _spec({"equals": _INT}),
    "max_dim": _spec({"limit": _STR}),
    "max_batch": _spec({"limit": _STR}),
    "pads_below_kernel": _spec(),
    "clip_range": _spec({"max": _NUM}),
    "broadcast": _spec(),
    "max_const_inputs": _spec({"ops": _LIST, "max": _INT}, {"min": _INT}),
    "resize_combo": _spec(),
    "resize_scales": _spec({"nearest_max": _NUM, "linear_max": _NUM}),
    "softmax_axis": _spec({"accurate_max": _INT, "approximate_max": _INT}),
    "shuffle_batch": _spec(),
    "global_pool_import": _spec(),
    "inclusive_padding": _spec(),
    "cbuf": _spec({"banks": _INT}),
    "reshape_next_to_slice_or_concat": _spec(optional={"kinds": _LIST}),
}

# Parameters whose value names a layer attribute (checked against LAYER_ATTRIBUTES).
ATTRIBUTE_PARAMS = ("attr", "unless_attr")
# Parameters whose value names an entry of the platform's ``limits``.
LIMIT_PARAMS = ("limit",)

# TensorRT layer kinds a ``layers:`` key may name: the LayerType enum of NvInfer.h
# (https://github.com/NVIDIA/TensorRT/blob/v10.7.0/include/NvInfer.h), spelled as the graph importer
# spells them, plus the importer's own names for ops TensorRT imports as several layers.
LAYER_KINDS = frozenset({
    "Activation", "Assertion", "Cast", "Concatenation", "Condition", "Conditional", "Constant", "Convolution",
    "Cumulative", "Deconvolution", "Dequantize", "DynamicQuantize", "Einsum", "ElementWise", "Fill",
    "FullyConnected", "Gather", "GridSample", "Identity", "Iterator", "LRN", "Loop", "MatrixMultiply", "NMS",
    "NonZero", "Normalization", "OneHot", "Padding", "ParametricReLU", "Plugin", "Pooling", "Quantize",
    "RaggedSoftMax", "Recurrence", "Reduce", "Resize", "ReverseSequence", "Scale", "Scatter", "Select", "Shape",
    "Shuffle", "Slice", "SoftMax", "Squeeze", "TopK", "TripLimit", "Unary", "Unsqueeze",
})

# Layer attributes the graph importer sets and checks may read (``attr:`` / ``unless_attr:``).
LAYER_ATTRIBUTES = frozenset({
    "activation", "alpha", "axes", "axis", "beta", "both_activations", "broadcast", "ceil_mode",
    "constant_params", "coordinate_transformation_mode", "count_include_pad", "dilations", "exclusive_padding",
    "global_pool", "group", "has_bias", "in_channels", "input_rank", "internal_rank", "kernel", "keepdims", "log",
    "mode", "nearest_mode", "num_const_inputs", "num_inputs", "op", "out_channels", "out_of_bounds",
    "output_padding", "pads", "perm", "scales", "size_based", "slope_constant", "spatial_dims", "steps",
    "strides", "type", "weights_constant", "window",
})

# Entries of ``limits:`` the code reads (a check's ``limit:`` parameter must name one of them).
LIMITS = frozenset({
    "loadables_per_core", "max_batch", "max_dim", "hwc4_line_stride_bytes", "managed_sram_mib", "hwc4_max_channels",
})
