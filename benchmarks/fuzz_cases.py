"""Hypothesis strategies for the fuzz campaign (benchmarks/fuzz.py): one case is files plus a command line.

Four kinds of case:

* ``model``: a small valid network built from random blocks, then mutated the ways real exports and
  broken files go wrong (attribute types and values, shapes 0 / 2**31 / negative / ranks 1-6, dtypes,
  missing or external initializers, duplicate names, cycles, unknown ops and domains, opsets 1-30,
  markup in names, truncated or flipped bytes), run through advise / check / estimate / fix / inspect.
* ``artifact``: a file of the real-artifact corpus, mutated (truncation, shuffled or duplicated lines,
  markup, non-UTF-8, CRLF, BOM, 10 MB lines, JSON values of the wrong type, NaN, huge numbers).
* ``cli``: a valid model and a command given one odd option value (negative, NaN, huge, empty, very
  long) or an odd ``-o`` (a folder, a FIFO or device node made here, a missing or unwritable path).
* ``tune``: ``tune --backend sim`` with odd storage URLs (every form, secrets inside) and options.

A case never touches anything outside its own temporary folder.
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
from hypothesis import strategies as st
from onnx import AttributeProto, TensorProto, helper, numpy_helper

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus"
SECRET = "S3cretPw0rd"  # must never appear in any output

ODD_INTS = [0, 1, -1, 2, 3, 7, -7, 2**31 - 1, 2**31, -2**31, 2**40, 2**63 - 1, -2**63]
ODD_FLOATS = [0.0, -0.0, 0.5, -1.0, float("nan"), float("inf"), float("-inf"), 1e308, 1e-320]
ODD_STRINGS = [b"", b"[bold]", b"{ForeignNode[/model.23/GatherElements]}", b"SAME_UPPER", b"VALID", b"NOTSET",
               b"nearest", b"linear", b"\xff\xfe", b"x" * 300]
ODD_NAMES = ["", "[bold]x[/bold]", "{ForeignNode[/model.23/GatherElements]}", "[/]", ":x: :warning:", "Split_1",
             "X_1", "конв/слой", "a" * 600, "name with spaces", "%s%n{0}", "\x1b[31mred", "line\nbreak"]
ATTR_NAMES = ["axis", "axes", "group", "kernel_shape", "strides", "pads", "dilations", "perm", "mode", "alpha",
              "beta", "keepdims", "split", "num_outputs", "auto_pad", "ceil_mode", "count_include_pad", "to",
              "blocksize", "transA", "transB", "min", "max", "scales", "epsilon", "output_padding", "starts",
              "ends", "coordinate_transformation_mode", "nearest_mode", "value", "allowzero", "start", "end"]
ODD_VALUES = ["-1", "0", "nan", "inf", "-inf", "1e309", "9" * 400, "", " ", "x" * 5000, "[bold]", "{a[/b]}",
              "1,2,-3", "1e-400", "0x10", "٣", "-0", "2147483648", "18446744073709551616", "\u202e", "NaN,1"]
STORAGE_FORMS = ["", "sqlite:///", "sqlite://", "sqlite:////", "sqlite:///{d}/s.db", "sqlite:///{d}/missing/s.db",
                 "sqlite:///{d}/foreign.db", "sqlite:///{d}/corrupt.db", "sqlite:///{d}/dir",
                 "sqlite:///{d}/fifo", "sqlite:///file:{d}/ro.db?mode=ro&uri=true", "journal:{d}/j.jsonl",
                 "journal:{d}/missing/j.jsonl", "journal:", "journal:{d}/fifo", "journal:{d}/dir", "{d}/plain.jsonl",
                 "postgresql://:{s}@127.0.0.1:1/db", "postgresql://user:{s}@127.0.0.1:1/db",
                 "postgresql://user@127.0.0.1:1/db?password={s}", "postgresql+psycopg2://u:{s}@127.0.0.1:1/x",
                 "mysql://u:{s}@127.0.0.1:1/db", "redis://:{s}@127.0.0.1:1", "http://u:{s}@x", "://", "foo",
                 "sqlite:///{d}/" + "n" * 300, "oracle://u:{s}@h/db", "sqlite:///{d}/s.db?password={s}",
                 "journal:{d}/m.onnx", "sqlite:///{d}/m.onnx", "{d}/m.onnx.jsonl"]


@dataclass
class Case:
    kind: str
    argv: list[str]
    outputs: list[str] = field(default_factory=list)  # files the command may write
    output_dirs: list[str] = field(default_factory=list)  # folders it may write in
    note: str = ""

    def describe(self) -> str:
        return " ".join(a if len(a) < 80 else a[:40] + "..." for a in self.argv)[:400]


# ---------------------------------------------------------------- models

class _Net:
    def __init__(self, opset: int):
        self.nodes, self.inits, self.i, self.opset = [], [], 0, opset

    def name(self, op):
        self.i += 1
        return f"/{op.lower()}_{self.i}/{op}"

    def const(self, array, dtype=np.float32):
        n = f"c{len(self.inits)}"
        self.inits.append(numpy_helper.from_array(np.asarray(array, dtype=dtype), n))
        return n

    def node(self, op, ins, n_out=1, **attrs):
        name = self.name(op)
        outs = [f"{name}_out{k}" for k in range(n_out)]
        self.nodes.append(helper.make_node(op, ins, outs, name=name, **attrs))
        return outs[0] if n_out == 1 else outs


def _block(net: _Net, kind: str, x: str, c: int, h: int, r: random.Random):
    """Append one block to ``net``; returns (output, channels, size)."""
    if kind == "conv":
        k = r.choice([1, 3])
        g = r.choice([1, c]) if c > 1 else 1
        w = net.const(np.full((c, c // g, k, k), 0.01))
        return net.node("Conv", [x, w], kernel_shape=[k, k], pads=[k // 2] * 4, group=g, strides=[1, 1]), c, h
    if kind == "convt":
        w = net.const(np.full((c, c, 2, 2), 0.01))
        return net.node("ConvTranspose", [x, w], kernel_shape=[2, 2], strides=[2, 2]), c, h * 2
    if kind in ("relu", "sigmoid", "tanh"):
        return net.node(kind.capitalize(), [x]), c, h
    if kind == "leaky":
        return net.node("LeakyRelu", [x], alpha=0.1), c, h
    if kind == "clip":
        if net.opset < 11:
            return net.node("Clip", [x], min=0.0, max=6.0), c, h
        return net.node("Clip", [x, net.const(0.0), net.const(6.0)]), c, h
    if kind == "maxpool" and h >= 2:
        return net.node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2]), c, h // 2
    if kind == "avgpool" and h >= 2:
        return net.node("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2]), c, h // 2
    if kind == "concat":
        return net.node("Concat", [x, x], axis=1), 2 * c, h
    if kind == "split" and c % 2 == 0:
        if net.opset >= 18:
            a, b = net.node("Split", [x], n_out=2, axis=1, num_outputs=2)
        elif net.opset >= 13:
            a, b = net.node("Split", [x, net.const([c // 2, c // 2], np.int64)], n_out=2, axis=1)
        else:
            a, b = net.node("Split", [x], n_out=2, axis=1, split=[c // 2, c // 2])
        return net.node("Add", [a, b]), c // 2, h
    if kind == "resize" and net.opset >= 11:
        scales = net.const([1, 1, 2, 2])
        return net.node("Resize", [x, "", scales], mode="nearest"), c, h * 2
    if kind == "upsample" and net.opset < 10:
        return net.node("Upsample", [x], scales=[1.0, 1.0, 2.0, 2.0], mode="nearest"), c, h * 2
    if kind == "softmax":
        return net.node("Softmax", [x], axis=1), c, h
    if kind == "transpose":
        return net.node("Transpose", [x], perm=[0, 1, 3, 2]), c, h
    if kind == "reshape":
        return net.node("Reshape", [x, net.const([1, c, h, h], np.int64)]), c, h
    if kind == "reduce":
        if net.opset >= 18:
            return net.node("ReduceMean", [x, net.const([2, 3], np.int64)], keepdims=1), c, 1
        return net.node("ReduceMean", [x], axes=[2, 3], keepdims=1), c, 1
    if kind == "gap":
        return net.node("GlobalAveragePool", [x]), c, 1
    if kind == "bn":
        s = [net.const(np.ones(c)), net.const(np.zeros(c)), net.const(np.zeros(c)), net.const(np.ones(c))]
        return net.node("BatchNormalization", [x, *s], epsilon=1e-5), c, h
    if kind == "addc":
        return net.node("Add", [x, net.const(np.ones((1, c, 1, 1)))]), c, h
    if kind == "mul":
        return net.node("Mul", [x, x]), c, h
    if kind == "pad" and net.opset >= 11:
        return net.node("Pad", [x, net.const([0, 0, 1, 1, 0, 0, 1, 1], np.int64)]), c, h + 2
    if kind == "slice" and net.opset >= 10 and h >= 2:
        return net.node("Slice", [x, net.const([0], np.int64), net.const([h // 2], np.int64),
                                  net.const([2], np.int64)]), c, h // 2
    if kind == "custom":
        return net.node("MyCustomOp", [x]), c, h
    if kind == "tile" and net.opset >= 6:
        return net.node("Tile", [x, net.const([1, 1, 2, 2], np.int64)]), c, h * 2
    if kind == "expand" and net.opset >= 8:
        return net.node("Expand", [x, net.const([2, c, h, h], np.int64)]), c, h
    if kind == "resize_sizes" and net.opset >= 13:
        return net.node("Resize", [x, "", "", net.const([1, c, 2 * h, 2 * h], np.int64)], mode="nearest"), c, 2 * h
    if kind == "gather":
        return net.node("Gather", [x, net.const([0], np.int64)], axis=1), 1, h
    if kind == "d2s" and c % 4 == 0:
        return net.node("DepthToSpace", [x], blocksize=2), c // 4, h * 2
    return net.node("Relu", [x]), c, h


BLOCKS = ["conv", "convt", "relu", "sigmoid", "tanh", "leaky", "clip", "maxpool", "avgpool", "concat", "split",
          "resize", "upsample", "softmax", "transpose", "reshape", "reduce", "gap", "bn", "addc", "mul", "pad",
          "slice", "custom", "tile", "expand", "resize_sizes", "gather", "d2s"]


def build_model(blocks: list[str], c: int, h: int, opset: int, seed: int, gemm_head: bool) -> onnx.ModelProto:
    r = random.Random(seed)
    net = _Net(opset)
    x = "input"
    c0, h0 = c, h
    for kind in blocks:
        x, c, h = _block(net, kind, x, c, h, r)
    if gemm_head:
        flat = net.node("Flatten", [x], axis=1)
        x = net.node("Gemm", [flat, net.const(np.full((c * h * h, 4), 0.01)), net.const(np.zeros(4))])
    graph = helper.make_graph(net.nodes, "fuzz", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, c0, h0, h0])],
                              [helper.make_tensor_value_info(x, TensorProto.FLOAT, None)], net.inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="fuzz")
    m.ir_version = 7 if opset < 15 else 8
    return m


@st.composite
def base_models(draw) -> onnx.ModelProto:
    opset = draw(st.sampled_from([7, 9, 10, 11, 12, 13, 13, 13, 15, 17, 18, 19, 21]))
    blocks = draw(st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=6))
    return build_model(blocks, draw(st.sampled_from([1, 2, 3, 8])), draw(st.sampled_from([1, 2, 4, 8])), opset,
                       draw(st.integers(0, 1000)), draw(st.booleans()))


def _odd_attribute(draw, name: str) -> AttributeProto:
    a = AttributeProto()
    a.name = name
    kind = draw(st.sampled_from(["int", "float", "string", "ints", "floats", "tensor", "empty", "strings"]))
    if kind == "int":
        a.type, a.i = AttributeProto.INT, draw(st.sampled_from(ODD_INTS))
    elif kind == "float":
        a.type, a.f = AttributeProto.FLOAT, draw(st.sampled_from(ODD_FLOATS))
    elif kind == "string":
        a.type, a.s = AttributeProto.STRING, draw(st.sampled_from(ODD_STRINGS))
    elif kind == "ints":
        a.type = AttributeProto.INTS
        a.ints.extend(draw(st.lists(st.sampled_from(ODD_INTS), max_size=9)))
    elif kind == "floats":
        a.type = AttributeProto.FLOATS
        a.floats.extend(draw(st.lists(st.sampled_from(ODD_FLOATS), max_size=6)))
    elif kind == "strings":
        a.type = AttributeProto.STRINGS
        a.strings.extend(draw(st.lists(st.sampled_from(ODD_STRINGS), max_size=3)))
    elif kind == "tensor":
        a.type = AttributeProto.TENSOR
        a.t.CopyFrom(numpy_helper.from_array(np.zeros(draw(st.sampled_from([(), (0,), (2, 2)])), np.float32)))
    else:
        a.type = draw(st.sampled_from([AttributeProto.UNDEFINED, AttributeProto.INT, AttributeProto.GRAPH]))
    return a


def _dims(draw):
    rank = draw(st.integers(0, 6))
    return [draw(st.sampled_from([1, 1, 3, 0, -1, -5, 2**31 - 1, 2**31, 2**40, 2**62, "N", None])) for _ in range(rank)]


def _set_shape(vi, dims):
    tt = vi.type.tensor_type
    tt.ClearField("shape")
    for d in dims:
        dim = tt.shape.dim.add()
        if isinstance(d, int):
            dim.dim_value = d
        elif d is not None:
            dim.dim_param = d


MUTATIONS = ["attr_type", "attr_value", "input_shape", "input_dtype", "drop_init", "init_dims", "init_dtype",
             "external", "dup_output", "dup_node_name", "node_name", "cycle", "self_loop", "unknown_op",
             "unknown_domain", "opset", "drop_opset", "graph_output", "value_info", "empty_input_name",
             "dup_init", "output_dtype", "const_value", "const_value"]


@st.composite
def mutated_models(draw, workdir: Path):
    """(model bytes, extra files written, names of mutations)."""
    m = draw(base_models())
    names = draw(st.lists(st.sampled_from(MUTATIONS), max_size=3))
    g = m.graph
    for mut in names:
        try:
            _mutate(draw, m, mut, workdir)
        except (OSError, ValueError, TypeError, IndexError, KeyError, onnx.checker.ValidationError):
            pass  # a mutation that cannot apply to this model (the fuzzer's own limit, not the tool's)
    try:
        data = m.SerializeToString()
    except Exception:  # e.g. invalid UTF-8 in a string field: the model cannot be written, like a real export
        data = b""
        names.append("unserialisable")
    return _damage(draw, data, names)


def _mutate(draw, m, mut: str, workdir: Path) -> None:
    g = m.graph
    if True:
        nodes = list(g.node)
        node = draw(st.sampled_from(nodes)) if nodes else None
        if mut == "attr_type" and node is not None:
            existing = [a.name for a in node.attribute]
            name = draw(st.sampled_from(existing + ATTR_NAMES))
            keep = [a for a in node.attribute if a.name != name]
            del node.attribute[:]
            node.attribute.extend(keep + [_odd_attribute(draw, name)])
        elif mut == "attr_value" and node is not None and node.attribute:
            a = draw(st.sampled_from(list(node.attribute)))
            if a.type == AttributeProto.INT:
                a.i = draw(st.sampled_from(ODD_INTS))
            elif a.type == AttributeProto.INTS:
                vals = list(a.ints)
                if vals:
                    vals[draw(st.integers(0, len(vals) - 1))] = draw(st.sampled_from(ODD_INTS))
                del a.ints[:]
                a.ints.extend(vals)
            elif a.type == AttributeProto.FLOAT:
                a.f = draw(st.sampled_from(ODD_FLOATS))
        elif mut == "input_shape":
            _set_shape(g.input[0], _dims(draw))
        elif mut == "input_dtype":
            g.input[0].type.tensor_type.elem_type = draw(st.sampled_from([0, 2, 3, 7, 8, 9, 10, 16, 17, 23, 999]))
        elif mut == "drop_init" and g.initializer:
            del g.initializer[draw(st.integers(0, len(g.initializer) - 1))]
        elif mut == "init_dims" and g.initializer:
            t = g.initializer[draw(st.integers(0, len(g.initializer) - 1))]
            del t.dims[:]
            t.dims.extend(draw(st.lists(st.sampled_from([-1, 0, 1, 2, 2**31, 2**40, 2**62]), max_size=6)))
        elif mut == "init_dtype" and g.initializer:
            g.initializer[0].data_type = draw(st.sampled_from([0, 8, 13, 999]))
        elif mut == "external" and g.initializer:
            t = g.initializer[draw(st.integers(0, len(g.initializer) - 1))]
            t.ClearField("raw_data")
            t.ClearField("float_data")
            t.ClearField("int64_data")
            t.data_location = TensorProto.EXTERNAL
            where = draw(st.sampled_from(["missing.bin", "../outside.bin", "ABS", "short.bin", "link.bin",
                                          "sub/../w.bin", "", "fifo.bin"]))
            if where == "ABS":
                where = str(workdir / "absent" / "w.bin")  # an absolute path, still inside the case folder
            elif where == "short.bin":
                (workdir / "short.bin").write_bytes(b"\0" * 3)
            elif where == "link.bin":
                (workdir / "target.bin").write_bytes(b"\0" * 4096)
                os.symlink(workdir / "target.bin", workdir / "link.bin")
            elif where == "fifo.bin":
                os.mkfifo(workdir / "fifo.bin")
            for k, v in (("location", where), ("offset", draw(st.sampled_from(["0", "-4", "99999999999", "x"]))),
                         ("length", draw(st.sampled_from(["4", "0", "-1", "1" + "0" * 30])))):
                e = t.external_data.add()
                e.key, e.value = k, v
        elif mut == "dup_output" and len(nodes) >= 2:
            a, b = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
            if b.output:
                b.output[0] = a.output[0]
        elif mut == "dup_node_name" and len(nodes) >= 2:
            nodes[-1].name = nodes[0].name
        elif mut == "node_name" and node is not None:
            node.name = draw(st.sampled_from(ODD_NAMES))
        elif mut == "cycle" and len(nodes) >= 2:
            i = draw(st.integers(0, len(nodes) - 2))
            nodes[i].input[0] = nodes[-1].output[0]
        elif mut == "self_loop" and node is not None and node.input:
            node.input[0] = node.output[0]
        elif mut == "unknown_op" and node is not None:
            node.op_type = draw(st.sampled_from(["FooBar", "", "conv", "Conv2d", "[bold]", "If", "Loop"]))
        elif mut == "unknown_domain" and node is not None:
            node.domain = draw(st.sampled_from(["com.example", "ai.onnx.ml", "ai.onnx", "trt", "com.microsoft",
                                                "[bold]"]))
        elif mut == "opset" and m.opset_import:
            m.opset_import[0].version = draw(st.integers(-1, 30))
        elif mut == "drop_opset":
            del m.opset_import[:]
        elif mut == "graph_output":
            vi = g.output.add()
            vi.name = draw(st.sampled_from(["nowhere", g.input[0].name, "", nodes[0].output[0] if nodes else "x"]))
        elif mut == "value_info" and nodes:
            vi = helper.make_tensor_value_info(nodes[0].output[0], TensorProto.FLOAT, None)
            _set_shape(vi, _dims(draw))
            g.value_info.append(vi)
        elif mut == "empty_input_name" and node is not None and node.input:
            node.input[0] = ""
        elif mut == "dup_init" and g.initializer:
            g.initializer.append(g.initializer[0])
        elif mut == "const_value" and g.initializer:
            small = [t for t in g.initializer if int(np.prod(t.dims)) <= 64 and t.data_type in (1, 7)
                     and t.data_location != TensorProto.EXTERNAL]
            if small:
                t = draw(st.sampled_from(small))
                arr = numpy_helper.to_array(t).copy()
                if arr.size:
                    odd = (draw(st.sampled_from([0, -1, -3, 2**31, 2**40, 2**62])) if arr.dtype == np.int64 else
                           draw(st.sampled_from([0.0, -1.0, 1e6, 1e30, float("nan"), float("inf")])))
                    flat = arr.reshape(-1)
                    flat[draw(st.integers(0, flat.size - 1))] = odd
                    t.CopyFrom(numpy_helper.from_array(flat.reshape(arr.shape), t.name))
        elif mut == "output_dtype" and g.output:
            g.output[0].type.tensor_type.elem_type = draw(st.sampled_from([0, 8, 999]))


def _damage(draw, data: bytes, names: list[str]):
    cut = draw(st.sampled_from(["none"] * 8 + ["truncate", "flip"]))
    if cut == "truncate" and data:
        data = data[:draw(st.integers(0, len(data) - 1))]
    elif cut == "flip" and data:
        b = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            b[draw(st.integers(0, len(b) - 1))] ^= 0xFF
        data = bytes(b)
    if cut != "none":
        names.append(cut)
    return data, names


# ---------------------------------------------------------------- artifacts

def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.suffix in (".log", ".json", ".txt"))


def _mutate_json(doc, draw):
    """Replace one value somewhere in ``doc`` by one of the wrong type or out of range."""
    odd = draw(st.sampled_from([None, "x", "[bold]", [], {}, True, -1, 0, 10**400, -(10**400), 1e308,
                                float("nan"), float("inf"), "NaN", "1e999", {"a": [1, "b"]}, [[[]]], "\u0000"]))
    path = []
    cur = doc
    for _ in range(draw(st.integers(1, 5))):
        if isinstance(cur, dict) and cur:
            k = draw(st.sampled_from(sorted(cur, key=str)))
            path.append(k)
            cur = cur[k]
        elif isinstance(cur, list) and cur:
            k = draw(st.integers(0, len(cur) - 1))
            path.append(k)
            cur = cur[k]
        else:
            break
    if not path:
        return odd
    parent = doc
    for k in path[:-1]:
        parent = parent[k]
    parent[path[-1]] = odd
    return doc


ARTIFACT_MUTATIONS = ["truncate", "shuffle", "duplicate", "markup", "non_utf8", "crlf", "bom", "long_line",
                      "json_value", "drop_lines", "numbers", "nul", "empty", "huge_numbers"]


@st.composite
def mutated_artifacts(draw, files: list[Path]):
    src = draw(st.sampled_from(files))
    raw = src.read_bytes()
    names = draw(st.lists(st.sampled_from(ARTIFACT_MUTATIONS), min_size=1, max_size=3))
    for mut in names:
        lines = raw.split(b"\n")
        if mut == "truncate":
            raw = raw[:draw(st.integers(0, max(0, len(raw) - 1)))]
        elif mut == "shuffle":
            random.Random(draw(st.integers(0, 99))).shuffle(lines)
            raw = b"\n".join(lines)
        elif mut == "duplicate" and lines:
            i = draw(st.integers(0, len(lines) - 1))
            raw = b"\n".join(lines[:i] + [lines[i]] * draw(st.integers(2, 50)) + lines[i + 1:])
        elif mut == "markup" and lines:
            i = draw(st.integers(0, len(lines) - 1))
            lines[i] += draw(st.sampled_from([b" {ForeignNode[/model.23/GatherElements]}", b" [bold]", b"[/]",
                                              b" :x:", b" [link=x]", b"\x1b[2J"]))
            raw = b"\n".join(lines)
        elif mut == "non_utf8" and raw:
            i = draw(st.integers(0, len(raw) - 1))
            raw = raw[:i] + b"\xff\xfe\xc3" + raw[i:]
        elif mut == "crlf":
            raw = raw.replace(b"\n", b"\r\n")
        elif mut == "bom":
            raw = draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"])) + raw
        elif mut == "long_line":
            size = draw(st.sampled_from([10_000, 1_000_000, 10_000_000]))
            raw += b"\n" + draw(st.sampled_from([b"a", b"[", b"{", b"|", b" ", b"9"])) * size + b"\n"
        elif mut == "json_value" and src.suffix == ".json":
            try:
                doc = json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue
            raw = json.dumps(_mutate_json(doc, draw)).encode()
        elif mut == "drop_lines" and lines:
            keep = draw(st.integers(0, len(lines)))
            raw = b"\n".join(lines[:keep // 2] + lines[keep:])
        elif mut == "numbers":
            raw = raw.replace(b"0.", draw(st.sampled_from([b"9" * 400 + b".", b"-0.", b"nan", b"1e999", b"NaN."])), 3)
        elif mut == "nul":
            raw = raw.replace(b" ", b"\0", 2)
        elif mut == "empty":
            raw = b""
        elif mut == "huge_numbers":
            big = draw(st.sampled_from([b"9" * 400, b"-" + b"9" * 400, b"9" * 5000, b"1e400", b"18446744073709551617"]))
            raw = re.sub(rb'(":\s*)-?\d+(\.\d+)?', lambda m: m.group(1) + big, raw, count=draw(st.integers(1, 20)))
    return src, raw, names


# ---------------------------------------------------------------- special paths

def make_special(kind: str, path: Path) -> None:
    """A FIFO, device node or socket inside the case's own folder (never a system file)."""
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "chardev":
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # same numbers as /dev/null
    elif kind == "socket":
        s = socket.socket(socket.AF_UNIX)
        try:
            s.bind(str(path))
        finally:
            s.close()
    elif kind == "dir":
        path.mkdir()


