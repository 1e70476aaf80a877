"""Every corpus file, with the counts read off each file by hand (grep), not from the parser.

Columns: DLA loadables, GPU layers, reformats by kind, throughput (qps) where the file states it.
"""

from __future__ import annotations

import pytest

from dla_advisor.artifacts import read

from support import corpus_file, corpus_files

C = "copy_node"
R7 = "trt7_reformatter"
# A placement section ([DlaLayer]/[GpuLayer]) is printed before TensorRT picks formats: it shows the Reformat
# layers it names (a network input's CopyNode), and no count where it names none.
NONE = None  # the artifact does not show this count: the reader must say null, not 0
EXPECTED = {
    # file: (loadables, gpu_layers, {reformat kind: n} or NONE, throughput)
    # Fallback warnings alone name GPU layers, never the loadables or the Reformat layers.
    "app_xavier_trt5or6_yolov3_caffe_dla_fallback_warnings_excerpt.log": (NONE, 13, NONE, None),
    # The excerpt ends on the "Layers running on DLA:" header: the list itself is not in it.
    "deepstream_xavier_trt7.1_yolo_dla_subgraph_limit_excerpt.log": (NONE, 12, NONE, None),
    # 6 fallback lines plus leaky_6, whose reason line is the last line of the excerpt.
    "deepstream_xavier_trt7.1_yolo_dla_unsupported_leaky_excerpt.log": (NONE, 7, NONE, None),
    "exportprofile_gpu_a100_resnet50_qat.json": (0, 34, {C: 3}, None),
    "exportprofile_gpu_detr_r50_int8_myelin.json": (0, 593, {C: 247}, None),
    "exportprofile_xavier_trt7.1_googlenet_dla_extra_output.json": (1, 1, {"to_nvm": 1, "from_nvm": 1, R7: 1}, None),
    "exportprofile_xavier_trt7.1_googlenet_dla_fallback_prob.json": (1, 1, {"to_nvm": 1, R7: 1}, None),
    "exportprofile_xavier_trt7.1_googlenet_gpu_only.json": (0, 66, {R7: 18}, None),
    "exportprofile_xavier_trt7.1_googlenet_gpu_then_dla_split.json": (1, 20, {R7: 9}, None),
    # 12 LayerType Reformat (10 QuantizeLinear_*, 2 CopyNodes); the NoOp CopyNode is elided.
    "layerinfo_gpu_a100_resnet50_qat_detailed.json": (0, 24, {"qdq": 10, C: 2}, None),
    "layerinfo_gpu_detr_r50_int8_namesonly.json": (0, 593, {C: 247}, None),
    # Concat_4, Constant_12_output_0, (Unnamed Layer* 388) [Shuffle], Concat_5, attn/Reshape (named twice).
    "python_api_orin_trt_yolo11_dla_validation_split_excerpt.log": (NONE, 5, NONE, None),
    "sample_nmt_trt8.x_dla_no_layer_can_run_excerpt.log": (NONE, 9, NONE, None),
    "trtexec_gpu_trt10_resnet50_dumpprofile_newcolumns_excerpt.log": (0, 5, {C: 1}, None),
    "trtexec_jetson_trt8.5plus_yolov5_dla_unsupported_switching_excerpt.log": (NONE, 9, NONE, None),
    "trtexec_orin_hrnet_dla_perf_summary_excerpt_issue2426.log": (NONE, NONE, NONE, 0.406047),
    # Non-verbose TensorRT 10 log: no placement section, so the loadables are not shown; built with
    # --useDLACore and no --allowGPUFallback, and it PASSED, so no layer is on the GPU.
    "trtexec_orin_trt10.3_yolo11n_dla_only_fp16.log": (NONE, 0, NONE, 36.9222),
    # No --useDLACore on the command line: no DLA loadable; the GPU layers are not listed.
    "trtexec_orin_trt10.3_yolo11n_gpu_fp16.log": (0, NONE, NONE, 286.781),
    "trtexec_orin_trt8.4_cifar_model_bn_dla_placement_excerpt.log": (2, 2, NONE, 649.723),
    "trtexec_orin_trt8.4_cifar_model_gn_dla_placement_excerpt.log": (5, 6, NONE, 305.926),
    "trtexec_orin_trt8.4_gpu_myelin_foreignnode_verbose_crash.log": (0, 1, NONE, None),
    # The excerpt alone does not say whether its {ForeignNode} ran on DLA or is a GPU Myelin node.
    "trtexec_orin_trt8.5_googlenet_dla_dumpprofile_excerpt.log": (NONE, NONE, {C: 2}, None),
    "trtexec_orin_yolo_dla_dumpprofile_nvm_excerpt_issue3143.log": (1, 0, {"to_nvm": 1, "from_nvm": 3}, None),
    "trtexec_xavier_trt7.1_googlenet_dla_dumpprofile_excerpt.log": (1, 1, {"to_nvm": 1, R7: 1}, None),
    # The GPU header is the last line: the GPU list is cut off.
    "trtexec_xavier_trt7.1_yolov4_mish_dla_subgraph_list_excerpt.log": (8, NONE, NONE, None),
    # --- batch 1 of the growth (counted by grep on each file; see FIRST_READ.md) ---
    # GPU profiles and layer lists: profile rows = GPU layers + CopyNode rows; layer info = GPU layers +
    # LayerType Reformat + NoOp CopyNodes (elided, not counted).
    "exportprofile_gpu_a100_resnet50_fp16.json": (0, 24, {C: 12}, None),
    "exportprofile_gpu_a100_resnet50_fp32.json": (0, 24, {C: 8}, None),
    "exportprofile_gpu_a100_resnet50_qat-residual-qgap.json": (0, 24, {}, None),
    "exportprofile_gpu_a100_resnet50_qat-residual.json": (0, 26, {}, None),
    "exportprofile_gpu_rtx3090_tf_resnet50_fp16.json": (0, 60, {C: 26}, None),
    "exportprofile_gpu_rtx3090_tf_resnet50_fp32.json": (0, 60, {C: 43}, None),
    "exportprofile_gpu_rtx3090_tf_resnet50_qat.json": (0, 62, {C: 1}, None),
    "exportprofile_gpu_trt10_alexnet_fp16.json": (0, 13, {C: 1}, None),
    "exportprofile_gpu_trt10_mobilenet_v2_fp16.json": (0, 55, {C: 2}, None),
    "exportprofile_gpu_trt10_resnet18_fp16.json": (0, 24, {C: 2}, None),
    "layerinfo_gpu_a100_resnet50_fp16_detailed.json": (0, 24, {C: 2}, None),
    "layerinfo_gpu_a100_resnet50_fp32_detailed.json": (0, 24, {C: 1}, None),
    "layerinfo_gpu_a100_resnet50_qat-residual-qgap_detailed.json": (0, 23, {"qdq": 1}, None),
    "layerinfo_gpu_a100_resnet50_qat-residual_detailed.json": (0, 23, {"qdq": 3}, None),
    "layerinfo_gpu_rtx3090_tf_resnet50_fp16_detailed.json": (0, 60, {C: 2}, None),
    "layerinfo_gpu_rtx3090_tf_resnet50_fp32_detailed.json": (0, 60, {C: 13}, None),
    "layerinfo_gpu_rtx3090_tf_resnet50_qat_detailed.json": (0, 61, {"qdq": 1, C: 1}, None),
    "layerinfo_gpu_trt10_alexnet_fp16_detailed.json": (0, 13, {C: 1}, None),
    "layerinfo_gpu_trt10_mobilenet_v2_fp16_detailed.json": (0, 55, {C: 1}, None),
    "layerinfo_gpu_trt10_resnet18_fp16_detailed.json": (0, 24, {C: 1}, None),
    # TensorRT 7.1 Xavier profiles: rows = DLA subgraph + GPU layers + reformatters + nvm + "finish" syncs.
    "exportprofile_xavier_trt7.1_googlenet_dla_mark_at_124.json": (1, 1, {"to_nvm": 1, "from_nvm": 1, R7: 1}, None),
    "exportprofile_xavier_trt7.1_googlenet_dla_mark_at_53.json": (1, 1, {"to_nvm": 1, "from_nvm": 1, R7: 1}, None),
    "exportprofile_xavier_trt7.1_googlenet_dla_transition_at_10.json": (1, 8, {R7: 6}, None),
    "exportprofile_xavier_trt7.1_googlenet_gpu_mark_at_67.json": (0, 67, {R7: 18}, None),
    "exportprofile_xavier_trt7.1_googlenet_gpu_transition_at_0.json": (0, 67, {R7: 20}, None),
    "exportprofile_xavier_trt7.1_googlenet_gpu_transition_at_95.json": (1, 45, {R7: 17}, None),
    # Throughput from the trace: 1 000 inferences over the span of their timestamps.
    "exporttimes_gpu_rtx3090_tf_resnet50_fp32.json": (NONE, NONE, NONE, pytest.approx(81.7568, rel=1e-4)),
    "python_api_orin_trt8.5_yolo_dla_unsupported_excerpt_issue23488.log": (NONE, 7, NONE, None),
    "python_api_orin_trt8.6_yolov8m_dla_unsupported_excerpt_pr16449a.log": (NONE, 4, NONE, None),
    "python_api_orin_trt8.6_yolov8m_dla_unsupported_excerpt_pr16449b.log": (NONE, 8, NONE, None),
    # TensorRT 7 Python logger; the brace list wraps over 8 lines: 8 complete groups, no GPU header.
    "python_api_xavier_nx_trt7.1_yolov4_dla_brace_list_wrapped_excerpt_issue200.log": (8, NONE, NONE, None),
    # The GPU list under its header is elided ("…(omit messages)").
    "sample_cudla_trt8.5plus_readme_dla_placement_omit_excerpt.log": (1, NONE, NONE, None),
    "trtexec_gpu_trt8.5_identity_plugin_verbose.log": (0, 1, {}, 74.8273),
    # 25 profile rows: QuantizeLinear_2 is a Reformat (Q/DQ) by its Engine Layer Information type.
    "trtexec_gpu_trt8.5_resnet18_qat_verbose_dumpprofile.log": (0, 24, {"qdq": 1}, 7329.45),
    "trtexec_orin_trt10.3_resnet50_dla_offloaded_verbose_excerpt.log": (2, 2, NONE, None),
    # 7 fallback lines (the last reason line's layer counts too: the excerpt ends before its fallback line).
    "trtexec_xavier_trt7.x_shufflenet_tf_dla_repeated_timestamps_excerpt.log": (NONE, 6, NONE, None),
    # --- batch 2 ---
    "exportprofile_xavier_trt7.1_googlenet_dla_mark_at_24.json": (1, 1, {"to_nvm": 1, "from_nvm": 1, R7: 1}, None),
    "exportprofile_xavier_trt7.1_googlenet_dla_mark_at_95.json": (1, 1, {"to_nvm": 1, "from_nvm": 1, R7: 1}, None),
    "exportprofile_xavier_trt7.1_googlenet_gpu_mark_at_10.json": (0, 67, {R7: 20}, None),
    "exportprofile_xavier_trt7.1_googlenet_gpu_transition_at_124.json": (1, 58, {R7: 19}, None),
    "app_xavier_trt5or6_yolov3_caffe_dla_subgraph_limit_excerpt.log": (NONE, 14, NONE, None),
    # The "..." after the GPU list: the two GPU layers shown are what the paste shows.
    "trtexec_orin_trt8.6_cifar_model_bn_dla_placement_elided_excerpt.log": (2, 2, NONE, 1663.19),
    "trtexec_xavier_trt8.2_vgg19_caffe_dla_placement_shell_comment_excerpt.log": (2, 3, NONE, None),
    # First of two builds (test_two_builds_in_one_paste checks the second).
    "trtexec_xavier_trt8.2_two_builds_dla_placement_shell_script_excerpt.log": (1, 2, NONE, None),
    # Myelin ForeignNode on a discrete GPU without any DLA sign: loadables and GPU split not shown.
    "trtexec_gpu_trt8.6_clip_uvit_myelin_two_profiles_newcolumns_excerpt.log": (NONE, NONE, {C: 1}, None),
    # No --useDLACore on the RUNNING line: no DLA loadable.
    "trtexec_orin_nx_trt10.16_tinyyolov2_gpu_skipinference_header_excerpt.log": (0, NONE, NONE, None),
    "trtexec_gpu_trt7.x_1080ti_old_gpu_compute_block_excerpt_issue1221.log": (NONE, NONE, NONE, None),
    # Layer(Myelin) says which device ran the ForeignNode.
    "trtexec_gpu_t4_trt8.2_swin_fp16_engine_layer_information_myelin_excerpt.log": (0, 2, {C: 2}, None),
    "trtexec_gpu_trt8.6_yolov8_qdq_myelin_placement_no_dla_excerpt.log": (0, 6, NONE, None),
    "python_api_jetson_trt8.6_yolo11n_gpu_placement_annotated_korean_excerpt.log": (0, 11, NONE, None),
    "trtexec_gpu_trt8.6_culane_resnet18_gpu_placement_no_type_excerpt.log": (0, 9, NONE, None),
    # 9 header-less rows (8 layers + 1 CopyNode); --loadEngine says nothing of DLA, so the ForeignNode is unsettled.
    "trtexec_orin_trt8.5_lprnet_dumpprofile_headerless_rows_two_runs_excerpt.log": (NONE, NONE, {C: 1}, None),
    # Two NoOp layers: the CopyNode is elided, the reshape runs on the GPU.
    "polygraphy_inspect_model_engine_rtdetr_layers_excerpt_issue3679.log": (0, 1, {}, None),
    "trtexec_gpu_trt10_perf_summary_excerpt_issue4177.log": (NONE, NONE, NONE, 130.298),
    "trtexec_gpu_trt8.x_rapidflow_perf_summary_excerpt_ptlflow65.log": (NONE, NONE, NONE, 32.7261),
    "trtexec_gpu_trt8.4.1_perf_summary_excerpt_issue2158.log": (NONE, NONE, NONE, 827.176),
    "trtexec_gpu_trt8.2_resnet_int8_dumpprofile_wide_names_excerpt_issue1862.log": (0, 3, {C: 1}, None),
    # --- batch 3: pasted JSON ---
    "exportprofile_gpu_detr_r50_int8_pasted_rows_excerpt.json": (0, 3, {C: 3}, None),
    "layerinfo_gpu_trt10_resnet18_fp16_pasted_records_cut_excerpt.json": (0, 2, {}, None),
    # --- batch 4 --- 9 [GpuLayer] lines: the network-input CopyNode is a reformat, the Slice output copy is not.
    "python_api_trt8.x_yolox_gpu_placement_network_input_copynode_excerpt.log": (0, 8, {C: 1}, None),
}

