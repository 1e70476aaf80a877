"""Check an ONNX model once, at import, before onnx's C++ shape inference or our op mapping reads it.

onnx's shape inference trusts what it is given: a negative dimension aborts the whole process
(no exception, exit code 134), an attribute of the wrong type or a cycle raises deep inside the
mapping code. TensorRT's ONNX parser refuses the same models at parse time, so each of these is a
:class:`ModelLoadError` here: one line naming the node, tensor or attribute and what is wrong.

What is checked, each in one pass over the graph:

* data types: every graph input, output and initializer has a defined, known ``elem_type``;
* dimensions: no negative extent, none over :data:`MAX_DIM`, at most :data:`MAX_RANK` dims, no tensor
  over :data:`MAX_TENSOR_ELEMENTS` elements (no Jetson has the memory for it);
* names: every tensor is written once (ONNX's single-assignment rule: no two nodes, or a node and an
  initializer or graph input, produce the same name); no initializer is declared twice;
* wiring: every node input is a graph input, an initializer or another node's output; the graph has
  no cycle. Nodes out of order are put in order, as TensorRT's parser does (its ModelImporter sorts
  the nodes topologically and fails only on a cycle:
  https://github.com/onnx/onnx-tensorrt/blob/main/ModelImporter.cpp, toposort.hpp);
* attributes: every attribute of a standard op has the type onnx's own operator schema declares for
  the model's opset (the table is onnx's, so it follows every opset), and the sizes in
  :data:`ATTRIBUTE_RANGES` lie in their ranges.

An op onnx does not know (a custom op, another domain) is not an error: TensorRT builds it as a
plugin on the GPU, and the importer says so.
"""

from __future__ import annotations

import math
from functools import lru_cache

import onnx
from onnx import AttributeProto, TensorProto

from .._limits import MAX_DIM, MAX_RANK, MAX_TENSOR_ELEMENTS
from ..errors import ModelLoadError

_KNOWN_DTYPES = frozenset(TensorProto.DataType.values()) - {TensorProto.UNDEFINED}
_ATTR_TYPE_WORDS = {
    AttributeProto.FLOAT: "a float", AttributeProto.INT: "an int", AttributeProto.STRING: "a string",
    AttributeProto.TENSOR: "a tensor", AttributeProto.GRAPH: "a graph", AttributeProto.FLOATS: "a list of floats",
    AttributeProto.INTS: "a list of ints", AttributeProto.STRINGS: "a list of strings",
    AttributeProto.TENSORS: "a list of tensors", AttributeProto.GRAPHS: "a list of graphs",
    AttributeProto.SPARSE_TENSOR: "a sparse tensor", AttributeProto.SPARSE_TENSORS: "a list of sparse tensors",
    AttributeProto.TYPE_PROTO: "a type", AttributeProto.TYPE_PROTOS: "a list of types",
    AttributeProto.UNDEFINED: "of undefined type",
}

_WINDOW_OPS = ("Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool", "MaxUnpool", "ConvInteger",
               "QLinearConv", "DeformConv", "MaxRoiPool")
# Inclusive ranges of integer attributes whose meaning is a size: TensorRT's builder rejects a zero or
# negative kernel, stride, dilation or group, and the window ops take no negative padding.
ATTRIBUTE_RANGES: dict[str, dict[str, tuple[int, int]]] = {
    **{op: {"kernel_shape": (1, MAX_DIM), "strides": (1, MAX_DIM), "dilations": (1, MAX_DIM), "group": (1, MAX_DIM),
            "pads": (0, MAX_DIM), "output_padding": (0, MAX_DIM), "output_shape": (1, MAX_DIM)} for op in _WINDOW_OPS},
    "DepthToSpace": {"blocksize": (1, MAX_DIM)},
    "SpaceToDepth": {"blocksize": (1, MAX_DIM)},
    "Split": {"num_outputs": (1, MAX_DIM), "split": (0, MAX_DIM)},
    "LRN": {"size": (1, MAX_DIM)},
}


@lru_cache(maxsize=4096)
def _schema_attr_types(op: str, opset: int, domain: str) -> dict[str, int] | None:
    try:
        schema = onnx.defs.get_schema(op, opset, domain)
    except Exception:  # SchemaError: an op (or version) onnx does not know
        return None
    return {name: int(a.type) for name, a in schema.attributes.items()}