@st.composite
def odd_output(draw, d: Path, inputs: list[str]):
    """(-o value, kind) with the special file created."""
    kind = draw(st.sampled_from(["file", "file", "fifo", "chardev", "socket", "dir", "missing_dir", "under_file",
                                 "input", "link_to_input", "long_name", "empty", "dash", "existing", "link_fifo",
                                 "markup"]))
    p = d / "out.txt"
    if kind in ("fifo", "chardev", "socket", "dir"):
        make_special(kind, p)
    elif kind == "missing_dir":
        p = d / "nope" / "out.txt"
    elif kind == "under_file":
        (d / "plain").write_text("x")
        p = d / "plain" / "out.txt"
    elif kind == "input" and inputs:
        p = Path(inputs[0])
    elif kind == "link_to_input" and inputs:
        os.symlink(inputs[0], d / "link")
        p = d / "link"
    elif kind == "long_name":
        p = d / ("n" * 300)
    elif kind == "empty":
        return "", kind
    elif kind == "dash":
        return "-", kind
    elif kind == "existing":
        p.write_text("old\n")
        os.chmod(p, 0o640)
    elif kind == "link_fifo":
        os.mkfifo(d / "out-fifo")
        os.symlink(d / "out-fifo", p)
    elif kind == "markup":
        p = d / "[bold]out{x[/y]}.txt"
    return str(p), kind


def make_storage_files(d: Path) -> None:
    """The files the storage URL forms refer to."""
    con = sqlite3.connect(d / "foreign.db")
    con.execute("CREATE TABLE studies (id TEXT, owner BLOB)")
    con.execute("CREATE TABLE alembic_version (version_num INTEGER)")
    con.execute("INSERT INTO alembic_version VALUES (42)")
    con.commit()
    con.close()
    (d / "corrupt.db").write_bytes(b"SQLite format 3\0" + os.urandom(200))
    (d / "dir").mkdir(exist_ok=True)
    if not (d / "fifo").exists():
        os.mkfifo(d / "fifo")
    con = sqlite3.connect(d / "ro.db")
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()


def storage_url(form: str, d: Path) -> str:
    return form.replace("{d}", str(d)).replace("{s}", SECRET)
