"""compare(): matching ONNX names through fused names, brace lists and ForeignNode ranges."""

from __future__ import annotations

from dla_advisor.artifacts import compare
from dla_advisor.layout import EngineLayout, LayerPlacement, segments_from_placements


def _layout(source, rows):
    ps = [LayerPlacement(n, "Convolution", d, (), nodes, seg) for n, d, nodes, seg in rows]
    return EngineLayout(source, tuple(ps), tuple(segments_from_placements(ps)))


PRED = _layout("predicted", [
    ("Conv_0", "DLA", ("Conv_0", "Relu_1"), 0), ("Conv_2", "DLA", ("Conv_2",), 0), ("Relu_7", "DLA", ("Relu_7",), 0),
    ("GlobalAveragePool_8", "GPU", ("GlobalAveragePool_8",), None), ("Gemm_15", "DLA", ("Gemm_15",), 2)])


def test_foreign_node_range_expands_in_predicted_order():
    measured = _layout("measured from x", [
        ("{ForeignNode[Conv_0...Relu_7]}", "DLA", ("Conv_0", "Relu_7"), 0),
        ("GlobalAveragePool_8", "GPU", ("GlobalAveragePool_8",), None),
        ("Gemm_15 + linear.bias", "GPU", ("Gemm_15", "linear.bias"), None)])
    d = compare(PRED, measured)
    assert [(x.layer, x.measured_device) for x in d.layers] == [
        ("Conv_0", "DLA"), ("Conv_2", "DLA"), ("Relu_7", "DLA"), ("GlobalAveragePool_8", "GPU"), ("Gemm_15", "GPU")]
    assert [x.layer for x in d.wrong] == ["Gemm_15"]
    assert (d.predicted_loadables, d.measured_loadables) == (2, 1)
    assert d.matches is False


def test_brace_list_and_fused_names_match():
    measured = _layout("measured from x", [
        ("{Conv_0,Relu_1,Conv_2,Relu_7}", "DLA", ("Conv_0", "Relu_1", "Conv_2", "Relu_7"), 0),
        ("GlobalAveragePool_8", "GPU", ("GlobalAveragePool_8",), None),
        ("{Gemm_15}", "DLA", ("Gemm_15",), 2)])
    d = compare(PRED, measured)
    assert d.wrong == () and d.matches is True
    assert d.measured_loadables == 2


def test_fallback_only_layouts_compare_what_they_name():
    measured = EngineLayout("measured from x", (LayerPlacement("Conv_2", "", "GPU"),), (),
                            notes=("The artifacts list only the layers TensorRT moved to the GPU; layers that stayed on DLA are not named.",))
    d = compare(PRED, measured)
    assert [x.layer for x in d.wrong] == ["Conv_2"]
    assert len(d.unknown) == 4
    assert d.measured_loadables is None and d.measured_reformats is None


def test_myelin_generated_names_match_their_onnx_node():
    # TensorRT 10 layer info (corpus: layerinfo_gpu_trt10_mobilenet_v2_fp16_detailed.json) names the layer Myelin
    # made for ONNX node "/classifier/classifier.1/Gemm" as "/classifier/classifier_1/Gemm_myl55_1".
    from dla_advisor.artifacts._names import members

    assert members("/classifier/classifier_1/Gemm_myl55_1")[0] == ("/classifier/classifier_1/Gemm",)
    pred = _layout("predicted", [("/classifier/classifier.1/Gemm", "DLA", ("/classifier/classifier.1/Gemm",), 0)])
    measured = _layout("measured from x", [("/classifier/classifier_1/Gemm_myl55_1", "GPU",
                                            members("/classifier/classifier_1/Gemm_myl55_1")[0], None)])
    d = compare(pred, measured, {"dla_loadables": 0, "reformats": 0})
    assert [(x.layer, x.measured_device) for x in d.layers] == [("/classifier/classifier.1/Gemm", "GPU")]
    assert d.measured_loadables == 0 and any("without DLA layers" in n for n in d.notes)
