"""Models onnx's C++ shape inference or the op mapping would choke on are ModelLoadErrors at import.

Each case is run in a subprocess too where onnx used to abort the process (exit 134) instead of raising.
"""

from __future__ import annotations

import json
import subprocess
import sys

import onnx
import pytest
from onnx import AttributeProto, TensorProto, helper

from dla_advisor.errors import ModelLoadError
from dla_advisor.graph import load_network, network_from_model
from onnx_builder import full, model, vi
from support import run_cli


def _conv_model(**conv_attrs):
    attrs = {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], **conv_attrs}
    conv = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", **attrs)
    relu = helper.make_node("Relu", ["y"], ["z"], name="relu")
    return model([conv, relu], [vi("x", [1, 3, 8, 8])], [vi("z", None)], [full("w", (4, 3, 3, 3), 0.0)], name="v")


def _attr(name, kind, value):
    a = AttributeProto()
    a.name, a.type = name, kind
    if kind == AttributeProto.INTS:
        a.ints.extend(value)
    elif kind == AttributeProto.STRING:
        a.s = value
    elif kind == AttributeProto.FLOAT:
        a.f = value
    elif kind == AttributeProto.INT:
        a.i = value
    return a


def _typed_mismatch(m):
    t = helper.make_tensor("w", TensorProto.FLOAT, [4, 3, 3, 3], [0.0] * 108)  # values in float_data
    t.data_type = TensorProto.INT64  # ... but the type says int64_data
    m.graph.initializer[0].CopyFrom(t)


def _with(m, fn):
    fn(m)
    return m