def _opset_of(model: onnx.ModelProto) -> dict[str, int]:
    out = {}
    for imp in model.opset_import:
        out["" if imp.domain == "ai.onnx" else imp.domain] = int(imp.version)
    return out


def check_dims(dims, what: str) -> None:
    if len(dims) > MAX_RANK:
        raise ModelLoadError(f"{what} has {len(dims)} dimensions; TensorRT tensors have at most {MAX_RANK}",
                             "Fix the export so the tensor has fewer dimensions.")
    volume = 1
    for d in dims:
        if d is None:
            continue
        if d < 0:
            raise ModelLoadError(f"{what} has a negative dimension {list(dims)}", "Fix the model's shapes.")
        if d > MAX_DIM:
            raise ModelLoadError(f"{what} has a dimension of {d}, over TensorRT's limit of {MAX_DIM}",
                                 "Fix the model's shapes.")
        volume *= d
    if volume > MAX_TENSOR_ELEMENTS:
        raise ModelLoadError(f"{what} has {volume} elements, more than any Jetson or DRIVE board can hold",
                             "Fix the model's shapes (or pass smaller --shapes).")


def _value_info(vi, what: str, need_type: bool) -> None:
    if not vi.type.HasField("tensor_type"):
        return  # sequences, maps, optionals: TensorRT refuses those at its own parse step
    tt = vi.type.tensor_type
    if tt.elem_type not in _KNOWN_DTYPES and (need_type or tt.elem_type != TensorProto.UNDEFINED):
        word = "an undefined" if tt.elem_type == TensorProto.UNDEFINED else f"an unknown ({tt.elem_type})"
        raise ModelLoadError(f"{what} '{vi.name}' has {word} data type", "Fix the model's declared types.")
    if tt.HasField("shape"):
        check_dims([d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim], f"{what} '{vi.name}'")


# Where TensorProto keeps the values of each type when not in raw_data (onnx.proto's field comments),
# and how many entries one element takes there.
_TYPED_FIELD = {
    TensorProto.FLOAT: ("float_data", 1), TensorProto.COMPLEX64: ("float_data", 2),
    TensorProto.DOUBLE: ("double_data", 1), TensorProto.COMPLEX128: ("double_data", 2),
    TensorProto.INT64: ("int64_data", 1), TensorProto.UINT32: ("uint64_data", 1), TensorProto.UINT64: ("uint64_data", 1),
    TensorProto.STRING: ("string_data", 1),
    **{t: ("int32_data", 1) for t in (TensorProto.INT32, TensorProto.INT16, TensorProto.INT8, TensorProto.UINT16,
                                      TensorProto.UINT8, TensorProto.BOOL, TensorProto.FLOAT16, TensorProto.BFLOAT16)},
}
_FIELDS = ("float_data", "double_data", "int32_data", "int64_data", "uint64_data", "string_data")


def _initializer_data(t) -> None:
    """Data, where present, must fit the dims and type (weight-free skeletons carry none, which is fine)."""
    if t.data_location == TensorProto.EXTERNAL:
        return
    volume = math.prod(t.dims)
    what = f"initializer '{t.name}'"
    if t.raw_data:
        try:
            itemsize = onnx.helper.tensor_dtype_to_np_dtype(t.data_type).itemsize
        except Exception:  # 4-bit and other packed types: their byte count is not elements x itemsize
            return
        if t.data_type in _TYPED_FIELD and len(t.raw_data) != volume * itemsize:
            raise ModelLoadError(f"{what} holds {len(t.raw_data)} bytes; its dims {list(t.dims)} and type need "
                                 f"{volume * itemsize}", "The file is damaged or was edited by hand; re-export it.")
        return
    held = {f: len(getattr(t, f)) for f in _FIELDS if len(getattr(t, f))}
    if not held or t.data_type not in _TYPED_FIELD:
        return
    field, per = _TYPED_FIELD[t.data_type]
    if set(held) != {field} or held[field] != volume * per:
        raise ModelLoadError(f"{what}'s values ({', '.join(f'{n} {f}' for f, n in held.items())}) do not fit its "
                             f"dims {list(t.dims)} and data type", "The file is damaged or was edited by hand; "
                             "re-export it.")


