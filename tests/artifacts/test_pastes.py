"""What users paste: several builds, elisions, fragments, GPU-only Myelin, and counts the paste does not show."""

from __future__ import annotations

from dla_advisor.artifacts import read

from support import corpus_file, run_cli, run_cli_json

TWO_BUILDS = "trtexec_xavier_trt8.2_two_builds_dla_placement_shell_script_excerpt.log"
CLIP = "trtexec_gpu_trt8.6_clip_uvit_myelin_two_profiles_newcolumns_excerpt.log"


def test_two_builds_in_one_paste_are_reported_one_by_one():
    r = read([corpus_file(TWO_BUILDS)])
    assert [(b.counts["dla_loadables"], b.counts["gpu_layers"]) for b in r.builds] == [(1, 2), (5, 5)]
    assert r.builds[1].layout.dla_loadables[0].first == \
        "{ForeignNode[conv2d_1/convolution...(Unnamed Layer* 67) [Deconvolution]]}"
    # The top level is the first build, not a merge of both.
    assert len(r.layout.dla_loadables) == 1


def test_myelin_profiles_of_a_discrete_gpu_never_read_as_dla():
    r = read([corpus_file(CLIP)])
    assert len(r.builds) == 2
    for b in r.builds:
        m = b.measurement
        assert m.dla_time_share is None
        assert not any(t.device == "DLA" for t in m.layer_times)
        assert b.counts["dla_loadables"] is None and not b.layout.dla_loadables
    assert r.builds[1].counts["reformats"] == 9


def test_myelin_typed_node_is_gpu_and_settles_the_count():
    r = read([corpus_file("trtexec_gpu_t4_trt8.2_swin_fp16_engine_layer_information_myelin_excerpt.log")])
    assert r.counts["dla_loadables"] == 0
    assert [p.device for p in r.layout.placements] == ["GPU", "GPU"]


def test_trt10_offloaded_lines_are_the_loadables():
    r = read([corpus_file("trtexec_orin_trt10.3_resnet50_dla_offloaded_verbose_excerpt.log")])
    assert [s.first for s in r.layout.dla_loadables] == [
        "{ForeignNode[/conv1/Conv.../layer4/layer4.2/relu_2/Relu]}",
        "{ForeignNode[/fc/Gemm + (Unnamed Layer* 125) [ElementWise]]}"]
    assert any("offloaded 2 of 2" in n for n in r.layout.notes)


def test_trailing_list_comma_and_repeated_timestamps_do_not_leak_into_names():
    r = read([corpus_file("sample_cudla_trt8.5plus_readme_dla_placement_omit_excerpt.log")])
    assert r.layout.dla_loadables[0].first == "{ForeignNode[(Unnamed Layer* 0) [ElementWise]]}"
    r = read([corpus_file("trtexec_xavier_trt7.x_shufflenet_tf_dla_repeated_timestamps_excerpt.log")])
    messages = [x.message for p in r.layout.gpu_layers for x in p.reasons]
    assert messages and not any("07/29/2021" in m for m in messages)


def test_network_input_copy_node_is_a_reformat_at_the_input():
    r = read([corpus_file("python_api_trt8.x_yolox_gpu_placement_network_input_copynode_excerpt.log")])
    (ref,) = r.layout.reformats
    assert (ref.kind, ref.location, ref.tensor) == ("copy_node", "network_input", "input_0")
    assert "(Unnamed Layer* 149) [Slice]_output copy" in [p.name for p in r.layout.gpu_layers]


def test_polygraphy_engine_listing():
    r = read([corpus_file("polygraphy_inspect_model_engine_rtdetr_layers_excerpt_issue3679.log")])
    assert [p.name for p in r.layout.placements] == ["reshape_after_/model/encoder/encoder.0/layers.0/linear1/MatMul"]
    assert any("elided" in n for n in r.layout.notes)


