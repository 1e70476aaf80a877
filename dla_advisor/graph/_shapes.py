"""ONNX shape inference on a weight-free skeleton of the model.

Tried and dropped: inferring a large graph in runs of a few thousand nodes. onnx's C++ inference
does cost more per node on larger graphs (1.9 us a node at 10k nodes, 3.2 us at 100k, on a Conv/Relu
chain), but finding which tensors cross from one run to the next means reading every node's inputs
in Python, which cost more (0.97 s against 0.64 s for 100k nodes) than it saved.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ..errors import ModelLoadError

SMALL_INITIALIZER = 64  # elements; values of larger initializers are never read

ONNX_DTYPES = {
    TensorProto.FLOAT: "float32", TensorProto.FLOAT16: "float16", TensorProto.BFLOAT16: "bfloat16",
    TensorProto.DOUBLE: "float64", TensorProto.INT8: "int8", TensorProto.UINT8: "uint8",
    TensorProto.INT16: "int16", TensorProto.INT32: "int32", TensorProto.INT64: "int64",
    TensorProto.BOOL: "bool", TensorProto.STRING: "string", TensorProto.UINT32: "uint32",
    TensorProto.UINT64: "uint64",
}
ELEM_OF: dict[str, int] = {v: k for k, v in ONNX_DTYPES.items()}


def infer_shapes(model: onnx.ModelProto, fixed: dict[str, tuple[int, ...]], real_inputs,
                 folded_idx: set[int] = frozenset(), ctx: Any = None) -> tuple[dict[str, tuple[int, ...]], dict[str, str]]:
    """Static shapes and non-float32 dtypes of the model's tensors.

    Folded nodes (indices in ``folded_idx``) are left out; their outputs enter as initializers (small
    values known to ``ctx``) or typed inputs.

    Raises:
        ModelLoadError: onnx rejects the model as inconsistent.
    """
    g = model.graph
    m = _skeleton(model)
    skel = m.graph
    if not folded_idx:
        skel.node.extend(g.node)
    else:
        skel.node.extend(n for i, n in enumerate(g.node) if i not in folded_idx)
    inits, inputs = _declarations(model, fixed, real_inputs, folded_idx, ctx)
    skel.input.extend(inputs.values())
    skel.initializer.extend(inits.values())
    skel.output.extend(g.output)
    shape_of: dict[str, tuple[int, ...]] = {}
    dtype_of: dict[str, str] = {}
    _read(_run_onnx(m), shape_of, dtype_of, {})
    return shape_of, dtype_of


def _declarations(model, fixed, real_inputs, folded_idx, ctx):
    """How each non-node tensor enters a skeleton: ``(initializers, typed inputs)`` by name, in model order."""
    g = model.graph
    inits: dict[str, TensorProto] = {}
    inputs: dict[str, onnx.ValueInfoProto] = {}
    for vi in real_inputs:
        elem = vi.type.tensor_type.elem_type or TensorProto.FLOAT
        inputs[vi.name] = helper.make_tensor_value_info(vi.name, elem, list(fixed[vi.name]))
    for init in g.initializer:
        n_el = int(np.prod(init.dims)) if len(init.dims) else 1
        if n_el <= SMALL_INITIALIZER and init.data_location != TensorProto.EXTERNAL:
            inits[init.name] = init
        else:
            inputs[init.name] = helper.make_tensor_value_info(init.name, init.data_type, list(init.dims))
    if folded_idx and ctx is not None:
        for idx in sorted(folded_idx):
            for name in g.node[idx].output:
                if not name or name in inits or name in inputs:
                    continue
                value = ctx.value(name)
                if value is not None:
                    inits[name] = numpy_helper.from_array(value, name)
                elif ctx.const_shape(name) is not None:
                    elem = ELEM_OF.get(ctx.dtype(name), TensorProto.FLOAT)
                    inputs[name] = helper.make_tensor_value_info(name, elem, list(ctx.const_shape(name)))
    return inits, inputs


def _skeleton(model: onnx.ModelProto) -> onnx.ModelProto:
    m = onnx.ModelProto()  # filled in place: a graph passed to make_model would be copied whole
    m.ir_version = model.ir_version
    m.opset_import.extend(model.opset_import)
    m.graph.name = model.graph.name
    m.functions.extend(model.functions)
    return m


def _run_onnx(m: onnx.ModelProto) -> onnx.GraphProto:
    try:
        return onnx.shape_inference.infer_shapes(m, strict_mode=False, data_prop=True).graph
    except Exception as e:  # onnx raises several types; any of them means the model is inconsistent
        raise ModelLoadError(f"ONNX shape inference failed: {str(e).splitlines()[0][:200]}",
                             "Check the model with onnx.checker, or pass --shapes for its dynamic inputs.") from None


def _read(ig: onnx.GraphProto, shape_of, dtype_of, shared) -> None:
    # One value_info at a time: protobuf keeps a table of the message wrappers alive, and a list of
    # every wrapper would grow it to the size of the graph. Equal shapes share one tuple: networks
    # repeat a handful of shapes across thousands of tensors, and the checks that read every tensor's
    # shape then keep finding it in cache.
    for vi in itertools.chain(ig.value_info, ig.output, ig.input):
        _read_one(vi, shape_of, dtype_of, shared)


def _read_one(vi, shape_of, dtype_of, shared) -> None:
    name = vi.name
    tt = vi.type.tensor_type
    dtype = ONNX_DTYPES.get(tt.elem_type, "float32")
    if dtype != "float32":  # float32, the default, is not recorded
        dtype_of[name] = dtype
    elif dtype_of:
        dtype_of.pop(name, None)
    if tt.HasField("shape"):
        dims = []
        for d in tt.shape.dim:
            if not d.HasField("dim_value"):
                break
            dims.append(d.dim_value)
        else:
            shape = tuple(dims)
            shape_of[name] = shared.setdefault(shape, shape)
