"""Split a model at the end of its DLA-clean prefix: a DLA part (one loadable, no GPU layer) and the rest.

The DLA part is the largest set of layers that (a) can each run on DLA for the build and (b) is
closed under "reads from": every layer feeding one of them is in it too. Such a set is convex, so
TensorRT can keep it in one DLA region; the part is then predicted on its own and trimmed until it
is one loadable with no GPU layer. The tensors crossing the cut (DLA outputs read by the rest, and
network inputs the rest reads directly) become the I/O of the two ONNX models.

The cut is made at the ONNX level by walking producers back from the wanted outputs, so constants
and shape sub-graphs come along wherever they are needed and no DLA node is computed twice: if the
rest needs a tensor computed inside the DLA part, that tensor becomes another output of the DLA part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
from onnx import helper, numpy_helper

from ..errors import UsageError
from ..layout import BuildConfig, predict

# Trimming the DLA part converges in a step or two; this bounds a pathological case.
_MAX_TRIMS = 8


@dataclass(frozen=True)
class Cut:
    """Where a model is split.

    Attributes:
        dla_layers: the DLA part's layers, in network order.
        dla_outputs: tensors the DLA part hands over (also original outputs computed inside it).
        gpu_inputs: the GPU part's inputs: ``dla_outputs`` it reads, then network inputs it reads directly.
        skip_inputs: network inputs the GPU part reads directly (they skip the DLA part).
        trimmed: layers the standalone prediction of the DLA part pushed out, with why.
    """

    dla_layers: tuple[str, ...]
    dla_outputs: tuple[str, ...]
    gpu_inputs: tuple[str, ...]
    skip_inputs: tuple[str, ...]
    trimmed: tuple[str, ...] = ()


def prefix_at(net, tensors: list[str]) -> list[str]:
    """Layers up to (and producing) ``tensors``: the DLA part a user asked for with ``--at``."""
    prod = net._producers()
    unknown = [t for t in tensors if t not in prod]
    if unknown:
        sample = ", ".join(list(prod)[:5])
        raise UsageError(f"--at names tensor(s) no layer produces: {', '.join(unknown)}",
                         f"Name layer output tensors as the ONNX model spells them (e.g. {sample}), or use --at auto.")
    wanted: set[str] = set()
    stack = [prod[t] for t in tensors]
    while stack:
        name = stack.pop()
        if name in wanted:
            continue
        wanted.add(name)
        stack.extend(prod[t] for t in net.layers[name].inputs if t in prod)
    return [n for n in net.layers if n in wanted]


def plan_cut(net, layers: list[str]) -> tuple[list[str], list[str]]:
    """``(dla_outputs, skip_inputs)`` of a layer set: tensors leaving it, and inputs the rest reads."""
    chosen = set(layers)
    out, skip = [], []
    outputs = set(net.outputs)
    for name in layers:
        for t in net.layers[name].outputs:
            readers = net.consumers(t)
            if (t in outputs or any(c.name not in chosen for c in readers)) and t not in out:
                out.append(t)
    for layer in net.layers.values():
        if layer.name in chosen:
            continue
        for t in layer.inputs:
            if t in net.inputs and t not in skip:
                skip.append(t)
    return out, skip


def trim_to_one_loadable(net, model: onnx.ModelProto, layers: list[str], platform, config: BuildConfig,
                         network_of) -> tuple[list[str], list[str]]:
    """Drop layers until the DLA part alone is predicted as one loadable with no GPU layer.

    ``network_of(model)`` builds the Network of a part. Returns ``(layers, trimmed notes)``.
    """
    trimmed: list[str] = []
    for _ in range(_MAX_TRIMS):
        if not layers:
            break
        outs, _ = plan_cut(net, layers)
        part = extract(model, list(net.inputs), outs, net)
        part_layout = predict(network_of(part), platform, config)
        bad = [p.name for p in part_layout.gpu_layers]
        loadables = part_layout.dla_loadables
        if not bad and len(loadables) <= 1:
            return layers, trimmed
        drop = set(bad)
        if len(loadables) > 1:
            keep = set(loadables[0].layers)
            drop |= {n for n in layers if n not in keep}
        for p in part_layout.gpu_layers:
            why = p.reasons[0].message if p.reasons else "on the GPU"
            trimmed.append(f"{p.name}: {why}")
        layers = _close(net, [n for n in layers if n not in drop])
    return layers, trimmed


def _close(net, layers: list[str]) -> list[str]:
    """The largest subset closed under producers (a layer whose producer was dropped goes too)."""
    prod = net._producers()
    keep: set[str] = set()
    allowed = set(layers)
    for name in layers:
        if all((t not in prod) or prod[t] in keep for t in net.layers[name].inputs) and name in allowed:
            keep.add(name)
    return [n for n in layers if n in keep]


# --- ONNX extraction -----------------------------------------------------------------------------------


def extract(model: onnx.ModelProto, inputs: list[str], outputs: list[str], net=None,
            constants: dict[str, np.ndarray] | None = None) -> onnx.ModelProto:
    """The sub-model computing ``outputs`` from ``inputs`` (constants and initializers come along).

    ``constants``: tensors the part gets as Constant nodes instead of computing them (the static
    shapes of tensors it does not otherwise need).

    Raises:
        UsageError: an output cannot be computed from ``inputs`` (the cut is not closed).
    """
    g = model.graph
    producer = {}
    for i, node in enumerate(g.node):
        for o in node.output:
            if o:
                producer[o] = i
    inits = {t.name: t for t in g.initializer}
    sparse = {t.values.name: t for t in g.sparse_initializer}
    constants = constants or {}
    available = set(inputs) | set(constants)
    needed_nodes: set[int] = set()
    needed_inits: list[str] = []
    stack = list(outputs)
    seen: set[str] = set()
    graph_inputs = {vi.name for vi in g.input}
    while stack:
        t = stack.pop()
        if not t or t in seen:
            continue
        seen.add(t)
        if t in available:
            continue
        if t in inits or t in sparse:
            needed_inits.append(t)
            continue
        i = producer.get(t)
        if i is None:
            if t in graph_inputs:
                raise UsageError(f"the cut is not closed: {t} is a network input the part needs but was not given",
                                 "Choose cut tensors that separate the model (or use --at auto).")
            continue
        if i in needed_nodes:
            continue
        needed_nodes.add(i)
        node = g.node[i]
        stack.extend(node.input)
        stack.extend(_outer_names(node))
    nodes = [helper.make_node("Constant", [], [name], name=f"{name}__static_shape",
                              value=numpy_helper.from_array(np.asarray(v, dtype=np.int64), f"{name}__value"))
             for name, v in constants.items() if name in seen]
    nodes += [g.node[i] for i in sorted(needed_nodes)]
    vi = _value_infos(model, net)
    new_inputs = [vi.get(n) or helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, None) for n in inputs]
    new_outputs = [vi.get(n) or helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, None) for n in outputs]
    used = set(needed_inits)
    graph = helper.make_graph(nodes, g.name or "part", new_inputs, new_outputs,
                              initializer=[inits[n] for n in inits if n in used],
                              sparse_initializer=[sparse[n] for n in sparse if n in used])
    inner = {o for n in nodes for o in n.output}
    graph.value_info.extend(v for v in g.value_info if v.name in inner and v.name not in set(outputs))
    part = helper.make_model(graph, opset_imports=list(model.opset_import), producer_name="dla-advisor split")
    part.ir_version = model.ir_version
    part.functions.extend(model.functions)
    return part


def _outer_names(node) -> list[str]:
    """Names a node's sub-graphs (If/Loop/Scan bodies) read from the enclosing graph."""
    out = []
    for attr in node.attribute:
        graphs = list(attr.g.node and [attr.g] or []) + list(attr.graphs)
        for sub in graphs:
            local = {i.name for i in sub.input} | {t.name for t in sub.initializer} | {o for n in sub.node for o in n.output}
            for n in sub.node:
                out.extend(x for x in n.input if x and x not in local)
                out.extend(_outer_names(n))
    return out


