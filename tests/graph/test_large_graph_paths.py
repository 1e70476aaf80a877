"""The importer and predictor paths that keep large networks linear give the same answers as before.

Each test pins a behaviour the rewrite for speed had to preserve (lazy ``Network.graph``, one name
object per tensor, fusion on layer objects, position-based partitioning, the collector hand-off).
"""

from __future__ import annotations

import gc

import networkx as nx
import pytest
from onnx import helper

from dla_advisor.errors import ModelLoadError
from dla_advisor.graph import Layer, Network, Tensor, build_graph, network_from_model
from dla_advisor.layout import DLA, GPU, BuildConfig, predict
from dla_advisor.platforms import load_platform
from onnx_builder import conv, model, net_of, vi


def _chain(pattern: str, c=8):
    """Conv (``c``) and Floor (``f``, GPU-only) layers in a chain, in the order of ``pattern``."""
    nodes, inits, x = [], [], "x"
    for i, op in enumerate(pattern):
        y = "y" if i == len(pattern) - 1 else f"t{i}"
        if op == "c":
            n, w = conv(f"c{i}", x, y, c, c)
            nodes.append(n)
            inits.append(w)
        else:
            nodes.append(helper.make_node("Floor", [x], [y], name=f"f{i}"))
        x = y
    return net_of(nodes, [vi("x", (1, c, 8, 8))], [vi("y", (1, c, 8, 8))], inits)


def test_network_graph_is_built_on_first_read_with_one_tensor_edge_per_pair():
    n0, w0 = conv("c0", "x", "a", 8, 8)
    add = helper.make_node("Add", ["a", "a"], ["b"], name="add")
    relu = helper.make_node("Relu", ["b"], ["y"], name="relu")
    net = net_of([n0, add, relu], [vi("x", (1, 8, 8, 8))], [vi("y", (1, 8, 8, 8))], [w0])
    assert net.__dict__.get("_graph") is None  # not built by the import
    g = net.graph
    assert net.graph is g
    assert list(g.nodes) == ["c0", "add", "relu"]
    assert list(g.edges(data="tensor")) == [("c0", "add", "a"), ("add", "relu", "b")]
    assert [p.name for p in net.predecessors("relu")] == ["add"]


def test_a_graph_given_to_network_is_kept_and_none_means_build_it():
    layers = {"r": Layer("r", "Activation", "Relu", ["x"], ["y"], {"activation": "RELU"}, ["r"])}
    tensors = {"x": Tensor("x", (1, 2)), "y": Tensor("y", (1, 2))}
    given = nx.DiGraph()
    assert Network("n", layers, tensors, ["x"], ["y"], given).graph is given
    built = Network("n", layers, tensors, ["x"], ["y"], None).graph
    assert list(built.nodes) == ["r"] and nx.utils.graphs_equal(built, build_graph(layers))


def test_every_layer_names_its_tensors_with_the_tensor_table_s_own_string():
    net = _chain("cfcc")
    keys = {id(k) for k in net.tensors}
    for layer in net:
        for t in (*layer.inputs, *layer.outputs):
            assert id(t) in keys, (layer.name, t)


def test_conv_whose_output_has_two_readers_keeps_its_relu_separate():
    n0, w0 = conv("c0", "x", "a", 8, 8)
    relu = helper.make_node("Relu", ["a"], ["r"], name="relu")
    sig = helper.make_node("Sigmoid", ["a"], ["s"], name="sig")
    add = helper.make_node("Add", ["r", "s"], ["y"], name="add")
    n1, w1 = conv("c1", "y", "z", 8, 8)
    relu1 = helper.make_node("Relu", ["z"], ["out"], name="relu1")
    net = net_of([n0, relu, sig, add, n1, relu1], [vi("x", (1, 8, 8, 8))], [vi("out", (1, 8, 8, 8))], [w0, w1])
    assert list(net.layers) == ["c0", "relu", "sig", "add", "c1 + relu1"]
    assert net.layers["c1 + relu1"].outputs == ["out"] and net.layers["c1 + relu1"].fused == ["Relu"]