GPU_NAMES = {
    "app_xavier_trt5or6_yolov3_caffe_dla_fallback_warnings_excerpt.log": [
        "layer74-act", "layer76-act", "layer77-act", "layer78-act", "layer79-act", "layer80-act", "layer81-act",
        "layer84-route", "layer85-act", "layer86-upsample", "layer88-act", "layer89-act", "layer90-act"],
    "deepstream_xavier_trt7.1_yolo_dla_subgraph_limit_excerpt.log": [
        "conv_6", "conv_8", "conv_13", "conv_14", "conv_16", "conv_21", "conv_22", "conv_24", "conv_28", "conv_36",
        "conv_30", "conv_37"],
    "deepstream_xavier_trt7.1_yolo_dla_unsupported_leaky_excerpt.log": [
        "leaky_1", "leaky_2", "leaky_3", "route_3", "(Unnamed Layer* 10) [Slice]", "leaky_5", "leaky_6"],
    "python_api_orin_trt_yolo11_dla_validation_split_excerpt.log": [
        "/model.23/Concat_4", "/model.23/Constant_12_output_0", "(Unnamed Layer* 388) [Shuffle]", "/model.23/Concat_5",
        "/model.10/m/m.0/attn/Reshape"],
    "trtexec_orin_trt8.4_cifar_model_gn_dla_placement_excerpt.log": [
        "Reshape_2 + (Unnamed Layer* 7) [Shuffle]", "InstanceNormalization_5", "(Unnamed Layer* 12) [Shuffle] + Reshape_7",
        "71 + (Unnamed Layer* 16) [Shuffle] + Mul_8", "72 + (Unnamed Layer* 19) [Shuffle] + Add_9",
        "Reshape_13 + (Unnamed Layer* 29) [Shuffle]"],
    "trtexec_orin_trt8.4_cifar_model_bn_dla_placement_excerpt.log": [
        "GlobalAveragePool_8", "copied_squeeze_after_(Unnamed Layer* 20) [ElementWise]"],
    "trtexec_orin_trt8.4_gpu_myelin_foreignnode_verbose_crash.log": [
        "{ForeignNode[18 + (Unnamed Layer* 1) [Shuffle]...If_6_OutputLayer]}"],
    "sample_nmt_trt8.x_dla_no_layer_can_run_excerpt.log": [
        "Projection Matrix Multiply", "Replicate beam likelihoods", "Softmax in likelihood calculation",
        "TopK 1st in likelihood calculation", "EltWise multiplication in likelihood calculation",
        "Reshape combined likelihoods", "TopK 2nd in likelihood calculation", "Reshape vocabulary indices",
        "Shuffle vocabulary indices"],
}