def _window_attributes(node) -> None:
    """A window op's strides, dilations and output_padding have one entry per kernel axis, pads two."""
    a = {x.name: list(x.ints) for x in node.attribute if x.type == AttributeProto.INTS}
    if "kernel_shape" not in a:
        return
    n = len(a["kernel_shape"])
    for key, want in (("strides", n), ("dilations", n), ("pads", 2 * n), ("output_padding", n)):
        if key in a and len(a[key]) != want:
            raise ModelLoadError(f"node '{node.name or node.op_type}' ({node.op_type}): {key} has {len(a[key])} "
                                 f"values; a {n}-D window takes {want}", "Fix the attribute in the exporter or the model.")


def _attribute(node, a, opset: int, domain: str, types: dict[str, int] | None) -> None:
    label = f"node '{node.name or node.op_type}' ({node.op_type})"
    if a.type == AttributeProto.UNDEFINED or a.type not in _ATTR_TYPE_WORDS:
        raise ModelLoadError(f"{label}: attribute '{a.name}' has no type", "Re-export the model.")
    if types is not None and a.name in types and types[a.name] != a.type:
        raise ModelLoadError(
            f"{label}: attribute '{a.name}' is {_ATTR_TYPE_WORDS[a.type]}; {node.op_type} (opset {opset}) takes "
            f"{_ATTR_TYPE_WORDS.get(types[a.name], 'another type')}", "Fix the attribute in the exporter or the model.")
    bounds = ATTRIBUTE_RANGES.get(node.op_type, {}).get(a.name) if domain == "" else None
    if bounds is not None:
        values = [a.i] if a.type == AttributeProto.INT else list(a.ints) if a.type == AttributeProto.INTS else []
        lo, hi = bounds
        bad = next((v for v in values if not lo <= v <= hi), None)
        if bad is not None:
            raise ModelLoadError(f"{label}: attribute '{a.name}' is {bad}, outside [{lo}, {hi}]",
                                 "Fix the attribute in the exporter or the model.")
    if a.type == AttributeProto.FLOAT and not math.isfinite(a.f) and a.name in ("epsilon",):
        raise ModelLoadError(f"{label}: attribute '{a.name}' is {a.f}", "Fix the attribute in the exporter or the model.")


def validate_model(model: onnx.ModelProto, in_place: bool = False) -> onnx.ModelProto:
    """Raise :class:`ModelLoadError` for anything onnx's shape inference or TensorRT would choke on.

    Returns:
        ``model``, or where its nodes are out of topological order, the model with them in order
        (``model`` itself when ``in_place``, else a copy: a caller's object is left as it was).
    """
    g = model.graph
    _text_fields(model)
    opsets = _opset_of(model)
    produced: dict[str, int] = {}  # tensor -> producing node index, or -1 for inputs/initializers
    for vi in g.input:
        _value_info(vi, "input", need_type=True)
        produced[vi.name] = -1
    seen_inits: set[str] = set()
    for t in g.initializer:
        if t.name in seen_inits:
            raise ModelLoadError(f"initializer '{t.name}' is declared twice", "Re-export the model.")
        seen_inits.add(t.name)
        if t.data_type not in _KNOWN_DTYPES:
            word = "an undefined" if t.data_type == TensorProto.UNDEFINED else f"an unknown ({t.data_type})"
            raise ModelLoadError(f"initializer '{t.name}' has {word} data type", "Re-export the model.")
        check_dims(list(t.dims), f"initializer '{t.name}'")
        _initializer_data(t)
        produced[t.name] = -1
    for vi in g.output:
        _value_info(vi, "output", need_type=False)
    for vi in g.value_info:
        _value_info(vi, "tensor", need_type=False)

    nodes = list(g.node)
    reads: list[list[str]] = []
    for idx, node in enumerate(nodes):
        if not node.op_type:
            raise ModelLoadError(f"node {idx} ('{node.name}') has no op type", "Re-export the model.")
        domain = "" if node.domain == "ai.onnx" else node.domain
        opset = opsets.get(domain)
        types = _schema_attr_types(node.op_type, opset, domain) if opset is not None and opset > 0 else None
        for a in node.attribute:
            _attribute(node, a, opset or 0, domain, types)
        if domain == "" and node.op_type in _WINDOW_OPS:
            _window_attributes(node)
        for o in node.output:
            if not o:
                continue
            if o in produced:
                other = "a graph input or initializer" if produced[o] < 0 else f"node '{nodes[produced[o]].name}'"
                raise ModelLoadError(f"tensor '{o}' is written twice: by node '{node.name}' and by {other}",
                                     "ONNX tensors are assigned once; re-export the model.")
            produced[o] = idx
        reads.append([i for i in node.input if i])
    out_of_order = False
    for idx, (node, ins) in enumerate(zip(nodes, reads)):
        for name in ins:
            src = produced.get(name)
            if src is None:
                raise ModelLoadError(f"node '{node.name or node.op_type}' reads '{name}', which no node, graph input "
                                     "or initializer provides", "The model is incomplete (a missing initializer?); "
                                     "re-export it.")
            if src >= idx:
                out_of_order = True
    if not out_of_order:
        return model
    order = _toposort(nodes, reads, produced)
    if not in_place:
        model = onnx.ModelProto.FromString(model.SerializeToString()) if model.ByteSize() < 2**31 - 1 else _copy(model)
        nodes = list(model.graph.node)
    sorted_nodes = [nodes[i] for i in order]
    copies = [onnx.NodeProto() for _ in sorted_nodes]
    for c, n in zip(copies, sorted_nodes):
        c.CopyFrom(n)
    model.graph.ClearField("node")
    model.graph.node.extend(copies)
    return model