def test_headerless_profile_rows_and_load_engine_command():
    r = read([corpus_file("trtexec_orin_trt8.5_lprnet_dumpprofile_headerless_rows_two_runs_excerpt.log")])
    names = [t.name for t in r.measurement.layer_times]
    assert len(names) == 9 and names[0] == "d_5/add_5 + PWN(re_lu_12_clip)" and "Total" not in names
    assert r.measurement.layer_times[6].percent == 69.4
    assert r.builds == ()  # the second RUNNING line has nothing after it


def test_elided_dump_profile_table_stays_one_table(tmp_path):
    # The shape of a real paste: rows of the old layout, a "......" line a user left where rows were cut.
    p = tmp_path / "profile.log"
    p.write_text(
        "[07/06/2023-17:19:08] [I] === Profile (399 iterations ) ===\n"
        "[07/06/2023-17:19:08] [I]                               Layer   Time (ms)   Avg. Time (ms)   Time %\n"
        "[07/06/2023-17:19:08] [I]                       images to nvm       33.99           0.0852      1.1\n"
        "......\n"
        "[07/06/2023-17:19:08] [I]                     head_3 from nvm     3069.55           7.6931     98.4\n"
        "[07/06/2023-17:19:08] [I]                               Total     3107.59           7.7882    100.0\n")
    r = read([p])
    assert [t.name for t in r.measurement.layer_times] == ["images to nvm", "head_3 from nvm"]
    assert any("elided" in n for n in r.layout.notes)


def test_batch_on_the_passed_line_counts_without_a_running_line(tmp_path):
    p = tmp_path / "tail.log"
    p.write_text("[03/01/2021-10:00:00] [I] Throughput: 312.5 qps\n"
                 "&&&& PASSED TensorRT.trtexec # ./trtexec --deploy=googlenet.prototxt --output=prob --batch=16 "
                 "--useDLACore=0 --allowGPUFallback --int8\n")
    r = read([p])
    assert r.measurement.batch == 16 and r.counts["batch"] == 16
    assert r.counts["dla_loadables"] is None  # --useDLACore, but no placement section


def test_inspect_json_writes_null_and_text_says_not_shown(tmp_path, capsys):
    log = corpus_file("trtexec_orin_trt10.3_yolo11n_dla_only_fp16.log")
    rc, doc = run_cli_json(capsys, "inspect", log, "--format", "json")
    assert rc == 0
    assert doc["schema_version"] == "1.1"
    assert doc["counts"]["dla_loadables"] is None and doc["layout"]["summary"]["dla_loadables"] is None
    assert doc["reformats_by_kind"] is None and doc["counts"]["throughput_qps"] == 36.9222
    rc, out, err = run_cli(capsys, "inspect", log)
    assert rc == 0
    assert "DLA loadables: not shown" in out and "Reformat layers: not shown" in out
    assert "DLA loadables not shown" in err


def test_inspect_json_lists_each_build(capsys):
    rc, doc = run_cli_json(capsys, "inspect", corpus_file(TWO_BUILDS), "--format", "json")
    assert rc == 0
    assert [b["counts"]["dla_loadables"] for b in doc["builds"]] == [1, 5]
    rc, out, _ = run_cli(capsys, "inspect", corpus_file(TWO_BUILDS))
    assert rc == 0
    assert "=== Build 2 of 2 in the log ===" in out


def test_a_row_cut_mid_line_does_not_end_the_table(tmp_path):
    p = tmp_path / "cut.log"
    p.write_text(
        "[03/16/2022-17:51:24] [I]                     Layer   Time (ms)   Avg. Time (ms)   Time %\n"
        "[03/16/2022-17:51:24] [I]               Conv_0 + Relu_1       78.41           0.0181      3.9\n"
        "[03/16/2022-17:51:24] [I]               Conv_3 + Rel\n"
        "[03/16/2022-17:51:24] [I]       Conv_5 + Add_6 + Relu_7       51.50           0.0119      2.6\n")
    r = read([p])
    assert [t.name for t in r.measurement.layer_times] == ["Conv_0 + Relu_1", "Conv_5 + Add_6 + Relu_7"]
    assert any("cut mid-line" in n for n in r.layout.notes)