def test_every_corpus_file_has_expected_counts():
    names = {p.name for p in corpus_files()}
    if not names:
        pytest.skip("corpus not available")
    assert names == set(EXPECTED), "a corpus file was added or removed: count it by hand and add it here"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_counts(name):
    loadables, gpu, reformats, qps = EXPECTED[name]
    result = read([corpus_file(name)])
    layout, counts = result.layout, result.counts
    assert counts["dla_loadables"] == loadables
    assert counts["gpu_layers"] == gpu
    if loadables is not None:
        assert len(layout.dla_loadables) == loadables
    if gpu is not None:
        assert len(layout.gpu_layers) == gpu
    if reformats is None:
        assert counts["reformats"] is None
    else:
        kinds: dict[str, int] = {}
        for r in layout.reformats:
            kinds[r.kind] = kinds.get(r.kind, 0) + 1
        assert kinds == reformats
        assert counts["reformats"] == sum(reformats.values())
    assert counts["throughput_qps"] == qps
    if name in GPU_NAMES:
        assert [p.name for p in layout.gpu_layers] == GPU_NAMES[name]


def test_reasons_are_mapped_from_tensorrt_wording():
    layout = read([corpus_file("python_api_orin_trt_yolo11_dla_validation_split_excerpt.log")]).layout
    reasons = {p.name: [r.id for r in p.reasons] for p in layout.gpu_layers}
    assert reasons == {
        "/model.23/Concat_4": ["concat-axis"],
        "/model.23/Constant_12_output_0": ["reported-unsupported"],
        "(Unnamed Layer* 388) [Shuffle]": ["reported-unsupported"],
        "/model.23/Concat_5": ["concat-axis"],
        "/model.10/m/m.0/attn/Reshape": ["shuffle-params", "dla-validation"],
    }
    kinds = {p.name: p.kind for p in layout.gpu_layers}
    assert kinds["/model.23/Constant_12_output_0"] == "Constant"