def _copy(model: onnx.ModelProto) -> onnx.ModelProto:
    m = onnx.ModelProto()
    m.CopyFrom(model)
    return m


def _text_fields(model: onnx.ModelProto) -> None:
    """Names must be text: protobuf hands back ``bytes`` for a string field that is not valid UTF-8."""
    g = model.graph
    try:
        names = [t.name for t in g.initializer] + [v.name for v in (*g.input, *g.output, *g.value_info)]
        for n in g.node:
            names += [n.name, n.op_type, n.domain, *n.input, *n.output, n.doc_string]
        names += [imp.domain for imp in model.opset_import]
        names += [model.producer_name, model.producer_version, model.domain, model.doc_string, g.name, g.doc_string]
        names += [p.key + p.value for p in model.metadata_props]
    except UnicodeDecodeError as e:
        raise ModelLoadError(f"the model holds text that is not valid UTF-8 ({e.object[:40]!r})",
                             "The file is damaged or not written by an ONNX exporter; re-export it.") from None
    bad = next((x for x in names if not isinstance(x, str)), None)
    if bad is not None:
        raise ModelLoadError(f"the model holds a name that is not valid UTF-8 ({bytes(bad)[:40]!r})",
                             "The file is damaged or not written by an ONNX exporter; re-export it.")


def _toposort(nodes, reads, produced) -> list[int]:
    """Kahn's order, keeping the file's order where it is free to; raises on a cycle."""
    import heapq

    waiting = [0] * len(nodes)
    users: dict[int, list[int]] = {}
    for idx, ins in enumerate(reads):
        deps = {produced[n] for n in ins if produced[n] >= 0}
        if idx in deps:
            raise ModelLoadError(f"node '{nodes[idx].name or nodes[idx].op_type}' reads its own output (a cycle)",
                                 "ONNX graphs are acyclic; re-export the model.")
        waiting[idx] = len(deps)
        for dep in deps:
            users.setdefault(dep, []).append(idx)
    ready = [i for i, w in enumerate(waiting) if w == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for u in users.get(i, ()):
            waiting[u] -= 1
            if waiting[u] == 0:
                heapq.heappush(ready, u)
    if len(order) != len(nodes):
        stuck = next(i for i, w in enumerate(waiting) if w > 0)
        raise ModelLoadError(f"the graph has a cycle through node '{nodes[stuck].name or nodes[stuck].op_type}'",
                             "ONNX graphs are acyclic; re-export the model.")
    return order
