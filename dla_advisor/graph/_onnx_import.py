"""NetworkFromOnnx: read an ONNX file into a :class:`Network` without ever needing its weights.

Steps: load with ``load_external_data=False``; fix dynamic input dims (``--shapes``, else 1 with a
note); run ONNX shape inference on a *skeleton* copy whose large initializers are replaced by typed
graph inputs (so no weight bytes are copied); fold shape sub-graphs; map nodes to TensorRT layers;
apply the fusions TensorRT always makes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import numpy as np
import onnx
from google.protobuf.message import DecodeError
from onnx import TensorProto, helper, numpy_helper

from .._gcpause import paused_gc
from ..errors import ModelLoadError
from . import _fold
from ._fusion import fuse
from ._ir import Layer, Network, Tensor
from ._names import LayerNames
from ._opmap import map_node
from ._qdq import fold_activation_qdq, scale_reader
from ._shapes import SMALL_INITIALIZER, infer_shapes

MIN_OPSET = 7


def read_model(path: str | os.PathLike) -> onnx.ModelProto:
    """Read an ONNX file (weights left where they are); raise ModelLoadError on anything wrong."""
    p = Path(path)
    if not p.exists():
        raise ModelLoadError(f"model file not found: {path}", "Check the path.")
    if p.is_dir():
        raise ModelLoadError(f"{path} is a folder, not an ONNX file", "Pass the .onnx file itself.")
    if p.stat().st_size == 0:
        raise ModelLoadError(f"{path} is empty (0 bytes)", "Re-export the model.")
    try:
        model = onnx.load(str(p), load_external_data=False)
    except (DecodeError, ValueError, RuntimeError, UnicodeDecodeError) as e:
        raise ModelLoadError(f"{path} is not a readable ONNX model ({type(e).__name__})",
                             "Check that it is a complete .onnx file (not truncated, not another format).") from None
    except OSError as e:
        raise ModelLoadError(f"cannot read {path}: {e.strerror}", "Check the file's permissions.") from None
    if model.ir_version <= 0 or not model.graph.node:
        raise ModelLoadError(f"{path} is not an ONNX model (no graph nodes found)",
                             "Pass an ONNX file exported from your framework.")
    opset = default_opset(model)
    if opset is not None and opset > onnx.defs.onnx_opset_version():
        raise ModelLoadError(
            f"{path} uses ONNX opset {opset}, newer than the {onnx.defs.onnx_opset_version()} this onnx package knows",
            "Upgrade the onnx package or export with a lower opset.")
    if opset is not None and opset < MIN_OPSET:
        raise ModelLoadError(f"{path} uses ONNX opset {opset}; TensorRT's parser needs opset {MIN_OPSET} or newer",
                             "Convert it with onnx.version_converter or re-export with a newer opset.")
    return model


def default_opset(model: onnx.ModelProto) -> int | None:
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx"):
            return int(imp.version)
    return None


def _dims(vi) -> list:
    t = vi.type.tensor_type
    if not t.HasField("shape"):
        return []
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in t.shape.dim]


def load_network(path: str | os.PathLike, shapes: dict[str, tuple[int, ...]] | None = None,
                 batch: int | None = None) -> Network:
    """Load ``path`` as a :class:`Network`.

    Args:
        path: the ONNX file. External weight files need not exist.
        shapes: trtexec-style fixed shapes for inputs (``{"input": (32, 3, 224, 224)}``).
        batch: a batch size for the leading dynamic dim of inputs not named in ``shapes``.

    Raises:
        ModelLoadError: unreadable model, bad opset, bad or non-positive shapes.
    """
    model = read_model(path)
    return network_from_model(model, name=Path(path).stem, shapes=shapes, batch=batch)


def network_from_model(model: onnx.ModelProto, name: str = "model",
                       shapes: dict[str, tuple[int, ...]] | None = None, batch: int | None = None) -> Network:
    """Build the :class:`Network` of an in-memory model (see :func:`load_network`)."""
    with paused_gc():
        return _network_from_model(model, name, shapes, batch)


def _network_from_model(model: onnx.ModelProto, name: str, shapes: dict[str, tuple[int, ...]] | None,
                        batch: int | None) -> Network:
    shapes = dict(shapes or {})
    graph = model.graph
    init_names = {i.name for i in graph.initializer}
    real_inputs = [vi for vi in graph.input if vi.name not in init_names]
    unknown = set(shapes) - {vi.name for vi in real_inputs}
    if unknown:
        raise ModelLoadError(
            f"--shapes names input(s) {', '.join(sorted(unknown))} that the model does not have",
            f"The model's inputs are: {', '.join(vi.name for vi in real_inputs) or '(none)'}.")

    notes: list[str] = []
    fixed: dict[str, tuple[int, ...]] = {}
    dynamic: dict[str, tuple] = {}
    for vi in real_inputs:
        dims = _dims(vi)
        if any(isinstance(d, int) and d < 0 for d in dims):
            raise ModelLoadError(f"input '{vi.name}' has a negative dimension {dims}", "Fix the model's input shape.")
        if vi.name in shapes:
            given = shapes[vi.name]
            if dims and len(given) != len(dims):
                raise ModelLoadError(f"--shapes gives {len(given)} dims for '{vi.name}', the model has {len(dims)}",
                                     f"Give all {len(dims)} dims, e.g. {vi.name}:{'x'.join(str(d if isinstance(d, int) and d > 0 else 1) for d in dims)}.")
            for g, d in zip(given, dims):
                if isinstance(d, int) and d > 0 and d != g:
                    raise ModelLoadError(f"--shapes sets '{vi.name}' to {'x'.join(map(str, given))} but the model fixes it to "
                                         f"{'x'.join(str(x) for x in dims)}", "Only dynamic dims can be set with --shapes.")
            if any(not (isinstance(d, int) and d > 0) for d in dims):
                dynamic[vi.name] = tuple(dims)
            fixed[vi.name] = tuple(given)
            continue
        if any(d == 0 for d in dims):
            raise ModelLoadError(f"input '{vi.name}' has a zero-size dimension {dims}",
                                 "A tensor dimension must be at least 1; fix the export or pass --shapes.")
        free = [i for i, d in enumerate(dims) if not (isinstance(d, int) and d > 0)]
        if any(i > 0 for i in free):
            # Placement depends on these sizes (kernel vs. map size, resize factors, concat shapes), and
            # 1, trtexec's own fill-in, makes most CNNs unbuildable: ask for the size instead of guessing.
            example = "x".join(str(d) if isinstance(d, int) and d > 0 else ("1" if i == 0 else f"<{d or 'dim' + str(i)}>")
                               for i, d in enumerate(dims))
            raise ModelLoadError(f"input '{vi.name}' has dynamic dims {list(dims)} besides the batch",
                                 f"Pass the shape the engine is built for: --shapes {vi.name}:{example}.")
        out = []
        for i, d in enumerate(dims):
            if isinstance(d, int) and d > 0:
                out.append(d)
            else:
                dynamic[vi.name] = tuple(dims)
                out.append(batch if (i == 0 and batch) else 1)
        if vi.name in dynamic:
            notes.append(f"input '{vi.name}' has dynamic dims {list(dims)}; analysed as "
                         f"{'x'.join(map(str, out))} (pass --shapes {vi.name}:{'x'.join(map(str, out))} to choose)")
        fixed[vi.name] = tuple(out)

    consts_small: dict[str, np.ndarray] = {}
    const_shapes: dict[str, tuple[int, ...]] = {}
    init_bytes = 0
    for init in graph.initializer:
        dims = tuple(int(d) for d in init.dims)
        const_shapes[init.name] = dims
        n_el = int(np.prod(dims)) if dims else 1
        init_bytes += n_el * _itemsize(init.data_type)
        if n_el <= SMALL_INITIALIZER and init.data_location != TensorProto.EXTERNAL:
            try:
                consts_small[init.name] = numpy_helper.to_array(init)
            except Exception:  # odd encodings: treat as a weight of known shape
                pass

    # Shape inference and folding feed each other (a folded Shape→...→Reshape target fixes the shapes
    # after it), so alternate until nothing new folds. Each round works on a weight-free skeleton.
    folded_idx: set[int] = set()
    ctx = _Ctx({}, {}, dict(consts_small), dict(const_shapes))
    for _ in range(8):
        shape_of, dtype_of = infer_shapes(model, fixed, real_inputs, folded_idx, ctx)
        shape_of.update(fixed)
        ctx.shape_of, ctx.dtype_of = shape_of, dtype_of
        before = len(folded_idx)
        for idx, node in enumerate(graph.node):
            if idx in folded_idx:
                continue
            if node.op_type == "Constant":
                _fold_constant_node(node, ctx)
                folded_idx.add(idx)
            elif _try_fold(node, ctx):
                folded_idx.add(idx)
        if len(folded_idx) == before:
            break

    # Activation Q->DQ pairs are fake-quantization: the tensor passes through with a scale.
    alias, qdq_idx, quantization = fold_activation_qdq(graph.node, ctx, folded_idx, scale_reader(graph, ctx))
    layers: list[Layer] = []
    tensors: dict[str, Tensor] = {}
    folded: list[str] = []
    layer_names = LayerNames(p.name for p in graph.node if p.name)

    # Every layer refers to a tensor through the one name object stored in ``tensors``, so the name
    # lookups of fusion, graph building and prediction compare by identity, not by content.
    in_order = True  # every layer reads only tensors written before it (or network inputs)

    def canonical_inputs(names: list[str]) -> list[str]:
        nonlocal in_order
        out = []
        for t in names:
            tensor = tensors.get(t)
            if tensor is None:
                tensor = tensors[t] = Tensor(t, shape_of.get(t), dtype_of.get(t, "float32"))
                in_order = in_order and t in fixed
            out.append(tensor.name)
        return out

    def canonical_outputs(names: list[str]) -> list[str]:
        # A node's outputs are new tensors (single assignment), so one probe registers each.
        return [tensors.setdefault(t, Tensor(t, shape_of.get(t), dtype_of.get(t, "float32"))).name for t in names]

    for idx, proto in enumerate(graph.node):
        node_name = proto.name or f"{proto.op_type}_{idx}"
        if idx in folded_idx or idx in qdq_idx:
            folded.append(node_name)
            continue
        node = _NodeView.of(proto)
        if alias and any(alias.get(i, i) != i for i in node.input):
            node = node._replace(input=[alias.get(i, i) for i in node.input])
        if node.op_type in ("Identity", "Dropout") and node.input and not ctx.is_const(node.input[0]):
            alias[node.output[0]] = node.input[0]
            folded.append(node_name)
            continue
        kind, attrs, act_inputs = map_node(node, ctx)
        if kind == "Identity":
            if act_inputs:
                alias[node.output[0]] = act_inputs[0]
            folded.append(node_name)
            continue
        lname = layer_names.own(node_name) if proto.name else layer_names.fresh(node_name)
        attrs["const_inputs"] = {i: ctx.const_shape(n) for i, n in enumerate(node.input) if n and ctx.is_const(n)}
        outputs = [o for o in node.output if o]
        if node.op_type == "Split" and len(outputs) > 1:
            for k, o in enumerate(outputs):
                nm = layer_names.fresh(f"{lname}_{k}") if k else lname
                layers.append(Layer(nm, kind, node.op_type, canonical_inputs(act_inputs), canonical_outputs([o]),
                                    dict(attrs), [node_name]))
            continue
        if node.op_type in ("Dropout", "BatchNormalization", "MaxPool") and len(outputs) > 1:
            outputs = outputs[:1]
        layers.append(Layer(lname, kind, node.op_type, canonical_inputs(act_inputs), canonical_outputs(outputs),
                            attrs, [node_name]))

    graph_outputs = [alias.get(o.name, o.name) for o in graph.output]
    for n in fixed:
        tensors.setdefault(n, Tensor(n, fixed[n], dtype_of.get(n, "float32")))

    net = Network(
        name=name or graph.name or "model", layers=fuse(layers, tensors, set(graph_outputs), in_order, layer_names), tensors=tensors,
        inputs=[vi.name for vi in real_inputs], outputs=graph_outputs,
        opset=default_opset(model) or 0, notes=notes, dynamic_inputs=dynamic, initializer_bytes=init_bytes,
        quantization=quantization if quantization else None,
    )
    net.__dict__["folded_nodes"] = folded
    if quantization:
        net.notes.append(
            f"explicitly quantized: {len(quantization.activation_nodes)} activation Q/DQ node(s) read as INT8 scales on "
            f"{len(quantization.scales)} tensor(s), {len(quantization.weight_nodes)} weight Q/DQ node(s) folded; layers "
            "are placed as in the model without Q/DQ nodes, built with those scales")
    missing = [o for o in graph_outputs if o not in tensors and o not in ctx.small and o not in const_shapes]
    if missing:
        net.notes.append(f"output(s) {', '.join(missing)} are not produced by any node")
    return net


class _Ctx:
    def __init__(self, shape_of, dtype_of, small, const_shapes):
        self.shape_of, self.dtype_of, self.small, self.const_shapes = shape_of, dtype_of, small, const_shapes

    def shape(self, name):
        return self.shape_of.get(name)

    def dtype(self, name):
        return self.dtype_of.get(name, "float32")

    def is_const(self, name):
        return name in self.small or name in self.const_shapes

    def value(self, name):
        return self.small.get(name)

    def const_shape(self, name):
        if name in self.const_shapes:
            return self.const_shapes[name]
        v = self.small.get(name)
        return None if v is None else tuple(v.shape)


def _fold_constant_node(node, ctx: _Ctx) -> None:
    for a in node.attribute:
        if a.name == "value":
            t = a.t
            dims = tuple(int(d) for d in t.dims)
            ctx.const_shapes[node.output[0]] = dims
            if int(np.prod(dims) if dims else 1) <= _fold.MAX_FOLD_ELEMENTS:
                ctx.small[node.output[0]] = numpy_helper.to_array(t)
        elif a.name in ("value_float", "value_int"):
            ctx.small[node.output[0]] = np.asarray(helper.get_attribute_value(a))
            ctx.const_shapes[node.output[0]] = ()
        elif a.name in ("value_floats", "value_ints"):
            v = np.asarray(helper.get_attribute_value(a))
            ctx.small[node.output[0]] = v
            ctx.const_shapes[node.output[0]] = v.shape


def _try_fold(node, ctx: _Ctx) -> bool:
    """Fold a node whose value is known at build time; True if it needs no layer."""
    ins = [i for i in node.input if i]
    if node.op_type in ("Shape", "Size") and ins:
        shp = ctx.shape(ins[0]) if not ctx.is_const(ins[0]) else ctx.const_shape(ins[0])
        if shp is None or any(not isinstance(d, int) or d <= 0 for d in shp):
            return False
        arr = np.asarray(shp, dtype=np.int64)
        if node.op_type == "Shape":
            a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
            arr = arr[a.get("start", 0): a.get("end", None)]
        else:
            arr = np.asarray(int(np.prod(shp)), dtype=np.int64)
        ctx.small[node.output[0]] = arr
        ctx.const_shapes[node.output[0]] = arr.shape
        return True
    if not ins or not all(ctx.is_const(i) for i in ins):
        return False
    if all(i in ctx.small for i in ins):
        outs = _fold.fold(node, [ctx.small[i] if i else None for i in node.input])
        if outs is not None:
            for o, v in zip(node.output, outs):
                ctx.small[o] = v
                ctx.const_shapes[o] = v.shape
            return True
    # A weight transform (e.g. DequantizeLinear or Transpose of a weight): constant, value not needed.
    for o in node.output:
        shp = ctx.shape(o)
        if shp is None:
            return False
        ctx.const_shapes[o] = shp
    return True


def _itemsize(data_type: int) -> int:
    return {TensorProto.FLOAT: 4, TensorProto.FLOAT16: 2, TensorProto.BFLOAT16: 2, TensorProto.DOUBLE: 8,
            TensorProto.INT8: 1, TensorProto.UINT8: 1, TensorProto.INT16: 2, TensorProto.INT32: 4,
            TensorProto.INT64: 8, TensorProto.BOOL: 1}.get(data_type, 4)


class _NodeView(NamedTuple):
    """The fields of a NodeProto that layer mapping reads, read once.

    Every read of a protobuf field builds a Python wrapper (tracked in a process-wide table); mapping
    a node read ``input`` and ``attribute`` several times each. A view also lets the importer give
    a node other inputs without copying it (the user's model object is left as it was).
    """

    name: str
    op_type: str
    domain: str
    input: list[str]
    output: list[str]
    attribute: list

    @classmethod
    def of(cls, node) -> _NodeView:
        return cls(node.name, node.op_type, node.domain, list(node.input), list(node.output), list(node.attribute))
