"""Layer names: the model's own names survive, made-up names never take one, no layer is lost.

Real exports name nodes ``X``, ``X_1``, ``X_2`` (PyTorch scopes) or leave them empty (older
exporters, graph surgeons), and sometimes repeat a name; the importer makes up names for a Split's
slices, unnamed nodes and fused layers. A property test throws adversarial names at random graphs.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onnx import helper

from dla_advisor.graph import network_from_model
from dla_advisor.graph._names import LayerNames
from dla_advisor.layout import BuildConfig, predict
from dla_advisor.platforms import load_platform
from onnx_builder import full, model, net_of, vi

# Names that collide with what the importer (or TensorRT) would make up, plus empty, spaced,
# non-ASCII and markup-like ones.
ADVERSARIAL = ["", "", "S", "S_1", "S_0", "S_1_0", "X", "X_1", "X_2", "Split", "Split_1", "Split_0", "Relu_0",
               "Relu_3", "Conv_1", "layer", "layer_0", "c + r", "S + S_1", "copied_squeeze_after_S", "ß",
               "名前", "名前_1", "[bold]x[/bold]", " ", "/model.24/Split_1", "/model.24/Sigmoid_1"]
names = st.one_of(st.sampled_from(ADVERSARIAL), st.text(max_size=6))


@st.composite
def graphs(draw):
    """A random DAG of Conv/Relu/SiLU/Split/Add/Concat nodes in topological order."""
    tensors = {"x": 8}  # tensor -> channels (all 1 x C x 4 x 4)
    nodes, inits, n, heads = [], [], 0, []  # heads: [1, 3] outputs, read by nothing
    for _ in range(draw(st.integers(1, 12))):
        op = draw(st.sampled_from(["Conv", "Relu", "SiLU", "Split", "Add", "Concat", "Head"]))
        a = draw(st.sampled_from(sorted(tensors)))
        n += 1
        out = f"t{n}"
        if op == "Conv":
            c = tensors[a]
            inits.append(full(f"w{n}", (c, c, 1, 1)))
            nodes.append(helper.make_node("Conv", [a, f"w{n}"], [out], name=draw(names), kernel_shape=[1, 1]))
            tensors[out] = c
        elif op == "Relu":
            nodes.append(helper.make_node("Relu", [a], [out], name=draw(names)))
            tensors[out] = tensors[a]
        elif op == "SiLU":  # x * sigmoid(x): fused by the importer under a made-up "A + B" name
            nodes.append(helper.make_node("Sigmoid", [a], [f"{out}s"], name=draw(names)))
            nodes.append(helper.make_node("Mul", [a, f"{out}s"], [out], name=draw(names)))
            tensors[out] = tensors[a]
        elif op == "Head":  # GAP -> Flatten -> Gemm: the importer adds a made-up squeeze after the FC
            c = tensors[a]
            inits += [full(f"fw{n}", (3, c)), full(f"fb{n}", (3,))]
            nodes += [helper.make_node("GlobalAveragePool", [a], [f"{out}p"], name=draw(names)),
                      helper.make_node("Flatten", [f"{out}p"], [f"{out}f"], name=draw(names), axis=1),
                      helper.make_node("Gemm", [f"{out}f", f"fw{n}", f"fb{n}"], [out], name=draw(names), transB=1)]
            heads.append(out)
        elif op == "Split":
            c = tensors[a]
            if c % 2:
                continue
            nodes.append(helper.make_node("Split", [a], [f"{out}a", f"{out}b"], name=draw(names), axis=1))
            tensors[f"{out}a"] = tensors[f"{out}b"] = c // 2
        else:
            same = sorted(t for t in tensors if tensors[t] == tensors[a])
            b = draw(st.sampled_from(same))
            if op == "Add":
                nodes.append(helper.make_node("Add", [a, b], [out], name=draw(names)))
                tensors[out] = tensors[a]
            else:
                nodes.append(helper.make_node("Concat", [a, b], [out], name=draw(names), axis=1))
                tensors[out] = 2 * tensors[a]
    read = {i for node in nodes for i in node.input}
    outs = [t for t in tensors if t not in read and t != "x"] or ["x"]
    outputs = [vi(t, [1, tensors[t], 4, 4]) for t in outs] + [vi(t, [1, 3]) for t in heads]
    return model(nodes, [vi("x", [1, 8, 4, 4])], outputs, inits)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_made_up_names_never_take_a_model_name_and_no_layer_is_lost(model):
    net = network_from_model(model)
    model_names = Counter(n.name for n in model.graph.node if n.name)
    produced = Counter(t for layer in net for t in layer.outputs)
    # Every tensor has one writer, every graph output is written, and no layer was dropped: the
    # node outputs that are not fused away are all still written by some layer.
    assert all(c == 1 for c in produced.values())
    assert {o.name for o in model.graph.output} <= set(produced) | {"x"}
    # Layers come in an order where each reads only what earlier layers wrote.
    written = {"x"}
    for layer in net:
        assert set(layer.inputs) <= written, (layer.name, layer.inputs)
        written.update(layer.outputs)
    # A layer carrying a name the model gives a node is that node (or starts with it, fused; the FC
    # that absorbed its Flatten starts with the Flatten).
    for layer in net:
        if layer.name in model_names:
            assert layer.name == layer.onnx_nodes[0] or (
                layer.kind == "FullyConnected" and layer.name == layer.onnx_nodes[-1]), (layer.name, layer.onnx_nodes)
    # The layout (which checks the order again, by name) builds.
    layout = predict(net, load_platform("orin-trt10"), BuildConfig(precision="fp16"))
    assert {p.name for p in layout.placements} == set(net.layers)


def test_a_duplicate_name_keeps_the_first_node_and_numbers_the_second():
    nodes = [helper.make_node("Relu", ["x"], ["a"], name="r"), helper.make_node("Sigmoid", ["a"], ["b"], name="r"),
             helper.make_node("Relu", ["b"], ["y"], name="r_0")]
    net = net_of(nodes, [vi("x", [1, 8, 4, 4])], [vi("y", [1, 8, 4, 4])])
    # "r_0" belongs to the third node, so the second "r" skips it, as TensorRT's counter would.
    assert [(layer.name, layer.op) for layer in net] == [("r", "Relu"), ("r_1", "Sigmoid"), ("r_0", "Relu")]


def test_the_name_table_counts_across_bases_and_skips_reserved_names():
    t = LayerNames(["a", "a_0", "b"])
    assert t.own("a") == "a" and t.own("a") == "a_1"  # a_0 is reserved for the model's own node
    assert t.fresh("b") == "b_2" and t.fresh("c") == "c" and t.fresh("c") == "c_3"
    assert t.own("") == "layer" and t.own("") == "layer_4"
    assert t.own("a_0") == "a_0"