def _value_infos(model: onnx.ModelProto, net) -> dict[str, onnx.ValueInfoProto]:
    """Type and static shape of every tensor the analysis knows (the Network's, then the model's)."""
    out: dict[str, onnx.ValueInfoProto] = {}
    g = model.graph
    for v in (*g.value_info, *g.output, *g.input):
        if v.type.tensor_type.elem_type:
            out[v.name] = v
    if net is not None:
        for name, t in net.tensors.items():
            if t.shape is None or any(not isinstance(d, (int, np.integer)) or d < 0 for d in t.shape):
                continue
            try:
                elem = helper.np_dtype_to_tensor_dtype(np.dtype(t.dtype))
            except (TypeError, KeyError):
                continue
            out[name] = helper.make_tensor_value_info(name, elem, [int(d) for d in t.shape])
    return out


def gpu_side(model: onnx.ModelProto, dla_part: onnx.ModelProto, dla_outputs: list[str], skip_inputs: list[str],
             static_shapes: dict[str, tuple[int, ...]] | None = None):
    """``(extra DLA outputs, GPU inputs, shape constants)`` so the rest never recomputes a DLA node.

    Walking back from the network outputs, a tensor computed by a non-constant node of the DLA part
    becomes a hand-over tensor instead of pulling that node into the GPU part. A Shape of a DLA tensor
    with a static shape becomes a constant instead (dynamic exports compute reshape targets that way),
    so a feature map is not handed over only for its shape.
    """
    static_shapes = static_shapes or {}
    shape_consts: dict[str, np.ndarray] = {}
    g = model.graph
    const = _constant_tensors(model)
    dla_made = {o for n in dla_part.graph.node for o in n.output if o and o not in const}
    producer = {o: i for i, n in enumerate(g.node) for o in n.output if o}
    inits = {t.name for t in g.initializer} | {t.values.name for t in g.sparse_initializer}
    stop = set(dla_outputs) | set(skip_inputs)
    extra: list[str] = []
    used_handover: list[str] = []
    seen: set[str] = set()
    # Outputs the DLA part computes itself are read from the DLA engine, not passed through the GPU part.
    stack = [o.name for o in g.output if o.name not in set(dla_outputs)]
    graph_inputs = [vi.name for vi in g.input if vi.name not in inits]
    used_skip: list[str] = []
    while stack:
        t = stack.pop()
        if not t or t in seen:
            continue
        seen.add(t)
        if t in stop or t in dla_made:
            if t in skip_inputs or (t in graph_inputs and t not in dla_outputs):
                used_skip.append(t)
            else:
                used_handover.append(t)
                if t not in dla_outputs and t not in extra:
                    extra.append(t)
            continue
        if t in inits:
            continue
        if t in graph_inputs:
            used_skip.append(t)
            continue
        i = producer.get(t)
        if i is None:
            continue
        node = g.node[i]
        if node.op_type == "Shape" and node.input and node.input[0] in dla_made and node.input[0] in static_shapes:
            shape_consts[t] = _shape_value(node, static_shapes[node.input[0]])
            continue
        stack.extend(node.input)
        stack.extend(_outer_names(node))
    handover = [t for t in dla_outputs + extra if t in used_handover]
    skip = [t for t in graph_inputs if t in used_skip]
    return extra, handover + skip, shape_consts


def _shape_value(node, shape: tuple[int, ...]) -> np.ndarray:
    """What a Shape node (with its opset-15 start/end) returns for a static ``shape``."""
    attrs = {a.name: a.i for a in node.attribute}
    rank = len(shape)
    start, end = attrs.get("start", 0), attrs.get("end", rank)
    start = max(0, start + rank if start < 0 else start)
    end = min(rank, end + rank if end < 0 else end)
    return np.asarray(shape[start:end], dtype=np.int64)


def _constant_tensors(model: onnx.ModelProto) -> set[str]:
    """Tensors computed from constants only (safe to compute again in the GPU part)."""
    g = model.graph
    const = {t.name for t in g.initializer} | {t.values.name for t in g.sparse_initializer}
    for node in g.node:  # ONNX keeps nodes in topological order
        if all((not x) or x in const for x in node.input) and not _outer_names(node):
            const.update(o for o in node.output if o)
    return const