CASES = {
    "group as a list": (lambda m: m.graph.node[0].attribute.append(_attr("group", AttributeProto.INTS, [1, 2])),
                        "attribute 'group' is a list of ints; Conv (opset 13) takes an int"),
    "group as a string": (lambda m: m.graph.node[0].attribute.append(_attr("group", AttributeProto.STRING, b"2")),
                          "takes an int"),
    "strides as floats": (lambda m: m.graph.node[0].attribute.append(_attr("strides", AttributeProto.FLOAT, 1.0)),
                          "attribute 'strides' is a float"),
    "group zero": (lambda m: m.graph.node[0].attribute.append(_attr("group", AttributeProto.INT, 0)),
                   "attribute 'group' is 0, outside"),
    "huge kernel": (lambda m: m.graph.node[0].attribute[0].ints.__setitem__(0, 2**40), "attribute 'kernel_shape' is"),
    "negative input dim": (lambda m: m.graph.input[0].type.tensor_type.shape.dim[2].__setattr__("dim_value", -5),
                           "negative dimension"),
    "negative initializer dim": (lambda m: m.graph.initializer[0].dims.__setitem__(0, -4), "negative dimension"),
    "2**31 dim": (lambda m: m.graph.input[0].type.tensor_type.shape.dim[3].__setattr__("dim_value", 2**31),
                  "over TensorRT's limit"),
    "undefined input type": (lambda m: m.graph.input[0].type.tensor_type.__setattr__("elem_type", 0),
                             "undefined data type"),
    "unknown initializer type": (lambda m: m.graph.initializer[0].__setattr__("data_type", 999),
                                 "unknown (999) data type"),
    "missing initializer": (lambda m: m.graph.ClearField("initializer"), "reads 'w', which no node"),
    "tensor written twice": (lambda m: m.graph.node[1].output.__setitem__(0, "y"), "tensor 'y' is written twice"),
    "initializer declared twice": (lambda m: m.graph.initializer.append(m.graph.initializer[0]), "declared twice"),
    "cycle": (lambda m: m.graph.node[0].input.__setitem__(0, "z"), "cycle"),
    "self loop": (lambda m: m.graph.node[1].input.__setitem__(0, "z"), "its own output"),
    "kernel_shape against weights": (lambda m: m.graph.node[0].attribute[0].ints.__setitem__(0, 2**31 - 1),
                                     "kernel_shape [2147483647, 3] does not match the weights' [3, 3]"),
    "strides per axis": (lambda m: m.graph.node[0].attribute.append(_attr("strides", AttributeProto.INTS, [1, 1, 1])),
                         "strides has 3 values; a 2-D window takes 2"),
    "raw data of the wrong size": (lambda m: m.graph.initializer[0].__setattr__("raw_data", b"\0" * 12),
                                   "holds 12 bytes; its dims [4, 3, 3, 3] and type need 432"),
    "values in another type's field": (_typed_mismatch,
                                       "do not fit its dims"),
    "pads per axis": (lambda m: m.graph.node[0].attribute[1].ints.__delitem__(slice(None)),
                      "pads has 0 values; a 2-D window takes 4"),
    "rank 9": (lambda m: [m.graph.input[0].type.tensor_type.shape.dim.add().__setattr__("dim_value", 1)
                          for _ in range(5)], "at most 8"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_invalid_models_are_load_errors(case):
    mutate, words = CASES[case]
    with pytest.raises(ModelLoadError, match=None) as e:
        network_from_model(_with(_conv_model(), mutate))
    assert words in e.value.one_line(), e.value.one_line()


@pytest.mark.parametrize("axis", [4, -5, 2**40])
def test_axis_out_of_range_is_a_load_error(axis):
    m = _conv_model()
    m.graph.node.append(helper.make_node("Softmax", ["z"], ["s"], name="sm", axis=axis))
    m.graph.output[0].name = "s"
    with pytest.raises(ModelLoadError, match="axis .* out of range for a rank-4 tensor"):
        network_from_model(m)


def test_unknown_op_and_domain_are_plugins_on_the_gpu():
    m = _conv_model()
    m.graph.node[1].op_type = "MyRelu"
    net = network_from_model(m)
    assert net.layers["relu"].kind == "Plugin"
    m.graph.node[1].op_type, m.graph.node[1].domain = "Relu", "com.example"
    m.opset_import.append(helper.make_opsetid("com.example", 1))
    assert network_from_model(m).layers["relu"].kind == "Plugin"


def test_the_callers_model_is_not_changed_and_valid_models_load(tmp_path):
    m = _conv_model()
    before = m.SerializeToString()
    net = network_from_model(m)
    assert m.SerializeToString() == before and list(net.layers)


# One interpreter runs every case (an abort in one still fails its test: the cases after it are missing);
# each case's exit status and stderr come back as one JSON line.
_SUBPROCESS = """
import contextlib, io, json, sys
from dla_advisor.cli import main
for where, path in zip(sys.argv[1::2], sys.argv[2::2]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(["advise", path])
    print(json.dumps({"where": where, "rc": rc, "stderr": err.getvalue()}), flush=True)
"""
NEGATIVE_AT = ["input", "initializer", "output", "value_info"]


@pytest.fixture(scope="module")
def negative_dimension_runs(tmp_path_factory):
    args = []
    for where in NEGATIVE_AT:
        m = _conv_model()
        if where == "input":
            m.graph.input[0].type.tensor_type.shape.dim[0].dim_value = -1
        elif where == "initializer":
            m.graph.initializer[0].dims[1] = -3
        elif where == "output":
            m.graph.output[0].type.tensor_type.shape.dim.add().dim_value = -2
        else:
            m.graph.value_info.append(vi("y", [1, -4, 8, 8]))
        path = tmp_path_factory.mktemp("neg") / f"{where}.onnx"
        onnx.save(m, path)
        args += [where, str(path)]
    out = subprocess.run([sys.executable, "-c", _SUBPROCESS, *args], capture_output=True, text=True, timeout=120)
    runs = {r["where"]: r for r in map(json.loads, out.stdout.splitlines())}
    return runs, out


@pytest.mark.parametrize("where", NEGATIVE_AT)
def test_a_negative_dimension_never_reaches_onnx_shape_inference(negative_dimension_runs, where):
    runs, proc = negative_dimension_runs
    assert where in runs, f"the process ended (exit {proc.returncode}) before this case: {proc.stderr[-500:]}"
    run = runs[where]
    assert run["rc"] == 2, run["stderr"][-500:]
    assert run["stderr"].count("\n") == 1 and "negative dimension" in run["stderr"]


@pytest.mark.parametrize("cut", [1, 17, 100, -1])
def test_truncated_model_files_are_load_errors(tmp_path, capsys, cut):
    data = _conv_model().SerializeToString()
    path = tmp_path / "cut.onnx"
    path.write_bytes(data[:cut] if cut > 0 else data[:len(data) + cut])
    rc, _, err = run_cli(capsys, "advise", path)
    assert rc == 2
    assert err.startswith("error: ")


def test_load_network_reads_a_valid_file(tmp_path):
    path = tmp_path / "ok.onnx"
    onnx.save(_conv_model(), path)
    assert "conv" in " ".join(load_network(path).layers)


def test_a_name_with_a_line_break_stays_one_error_line(tmp_path, capsys):
    m = _conv_model()
    m.graph.node[1].name = "relu\nsecond line\x1b[31m"
    m.graph.node[1].input[0] = "missing"
    path = tmp_path / "nl.onnx"
    onnx.save(m, path)
    rc, _, err = run_cli(capsys, "advise", path)
    assert rc == 2
    assert len(err.splitlines()) == 1 and "relu\\nsecond line\\x1b[31m" in err


def test_weight_free_skeletons_still_load():
    m = _conv_model()
    for t in m.graph.initializer:
        t.ClearField("raw_data")
        t.ClearField("float_data")
    assert "conv" in " ".join(network_from_model(m).layers)