def test_sigmoid_times_itself_is_not_a_silu():
    sig = helper.make_node("Sigmoid", ["x"], ["s"], name="sig")
    mul = helper.make_node("Mul", ["s", "s"], ["y"], name="mul")
    net = net_of([sig, mul], [vi("x", (1, 8, 8, 8))], [vi("y", (1, 8, 8, 8))])
    assert list(net.layers) == ["sig", "mul"]
    assert net.layers["sig"].attrs["activation"] == "SIGMOID"


def test_swish_fuses_into_one_silu_layer():
    sig = helper.make_node("Sigmoid", ["x"], ["s"], name="sig")
    mul = helper.make_node("Mul", ["x", "s"], ["y"], name="mul")
    net = net_of([sig, mul], [vi("x", (1, 8, 8, 8))], [vi("y", (1, 8, 8, 8))])
    assert list(net.layers) == ["sig + mul"]
    layer = net.layers["sig + mul"]
    assert (layer.op, layer.attrs["activation"], layer.inputs, layer.outputs) == ("SiLU", "SILU", ["x"], ["y"])


def test_loadables_past_the_limit_are_numbered_by_their_place_in_the_engine():
    net = _chain("cf" * 18 + "c")  # 19 DLA islands between 18 GPU Floors
    layout = predict(net, load_platform("orin-trt10"), BuildConfig(precision="int8"))
    assert len(layout.dla_loadables) == 16
    moved = [p for p in layout.placements if any(r.id == "loadable-limit" for r in p.reasons)]
    assert [p.name for p in moved] == ["c32", "c34", "c36"]
    assert [next(r.message for r in p.reasons if r.id == "loadable-limit").split(" exceeds")[0] for p in moved] == [
        "DLA loadable 17", "DLA loadable 18", "DLA loadable 19"]
    # The moved convolutions join the GPU run around them: one GPU segment from f31 to the end.
    assert layout.segments[-1].device == GPU and layout.segments[-1].layers == tuple(
        f"{'c' if i % 2 == 0 else 'f'}{i}" for i in range(31, 37))


def test_segments_follow_dependencies_when_the_node_list_is_not_in_order():
    relu2 = helper.make_node("Relu", ["b"], ["y"], name="second")
    relu1 = helper.make_node("Relu", ["x"], ["b"], name="first")
    m = model([relu2, relu1], [vi("x", (1, 8, 8, 8))], [vi("y", (1, 8, 8, 8))])
    net = network_from_model(m)
    # TensorRT's parser sorts the nodes topologically; so does the importer (the caller's model is untouched).
    assert list(net.layers) == ["first", "second"]
    assert [n.name for n in m.graph.node] == ["second", "first"]
    gpu_only = predict(net, load_platform(None), BuildConfig(precision="int8", use_dla=False))
    assert [s.layers for s in gpu_only.segments] == [("first", "second")]
    dla = predict(net, load_platform(None), BuildConfig(precision="int8"))
    assert [s.layers for s in dla.segments] == [("first", "second")]


def test_a_cyclic_graph_is_a_model_load_error():
    a = helper.make_node("Relu", ["x", "c"], ["b"], name="a")
    b = helper.make_node("Add", ["b", "x"], ["c"], name="b")
    with pytest.raises(ModelLoadError, match="cycle"):
        net_of([a, b], [vi("x", (1, 8, 8, 8))], [vi("c", (1, 8, 8, 8))])


def test_reformats_only_where_the_device_changes_and_at_the_network_edges():
    net = _chain("ccfcc")
    layout = predict(net, load_platform("orin-trt10"), BuildConfig(precision="int8"))
    assert [(s.device, s.layers) for s in layout.segments] == [
        (DLA, ("c0", "c1")), (GPU, ("f2",)), (DLA, ("c3", "c4"))]
    assert [(r.location, r.tensor, r.producer, r.consumer) for r in layout.reformats] == [
        ("network_input", "x", "", "c0"), ("dla_to_gpu", "t1", "c1", "f2"), ("gpu_to_dla", "t2", "f2", "c3"),
        ("network_output", "y", "c4", "")]


def test_import_leaves_its_result_out_of_the_young_generations():
    net_model = model([helper.make_node("Relu", ["x"], ["y"], name="relu")], [vi("x", (1, 8))], [vi("y", (1, 8))])
    gc.collect()
    net = network_from_model(net_model)
    young = {id(o) for o in gc.get_objects(generation=0)} | {id(o) for o in gc.get_objects(generation=1)}
    assert id(net) not in young and id(net.layers["relu"]) not in young
    assert id(net) in {id(o) for o in gc.get_objects(generation=2)}


