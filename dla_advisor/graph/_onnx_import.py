"""NetworkFromOnnx: read an ONNX file into a :class:`Network` without ever needing its weights.

Steps, one function each: load with ``load_external_data=False`` (:func:`read_model`); fix every
input's shape (``--shapes``, else a dynamic batch of 1 with a note: :mod:`._input_shapes`); run ONNX
shape inference on a *skeleton* copy whose large initializers are replaced by typed graph inputs (so
no weight bytes are copied) and fold shape sub-graphs, in rounds (:mod:`._known_tensors`); fold
activation Q/DQ pairs into INT8 scales (:mod:`._qdq`); map the remaining nodes to TensorRT layers
(:func:`_map_layers`); apply the fusions TensorRT always makes (:func:`_assemble_network`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import numpy as np
import onnx
from google.protobuf.message import DecodeError
from onnx import TensorProto

from .._gcpause import paused_gc
from .._safe_write import special_kind
from ..errors import ModelLoadError
from ._fusion import fuse
from ._input_shapes import InputShapes, resolve_input_shapes
from ._ir import Layer, Network, Tensor
from ._known_tensors import KnownTensors, infer_and_fold
from ._names import LayerNames
from ._opmap import map_node
from ._qdq import Quantization, fold_activation_qdq, scale_reader
from ._validate import validate_model

MIN_OPSET = 7


def read_model(path: str | os.PathLike) -> onnx.ModelProto:
    """Read an ONNX file (weights left where they are); raise ModelLoadError on anything wrong."""
    p = Path(path)
    if not p.exists():
        raise ModelLoadError(f"model file not found: {path}", "Check the path.")
    if p.is_dir():
        raise ModelLoadError(f"{path} is a folder, not an ONNX file", "Pass the .onnx file itself.")
    special = special_kind(p)
    if special is not None:
        raise ModelLoadError(f"{path} is {special}, not an ONNX file", "Pass the .onnx file itself.")
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
    return validate_model(model, in_place=True)


def default_opset(model: onnx.ModelProto) -> int | None:
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx"):
            return int(imp.version)
    return None


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
    model = read_model(path)  # validated there
    with paused_gc():
        return _network_from_model(model, Path(path).stem, shapes, batch)


def network_from_model(model: onnx.ModelProto, name: str = "model",
                       shapes: dict[str, tuple[int, ...]] | None = None, batch: int | None = None) -> Network:
    """Build the :class:`Network` of an in-memory model (see :func:`load_network`)."""
    model = validate_model(model)
    with paused_gc():
        return _network_from_model(model, name, shapes, batch)


def _network_from_model(model: onnx.ModelProto, name: str, shapes: dict[str, tuple[int, ...]] | None,
                        batch: int | None) -> Network:
    """The steps of the module docstring, one call each."""
    graph = model.graph
    init_names = {i.name for i in graph.initializer}
    real_inputs = [vi for vi in graph.input if vi.name not in init_names]
    inputs = resolve_input_shapes(real_inputs, dict(shapes or {}), batch)
    known = KnownTensors.from_initializers(graph)
    folded_idx = infer_and_fold(model, inputs.fixed, real_inputs, known)
    # Activation Q->DQ pairs are fake-quantization: the tensor passes through with a scale.
    alias, qdq_idx, quantization = fold_activation_qdq(graph.node, known, folded_idx, scale_reader(graph, known))
    mapped = _map_layers(graph, known, folded_idx, qdq_idx, alias, inputs.fixed)
    return _assemble_network(model, name, real_inputs, inputs, known, mapped, alias, quantization, init_names)


class _MappedLayers(NamedTuple):
    """The layers of the nodes left after folding, before fusion.

    ``tensors``: every tensor a layer reads or writes, by name; ``folded``: the names of the nodes that
    became no layer; ``in_order``: every layer reads only network inputs or tensors written before it.
    """

    layers: list[Layer]
    tensors: dict[str, Tensor]
    folded: list[str]
    in_order: bool
    layer_names: LayerNames


def _map_layers(graph: onnx.GraphProto, known: KnownTensors, folded_idx: set[int], qdq_idx: set[int],
                alias: dict[str, str], fixed: dict[str, tuple[int, ...]]) -> _MappedLayers:
    """One TensorRT layer per node that is neither folded nor a pass-through (a Split: one per output).

    ``alias`` maps a tensor to the one that stands for it (the input of a folded Q/DQ pair); the
    pass-through nodes met here (Identity, Dropout at inference) are added to it.
    """
    shape_of, dtype_of = known.shape_of, known.dtype_of
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
        if node.op_type in ("Identity", "Dropout") and node.input and not known.is_const(node.input[0]):
            alias[node.output[0]] = node.input[0]
            folded.append(node_name)
            continue
        kind, attrs, act_inputs = map_node(node, known)
        if kind == "Identity":
            if act_inputs:
                alias[node.output[0]] = act_inputs[0]
            folded.append(node_name)
            continue
        lname = layer_names.own(node_name) if proto.name else layer_names.fresh(node_name)
        attrs["const_inputs"] = {i: known.const_shape(n) for i, n in enumerate(node.input) if n and known.is_const(n)}
        if attrs["const_inputs"]:  # TensorRT names a CONSTANT layer after its tensor
            attrs["const_names"] = {i: node.input[i] for i in attrs["const_inputs"]}
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
    return _MappedLayers(layers, tensors, folded, in_order, layer_names)


def _assemble_network(model: onnx.ModelProto, name: str, real_inputs, inputs: InputShapes, known: KnownTensors,
                      mapped: _MappedLayers, alias: dict[str, str], quantization: Quantization,
                      init_names: set[str]) -> Network:
    """The :class:`Network` of the mapped layers after TensorRT's fusions, with the importer's notes."""
    graph = model.graph
    tensors = mapped.tensors
    fixed = inputs.fixed
    graph_outputs = [alias.get(o.name, o.name) for o in graph.output]
    for n in fixed:
        tensors.setdefault(n, Tensor(n, fixed[n], known.dtype_of.get(n, "float32")))

    net = Network(
        name=name or graph.name or "model",
        layers=fuse(mapped.layers, tensors, set(graph_outputs), mapped.in_order, mapped.layer_names), tensors=tensors,
        inputs=[vi.name for vi in real_inputs], outputs=graph_outputs,
        opset=default_opset(model) or 0, notes=inputs.notes, dynamic_inputs=inputs.dynamic,
        initializer_bytes=_initializer_bytes(graph), quantization=quantization if quantization else None,
    )
    net.__dict__["folded_nodes"] = mapped.folded
    if quantization:
        net.notes.append(
            f"explicitly quantized: {len(quantization.activation_nodes)} activation Q/DQ node(s) read as INT8 scales on "
            f"{len(quantization.scales)} tensor(s), {len(quantization.weight_nodes)} weight Q/DQ node(s) folded; layers "
            "are placed as in the model without Q/DQ nodes, built with those scales")
    missing = [o for o in graph_outputs if o not in tensors and o not in known.small and o not in init_names]
    if missing:
        net.notes.append(f"output(s) {', '.join(missing)} are not produced by any node")
    return net


def _initializer_bytes(graph: onnx.GraphProto) -> int:
    total = 0
    for init in graph.initializer:
        dims = tuple(int(d) for d in init.dims)
        total += (int(np.prod(dims)) if dims else 1) * _itemsize(init.data_type)
    return total


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