def test_glog_prefix_of_triton_is_stripped():
    from dla_advisor.artifacts._prefix import split_prefix

    line = "W0528 18:03:34.171215 1 logging.cc:46] Default DLA is enabled but layer conv_6 is not supported on DLA, falling back to GPU."
    assert split_prefix(line) == ("W", "Default DLA is enabled but layer conv_6 is not supported on DLA, falling back to GPU.")


def test_fenced_and_cut_json_pastes_are_read_record_by_record(tmp_path):
    p = tmp_path / "profile.json"
    p.write_text('```json\n[\n  { "count" : 10 }\n'
                 ', { "name" : "conv1", "timeMs" : 1.0, "averageMs" : 0.1, "percentage" : 50 }\n'
                 ', { "name" : "conv2", "timeMs" : 1.0, "averageMs" : 0.1, "perce')
    r = read([p])
    assert [t.name for t in r.measurement.layer_times] == ["conv1"]
    assert any("the last row cut off" in n for n in r.layout.notes)
    q = tmp_path / "names.json"
    q.write_text('{"Layers": ["Conv_0 + Relu_1", "Reformatting CopyNode for Input Tensor 0 to x", "Pool_3')
    r = read([q])
    assert [p.name for p in r.layout.placements] == ["Conv_0 + Relu_1"] and r.counts["reformats"] == 1


def test_bare_profile_rows_without_header_or_prefix(tmp_path):
    p = tmp_path / "rows.txt"
    p.write_text("   conv1 + relu1       12.00      0.1200      40.0\n   conv2       18.00      0.1800      60.0\n")
    r = read([p])
    assert r.artifacts[0][1] == "dump-profile"
    assert [t.avg_ms for t in r.measurement.layer_times] == [0.12, 0.18]


def test_other_runtimes_prefixes_are_stripped():
    from dla_advisor.artifacts._prefix import split_prefix

    msg = "Default DLA is enabled but layer Conv_0 is not supported on DLA, falling back to GPU."
    # ONNX Runtime's TensorRT provider (coloured by the terminal), Torch-TensorRT.
    assert split_prefix("\x1b[0;93m2024-09-05 16:34:58.430807424 [W:onnxruntime:Default, tensorrt_execution_provider.h:83 "
                        f"log] [2024-09-05 23:34:58 WARNING] {msg}\x1b[m") == ("W", msg)
    assert split_prefix(f"WARNING: [Torch-TensorRT TorchScript Conversion Context] - {msg}") == ("W", msg)


def test_inspect_model_compares_a_tensorrt_86_log_layer_by_layer(models_dir, capsys):
    # The tutorial CNN as torch 2 exports it (module-scoped names), against the TRT 8.6-era log of that model.
    log = corpus_file("trtexec_orin_trt8.6_cifar_model_bn_dla_placement_elided_excerpt.log")
    rc, doc = run_cli_json(capsys, "inspect", log, "--model", models_dir / "cifar_bn_scoped.onnx",
                           "--platform", "orin-trt8.6", "--precision", "int8", "--shapes", "input:32x3x32x32",
                           "--format", "json")
    assert rc == 0
    c = doc["comparison"]
    compared = [x for x in c["layers"] if x["measured"]]
    assert [x["layer"] for x in compared][-2:] == ["/pool/GlobalAveragePool", "/linear/Gemm"]
    assert len(compared) == 6 and all(x["agrees"] for x in compared)
    assert c["loadables"] == {"predicted": 2, "measured": 2} and c["reformats"]["measured"] is None
    assert c["matches"] is True


def test_check_json_of_an_artifact_writes_null_for_counts_it_does_not_show(capsys):
    log = corpus_file("app_xavier_trt5or6_yolov3_caffe_dla_fallback_warnings_excerpt.log")
    _, doc = run_cli_json(capsys, "check", log, "--format", "json")
    (entry,) = doc["inputs"]
    assert doc["schema_version"] == "1.1"
    assert entry["summary"]["dla_loadables"] is None and entry["summary"]["gpu_layers"] == 13