def test_a_caller_s_frozen_objects_stay_frozen():
    net_model = model([helper.make_node("Relu", ["x"], ["y"], name="relu")], [vi("x", (1, 8))], [vi("y", (1, 8))])
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        net = network_from_model(net_model)
        assert gc.get_freeze_count() == frozen and gc.isenabled()
        assert list(net.layers) == ["relu"]
    finally:
        gc.unfreeze()


def test_a_layer_named_like_a_split_output_keeps_its_name_and_the_slice_gets_another():
    split = helper.make_node("Split", ["x"], ["a", "b"], name="S", axis=1)
    relu_a = helper.make_node("Relu", ["a"], ["ra"], name="S_1")  # the name a Split's second slice would get
    relu_b = helper.make_node("Relu", ["b"], ["rb"], name="rb")
    add = helper.make_node("Add", ["ra", "rb"], ["y"], name="add")
    net = net_of([split, relu_a, relu_b, add], [vi("x", (1, 8, 4, 4))], [vi("y", (1, 4, 4, 4))])
    # The model's own name wins; the slice takes a name nobody uses, and no layer is lost.
    assert list(net.layers) == ["S", "S_1_0", "S_1", "rb", "add"]
    assert net.layers["S_1"].op == "Relu" and net.layers["S_1"].inputs == ["a"]
    assert net.layers["S_1_0"].op == "Split" and net.layers["S_1_0"].outputs == ["b"]
    assert list(net.tensors) == ["x", "a", "b", "ra", "rb", "y"]


def _layers_and_tensors(net):
    return ([(l.name, l.kind, l.op, l.inputs, l.outputs, l.attrs, l.onnx_nodes, l.fused) for l in net],
            [(t.name, t.shape, t.dtype) for t in net.tensors.values()])


@pytest.mark.parametrize("name", ["cifar_bn", "cifar_gn"])
def test_fusing_during_the_backward_sweep_matches_the_forward_passes(name, make_models, monkeypatch):
    from dla_advisor.graph import _onnx_import

    model = make_models.MODELS[name]()
    backward = network_from_model(model)
    real_fuse = _onnx_import.fuse
    monkeypatch.setattr(_onnx_import, "fuse", lambda layers, tensors, outputs, in_order, names: real_fuse(
        layers, tensors, outputs, False, names))
    forward = network_from_model(model)
    assert _layers_and_tensors(backward) == _layers_and_tensors(forward)
    assert any(l.fused for l in backward)  # the comparison covers real fusions
    if name == "cifar_gn":
        assert any(l.op == "GroupNorm" for l in backward)


def test_swish_and_conv_relu_fuse_alike_in_both_sweeps(monkeypatch):
    from dla_advisor.graph import _onnx_import

    n0, w0 = conv("c0", "x", "a", 8, 8)
    nodes = [n0, helper.make_node("Relu", ["a"], ["r"], name="relu"),
             helper.make_node("Sigmoid", ["r"], ["s"], name="sig"), helper.make_node("Mul", ["r", "s"], ["y"], name="mul")]
    m = model(nodes, [vi("x", (1, 8, 8, 8))], [vi("y", (1, 8, 8, 8))], [w0])
    backward = network_from_model(m)
    real_fuse = _onnx_import.fuse
    monkeypatch.setattr(_onnx_import, "fuse", lambda layers, tensors, outputs, in_order, names: real_fuse(
        layers, tensors, outputs, False, names))
    assert _layers_and_tensors(network_from_model(m)) == _layers_and_tensors(backward)
    assert list(backward.layers) == ["c0 + relu", "sig + mul"]


def test_a_relu_listed_before_its_convolution_still_fuses_with_it():
    n0, w0 = conv("c0", "x", "a", 8, 8)
    relu = helper.make_node("Relu", ["a"], ["y"], name="relu")
    net = net_of([relu, n0], [vi("x", (1, 8, 8, 8))], [vi("y", (1, 8, 8, 8))], [w0])
    assert list(net.layers) == ["c0 + relu"]
    assert net.layers["c0 + relu"].outputs == ["y"] and net.layers["c0 + relu"].fused == ["Relu"]