@pytest.mark.parametrize("name,layer,reasons", [
    ("app_xavier_trt5or6_yolov3_caffe_dla_fallback_warnings_excerpt.log", "layer84-route", ["concat-inputs"]),
    ("deepstream_xavier_trt7.1_yolo_dla_unsupported_leaky_excerpt.log", "leaky_1", ["unsupported-op"]),
    ("deepstream_xavier_trt7.1_yolo_dla_unsupported_leaky_excerpt.log", "route_3", ["concat-inputs"]),
    ("deepstream_xavier_trt7.1_yolo_dla_subgraph_limit_excerpt.log", "conv_37", ["loadable-limit"]),
    ("sample_nmt_trt8.x_dla_no_layer_can_run_excerpt.log", "EltWise multiplication in likelihood calculation", ["batch-limit"]),
    ("sample_nmt_trt8.x_dla_no_layer_can_run_excerpt.log", "Projection Matrix Multiply", ["reported-unsupported"]),
])
def test_reason_ids_per_generation(name, layer, reasons):
    layout = read([corpus_file(name)]).layout
    assert [r.id for r in layout.placement(layer).reasons] == reasons


def test_myelin_foreign_node_is_not_a_dla_loadable():
    layout = read([corpus_file("trtexec_orin_trt8.4_gpu_myelin_foreignnode_verbose_crash.log")]).layout
    (p,) = layout.placements
    assert (p.device, p.kind) == ("GPU", "Myelin")
    assert layout.platform == "Orin, TensorRT 8.4.10"
    assert any("build aborted" in n for n in layout.notes)


