"""Static tensor shapes for the rewrites, including dims ONNX inference loses behind a dynamic batch.

A rewrite may bake a dim into the graph (a pooling window, a conv kernel) only when that dim does not
depend on any dynamic input dim. ONNX shape inference leaves many such dims unknown once a batch flows
through ``Reshape(x, Shape(y))``, so shapes come from ONNX inference on a weight-free copy and from
the project's importer (which folds shape sub-graphs), run twice with the dynamic dims set to two
different values; a dim that comes out equal in both runs does not depend on them and is treated as
static, one that differs stays unknown.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper

SMALL_INITIALIZER = 1024  # elements; larger ones enter the skeleton as typed inputs (values not needed)
PROBE_VALUES = (2, 3)


def with_shapes(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of ``model`` whose value_info holds every intermediate shape that is known to be static."""
    dynamic = _has_dynamic_inputs(model)
    runs = [_dims_for(model, v) for v in (PROBE_VALUES if dynamic else (None,))]
    out = onnx.ModelProto()
    out.CopyFrom(model)
    del out.graph.value_info[:]
    io = {vi.name for vi in out.graph.input} | {vi.name for vi in out.graph.output}
    for name, (elem, dims) in runs[0].items():
        if name in io or any(name not in r or len(r[name][1]) != len(dims) for r in runs[1:]):
            continue
        agreed = [d if all(r[name][1][i] == d for r in runs[1:]) else None for i, d in enumerate(dims)]
        out.graph.value_info.append(helper.make_tensor_value_info(name, elem, agreed))
    return out


def _dims_for(model: onnx.ModelProto, dim_value: int | None) -> dict[str, tuple[int, list[int | None]]]:
    skeleton = _skeleton(model, dim_value)
    dims = _infer_dims(skeleton)
    for name, entry in _importer_dims(skeleton).items():
        if name not in dims or None in dims[name][1]:
            dims[name] = entry
    return dims


def _importer_dims(skeleton: onnx.ModelProto) -> dict[str, tuple[int, list[int | None]]]:
    from ..errors import DlaAdvisorError
    from ..graph import network_from_model

    try:
        net = network_from_model(skeleton)
    except DlaAdvisorError:
        return {}
    out = {}
    for t in net.tensors.values():
        if t.shape is None or any(not isinstance(d, int) or d <= 0 for d in t.shape):
            continue
        try:
            elem = helper.np_dtype_to_tensor_dtype(np.dtype(t.dtype))
        except TypeError:
            continue
        out[t.name] = (elem, [int(d) for d in t.shape])
    return out


def _has_dynamic_inputs(model: onnx.ModelProto) -> bool:
    inits = {i.name for i in model.graph.initializer}
    return any(not (d.HasField("dim_value") and d.dim_value > 0)
               for vi in model.graph.input if vi.name not in inits for d in vi.type.tensor_type.shape.dim)


def _skeleton(model: onnx.ModelProto, dim_value: int | None) -> onnx.ModelProto:
    sk = onnx.ModelProto()
    sk.ir_version = model.ir_version
    sk.opset_import.extend(model.opset_import)
    g = sk.graph
    g.name = model.graph.name
    g.node.extend(model.graph.node)
    g.output.extend(model.graph.output)
    inits = set()
    for init in model.graph.initializer:
        inits.add(init.name)
        if (int(np.prod(init.dims)) if init.dims else 1) <= SMALL_INITIALIZER:
            g.initializer.append(init)
        else:
            g.input.append(helper.make_tensor_value_info(init.name, init.data_type, list(init.dims)))
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        v = g.input.add()
        v.CopyFrom(vi)
        if dim_value is not None:
            for d in v.type.tensor_type.shape.dim:
                if not (d.HasField("dim_value") and d.dim_value > 0):
                    d.Clear()
                    d.dim_value = dim_value
    return sk


def _infer_dims(model: onnx.ModelProto) -> dict[str, tuple[int, list[int | None]]]:
    try:
        # data_prop follows Shape -> Gather -> Concat -> Reshape chains, as exporters write view(N, -1).
        inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception:  # noqa: BLE001 - inference is best effort; rewrites skip sites with unknown shapes
        return {}
    out = {}
    for vi in inferred.graph.value_info:
        t = vi.type.tensor_type
        if t.HasField("shape"):
            out[vi.name] = (t.elem_type, [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None
                                          for d in t.shape.dim])
    return out