def test_trt7_subgraph_list_members_are_kept():
    layout = read([corpus_file("trtexec_xavier_trt7.1_yolov4_mish_dla_subgraph_list_excerpt.log")]).layout
    first = layout.dla_loadables[0]
    assert layout.placement(first.first).onnx_nodes == (
        "Tanh_3", "Mul_4", "Conv_5", "BatchNormalization_6", "scale_operand_of_Sub_705", "scale_operand_of_Sub_1073",
        "scale_operand_of_Sub_1441")


def test_profile_json_of_googlenet_dla_has_140_layer_group():
    layout = read([corpus_file("exportprofile_xavier_trt7.1_googlenet_dla_fallback_prob.json")]).layout
    assert len(layout.placement(layout.dla_loadables[0].first).onnx_nodes) == 140


def test_layer_info_and_profile_of_one_engine_merge():
    r = read([corpus_file("layerinfo_gpu_a100_resnet50_qat_detailed.json"), corpus_file("exportprofile_gpu_a100_resnet50_qat.json")])
    assert len(r.layout.reformats) == 12
    assert len(r.measurement.layer_times) == 37
    assert r.measurement.layer_times[0].median_ms == 0.06144
    assert r.measurement.dla_time_share == 0.0
    q = r.layout.reformats[0]
    assert (q.name, q.kind, q.from_format) == ("QuantizeLinear_2", "qdq", "Row major linear FP32")
    assert q.bytes == 32 * 3 * 224 * 224 * (4 + 1)
    assert r.layout.source.startswith("measured from ")
